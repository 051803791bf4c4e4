"""Run invariants: what every replication must satisfy, checked from the per-case timestamps.

The engine keeps its own counters while it runs; these checks do not trust them. They
rebuild each specialist queue's history from the case table's timestamps alone (when each
case joined the queue, was taken by a specialist and was done) and the pool's calendar and
staffing from the plan, and check the textbook properties of a non-preemptive priority
queue on a working calendar:

- **capacity**: never more cases held by specialists than the queue has specialists;
- **work conservation**: while a case waits during the calendar's open hours, every
  specialist of its queue holds a case (an idle specialist next to a waiting case is a
  bug, however short the idle spell); a case a contract's weekly cap holds for a later
  week's slot counts from when that slot opens (``Records.slot_open_h``);
- **contract caps**: every review sent to a capped pool booked a slot, now or at the start
  of a later week; no week has more bookings than the cap; a case is held only past weeks
  that are fully booked; no case is taken before its slot opens;
- **discipline**: no case is taken while a case of a class served before its own waits in
  the same queue (urgent before routine, and so on down the scenario's classes), and within
  a class cases are taken first come, first served (held cases from their slot);
- **queue length**: at every hour's sample instant the cases waiting according to the
  waits (from joining to service or give-up) are those the engine's queue held; the
  queue-length KPI and figure are built from the same waits;
- **calendar**: work starts in open hours and the working hours between a case's pick-up
  and its end on the pool's calendar equal the case's drawn effort (review through closed
  hours, or work cut short, fails);
- **conservation**: arrivals (the demand generator) = delivered (timestamps) + still in
  the system (the engine's journeys begun and neither delivered nor given up, plus cases
  not yet ready) + abandoned (the case table's status, when drop-out exists: held to the
  engine's own count of give-ups), and per queue the cases
  waiting and in service at the horizon according to the timestamps equal what the
  engine's queues held when the run stopped.

Each check is a numpy sweep over sorted event times (no Python loop over cases); a
violation raises :class:`InvariantError` naming the replication, the queue and the first
offending case. ``benchmarks/bench_invariants.py`` measures their cost against the run.
The queue histories come from :mod:`sim.outputs.queue_jobs`, the contract checks from
:mod:`sim.outputs.contract_invariants`.

Example:
    >>> import numpy as np
    >>> from sim.outputs.queue_jobs import Jobs
    >>> one = np.array([0.0]); inf = np.array([np.inf])
    >>> jobs = Jobs(case=np.array([0]), priority=np.array([1]), join_h=one, seize_h=one,
    ...             end_h=one + 2, effort_h=one + 2, leave_h=inf, slot_h=np.array([np.nan]),
    ...             review=np.array([True]))
    >>> check_discipline("a queue", jobs)  # one case, taken at once: nothing to break
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.engine.contracts import contract_caps
from sim.engine.model import Replication, sample_times
from sim.engine.plan import Plan
from sim.outputs.contract_invariants import check_contract
from sim.outputs.queue_jobs import (
    TOL_H,
    ConservationError,
    InvariantError,
    Jobs,
    concat_jobs,
    every_queue_jobs,
    occupancy,
    waiting_at,
)

__all__ = ["ConservationError", "InvariantError", "check_run"]
# (InvariantError and ConservationError live in sim.outputs.queue_jobs, with the queue
# histories the checks read; they are named here too, where a caller looks for them)


def _first_waiting(jobs: Jobs, t: float) -> int:
    waiting = (jobs.eligible_h <= t + TOL_H) & (jobs.wait_end_h > t + TOL_H)
    rows = np.flatnonzero(waiting)
    return int(jobs.case[rows[np.argmin(jobs.join_h[rows])]]) if len(rows) else -1


def _allowed_idle(jobs: Jobs, t: np.ndarray, reserve: list[int] | None,
                  yield_at: list[int | None] | None = None) -> np.ndarray:
    """Servers that may stay idle beside the waiting cases at each time: the reserve held
    back from the most urgent class waiting (a class may not take its reserved servers),
    unless it yields: at least ``yield_at[c]`` cases of that class and later ones wait."""
    allowed = np.zeros(len(t), dtype=np.int64)
    if not reserve or not any(reserve):
        return allowed
    settled = np.zeros(len(t), dtype=bool)
    counts = []
    for c in range(len(reserve)):  # cases of each class waiting at each time
        rows = jobs.priority == c
        joined = np.searchsorted(np.sort(jobs.eligible_h[rows]), t + TOL_H, side="right")
        ended = np.searchsorted(np.sort(jobs.wait_end_h[rows]), t + TOL_H, side="right")
        counts.append(joined - ended)
    for c, held in enumerate(reserve):  # classes in service order
        waits = (counts[c] > 0) & ~settled
        limit = yield_at[c] if yield_at else None
        yields = sum(counts[c:]) >= limit if limit is not None else np.zeros(len(t), bool)
        allowed[waits & ~yields] = held
        settled |= waits
    return allowed


def check_capacity_and_work(where: str, jobs: Jobs, servers: int, cal: WorkCalendar,
                            horizon_h: float, reserve: list[int] | None = None,
                            staff_by_day: np.ndarray | None = None,
                            yield_at: list[int | None] | None = None,
                            staff: str = "specialists") -> None:
    """Never more in service than ``servers``; never a server idle beside a waiting case
    (beyond the servers a reserve holds back from the waiting case's class, while it does not
    yield: ``yield_at``). With absences,
    ``staff_by_day`` is the number at work on each day since the start (a specialist who
    leaves finishes the case in hand, so only the head-count bounds capacity). ``staff``
    names the servers in the messages (the records team's are navigators)."""
    if not len(jobs):
        return
    # waiting for a specialist from when the case may be taken (its contract slot opened)
    t, waiting, busy = occupancy(jobs.eligible_h, jobs.seize_h, jobs.end_h, jobs.wait_end_h)
    over = np.flatnonzero(busy > servers)
    if len(over):
        k = over[0]
        held = (jobs.seize_h <= t[k] + TOL_H) & (jobs.end_h > t[k] + TOL_H)
        case = int(jobs.case[np.flatnonzero(held)[-1]])
        raise InvariantError(
            f"{where}: {busy[k]} cases in service at t={t[k]:.4f} h but the queue has "
            f"{servers} {staff} (capacity broken; first offending case {case})")
    nxt = np.append(t[1:], horizon_h)
    at_work = servers if staff_by_day is None else staff_by_day[
        np.minimum((t // 24.0).astype(np.int64), len(staff_by_day) - 1)]
    free = at_work - busy - _allowed_idle(jobs, t, reserve, yield_at)
    idle = np.flatnonzero((waiting > 0) & (free > 0) & (nxt - t > TOL_H))
    if len(idle):
        open_h = np.asarray(cal.working_hours_between(t[idle], np.maximum(nxt[idle], t[idle])))
        idle = idle[open_h > TOL_H]
    if len(idle):
        k = idle[0]
        raise InvariantError(
            f"{where}: case {_first_waiting(jobs, t[k])} waited at t={t[k]:.4f} h during open "
            f"hours while {servers - busy[k]} of {servers} {staff} were idle "
            f"(work conservation broken, for {nxt[k] - t[k]:.4g} h)")


def check_discipline(where: str, jobs: Jobs) -> None:
    """Each priority class before the classes served after it; first come, first served
    within a class."""
    classes = np.unique(jobs.priority)
    for p in classes:
        rows = np.flatnonzero((jobs.priority == p) & (jobs.leave_h == np.inf))
        # in the order they could be taken: held cases from their slot, in booking order
        order = rows[np.lexsort((jobs.seize_h[rows], jobs.join_h[rows], jobs.eligible_h[rows]))]
        seize = jobs.seize_h[order]
        late = np.flatnonzero(seize[1:] < seize[:-1] - TOL_H)
        if len(late):
            k = late[0]
            raise InvariantError(
                f"{where}: case {int(jobs.case[order[k + 1]])} was taken at "
                f"{seize[k + 1]:.4f} h before case {int(jobs.case[order[k]])} of the same "
                f"priority that joined earlier (or whose slot opened earlier; first come, "
                f"first served broken)")
    wait_end, eligible = jobs.wait_end_h, jobs.eligible_h  # a held case: from its slot
    for p in classes[:-1]:  # (the last class has none after it)
        _check_served_before(where, jobs, p, wait_end, eligible)


def _check_served_before(where: str, jobs: Jobs, p: int, wait_end: np.ndarray,
                         eligible: np.ndarray) -> None:
    """No case of a class served after class ``p`` is taken while a class-``p`` case waits
    (``wait_end``, ``eligible``: the jobs' own, computed once for every class)."""
    first = np.flatnonzero((jobs.priority == p) & (wait_end > eligible + TOL_H))
    after = np.flatnonzero(jobs.priority > p)
    if not len(first) or not len(after):
        return
    a_order = after[np.argsort(jobs.seize_h[after], kind="stable")]
    a_seize = jobs.seize_h[a_order]
    # later-class cases taken strictly inside a class-p case's wait
    lo = np.searchsorted(a_seize, eligible[first] + TOL_H, side="right")
    hi = np.searchsorted(a_seize, wait_end[first] - TOL_H, side="left")
    bad = np.flatnonzero(hi > lo)
    if len(bad):
        b = bad[np.argmin(a_seize[lo[bad]])]
        u, r = first[b], a_order[lo[b]]
        raise InvariantError(
            f"{where}: case {int(jobs.case[r])} of priority {int(jobs.priority[r])} was taken "
            f"at {jobs.seize_h[r]:.4f} h while case {int(jobs.case[u])} of priority {p}, served "
            f"first, had been waiting since {eligible[u]:.4f} h (priority broken)")


def check_calendar(where: str, jobs: Jobs, cal: WorkCalendar) -> None:
    """Work only in open hours: the working hours from pick-up to end equal the effort."""
    done = np.flatnonzero(np.isfinite(jobs.end_h))
    if not len(done):
        return
    worked = np.asarray(cal.working_hours_between(jobs.seize_h[done], jobs.end_h[done]))
    effort = jobs.effort_h[done]
    bad = np.flatnonzero(np.abs(worked - effort) > 1e-6 * np.maximum(1.0, effort))
    if len(bad):
        b = bad[np.argmin(jobs.seize_h[done[bad]])]
        k = done[b]
        raise InvariantError(
            f"{where}: case {int(jobs.case[k])} was worked from {jobs.seize_h[k]:.4f} h to "
            f"{jobs.end_h[k]:.4f} h, {worked[b]:.4f} working hours on the pool's calendar, "
            f"for an effort of {effort[b]:.4f} h (work outside calendar hours)")


def check_conservation(rep: Replication, cases: pd.DataFrame) -> None:
    """Arrivals = delivered + still in the system (+ abandoned), each from its own source.

    Arrivals come from the demand generator (``rep.cases``); delivered from the case
    table's timestamps; in the system from the engine's own counts (journeys begun and
    neither delivered nor given up, plus cases not yet ready for theirs); abandoned from the
    case table's status. The engine counted its give-ups too, so a case that gave up without
    its status saying so (or the other way round) breaks the sum.
    """
    arrived = len(rep.cases)
    delivered = int(np.count_nonzero(~np.isnan(cases["review_end_h"].to_numpy())))
    status = cases["status"]
    abandoned = int((status == "abandoned").sum()) if "abandoned" in status.cat.categories \
        else 0
    n = rep.counts
    if arrived != delivered + n.in_system + abandoned or len(cases) != arrived:
        raise ConservationError(
            f"replication {rep.index}: {arrived} cases arrived (demand) and the case table has "
            f"{len(cases)} rows, but {delivered} were delivered (timestamps), the engine holds "
            f"{n.in_system} still in the system ({n.started} journeys begun, {n.finished} "
            f"delivered, {n.abandoned} given up, {n.pending} not ready) and {abandoned} are "
            "abandoned (status)")


def check_waiting(where: str, jobs: Jobs, times: np.ndarray, engine: np.ndarray) -> None:
    """The queue-length process: the waits of the case table against the engine's counts.

    At every sample instant the cases waiting according to the timestamps (joined, not
    taken, not given up) must be those the engine's queue held. Integrated over time the
    waits are the time-average queue length (Little's law with abandonment: each wait ends
    at service or give-up), so a queue length measured from the waits can be trusted only
    if it matches here. Instants within :data:`TOL_H` of a case's event are skipped.
    """
    if not len(times):
        return
    table, near = waiting_at(jobs, times)
    bad = np.flatnonzero((table != engine) & ~near)
    if len(bad):
        k = bad[0]
        raise InvariantError(
            f"{where}: at {times[k]:.4f} h the case table's waits show {table[k]} cases "
            f"waiting (joined, not yet taken or given up), but the engine's queue held "
            f"{engine[k]} (queue length broken; over the run {table.mean():.2f} against "
            f"{engine.mean():.2f} on average)")


def check_end_state(where: str, jobs: Jobs, engine: tuple[int, int], horizon_h: float) -> None:
    """Cases waiting and in service at the horizon: timestamps against the engine's queues."""
    waiting = int(np.count_nonzero((jobs.join_h < horizon_h) & ~(jobs.wait_end_h < horizon_h)))
    held = int(np.count_nonzero((jobs.seize_h < horizon_h) & ~(jobs.end_h < horizon_h)))
    if (waiting, held) != tuple(engine):
        lost = jobs.case[(jobs.join_h < horizon_h) & ~(jobs.end_h < horizon_h)
                     & ~(jobs.leave_h < horizon_h)]
        raise ConservationError(
            f"{where}: at the horizon the timestamps show {waiting} cases waiting and {held} in "
            f"service, but the engine's queue held {engine[0]} and {engine[1]} "
            f"(first open case {int(lost[0]) if len(lost) else -1})")


def check_run(plan: Plan, rep: Replication, cases: pd.DataFrame) -> None:
    """Every invariant of one replication; raises :class:`InvariantError` at the first broken."""
    check_conservation(rep, cases)
    horizon = plan.horizon_h
    caps = contract_caps(plan)
    reviews: dict[int, list[Jobs]] = {}  # per capped pool, the reviews of its queues
    every = every_queue_jobs(rep, cases, len(plan.queues), horizon)
    for q in plan.queues:
        where = f"replication {rep.index}, queue {q.name}"
        jobs = every[q.index]
        if caps[q.index] is not None:
            reviews.setdefault(q.pool, []).append(jobs)
        cal = plan.queue_calendar(q)  # the line's sessions, else the pool's calendar
        staff = rep.staff_days[q.index] if rep.staff_days else None
        # a case held for its contract's next weekly slot counts from when the slot opens
        check_capacity_and_work(where, jobs, q.servers, cal, horizon,
                                plan.reserve(q.pool, q.servers), staff, plan.yield_at(q.pool))
        check_discipline(where, jobs)
        check_calendar(where, jobs, cal)
        if rep.counts.waiting is not None:  # the queue-length process, sample by sample
            check_waiting(where, jobs, sample_times(horizon), rep.counts.waiting[:, q.index])
        if rep.counts.end_state:
            check_end_state(where, jobs, rep.counts.end_state[q.index], horizon)
    for pool, parts in reviews.items():
        cap = caps[next(q.index for q in plan.queues if q.pool == pool)]
        check_contract(f"replication {rep.index}, pool {plan.pools[pool]}", concat_jobs(parts),
                       cap.per_week, horizon)
    # the records team's and the diaries' invariants: sim.outputs.access_invariants.check_access
    # (Results.check runs it beside this)
