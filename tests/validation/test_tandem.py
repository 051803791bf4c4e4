"""AI triage then specialist review as a Jackson tandem: M/M/2 then M/M/4.

The AI service (2 parallel slots, exponential 15 minutes, 24x7, always right)
feeds the specialist pool (4 specialists, exponential 30 minutes, 24x7); 6 cases an hour,
both stations at rho = 0.75. By Burke's theorem the triage departures are Poisson, so the
specialist pool is an M/M/4 queue and the mean time to opinion is the sum of the two
stations' M/M/c sojourns. (Time is in hours throughout; the queue is the same in any time
unit: reviews of 30 minutes make the 0.01 h idle spell of ``tests/faults.py`` 2% of a
review.)

Power: 1.2 million cases (30 replications of 40,000). Every check accepts a 99% interval at
most 2% of the analytic value wide on each side (``HALF``): the mean time to opinion, each
station's mean sojourn and P(wait), the triage departures' mean gap and their coefficient
of variation. A relative error of 2% is flagged about half the time, one of 4% with
probability over 99%. Measured half-widths are printed with ``-s`` and given in the
README. The per-station mean waits are held to 2% of Erlang C by ``test_erlang_c.py``.
The same procedure rejects an engine whose specialists idle 0.01 h before taking a queued
case and one whose reviews are 3% too long (``test_tandem_rejects_*``). Marked ``power``
(long), run by CI.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from sim.core.analytic import mmc, tandem_sojourn
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from tests import faults

from .conftest import assert_in_ci, ci, scenario, single_pool, window

pytestmark = pytest.mark.power  # long: run by CI (.ci/run), not by a bare `pytest`

LAM = 6.0  # per hour
AI = (4.0, 2)  # (mu, c): rho = 0.75
SPEC = (2.0, 4)  # rho = 0.75
CUSTOMERS, REPS, SEED = 40_000, 30, 9001
DRAIN_H = 30.0
HALF = 0.02  # largest accepted 99% half-width, relative to the analytic value


def _plan():  # noqa: ANN202
    days = CUSTOMERS / LAM / 24
    triage = {"policy": "ai", "ai": {
        "servers": AI[1], "service": {"dist": "exponential", "mean": 1 / AI[0], "unit": "hours"},
        "accuracy": 1.0}}
    doc = single_pool(lam=LAM, servers=SPEC[1], mean_review_h=1 / SPEC[0], horizon_days=days,
                      warmup_days=0.02 * days, triage=triage)
    return build_plan(scenario(doc))


def _estimates(rep, plan) -> dict[str, float]:  # noqa: ANN001
    """One replication's estimate of every checked quantity, over its window."""
    m = window(rep, plan, DRAIN_H)
    r, a = rep.records, rep.cases.arrival_h[m]
    assert not np.isnan(r.review_end_h[m]).any(), "censored cases"
    # nothing happens between the stations: the case joins the specialist queue at once
    assert np.array_equal(r.queue_h[m], r.triage_end_h[m])
    gaps = np.diff(np.sort(r.queue_h[m]))
    return {
        "tandem sojourn": (r.review_end_h[m] - a).mean(),
        "AI triage sojourn": (r.triage_end_h[m] - a).mean(),
        "specialist sojourn": (r.review_end_h[m] - r.queue_h[m]).mean(),
        "AI triage P(wait)": (r.triage_start_h[m] > a).mean(),
        "specialist P(wait)": (r.seize_h[m] > r.queue_h[m]).mean(),
        # Burke: the stream into the specialist queue has exponential gaps of mean 1/lam
        "departure gap mean": gaps.mean(),
        "departure gap CV": gaps.std() / gaps.mean(),
    }


def analytic() -> dict[str, float]:
    ai, spec = mmc(LAM, *AI), mmc(LAM, *SPEC)
    return {"tandem sojourn": tandem_sojourn(LAM, [AI, SPEC]), "AI triage sojourn": ai.w,
            "specialist sojourn": spec.w, "AI triage P(wait)": ai.p_wait,
            "specialist P(wait)": spec.p_wait, "departure gap mean": 1 / LAM,
            "departure gap CV": 1.0}


def per_replication(reps: int) -> dict[str, np.ndarray]:
    """Every estimate of replications 0..reps-1, one replication in memory at a time."""
    plan = _plan()
    rows = [_estimates(simulate(plan, SEED, r), plan) for r in range(reps)]
    return {k: np.array([row[k] for row in rows]) for k in rows[0]}


_correct = cache(per_replication)


def test_tandem_is_jackson() -> None:
    exact = analytic()
    for what, values in _correct(REPS).items():
        iv = assert_in_ci(values, exact[what], what, max_rel_half=HALF)
        print(f"tandem {what}: half-width {iv.half / exact[what]:.2%} of {exact[what]:.4g}")


def test_analytic_sojourn_is_the_sum_of_the_stations() -> None:
    exact = analytic()
    assert exact["tandem sojourn"] == pytest.approx(
        exact["AI triage sojourn"] + exact["specialist sojourn"])
    assert exact["specialist sojourn"] == pytest.approx(1 / SPEC[0] + mmc(LAM, *SPEC).wq)


def rejected(estimates: dict[str, np.ndarray]) -> set[str]:
    """The quantities whose analytic value falls outside the 99% interval."""
    exact = analytic()
    for k, v in estimates.items():
        iv = ci(v)
        print(f"broken engine, tandem {k}: {iv.mean / exact[k] - 1:+.2%} from the analytic "
              f"value, half-width {iv.half / exact[k]:.2%}")
    return {k for k, v in estimates.items() if exact[k] not in ci(v)}


# The broken engines run the first 20 of the 30 replications: a wider interval than the
# real check's, so rejecting there is the harder test (and two thirds of the cost).
def test_tandem_rejects_idle_server_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Specialists idling 0.01 h before each queued case: their sojourn must be rejected."""
    faults.idle_server(monkeypatch)
    bad = rejected(per_replication(20))
    assert "specialist sojourn" in bad, bad


def test_tandem_rejects_review_mean_3_percent_high(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviews 3% longer than drawn: time to opinion, the specialists' sojourn and P(wait)."""
    faults.review_too_long(monkeypatch, 1.03)
    bad = rejected(per_replication(20))
    assert {"tandem sojourn", "specialist sojourn", "specialist P(wait)"} <= bad, bad
