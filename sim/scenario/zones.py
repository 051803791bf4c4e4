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

from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; use an IANA name such as America/New_York, "
                         f"Europe/London or Asia/Kolkata (got {name!r})") from None
    return name


TimeZone = Annotated[str, AfterValidator(_check_zone)]


def zone_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """A calendar in a zone needs the platform's zone to convert it."""
    if s.simulation.time_zone is not None:
        return []
    return [(("calendars", name, "time_zone"),
             f"a calendar in a time zone needs simulation.time_zone, the platform clock's "
             f"zone (got {spec.time_zone!r} and no simulation.time_zone)")
            for name, spec in s.calendars.items()
            if not isinstance(spec, str) and spec.time_zone is not None]


def calendar_zones(s: Scenario, calendar_zone: str | None) -> tuple[str, str] | None:
    """``(calendar zone, platform zone)`` for :class:`~sim.core.calendar.WorkCalendar`, or
    ``None`` when the scenario has no zones (the clock is the naive wall clock)."""
    platform = s.simulation.time_zone
    if platform is None:
        return None
    return (calendar_zone or platform, platform)
