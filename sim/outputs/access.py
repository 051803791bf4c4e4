"""Outputs of the records team and the appointment diaries: case columns, KPIs, costs.

Case-table columns (with a records team): ``records_seize_h`` / ``records_start_h`` /
``records_end_h`` (a navigator takes the first request, starts, is done; it joined the
team's queue on arrival), the same three ``rerequest_*`` for a second request (it joined
at ``first_records_h``), ``navigator_wait_h`` (both waits for a navigator, clock hours) and
``navigator_hours`` (hands-on hours worked on the case by the horizon). With diaries:
``appointment_ready_h`` (its lead passed: it could take a slot) and ``appointment_diary``
(``<pool>/<channel>``); its slot is ``queue_h``.

KPIs, over the window from the warm-up to the horizon:

- ``records_team.utilisation``: hands-on hours over the navigators' working hours;
  ``records_team.busy_h`` and ``records_team.paid_h`` (head count x working hours, idle
  time included); ``records_team.queue_length`` (time-average cases waiting);
  ``records_team.wait_h.mean`` and ``records_team.wait_h.<class>`` (cohort cases' waits for
  a navigator, both requests);
- money, as the economics pays the coordinators (``economics.coordinators_paid_for``): for
  their contracted hours (the default) the team's calendar hours at
  ``intake.team.wage_per_hour_usd`` are a fixed cost (:mod:`sim.outputs.full_cost`, KPI
  ``money.navigator_cost.total_usd``, in the cost per opinion); for ``handled_minutes`` each
  case's ``records_cost_usd`` carries its hands-on hours at the wage
  (:func:`navigator_cost_usd`). ``money.navigator_idle_cost.total_usd``: the paid hours
  nobody was worked on;
- ``slots.<pool>/<channel>.offered`` / ``.given`` / ``.utilisation``: the diary's slots in
  the window, those given to a case, their ratio; ``appointment_wait_h.<class>.p50`` /
  ``.mean`` (cohort cases given a slot, booking to slot).

Example:
    >>> import sim
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml", [
    ...     "simulation.horizon_days=28", "simulation.warmup_days=0"]), replications=1)
    >>> bool(0 < res.kpis["records_team.utilisation"].iloc[0] < 1)
    True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.outputs.busy import busy_hours
from sim.outputs.categories import categorical


def _before(x: np.ndarray, horizon_h: float) -> np.ndarray:
    return np.where(x < horizon_h, x, np.nan)


def hands_on_hours(rep: Replication, horizon_h: float) -> np.ndarray:
    """Per case, the navigators' hands-on hours on it begun by the horizon (0: none)."""
    log = rep.records_team
    started = log.seize_h < horizon_h
    return np.where(started, rep.draws.team_effort_h, 0.0).sum(axis=0)


def navigator_cost_usd(plan: Plan, rep: Replication) -> np.ndarray | float:
    """Each case's navigator hands-on hours at the team's wage (0 without a team)."""
    if plan.records_team is None or rep.records_team is None:
        return 0.0
    return plan.records_team.wage_per_hour_usd * hands_on_hours(rep, plan.horizon_h)


def case_columns(plan: Plan, rep: Replication) -> dict[str, object]:
    """The records team's and the diaries' case-table columns (module docstring)."""
    out: dict[str, object] = {}
    h = plan.horizon_h
    log = rep.records_team
    if log is not None:
        for k, name in ((0, "records"), (1, "rerequest")):
            for part, arr in (("seize", log.seize_h), ("start", log.start_h),
                              ("end", log.end_h)):
                out[f"{name}_{part}_h"] = _before(arr[k], h)
        waits = np.fmin(log.seize_h, _gone(rep, h)) - log.join_h  # taken, gave up, horizon
        out["navigator_wait_h"] = np.where(np.isnan(waits).all(axis=0), np.nan,
                                           np.nansum(waits, axis=0))
        out["navigator_hours"] = hands_on_hours(rep, h)
    r = rep.records
    if r.diary is not None:
        out["appointment_ready_h"] = _before(r.appointment_ready_h, h)
        out["appointment_diary"] = categorical(r.diary, [d.name for d in plan.diaries])
    return out


