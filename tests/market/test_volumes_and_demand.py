"""Volumes, derived demand, adoption paths and scaled KPIs, checked against hand arithmetic.

The toy market (``conftest.py``) in 2027: total 100 x 1.1^2 = 121 (USD million); outsourced
40 x 1.2^2 = 57.6; online portal 50% at USD 500, hospital 50% at USD 1,000; North America
40% (US 75% of it); oncology 30% at 3 h a case, others 1 h.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.market.demand import DerivedDemand, adoption_path, derive_demand, market_scale
from sim.market.projection import Projection
from sim.market.volumes import volume_table

OUTSOURCED_2027 = 57.6e6  # USD


def test_platform_share_of_a_segment_by_hand(toy: Projection) -> None:
    segment = {"source": "outsourced", "type": "online_portal", "region": "north_america"}
    d = derive_demand(toy, 2027, 0.02, segment)
    # 57.6 m x 50% online x 40% North America / USD 500 = 23,040 cases; 2% of them:
    assert d.segment_cases == pytest.approx(OUTSOURCED_2027 * 0.5 * 0.4 / 500)
    assert d.cases_per_year == pytest.approx(460.8)
    # hours: 30% oncology at 3 h, 70% at 1 h = 1.6 h a case
    assert d.specialist_hours == pytest.approx(460.8 * 1.6)
    assert d.fte == pytest.approx(460.8 * 1.6 / 1800)
    assert d.specialty_mix == pytest.approx({"oncology": 0.3, "other": 0.7})
    for step in ("x source = outsourced", "/ price per case", "USD 500", "= cases_per_year",
                 "460.8", "independent"):
        assert step in d.arithmetic, step
    assert str(d) == d.arithmetic


def test_price_is_averaged_harmonically_when_the_type_is_open(toy: Projection) -> None:
    d = derive_demand(toy, 2027, 1.0, {"source": "outsourced", "region": "north_america"})
    revenue = OUTSOURCED_2027 * 0.4
    assert d.cases_per_year == pytest.approx(revenue * (0.5 / 500 + 0.5 / 1000))  # 34,560
    assert "average over type" in d.arithmetic


def test_a_fixed_specialty_has_no_mix_and_its_own_hours(toy: Projection) -> None:
    d = derive_demand(toy, 2025, 0.1, {"application": "oncology"})
    assert d.specialty_mix is None
    assert d.cases_per_year == pytest.approx(0.1 * 30e6 * (0.5 / 500 + 0.5 / 1000))
    assert d.specialist_hours == pytest.approx(3 * d.cases_per_year)


def test_a_country_implies_its_region(toy: Projection, toy_market) -> None:
    d = derive_demand(toy_market, 2025, 1.0, {"country": "us"})
    assert d.segment_revenue == pytest.approx(100 * 0.4 * 0.75)
    with pytest.raises(ValueError, match="lies in 'north_america'"):
        derive_demand(toy, 2025, 1.0, {"country": "us", "region": "rest_of_world"})


@pytest.mark.parametrize(("segment", "share", "year", "match"), [
    ({"channel": "online"}, 0.1, 2027, "unknown dimension 'channel'"),
    ({"type": "phone"}, 0.1, 2027, "unknown segment 'phone' of type"),
    ({"country": "fr"}, 0.1, 2027, "no projected country 'fr'"),
    ({}, 1.5, 2027, "share must be between 0 and 1"),
    ({}, 0.1, 2040, "outside the projection"),
])
def test_bad_demand_requests(toy: Projection, segment, share, year, match) -> None:
    with pytest.raises(ValueError, match=match):
        derive_demand(toy, year, share, segment)


def test_named_only_dimension_cannot_be_selected(doc003: Projection) -> None:
    with pytest.raises(ValueError, match="named only"):
        derive_demand(doc003, 2027, 0.01, {"region": "europe"})
    whole = derive_demand(doc003, 2027, 0.01, {})
    assert whole.cases_per_year == pytest.approx(0.01 * doc003.total_of(2027) * 1e9 / 750)
    assert whole.specialty_mix is None and "named only" in whole.arithmetic


def test_doc000_example_from_the_issue(doc000: Projection) -> None:
    segment = {"source": "outsourced", "type": "online_portal", "region": "north_america",
               "application": "oncology"}
    d = derive_demand(doc000, 2027, 0.02, segment)
    by_hand = doc000.total_of(2027) * 1e9 / 678 * 0.02
    for dim, seg in segment.items():
        by_hand *= doc000.share(dim, seg, 2027)
    assert d.cases_per_year == pytest.approx(by_hand)
    assert 3000 < d.cases_per_year < 4000


def test_volume_table_adds_up_and_uses_the_prices(toy: Projection) -> None:
    v = volume_table(toy)
    total = v[v["dimension"] == "total"].set_index("year")
    for d in toy.dimensions:
        sums = v[v["dimension"] == d].groupby("year")["cases"].sum()
        np.testing.assert_allclose(sums, total["cases"], rtol=1e-12)
    prices = v[(v["dimension"] == "type") & (v["year"] == 2030)].set_index("segment")
    assert prices.loc["online_portal", "price_per_case"] == pytest.approx(500)
    assert prices.loc["hospital", "price_per_case"] == pytest.approx(1000)
    assert total.loc[2025, "cases"] == pytest.approx(100e6 * (0.5 / 500 + 0.5 / 1000))
    assert total.loc[2025, "fte"] == pytest.approx(total.loc[2025, "cases"] * 1.6 / 1800)


def test_adoption_path_interpolates_linearly_and_holds_outside() -> None:
    path = adoption_path({2025: 0.2, 2030: 0.6}, range(2023, 2033))
    assert path[2027] == pytest.approx(0.36)
    assert path[2023] == path[2025] == 0.2 and path[2032] == path[2030] == 0.6
    assert adoption_path({2030: 0.6}, [2026]) == {2026: 0.6}
    with pytest.raises(ValueError, match="between 0 and 1"):
        adoption_path({2030: 60}, [2030])
    with pytest.raises(ValueError, match="at least one"):
        adoption_path({}, [2030])


def test_market_scale_carries_the_interval_through() -> None:
    per_case = pd.DataFrame({"mean": [2.0, 500.0], "sd": [0.3, 40.0], "ci_low": [1.8, 470.0],
                             "ci_high": [2.2, 530.0], "n": [5, 5]},
                            index=pd.Index(["hours", "cost"], name="kpi"))
    out = market_scale(per_case, 1000.0).set_index("kpi")
    assert out.loc["hours", ["mean", "ci_low", "ci_high"]].tolist() == [2000, 1800, 2200]
    assert out.loc["cost", "per_case_mean"] == 500 and out.loc["cost", "n"] == 5
    by_year = market_scale(per_case, {2026: 100, 2027: 200}, kpis=["cost"])
    assert by_year["year"].tolist() == [2026, 2027]
    assert by_year["ci_high"].tolist() == [53_000, 106_000]
    demand = DerivedDemand(2027, 0.02, {}, 1.0, 1e5, 2000.0, 0.0, 0.0, None, "")
    assert market_scale(per_case, demand)["mean"].tolist() == [4000, 1_000_000]
    with pytest.raises(ValueError, match="mean"):
        market_scale(per_case.drop(columns="mean"), 1.0)
    with pytest.raises(ValueError, match="negative"):
        market_scale(per_case, -1.0)
