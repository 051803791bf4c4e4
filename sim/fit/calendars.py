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
- **breaks** (a lunch hour, a split shift): half hours (hours, from completions only)
  inside the opening hours in which the same evidence shows closure (the rate seen in the
  rest of the hours predicts at least :data:`CLOSED_EVIDENCE` events there from the cases
  waiting, and fewer than a tenth came) split the hours into intervals
  (``["08:00-12:00", "13:00-17:00"]``);
- **holidays**: worked weekdays with no event at all although the pool had a case waiting
  through the whole day (so the silence is not for lack of work);
- **overnight hours**: when the events' times of day sit in a window that wraps midnight
  (a network abroad working 22:30-07:30 on the log's clock), read on the log's own clock
  they span the whole day. The clock is shifted by the whole hours that make the window
  contiguous and centre it on midday (the trimmed span of the times of day is at least
  :data:`WRAP_GAIN_H` shorter than unshifted), and everything above (days, hours, breaks,
  holidays) is read on the shifted clock. The calendar is then written in the fixed-offset
  zone of that shift (``Etc/GMT-9`` for 9 hours ahead; the fitted scenario's clock is then
  ``UTC``, which is the log's wall clock): a zone of the log's clock, not a place.

Example:
    >>> rows = fitted.table[fitted.table["pool"] == "in_house"]
    >>> times_h = np.concatenate([rows["review_start_h"].dropna(), rows["review_end_h"].dropna()])
    >>> waiting = list(zip(rows["queue_h"], rows["review_end_h"].fillna(np.inf)))
    >>> det = detect_calendar(times_h, log.start, True, waiting, end_h=log.end_h)
    >>> det.spec.days, det.spec.hours, det.events
    (['mon', 'tue', 'wed', 'thu', 'fri'], ['08:00', '17:00'], 460)
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
WRAP_GAIN_H = 2.0
"""Hours by which a shifted clock must shorten the times of day's span to be used."""


@dataclass(frozen=True)
class DetectedCalendar:
    """A detected calendar: ``spec`` (None for 24x7) and how it was found."""

    spec: CalendarSpec | None
    events: int
    note: str
    time_zone: str | None = None
    """The fixed-offset zone ``spec`` is local to (overnight hours), or None: the log's clock."""

    def entry(self) -> str | dict:
        """The scenario's value for this calendar: ``24x7`` or days, hours, holidays (zone)."""
        if self.spec is None:
            return "24x7"
        s = self.spec
        value = {"days": list(s.days), "hours": list(s.hours), "holidays": list(s.holidays)}
        return value if self.time_zone is None else {**value, "time_zone": self.time_zone}

    def work_calendar(self, start: dt.date) -> WorkCalendar:
        if self.spec is None:
            return WorkCalendar.always()
        zones = None if self.time_zone is None else (self.time_zone, "UTC")
        return WorkCalendar.weekly(start, self.spec.weekday_numbers(), self.spec.intervals(),
                                   self.spec.holidays, zones=zones)


def _hhmm(hours: float) -> str:
    return f"{int(hours):02d}:{round((hours % 1) * 60):02d}"


def offset_zone(shift_h: int) -> str:
    """The IANA fixed-offset zone ``shift_h`` hours ahead of UTC (POSIX signs are inverted).

    >>> offset_zone(9), offset_zone(-3)
    ('Etc/GMT-9', 'Etc/GMT+3')
    """
    return f"Etc/GMT{'-' if shift_h > 0 else '+'}{abs(shift_h)}"


def _span_h(hod: np.ndarray) -> float:
    return float(np.quantile(hod, 1 - _TRIM) - np.quantile(hod, _TRIM))


def overnight_shift(times_h: np.ndarray) -> int:
    """Whole hours to shift the clock by so that the events' times of day are contiguous.

    0 unless the trimmed span of the times of day shrinks by :data:`WRAP_GAIN_H` or more
    (a window across midnight); among the shifts giving the shortest span, the one that
    centres the window on midday (then the smallest).

    >>> overnight_shift(np.array([22.5, 23.0, 1.0, 4.0, 7.0] * 10))
    9
    >>> overnight_shift(np.array([8.0, 9.0, 12.0, 16.5] * 10))
    0
    """
    t = np.asarray(times_h, dtype=float)
    t = t[np.isfinite(t)]
    if len(t) < 20:
        return 0
    spans = {s: _span_h((t + s) % 24) for s in range(-12, 13)}
    best = min(spans.values())
    if spans[0] - best < WRAP_GAIN_H:
        return 0

    def off_centre(s: int) -> tuple[float, int]:
        hod = (t + s) % 24
        return abs((np.quantile(hod, _TRIM) + np.quantile(hod, 1 - _TRIM)) / 2 - 12), abs(s)

    return min((s for s, v in spans.items() if v <= best + 1e-9), key=off_centre)


def detect_calendar(times_h: np.ndarray, start: dt.date, has_starts: bool,
                    waiting: list[tuple[float, float]] | None = None,
                    end_h: float | None = None, holidays_from_h: float = 0.0
                    ) -> DetectedCalendar:
    """The calendar of one resource group from its event times (hours since ``start``).

    ``waiting``: (joined the queue, completed) intervals of its cases, the evidence of
    closure (see the module docstring) and of holidays; days starting before
    ``holidays_from_h`` are not holiday candidates (a delay's first days have no completions).
    Hours across midnight are read on a shifted clock (module docstring).
    """
    shift = overnight_shift(np.asarray(times_h, dtype=float))
    if shift == 0:
        return _detect(times_h, start, has_starts, waiting, end_h, holidays_from_h)
    # hours since midnight of the shifted clock's first day (the day before, when behind)
    ahead = shift if shift > 0 else shift + 24
    first = start if shift > 0 else start - dt.timedelta(days=1)
    w = None if waiting is None else [(a + ahead, b + ahead) for a, b in waiting]
    det = _detect(np.asarray(times_h, dtype=float) + ahead, first, has_starts, w,
                  None if end_h is None else end_h + ahead, holidays_from_h + ahead)
    if det.spec is None:
        return det
    zone = offset_zone(shift)
    return DetectedCalendar(det.spec.model_copy(update={"time_zone": zone}), det.events,
                            f"{det.note}; the hours wrap midnight on the log's clock, so they "
                            f"are read {shift:+d} h ahead, in {zone}", zone)


def _detect(times_h: np.ndarray, start: dt.date, has_starts: bool,
            waiting: list[tuple[float, float]] | None, end_h: float | None,
            holidays_from_h: float) -> DetectedCalendar:
    """:func:`detect_calendar` on the clock the times are given on."""
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
    intervals = _open_intervals(t, start, worked, lo, hi, step, waiting or [], n_days)
    hours = ([_hhmm(lo), _hhmm(hi)] if len(intervals) == 1
             else [f"{_hhmm(a)}-{_hhmm(b)}" for a, b in intervals])
    spec = CalendarSpec(days=[WEEKDAYS[d] for d in worked], hours=hours, holidays=holidays)
    expected, seen = _outside(spec, start, t, waiting or [])
    if expected < CLOSED_EVIDENCE or seen >= 0.1 * expected:
        return DetectedCalendar(None, len(t), (
            f"n={len(t)} events, seen on {', '.join(WEEKDAYS[d] for d in worked)} "
            f"{_hhmm(lo)}-{_hhmm(hi)}, but no case waited long outside those hours (the open-hours"
            f" rate predicts {expected:.1f} events there, {seen} seen): taken as 24x7"))
    breaks = ", ".join(f"{_hhmm(b)}-{_hhmm(a)}"
                       for (_, b), (a, _) in zip(intervals, intervals[1:], strict=False))
    note = (f"n={len(t)} events; events per day by weekday: {rates}; hours from the "
            f"{100 * _TRIM:g}% to {100 - 100 * _TRIM:g}% quantile of the time of day"
            + (f"; {len(holidays)} holiday(s): worked weekdays without events while a case "
               "waited all day" if holidays else "")
            + (f"; closed {breaks} (no events while cases waited)" if breaks else ""))
    return DetectedCalendar(spec, len(t), note)


def _exposure_by_hour(waiting: list[tuple[float, float]], n_hours: int) -> np.ndarray:
    """Cases waiting or in service in each clock hour (whole hours, from the intervals)."""
    w = np.asarray(waiting, dtype=float).reshape(-1, 2)
    w = w[np.isfinite(w).all(axis=1) & (w[:, 1] > w[:, 0]) & (w[:, 0] >= 0)]
    diff = np.zeros(n_hours + 1)
    np.add.at(diff, np.minimum(np.floor(w[:, 0]).astype(int), n_hours), 1)
    np.add.at(diff, np.minimum(np.floor(w[:, 1]).astype(int), n_hours), -1)
    return np.cumsum(diff)[:n_hours]


def _waiting_throughout(waiting: list[tuple[float, float]], n_slots: int,
                        per_hour: int) -> np.ndarray:
    """Cases waiting or in service through the whole of each slot of ``1 / per_hour`` hours."""
    w = np.asarray(waiting, dtype=float).reshape(-1, 2) * per_hour
    w = w[np.isfinite(w).all(axis=1) & (w[:, 1] > w[:, 0]) & (w[:, 0] >= 0)]
    first, end = np.ceil(w[:, 0] - 1e-9).astype(int), np.floor(w[:, 1] + 1e-9).astype(int)
    w_first, w_end = first[end > first], end[end > first]
    diff = np.zeros(n_slots + 1)
    np.add.at(diff, np.minimum(w_first, n_slots), 1)
    np.add.at(diff, np.minimum(w_end, n_slots), -1)
    return np.cumsum(diff)[:n_slots]


def _open_intervals(t: np.ndarray, start: dt.date, worked: list[int], lo: float, hi: float,
                    per_hour: int, waiting: list[tuple[float, float]], n_days: int
                    ) -> list[tuple[float, float]]:
    """``[(lo, hi)]`` split where a run of slots inside it was shown closed (a break).

    Each slot of ``1 / per_hour`` hours between ``lo`` and ``hi`` on worked days gets its
    exposure (cases waiting or in service through the whole slot, as for holidays) and its
    events; the rate over all those slots predicts each slot's events, and a slot with at
    least :data:`CLOSED_EVIDENCE` predicted but under a tenth of them seen is closed. An
    event exactly on a slot's edge (a completion at a break's start, a start at its end)
    counts in neither neighbour.
    """
    first, last = round(lo * per_hour), round(hi * per_hour)
    if not waiting or last - first < 3:
        return [(lo, hi)]
    per_day = 24 * per_hour
    exposure = _waiting_throughout(waiting, n_days * per_day, per_hour)
    index = np.arange(n_days * per_day)
    slot = index % per_day
    on = np.isin((start.weekday() + index // per_day) % 7, worked)
    exposure_by_slot = np.bincount(slot[on], weights=exposure[on], minlength=per_day)
    position = (t % 24) * per_hour
    edge = np.abs(position - np.round(position)) < 1e-6
    seen_on = np.isin((start.weekday() + np.floor(t / 24).astype(int)) % 7, worked) & ~edge
    seen = np.bincount(np.floor(position[seen_on]).astype(int), minlength=per_day)[:per_day]
    inside = slice(first, last)
    rate = seen[inside].sum() / max(float(exposure_by_slot[inside].sum()), 1e-9)
    expected = rate * exposure_by_slot
    closed = (expected >= CLOSED_EVIDENCE) & (seen < 0.1 * expected)
    # runs of closed slots [begin, end) that leave open slots on both sides
    flags = np.concatenate([[False], closed[inside], [False]]).astype(int)
    begins = np.flatnonzero(np.diff(flags) == 1) + first
    ends = np.flatnonzero(np.diff(flags) == -1) + first
    cuts = [(b / per_hour, e / per_hour) for b, e in zip(begins, ends, strict=True)
            if b > first and e < last]
    bounds = [lo, *(x for cut in cuts for x in cut), hi]
    return list(zip(bounds[::2], bounds[1::2], strict=True))


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
    # A completion exactly at the closing time is inside, and so is a start exactly at the
    # opening (a case that waited overnight): look just before and at each event.
    open_now = np.asarray([cal.is_open(max(x - 1e-6, 0.0)) or cal.is_open(x) for x in t])
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