def access_kpis(plan: Plan, rep: Replication, cases: pd.DataFrame) -> dict[str, float]:
    """The records team's and the diaries' KPIs of one replication (module docstring)."""
    out: dict[str, float] = {}
    if rep.records_team is not None and plan.records_team is not None:
        out.update(_team_kpis(plan, rep, cases))
    if plan.diaries:
        out.update(_diary_kpis(plan, rep, cases))
    return out


def _team_kpis(plan: Plan, rep: Replication, cases: pd.DataFrame) -> dict[str, float]:
    team, log = plan.records_team, rep.records_team
    t0, t1 = plan.warmup_h, plan.horizon_h
    busy = sum(busy_hours(team.calendar, log.seize_h[k], np.where(log.end_h[k] < t1,
                                                                   log.end_h[k], np.nan), t0, t1)
               for k in (0, 1))
    paid = team.navigators * float(team.calendar.working_hours_between(t0, t1))
    waiting = 0.0
    for k in (0, 1):
        ok = ~np.isnan(log.join_h[k])
        a = np.clip(log.join_h[k][ok], t0, t1)
        b = np.clip(np.fmin(log.seize_h[k][ok], _gone(rep, t1)[ok]), t0, t1)
        waiting += float(np.sum(b - a))
    out = {"records_team.utilisation": busy / paid if paid > 0 else np.nan,
           "records_team.busy_h": busy, "records_team.paid_h": paid,
           "records_team.queue_length": waiting / (t1 - t0)}
    cohort = ~cases["warmup"].to_numpy()
    wait = cases["navigator_wait_h"].to_numpy()
    out["records_team.wait_h.mean"] = float(np.nanmean(wait[cohort])) \
        if (cohort & ~np.isnan(wait)).any() else np.nan
    prio = rep.cases.priority
    for k, name in enumerate(plan.priorities):
        rows = cohort & (prio == k) & ~np.isnan(wait)
        out[f"records_team.wait_h.{name}"] = float(wait[rows].mean()) if rows.any() else np.nan
    out["money.navigator_idle_cost.total_usd"] = max(paid - busy, 0.0) * team.wage_per_hour_usd
    return out


def _gone(rep: Replication, horizon_h: float) -> np.ndarray:
    """When each case left the system by giving up (the horizon if it did not)."""
    r = rep.records
    return np.where(np.isnan(r.abandoned_h), horizon_h, r.abandoned_h)


def _diary_kpis(plan: Plan, rep: Replication, cases: pd.DataFrame) -> dict[str, float]:
    t0, t1 = plan.warmup_h, plan.horizon_h
    r = rep.records
    out: dict[str, float] = {}
    for d in plan.diaries:
        offered = d.slots_between(t0, t1)
        slot = r.queue_h[r.diary == d.index]
        given = int(np.count_nonzero((slot >= t0) & (slot < t1)))
        out[f"slots.{d.name}.offered"] = float(offered)
        out[f"slots.{d.name}.given"] = float(given)
        out[f"slots.{d.name}.utilisation"] = given / offered if offered else np.nan
    cohort = ~cases["warmup"].to_numpy()
    wait = (cases["queue_h"] - cases["appointment_start_h"]).to_numpy()
    booked = cohort & (r.diary >= 0) & ~np.isnan(wait)
    prio = rep.cases.priority
    for k, name in enumerate(plan.priorities):
        rows = booked & (prio == k)
        out[f"appointment_wait_h.{name}.mean"] = float(wait[rows].mean()) if rows.any() \
            else np.nan
        out[f"appointment_wait_h.{name}.p50"] = float(np.median(wait[rows])) if rows.any() \
            else np.nan
    return out
