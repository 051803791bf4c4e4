"""Two-class non-preemptive priority M/M/2 against Cobham's formula.

Urgent cases (code 0) are taken before routine ones whenever a specialist
frees up, but a review in progress is never interrupted. With equal service
rates, Cobham (1954) gives each class's mean wait; their arrival-weighted mean
is the FCFS Erlang C wait (the conservation law), also checked.

Power: 2 million cases (20 replications of 100,000) at rho = 0.7 keep each class's
99% interval of the mean wait within 2% of Cobham's value (``HALF``): a relative error of
2% is flagged about half the time, 4% with probability over 99%. Marked ``power``
(long), run by CI; the discipline itself is checked on every run by
:mod:`sim.outputs.invariants`.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.analytic import cobham_priority_wq, mmc

from .conftest import assert_in_ci, run_reps, single_pool, window

C, MU, RHO, URGENT = 2, 1.0, 0.7, 0.3
LAM = RHO * C * MU
CUSTOMERS, REPS, SEED = 100_000, 20, 2024
DRAIN_H = 150.0  # routine waits have a long tail
HALF = 0.02  # largest accepted 99% half-width of a mean wait, relative


def _run(customers: int = CUSTOMERS, reps: int = REPS):  # noqa: ANN202
    days = customers / LAM / 24
    doc = single_pool(lam=LAM, servers=C, mean_review_h=1 / MU, horizon_days=days,
                      warmup_days=0.05 * days, priority={"urgent": URGENT, "routine": 1 - URGENT})
    return run_reps(doc, SEED, reps)


def _waits(rep, plan):  # noqa: ANN001, ANN202
    m = window(rep, plan, DRAIN_H)
    w = (rep.records.seize_h - rep.records.queue_h)[m]
    assert not np.isnan(w).any(), "censored cases"
    return w, rep.cases.priority[m]


@pytest.mark.power
def test_per_class_waits_match_cobham_and_the_conservation_law() -> None:
    """Per-class waits (Cobham), the class mix and the all-class wait (Erlang C), one run."""
    run = _run()
    lams = [URGENT * LAM, (1 - URGENT) * LAM]
    expected = cobham_priority_wq(lams, MU, C)
    by_class, share, overall = [[], []], [], []
    for rep in run.reps:
        w, prio = _waits(rep, run.plan)
        for k in (0, 1):
            by_class[k].append(w[prio == k].mean())
        share.append((prio == 0).mean())
        overall.append(w.mean())
    for k, name in enumerate(("urgent", "routine")):
        iv = assert_in_ci(by_class[k], expected[k], f"{name} Wq", max_rel_half=HALF)
        print(f"Cobham {name} Wq: half-width {iv.half / expected[k]:.2%} of {expected[k]:.4g}")
    assert_in_ci(share, URGENT, "urgent share", max_rel_half=0.01)
    # Non-preemptive priority with equal service rates does not change the mean wait.
    assert_in_ci(overall, mmc(LAM, MU, C).wq, "all-class Wq", max_rel_half=HALF)


def test_urgent_never_overtaken_by_routine() -> None:
    """No routine case is taken while an urgent case that arrived earlier still waits.

    An exact sample-path check (no sampling error), so one short run is enough.
    """
    run = _run(20_000, 1)
    rep = run.reps[0]
    r, prio = rep.records, rep.cases.priority
    q, s = r.queue_h, r.seize_h
    ok = ~np.isnan(s)
    urgent = np.flatnonzero(ok & (prio == 0) & (s > q))  # urgent cases that had to wait
    routine_seize = np.sort(s[ok & (prio == 1)])
    # a routine seize strictly inside (queue_h, seize_h) of a waiting urgent case is a violation
    lo = np.searchsorted(routine_seize, q[urgent], side="right")
    hi = np.searchsorted(routine_seize, s[urgent], side="left")
    assert len(urgent) > 1000
    assert (hi <= lo).all(), f"{int((hi > lo).sum())} urgent cases overtaken by routine ones"
