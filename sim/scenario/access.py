"""Channels as they are: records collected by a team, appointment slots, incomplete records.

**Records team** (``intake.team``). Without it, records collection is a pure delay
(``intake.digital`` / ``intake.paper`` from arrival). With it, a case whose records need a
navigator (paper records; digital ones too if ``handling.digital`` is given) joins the
team's queue on arrival: urgent cases first, then first come, first served. A navigator
works ``handling`` (hands-on working time on the team's ``calendar``), and then the
records take their external wait (``intake.digital`` / ``intake.paper``: other providers
sending them, which uses no staff). A second request for incomplete records
(``incomplete_records``) is worked by a navigator for ``handling.rerequest`` before its
wait (without ``rerequest``, it is a pure delay as before). So records waits grow with
load and shrink with navigators (record collection in "as little as 5 days" with a nurse
navigator, see ``docs/sources.md#consultqd-records``).

**Appointment slots** (``appointments``). Per channel, either a pure delay (a duration, as
before) or a *diary*: ``slots_per_week`` per pool, spread evenly over the pool's working
hours, and a booking ``lead`` (the notice before which no slot is offered: the patient's
travel, the clinic's other patients; per class with ``lead_by_priority``). A matched case
books with a pool that has slots for its channel; from its lead on it waits for the next
slot, urgent cases first, then in the order they became eligible; a slot nobody waits for
is lost. Only pools with slots for a channel take its cases.

``incomplete_records`` makes a share of cases' records arrive incomplete: once the first
batch is in, the missing parts are requested and the case waits a second time
(``request``) before triage. All sections are optional; without them nothing changes.

Example::

    intake:
      ...
      team:
        navigators: 2
        calendar: business
        handling:
          paper: {dist: lognormal, mean: 1, sd: 0.5, unit: hours}
          rerequest: {dist: uniform, low: 15, high: 30, unit: minutes}
    appointments:
      in_person:
        lead: {dist: lognormal, mean: 16, sd: 18, unit: days}
        lead_by_priority: {urgent: {dist: uniform, low: 1, high: 3, unit: business_days}}
        slots_per_week: {in_house: 90}
      video: {dist: lognormal, mean: 10, sd: 10, unit: days}     # a pure delay
    incomplete_records:
      share: {in_person: 0.3, online_portal: 0.15}
      request: {dist: uniform, low: 2, high: 5, unit: business_days}
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator

from sim.scenario.base import Name, Probability, Strict
from sim.scenario.durations import Duration


class IncompleteRecords(Strict):
    """Records that arrive incomplete and need a second request."""

    share: dict[Name, Probability] = Field(
        description="per channel, the share of cases whose records arrive incomplete "
                    "(channels not listed: none)")
    request: Duration = Field(description="the second wait, for the missing records")


def _hands_on(spec: Duration | None, what: str) -> None:
    if spec is not None and spec.unit == "business_days":
        raise ValueError(f"{what} is hands-on working time: use minutes or hours "
                         f"(got business_days)")


class Handling(Strict):
    """A navigator's hands-on working time per request (working hours on the team's calendar)."""

    paper: Duration = Field(description="collecting paper records: requests, calls, couriers")
    digital: Duration | None = Field(
        default=None, description="checking records that arrive digitally; none = digital "
                                  "records need no navigator")
    rerequest: Duration | None = Field(
        default=None, description="requesting the missing parts of incomplete records "
                                  "(incomplete_records); none = the second request is a pure "
                                  "delay")

    @model_validator(mode="after")
    def _working_time(self) -> Handling:
        for name in ("paper", "digital", "rerequest"):
            _hands_on(getattr(self, name), f"handling.{name}")
        return self


class RecordsTeam(Strict):
    """Navigators (records staff) who collect the records before triage."""

    navigators: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="head count of the team")
    calendar: str = Field(default="business", description="when the navigators work")
    handling: Handling
    wage_per_hour_usd: Annotated[float, Field(ge=0, le=1e6)] = Field(
        default=0, description="loaded cost of a navigator hour (every paid hour, idle or not, "
                               "in the KPI money.navigators; hands-on hours in each case's "
                               "records cost)")


class Slots(Strict):
    """A channel's appointment diary: slots per pool a week, after a booking lead."""

    lead: Duration = Field(description="notice before which no slot is offered (no staff "
                                       "of the platform: travel, the clinic's other patients)")
    lead_by_priority: dict[Name, Duration] = Field(
        default={}, description="per priority class, overrides lead")
    slots_per_week: Annotated[dict[Name, Annotated[float, Field(gt=0, le=1e6)]],
                              Field(min_length=1)] = Field(
        description="pool -> appointment slots a week for this channel, spread evenly over "
                    "the pool's working hours; pools not listed take none of its cases")

    def lead_of(self, priority: str) -> Duration:
        """The booking lead of a case of class ``priority``."""
        return self.lead_by_priority.get(priority, self.lead)


def _appointment_kind(v: Any) -> str:  # noqa: ANN401
    """``slots`` for a diary (a mapping with ``lead`` or ``slots_per_week``), else ``delay``."""
    if isinstance(v, Slots):
        return "slots"
    if isinstance(v, dict) and "dist" not in v and ({"lead", "slots_per_week"} & set(v)):
        return "slots"
    return "delay"


Appointment = Annotated[
    Annotated[Duration, Tag("delay")] | Annotated[Slots, Tag("slots")],
    Discriminator(_appointment_kind),
]
"""A channel's appointment wait: a pure delay, or a diary of slots (:class:`Slots`)."""


def diaries(s: Any) -> dict[str, Slots]:  # noqa: ANN401
    """The channels of ``s`` whose appointments are diaries of slots."""
    return {ch: a for ch, a in (s.appointments or {}).items() if isinstance(a, Slots)}


def access_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Unknown channels, pools, classes and calendars in the access sections."""
    channels = set(s.demand.mix.channel)
    out: list[tuple[tuple[str | int, ...], str]] = []
    named = [(("appointments", ch), ch) for ch in (s.appointments or {})]
    if s.incomplete_records is not None:
        named += [(("incomplete_records", "share", ch), ch) for ch in s.incomplete_records.share]
    for path, ch in named:
        if ch not in channels:
            out.append((path, f"unknown channel {ch!r} (demand.mix.channel has "
                              f"{', '.join(sorted(channels))})"))
    team = s.intake.team if s.intake is not None else None
    if team is not None and team.calendar not in set(s.calendars) | {"24x7"}:
        out.append((("intake", "team", "calendar"),
                    f"calendar {team.calendar!r} is not defined (defined: "
                    f"{', '.join(sorted(set(s.calendars) | {'24x7'}))})"))
    classes = tuple(s.priorities) if s.priorities else ("urgent", "routine")
    for ch, diary in diaries(s).items():
        for pool in diary.slots_per_week:
            if pool not in s.pools:
                out.append((("appointments", ch, "slots_per_week", pool),
                            f"unknown pool {pool!r} (pools: {', '.join(s.pools)})"))
        for p in diary.lead_by_priority:
            if p not in classes:
                out.append((("appointments", ch, "lead_by_priority", p),
                            f"unknown priority class {p!r} (classes: {', '.join(classes)})"))
    return out
