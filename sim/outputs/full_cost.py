"""Full cost: what the programme pays for its capacity, used or idle, over the measured window.

Per-case money (:mod:`sim.outputs.economics`) is what each case itself costs: records, the AI
fee, the outsourced price, channel costs. Capacity is paid whether cases come or not:

- **specialists** of a pool under ``economics.specialist_pay``: every contracted hour of
  their calendar (or their line's sessions) inside the window ``[warm-up, horizon]``, idle
  hours and paid leave (absences) included, at ``annual x (1 + on-cost) / full-time hours``;
- **coordinators** (the referral team of legacy triage, the hybrid checkers), when
  ``economics.coordinators_paid_for`` is ``contracted_hours``: their calendar's hours at
  ``coordinator_wage_per_hour_usd``; likewise the records team's **navigators**
  (``intake.team``): their calendar's hours at ``intake.team.wage_per_hour_usd``;
- **unused contract commitments**: opinions paid for and never sent
  (:func:`sim.outputs.contracts.unused_commitments`).

A multi-year run with a hiring plan writes vacancies as absence blocks, so a vacant post is
paid here like leave: the staff cost of a year with vacancies is an upper bound.

Example:
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml",
    ...     ["simulation.horizon_days=60", "simulation.warmup_days=0"]), replications=1)
    >>> staff = staff_table(res.plan, res.replications[0])
    >>> bool((staff["contracted_h"] >= staff["busy_h"]).all())
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.outputs.busy import every_queue_busy_hours
from sim.outputs.contracts import unused_commitments

__all__ = ["FixedCosts", "StaffRow", "coordinator_hours", "fixed_costs", "navigator_hours",
           "staff_table"]


def staff_table(plan: Plan, rep: Replication,
                busy: Sequence[tuple[float, float]] | None = None) -> pd.DataFrame:
    """One row per specialist queue: contracted and busy hours in the window, and their cost.

    ``contracted_h`` is head-count x the queue's working hours (absences are paid leave, so
    they do not reduce it); ``busy_h`` the hours spent reviewing and screening misrouted
    cases (``busy``: each queue's, from :func:`~sim.outputs.busy.every_queue_busy_hours`
    over the window, if measured already); ``hourly_usd`` the loaded cost of a contracted
    hour (0 for a pool not under ``economics.specialist_pay``: it is paid per case or per
    worked hour instead).
    """
    s, e = plan.scenario, plan.scenario.economics
    t0, t1 = plan.warmup_h, plan.horizon_h
    if busy is None:
        busy = every_queue_busy_hours(plan, rep, t0, t1)
    rows = []
    for q in plan.queues:
        pool_name = plan.pools[q.pool]
        cal = plan.queue_calendar(q)
        line = q.name.split("/", 1)[1]
        pay = e.specialist_pay.get(pool_name) if e is not None else None
        hourly = 0.0
        if pay is not None:
            full_time = pay.full_time_hours_per_year or float(
                plan.pool_calendar(q.pool).working_hours_between(0.0, 8760.0))
            hourly = pay.annual_usd(line) / full_time if full_time > 0 else 0.0
        contracted = q.servers * float(cal.working_hours_between(t0, t1))
        rows.append({"queue": q.name, "pool": pool_name, "kind": s.pools[pool_name].kind,
                     "line": line, "servers": q.servers, "contracted_h": contracted,
                     "busy_h": sum(busy[q.index]),  # reviews, then screening
                     "hourly_usd": hourly, "cost_usd": hourly * contracted})
    return pd.DataFrame(rows)


def coordinator_hours(plan: Plan, rep: Replication) -> float:
    """Contracted hours of the coordinator teams the run employed, inside the window.

    The referral team works when triage is legacy, or when AI triages only a share of the
    cases (the rest are referred); the checkers when triage is hybrid (as
    :class:`sim.engine.triage.TriageDesk` staffs them).
    """
    t, policy = plan.scenario.triage, plan.triage
    t0, t1 = plan.warmup_h, plan.horizon_h
    teams = []
    if t.legacy is not None and policy.triages and (
            not policy.has_ai or not rep.draws.uses_ai.all()):
        teams.append(t.legacy)
    if policy.checks and t.hybrid is not None:
        teams.append(t.hybrid)
    return sum(team.coordinators * float(plan.calendars[team.calendar].working_hours_between(
        t0, t1)) for team in teams)


class StaffRow(NamedTuple):
    """A row of :func:`staff_table`."""

    queue: str
    pool: str
    kind: str
    line: str
    servers: int
    contracted_h: float
    busy_h: float
    hourly_usd: float
    cost_usd: float


@dataclass(frozen=True)
class FixedCosts:
    """What one replication's capacity cost over the measured window (see the module)."""

    staff: pd.DataFrame  # staff_table
    coordinators_usd: float
    coordinator_h: float
    unused_commitment_usd: dict[str, float]  # per contracted pool
    navigators_usd: float = 0.0  # the records team's contracted hours (sim.outputs.access)
    navigator_h: float = 0.0

    @property
    def total_usd(self) -> float:
        return (float(self.staff["cost_usd"].sum()) + self.coordinators_usd
                + self.navigators_usd + sum(self.unused_commitment_usd.values()))

    @cached_property
    def staff_rows(self) -> list[StaffRow]:
        """The rows of :attr:`staff`, each a :class:`StaffRow` (the cost shares read them)."""
        columns = (self.staff[name].tolist() for name in StaffRow._fields)
        return [StaffRow(*row) for row in zip(*columns, strict=True)]

    @property
    def idle_staff_usd(self) -> float:
        """The staff cost of contracted hours not spent on cases."""
        st = self.staff
        spare = st["contracted_h"].to_numpy() - st["busy_h"].to_numpy()
        spare = np.where(np.isnan(spare) | (spare >= 0), spare, 0.0)  # as Series.clip(lower=0)
        return float(np.sum(st["hourly_usd"].to_numpy() * spare))


def fixed_costs(plan: Plan, rep: Replication, cases: pd.DataFrame,
                busy: Sequence[tuple[float, float]] | None = None) -> FixedCosts:
    """The fixed costs of one replication (see the module docstring; ``busy``: as for
    :func:`staff_table`)."""
    e = plan.scenario.economics
    paid_hours = e is not None and e.coordinators_paid_for == "contracted_hours"
    hours = coordinator_hours(plan, rep) if paid_hours else 0.0
    wage = e.coordinator_wage_per_hour_usd if e is not None else 0.0
    unused = {pool: usd for pool, (_, usd) in unused_commitments(plan, cases).items()}
    team = plan.records_team  # navigators, paid like the coordinators
    nav_h = navigator_hours(plan) if paid_hours and team is not None else 0.0
    return FixedCosts(staff=staff_table(plan, rep, busy), coordinators_usd=wage * hours,
                      coordinator_h=hours, unused_commitment_usd=unused,
                      navigators_usd=nav_h * (team.wage_per_hour_usd if team else 0.0),
                      navigator_h=nav_h)


def navigator_hours(plan: Plan) -> float:
    """Contracted hours of the records team inside the window (head count x its calendar)."""
    team = plan.records_team
    return team.navigators * float(team.calendar.working_hours_between(plan.warmup_h,
                                                                        plan.horizon_h))
