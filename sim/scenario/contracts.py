"""Contracts with outsourced pools, as scenario files write them (``pools.<name>.contract``).

A contract sets the per-case price, a weekly capacity cap, a service-level agreement
(SLA: time from assignment to opinion, in business days, with a credit per late case) and
a minimum volume commitment. What they do: routing respects the cap
(:mod:`sim.engine.contracts`), and the money table shows the SLA credits and the cost of
unused commitments (:mod:`sim.outputs.contracts`). Reference: ``docs/scenario-reference.md``,
section *pools.contract*.

Example:
    >>> c = Contract.model_validate({"price_per_case_usd": 600, "cases_per_week": 120,
    ...     "sla": {"business_days": 5, "credit_per_late_case_usd": 150}})
    >>> c.when_full, c.sla.business_days
    ('overflow', 5.0)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.scenario.base import Name, Strict

Usd = Annotated[float, Field(ge=0, le=1e9)]


class Sla(Strict):
    """The promised time from assignment to opinion, and what a late case costs the vendor."""

    business_days: Annotated[float, Field(gt=0, le=365)] = Field(
        description="promised time from assignment to the pool to the opinion")
    calendar: Name | None = Field(
        default=None, description="calendar the business days are counted on "
                                  "(default: simulation.business_calendar)")
    credit_per_late_case_usd: Usd = Field(
        default=0, description="credited back to the platform for each late opinion")


class Contract(Strict):
    """An outsourced pool's contract: price, weekly cap, SLA and minimum commitment."""

    price_per_case_usd: Usd = Field(description="price of one opinion under the contract")
    cases_per_week: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        default=None, description="most cases the pool takes in a week (weeks of 7 days "
                                  "from simulation.start); null = no cap")
    when_full: Literal["overflow", "queue"] = Field(
        default="overflow", description="a case finding the week's cap used: overflow to "
        "another pool that staffs its line (queue if there is none), or queue for next week")
    sla: Sla | None = None
    minimum_cases_per_year: Annotated[float, Field(ge=0, le=1e8)] = Field(
        default=0, description="cases a year the platform pays for even if it sends fewer")
