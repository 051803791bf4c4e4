"""Linking a simulation scenario to a market file: demand from a share of a segment.

A scenario may say, instead of a fixed ``demand.cases_per_year``::

    demand:
      market: {file: market/doc000_2026.yaml, year: 2027, share: 0.02,
               segment: {source: outsourced, type: online_portal, region: north_america}}

and the volume becomes 2% of that segment's second opinions in 2027
(:func:`sim.market.derive_demand` shows the arithmetic). With
``specialty_mix: true`` (the default) the market's application shares set the
shares of the scenario's specialties of the same name; whatever share the market
gives to segments the scenario does not name (and to the market's residual
``other``) is spread over the scenario's remaining specialties in the
scenario's own proportions.

Example:
    >>> platform = sim.load_scenario("scenarios/platform_2026_2035.yaml")  # 0.75% of a segment
    >>> s, derived = with_market_demand(platform, year=2030)
    >>> round(platform.demand.cases_per_year), round(s.demand.cases_per_year)   # 2026, 2030
    (10981, 14784)
    >>> print(derived.arithmetic)
    0.8% of the outsourced, north america second opinions of 2030 (doc000_2026):
      market 2030                           USD bn 9.642
      x source = outsourced                       39.66%  2030 share
      x region = north_america                    37.36%  2030 share
      = segment revenue                    USD bn 1.4289
      / price per case                           USD 725  average over type, by share
      = segment cases                          1,971,202  a year
      x platform share                             0.75%
      = cases_per_year                          14,784.0
    ...
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sim.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from sim.market.demand import DerivedDemand
    from sim.market.projection import Projection
    from sim.scenario.models import Scenario


@lru_cache(maxsize=8)
def _projection(path: str, mtime: float) -> Projection:
    from sim.market.projection import project

    return project(path)


def resolve_file(scenario: Scenario, base_dir: Path) -> Scenario:
    """The scenario with its market file's path made absolute (relative to ``base_dir``)."""
    m = scenario.demand.market
    path = (base_dir / m.file).resolve()
    if not path.is_file():
        raise ScenarioError([Problem("<scenario>", None, "demand.market.file",
                                     f"market file not found: {path}")])
    market = m.model_copy(update={"file": str(path)})
    return scenario.model_copy(update={"demand": scenario.demand.model_copy(
        update={"market": market})})


def merge_specialty_mix(own: dict[str, float], market: dict[str, float]) -> dict[str, float]:
    """Market shares for the specialties it names; the rest in the scenario's proportions.

    A market segment called ``other`` is the market's residual, not the
    scenario's ``other`` specialty, so it is spread like any unnamed share.

    >>> mix = merge_specialty_mix({"oncology": 0.3, "cardiology": 0.2, "other": 0.5},
    ...                           {"oncology": 0.4, "neurology": 0.1, "other": 0.5})
    >>> {k: round(v, 4) for k, v in mix.items()}
    {'oncology': 0.4, 'cardiology': 0.1714, 'other': 0.4286}
    """
    total = sum(market.values())
    named = {sp: market[sp] / total for sp in own if sp in market and sp != "other"}
    rest = 1 - sum(named.values())
    others = {sp: w for sp, w in own.items() if sp not in named}
    weight = sum(others.values())
    if not others or weight <= 0:
        scale = 1 / sum(named.values())
        return {sp: named.get(sp, 0.0) * scale for sp in own}
    return {sp: named[sp] if sp in named else rest * others[sp] / weight for sp in own}


def with_market_demand(scenario: Scenario, year: int | None = None,
                       ) -> tuple[Scenario, DerivedDemand]:
    """The scenario with its demand taken from its market file for ``year`` (default: its own)."""
    from sim.market.demand import derive_demand

    m = scenario.demand.market
    year = m.year if year is None else year
    path = Path(m.file)
    try:
        projection = _projection(str(path), path.stat().st_mtime)
        derived = derive_demand(projection, year, m.share, m.segment)
    except ScenarioError:
        raise
    except (ValueError, KeyError, OSError) as err:
        raise ScenarioError([Problem(str(path), None, "demand.market", str(err))]) from None
    update: dict = {"cases_per_year": derived.cases_per_year}
    if m.specialty_mix and derived.specialty_mix:
        mix = scenario.demand.mix
        new = merge_specialty_mix(mix.specialty, derived.specialty_mix)
        update["mix"] = mix.model_copy(update={"specialty": new})
    demand = scenario.demand.model_copy(update=update)
    return scenario.model_copy(update={"demand": demand}), derived
