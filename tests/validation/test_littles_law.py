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

Power: every statistical check here accepts a 99% interval at most 2% of the expected value
wide on each side (``HALF``), so a relative error of 2% is flagged about half the time and
one of 4% with probability over 99%: the utilisation (24x7 and business hours, and the
capacity report's prediction), the arrival rate into the queue and the misrouted share.
Measured half-widths (``-s`` prints them): 0.53% (24x7 utilisation, 384,000 cases in 20
replications), 0.76% (business hours, 350,000 cases), 0.46% and 0.63% (arrival rate), 0.95%
and 1.18% (the capacity report's utilisation and the misrouted share, 173,000 cases). The
queue-length KPI against lambda Wq is a sample-path identity per replication (2% for edge
effects), not a statistical test. An engine whose reviews are 3% too long is rejected
(``test_utilisation_rejects_reviews_3_percent_long``); one whose specialists idle 0.01 h
before each queued case leaves utilisation and arrivals unchanged (the same work is done),
so it is caught by the waits of ``test_erlang_c.py``, ``test_mg1.py`` and ``test_tandem.py``
instead. Marked ``power`` (long), run by CI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.outputs.kpis import replication_kpis
from sim.outputs.results import case_table
from tests import faults

from .conftest import assert_in_ci, ci, run_results, scenario, single_pool

pytestmark = pytest.mark.power  # long: run by CI (.ci/run), not by a bare `pytest`

BUSINESS = {"business": {"days": ["mon", "tue", "wed", "thu", "fri"],
                         "hours": ["08:00", "17:00"]}}
# 24x7 M/M/5 at rho = 0.8: 19,200 cases a replication
MMC = dict(lam=4.0, servers=5, mean_review_h=1.0, horizon_days=200, warmup_days=5)
# 3 specialists working Mon-Fri 08:00-17:00 (135 h a week), arrivals around the clock:
# 0.5 / h x 168 h x 1 h = 84 h of work a week, utilisation 84 / 135; 17,500 cases a replication
CAL = dict(lam=0.5, servers=3, mean_review_h=1.0, horizon_days=364 * 4, warmup_days=28,
           calendar="business", calendars=BUSINESS)
SCENARIOS = [pytest.param(MMC, 501, id="24x7-M/M/5"),
             pytest.param(CAL, 502, id="business-hours")]
REPS = 20
HALF = 0.02  # largest accepted 99% half-width, relative to the expected value


def _report(iv, expected: float, what: str) -> None:  # noqa: ANN001
    print(f"{what}: half-width {iv.half / expected:.2%} of {expected:.4g}")


def _little_terms(res, rep_index: int) -> tuple[float, float, float]:  # noqa: ANN001
    """(KPI queue length, arrival rate into the queue in the window, their mean wait)."""
    plan = res.plan
    t0, t1 = plan.warmup_h, plan.horizon_h
    r = res.replications[rep_index].records
    joined = (r.queue_h >= t0) & (r.queue_h < t1)
    wait = np.where(np.isnan(r.seize_h), t1, r.seize_h)[joined] - r.queue_h[joined]
    lam = joined.sum() / (t1 - t0)
    return float(res.kpis.loc[rep_index, "queue_length.p"]), float(lam), float(wait.mean())


def _offered_load(params: dict) -> float:
    """Utilisation: offered work over available working hours, both per week."""
    open_h = 168 if params.get("calendar", "24x7") == "24x7" else 45
    return params["lam"] * 168 * params["mean_review_h"] / (params["servers"] * open_h)


@pytest.mark.parametrize(("params", "seed"), SCENARIOS)
def test_little_arrivals_and_utilisation(params: dict, seed: int) -> None:
    """Every check of one configuration in one test: its runs are made once per process
    (pytest-xdist spreads tests, not module caches, over workers)."""
    res = run_results(single_pool(**params), seed, REPS)
    lams = []
    for k in range(REPS):
        lq, lam, wq = _little_terms(res, k)
        assert lq > 0.5, "the queue should not be trivially empty"
        assert lq == pytest.approx(lam * wq, rel=0.02), (k, lq, lam, wq)
        lams.append(lam)
    _report(assert_in_ci(lams, params["lam"], "arrival rate", max_rel_half=HALF),
            params["lam"], "arrival rate")
    rho = _offered_load(params)
    _report(assert_in_ci(res.kpis["utilisation.p"], rho, "utilisation", max_rel_half=HALF),
            rho, f"utilisation ({params.get('calendar', '24x7')})")
    if params is CAL:  # the waits are mostly nights and weekends: far longer than 24x7's
        assert res.kpis["stage_h.specialist_wait"].mean() > 5.0


def test_offered_load_by_hand() -> None:
    assert _offered_load(MMC) == pytest.approx(4.0 * 1.0 / 5)
    assert _offered_load(CAL) == pytest.approx(84 / 135)


def test_capacity_report_predicts_simulated_utilisation() -> None:
    """The pre-run capacity check's offered load matches the busy time the run measures.

    Two specialties share a 24x7 pool; AI triage misroutes 30% of cases, which the
    wrong specialists screen (30 min) before the right ones review them (1 h).
    """
    from sim.capacity.network import capacity_report

    triage = {
        "policy": "ai",
        "ai": {"servers": None, "accuracy": 0.7,
               "service": {"dist": "fixed", "value": 1, "unit": "minutes"}},
        "misroute": {"detection": {"dist": "fixed", "value": 30, "unit": "minutes"},
                     "reroute_delay": {"dist": "fixed", "value": 1, "unit": "hours"}}}
    doc = single_pool(lam=3.0, servers={"oncology": 4, "cardiology": 3},
                      specialty={"oncology": 0.6, "cardiology": 0.4}, horizon_days=120,
                      warmup_days=5, triage=triage)
    res = run_results(doc, 503, REPS)  # 173,000 cases
    report = capacity_report(res.plan)
    predicted = report.offered_h_per_week.sum() / report.available_h_per_week.sum()
    # by hand: per hour 3 reviews of 1 h + 0.9 screenings of 0.5 h, over 7 specialists
    assert predicted == pytest.approx((3.0 + 0.3 * 3.0 * 0.5) / 7)
    _report(assert_in_ci(res.kpis["utilisation.p"], predicted, "utilisation vs capacity report",
                         max_rel_half=HALF), predicted, "capacity report utilisation")
    _report(assert_in_ci(res.kpis["misrouted_share"], 0.3, "misrouted share",
                         max_rel_half=HALF), 0.3, "misrouted share")


@pytest.mark.parametrize(("params", "seed"), SCENARIOS)
def test_utilisation_rejects_reviews_3_percent_long(monkeypatch: pytest.MonkeyPatch,
                                                    params: dict, seed: int) -> None:
    """The same procedure on an engine whose reviews take 3% longer than drawn: the
    utilisation's interval misses the offered load."""
    faults.review_too_long(monkeypatch, 1.03)
    plan = build_plan(scenario(single_pool(**params)))
    util = []
    for r in range(REPS):  # one replication's case table at a time
        rep = simulate(plan, seed, r)
        util.append(replication_kpis(plan, rep, case_table(plan, rep))["utilisation.p"])
    rho = _offered_load(params)
    iv = ci(pd.Series(util))
    print(f"broken engine, utilisation: {iv.mean / rho - 1:+.2%} from the offered load, "
          f"half-width {iv.half / rho:.2%}")
    assert rho not in iv, f"a 3% longer review went unnoticed: {iv} contains {rho}"
    assert iv.low > rho, iv
