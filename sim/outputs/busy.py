"""Working hours a resource spent on cases within a window (utilisation's numerator).

Example:
    >>> import numpy as np
    >>> from sim.core.calendar import WorkCalendar
    >>> busy_hours(WorkCalendar.always(), np.array([1.0, 5.0]), np.array([3.0, np.nan]), 0, 6)
    3.0
"""

from __future__ import annotations

import numpy as np

from sim.core.calendar import WorkCalendar

__all__ = ["busy_hours"]


def busy_hours(cal: WorkCalendar, start: np.ndarray, end: np.ndarray, t0: float,
               t1: float) -> float:
    """Working hours on ``cal`` inside ``[t0, t1]`` covered by the intervals ``[start, end]``.

    An interval with no end (the work goes on past the horizon) counts until ``t1``.
    """
    ok = ~np.isnan(start)
    a = np.clip(start[ok], t0, t1)
    b = np.clip(np.where(np.isnan(end[ok]), t1, end[ok]), t0, t1)
    return float(np.sum(cal.working_hours_between(a, b))) if len(a) else 0.0
