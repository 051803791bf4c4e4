"""A working week as written in a scenario, and the open intervals it gives day by day.

:class:`~sim.core.calendar.WorkCalendar` answers questions about working time (how much work
fits between two instants, when work started now ends); this module is where its open
intervals come from. A week is seven tuples of ``(open, close)`` hours, Monday first
(:func:`merge_hours` checks and merges each day's), minus holidays; :func:`day_intervals`
lays it on the simulation clock one day after another, and :func:`zoned_day_intervals` does
the same for hours kept in another time zone (:mod:`sim.core.zones`).

Example:
    >>> week = (merge_hours([(8, 12), (12, 17)]),) + ((),) * 6       # Mondays only
    >>> describe(week, frozenset(), None)
    'Mon 08:00-17:00'
    >>> list(day_intervals(week, weekday0=0, holiday_days=frozenset(), first=0, stop=8))
    [(8.0, 17.0), (176.0, 185.0)]
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence

from sim.core.zones import clock_hours

__all__ = ["DAY_NAMES", "Hours", "Week", "day_intervals", "describe", "merge_hours",
           "zoned_day_intervals"]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Hours = tuple[tuple[float, float], ...]
"""One day's sorted, non-overlapping ``(open, close)`` hours (0 to 24)."""
Week = tuple[Hours, ...]
"""Seven days of :data:`Hours`, Monday first."""


def merge_hours(hours: Sequence[tuple[float, float]]) -> Hours:
    """``hours`` checked (``0 <= open < close <= 24``, sorted, not overlapping) and with
    touching intervals merged.

    Example:
        >>> merge_hours([(8, 12), (12, 13), (14, 17)])
        ((8.0, 13.0), (14.0, 17.0))
        >>> merge_hours([(9, 8)])
        Traceback (most recent call last):
        ...
        ValueError: hours interval (9, 8) must satisfy 0 <= open < close <= 24
    """
    merged: list[tuple[float, float]] = []
    for item in hours:
        o, c = (float(x) for x in item)
        if not 0.0 <= o < c <= 24.0:
            raise ValueError(f"hours interval {item} must satisfy 0 <= open < close <= 24")
        if merged and o < merged[-1][1]:
            raise ValueError(f"hours must be sorted and non-overlapping, got {list(hours)}")
        if merged and o == merged[-1][1]:
            merged[-1] = (merged[-1][0], c)
        else:
            merged.append((o, c))
    return tuple(merged)


def _hour(x: float) -> str:
    minutes = round(x * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hours_text(hours: Hours) -> str:
    return ",".join(f"{_hour(o)}-{_hour(c)}" for o, c in hours)


def describe(week: Week, holidays: frozenset[datetime.date],
             zones: tuple[str, str] | None, per_day: bool = False) -> str:
    """A calendar's name: the worked days and their hours (``Mon-Fri 08:00-17:00``: every
    worked day has the first one's), or with ``per_day`` each day's own (sessions:
    ``Tue 08:00-12:00; Thu 13:00-17:00``); holidays counted, the zone named.

    Example:
        >>> nine_to_five = merge_hours([(9, 17)])
        >>> describe((nine_to_five,) * 5 + ((), ()), frozenset(), ("Asia/Kolkata", "UTC"))
        'Mon-Fri 09:00-17:00 [Asia/Kolkata]'
    """
    worked = [d for d, h in enumerate(week) if h]
    if not per_day:
        contiguous = len(worked) > 2 and worked[-1] - worked[0] == len(worked) - 1
        days = (f"{DAY_NAMES[worked[0]]}-{DAY_NAMES[worked[-1]]}" if contiguous
                else ",".join(DAY_NAMES[d] for d in worked))
        name = f"{days} {_hours_text(week[worked[0]])}"
    else:
        name = "; ".join(f"{DAY_NAMES[d]} {_hours_text(week[d])}" for d in worked)
    if holidays:
        name += f" (-{len(holidays)} holidays)"
    if zones is not None:
        name += f" [{zones[0]}]"
    return name


def day_intervals(week: Week, weekday0: int, holiday_days: frozenset[int], first: int,
                  stop: int) -> Iterator[tuple[float, float]]:
    """The open intervals of days ``first`` to ``stop - 1`` on the clock (day ``d`` is hours
    ``24 d`` to ``24 (d + 1)``; day 0 is a ``weekday0``), in order, holidays left out."""
    for d in range(first, stop):
        hours = week[(weekday0 + d) % 7]
        if not hours or d in holiday_days:
            continue
        base = 24.0 * d
        for o, c in hours:
            yield base + o, base + c


def zoned_day_intervals(week: Week, start: datetime.date, zones: tuple[str, str],
                        holidays: frozenset[datetime.date], first: int, stop: int,
                        last_end: float) -> Iterator[tuple[float, float]]:
    """As :func:`day_intervals` for a week kept in zone ``zones[0]``, on the clock of
    ``zones[1]`` (elapsed hours since midnight of ``start`` there).

    Local day ``k`` is ``start + k - 1`` (one day early, since the zones' midnights differ);
    each open interval's local ends go to the clock through UTC, so daylight-saving changes
    in either zone move them; parts before hour 0 are cut off, and a local night shift
    folded onto the previous interval by a clock change (``last_end``: where the intervals
    laid so far end) starts where that one ends.
    """
    for k in range(first, stop):
        day = start + datetime.timedelta(days=k - 1)
        if day in holidays:
            continue
        for o, c in week[day.weekday()]:
            s0, e0 = clock_hours(start, zones, day, (o, c))
            if e0 <= 0.0:
                continue
            s0 = max(s0, 0.0, last_end)
            if e0 <= s0:
                continue
            yield s0, e0
            last_end = e0
