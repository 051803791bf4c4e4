"""The simulation clock: its one unit, and conversions at the edges.

Inside sosim, **time is a float counting hours since midnight at the start of
``simulation.start``**. Every timestamp in the engine, the case table and the
event log's ``time_h`` column uses that unit; dates appear only at the edges
(the event log's ``timestamp`` column, figures).

Example:
    >>> import datetime
    >>> to_hours(90, "minutes")
    1.5
    >>> to_datetime(datetime.date(2026, 1, 5), 33.5)
    datetime.datetime(2026, 1, 6, 9, 30)
"""

from __future__ import annotations

import datetime

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 7 * HOURS_PER_DAY
HOURS_PER_YEAR = 365 * HOURS_PER_DAY

_ELAPSED_HOURS = {"minutes": 1 / 60, "hours": 1.0, "days": HOURS_PER_DAY}


def to_hours(value: float, unit: str, business_day_hours: float | None = None) -> float:
    """Convert a duration in ``unit`` to hours of the simulation clock.

    ``business_days`` need the working hours of one business day on the
    calendar they are counted on (``business_day_hours``).
    """
    if unit == "business_days":
        if business_day_hours is None:
            raise ValueError("business_days need the calendar's business_day_hours")
        return value * business_day_hours
    return value * _ELAPSED_HOURS[unit]


def to_datetime(start: datetime.date, hours: float) -> datetime.datetime:
    """The wall-clock moment ``hours`` after midnight of ``start``."""
    midnight = datetime.datetime.combine(start, datetime.time())
    return midnight + datetime.timedelta(hours=hours)
