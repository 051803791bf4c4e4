"""Time zones: local opening hours of a calendar on the platform's clock.

The platform's clock is one float, hours elapsed since midnight of ``simulation.start`` in
the platform's zone (``simulation.time_zone``); arrivals stay on it. A calendar in another
zone (an outsourced network in Bangalore, a reviewer abroad) opens at local times, which
:func:`clock_hours` converts to that clock through UTC with :mod:`zoneinfo`, so both zones'
daylight-saving changes move them. The conversion runs once per interval when a calendar's
tables are generated (:mod:`sim.core.calendar`); calendar arithmetic afterwards is the usual
exact, vectorised search on the tables.

Example (New York platform; a Kolkata reviewer's Monday 09:00-18:00, 2 March 2026):
    >>> import datetime
    >>> start = datetime.date(2026, 3, 2)
    >>> clock_hours(start, ("Asia/Kolkata", "America/New_York"), start, (9.0, 18.0))
    (-1.5, 7.5)
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["clock_hours", "zone"]

_UTC = datetime.UTC


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The :class:`zoneinfo.ZoneInfo` of an IANA name (``KeyError`` style errors if unknown)."""
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def _origin(start: datetime.date, platform: str) -> datetime.datetime:
    return datetime.datetime.combine(start, datetime.time(), zone(platform)).astimezone(_UTC)


def clock_hours(start: datetime.date, zones: tuple[str, str], day: datetime.date,
                hours: tuple[float, float]) -> tuple[float, float]:
    """Local ``hours`` (open, close) of ``day`` in ``zones[0]`` as platform-clock hours.

    A local time that does not exist (skipped by a spring-forward change) is read with the
    offset before the change, as :mod:`zoneinfo` does for ``fold=0``.
    """
    local, t0 = zone(zones[0]), _origin(start, zones[1])
    midnight = datetime.datetime.combine(day, datetime.time())
    out = []
    for h in hours:
        wall = (midnight + datetime.timedelta(hours=h)).replace(tzinfo=local)
        out.append((wall.astimezone(_UTC) - t0).total_seconds() / 3600.0)
    return out[0], out[1]
