"""M/M/c+M against Erlang A: patients who give up waiting for a specialist.

Configuration alone reduces sosim to M/M/c+M: the M/M/c system of
``test_erlang_c.py`` plus an ``abandonment.specialist`` patience that is
exponential with rate ``theta``. A case that would wait longer than its
patience leaves the queue unserved. Each replication estimates, over the cases
that arrived after the warm-up and early enough to have left the queue by the
horizon, P(abandon) and the mean time in queue of all arrivals (served or not);
the Erlang A values (:func:`sim.core.analytic.erlang_a`, itself checked against
a numerical solution of the CTMC in ``tests/core/test_analytic.py``) must lie in the
99% t-interval, and that interval must be at most 2% of the value on each side,
so a 2% error would show.

Power: a relative error of 2% in P(abandon) or the mean time in queue is flagged about
half the time, one of 4% with probability over 99% (430,000 cases in 30 replications).
"""

from __future__ import annotations

import numpy as np

from sim.core.analytic import erlang_a

from .conftest import assert_in_ci, run_reps, run_results, single_pool, window

LAM, MU, C, THETA = 3.0, 1.0, 3, 0.5  # offered load 1 per server: only drop-out keeps it stable
DRAIN_H = 40.0  # patience and queueing both end within hours; this leaves every case decided
REPS, DAYS, SEED = 30, 200.0, 2026


def _doc() -> dict:
    doc = single_pool(lam=LAM, servers=C, mean_review_h=1 / MU, horizon_days=DAYS,
                      warmup_days=3)
    doc["abandonment"] = {
        "specialist": {"default": {"dist": "exponential", "mean": 1 / THETA, "unit": "hours"}}}
    return doc


def _per_replication() -> tuple[np.ndarray, np.ndarray]:
    run = run_reps(_doc(), SEED, REPS)
    p_ab, wq = [], []
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        r = rep.records
        gave_up = r.abandon_stage[m] >= 0
        left = np.where(gave_up, r.abandoned_h[m], r.seize_h[m])
        assert not np.isnan(left).any(), "a case in the window is still waiting"
        p_ab.append(gave_up.mean())
        wq.append((left - r.queue_h[m]).mean())
    return np.asarray(p_ab), np.asarray(wq)


def test_p_abandon_and_mean_wait_match_erlang_a() -> None:
    exact = erlang_a(LAM, MU, C, THETA)
    p_ab, wq = _per_replication()
    assert_in_ci(p_ab, exact.p_abandon, "M/M/3+M P(abandon)", max_rel_half=0.02)
    assert_in_ci(wq, exact.wq, "M/M/3+M mean time in queue", max_rel_half=0.02)


def test_abandoned_cases_are_counted_and_conserved() -> None:
    res = run_results(_doc(), SEED, REPS)
    k = res.kpis  # building the KPIs runs the conservation and Little's law checks
    assert (k["arrivals"] == k["delivered"] + k["abandoned"] + k["in_system_end"]).all()
    assert np.allclose(k["abandoned_share"], k["abandoned_share.specialist"])
    assert (k["abandoned_share.records"] == 0).all()
    cases = res.cases
    gone = cases[cases["status"] == "abandoned"]
    assert (gone["abandoned_at"] == "specialist").all()
    assert gone["review_end_h"].isna().all() and gone["seize_h"].isna().all()
    assert (gone["abandoned_h"] >= gone["queue_h"]).all()
    ev = res.events
    assert (ev["activity"] == "case abandoned").sum() == len(gone)
