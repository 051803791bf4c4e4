"""Hiring plans as scenario files write them (``timeline.hiring``).

In a multi-year timeline, the specialists of each queue (a pool's line, ``in_house/oncology``)
start at the scenario's head-counts and then follow a hiring plan: hires decided in a year
become productive ``lead_time_months`` later (recruiting, credentialing, onboarding), and a
share ``attrition_per_year`` of the specialists leaves each year. The head-count arithmetic
is in :mod:`sim.timeline.headcounts`; :func:`sim.experiment.hiring.plan_hiring` searches for a plan.

Example:
    >>> h = Hiring.model_validate({"lead_time_months": 9, "attrition_per_year": 0.07,
    ...                            "plan": {2027: {"in_house/oncology": 2}}})
    >>> h.plan[2027]["in_house/oncology"]
    2
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.base import Strict


class Hiring(Strict):
    """Lead time, attrition and the hires decided each year, per queue."""

    lead_time_months: Annotated[float, Field(ge=0, le=60)] = Field(
        default=6, description="months from the decision to hire to a productive specialist")
    attrition_per_year: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0, description="share of a queue's specialists leaving each year")
    plan: dict[int, dict[str, Annotated[int, Field(ge=0, le=10_000)]]] = Field(
        default={}, description="year -> queue (pool/line) -> hires decided at its start")
