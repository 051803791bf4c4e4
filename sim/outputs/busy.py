"""Working hours a resource spent on cases within a window (utilisation's numerator).

Example:
    >>> import numpy as np
    >>> from sim.core.calendar import WorkCalendar
    >>> busy_hours(WorkCalendar.always(), np.array([1.0, 5.0]), np.array([3.0, np.nan]), 0, 6)
    3.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.calendar import WorkCalendar

if TYPE_CHECKING:
    from sim.engine.model import Replication
    from sim.engine.plan import Plan

__all__ = ["busy_hours", "every_queue_busy_hours", "queue_busy_hours"]


def busy_hours(cal: WorkCalendar, start: np.ndarray, end: np.ndarray, t0: float,
               t1: float) -> float:
    """Working hours on ``cal`` inside ``[t0, t1]`` covered by the intervals ``[start, end]``.

    An interval with no end (the work goes on past the horizon) counts until ``t1``.
    """
    ok = ~np.isnan(start)
    a = np.clip(start[ok], t0, t1)
    b = np.clip(np.where(np.isnan(end[ok]), t1, end[ok]), t0, t1)
    if not len(a):
        return 0.0
    w = cal.working_hours(np.concatenate([a, b]))  # W(a) and W(b), looked up at once
    return float(np.sum(w[len(a):] - w[:len(a)]))


def queue_busy_hours(plan: Plan, rep: Replication, queue: int, t0: float,
                     t1: float) -> tuple[float, float]:
    """Working hours the specialists of ``queue`` spent within ``[t0, t1]`` on reviews, and
    on screening cases misrouted to them (two numbers, added by the caller)."""
    r, cal = rep.records, plan.queue_calendar(plan.queues[queue])  # sessions' or pool's
    rows, srows = r.queue == queue, r.screen_queue == queue
    return (busy_hours(cal, r.seize_h[rows], r.review_end_h[rows], t0, t1),
            busy_hours(cal, r.screen_seize_h[srows], r.screen_end_h[srows], t0, t1))


def every_queue_busy_hours(plan: Plan, rep: Replication, t0: float,
                           t1: float) -> list[tuple[float, float]]:
    """:func:`queue_busy_hours` of every queue, in queue order: measured once per replication
    for both the utilisation KPIs and the staff cost (:func:`sim.outputs.full_cost.staff_table`).
    """
    return [queue_busy_hours(plan, rep, q.index, t0, t1) for q in plan.queues]
