"""In-house sessions: a line whose specialists review only in some weekly windows.

A pool's calendar is read from all its lines' reviews (:mod:`sim.fit.calendars`); a line
whose specialists give second opinions only in sessions (oncology on Tuesday, Wednesday
and Friday mornings and Thursday afternoon) shows it in its own review events: none on
some of the pool's days, or a narrower window on others, although its cases waited there.

For each line, from its review episodes (:func:`sim.fit.reserves.review_episodes`, on the
line of the specialist who did them):

- **days**: the pool's weekdays whose event rate (events per such day) reaches 10% of the
  line's busiest weekday's;
- **hours** per day: from the earliest to the latest time of day of its events (trimmed at
  the 0.2% and 99.8% quantiles), rounded outwards to the half hour;
- **closure shown**: the sessions are written only where they leave out at least an hour
  of the pool's week and the line's cases waited there: the event rate per case-hour of
  waiting inside the sessions predicts at least :data:`~sim.fit.calendars.CLOSED_EVIDENCE`
  events in the pool's other open hours, and fewer than a tenth of them happened.

Weekdays with the same hours share one session entry, as a scenario file writes them.

Example (the baseline's log: every line works the pool's hours; and a session's calendar):
    >>> fit_sessions(log, stage_table(log), fitted.calendars, {"in_house": ["oncology"]})
    {}
    >>> tue = session_calendar([{"days": ["tue"], "hours": ["08:00", "12:00"]}],
    ...                        fitted.calendars["in_house"], log.start)
    >>> tue.name, tue.working_hours(168.0)
    ('Tue 08:00-12:00', 4.0)

``tests/fit/test_sessions.py`` reads sessions_and_contract's oncology sessions back.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.fit.calendars import _TRIM, CLOSED_EVIDENCE, DetectedCalendar, _hhmm
from sim.fit.fitted import Fitted
from sim.fit.reserves import _episode_lines, review_episodes
from sim.fit.stages import stage_table  # noqa: F401  (for the example)
from sim.scenario.calendars import WEEKDAYS
from sim.scenario.rosters import Session

MIN_REVIEWS = 40
"""Reviews a line needs before its sessions are read."""
_DAY_SHARE = 0.10


def _windows(t: np.ndarray, start: dt.date, pool_days: list[int], n_days: int
             ) -> dict[int, tuple[float, float]]:
    """Per worked weekday of the line, its hours (half hours, rounded outwards)."""
    day = np.floor(t / 24).astype(int)
    weekday = (start.weekday() + day) % 7
    count = np.bincount((start.weekday() + np.arange(n_days)) % 7, minlength=7)
    rate = np.bincount(weekday, minlength=7) / np.maximum(count, 1)
    out = {}
    for d in pool_days:
        if rate[d] < _DAY_SHARE * rate.max():
            continue
        hod = t[weekday == d] - 24 * day[weekday == d]
        lo = math.floor((np.quantile(hod, _TRIM) + 1e-6) * 2) / 2
        hi = math.ceil((np.quantile(hod, 1 - _TRIM) - 1e-6) * 2) / 2
        out[d] = (lo, min(max(hi, lo + 0.5), 24.0))
    return out


def _closure(t: np.ndarray, waiting: np.ndarray, sessions: WorkCalendar,
             pool: WorkCalendar) -> tuple[float, int]:
    """Events the sessions' rate predicts in the pool's other open hours, and those seen."""
    w = waiting[np.isfinite(waiting).all(axis=1) & (waiting[:, 1] > waiting[:, 0])]
    inside = np.asarray(sessions.working_hours_between(w[:, 0], w[:, 1]), dtype=float)
    pool_h = np.asarray(pool.working_hours_between(w[:, 0], w[:, 1]), dtype=float)
    # a completion at the closing time is inside, and so is a start at the opening
    in_sessions = np.asarray([sessions.is_open(max(x - 1e-6, 0.0)) or sessions.is_open(x)
                              for x in t])
    rate = in_sessions.sum() / max(float(inside.sum()), 1e-9)
    return rate * float(np.sum(pool_h - inside)), int((~in_sessions).sum())


def _entries(windows: dict[int, tuple[float, float]]) -> list[dict]:
    by_hours: dict[tuple[float, float], list[int]] = {}
    for d, h in sorted(windows.items()):
        by_hours.setdefault(h, []).append(d)
    return [{"days": [WEEKDAYS[d] for d in days], "hours": [_hhmm(lo), _hhmm(hi)]}
            for (lo, hi), days in sorted(by_hours.items(), key=lambda kv: kv[1][0])]


def line_sessions(eps: pd.DataFrame, det: DetectedCalendar, start: dt.date, end_h: float
                  ) -> Fitted | None:
    """The sessions of one line (its episodes ``eps``) on a pool whose calendar is ``det``;
    None when the line works the pool's hours or the log does not show closure."""
    if det.spec is None or len(eps) < MIN_REVIEWS:
        return None
    t = np.concatenate([eps["start_h"].to_numpy(float), eps["end_h"].dropna().to_numpy(float)])
    n_days = max(1, math.ceil(end_h / 24))
    pool_days = det.spec.weekday_numbers()
    spans = det.spec.intervals()
    windows = _windows(t, start, pool_days, n_days)
    if not windows:
        return None
    pool_cal = det.work_calendar(start)
    by_day = {d: [(max(lo, spans[0][0]), min(hi, spans[-1][1]))] for d, (lo, hi) in
              windows.items()}
    if any(a >= b for v in by_day.values() for a, b in v):
        return None
    cal = WorkCalendar.sessions(start, by_day, det.spec.holidays)
    week = np.asarray([cal.working_hours(168.0), pool_cal.working_hours(168.0)], dtype=float)
    if week[1] - week[0] < 1.0:  # the pool's hours, give or take a rounding
        return None
    waiting = np.column_stack([eps["join_h"].to_numpy(float),
                               eps["end_h"].fillna(end_h).to_numpy(float)])
    expected, seen = _closure(t, waiting, cal, pool_cal)
    if expected < CLOSED_EVIDENCE or seen >= 0.1 * expected:
        return None
    value = _entries({d: v[0] for d, v in by_day.items()})
    note = (f"{len(eps)} reviews; events only in these {week[0]:g} of the pool's "
            f"{week[1]:g} open hours a week: the rate inside them predicts {expected:.0f} "
            f"events in the others while the line's cases waited, {seen} seen")
    return Fitted(value, note, len(eps))


