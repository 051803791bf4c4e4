"""M/G/1 against Pollaczek-Khinchine: deterministic review halves the M/M/1 wait.

One specialist on the 24x7 calendar; the review distribution is ``fixed``
(M/D/1) or ``uniform`` (another M/G/1 with a known second moment). In any
M/G/1 queue P(wait) = rho exactly, which is checked too.

Power: 1.5 million cases per review distribution (20 replications of 75,000) keep the
99% interval of the mean wait and of P(wait) within 2% of the analytic value
(``HALF``); a relative error of 2% is flagged about half the time, 4% with
probability over 99%. The runs are long: marked ``power``, run by CI.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.analytic import mg1_wq, mmc

from .conftest import assert_in_ci, run_reps, single_pool, window

LAM = 0.7  # per hour; mean review 1 h, so rho = 0.7
CUSTOMERS, REPS = 75_000, 20
HALF = 0.02  # largest accepted 99% half-width of Wq and P(wait), relative
DRAIN_H = 40.0

REVIEWS = [
    # review spec, E[S], E[S^2], seed
    pytest.param({"dist": "fixed", "value": 1.0, "unit": "hours"}, 1.0, 1.0, 71, id="M/D/1"),
    pytest.param({"dist": "uniform", "low": 0.0, "high": 2.0, "unit": "hours"}, 1.0, 4 / 3, 72,
                 id="M/U/1"),
]


def _run(review: dict, seed: int):  # noqa: ANN202
    days = CUSTOMERS / LAM / 24
    doc = single_pool(lam=LAM, servers=1, review=review, horizon_days=days,
                      warmup_days=0.05 * days)
    return run_reps(doc, seed, REPS)


@pytest.mark.power
@pytest.mark.parametrize(("review", "es", "es2", "seed"), REVIEWS)
def test_pollaczek_khinchine(review: dict, es: float, es2: float, seed: int) -> None:
    run = _run(review, seed)
    wq, pw, svc = [], [], []
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        r = rep.records
        w = (r.seize_h - r.queue_h)[m]
        assert not np.isnan(w).any(), "censored cases"
        wq.append(w.mean())
        pw.append((w > 0).mean())
        svc.append((r.review_end_h - r.seize_h)[m].mean())
    expected = mg1_wq(LAM, es, es2)
    iv = assert_in_ci(wq, expected, f"{review} Wq", max_rel_half=HALF)
    print(f"M/G/1 {review['dist']} Wq: half-width {iv.half / expected:.2%} of {expected:.4g}")
    iv = assert_in_ci(pw, LAM * es, f"{review} P(wait)", max_rel_half=HALF)
    print(f"M/G/1 {review['dist']} P(wait): half-width {iv.half / (LAM * es):.2%}")
    if review["dist"] == "fixed":
        assert np.allclose(svc, es, rtol=0, atol=1e-9)


def test_deterministic_review_halves_mm1_wait() -> None:
    assert mg1_wq(LAM, 1.0, 1.0) == pytest.approx(mmc(LAM, 1.0, 1).wq / 2)


def test_review_in_minutes_is_the_same_queue() -> None:
    """60 minutes of review is 1 hour: the same seed gives the very same waits."""
    days = 3000 / LAM / 24
    waits = []
    for review in ({"dist": "fixed", "value": 1.0, "unit": "hours"},
                   {"dist": "fixed", "value": 60, "unit": "minutes"}):
        run = run_reps(single_pool(lam=LAM, servers=1, review=review, horizon_days=days), 74, 2)
        waits.append([rep.records.seize_h - rep.records.queue_h for rep in run.reps])
    for hours, minutes in zip(*waits, strict=True):
        assert len(hours) > 2000
        np.testing.assert_allclose(hours, minutes, rtol=0, atol=1e-9)
