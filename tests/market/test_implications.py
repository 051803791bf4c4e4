"""What the documents imply but do not say: the HHI bound, countries outgrowing their region,
and the market-value-to-opinions conversion as a sourced range."""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.conversion import Conversion, conversion
from sim.market.demand import derive_demand
from sim.market.implications import hhi_bounds
from sim.market.load import market_from_text
from sim.market.models import Concentration
from sim.market.projection import Projection, project
from sim.market.volumes import volume_table
from tests.market.conftest import TOY_YAML, edited


def _doc000_concentration(doc000: Projection) -> Concentration:
    c = doc000.market.concentration
    assert c is not None
    return c


def test_doc000_hhi_cannot_hold(doc000: Projection) -> None:
    (f,) = [f for f in doc000.warnings if f.path == ("concentration", "hhi")]
    assert f.figures["hhi_max"] == pytest.approx(550.0, abs=0.5)
    assert "600-1,000 cannot hold" in f.message and f.line is not None
    # by hand: Teladoc 9, Cleveland 7, Mayo 6, 2nd.MD 5, Included 5 (sum 32, none above 10):
    # 81 + 49 + 36 + 25 + 25 = 216; the other 68% in 13 players of 5% and one of 3%: 334
    assert 81 + 49 + 36 + 25 + 25 + 13 * 25 + 3 ** 2 == 550


def test_hhi_bound_is_not_beaten_by_random_shares(doc000: Projection) -> None:
    """An independent search: random share vectors within the stated ranges never beat it."""
    c = _doc000_concentration(doc000)
    bound = hhi_bounds(c)
    rng = np.random.default_rng(1)
    lo = np.array([100 * r.low for r in c.players.values()])
    hi = np.array([100 * r.high for r in c.players.values()])
    x = lo + (hi - lo) * rng.random((200_000, 5))
    x = np.round(x * 4) / 4  # also hit the corners often
    top = x.sum(axis=1)
    ok = (top >= 28) & (top <= 32)
    x, top = x[ok], top[ok]
    m = x.min(axis=1)
    rest = 100 - top
    k = np.floor(rest / m)
    hhi = (x ** 2).sum(axis=1) + k * m ** 2 + (rest - k * m) ** 2
    assert hhi.max() <= bound.high + 1e-6
    assert hhi.max() > bound.high - 15  # and the random search gets close to it
    assert (x ** 2).sum(axis=1).min() >= bound.low - 1e-6


def test_without_named_players_the_cap_alone_allows_more() -> None:
    c = Concentration.model_validate({"top_n": 5, "top_share": {"low": 0.28, "high": 0.32},
                                      "max_share": 0.10})
    b = hhi_bounds(c)
    # five equal players of 6.4% and the other 68% in ten more of 6.4% and one of 4%
    assert b.high == pytest.approx(15 * 6.4 ** 2 + 4.0 ** 2, abs=0.5)


def test_compatible_hhi_is_a_note() -> None:
    text = TOY_YAML + ("concentration:\n  top_n: 2\n  top_share: {low: 0.3, high: 0.3}\n"
                       "  max_share: 0.2\n  hhi: {low: 500, high: 1000}\n")
    p = project(market_from_text(text, file="toy.yaml"))
    (f,) = [f for f in p.report if f.path == ("concentration", "hhi")]
    # 15% + 15%, the other 70% in four players of 15% and one of 10%
    assert f.level == "note" and f.figures["hhi_max"] == pytest.approx(1450, abs=0.2)


def test_bad_concentration_is_an_error() -> None:
    from sim.scenario.errors import ScenarioError

    text = TOY_YAML + "concentration:\n  hhi: {low: 900, high: 600}\n"
    with pytest.raises(ScenarioError, match="high must not be below low"):
        market_from_text(text, file="toy.yaml")


def test_uk_outgrows_europe(doc000: Projection) -> None:
    (f,) = [f for f in doc000.report if f.path[-2:] == ("uk", "cagr")]
    t = doc000.table
    europe = t[(t.dimension == "region") & (t.segment == "europe")].set_index("year")["value"]
    rate = (europe[2035] / europe[2025]) ** (1 / 10) - 1
    assert f.figures["region_cagr"] == pytest.approx(rate)
    assert 0.0645 < rate < 0.068 and f.figures["country_cagr"] == 0.068
    assert "slower than" in f.message
    # Germany and France give no rate, so they are not flagged
    assert not [g for g in doc000.report if "germany" in g.path]


def test_conversion_central_price_by_hand(doc000: Projection) -> None:
    conv = conversion(doc000)
    # type shares 2025: hospital 41% and other 29% at USD 750, online portal 30% at 678
    by_hand = 1 / (0.70 / 750 + 0.30 / 678)
    assert conv.central == pytest.approx(by_hand)
    assert round(conv.central) == 727
    assert (conv.low, conv.high) == (493, 790)


def test_conversion_range_reaches_volumes_and_demand(doc000: Projection) -> None:
    v = volume_table(doc000)
    row = v[(v.dimension == "total") & (v.year == 2026)].iloc[0]
    conv = conversion(doc000)
    assert row.cases_low == pytest.approx(row.cases * conv.central / 790)
    assert row.cases_high == pytest.approx(row.cases * conv.central / 493)
    d = derive_demand(doc000, 2027, 0.01, {"source": "outsourced"})
    lo, hi = d.cases_range
    assert lo < d.cases_per_year < hi
    assert hi / lo == pytest.approx(790 / 493)
    assert "sourced range 493-790" in d.arithmetic


def test_no_range_no_conversion(toy: Projection) -> None:
    assert conversion(toy) is None
    assert "cases_low" not in volume_table(toy).columns
    assert derive_demand(toy, 2026, 0.1, {}).cases_range is None


def test_value_per_opinion_must_be_positive() -> None:
    from sim.scenario.errors import ScenarioError

    text = edited("  hours_per_fte_year: 1800\n",
                  "  hours_per_fte_year: 1800\n  value_per_opinion: {low: 0, high: 700}\n")
    with pytest.raises(ScenarioError, match="value_per_opinion.low"):
        market_from_text(text, file="toy.yaml")


def test_conversion_helpers() -> None:
    c = Conversion(central=700.0, low=500.0, high=1000.0)
    assert c.fewest(100.0) == pytest.approx(70.0) and c.most(100.0) == pytest.approx(140.0)
