"""Run invariants of the records team and the appointment diaries, from the timestamps.

The records team is a non-preemptive priority queue on a calendar, like a specialist queue,
so its visits (first requests and second requests, :class:`sim.engine.records_team.TeamLog`)
go through the same checks (:mod:`sim.outputs.invariants`): never more cases in hand than
navigators, no navigator idle beside a waiting case in open hours, urgent first and first
come first served, hands-on work only in the team's hours. Besides:

- **records order**: the external wait starts when the navigator is done (the first batch
  is not in before the first request's work ends; a second request joins the queue when
  the first batch is in; the records are not complete before its work ends);
- **in the system**: a case the team holds at the horizon (waiting or in hand, from the
  timestamps) whose patient has not given up is neither delivered nor abandoned, and the
  team's own count of them at the horizon is the same.

Each appointment diary (:mod:`sim.engine.slots`) gives out at most one case per slot:

- **capacity**: every case's slot is one of the diary's slot times (recomputed here from
  the pool's calendar and the slots a week), and no two cases share a slot;
- **lead**: no case takes a slot before its lead has passed;
- **no slot lost beside a waiting case**: every slot between a case's lead and its slot
  (or its giving up, or the horizon) went to someone;
- **discipline**: urgent first, then in the order cases became eligible;
- **end state**: the cases waiting at the horizon, from the timestamps, are those the
  diary held.

Example:
    >>> import numpy as np
    >>> from sim.core.calendar import WorkCalendar
    >>> slots = slot_times(WorkCalendar.always(), 84.0, 0.0, 300.0)
    >>> slots.tolist()
    [42.0, 126.0, 210.0, 294.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.outputs.invariants import (
    check_calendar,
    check_capacity_and_work,
    check_discipline,
    check_end_state,
)
from sim.outputs.queue_jobs import TOL_H, ConservationError, InvariantError, Jobs
from sim.scenario.abandonment import STAGES

RECORDS, APPOINTMENT = STAGES.index("records"), STAGES.index("appointment")


def _inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), np.inf, x)


def _before(x: np.ndarray, horizon_h: float) -> np.ndarray:
    return np.where(x < horizon_h, x, np.inf)


def team_jobs(rep: Replication, priority: np.ndarray, horizon_h: float) -> Jobs:
    """Every visit to the records team (first and second requests), as :class:`Jobs` (times
    not reached by the horizon: ``inf``)."""
    log, r = rep.records_team, rep.records
    visited = ~np.isnan(log.join_h)  # (2, n)
    case = np.concatenate([np.flatnonzero(visited[0]), np.flatnonzero(visited[1])])
    visit = np.concatenate([np.zeros(visited[0].sum(), dtype=int),
                            np.ones(visited[1].sum(), dtype=int)])
    seize = log.seize_h[visit, case]
    gave_up = np.where(r.abandon_stage == RECORDS, r.abandoned_h, np.nan)[case]
    return Jobs(case=case, priority=priority[case], join_h=_inf(log.join_h[visit, case]),
                seize_h=_inf(seize), end_h=_before(log.end_h[visit, case], horizon_h),
                effort_h=rep.draws.team_effort_h[visit, case],
                leave_h=_inf(np.where(np.isnan(seize), gave_up, np.nan)),
                slot_h=np.full(len(case), np.nan), review=np.ones(len(case), dtype=bool))


def check_records_order(where: str, rep: Replication) -> None:
    """The external waits start when a navigator is done (module docstring)."""
    log = rep.records_team
    end1, first, join2 = log.end_h[0], log.first_records_h, log.join_h[1]
    done = np.isfinite(first) & ~np.isnan(end1)
    if len(bad := np.flatnonzero(done & (first < end1 - TOL_H))):
        i = bad[0]
        raise InvariantError(f"{where}: case {i}'s first records were in at {first[i]:.4f} h, "
                             f"before its navigator was done at {end1[i]:.4f} h (records "
                             f"order broken)")
    asked = ~np.isnan(join2)
    if len(bad := np.flatnonzero(asked & (np.abs(join2 - first) > TOL_H))):
        i = bad[0]
        raise InvariantError(f"{where}: case {i}'s second request joined the team at "
                             f"{join2[i]:.4f} h, but its first records were in at "
                             f"{first[i]:.4f} h (records order broken)")
    end2, complete = log.end_h[1], log.complete_h
    if len(bad := np.flatnonzero(np.isfinite(complete) & ~np.isnan(end2)
                                 & (complete < end2 - TOL_H))):
        i = bad[0]
        raise InvariantError(f"{where}: case {i}'s records were complete at {complete[i]:.4f} "
                             f"h, before its second request's work ended at {end2[i]:.4f} h "
                             f"(records order broken)")


def check_team_in_system(where: str, jobs: Jobs, cases: pd.DataFrame, horizon_h: float) -> None:
    """A case the team holds at the horizon is still in the system (module docstring)."""
    # (a patient may give up while a navigator holds the case: it is abandoned then)
    left = cases["abandoned_h"].to_numpy()[jobs.case] < horizon_h if "abandoned_h" in cases \
        else np.zeros(len(jobs), dtype=bool)
    open_ = (jobs.join_h < horizon_h) & ~(jobs.end_h < horizon_h) & ~left
    status = cases["status"].cat  # codes: a categorical's strings cost an array of objects
    code = status.codes.to_numpy()[jobs.case[open_]]
    if len(bad := np.flatnonzero(code != status.categories.get_loc("in_system"))):
        raise ConservationError(
            f"{where}: case {int(jobs.case[open_][bad[0]])} is held by the records team at "
            f"the horizon but the case table says {status.categories[code[bad[0]]]} (a case "
            f"in the records queue must be counted in the system)")


def check_team(plan: Plan, rep: Replication, cases: pd.DataFrame) -> None:
    """Every records-team invariant of one replication."""
    where = f"replication {rep.index}, records team"
    team, horizon = plan.records_team, plan.horizon_h
    jobs = team_jobs(rep, rep.cases.priority, horizon)
    check_capacity_and_work(where, jobs, team.navigators, team.calendar, horizon,
                            staff="navigators")  # (the team holds nobody back for a class)
    check_discipline(where, jobs)
    check_calendar(where, jobs, team.calendar)
    check_records_order(where, rep)
    check_team_in_system(where, jobs, cases, horizon)
    check_end_state(where, jobs, rep.records_team.end_state, horizon)


def slot_times(calendar: WorkCalendar, work_per_slot_h: float, t0: float,
               t1: float) -> np.ndarray:
    """A diary's slot times in ``[t0, t1)``: the middle of each ``work_per_slot_h`` of the
    calendar's working hours (computed on arrays, apart from the engine's scalar path)."""
    w0, w1 = float(calendar.working_hours(t0)), float(calendar.working_hours(t1))
    k = np.arange(max(0, int(np.floor(w0 / work_per_slot_h - 0.5)) - 1),
                  int(np.ceil(w1 / work_per_slot_h)) + 1)
    t = np.asarray(calendar.add_working_hours(np.zeros(len(k)), (k + 0.5) * work_per_slot_h))
    return t[(t >= t0 - TOL_H) & (t < t1)]


def check_diary(where: str, plan: Plan, rep: Replication, d: int, waiting: int | None) -> None:
    """The invariants of diary ``d`` (module docstring)."""
    spec, r, horizon = plan.diaries[d], rep.records, plan.horizon_h
    rows = np.flatnonzero(r.diary == d)
    ready, slot = r.appointment_ready_h[rows], _inf(r.queue_h[rows])
    leave = np.where((r.abandon_stage[rows] == APPOINTMENT) & np.isinf(slot),
                     r.abandoned_h[rows], np.inf)
    slots = slot_times(spec.calendar, spec.work_per_slot_h, 0.0, horizon)
    given = np.flatnonzero(np.isfinite(slot) & (slot < horizon))
    k = np.searchsorted(slots, slot[given] - TOL_H)
    off = (k >= len(slots)) | (np.abs(slots[np.minimum(k, len(slots) - 1)] - slot[given]) > TOL_H)
    if len(bad := np.flatnonzero(off)):
        raise InvariantError(f"{where}: case {int(rows[given[bad[0]]])} was given a slot at "
                             f"{slot[given[bad[0]]]:.4f} h, not one of the diary's slot times "
                             f"(slot capacity broken)")
    if len(k) != len(np.unique(k)):
        twice = np.sort(k)[np.flatnonzero(np.diff(np.sort(k)) == 0)[0]]
        raise InvariantError(f"{where}: two cases took the slot at {slots[twice]:.4f} h "
                             f"(slot capacity broken)")
    if len(bad := np.flatnonzero(slot[given] < ready[given] - TOL_H)):
        i = given[bad[0]]
        raise InvariantError(f"{where}: case {int(rows[i])} took a slot at {slot[i]:.4f} h "
                             f"before its lead passed at {ready[i]:.4f} h")
    _check_no_lost_slot(where, rows, ready, slot, leave, slots[k], slots, horizon)
    jobs = Jobs(case=rows, priority=rep.cases.priority[rows], join_h=_inf(ready),
                seize_h=slot, end_h=slot, effort_h=np.zeros(len(rows)), leave_h=leave,
                slot_h=np.full(len(rows), np.nan), review=np.ones(len(rows), dtype=bool))
    check_discipline(where, jobs)
    if waiting is not None:
        booked = r.appointment_start_h[rows] < horizon
        held = int(np.count_nonzero(booked & ~(slot < horizon) & ~(leave < horizon)))
        if held != waiting:
            raise ConservationError(f"{where}: at the horizon the timestamps show {held} cases "
                                    f"waiting for a slot, but the diary held {waiting}")


def _check_no_lost_slot(where: str, rows: np.ndarray, ready: np.ndarray, slot: np.ndarray,
                        leave: np.ndarray, used: np.ndarray, slots: np.ndarray,
                        horizon: float) -> None:
    """Every slot in a case's wait (from its lead to its slot, giving up or the horizon)
    went to someone."""
    end = np.minimum(np.minimum(slot, leave), horizon)
    waits = np.flatnonzero(np.isfinite(ready) & (end > ready + TOL_H))
    if not len(waits):
        return
    lo = np.searchsorted(slots, ready[waits] - TOL_H)
    hi = np.searchsorted(slots, end[waits] - TOL_H)
    used = np.sort(used)
    taken = np.searchsorted(used, end[waits] - TOL_H) - np.searchsorted(used,
                                                                        ready[waits] - TOL_H)
    if len(bad := np.flatnonzero(taken < hi - lo)):
        i = waits[bad[0]]
        raise InvariantError(f"{where}: case {int(rows[i])} waited from {ready[i]:.4f} h to "
                             f"{end[i]:.4f} h while {int((hi - lo - taken)[bad[0]])} slot(s) "
                             f"went to nobody (a slot lost beside a waiting case)")


def check_access(plan: Plan, rep: Replication, cases: pd.DataFrame) -> None:
    """The records team's and every diary's invariants of one replication."""
    if plan.records_team is not None and rep.records_team is not None:
        check_team(plan, rep, cases)
    for d in range(len(plan.diaries)):
        waiting = rep.counts.diary_end[d] if rep.counts.diary_end else None
        check_diary(f"replication {rep.index}, diary {plan.diaries[d].name}", plan, rep, d,
                    waiting)
