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

STAGES = ("arrival", "records_complete", "triage", "assigned", "review", "opinion")
"""The stages a log's activities map to, in journey order."""
ATTRIBUTES = ("specialty", "channel", "payer", "priority", "pool")
"""Optional per-case attribute columns."""


class Columns(Strict):
    """Column names of the log (each value is a column of the file)."""

    case_id: str
    activity: str
    timestamp: str
    lifecycle: str | None = None
    resource: str | None = None
    specialty: str | None = None
    channel: str | None = None
    payer: str | None = None
    priority: str | None = None
    pool: str | None = None


Names = str | Annotated[list[str], Field(min_length=1)]


class Activities(Strict):
    """The log's activity name(s) for each stage (``arrival`` and ``review`` are required).

    ``assigned`` is when a case joins the specialists' queue after its triage (authorised,
    assigned to a pool); without it the case joins the queue when triage ends.
    """

    arrival: Names
    records_complete: Names | None = None
    triage: Names | None = None
    assigned: Names | None = None
    review: Names
    opinion: Names | None = None
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


class LogMap(Strict):
    """A validated map file."""

    columns: Columns
    activities: Activities
    pools: Pools = Pools()
    lifecycle_values: dict[Literal["start", "complete"], str] = {
        "start": "start", "complete": "complete"}
    resource_pattern: str | None = Field(
        default=None, description="regular expression with named groups pool and/or specialty, "
                                  "read from the review's resource")
    time_zone: str = "UTC"
    naive_timestamps: Literal["error", "local"] = Field(
        default="error", description="timestamps without a UTC offset: an error, or local time")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, tz: str) -> str:
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
        assigned=[stages.PREAUTH.name, stages.REROUTING.name],
        review=[stages.SCREENING.name, stages.REVIEW.name], opinion=stages.DELIVERED,
        # the fit learns no drop-out, appointment slots or second records requests
        ignore=[stages.CHECK.name, stages.REFERRAL.name, stages.ABANDONED,
                *stages.ACCESS_ACTIVITIES]),
    resource_pattern=r"^(?P<pool>[^/]+)/(?P<specialty>[^/#]+)(/[^#]*)?#\d+$",
    naive_timestamps="local",
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
    if m.resource_pattern is not None:
        import re

        try:
            re.compile(m.resource_pattern)
        except re.error as err:
            file, line = doc.locate(("resource_pattern",))
            raise ScenarioError([Problem(file, line, "resource_pattern",
                                         f"not a regular expression: {err}")]) from None
    return m
