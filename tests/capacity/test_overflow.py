"""The capacity check's overflow model against closed forms and simulated runs.

Under ``routing.policy: overflow`` the in-house queue keeps what its wait threshold lets
in and the rest spills to the outsourced pool. The check predicts the spilled share with
a Markov chain (:mod:`sim.capacity.overflow`); here it is held against two independent
sources: the M/M/c/K loss formula (24x7, where the router's rule is a finite buffer) and
the simulated routing decisions, on a 24x7 and on a business-hours in-house pool.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.capacity.network import capacity_report, overload_warnings
from tests.validation.conftest import assert_in_ci, run_reps, scenario, single_pool

LAM, C_IN, MEAN_H = 1.6, 2, 1.0


def _two_pools(threshold_h: float, in_house_calendar: str = "24x7", lam: float = LAM,
               servers: int = C_IN, horizon_days: float = 120) -> dict:
    doc = single_pool(lam=lam, servers=5, horizon_days=horizon_days, warmup_days=5)
    doc["pools"]["in"] = {"kind": "in_house", "calendar": in_house_calendar,
                          "specialists": {"oncology": servers},
                          "review": {"dist": "exponential", "mean": MEAN_H, "unit": "hours"}}
    doc["calendars"] = {"business": {"days": ["mon", "tue", "wed", "thu", "fri"],
                                     "hours": ["08:00", "17:00"]}}
    doc["routing"] = {"policy": "overflow", "overflow_wait_hours": threshold_h}
    return doc


def _mmck_blocking(lam: float, mu: float, c: int, k: int) -> float:
    """P(an arrival finds K in the system) in M/M/c/K, from the birth-death balance."""
    p = [1.0]
    for n in range(1, k + 1):
        p.append(p[-1] * lam / (min(n, c) * mu))
    return p[-1] / sum(p)


def _simulated_spill(doc: dict, seed: int, reps: int) -> list[float]:
    run = run_reps(doc, seed, reps)
    out = []
    kinds = np.array([run.plan.pool_kinds[q.pool] for q in run.plan.queues])
    for rep in run.reps:
        r = rep.records
        joined = (r.queue >= 0) & (r.queue_h >= run.plan.warmup_h)
        out.append(float((kinds[r.queue[joined]] == "outsourced").mean()))
    return out


def test_spill_is_the_finite_buffer_loss_on_a_24x7_pool() -> None:
    # join iff (waiting + 1) / c x mean <= 1.6 h: at most 3 waiting, K = c + 3
    doc = _two_pools(threshold_h=1.6, horizon_days=365)
    report = capacity_report(run_reps(doc, 11, 1).plan).set_index("resource")
    expected = _mmck_blocking(LAM, 1 / MEAN_H, C_IN, C_IN + 3)
    first = report.loc["in/oncology"]
    assert first.role == "first choice" and first.spills_to == "p/oncology"
    assert first.spill_share == pytest.approx(expected, rel=0.01)
    # the overflow pool is offered the hours it really receives
    assert report.loc["p/oncology", "role"] == "overflow"
    assert report.loc["p/oncology", "offered_h_per_week"] == pytest.approx(
        LAM * expected * MEAN_H * 168, rel=0.01)
    assert first.offered_h_per_week == pytest.approx(LAM * (1 - expected) * MEAN_H * 168,
                                                     rel=0.01)
    assert_in_ci(_simulated_spill(doc, 11, 6), first.spill_share, "24x7 spill share",
                 max_rel_half=0.1)


def test_spill_on_a_business_hours_pool_matches_the_simulation() -> None:
    """Nights and weekends fill the in-house queue: the chain steps through the calendar."""
    doc = _two_pools(threshold_h=24, in_house_calendar="business", lam=0.3, servers=2,
                     horizon_days=365)
    report = capacity_report(run_reps(doc, 12, 1).plan).set_index("resource")
    predicted = report.loc["in/oncology", "spill_share"]
    assert 0.1 < predicted < 0.9
    assert_in_ci(_simulated_spill(doc, 12, 6), predicted, "business-hours spill share",
                 max_rel_half=0.1)


def test_bounded_overflow_is_not_an_overload_but_a_real_one_is() -> None:
    # in house alone could do 2 x 45 h a week of 168 x 1.6 h offered: overflow bounds it
    doc = _two_pools(threshold_h=24, in_house_calendar="business")
    report = capacity_report(scenario_plan(doc))
    assert not overload_warnings(report), report.to_string()
    # without an overflow route the same pool is overloaded, and said so
    doc["routing"] = {"policy": "in_house_first"}
    report = capacity_report(scenario_plan(doc))
    (warning,) = overload_warnings(report)
    assert warning.startswith("in/oncology") and "without bound" in warning
    # the overflow pool overloaded by what spills into it is a real overload too
    doc["routing"] = {"policy": "overflow", "overflow_wait_hours": 24}
    doc["pools"]["p"]["specialists"] = {"oncology": 1}
    doc["demand"]["cases_per_year"] = 3.0 * 8760
    (warning,) = overload_warnings(capacity_report(scenario_plan(doc)))
    assert warning.startswith("p/oncology")


def scenario_plan(doc: dict):  # noqa: ANN201
    from sim.engine.plan import build_plan

    return build_plan(scenario(doc))


def test_mmck_helper_is_erlang_b_without_a_buffer() -> None:
    # independent check of the test's own formula: K = c is Erlang's loss formula
    from sim.core.analytic import erlang_b

    assert _mmck_blocking(1.6, 1.0, 2, 2) == pytest.approx(erlang_b(2, 1.6))
    assert math.isclose(_mmck_blocking(1.0, 1.0, 1, 1), 0.5)


def test_a_large_pool_is_counted_in_blocks_and_keeps_conservation() -> None:
    """60 specialists: the chain counts cases in blocks (MAX_STATES). Whatever joins must be
    served, so the spilled share is at least 1 - capacity / offered work (the fluid bound)."""
    from sim.capacity.overflow import MAX_STATES, spill_share
    from sim.core.calendar import WorkCalendar

    assert MAX_STATES < 60 + 240  # the blocked chain is what is tested here
    share = spill_share(WorkCalendar.always(), servers=60, effort_h=1.0, router_effort_h=1.0,
                        must_per_h=0.0, may_per_h=90.0, threshold_h=4.0, horizon_h=24 * 60.0,
                        warmup_h=24.0)
    assert 1 - 60 / 90 - 1e-6 <= share <= 1 - 60 / 90 + 0.03
    # and it agrees with the exact chain where both apply (M/M/c/K, K = c + 4c)
    expected = _mmck_blocking(90.0, 1.0, 60, 60 + 240)
    assert share == pytest.approx(expected, abs=0.02)
