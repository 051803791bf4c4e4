"""Rosters as scenario files write them: specialists' sessions and absences (``pools.<name>``).

By default a pool's specialists are full-time reviewers working every hour of the pool's
calendar. A pool may instead say when each line's specialists give time to second opinions,
in **sessions** (oncology: two 4-hour sessions a week, Tuesday morning and Thursday
afternoon), and when they are away, as **absences**: a rate (annual leave, conferences and
sickness spread over the year) and dated blocks (a share of them away in August). The counts
under ``specialists`` stay head-counts: the number of people who give those sessions.

Sessions compile to a working calendar for the line (:meth:`sim.core.calendar.WorkCalendar.
sessions`, the pool calendar's holidays included); absences to a schedule of how many of
the line's specialists are at work each day (:mod:`sim.engine.rosters`).

Example:
    >>> s = Session.model_validate({"days": ["tue"], "hours": ["08:00", "12:00"]})
    >>> s.intervals(), s.weekday_numbers()
    ([(8.0, 12.0)], [1])
"""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import Field, model_validator

from sim.scenario.base import Probability, Strict
from sim.scenario.calendars import CalendarSpec


class Session(CalendarSpec):
    """Weekly sessions: on ``days``, from ``hours`` (written like a calendar's hours)."""

    holidays: Annotated[list[datetime.date], Field(max_length=0)] = Field(
        default=[], description="not used: sessions keep the pool calendar's holidays")
    time_zone: None = Field(default=None, description="not used: sessions are in the pool "
                                                      "calendar's zone")


class AbsenceBlock(Strict):
    """A dated period during which a share of the pool's specialists are away."""

    start: datetime.date = Field(description="first day away")
    end: datetime.date = Field(description="last day away (inclusive)")
    share: Probability = Field(description="share of each line's specialists away "
                                           "(rounded to the nearest head)")
    lines: list[str] = Field(default=[], description="the lines concerned (specialty or "
                                                     "specialty/subspecialty); [] = all")

    @model_validator(mode="after")
    def _ordered(self) -> AbsenceBlock:
        if self.end < self.start:
            raise ValueError(f"'end' must not be before 'start' (got start {self.start}, "
                             f"end {self.end})")
        return self


class Absences(Strict):
    """When a pool's specialists are away: a daily rate and dated blocks."""

    rate: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0, description="P(a specialist is away on a given day), drawn per specialist "
                               "and day from the 'absences' random stream")
    blocks: list[AbsenceBlock] = []



__all__ = ["AbsenceBlock", "Absences", "Session"]
