"""The map file: which column of an event log is which, and which activity is which stage.

A real case-management system names its columns and activities its own way; the map file
says how they line up with the stages sosim models::

    columns: {case_id: case, activity: step, timestamp: time, lifecycle: transition,
              resource: who, specialty: specialty, channel: channel}
    activities:
      arrival: "Request received"
      records_complete: "Records complete"
      triage: "Case triaged"
      review: "Specialist review"
      opinion: "Opinion sent"
    pools: {resource_prefix: {"H-": in_house, "X-": outsourced}}
    time_zone: America/Chicago

Without a map, :data:`SOSIM_MAP` reads sosim's own event log (``sosim run`` writes it).

Example:
    >>> m = load_map(None)
    >>> m.activity_stage()["specialist review"]
    'review'
"""

from __future__ import annotations

import os
import zoneinfo
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.engine import stages
from sim.scenario.base import Name, Strict
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import read_document
from sim.scenario.messages import validate_model

STAGES = ("arrival", "records_complete", "records_again", "triage", "referral", "assigned",
          "appointment_booked", "appointment_held", "review", "opinion", "abandoned")
"""The stages a log's activities map to, in journey order."""
STAGE_ORDER = STAGES
"""Journey order of every stage, to order events that share a timestamp."""
ATTRIBUTES = ("specialty", "subspecialty", "channel", "payer", "priority", "region", "pool")
"""Optional per-case attribute columns."""


class Columns(Strict):
    """Column names of the log (each value is a column of the file)."""

    case_id: str
    activity: str
    timestamp: str
    lifecycle: str | None = None
    resource: str | None = None
    specialty: str | None = None
    subspecialty: str | None = None
    channel: str | None = None
    payer: str | None = None
    priority: str | None = None
    region: str | None = None
    pool: str | None = None


Names = str | Annotated[list[str], Field(min_length=1)]


class Activities(Strict):
    """The log's activity name(s) for each stage (``arrival`` and ``review`` are required).

    ``assigned`` is when a case joins the specialists' queue after its triage (authorised,
    assigned to a pool); without it the case joins the queue when triage ends.
    """

    arrival: Names
    records_complete: Names | None = None
    records_again: Names | None = Field(
        default=None, description="a second request for missing records: start when the "
                                  "first batch is in, complete when the records are")
    triage: Names | None = None
    referral: Names | None = Field(
        default=None, description="a referral cycle after (legacy) triage: start, complete")
    assigned: Names | None = None
    appointment_booked: Names | None = Field(
        default=None, description="the case starts waiting for an appointment slot")
    appointment_held: Names | None = Field(
        default=None, description="the slot: the case joins the specialists' queue")
    review: Names
    opinion: Names | None = None
    abandoned: Names | None = Field(
        default=None, description="the patient gave up (drop-out)")
    ignore: list[str] = Field(default=[], description="other activities to skip")

    def names(self, stage: str) -> list[str]:
        """The log's names of ``stage`` (empty if not mapped)."""
        v = getattr(self, stage)
        return [] if v is None else [v] if isinstance(v, str) else list(v)


class Pools(Strict):
    """How to tell a review's pool: a column, a resource prefix, or a pattern's group."""

    column: str | None = None
    resource_prefix: dict[str, Name] | None = None
    kinds: dict[Name, Literal["in_house", "outsourced"]] = Field(
        default={}, description="pool -> kind; a pool named in_house/outsourced is that kind")

    @model_validator(mode="after")
    def _one_way(self) -> Pools:
        if self.column is not None and self.resource_prefix is not None:
            raise ValueError("give column or resource_prefix, not both")
        return self


class Split(Strict):
    """How to tell the parts of a log that holds several replications or platforms.

    ``column``: a column naming each event's part (a site, a platform, a replication);
    ``case_id_pattern``: a regular expression whose group ``part`` reads it from the case id
    (sosim's own log: ``^(?P<part>r\\d+)-``). A log with more than one part is refused
    unless one part is chosen (``--part``), so that two platforms are never fitted as one.
    """

    column: str | None = None
    case_id_pattern: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Split:
        if (self.column is None) == (self.case_id_pattern is None):
            raise ValueError("give column or case_id_pattern (one of them)")
        return self


