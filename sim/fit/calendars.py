"""Working calendars detected from when work actually happens.

A pool's calendar is read from the times its reviews start and complete (triage's from
triage events):

- **worked weekdays**: weekdays whose event rate (events per such day in the log) reaches
  10% of the busiest weekday's;
- **hours**: from the earliest to the latest time of day of the events on worked days
  (trimmed at the 0.2% and 99.8% quantiles), rounded outwards to the half hour when the log
  has start events and to the hour when it has only completions (a first completion comes
  some work after the opening);
- **24x7** when every weekday is worked and the hours span the whole day, or when nothing
  shows that the resource was closed outside the hours it was seen working: a pool fed by a
  business-hours stage works only in business hours although it is open around the clock.
  Closure is shown by cases that waited or were in service outside those hours without any
  event: if the event rate seen inside the hours would have produced at least
  :data:`CLOSED_EVIDENCE` events there, and fewer than a tenth of them happened, the
  resource was closed;
- **holidays**: worked weekdays with no event at all although the pool had a case waiting
  through the whole day (so the silence is not for lack of work).

Example:
    >>> rows = fitted.table[fitted.table["pool"] == "in_house"]
    >>> times_h = np.concatenate([rows["review_start_h"].dropna(), rows["review_end_h"].dropna()])
    >>> waiting = list(zip(rows["queue_h"], rows["review_end_h"].fillna(np.inf)))
    >>> det = detect_calendar(times_h, log.start, True, waiting, end_h=log.end_h)
    >>> det.spec.days, det.spec.hours, det.events
    (['mon', 'tue', 'wed', 'thu', 'fri'], ['08:00', '17:00'], 480)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from sim.core.calendar import WorkCalendar
from sim.scenario.calendars import WEEKDAYS, CalendarSpec

_DAY_SHARE = 0.10
_TRIM = 0.002
CLOSED_EVIDENCE = 10.0
"""Events the open-hours rate predicts outside them before a closure counts as shown."""


@dataclass(frozen=True)
class DetectedCalendar:
    """A detected calendar: ``spec`` (None for 24x7) and how it was found."""

    spec: CalendarSpec | None
    events: int
    note: str

    def work_calendar(self, start: dt.date) -> WorkCalendar:
        if self.spec is None:
            return WorkCalendar.always()
        return WorkCalendar.weekly(start, self.spec.weekday_numbers(), self.spec.intervals(),
                                   self.spec.holidays)


def _hhmm(hours: float) -> str:
    return f"{int(hours):02d}:{round((hours % 1) * 60):02d}"


def detect_calendar(times_h: np.ndarray, start: dt.date, has_starts: bool,
                    waiting: list[tuple[float, float]] | None = None,
                    end_h: float | None = None, holidays_from_h: float = 0.0
                    ) -> DetectedCalendar:
    """The calendar of one resource group from its event times (hours since ``start``).

    ``waiting``: (joined the queue, completed) intervals of its cases, the evidence of
    closure (see the module docstring) and of holidays; days starting before
    ``holidays_from_h`` are not holiday candidates (a delay's first days have no completions).
    """
    t = np.sort(np.asarray(times_h, dtype=float))
    t = t[np.isfinite(t)]
    if len(t) < 20:
        return DetectedCalendar(None, len(t), f"only {len(t)} events: taken as 24x7")
    end_h = float(t[-1]) if end_h is None else end_h
    n_days = max(1, math.ceil(end_h / 24))
    day = np.floor(t / 24).astype(int)
    weekday = (start.weekday() + day) % 7
    days_of_weekday = np.bincount((start.weekday() + np.arange(n_days)) % 7, minlength=7)
    rate = np.bincount(weekday, minlength=7) / np.maximum(days_of_weekday, 1)
    worked = [d for d in range(7) if rate[d] >= _DAY_SHARE * rate.max()]
    worked = _unproven_closed_days(worked, t, start, n_days, waiting or [])
    hod = (t - 24 * day)[np.isin(weekday, worked)]
    step = 2 if has_starts else 1  # half hours, or whole hours from completions only
    lo = math.floor((np.quantile(hod, _TRIM) + 1e-6) * step) / step
    hi = math.ceil((np.quantile(hod, 1 - _TRIM) - 1e-6) * step) / step
    hi = min(max(hi, lo + 1 / step), 24.0)
    rates = ", ".join(f"{WEEKDAYS[d]} {rate[d]:.1f}" for d in range(7))
    if len(worked) == 7 and lo <= 1 and hi >= 23:
        return DetectedCalendar(None, len(t), f"n={len(t)} events on every weekday at every "
                                f"hour ({lo:g}-{hi:g} h): 24x7")
    holidays = [h for h in _holidays(day, worked, start, n_days, waiting or [], lo, hi)
                if 24 * (h - start).days >= holidays_from_h]
    spec = CalendarSpec(days=[WEEKDAYS[d] for d in worked], hours=[_hhmm(lo), _hhmm(hi)],
                        holidays=holidays)
    expected, seen = _outside(spec, start, t, waiting or [])
    if expected < CLOSED_EVIDENCE or seen >= 0.1 * expected:
        return DetectedCalendar(None, len(t), (
            f"n={len(t)} events, seen on {', '.join(WEEKDAYS[d] for d in worked)} "
            f"{_hhmm(lo)}-{_hhmm(hi)}, but no case waited long outside those hours (the open-hours"
            f" rate predicts {expected:.1f} events there, {seen} seen): taken as 24x7"))
    note = (f"n={len(t)} events; events per day by weekday: {rates}; hours from the "
            f"{100 * _TRIM:g}% to {100 - 100 * _TRIM:g}% quantile of the time of day"
            + (f"; {len(holidays)} holiday(s): worked weekdays without events while a case "
               "waited all day" if holidays else ""))
    return DetectedCalendar(spec, len(t), note)


def _exposure_by_hour(waiting: list[tuple[float, float]], n_hours: int) -> np.ndarray:
    """Cases waiting or in service in each clock hour (whole hours, from the intervals)."""
    w = np.asarray(waiting, dtype=float).reshape(-1, 2)
    w = w[np.isfinite(w).all(axis=1) & (w[:, 1] > w[:, 0]) & (w[:, 0] >= 0)]
    diff = np.zeros(n_hours + 1)
    np.add.at(diff, np.minimum(np.floor(w[:, 0]).astype(int), n_hours), 1)
    np.add.at(diff, np.minimum(np.floor(w[:, 1]).astype(int), n_hours), -1)
    return np.cumsum(diff)[:n_hours]


def _unproven_closed_days(worked: list[int], t: np.ndarray, start: dt.date, n_days: int,
                          waiting: list[tuple[float, float]]) -> list[int]:
    """Add back weekdays without events on which no case waited (no work, not closed)."""
    if not waiting or len(worked) == 7:
        return worked
    exposure = _exposure_by_hour(waiting, n_days * 24)
    weekday_of_hour = (start.weekday() + np.arange(n_days * 24) // 24) % 7
    on_worked = np.isin(weekday_of_hour, worked)
    rate = len(t) / max(float(exposure[on_worked].sum()), 1e-9)
    return sorted(worked + [d for d in range(7) if d not in worked
                            and rate * exposure[weekday_of_hour == d].sum() < CLOSED_EVIDENCE])


def _outside(spec: CalendarSpec, start: dt.date, t: np.ndarray,
             waiting: list[tuple[float, float]]) -> tuple[float, int]:
    """Events predicted outside ``spec``'s hours by the rate inside them, and events seen."""
    if not waiting:
        return 0.0, 0
    cal = WorkCalendar.weekly(start, spec.weekday_numbers(), spec.intervals())
    w = np.asarray(waiting, dtype=float)
    w = w[np.isfinite(w).all(axis=1) & (w[:, 1] > w[:, 0]) & (w[:, 0] >= 0)]
    inside_h = np.asarray(cal.working_hours_between(w[:, 0], w[:, 1]), dtype=float)
    outside_h = float(np.sum(w[:, 1] - w[:, 0] - inside_h))
    # A completion exactly at the closing time is inside: look just before each event.
    open_now = np.asarray([cal.is_open(max(x - 1e-6, 0.0)) for x in t])
    rate = open_now.sum() / max(float(inside_h.sum()), 1e-9)  # events per case-hour of exposure
    return rate * outside_h, int((~open_now).sum())


def _holidays(day: np.ndarray, worked: list[int], start: dt.date, n_days: int,
              waiting: list[tuple[float, float]], lo: float, hi: float) -> list[dt.date]:
    active = set(np.unique(day).tolist())
    if not waiting:
        return []
    w = np.asarray(waiting, dtype=float)
    out = []
    for d in range(1, n_days - 1):
        date = start + dt.timedelta(days=d)
        if date.weekday() not in worked or d in active:
            continue
        # Somebody waited from before the opening to after the closing of that day.
        if np.any((w[:, 0] < 24 * d + lo) & (w[:, 1] > 24 * d + hi)):
            out.append(date)
    return out
