"""Little's law and utilisation, from the KPI table.

``queue_length.<pool>`` is the time-average number of cases waiting for a
specialist over the window from the end of the warm-up to the horizon
(``test_erlang_c.py`` checks it against Erlang C's Lq, an independent source). Little's
law, Lq = lambda Wq, holds on every sample path up to edge effects; since both sides
come from the same timestamps, that comparison checks the KPI's time integration
(:mod:`sim.outputs.kpis`), not the engine, and it must also hold when the pool
works business hours and cases wait overnight. The engine's queueing itself is held
to account by the analytic tests and by the run invariants (:mod:`sim.outputs.invariants`).

``utilisation.<pool>`` is the specialists' busy working time over their
available working time: the offered load per server, lam E[S] / c, on a 24x7
pool; on a business calendar the weekly offered work over the weekly working
hours.

Power: utilisation within 3% (24x7) or 4% (business hours) and the arrival rate within 4%
of the scenario's, each as the largest accepted 99% half-width: a relative error of twice
that is flagged with probability over 99%, one of that size about half the time.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import assert_in_ci, run_results, single_pool

BUSINESS = {"business": {"days": ["mon", "tue", "wed", "thu", "fri"],
                         "hours": ["08:00", "17:00"]}}
# 24x7 M/M/5 at rho = 0.8
MMC = dict(lam=4.0, servers=5, mean_review_h=1.0, horizon_days=100, warmup_days=5)
# 3 specialists working Mon-Fri 08:00-17:00 (135 h a week), arrivals around the clock:
# 0.5 / h x 168 h x 1 h = 84 h of work a week, utilisation 84 / 135.
CAL = dict(lam=0.5, servers=3, mean_review_h=1.0, horizon_days=364 * 2, warmup_days=28,
           calendar="business", calendars=BUSINESS)
SCENARIOS = [pytest.param(MMC, 501, id="24x7-M/M/5"),
             pytest.param(CAL, 502, id="business-hours")]
REPS = 8


def _little_terms(res, rep_index: int) -> tuple[float, float, float]:  # noqa: ANN001
    """(KPI queue length, arrival rate into the queue in the window, their mean wait)."""
    plan = res.plan
    t0, t1 = plan.warmup_h, plan.horizon_h
    r = res.replications[rep_index].records
    joined = (r.queue_h >= t0) & (r.queue_h < t1)
    wait = np.where(np.isnan(r.seize_h), t1, r.seize_h)[joined] - r.queue_h[joined]
    lam = joined.sum() / (t1 - t0)
    return float(res.kpis.loc[rep_index, "queue_length.p"]), float(lam), float(wait.mean())


@pytest.mark.parametrize(("params", "seed"), SCENARIOS)
def test_queue_length_kpi_integrates_the_waits(params: dict, seed: int) -> None:
    res = run_results(single_pool(**params), seed, REPS)
    for k in range(REPS):
        lq, lam, wq = _little_terms(res, k)
        assert lq > 0.5, "the queue should not be trivially empty"
        assert lq == pytest.approx(lam * wq, rel=0.02), (k, lq, lam, wq)


@pytest.mark.parametrize(("params", "seed"), SCENARIOS)
def test_arrival_rate_into_the_queue(params: dict, seed: int) -> None:
    res = run_results(single_pool(**params), seed, REPS)
    lams = [_little_terms(res, k)[1] for k in range(REPS)]
    assert_in_ci(lams, params["lam"], "arrival rate", max_rel_half=0.04)


def test_utilisation_24x7_is_offered_load_per_server() -> None:
    res = run_results(single_pool(**MMC), 501, REPS)
    rho = MMC["lam"] * MMC["mean_review_h"] / MMC["servers"]
    assert_in_ci(res.kpis["utilisation.p"], rho, "utilisation", max_rel_half=0.03)


def test_utilisation_business_hours() -> None:
    res = run_results(single_pool(**CAL), 502, REPS)
    rho = CAL["lam"] * 168 * CAL["mean_review_h"] / (CAL["servers"] * 45)
    assert_in_ci(res.kpis["utilisation.p"], rho, "calendar utilisation", max_rel_half=0.04)
    # the waits are mostly nights and weekends: far longer than the 24x7 equivalent
    assert res.kpis["stage_h.specialist_wait"].mean() > 5.0


def test_capacity_report_predicts_simulated_utilisation() -> None:
    """The pre-run capacity check's offered load matches the busy time the run measures.

    Two specialties share a 24x7 pool; AI triage misroutes 30% of cases, which the
    wrong specialists screen (30 min) before the right ones review them (1 h).
    """
    from sim.engine.network import capacity_report

    triage = {
        "policy": "ai",
        "ai": {"servers": None, "accuracy": 0.7,
               "service": {"dist": "fixed", "value": 1, "unit": "minutes"}},
        "misroute": {"detection": {"dist": "fixed", "value": 30, "unit": "minutes"},
                     "reroute_delay": {"dist": "fixed", "value": 1, "unit": "hours"}}}
    doc = single_pool(lam=3.0, servers={"oncology": 4, "cardiology": 3},
                      specialty={"oncology": 0.6, "cardiology": 0.4}, horizon_days=120,
                      warmup_days=5, triage=triage)
    res = run_results(doc, 503, 6)
    report = capacity_report(res.plan)
    predicted = report.offered_h_per_week.sum() / report.available_h_per_week.sum()
    # by hand: per hour 3 reviews of 1 h + 0.9 screenings of 0.5 h, over 7 specialists
    assert predicted == pytest.approx((3.0 + 0.3 * 3.0 * 0.5) / 7)
    assert_in_ci(res.kpis["utilisation.p"], predicted, "utilisation vs capacity report",
                 max_rel_half=0.03)
    assert_in_ci(res.kpis["misrouted_share"], 0.3, "misrouted share", max_rel_half=0.05)
