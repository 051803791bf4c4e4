"""Splitting the total into segments: hand-checked values, every gap reported, sums kept.

Each test edits the toy market of ``conftest.py`` (round numbers) to create one kind of
disagreement, and checks that (a) it is reported as a warning with the figures and (b) the
segments still add up to the total every year.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.growth import anchored_path, cagr, solve_common_rate
from sim.market.load import market_from_text
from sim.market.projection import COUNTRY, Projection, project
from tests.market.conftest import TOY_YAML, edited


def toy_with(*edits: tuple[str, str]) -> Projection:
    text = TOY_YAML
    for old, new in edits:
        text = edited(old, new, text)
    return project(market_from_text(text, file="toy.yaml"))


def assert_adds_up(p: Projection) -> None:
    total = p.totals["value"].to_numpy()
    for d in p.dimensions:
        np.testing.assert_allclose(p.wide(d).sum(axis=1).to_numpy(), total, rtol=1e-12)
    for region in set(p.parents.values()):
        rows = p.table[(p.table["dimension"] == COUNTRY) & (p.table["parent"] == region)]
        sums = rows.groupby("year")["value"].sum().to_numpy()
        np.testing.assert_allclose(sums, p.wide("region")[region].to_numpy(), rtol=1e-12)


def test_toy_values_by_hand(toy: Projection) -> None:
    out = toy.wide("source")
    assert out.loc[2027, "outsourced"] == pytest.approx(40 * 1.2 ** 2)  # 57.6
    assert out.loc[2027, "in_house"] == pytest.approx(100 * 1.1 ** 2 - 57.6)  # 63.4
    row = toy.implied_rates.set_index("segment").loc["in_house"]
    assert row["implied_cagr"] == pytest.approx(cagr(60, 100 * 1.1 ** 5 - 40 * 1.2 ** 5, 5))
    assert toy.value(COUNTRY, "us", 2030) == pytest.approx(0.75 * 0.4 * 100 * 1.1 ** 5)
    assert toy.value(COUNTRY, "rest_of_north_america", 2025) == pytest.approx(10)
    assert toy.warnings == []
    assert_adds_up(toy)


def test_a_rate_for_part_of_the_period() -> None:
    p = toy_with(("outsourced: {cagr: 0.20}",
                  "outsourced: {cagr: {rate: 0.2, from: 2026, to: 2028}}"))
    share = {y: p.share("source", "outsourced", y) for y in range(2025, 2031)}
    assert share[2025] == share[2026] == pytest.approx(0.4)  # its share until `from`
    assert p.value("source", "outsourced", 2028) == pytest.approx(0.4 * 110 * 1.2 ** 2)
    assert share[2028] == share[2029] == pytest.approx(share[2030])  # its share after `to`
    assert_adds_up(p)


def test_table_columns_and_growth(toy: Projection) -> None:
    t = toy.table
    assert list(t.columns) == ["year", "dimension", "segment", "parent", "value", "share",
                               "growth", "cagr"]
    row = t[(t["segment"] == "outsourced") & (t["year"] == 2028)].iloc[0]
    assert row["growth"] == pytest.approx(0.2) and row["cagr"] == pytest.approx(0.2)
    assert row["share"] == pytest.approx(40 * 1.2 ** 3 / (100 * 1.1 ** 3))


def test_shares_not_summing_to_one_are_scaled_with_a_warning() -> None:
    p = toy_with(("online_portal: {share: 0.5}", "online_portal: {share: 0.4}"))
    (w,) = p.warnings
    assert "90.0%" in w.message and "scaled by 1.1111" in w.message and w.line == 15
    assert p.share("type", "hospital", 2025) == pytest.approx(0.5 / 0.9)
    assert_adds_up(p)


def test_rounding_of_shares_is_a_note_not_a_warning() -> None:
    p = toy_with(("online_portal: {share: 0.5}", "online_portal: {share: 0.503}"))
    assert p.warnings == []
    assert any("100.3%" in f.message for f in p.report if f.level == "note")
    assert_adds_up(p)


def test_stated_growth_that_outgrows_the_total_cannot_be_reconciled() -> None:
    p = toy_with(("outsourced: {cagr: 0.20}", "outsourced: {cagr: 0.60}"))
    (w,) = p.warnings
    assert w.message.startswith("cannot be reconciled: in 2028") and w.path[-1] == "segments"
    assert p.value("source", "in_house", 2030) == 0
    assert p.value("source", "outsourced", 2030) == pytest.approx(100 * 1.1 ** 5)
    assert_adds_up(p)


def test_every_segment_stated_is_scaled_to_the_total_with_a_warning() -> None:
    p = toy_with(("in_house: {share: 0.6}", "in_house: {share: 0.6, cagr: 0.02}"))
    (w,) = p.warnings
    assert "every segment has a stated CAGR" in w.message and "2030" in w.message
    assert_adds_up(p)


def test_countries_exceeding_their_region_are_reported() -> None:
    p = toy_with(("countries: {us: {share: 0.75}}",
                  "countries: {us: {share: 0.75}, ca: {value: 5, cagr: 0.3}}"))
    (w,) = p.warnings  # 30 x 1.1^t + 5 x 1.3^t passes 40 x 1.1^t in year 5
    assert "countries of north_america add up to" in w.message and "in 2030" in w.message
    assert w.figures["countries"] > w.figures["region"]
    assert_adds_up(p)


def test_a_false_fastest_claim_is_reported() -> None:
    p = toy_with(("outsourced: {cagr: 0.20}", "outsourced: {cagr: 0.05, fastest: true}"))
    (w,) = p.warnings
    assert "outsourced is stated to grow fastest (5.00%)" in w.message and "in_house" in w.message


def test_values_larger_than_the_total_leave_no_rest() -> None:
    p = toy_with(("in_house: {share: 0.6}", "in_house: {value: 130}"))
    (w,) = p.warnings
    assert "130.0%" in w.message and "outsourced set to 0" in w.message
    assert_adds_up(p)


def test_solve_common_rate_matches_the_closed_form() -> None:
    assert solve_common_rate([2.0, 3.0], 5 * 1.07 ** 9, 9) == pytest.approx(0.07, abs=1e-10)
    mixed = solve_common_rate([1.0, 1.0], 1.1 ** 2 + 1.1 ** 3, [2, 3])
    assert mixed == pytest.approx(0.1, abs=1e-10)
    assert np.isnan(solve_common_rate([1.0], -2.0, 5))
    assert np.isnan(solve_common_rate([0.0], 2.0, 5))


def test_anchored_path_is_geometric_between_anchors() -> None:
    path = anchored_path({2025: 100.0, 2027: 121.0, 2029: 121.0}, range(2025, 2031))
    np.testing.assert_allclose(path, [100, 110, 121, 121, 121, 121])
    with pytest.raises(ValueError, match="before the first anchor"):
        anchored_path({2025: 1.0}, [2024])


@settings(max_examples=60, deadline=None)
@given(shares=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=5),
       rates=st.lists(st.one_of(st.none(), st.floats(-0.3, 0.5)), min_size=2, max_size=5),
       total_rate=st.floats(-0.2, 0.3))
def test_segments_always_add_up(example_counter, shares: list[float],
                                rates: list[float | None], total_rate: float) -> None:
    example_counter["market: segments always add up"] += 1
    scale = sum(shares) * 1.2  # sum below 1, so the last segment is a positive rest
    lines = []
    for i, rate in enumerate(rates[: len(shares)]):
        spec = [f"share: {shares[i] / scale:.6f}"] if i < len(shares) - 1 else []
        spec += [f"cagr: {rate:.6f}"] if rate is not None else []
        lines.append(f"      s{i}: {{{', '.join(spec)}}}")
    text = edited("  cagr: 0.10", f"  cagr: {total_rate:.6f}",
                  edited("      in_house: {share: 0.6}\n      outsourced: {cagr: 0.20}",
                         "\n".join(lines)))
    p = project(market_from_text(text, file="toy.yaml"))
    assert_adds_up(p)
    assert (p.table["value"] >= 0).all()
