"""Priority classes from the scenario: three classes against Cobham, and a specialist reserve.

With a ``priorities`` section the scenario names its classes in service order;
the queue discipline must then reproduce Cobham's (1954) non-preemptive
priority waits for any number of classes, not only urgent/routine. A reserve
(trunk reservation) keeps specialists free for the first class: a later class
takes a specialist only while more than the reserve are free.

Power: below the project's 2% for mean waits. The three per-class mean waits accept a 99%
interval of at most 10% of Cobham's value on each side (measured with 200,000 cases: 5.0%,
5.1% and 8.4%), so a relative error of 10% is flagged about half the time and one of 20%
with probability over 99%. Two classes are held to 2% by ``test_priority.py`` (the same
queue discipline); three classes at 2% would take about 5 million cases. The reserve checks
are exact (no later-class case takes a reserved specialist) plus a direction (the first
class waits less than 0.8 of its wait without a reserve).
"""

from __future__ import annotations

import numpy as np

from sim.core.analytic import cobham_priority_wq

from .conftest import assert_in_ci, run_reps, single_pool, window

C, MU, RHO = 2, 1.0, 0.8
LAM = RHO * C * MU
SHARES = {"stat": 0.2, "soon": 0.3, "later": 0.5}
CUSTOMERS, REPS, SEED = 20_000, 10, 77
DRAIN_H = 200.0


def _doc(reserve: int = 0) -> dict:
    days = CUSTOMERS / LAM / 24
    doc = single_pool(lam=LAM, servers=C, mean_review_h=1 / MU, horizon_days=days,
                      warmup_days=0.05 * days, priority=SHARES)
    doc["priorities"] = {name: {} for name in SHARES}
    if reserve:
        doc["priorities"]["stat"] = {"reserve": {"p": reserve}}
    return doc


def test_three_classes_match_cobham() -> None:
    run = run_reps(_doc(), SEED, REPS)
    expected = cobham_priority_wq([SHARES[k] * LAM for k in SHARES], MU, C)
    by_class: list[list[float]] = [[], [], []]
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        w = (rep.records.seize_h - rep.records.queue_h)[m]
        assert not np.isnan(w).any(), "censored cases"
        for k in range(3):
            by_class[k].append(w[rep.cases.priority[m] == k].mean())
    for k, name in enumerate(SHARES):
        assert_in_ci(by_class[k], expected[k], f"class {name} Wq", max_rel_half=0.10)


def test_reserve_keeps_a_specialist_for_the_first_class() -> None:
    plain = run_reps(_doc(), SEED, 2)
    held = run_reps(_doc(reserve=1), SEED, 2)
    for rep in held.reps:
        r, prio = rep.records, rep.cases.priority
        seize, end = r.seize_h, r.review_end_h
        later = np.flatnonzero((prio > 0) & ~np.isnan(seize))
        # a later-class case starts only when both specialists are free (2 > reserve 1)
        order = np.argsort(seize[~np.isnan(seize)])
        starts, ends = seize[~np.isnan(seize)][order], end[~np.isnan(seize)][order]
        for i in later[:3000]:
            t = seize[i]
            busy = np.sum((starts < t) & ~(ends <= t))
            assert busy == 0, f"case {i} of class {prio[i]} took a reserved specialist"

    def mean_wait(run, k):  # noqa: ANN001, ANN202
        out = []
        for rep in run.reps:
            m = window(rep, run.plan, DRAIN_H) & (rep.cases.priority == k)
            out.append(np.nanmean((rep.records.seize_h - rep.records.queue_h)[m]))
        return np.mean(out)

    assert mean_wait(held, 0) < 0.8 * mean_wait(plain, 0)
    assert mean_wait(held, 2) > mean_wait(plain, 2)
