"""The records team and the appointment diaries, compiled for the engine (part of the plan).

:func:`compile_team` and :func:`compile_diaries` turn the scenario's ``intake.team`` and
the diary form of ``appointments`` (:mod:`sim.scenario.access`) into frozen objects the
engine indexes by number: the team's head count and calendar, its handling specs; per
(pool, channel) diary its slots a week and the pool's calendar; per channel and class
the booking lead. The engine reads only these (never the scenario).

Example:
    >>> import datetime
    >>> from sim.core.calendar import WorkCalendar
    >>> d = DiarySpec(0, pool=0, channel=1, per_week=2.0, calendar=WorkCalendar.always(),
    ...               name="in_house/in_person")
    >>> [round(d.slot_time(k), 1) for k in range(3)]      # every 84 h, mid-interval
    [42.0, 126.0, 210.0]
    >>> d.first_slot_at_or_after(42.0), d.first_slot_at_or_after(42.5)
    (0, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.calendar import WorkCalendar
from sim.scenario.access import Slots, diaries
from sim.scenario.durations import Duration

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


@dataclass(frozen=True)
class TeamSpec:
    """The records team: navigators on a calendar, hands-on effort per request."""

    navigators: int
    calendar: WorkCalendar
    calendar_name: str
    paper: Duration
    digital: Duration | None
    rerequest: Duration | None
    wage_per_hour_usd: float


@dataclass(frozen=True)
class DiarySpec:
    """The appointment slots of one pool for one channel."""

    index: int
    pool: int
    channel: int
    per_week: float
    calendar: WorkCalendar
    name: str  # "<pool>/<channel>"

    @property
    def work_per_slot_h(self) -> float:
        """Working hours of the pool's calendar between two slots (a week's over the slots)."""
        return self.calendar.weekly_hours / self.per_week

    def slot_time(self, k: int) -> float:
        """When slot ``k`` (0, 1, ...) is: the middle of its share of the working hours."""
        return float(self.calendar.add_working_hours(0.0, (k + 0.5) * self.work_per_slot_h))

    def slot_times(self, k0: int, k1: int) -> list[float]:
        """Slots ``k0`` to ``k1 - 1`` at once (the calendar's array path gives the same
        numbers as :meth:`slot_time`, bit for bit)."""
        k = np.arange(k0, k1, dtype=np.float64)
        return np.asarray(self.calendar.add_working_hours(np.zeros(len(k)),
                                                          (k + 0.5) * self.work_per_slot_h),
                          dtype=np.float64).tolist()

    def first_slot_at_or_after(self, t: float) -> int:
        """The index of the first slot at or after clock time ``t``."""
        w = float(self.calendar.working_hours(t)) / self.work_per_slot_h - 0.5
        k = max(0, math.ceil(w - 1e-9))
        while k > 0 and self.slot_time(k - 1) >= t:  # float noise at the boundary
            k -= 1
        while self.slot_time(k) < t:
            k += 1
        return k

    def slots_between(self, t0: float, t1: float) -> int:
        """Slots offered in ``[t0, t1)``."""
        return max(0, self.first_slot_at_or_after(t1) - self.first_slot_at_or_after(t0))


@dataclass(frozen=True)
class Leads:
    """Per slot channel and class, the booking lead (``None``: the channel has no diary)."""

    by_channel: tuple[tuple[Duration, ...] | None, ...]


def compile_team(s: Scenario, calendars: dict[str, WorkCalendar]) -> TeamSpec | None:
    """The scenario's records team, or ``None`` (records are pure delays)."""
    team = s.intake.team if s.intake is not None else None
    if team is None:
        return None
    h = team.handling
    return TeamSpec(team.navigators, calendars[team.calendar], team.calendar, h.paper,
                    h.digital, h.rerequest, team.wage_per_hour_usd)


def compile_diaries(s: Scenario, calendars: dict[str, WorkCalendar], channels: tuple[str, ...],
                    pools: tuple[str, ...], classes: tuple[str, ...]
                    ) -> tuple[tuple[DiarySpec, ...], Leads]:
    """Every (pool, channel) diary, and the leads per channel and class."""
    slot_channels: dict[str, Slots] = diaries(s)
    out: list[DiarySpec] = []
    for c, ch in enumerate(channels):
        diary = slot_channels.get(ch)
        if diary is None:
            continue
        for p, pool in enumerate(pools):
            if pool in diary.slots_per_week:
                out.append(DiarySpec(len(out), p, c, float(diary.slots_per_week[pool]),
                                     calendars[s.pools[pool].calendar], f"{pool}/{ch}"))
    leads = tuple(tuple(slot_channels[ch].lead_of(k) for k in classes)
                  if ch in slot_channels else None for ch in channels)
    return tuple(out), Leads(leads)
