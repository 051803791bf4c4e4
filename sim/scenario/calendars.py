"""Working calendars as scenario files write them.

A calendar names its worked weekdays, its opening hours and its holidays; the
arithmetic on them (adding working hours, pausing outside them) lives in
:mod:`sim.core.calendar`. The name ``24x7`` is always defined.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.scenario.base import Strict
from sim.scenario.zones import TimeZone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24x7"
"""The calendar name that is always defined: every hour of every day is working time."""

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_hhmm(text: str) -> float:
    m = _HHMM.match(text.strip())
    if not m or int(m[2]) >= 60 or int(m[1]) > 24 or (int(m[1]) == 24 and int(m[2]) != 0):
        raise ValueError(f"times are written HH:MM between 00:00 and 24:00 (got {text!r})")
    return int(m[1]) + int(m[2]) / 60


class CalendarSpec(Strict):
    """A weekly working calendar: worked weekdays, opening hours, holidays.

    ``hours`` is either one interval written as two times (``["08:00", "17:00"]``)
    or several intervals written ``"HH:MM-HH:MM"`` (``["08:00-12:00", "13:00-17:00"]``).
    """

    days: Annotated[list[Literal[WEEKDAYS]], Field(min_length=1)]  # type: ignore[valid-type]
    hours: Annotated[list[str], Field(min_length=1)]
    holidays: list[datetime.date] = []
    time_zone: TimeZone | None = Field(
        default=None, description="IANA zone of days, hours and holidays; null = the "
                                  "platform's (simulation.time_zone)")

    @field_validator("days")
    @classmethod
    def _unique_days(cls, days: list[str]) -> list[str]:
        if len(set(days)) != len(days):
            raise ValueError(f"days must not repeat (got {days})")
        return days

    @field_validator("hours", mode="before")
    @classmethod
    def _quoted_times(cls, hours: object) -> object:
        for h in hours if isinstance(hours, list) else []:
            if isinstance(h, int | float) and not isinstance(h, bool):
                raise ValueError(
                    'write times in quotes, e.g. ["08:00", "17:00"]; YAML reads an unquoted '
                    f"17:00 as the number 1020 (got {h!r})"
                )
        return hours

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, hours: list[str]) -> list[str]:
        intervals = _intervals_of(hours)
        for (_, b), (c, _) in zip(intervals, intervals[1:], strict=False):
            if c < b:
                raise ValueError(f"opening intervals overlap or are out of order (got {hours})")
        for a, b in intervals:
            if b <= a:
                raise ValueError(
                    f"each interval must close after it opens, within one day (got {hours})"
                )
        return hours

    def intervals(self) -> list[tuple[float, float]]:
        """Open intervals within a working day, in hours of the day."""
        return _intervals_of(self.hours)

    def weekday_numbers(self) -> list[int]:
        """Worked weekdays as numbers, Monday = 0."""
        return sorted(WEEKDAYS.index(d) for d in self.days)


def _intervals_of(hours: list[str]) -> list[tuple[float, float]]:
    if all("-" not in h for h in hours):
        if len(hours) != 2:
            raise ValueError(
                'write one interval as ["08:00", "17:00"] or several as '
                f'["08:00-12:00", "13:00-17:00"] (got {hours})'
            )
        return [(_parse_hhmm(hours[0]), _parse_hhmm(hours[1]))]
    out = []
    for h in hours:
        parts = h.split("-")
        if len(parts) != 2:
            raise ValueError(f'write each interval as "HH:MM-HH:MM" (got {h!r})')
        out.append((_parse_hhmm(parts[0]), _parse_hhmm(parts[1])))
    return out
