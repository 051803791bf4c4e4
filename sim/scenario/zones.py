"""Time zones as scenario files write them: ``simulation.time_zone`` and ``calendars.*.time_zone``.

An IANA name (``America/New_York``, ``Asia/Kolkata``, ``Europe/London``, ``UTC``). The
platform's zone fixes what hour 0 is (midnight of ``simulation.start`` there); a calendar's
zone makes its days, hours and holidays local to it. The arithmetic is in
:mod:`sim.core.zones`.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(TimeZone).validate_python("Asia/Kolkata")
    'Asia/Kolkata'
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; use an IANA name such as America/New_York, "
                         f"Europe/London or Asia/Kolkata (got {name!r})") from None
    return name


TimeZone = Annotated[str, AfterValidator(_check_zone)]


def calendar_zones(platform: str | None, calendar_zone: str | None
                   ) -> tuple[str, str] | None:
    """``(calendar zone, platform zone)`` for :class:`~sim.core.calendar.WorkCalendar`, or
    ``None`` when the platform has no zone (the clock is the naive wall clock).

    >>> calendar_zones("America/New_York", None), calendar_zones(None, None)
    (('America/New_York', 'America/New_York'), None)
    """
    if platform is None:
        return None
    return (calendar_zone or platform, platform)
