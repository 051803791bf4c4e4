"""Working calendars: when a resource works, and how long work takes on the wall clock.

Model
-----
Simulation time ``t`` is a float counting **hours since the simulation start**: ``t = 0`` is
midnight (00:00) at the beginning of the calendar's ``start`` date, so ``t = 24 * d + x`` is
hour ``x`` of day ``d`` (without zones: the naive wall clock; with ``simulation.time_zone`` the
hours are elapsed ones and the zones move the intervals, docs/scenario-reference.md "The
clock"). A :class:`WorkCalendar` is a set of half-open *open intervals*
``[open, close)`` on that axis. Its central object is the *working-time clock*

    W(t) = working hours elapsed between 0 and t,

which is continuous and non-decreasing, with slope 1 while open and slope 0 while closed
(nights, weekends, holidays). Everything else is W or its inverse:

* ``working_hours_between(t0, t1) = W(t1) - W(t0)``: work done between two instants;
* ``add_working_hours(t, h)``: the earliest ``t' >= t`` with ``W(t') = W(t) + h``, i.e. when
  ``h`` hours of work started at ``t`` finish if work pauses outside hours. *Earliest* means
  that work finishing at closing time ends at 17:00, not at the next morning's 08:00;
* ``add_business_days(t, n) = add_working_hours(t, n * business_day_hours)``.

Implementation
--------------
Weekly calendars precompute their open intervals as sorted sequences ``starts``, ``ends`` and
``cum`` (W at each start) and answer queries by binary search: W(t) finds the last start
``<= t``; the inverse finds the first interval whose cumulative end reaches the target. The
horizon is unbounded: intervals are generated lazily, about a year at a time, whenever a query
reaches past them. Scalars use :mod:`bisect` on Python lists (about 2x cheaper than numpy for a
single value; this is the simulation hot path); arrays use :func:`numpy.searchsorted` with the
same float operations, so both paths return bit-identical results. Negative times and negative
work amounts raise ``ValueError``.

>>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), days=range(5), hours=[(8, 17)])
>>> cal.add_working_hours(111.5, 3.0)  # Friday 15:30 + 3h -> Monday 09:30
177.5
"""

from __future__ import annotations

import datetime
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from sim.core.week_pattern import (
    Week,
    day_intervals,
    describe,
    merge_hours,
    zoned_day_intervals,
)

__all__ = ["TimeLike", "WorkCalendar", "delay_end"]

TimeLike: TypeAlias = float | npt.NDArray[np.float64]
"""A Python float (scalar fast path) or a float array (vectorised path)."""

_CHUNK_DAYS = 366  # days of intervals generated per lazy extension (at least)


def _as_array(x: object, what: str) -> npt.NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    if a.size and not (a >= 0).all():
        raise ValueError(f"{what} must be >= 0, got min {a.min()}")
    return a


def _out(a: npt.NDArray[np.float64]) -> TimeLike:
    return a if a.ndim else float(a)


