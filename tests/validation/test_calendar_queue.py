"""A business-hours pool is an M/M/c queue in working time.

If cases arrive only while the pool is open (Poisson at rate lam during
Mon-Fri 08:00-17:00, none at night or at weekends), then on the working-time
clock W(t) of the pool's calendar the arrivals are Poisson(lam), reviews are
exponential working hours, and the queue is exactly M/M/c: a case's wait in
*working hours*, W(seize) - W(queue), follows Erlang C, whatever the nights and
weekends add in clock time. This checks the engine's calendar arithmetic and
its queueing together against a closed form.

Power: three million cases (20 replications of about 150,000) keep the 99% interval of
the working-time mean wait and P(wait) within 2% of Erlang C (``HALF``): a relative
error of 2% is flagged about half the time, 4% with probability over 99%. Marked
``power`` (long), run by CI.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from sim.core.analytic import mmc
from sim.core.calendar import WorkCalendar
from sim.outputs.busy import busy_hours

from .conftest import assert_in_ci, run_reps, single_pool, window

BUSINESS = {"business": {"days": ["mon", "tue", "wed", "thu", "fri"],
                         "hours": ["08:00", "17:00"]}}
LAM_OPEN, C, MU = 2.1, 3, 1.0  # rho = 0.7 in working time
WEEKS, REPS, SEED = 1590, 20, 4242  # ~150k cases a replication (94.5 a week)
HALF = 0.02  # largest accepted 99% half-width of Wq and P(wait), relative


def _run():  # noqa: ANN202
    doc = single_pool(lam=LAM_OPEN * 45 / 168, servers=C, mean_review_h=1 / MU,
                      horizon_days=7 * WEEKS, warmup_days=14, calendar="business",
                      calendars=BUSINESS)
    doc["demand"]["profile"] = {"weekday": [1, 1, 1, 1, 1, 0, 0],
                                "hour_of_day": [0] * 8 + [1] * 9 + [0] * 7}
    return run_reps(doc, SEED, REPS)


@pytest.mark.power
def test_working_time_wait_is_erlang_c_and_utilisation_rho() -> None:
    res = _run()
    cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8.0, 17.0)])
    wq, pw, clock = [], [], []
    for rep in res.reps:
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
    iv = assert_in_ci(wq, exact.wq, "working-time Wq", max_rel_half=HALF)
    print(f"working-time Wq: half-width {iv.half / exact.wq:.2%} of {exact.wq:.4g}")
    iv = assert_in_ci(pw, exact.p_wait, "working-time P(wait)", max_rel_half=HALF)
    print(f"working-time P(wait): half-width {iv.half / exact.p_wait:.2%}")
    # in clock time the same waits are far longer: nights and weekends count
    assert np.mean(clock) > 2 * exact.wq
    # utilisation: busy working hours over available ones, per replication, from the records
    t0, t1 = res.plan.warmup_h, res.plan.horizon_h
    util = [busy_hours(cal, rep.records.seize_h, rep.records.review_end_h, t0, t1)
            / (C * float(cal.working_hours_between(t0, t1))) for rep in res.reps]
    assert_in_ci(util, LAM_OPEN / (C * MU), "utilisation", max_rel_half=0.01)
