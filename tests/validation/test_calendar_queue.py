"""A business-hours pool is an M/M/c queue in working time.

If cases arrive only while the pool is open (Poisson at rate lam during
Mon-Fri 08:00-17:00, none at night or at weekends), then on the working-time
clock W(t) of the pool's calendar the arrivals are Poisson(lam), reviews are
exponential working hours, and the queue is exactly M/M/c: a case's wait in
*working hours*, W(seize) - W(queue), follows Erlang C, whatever the nights and
weekends add in clock time. This checks the engine's calendar arithmetic and
its queueing together against a closed form.
"""

from __future__ import annotations

import datetime

import numpy as np

from sim.core.analytic import mmc
from sim.core.calendar import WorkCalendar

from .conftest import assert_in_ci, run_results, single_pool, window

BUSINESS = {"business": {"days": ["mon", "tue", "wed", "thu", "fri"],
                         "hours": ["08:00", "17:00"]}}
LAM_OPEN, C, MU = 4.0, 5, 1.0  # rho = 0.8 in working time
WEEKS, REPS, SEED = 110, 10, 4242  # ~20k cases a replication


def _run():  # noqa: ANN202
    doc = single_pool(lam=LAM_OPEN * 45 / 168, servers=C, mean_review_h=1 / MU,
                      horizon_days=7 * WEEKS, warmup_days=14, calendar="business",
                      calendars=BUSINESS)
    doc["demand"]["profile"] = {"weekday": [1, 1, 1, 1, 1, 0, 0],
                                "hour_of_day": [0] * 8 + [1] * 9 + [0] * 7}
    return run_results(doc, SEED, REPS)


def test_working_time_wait_is_erlang_c() -> None:
    res = _run()
    cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8.0, 17.0)])
    wq, pw, clock = [], [], []
    for rep in res.replications:
        a = rep.cases.arrival_h
        assert all(cal.is_open(float(t)) for t in a[::50]), "arrivals only in opening hours"
        m = window(rep, res.plan, 24 * 7)
        r = rep.records
        assert not np.isnan(r.seize_h[m]).any()
        w = cal.working_hours(r.seize_h[m]) - cal.working_hours(r.queue_h[m])
        wq.append(w.mean())
        pw.append((w > 1e-12).mean())
        clock.append((r.seize_h - r.queue_h)[m].mean())
    exact = mmc(LAM_OPEN, MU, C)
    assert_in_ci(wq, exact.wq, "working-time Wq", max_rel_half=0.15)
    assert_in_ci(pw, exact.p_wait, "working-time P(wait)", max_rel_half=0.06)
    # in clock time the same waits are far longer: nights and weekends count
    assert np.mean(clock) > 2 * exact.wq


def test_utilisation_is_rho_in_working_time() -> None:
    res = _run()
    assert_in_ci(res.kpis["utilisation.p"], LAM_OPEN / (C * MU), "utilisation",
                 max_rel_half=0.02)