class WorkCalendar:
    """When a resource works. Build with :meth:`always` or :meth:`weekly`, not directly.

    >>> WorkCalendar.always().add_working_hours(10.0, 30.0)
    40.0
    """

    def __init__(
        self,
        name: str,
        start: datetime.date | None = None,
        holidays: frozenset[datetime.date] = frozenset(),
        week: Week = ((),) * 7,
        zones: tuple[str, str] | None = None,
    ) -> None:
        self.name = name
        # (calendar's zone, platform's zone): open hours are local times of the first,
        # converted to elapsed hours since midnight of `start` in the second
        self._zones = zones
        self._start = start
        self.is_24x7 = start is None
        self._by_day = week  # open intervals of each weekday, Monday first
        worked = [h for h in self._by_day if h]
        self.business_day_hours = 24.0 if start is None else (
            sum(c - o for h in worked for o, c in h) / len(worked) if worked else 0.0)
        self._weekday0 = 0 if start is None else start.weekday()
        self._holiday_days = (
            frozenset() if start is None else frozenset((d - start).days for d in holidays)
        )
        self._holiday_dates = frozenset(holidays)
        self._weekly_hours = sum(c - o for h in self._by_day for o, c in h)
        # Interval tables as Python lists (scalar path) and lazily refreshed numpy copies.
        self._s: list[float] = []  # interval starts
        self._e: list[float] = []  # interval ends
        self._c: list[float] = []  # W at each start
        self._ce: list[float] = []  # W at each end
        self._arr: tuple[npt.NDArray[np.float64], ...] = ()
        self._n_days = 0  # days [0, _n_days) have been generated
        self._last_end = -math.inf  # end of the last generated interval
        self._total = 0.0  # W at _last_end

    @property
    def weekly_hours(self) -> float:
        """Open hours of a week without holidays (168 for the 24x7 calendar).

        >>> WorkCalendar.always().weekly_hours
        168.0
        """
        return 168.0 if self.is_24x7 else float(self._weekly_hours)

    # ------------------------------------------------------------------ construction
    @classmethod
    def always(cls) -> WorkCalendar:
        """A 24x7 calendar: every hour is working time, so ``W(t) = t``.

        >>> WorkCalendar.always().working_hours(5.0)
        5.0
        """
        return cls("24x7")

    @classmethod
    def weekly(
        cls,
        start: datetime.date,
        days: Sequence[int],
        hours: Sequence[tuple[float, float]],
        holidays: Iterable[datetime.date] = (),
        zones: tuple[str, str] | None = None,
    ) -> WorkCalendar:
        """A calendar repeating every week, minus holidays.

        ``start`` is the date whose midnight is ``t = 0``. ``days`` are worked weekdays
        (0=Monday..6=Sunday); ``hours`` are sorted, non-overlapping ``(open, close)`` hours of
        the day with ``0 <= open < close <= 24`` (touching intervals are merged); ``holidays``
        are dates not worked. ``zones = (calendar zone, platform zone)`` (IANA names) makes
        ``days``, ``hours`` and ``holidays`` local to the calendar's zone, converted to the
        platform clock (elapsed hours since midnight of ``start`` in the platform zone).

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 12), (13, 17)])
        >>> cal.name, cal.business_day_hours
        ('Mon-Fri 08:00-12:00,13:00-17:00', 8.0)
        """
        if isinstance(start, datetime.datetime):
            start = start.date()
        day_set = frozenset(days)
        if not day_set:
            raise ValueError("weekly calendar needs at least one working day")
        if not day_set <= set(range(7)):
            raise ValueError(f"days must be weekday numbers 0 (Mon)..6 (Sun), got {sorted(days)}")
        merged = merge_hours(hours)
        if not merged:
            raise ValueError("weekly calendar needs at least one (open, close) hours interval")
        week = tuple(merged if wd in day_set else () for wd in range(7))
        hol = frozenset(holidays)
        return cls(describe(week, hol, zones), start, hol, week, zones=zones)

    @classmethod
    def sessions(
        cls,
        start: datetime.date,
        by_day: dict[int, Sequence[tuple[float, float]]],
        holidays: Iterable[datetime.date] = (),
        zones: tuple[str, str] | None = None,
    ) -> WorkCalendar:
        """A weekly calendar whose open hours differ by weekday (specialists' sessions).

        ``by_day`` maps weekdays (0=Monday) to sorted, non-overlapping ``(open, close)``
        hours. Its ``business_day_hours`` is the mean of the worked days' hours.

        >>> cal = WorkCalendar.sessions(datetime.date(2026, 1, 5), {1: [(8, 12)], 3: [(13, 17)]})
        >>> cal.name, cal.working_hours(168.0)
        ('Tue 08:00-12:00; Thu 13:00-17:00', 8.0)
        """
        if isinstance(start, datetime.datetime):
            start = start.date()
        week = tuple(merge_hours(by_day.get(wd, ())) for wd in range(7))
        if not any(week):
            raise ValueError("sessions need at least one (open, close) interval")
        hol = frozenset(holidays)
        return cls(describe(week, hol, zones, per_day=True), start, hol, week, zones=zones)

    def __repr__(self) -> str:
        return f"WorkCalendar({self.name!r})"

    # ------------------------------------------------------------------ lazy interval tables
    def _extend(self, n_days: int) -> None:
        """Lay the open intervals of days ``[_n_days, _n_days + n_days)`` on the tables
        (:mod:`sim.core.week_pattern`)."""
        first, stop = self._n_days, self._n_days + n_days
        intervals = (day_intervals(self._by_day, self._weekday0, self._holiday_days, first, stop)
                     if self._zones is None else
                     zoned_day_intervals(self._by_day, self._start, self._zones,
                                         self._holiday_dates, first, stop, self._last_end))
        total = self._total
        s, e, c, ce = self._s, self._e, self._c, self._ce
        for s0, e0 in intervals:
            s.append(s0)
            e.append(e0)
            c.append(total)
            total += e0 - s0  # so W(end) == cum + (end - start) exactly
            ce.append(total)
        self._n_days = stop
        self._total = total
        if e:
            self._last_end = e[-1]

    def _cover_time(self, t: float) -> None:
        """Extend until some interval ends after ``t`` (so W(t) and next_open(t) are known)."""
        while self._last_end <= t:
            self._extend(max(_CHUNK_DAYS, int(t // 24.0) - self._n_days + 8))

    def _cover_work(self, target: float) -> None:
        """Extend until the cumulative working hours reach ``target``."""
        while self._total < target:
            weeks = (target - self._total) / self._weekly_hours
            self._extend(max(_CHUNK_DAYS, int(weeks * 7.0) + 8))

    def _arrays(self) -> tuple[npt.NDArray[np.float64], ...]:
        if not self._arr or len(self._arr[0]) != len(self._s):
            self._arr = tuple(np.array(x) for x in (self._s, self._e, self._c, self._ce))
        return self._arr

    # ------------------------------------------------------------------ scalar kernels
    def _w(self, t: float) -> float:
        if t >= self._last_end:
            self._cover_time(t)
        i = bisect_right(self._s, t) - 1
        if i < 0:
            return 0.0
        e = self._e[i]
        return self._c[i] + ((t if t < e else e) - self._s[i])

    def _w_arr(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if t.size:
            self._cover_time(float(t.max()))
        s, e, c, _ = self._arrays()
        i = np.searchsorted(s, t, side="right") - 1
        j = np.maximum(i, 0)
        return np.where(i < 0, 0.0, c[j] + (np.minimum(t, e[j]) - s[j]))

    # ------------------------------------------------------------------ public queries
    def is_open(self, t: float) -> bool:
        """Whether ``t`` lies in an open interval ``[open, close)``.

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
        >>> cal.is_open(8.0), cal.is_open(17.0)
        (True, False)
        """
        if t < 0:
            raise ValueError(f"t must be >= 0, got {t}")
        if self.is_24x7:
            return True
        if t >= self._last_end:
            self._cover_time(t)
        i = bisect_right(self._s, t) - 1
        return i >= 0 and t < self._e[i]

    def next_open(self, t: TimeLike) -> TimeLike:
        """``t`` if open at ``t``, else the start of the next open interval (vectorised).

        >>> WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)]).next_open(17.0)
        32.0
        """
        if not isinstance(t, float | int):
            a = _as_array(t, "t")
            if self.is_24x7:
                return _out(a.copy())
            if a.size:
                self._cover_time(float(a.max()))
            s, e, _, _ = self._arrays()
            i = np.searchsorted(s, a, side="right") - 1
            inside = (i >= 0) & (a < e[np.maximum(i, 0)])
            return _out(np.where(inside, a, s[np.minimum(i + 1, len(s) - 1)]))
        if t < 0:
            raise ValueError(f"t must be >= 0, got {t}")
        if self.is_24x7:
            return float(t)
        if t >= self._last_end:
            self._cover_time(t)
        i = bisect_right(self._s, t) - 1
        if i >= 0 and t < self._e[i]:
            return float(t)
        return self._s[i + 1]

    def working_hours(self, t: TimeLike) -> TimeLike:
        """W(t): cumulative working hours from 0 to ``t`` (vectorised).

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
        >>> cal.working_hours(168.0)  # one full week
        45.0
        """
        if isinstance(t, float | int):
            if t < 0:
                raise ValueError(f"t must be >= 0, got {t}")
            return float(t) if self.is_24x7 else self._w(float(t))
        a = _as_array(t, "t")
        return _out(a.copy() if self.is_24x7 else self._w_arr(a))

    def working_hours_between(self, t0: TimeLike, t1: TimeLike) -> TimeLike:
        """``W(t1) - W(t0)``: working hours elapsed between two instants (vectorised)."""
        return self.working_hours(t1) - self.working_hours(t0)  # type: ignore[operator]

    def add_working_hours(self, t: TimeLike, h: TimeLike) -> TimeLike:
        """Finish time of ``h >= 0`` working hours started at ``t`` (vectorised, broadcast).

        Returns the earliest ``t' >= t`` with ``W(t') - W(t) == h``; ``h == 0`` returns ``t``.

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
        >>> cal.add_working_hours(8.0, 9.0)  # Monday 08:00 + 9h ends Monday 17:00
        17.0
        """
        if isinstance(t, float | int) and isinstance(h, float | int):
            if t < 0 or h < 0:
                raise ValueError(f"t and h must be >= 0, got t={t}, h={h}")
            t = float(t)
            if self.is_24x7:
                return t + h
            if h == 0:
                return t
            target = self._w(t) + h
            if target > self._total:
                self._cover_work(target)
            k = bisect_left(self._ce, target)
            tp = self._s[k] + (target - self._c[k])
            return tp if tp > t else t
        ta, ha = np.broadcast_arrays(_as_array(t, "t"), _as_array(h, "h"))
        if self.is_24x7:
            return _out(ta + ha)
        target = self._w_arr(ta) + ha
        if target.size:
            self._cover_work(float(target.max()))
        s, _, c, ce = self._arrays()
        k = np.searchsorted(ce, target, side="left")
        tp = np.maximum(s[k] + (target - c[k]), ta)
        return _out(np.where(ha == 0, ta, tp))

    def work_span(self, t: float, h: float) -> tuple[float, float]:
        """When ``h`` working hours taken up at ``t`` start and end, in one lookup (scalars).

        ``(min(next_open(t), end), end)`` with ``end = add_working_hours(t, h)``, bit for bit,
        for the engine's hot path: one binary search answers both, and the inputs are
        trusted (``t, h >= 0`` Python floats; the engine's are validated at the edge).

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
        >>> cal.work_span(111.5, 3.0), cal.work_span(6.0, 2.0)  # Fri 15:30; Mon 06:00
        ((111.5, 177.5), (8.0, 10.0))
        """
        if self.is_24x7:
            return t, t + h
        if t >= self._last_end:
            self._cover_time(t)
        s = self._s
        i = bisect_right(s, t) - 1
        if i >= 0 and t < self._e[i]:  # open now: work starts at once
            opens, w = t, self._c[i] + (t - s[i])
        else:  # closed: W(t) is W at the last close; work starts at the next opening
            opens = s[i + 1]
            w = 0.0 if i < 0 else self._c[i] + (self._e[i] - s[i])
        if h == 0:
            return t, t
        target = w + h
        if target > self._total:
            self._cover_work(target)
        k = bisect_left(self._ce, target)
        end = s[k] + (target - self._c[k])
        if end <= t:
            end = t
        return (opens if opens < end else end), end

    def add_business_days(self, t: TimeLike, days: TimeLike) -> TimeLike:
        """``add_working_hours(t, days * business_day_hours)`` (vectorised).

        >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
        >>> cal.add_business_days(112.0, 5)  # Friday 16:00 -> next Friday 16:00
        280.0
        """
        return self.add_working_hours(t, days * self.business_day_hours)  # type: ignore[operator]


def delay_end(start: TimeLike, hours: TimeLike, calendar: WorkCalendar | None) -> TimeLike:
    """When a delay of ``hours`` begun at ``start`` ends (scalars or arrays).

    A delay with a calendar (one given in ``business_days``) pauses outside its
    working hours; one without (``calendar=None``) is elapsed time.

    >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
    >>> delay_end(111.5, 3.0, cal), delay_end(111.5, 3.0, None)  # Friday 15:30
    (177.5, 114.5)
    """
    return start + hours if calendar is None else calendar.add_working_hours(start, hours)
