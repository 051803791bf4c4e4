"""Staffing levers beside the specialist queues: the records team's navigators, diary slots.

The staffing search (:mod:`sim.experiment.staffing`) adds and removes one unit at a time of
each *queue*; a lever is one more such queue:

- ``records team`` (scenario key ``intake.team.navigators``): its metrics are over the
  cohort cases a navigator worked on: ``utilisation`` (hands-on hours over the navigators'
  hours), ``specialist_wait_h`` read as the wait for a navigator's work to start (both
  requests), and their ``time_to_opinion_h``; the floor is the wait until the team's
  calendar next opens;
- ``<pool>/<channel> slots`` (key ``appointments.<channel>.slots_per_week.<pool>``): one
  unit is one slot a week; ``utilisation`` is slots given over slots offered,
  ``specialist_wait_h`` the wait for a slot once the lead has passed (what more slots
  shorten), ``time_to_opinion_h`` that of the cases booked in it; the floor is no wait;
- ``<pool> contract cap`` (key ``pools.<pool>.contract.cases_per_week``): a contract's
  weekly cap, in units of 10% of the scenario's cap (:mod:`sim.experiment.contract_lever`).

Without a ``pools`` filter every lever is searched; with one, the team when it names
``records_team``, and the diaries when it names ``slots`` (all of them) or a diary
(``in_house/in_person``), and a pool's contract cap when it names the pool or ``contracts``.

Example:
    >>> lever_key("records team"), lever_key("in_house/in_person slots")
    ('intake.team.navigators', 'appointments.in_person.slots_per_week.in_house')
    >>> lever_key("in_house/oncology") is None
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiment.contract_lever import CONTRACTS_FILTER, cap_key, cap_levers, cap_metrics
from sim.experiment.targets import stats_row

TEAM = "records team"
TEAM_FILTER = "records_team"
SLOTS_FILTER = "slots"


@dataclass(frozen=True)
class Lever:
    """A unit the search may add or remove (navigators, or slots a week of a diary)."""

    name: str
    servers: int
    unit: int = 1


def lever_key(name: str) -> str | None:
    """The scenario key of a lever's units (``None``: not a lever but a specialist queue)."""
    if name == TEAM:
        return "intake.team.navigators"
    if (key := cap_key(name)) is not None:
        return key
    if name.endswith(" slots"):
        pool, channel = name.removesuffix(" slots").split("/")
        return f"appointments.{channel}.slots_per_week.{pool}"
    return None


def lever_filters(plan) -> set[str]:  # noqa: ANN001
    """The names a ``pools`` filter may give besides the pools: module docstring."""
    return {TEAM_FILTER, SLOTS_FILTER, CONTRACTS_FILTER, *(d.name for d in plan.diaries)}


def levers(plan, pools: Sequence[str] | None) -> list[Lever]:  # noqa: ANN001
    """The levers of ``plan`` the search may move (a ``pools`` filter: module docstring)."""
    out = []
    if plan.records_team is not None and (pools is None or TEAM_FILTER in pools):
        out.append(Lever(TEAM, plan.records_team.navigators))
    for d in plan.diaries:
        if pools is None or SLOTS_FILTER in pools or d.name in pools:
            out.append(Lever(f"{d.name} slots", max(1, round(d.per_week))))
    out += [Lever(*cap) for cap in cap_levers(plan, pools)]
    return out


def lever_metrics(plan, rep, cases, replication: int) -> list[dict]:  # noqa: ANN001
    """One row per lever of one replication, as :func:`sim.experiment.staffing.queue_metrics`
    gives per specialist queue (module docstring)."""
    from sim.outputs.access import access_kpis

    t0, t1 = plan.warmup_h, plan.horizon_h
    arrival = rep.cases.arrival_h
    cohort = arrival >= t0
    r = rep.records
    # open cases count so far, and a patient who gave up until then (a lower bound)
    gone = np.where(np.isnan(r.abandoned_h), t1, r.abandoned_h)
    tto = np.fmin(r.review_end_h, gone) - arrival
    kpis = access_kpis(plan, rep, cases) if plan.records_team is not None or plan.diaries \
        else {}
    rows = []
    log = rep.records_team
    if log is not None and plan.records_team is not None:
        cal = plan.records_team.calendar
        mine = cohort & ~np.isnan(log.join_h).all(axis=0)
        join = np.nan_to_num(log.join_h, nan=np.inf)[:, mine]
        # as for a specialist: from joining to the work starting (closed hours included)
        started = np.fmin(np.fmin(log.start_h[:, mine], gone[mine]), t1)
        wait = np.where(np.isfinite(join), started - np.minimum(join, t1), 0.0).sum(axis=0)
        least = np.where(np.isfinite(join), np.minimum(
            np.asarray(cal.next_open(np.minimum(join, t1)), dtype=float), t1) - join,
            0.0).sum(axis=0)
        rows.append(stats_row({"replication": replication, "queue": TEAM,
                            "servers": plan.records_team.navigators,
                            "utilisation": kpis["records_team.utilisation"],
                            "cases": int(mine.sum())},
                           {"specialist_wait_h": wait, "time_to_opinion_h": tto[mine],
                            "floor.specialist_wait_h": least,
                            "floor.time_to_opinion_h": tto[mine] - wait + least}))
    for d in plan.diaries:
        mine = cohort & (r.diary == d.index)
        ready = r.appointment_ready_h[mine]
        slot = np.fmin(r.queue_h[mine], gone[mine])
        wait = np.maximum(slot - np.minimum(ready, t1), 0.0)
        zero = np.zeros(len(wait))
        rows.append(stats_row({"replication": replication, "queue": f"{d.name} slots",
                            "servers": d.per_week,
                            "utilisation": kpis[f"slots.{d.name}.utilisation"],
                            "cases": int(mine.sum())},
                           {"specialist_wait_h": wait, "time_to_opinion_h": tto[mine],
                            "floor.specialist_wait_h": zero,
                            "floor.time_to_opinion_h": tto[mine] - wait}))
    return rows + cap_metrics(plan, rep, tto, replication)


def lever_load(row) -> tuple[float, float]:  # noqa: ANN001  (a capacity-table row)
    """(offered load in units, units now) of a lever's capacity-table row: navigators'
    hours over one navigator's hours, or cases a week against slots a week."""
    if row["kind"] == "appointments":
        return float(row["utilisation"] * row["cap_cases_per_week"]), float(
            row["cap_cases_per_week"])
    per = row["available_h_per_week"] / max(int(row["servers"]), 1)
    return (float(row["offered_h_per_week"] / per) if per > 0 else 0.0), float(row["servers"])
