"""The shipped market files reproduce their documents' figures, and report their gaps.

Figures to reproduce are in docs/sources.md#doc000 and #doc003: document 000 (6.89 -> 7.37 ->
13.49, 6.95% CAGR; outsourced 8.1%, implying in-house about 6.2% and ~58% by 2035) and
document 003 (6.12 -> 24.87, "nearly 14.85%", while its end points imply 15.05%).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.market.compare import compare
from sim.market.load import load_market
from sim.market.projection import COUNTRY, Projection, project
from tests.market.conftest import DOC000, DOC003


def totals(p: Projection) -> dict[int, float]:
    return dict(zip(p.totals["year"], p.totals["value"], strict=True))


def test_doc000_totals_to_two_decimals(doc000: Projection) -> None:
    t = totals(doc000)
    assert [round(t[y], 2) for y in (2025, 2026, 2035)] == [6.89, 7.37, 13.49]
    assert round(t[2030], 2) == 9.64  # 7.37 x 1.0695^4
    assert list(t) == list(range(2025, 2036))


def test_doc000_stated_cagr_is_consistent(doc000: Projection) -> None:
    # the only warning: the HHI the document states cannot hold (tests/market/test_implications.py)
    assert [f.path for f in doc000.warnings] == [("concentration", "hhi")]
    (check,) = [f for f in doc000.report if f.path == ("total", "cagr")]
    assert check.level == "note" and "6.95%" in check.message
    assert check.figures["implied_cagr"] == pytest.approx(0.0695, abs=5e-5)
    assert check.file.endswith("doc000_2026.yaml") and check.line is not None


def test_doc000_implied_in_house_rate_and_share(doc000: Projection) -> None:
    rates = doc000.implied_rates.set_index(["dimension", "segment"])
    in_house = rates.loc[("source", "in_house")]
    assert np.isnan(in_house["stated_cagr"])
    assert in_house["implied_cagr"] == pytest.approx(0.062, abs=0.001)  # "about 6.2%"
    assert (in_house["from"], in_house["to"]) == (2026, 2035)
    assert doc000.share("source", "in_house", 2035) == pytest.approx(0.58, abs=0.005)
    assert doc000.share("source", "in_house", 2025) == pytest.approx(0.62)
    closed_form = (in_house["end_value"] / in_house["start_value"]) ** (1 / 9) - 1
    assert in_house["implied_cagr"] == pytest.approx(closed_form, abs=1e-9)  # brentq agrees
    outsourced = rates.loc[("source", "outsourced")]
    assert outsourced["stated_cagr"] == pytest.approx(outsourced["implied_cagr"]) == 0.081


def test_doc000_segment_figures(doc000: Projection) -> None:
    assert doc000.share("application", "oncology", 2025) == pytest.approx(0.34)
    assert doc000.share("service", "condition_management", 2025) == pytest.approx(0.45)
    assert doc000.share("type", "hospital", 2025) == pytest.approx(0.41)
    assert doc000.share("region", "north_america", 2025) == pytest.approx(0.38)
    assert doc000.value("region", "middle_east_africa", 2025) == pytest.approx(0.48)
    assert doc000.value(COUNTRY, "italy", 2025) == pytest.approx(0.17)
    assert doc000.value(COUNTRY, "japan", 2025) == pytest.approx(0.29)
    us = doc000.value(COUNTRY, "us", 2025) / doc000.value("region", "north_america", 2025)
    assert us == pytest.approx(0.79)
    apac = doc000.wide("region")["asia_pacific"]
    assert apac[2035] / apac[2026] == pytest.approx(1.085 ** 9)
    # every "fastest" claim holds in the projection, and is reported as checked
    fastest = [f for f in doc000.report if f.path[-1:] == ("fastest",)]
    assert len(fastest) == 4 and all(f.level == "note" for f in fastest)


def test_doc003_inconsistency_reported_with_both_rates(doc003: Projection) -> None:
    (warning,) = doc003.warnings
    assert warning.path == ("total", "cagr")
    assert "14.85%" in warning.message and "15.05%" in warning.message
    assert "24.44" in warning.message and "24.87" in warning.message
    assert warning.figures["stated_cagr"] == pytest.approx(0.1485)
    assert warning.figures["implied_cagr"] == pytest.approx(0.1505, abs=5e-5)
    assert re.match(r".*doc003_2025\.yaml:\d+: total\.cagr: warning: ", str(warning))
    t = totals(doc003)
    assert [round(t[y], 2) for y in (2025, 2035)] == [6.12, 24.87]
    rates = doc003.implied_rates.set_index("dimension").loc["total"]
    assert (rates["stated_cagr"], round(rates["implied_cagr"], 4)) == (0.1485, 0.1505)


def test_doc003_can_follow_its_stated_cagr_instead(tmp_path) -> None:
    text = DOC003.read_text().replace("  follow: values ", "  follow: cagr   ")
    (tmp_path / "d.yaml").write_text(text)
    p = project(tmp_path / "d.yaml")
    assert round(totals(p)[2035], 2) == 24.44  # 6.12 x 1.1485^10
    (warning,) = p.warnings
    assert "follow: cagr" in warning.message and "24.87" in warning.message


def test_doc003_named_only_dimensions_are_noted_not_projected(doc003: Projection) -> None:
    assert doc003.dimensions == [] and doc003.table.empty
    named = [f for f in doc003.report if "named only" in f.message]
    assert {f.path[1] for f in named} == {"service_type", "end_user", "specialty", "region"}
    countries = sum(len(f.message.split(":")[0].split(", ")) for f in doc003.report
                    if f.path[-1:] == ("countries",))
    assert countries == 18  # the outline lists 18 (market.md says "21 countries")


@pytest.mark.parametrize("path", [DOC000, DOC003], ids=["doc000", "doc003"])
def test_segments_sum_to_the_total_every_year(path) -> None:
    p = project(path)
    total = p.totals.set_index("year")["value"]
    for d in p.dimensions:
        sums = p.wide(d).sum(axis=1)
        np.testing.assert_allclose(sums.to_numpy(), total.loc[sums.index].to_numpy(), rtol=1e-12)
    countries = p.table[p.table["dimension"] == COUNTRY]
    if not countries.empty:
        regions = p.table[p.table["dimension"] == "region"].set_index(["year", "segment"])
        sums = countries.groupby(["year", "parent"])["value"].sum()
        np.testing.assert_allclose(sums.to_numpy(), regions.loc[sums.index, "value"], rtol=1e-12)


def test_the_two_documents_compared(doc000: Projection, doc003: Projection) -> None:
    table = compare(doc000, doc003)
    assert table.loc[2025, "doc000_2026"] / table.loc[2025, "doc003_2025"] == pytest.approx(
        1.126, abs=5e-4)  # "disagree with each other by 12.6% in 2025"
    assert table.loc[2035, "ratio"] == pytest.approx(1.84, abs=0.005)  # "1.84x in 2035"
    assert table.loc[2035, "difference"] == pytest.approx(24.87 - 13.49)
    assert (table["doc000_2026_cases"] > 0).all() and table.attrs["unit"] == "USD bn"


@pytest.mark.parametrize("path", [DOC000, DOC003], ids=["doc000", "doc003"])
def test_every_figure_in_the_shipped_files_names_its_source(path) -> None:
    load_market(path)  # valid
    number = re.compile(r"(:\s*|\{year: )-?\d")
    for n, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#")[0]
        if number.search(code):
            assert "#" in line, f"{path.name}:{n} has a figure without a comment: {line!r}"
            comment = line.split("#", 1)[1]
            assert re.search(r"doc 00[03]|domain-parameters|assumption|rounding|CAGR|"
                             r"percentage points|doc 000", comment), f"{path.name}:{n}"
