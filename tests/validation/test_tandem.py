"""AI triage then specialist review as a Jackson tandem: M/M/2 then M/M/4.

The AI service (2 parallel slots, exponential 30 minutes, 24x7, always right)
feeds the specialist pool (4 specialists, exponential 1 hour, 24x7). By
Burke's theorem the triage departures are Poisson, so the mean time to
opinion is the sum of the two stations' M/M/c sojourns.

Power: the sojourn intervals may be at most 6% of the analytic value wide on each side,
so a relative error of 12% is flagged with probability over 99% (6%: about half the
time); the triage departures' gap mean within 2% and their coefficient of variation
within 3%. The per-station waits are held to 2% by ``test_erlang_c.py``.
"""

from __future__ import annotations

import numpy as np

from sim.core.analytic import mmc, tandem_sojourn

from .conftest import assert_in_ci, run_reps, single_pool, window

LAM = 3.0  # per hour
AI = (2.0, 2)  # (mu, c): rho = 0.75
SPEC = (1.0, 4)  # rho = 0.75
CUSTOMERS, REPS, SEED = 16_000, 10, 777
DRAIN_H = 60.0


def _run():  # noqa: ANN202
    days = CUSTOMERS / LAM / 24
    triage = {"policy": "ai", "ai": {
        "servers": AI[1], "service": {"dist": "exponential", "mean": 1 / AI[0], "unit": "hours"},
        "accuracy": 1.0}}
    doc = single_pool(lam=LAM, servers=SPEC[1], mean_review_h=1 / SPEC[0], horizon_days=days,
                      warmup_days=0.05 * days, triage=triage)
    return run_reps(doc, SEED, REPS)


def test_time_to_opinion_is_jackson_sojourn() -> None:
    run = _run()
    total, station1, station2, handoff = [], [], [], []
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        r, a = rep.records, rep.cases.arrival_h[m]
        assert not np.isnan(r.review_end_h[m]).any(), "censored cases"
        total.append((r.review_end_h[m] - a).mean())
        station1.append((r.triage_end_h[m] - a).mean())
        station2.append((r.review_end_h[m] - r.queue_h[m]).mean())
        # nothing happens between the stations: the case joins the specialist queue at once
        handoff.append(np.abs(r.queue_h[m] - r.triage_end_h[m]).max())
    assert max(handoff) == 0.0
    assert_in_ci(total, tandem_sojourn(LAM, [AI, SPEC]), "tandem sojourn", max_rel_half=0.06)
    assert_in_ci(station1, mmc(LAM, *AI).w, "AI triage sojourn", max_rel_half=0.06)
    assert_in_ci(station2, mmc(LAM, *SPEC).w, "specialist sojourn", max_rel_half=0.06)


def test_triage_departures_are_poisson() -> None:
    """Burke: the stream into the specialist queue has exponential gaps of mean 1/lam."""
    run = _run()
    means, cvs = [], []
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        gaps = np.diff(np.sort(rep.records.queue_h[m]))
        means.append(gaps.mean())
        cvs.append(gaps.std() / gaps.mean())
    assert_in_ci(means, 1 / LAM, "gap mean", max_rel_half=0.02)
    assert_in_ci(cvs, 1.0, "gap coefficient of variation", max_rel_half=0.03)