class LogMap(Strict):
    """A validated map file."""

    columns: Columns
    activities: Activities
    pools: Pools = Pools()
    split: Split | None = None
    lifecycle_values: dict[Literal["start", "complete"], str] = {
        "start": "start", "complete": "complete"}
    resource_pattern: str | None = Field(
        default=None, description="regular expression with named groups pool and/or specialty, "
                                  "read from the review's resource")
    time_zone: str | None = Field(
        default="UTC", description="the zone whose local wall time the fit reads timestamps "
                                  "with a UTC offset in; null: the zone the timestamps carry "
                                  "(sosim's own log of a zoned scenario)")
    naive_timestamps: Literal["error", "local"] = Field(
        default="error", description="timestamps without a UTC offset: an error, or local time")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, tz: str | None) -> str | None:
        if tz is None:
            return tz
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone (got {tz!r}); use an IANA name such as "
                             "America/Chicago") from None
        return tz

    def activity_stage(self) -> dict[str, str]:
        """Log activity name -> stage key."""
        return {name: stage for stage in STAGES for name in self.activities.names(stage)}


SOSIM_MAP = LogMap(
    columns=Columns(case_id="case_id", activity="activity", timestamp="timestamp",
                    lifecycle="lifecycle", resource="resource"),
    activities=Activities(  # the names sosim's event log uses (sim.engine.stages)
        arrival=stages.ARRIVED, records_complete=stages.INTAKE.name, triage=stages.TRIAGE.name,
        # a hybrid coordinator check is read as a delay before routing, as pre-authorisation
        assigned=[stages.PREAUTH.name, stages.REROUTING.name, stages.CHECK.name],
        review=[stages.SCREENING.name, stages.REVIEW.name], opinion=stages.DELIVERED,
        records_again=stages.REQUESTED_AGAIN, referral=stages.REFERRAL.name,
        appointment_booked=stages.BOOKED, appointment_held=stages.HELD,
        abandoned=stages.ABANDONED,
        # a records team's navigators (sim.engine.records_team): the fit reads records
        # intake as a delay and fits no team
        ignore=list(stages.TEAM_ACTIVITIES)),
    resource_pattern=r"^(?P<pool>[^/]+)/(?P<specialty>[^/#]+)(/(?P<subspecialty>[^#]*))?#\d+$",
    # zoneless scenarios write naive timestamps (the clock is the naive wall clock); zoned
    # ones write them in the platform's zone, read as its local wall time
    naive_timestamps="local", time_zone=None,
    split=Split(case_id_pattern=r"^(?P<part>r\d+)-"),
)
"""The map of sosim's own event log (``results.events``, ``events.parquet``)."""


def load_map(path: str | os.PathLike[str] | None) -> LogMap:
    """Read and validate a map file; ``None`` gives :data:`SOSIM_MAP`.

    A bad map raises :class:`~sim.scenario.errors.ScenarioError` with file, line and field.
    """
    if path is None:
        return SOSIM_MAP
    doc = read_document(path)
    m = validate_model(LogMap, doc)
    import re

    patterns = {("resource_pattern",): m.resource_pattern,
                ("split", "case_id_pattern"): m.split.case_id_pattern if m.split else None}
    for where, pattern in patterns.items():
        if pattern is None:
            continue
        try:
            compiled = re.compile(pattern)
        except re.error as err:
            file, line = doc.locate(where)
            raise ScenarioError([Problem(file, line, ".".join(where),
                                         f"not a regular expression: {err}")]) from None
        if where[0] == "split" and "part" not in compiled.groupindex:
            file, line = doc.locate(where)
            raise ScenarioError([Problem(file, line, ".".join(where), "needs a named group "
                                         f"'part', e.g. ^(?P<part>[^-]+)- (got {pattern!r})")])
    return m
