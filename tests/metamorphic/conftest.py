"""Metamorphic relations: change one input, and a KPI must move the way a domain expert says.

A relation is a :class:`Relation`: its ``name`` (the test id), the shipped scenario it runs
on, the ``base`` and ``changed`` overrides (``--set`` syntax), the KPI it reads, the
``expected`` direction (``up``, ``down``, ``not_up``, ``not_down``) and the ``reason`` a
domain expert would sign. Both sides run on **common random numbers**: the same seed, the
same short horizon and the same replications (:data:`SEED`, :data:`SHORT`,
:data:`REPLICATIONS`), so each random stream (arrivals, durations, outcomes, money) draws the
same numbers on both sides and the difference is the change's effect, not noise. The KPI is
compared on its mean across the replications.

Runs are cached per (scenario, overrides): relations that share a base run it once per
process.

Example:
    >>> r = Relation("more_demand_higher_utilisation", "baseline.yaml", (),
    ...              ("demand.cases_per_year=14000",), "utilisation.in_house", "up",
    ...              "more work for the same specialists")
    >>> holds(r, 0.50, 0.55)
    True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sim

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SEED = 7
REPLICATIONS = 2
#: a short horizon: long enough for every stage (appointments wait ~20 days) to reach a
#: steady flow, short enough that the whole suite runs in well under a minute
SHORT = ("simulation.horizon_days=150", "simulation.warmup_days=14")

Direction = Literal["up", "down", "not_up", "not_down"]


@dataclass(frozen=True)
class Relation:
    """One metamorphic relation (see the module docstring)."""

    name: str
    scenario: str
    base: tuple[str, ...]
    changed: tuple[str, ...]
    kpi: str
    expected: Direction
    reason: str


@functools.cache
def kpi_means(scenario: str, overrides: tuple[str, ...]) -> dict[str, float]:
    """Mean KPIs of ``scenario`` with ``overrides``, on the common seed and short horizon."""
    s = sim.load_scenario(SCENARIOS / scenario, overrides=[*SHORT, *overrides])
    res = sim.run(s, seed=SEED, replications=REPLICATIONS)
    return res.kpis.mean(numeric_only=True).to_dict()


def holds(relation: Relation, before: float, after: float) -> bool:
    """Whether ``before`` -> ``after`` moves in the relation's expected direction."""
    if math.isnan(before) or math.isnan(after):
        return False
    return {"up": after > before, "down": after < before,
            "not_up": after <= before, "not_down": after >= before}[relation.expected]


def check(relation: Relation) -> None:
    """Run both sides of ``relation`` and fail with both values if it does not hold."""
    before = kpi_means(relation.scenario, relation.base)
    after = kpi_means(relation.scenario, relation.base + relation.changed)
    assert relation.kpi in before, f"{relation.kpi} is not a KPI of {relation.scenario}"
    b, a = before[relation.kpi], after.get(relation.kpi, math.nan)
    assert holds(relation, b, a), (
        f"{relation.name}: {relation.kpi} went {b:,.4g} -> {a:,.4g} with "
        f"{' '.join(relation.changed)}; expected {relation.expected} because {relation.reason}")