def session_calendar(entries: list[dict], det: DetectedCalendar, start: dt.date
                     ) -> WorkCalendar:
    """The working calendar of sessions written as :func:`line_sessions` writes them."""
    by_day: dict[int, list[tuple[float, float]]] = {}
    for entry in entries:
        session = Session.model_validate(entry)
        for d in session.weekday_numbers():
            by_day.setdefault(d, []).extend(session.intervals())
    holidays = det.spec.holidays if det.spec is not None else []
    return WorkCalendar.sessions(start, {d: sorted(h) for d, h in by_day.items()}, holidays)


def fit_sessions(log, t: pd.DataFrame, calendars: Mapping[str, DetectedCalendar],  # noqa: ANN001
                 lines: Mapping[str, list[str]]) -> dict[str, dict[str, Fitted]]:
    """Per pool, the sessions of each of its ``lines`` that shows them (module docstring)."""
    eps = review_episodes(log.events)
    if eps.empty:
        return {}
    eps = _episode_lines(log, eps, t)
    out: dict[str, dict[str, Fitted]] = {}
    for pool, names in lines.items():
        det = calendars.get(pool)
        # sessions are read on the log's clock; a calendar on a shifted clock has none here
        if det is None or det.spec is None or det.time_zone is not None:
            continue
        for line in names:
            found = line_sessions(eps[(eps["pool"] == pool) & (eps["line"] == line)], det,
                                  log.start, log.end_h)
            if found is not None:
                out.setdefault(pool, {})[line] = found
    return out
