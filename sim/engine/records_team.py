"""The records team: navigators who collect each case's records, simulated before the rest.

With ``intake.team`` (:mod:`sim.scenario.access`) records collection is a queue, not a
delay. A case whose records need a navigator (paper; digital too when the team handles
them) joins the team's queue on arrival; a free navigator takes it at once, else it waits,
urgent cases first and first come, first served within a class (the discipline of
:class:`sim.engine.pools.Staff`). The navigator works its hands-on effort on the team's
calendar (work pauses outside it), then the records take their external wait from that
moment (other providers sending them: no staff). Incomplete records are requested again
by a navigator (a second visit, joining the queue when the first batch is in) before the
second wait, when the team handles second requests.

Records are the first stage and nothing downstream feeds back into them, so the team is
simulated up front, for the whole replication, by a small event loop of its own (a heap of
navigators' completions and second requests, plus the arrivals in order): it gives each
case the moment its records are complete, and the rest of the engine starts from there,
exactly as from a drawn delay. A patient who gives up waiting for records
(``abandonment.records``, from arrival) leaves the team's queue at that instant; a
navigator who has taken the case finishes the task in hand (nobody is pre-empted). Nothing
after the horizon is simulated.

Example:
    >>> import numpy as np
    >>> from sim.core.calendar import WorkCalendar
    >>> arrival = np.array([0.0, 0.0, 0.5])
    >>> log = simulate_team(arrival, np.array([1, 0, 1]), np.array([[1.0, 1.0, 1.0],
    ...                     [0.0, 0.0, 0.0]]), np.array([2.0, 2.0, 2.0]),
    ...                     np.zeros(3, dtype=bool), (None, None), np.zeros(3), None,
    ...                     np.full(3, np.inf), 1, WorkCalendar.always(), 100.0)
    >>> log.seize_h[0].tolist(), log.complete_h.tolist()     # case 1 is urgent: served second
    ([0.0, 1.0, 2.0], [3.0, 4.0, 5.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from heapq import heappop, heappush

import numpy as np

from sim.core.calendar import WorkCalendar, delay_end
from sim.core.streams import Streams
from sim.engine.demand import Cases
from sim.engine.plan import Plan

INF = float("inf")
FIRST, SECOND = 0, 1  # the two visits a case may make: its records request, a second one


@dataclass(frozen=True)
class TeamLog:
    """What the records team did in one replication: per visit (rows FIRST, SECOND) and case.

    Times not reached by the horizon are NaN; ``server`` is which navigator (0-based, -1:
    none). ``first_records_h`` and ``complete_h`` are when the first batch and all of a
    case's records were in (``inf``: not by the horizon, or the patient gave up first).
    """

    join_h: np.ndarray  # (2, n): joined the team's queue
    seize_h: np.ndarray  # a navigator took it
    start_h: np.ndarray  # ... and started work (calendar permitting)
    end_h: np.ndarray  # ... and was done
    server: np.ndarray
    first_records_h: np.ndarray
    complete_h: np.ndarray
    end_state: tuple[int, int]  # (cases waiting, navigators busy) at the horizon


def draw_team_effort(plan: Plan, cases: Cases, streams: Streams, digital: np.ndarray,
                     incomplete: np.ndarray) -> np.ndarray:
    """Stream ``records_team``: each case's hands-on hours, shape (2, n) (0: no navigator).

    Two columns per case whatever the scenario sets, so the team moves no other draw.
    """
    team = plan.records_team
    n = len(cases)
    u = streams.rng("records_team").random((n, 2))
    out = np.zeros((2, n))
    paper = ~digital
    out[FIRST, paper] = plan.hours(team.paper, u[paper, 0])
    if team.digital is not None:
        out[FIRST, digital] = plan.hours(team.digital, u[digital, 0])
    if team.rerequest is not None:
        out[SECOND, incomplete] = plan.hours(team.rerequest, u[incomplete, 1])
    return out


def run_team(plan: Plan, cases: Cases, draws) -> TeamLog:  # noqa: ANN001  (Draws)
    """Simulate the replication's records team; fill in ``draws.intake_end_h`` (and
    ``draws.access.first_records_h``) with when each case's records are complete (the
    horizon for those not complete by then)."""
    from sim.engine.abandonment import RECORDS

    team, intake, req = plan.records_team, plan.inputs.intake, plan.inputs.access
    n = len(cases)
    access = draws.access
    incomplete = access.incomplete if access is not None else np.zeros(n, dtype=bool)
    second = (access.second_wait_h if access is not None and access.second_wait_h is not None
              else np.zeros(n))
    wait_cals = (plan.calendar_of(intake.paper), plan.calendar_of(intake.digital))
    second_cal = (plan.calendar_of(req.request)
                  if req is not None and req.request is not None else None)
    patience = draws.patience_h
    deadline = (cases.arrival_h + patience[RECORDS] if patience is not None
                else np.full(n, np.inf))
    log = simulate_team(cases.arrival_h, cases.priority, draws.team_effort_h,
                        draws.records_wait_h, draws.digital, wait_cals, second, second_cal,
                        deadline, team.navigators, team.calendar, plan.horizon_h, incomplete)
    # nothing at or after the horizon matters: a case whose records are not in by then
    # (or who gave up first) is complete "at the horizon" for the stages that follow
    draws.intake_end_h[:] = np.minimum(log.complete_h, plan.horizon_h)
    if access is not None:
        access.first_records_h[:] = log.first_records_h
    return log


def _view(a: np.ndarray) -> memoryview:
    """A memoryview of ``a``'s values (indexing it gives Python ints, floats and bools)."""
    return memoryview(np.ascontiguousarray(a))


