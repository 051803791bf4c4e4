"""Specialists' absences, read from days on which a specialist started nothing though work waited.

A pool's ``absences.rate`` is the probability that a specialist is away on a given day
(drawn per specialist and day). A log shows an absence where a line's specialist started no
review on a day whose queue held, at the line's opening, at least :data:`BACKLOG_PER_HEAD`
cases per specialist of the line: each specialist at work that day would have started one.
Twice the head-count, so that a reserve held for the first class, which yields under a
backlog, does not read as an absence. The backlog is counted at the opening, before that
day's absences act on it, so the days are chosen by the earlier days' work: a day chosen
because its queue never emptied would be chosen for its absences, and overstate them.

The rate is the absent specialist-days over the specialist-days of those days, summed over
the pool's lines (each on its own calendar: its sessions where it has them), and it is
written when at least :data:`MIN_ABSENT` absent specialist-days were seen; the note gives
its 95% Wilson interval. Dated blocks (a summer when a share of the pool is away) are not
read. The log must name the specialist of each review.

Example (the baseline's log: nobody is away):
    >>> fit_absences(log, fitted.table, fitted.calendars, {})
    {}
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.calendars import DetectedCalendar
from sim.fit.fitted import Fitted
from sim.fit.reserves import _episode_lines, review_episodes
from sim.fit.staffing import LineCalendars, line_of

BACKLOG_PER_HEAD = 2
"""Cases waiting at the opening, per specialist of the line, for a day to show absences."""
MIN_ABSENT = 5
"""Absent specialist-days needed before a pool's absence rate is written."""


def line_absences(starts: pd.DataFrame, cases: pd.DataFrame, cal: WorkCalendar,
                  heads: int, n_days: int) -> tuple[int, int]:
    """(absent specialist-days, specialist-days) of one line over its days with a backlog.

    ``starts``: its review episodes (``resource``, ``start_h``); ``cases``: its cases'
    ``queue_h`` and ``review_start_h`` (NaN: never started).

    >>> cal = WorkCalendar.weekly(__import__("datetime").date(2026, 1, 5), range(5), [(8, 17)])
    >>> cases = pd.DataFrame({"queue_h": [1.0] * 4, "review_start_h": [8.5, 10, 30, 40]})
    >>> starts = pd.DataFrame({"resource": ["a"] * 4, "start_h": [8.5, 10, 30, 40]})
    >>> line_absences(starts, cases, cal, heads=2, n_days=3)   # day 0: b started nothing
    (1, 2)
    """
    absent = exposed = 0
    begun = cases["review_start_h"].fillna(np.inf).to_numpy()
    joined = cases["queue_h"].to_numpy()
    day_of = np.floor(starts["start_h"].to_numpy() / 24)
    for d in range(n_days):
        opening = float(cal.next_open(24.0 * d))
        if opening >= 24.0 * (d + 1):
            continue  # closed that day
        if ((joined <= opening) & (begun > opening)).sum() < BACKLOG_PER_HEAD * heads:
            continue
        active = starts.loc[day_of == d, "resource"].nunique()
        absent += max(heads - active, 0)
        exposed += heads
    return absent, exposed


def fit_absences(log, t: pd.DataFrame, calendars: Mapping[str, DetectedCalendar],  # noqa: ANN001
                 lines: LineCalendars) -> dict[str, Fitted]:
    """Pool -> its specialists' absence rate, where the log shows one (module docstring).

    ``lines``: (pool, line) -> the calendar of a line on sessions.
    """
    eps = review_episodes(log.events)
    if eps.empty or eps["resource"].replace("", np.nan).isna().all():
        return {}
    eps = _episode_lines(log, eps, t)
    queued = t[t["queue_h"].notna() & t["pool"].notna()]
    queued = queued.assign(line=line_of(queued))
    n_days = max(0, math.floor(log.end_h / 24))  # whole days only
    seen: dict[str, list[int]] = {}
    for (pool, line), starts in eps.groupby(["pool", "line"]):
        if pool not in calendars:
            continue
        cal = lines.get((pool, line)) or calendars[pool].work_calendar(log.start)
        mine = queued[(queued["pool"] == pool) & (queued["line"] == line)]
        a, n = line_absences(starts, mine, cal, starts["resource"].nunique(), n_days)
        seen.setdefault(pool, [0, 0])
        seen[pool][0] += a
        seen[pool][1] += n
    out = {}
    for pool, (absent, exposed) in seen.items():
        if absent < MIN_ABSENT:
            continue
        lo, hi = stats.binomtest(absent, exposed).proportion_ci(method="wilson")
        out[pool] = Fitted(round(absent / exposed, 4), (
            f"{absent} of {exposed} specialist-days with no review started although the "
            f"line's queue held {BACKLOG_PER_HEAD} cases per specialist at the opening "
            f"(95% CI [{lo:.3f}, {hi:.3f}]); dated blocks are not read"), exposed)
    return out
