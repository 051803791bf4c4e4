"""Priority classes from the scenario: three classes against Cobham, and a specialist reserve.

With a ``priorities`` section the scenario names its classes in service order;
the queue discipline must then reproduce Cobham's (1954) non-preemptive
priority waits for any number of classes, not only urgent/routine. A reserve
(trunk reservation) keeps specialists free for the first class: a later class
takes a specialist only while more than the reserve are free.

Power: ``test_three_classes_match_cobham_within_2pct`` (marker ``power``, run by CI) holds
each of the three per-class mean waits to a 99% interval of at most 2% of Cobham's value at
rho = 0.7: 24 replications of 200,000 cases (4.8 million; measured per-replication relative
sd with 100,000 cases: 0.4%, 1.8% and 4.5% for the three classes), so a relative error of
2% is flagged about half the time and 4% with probability over 99%. The quick test at
rho = 0.8 (200,000 cases, in the default suite) accepts 10% and catches gross errors
(a class served out of order moves its wait by far more). The reserve checks are exact
(no later-class case takes a reserved specialist) plus a direction (the first class waits
less than 0.8 of its wait without a reserve).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.analytic import cobham_priority_wq
from sim.engine.model import simulate
from sim.engine.plan import build_plan

from .conftest import assert_in_ci, run_reps, scenario, single_pool, window

C, MU, RHO = 2, 1.0, 0.8
LAM = RHO * C * MU
SHARES = {"stat": 0.2, "soon": 0.3, "later": 0.5}
CUSTOMERS, REPS, SEED = 20_000, 10, 77
DRAIN_H = 200.0


def _doc(reserve: int = 0, lam: float = LAM, customers: int = CUSTOMERS) -> dict:
    days = customers / lam / 24
    doc = single_pool(lam=lam, servers=C, mean_review_h=1 / MU, horizon_days=days,
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


@pytest.mark.power
def test_three_classes_match_cobham_within_2pct() -> None:
    lam = 0.7 * C * MU
    plan = build_plan(scenario(_doc(lam=lam, customers=200_000)))
    expected = cobham_priority_wq([SHARES[k] * lam for k in SHARES], MU, C)
    by_class: list[list[float]] = [[], [], []]
    for r in range(24):  # one replication at a time: 4.8 million cases do not fit at once
        rep = simulate(plan, 2027, r)
        m = window(rep, plan, DRAIN_H)
        w = (rep.records.seize_h - rep.records.queue_h)[m]
        assert not np.isnan(w).any(), "censored cases"
        for k in range(3):
            by_class[k].append(w[rep.cases.priority[m] == k].mean())
    for k, name in enumerate(SHARES):
        iv = assert_in_ci(by_class[k], expected[k], f"class {name} Wq", max_rel_half=0.02)
        print(f"Cobham {name} Wq: half-width {iv.half / expected[k]:.2%} of {expected[k]:.4g}")


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