def _delays_up_front(start: np.ndarray, hours: np.ndarray, which: np.ndarray,
                     cals: tuple[WorkCalendar | None, WorkCalendar | None]) -> np.ndarray:
    """``delay_end`` for every case at once, each on the calendar ``cals[which]``."""
    out = np.empty(len(start))
    for k, cal in enumerate(cals):
        rows = which == k
        if rows.any():
            out[rows] = delay_end(start[rows], hours[rows], cal)
    return out


def simulate_team(arrival: np.ndarray, priority: np.ndarray, effort: np.ndarray,
                  wait_h: np.ndarray, digital: np.ndarray,
                  wait_cals: tuple[WorkCalendar | None, WorkCalendar | None],
                  second_h: np.ndarray, second_cal: WorkCalendar | None,
                  deadline: np.ndarray, servers: int, calendar: WorkCalendar,
                  horizon: float, incomplete: np.ndarray | None = None) -> TeamLog:
    """The team's event loop (module docstring). ``effort``: (2, n) hands-on hours, 0 for
    no visit; ``wait_h``: the first external wait, on ``wait_cals[digital]``;
    ``second_h``: the second request's wait (``incomplete`` cases), on ``second_cal``;
    ``deadline``: when each patient gives up (``inf``: never)."""
    n = len(arrival)
    incomplete = second_h > 0 if incomplete is None else incomplete
    which = digital.astype(np.int64)
    # cases without a first visit: their first batch and their records, all at once
    first = _delays_up_front(arrival, wait_h, which, wait_cals)
    visit1 = effort[FIRST] > 0
    visit2 = incomplete & (effort[SECOND] > 0)
    complete = np.where(incomplete, delay_end(first, second_h, second_cal), first)
    first[visit1] = np.inf
    complete[visit1 | visit2] = np.inf
    # arrivals to the queue known now: first visits, and second visits of cases without one
    static = np.concatenate([np.flatnonzero(visit1), np.flatnonzero(visit2 & ~visit1)])
    static_t = np.concatenate([arrival[visit1], first[visit2 & ~visit1]])
    static_v = np.concatenate([np.zeros(visit1.sum(), dtype=np.int64),
                               np.ones((visit2 & ~visit1).sum(), dtype=np.int64)])
    order = np.lexsort((static, static_t))
    log = _Loop(n, servers, calendar, horizon)
    # per-case inputs as memoryviews: indexing gives Python numbers, without a list per array
    log.run(static_t[order].tolist(), static[order].tolist(), static_v[order].tolist(),
            _view(priority), (_view(effort[FIRST]), _view(effort[SECOND])), _view(wait_h),
            _view(which), wait_cals, _view(second_h), second_cal, _view(visit2),
            _view(deadline), first, complete)
    return TeamLog(log.join, log.seize, log.start, log.end, log.server, first, complete,
                   log.end_state)


class _Loop:
    """The state of the team's event loop (its arrays are the :class:`TeamLog`'s)."""

    def __init__(self, n: int, servers: int, calendar: WorkCalendar, horizon: float):
        self.join, self.seize, self.start, self.end = (np.full((2, n), np.nan) for _ in range(4))
        self.server = np.full((2, n), -1, dtype=np.int32)
        self.servers, self.calendar, self.horizon = servers, calendar, horizon
        self.end_state = (0, 0)

    def run(self, static_t: list, static_i: list, static_v: list, prio: memoryview,
            effort: tuple[memoryview, memoryview], wait_h: memoryview, which: memoryview,
            wait_cals: tuple, second_h: memoryview, second_cal: WorkCalendar | None,
            visit2: memoryview, deadline: memoryview, first: np.ndarray,
            complete: np.ndarray) -> None:
        """Process the visits in time order until the horizon (module docstring)."""
        horizon, span = self.horizon, self.calendar.work_span
        join, seize, start, end, who = self.join, self.seize, self.start, self.end, self.server
        events: list[tuple[float, int, int, int, int]] = []  # (time, order, case, visit, server)
        waiting: list[tuple[int, float, int, int, int]] = []  # (prio, joined, order, case, visit)
        idle = list(range(self.servers - 1, -1, -1))
        order = 0
        k, n_static = 0, len(static_t)
        while True:
            ts = static_t[k] if k < n_static else INF
            te = events[0][0] if events else INF
            if ts <= te:  # a case joins the queue (known before the run)
                if ts >= horizon:
                    break
                t, i, v, server = ts, static_i[k], static_v[k], -1
                k += 1
            else:
                if te >= horizon:
                    break
                t, _, i, v, server = heappop(events)
            if server < 0:  # joins: gone already, takes a free navigator, or waits
                if deadline[i] <= t:
                    continue
                join[v, i] = t
                if not idle:
                    order += 1
                    heappush(waiting, (prio[i], t, order, i, v))
                    continue
                server = idle.pop()
            else:  # a navigator is done with (i, v): the case goes on; the navigator too
                if v == FIRST:
                    f = delay_end(t, wait_h[i], wait_cals[which[i]])
                    first[i] = f
                    if visit2[i]:
                        order += 1
                        heappush(events, (f, order, i, SECOND, -1))
                    else:
                        complete[i] = delay_end(f, second_h[i], second_cal)
                else:
                    complete[i] = delay_end(t, second_h[i], second_cal)
                while waiting:  # the first waiting case still there takes this navigator
                    _, _, _, i, v = heappop(waiting)
                    if deadline[i] > t:
                        break
                else:
                    idle.append(server)
                    continue
            seize[v, i] = t
            start[v, i], done = span(t, effort[v][i])
            end[v, i] = done
            who[v, i] = server
            order += 1
            heappush(events, (done, order, i, v, server))
        held = sum(1 for _, _, _, i, _ in waiting if deadline[i] >= horizon)
        self.end_state = (held, self.servers - len(idle))
