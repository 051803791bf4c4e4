"""Helpers for the statistical validation suite.

Every test here reduces the simulator, by configuration alone, to a system with
a known answer and checks the simulation against it. Estimates are made per
independent replication (replication ``r`` of a seed draws from its own
streams), and compared with a 99% Student-t interval across replications.

Runs are cached within a test module (``run_reps``), so tests that look at
the same system from different angles (mean wait, P(wait), tail, Little's law)
pay for it once.
"""

from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pytest
import yaml
from scipy import stats

from sim.engine.model import Replication, simulate
from sim.engine.plan import Plan, build_plan
from sim.loading import scenario_from_text
from sim.outputs.results import Results
from sim.scenario import Scenario

HOURS_PER_YEAR = 8760.0
START = datetime.date(2026, 1, 5)  # a Monday: t = 0 is Monday 00:00
CONFIDENCE = 0.99


# ----------------------------------------------------------------------------- scenarios
def single_pool(
    *,
    lam: float,
    servers: int | Mapping[str, int],
    review: Mapping[str, Any] | None = None,
    mean_review_h: float = 1.0,
    horizon_days: float = 365,
    warmup_days: float = 10,
    calendar: str = "24x7",
    calendars: Mapping[str, Any] | None = None,
    priority: Mapping[str, float] | None = None,
    specialty: Mapping[str, float] | None = None,
    triage: Mapping[str, Any] | None = None,
    name: str = "validation",
) -> dict[str, Any]:
    """A scenario (as plain data) with one specialist pool fed by Poisson(``lam``/h) arrivals.

    With the defaults it is an M/M/c queue: direct triage, no intake, no
    pre-authorisation, exponential review of mean ``mean_review_h`` hours on a
    24x7 calendar.
    """
    specialty = dict(specialty or {"oncology": 1.0})
    staff = {sp: servers for sp in specialty} if isinstance(servers, int) else dict(servers)
    mix: dict[str, Any] = {
        "specialty": specialty,
        "channel": {"online": 1.0},
        "payer": {"self": 1.0},
    }
    if priority is not None:
        mix["priority"] = dict(priority)
    doc: dict[str, Any] = {
        "name": name,
        "simulation": {
            "start": START,
            "horizon_days": horizon_days,
            "warmup_days": warmup_days,
            "seed": 1,
        },
        "demand": {"cases_per_year": lam * HOURS_PER_YEAR, "mix": mix},
        "triage": dict(triage or {"policy": "direct"}),
        "payers": {"self": {}},
        "pools": {
            "p": {
                "kind": "outsourced",
                "calendar": calendar,
                "specialists": staff,
                "review": dict(review or {"dist": "exponential", "mean": mean_review_h,
                                          "unit": "hours"}),
            }
        },
        "outcomes": {"default": {"confirmed": 0.2, "refined": 0.6, "changed": 0.2}},
    }
    if calendars:
        doc["calendars"] = copy.deepcopy(dict(calendars))
    return doc


def to_yaml(doc: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(doc), sort_keys=False)


def scenario(doc: Mapping[str, Any] | str, overrides: tuple[str, ...] = ()) -> Scenario:
    text = doc if isinstance(doc, str) else to_yaml(doc)
    return scenario_from_text(text, overrides=list(overrides))


@dataclass(frozen=True)
class Run:
    """Independent replications of one scenario."""

    plan: Plan
    seed: int
    reps: tuple[Replication, ...]

    def results(self) -> Results:
        return Results(self.plan, list(self.reps), self.seed)


@cache
def _run_cached(text: str, seed: int, n: int) -> Run:
    plan = build_plan(scenario_from_text(text))
    return Run(plan, seed, tuple(simulate(plan, seed, r) for r in range(n)))


def run_reps(doc: Mapping[str, Any] | str, seed: int, n: int) -> Run:
    """``n`` independent replications (indices 0..n-1 of ``seed``), cached within a module."""
    text = doc if isinstance(doc, str) else to_yaml(doc)
    return _run_cached(text, seed, n)


@cache
def _results_cached(text: str, seed: int, n: int) -> Results:
    return _run_cached(text, seed, n).results()


def run_results(doc: Mapping[str, Any] | str, seed: int, n: int) -> Results:
    """Like :func:`run_reps` but as :class:`~sim.outputs.results.Results` (tables, KPIs), cached."""
    text = doc if isinstance(doc, str) else to_yaml(doc)
    return _results_cached(text, seed, n)


@pytest.fixture(autouse=True, scope="module")
def _forget_runs_after_each_module():  # noqa: ANN202
    """Runs are shared within a test module only; free their memory afterwards."""
    yield
    _results_cached.cache_clear()
    _run_cached.cache_clear()


# ----------------------------------------------------------------------------- statistics
def window(rep: Replication, plan: Plan, drain_h: float) -> np.ndarray:
    """Cases that arrived after the warm-up and at least ``drain_h`` before the horizon."""
    a = rep.cases.arrival_h
    return (a >= plan.warmup_h) & (a < plan.horizon_h - drain_h)


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    half: float
    n: int

    def __contains__(self, x: float) -> bool:
        return self.low <= x <= self.high

    def __str__(self) -> str:
        return (f"{self.mean:.6g} +/- {self.half:.3g} "
                f"(99% CI [{self.low:.6g}, {self.high:.6g}], n={self.n})")


def ci(values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Interval:
    """Student-t interval for the mean of independent replication estimates."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    assert n >= 2 and np.isfinite(x).all(), x
    m = float(x.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(m, m - half, m + half, half, n)


def assert_in_ci(values: np.ndarray | list[float], expected: float, what: str,
                 max_rel_half: float | None = None) -> Interval:
    """The analytic ``expected`` lies in the 99% interval of ``values``.

    ``max_rel_half`` guards the test's power: the interval must be at most that
    fraction of ``expected`` wide on each side, or the check would be vacuous.
    """
    iv = ci(values)
    assert expected in iv, f"{what}: analytic {expected:.6g} outside {iv}"
    if max_rel_half is not None:
        assert iv.half <= max_rel_half * abs(expected), (
            f"{what}: interval too wide to be a test ({iv}; want half-width <= "
            f"{max_rel_half:.0%} of {expected:.6g})")
    return iv
