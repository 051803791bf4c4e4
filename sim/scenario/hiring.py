"""Hiring plans as scenario files write them (``timeline.hiring``).

In a multi-year timeline, the specialists of each queue (a pool's line, ``in_house/oncology``)
start at the scenario's head-counts and then follow a hiring plan: hires decided in a year
become productive ``lead_time_months`` later (recruiting, credentialing, onboarding), and a
share ``attrition_per_year`` of the specialists leaves each year. The head-count arithmetic
is in :mod:`sim.hiring`; :func:`sim.experiment.hiring.plan_hiring` searches for a plan.

Example:
    >>> h = Hiring.model_validate({"lead_time_months": 9, "attrition_per_year": 0.07,
    ...                            "plan": {2027: {"in_house/oncology": 2}}})
    >>> h.plan[2027]["in_house/oncology"]
    2
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sim.scenario.base import Strict

if TYPE_CHECKING:
    from sim.scenario.models import Scenario


class Hiring(Strict):
    """Lead time, attrition and the hires decided each year, per queue."""

    lead_time_months: Annotated[float, Field(ge=0, le=60)] = Field(
        default=6, description="months from the decision to hire to a productive specialist")
    attrition_per_year: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0, description="share of a queue's specialists leaving each year")
    plan: dict[int, dict[str, Annotated[int, Field(ge=0, le=10_000)]]] = Field(
        default={}, description="year -> queue (pool/line) -> hires decided at its start")


def hiring_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Hiring plans naming queues that do not exist or years outside the timeline."""
    t = s.timeline
    if t is None or t.hiring is None:
        return []
    out: list[tuple[tuple[str | int, ...], str]] = []
    if t.scale_staff:
        out.append((("timeline", "scale_staff"), "scale_staff and hiring both set the "
                    "specialists; use one (got scale_staff: true and a hiring section)"))
    queues = set()
    for pname, pool in s.pools.items():
        queues |= {f"{pname}/{sp}" for sp in pool.specialists}
        queues |= {f"{pname}/{sp}/{sub}" for sp, subs in pool.subspecialists.items()
                   for sub in subs}
    for year, hires in t.hiring.plan.items():
        if not t.first_year <= year <= t.last_year:
            out.append((("timeline", "hiring", "plan", year),
                        f"year outside the timeline {t.first_year}-{t.last_year} (got {year})"))
        for q in hires:
            if q not in queues:
                out.append((("timeline", "hiring", "plan", year, q),
                            f"unknown queue {q!r}: write pool/specialty or "
                            f"pool/specialty/subspecialty (queues: {', '.join(sorted(queues))})"))
    return out
