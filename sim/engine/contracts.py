"""Contract capacity caps in the engine: how many cases an outsourced pool takes a week.

A pool with ``contract.cases_per_week`` takes at most that many cases (for review) in each
week of 7 days counted from ``simulation.start`` (hour 0). A :class:`WeeklyCap` keeps the
count per week and hands out *slots*: :meth:`WeeklyCap.reserve` books the earliest week,
from now on, that still has room, and returns when that week starts (now, if it is this
week). Cases therefore enter the pool first come, first served across weeks.

With ``when_full: overflow`` the router leaves a full pool out (:meth:`WeeklyCap.full`)
and sends the case to another pool that staffs its line; only when there is none does the
case wait for the next week's slot. With ``when_full: queue`` it always waits. The wait
is part of the case's wait for the pool (``specialist_wait``); it is counted in the pool's
queue while it lasts (:func:`wait_for_slot`), so the waiting integrated by the engine still
equals what the case records add up to (the conservation check).

Example:
    >>> cap = WeeklyCap(2)
    >>> [cap.reserve(t) for t in (1.0, 2.0, 3.0, 200.0)]   # the third goes to week 1
    [1.0, 2.0, 168.0, 200.0]
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Protocol

import simpy

if TYPE_CHECKING:
    from sim.engine.plan import Plan


class _Waiting(Protocol):
    """What :func:`wait_for_slot` uses of a :class:`~sim.engine.pools.Staff`."""

    waiting: list[int]

WEEK_H = 168.0


class WeeklyCap:
    """At most ``per_week`` cases in each week ``[168 w, 168 (w + 1))``."""

    def __init__(self, per_week: int, queue_when_full: bool = False):
        self.per_week = per_week
        self.queue_when_full = queue_when_full
        self.used: dict[int, int] = {}
        self.first_open = 0  # no week before this one has room

    def full(self, now: float) -> bool:
        """Whether this week's cases are all taken."""
        return self.used.get(int(now // WEEK_H), 0) >= self.per_week

    def reserve(self, now: float) -> float:
        """Book the earliest week from ``now`` with room; the time the case may enter."""
        week = max(int(now // WEEK_H), self.first_open)
        while self.used.get(week, 0) >= self.per_week:
            week += 1
        self.used[week] = self.used.get(week, 0) + 1
        while self.used.get(self.first_open, 0) >= self.per_week:  # weeks before are full
            self.first_open += 1
        return max(now, week * WEEK_H)

    def release(self, slot_h: float) -> None:
        """Give back a booking held for the week starting at ``slot_h``: its patient gave up
        before the slot opened, so the company never took the case and another may.

        >>> cap = WeeklyCap(1)
        >>> cap.reserve(1.0), cap.reserve(2.0)   # the second is held for week 1
        (1.0, 168.0)
        >>> cap.release(168.0); cap.reserve(3.0)  # given back: week 1 has room again
        168.0
        """
        week = int(slot_h // WEEK_H)
        self.used[week] -= 1
        self.first_open = min(self.first_open, week)


def wait_for_slot(env: simpy.Environment, staff: _Waiting, until: float,
                  priority: int) -> Generator[simpy.Event, None, None]:
    """Wait until ``until`` counted among ``staff``'s waiting cases (see the module notes)."""
    staff.waiting[priority] += 1
    yield env.timeout(until - env.now)
    staff.waiting[priority] -= 1


def contract_caps(plan: Plan) -> list[WeeklyCap | None]:
    """Per specialist queue, its pool's :class:`WeeklyCap` (shared by the pool's lines)."""
    by_pool = {p: WeeklyCap(c.per_week, queue_when_full=not c.when_full.overflows)
               for p, c in enumerate(plan.caps) if c is not None}
    return [by_pool.get(q.pool) for q in plan.queues]
