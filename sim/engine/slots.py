"""Appointment diaries: slots per pool and channel a week, given out in priority order.

A channel whose ``appointments`` entry is a diary (:mod:`sim.scenario.access`) books every
case with the pool it is routed to. From its *lead* on (the notice before which no slot is
offered) the case waits in that pool's diary for the channel; each slot, when its time
comes, goes to the first waiting case, urgent before routine, then in the order they became
eligible. A slot nobody waits for is lost. At its slot the case joins the pool's specialist
queue. A patient who has waited longer than their appointment patience (from booking)
leaves at that instant.

A :class:`Diary` costs one SimPy event per slot given out and none per case: it sleeps
until the first slot someone is eligible for, and at each slot it starts the rest of the
chosen case's journey (:func:`sim.engine.launch.launch`). Cases booked before the run (the
model knows their route, booking time and lead up front) are handed over as sorted arrays
and merged in as their leads pass, so their wait costs no event of their own; cases booked
in the event loop (a misrouted case after re-routing, a route that depends on queue state,
simulated triage) call :meth:`Diary.book`.

Example:
    >>> import simpy
    >>> from sim.core.calendar import WorkCalendar
    >>> from sim.engine.access_specs import DiarySpec
    >>> env = simpy.Environment()
    >>> spec = DiarySpec(0, 0, 0, per_week=168.0, calendar=WorkCalendar.always(), name="p/c")
    >>> seen = []
    >>> diary = Diary(env, spec, lambda i, q: seen.append((i, q, env.now)), print)
    >>> for i, prio in ((0, 1), (1, 1), (2, 0)):          # three book at 0.1, eligible at once
    ...     diary.book(i, 0, prio, 0.1, give_up_h=float("inf"))
    >>> env.run(until=10)
    >>> seen                                               # slots at 0.5, 1.5, 2.5: urgent first
    [(2, 0, 0.5), (0, 0, 1.5), (1, 0, 2.5)]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from heapq import heappop, heappush

import numpy as np
import simpy

from sim.core.calendar import delay_end
from sim.engine.access_specs import DiarySpec

INF = float("inf")


class Diary:
    """The appointment slots of one pool for one channel (module docstring).

    ``start(i, queue)`` continues case ``i``'s journey at its slot, into specialist queue
    ``queue``; ``on_give_up(i, instant)`` is told of a patient who left before a slot.
    """

    def __init__(self, env: simpy.Environment, spec: DiarySpec,
                 start: Callable[[int, int], None],
                 on_give_up: Callable[[int, float], None]):
        self.env, self.spec = env, spec
        self.start, self.on_give_up = start, on_give_up
        self._ahead: tuple[list, ...] = ([], [], [], [], [])  # eligible, case, queue, prio,
        self._next_ahead = 0  # ... give-up of cases booked up front, by eligible time
        # heap of the cases booked in the event loop: (eligible, order, case, queue, prio,
        # give-up)
        self._live: list[tuple[float, int, int, int, int, float]] = []
        self._waiting: list[tuple[int, float, int, int, int, float]] = []  # (prio, eligible,
        # order, case, queue, give-up): eligible cases, best first
        self._order = 0
        self._wake_k = -1  # the slot of the scheduled wake-up (-1: none)
        self._wake_t = INF
        self._gen = 0  # stamps the scheduled wake-up; older ones are ignored
        self.given = 0  # slots given out
        self.last_k = -1  # the last slot looked at
        self._times: list[float] = []  # slot times computed so far (slot k at index k)

    # ----------------------------------------------------------------------------- booking
    def book_ahead(self, eligible: np.ndarray, case: np.ndarray, queue: np.ndarray,
                   priority: np.ndarray, give_up: np.ndarray) -> None:
        """Cases booked before the run (any order): merged in as their leads pass."""
        order = np.lexsort((case, eligible))
        # sorted copies seen through memoryviews: Python numbers when indexed, no lists
        self._ahead = tuple(memoryview(np.ascontiguousarray(a[order]))
                            for a in (eligible, case, queue, priority, give_up))
        self._next_ahead = 0
        if len(order):
            self._schedule(float(eligible[order[0]]))

    def book(self, i: int, queue: int, priority: int, eligible_h: float,
             give_up_h: float) -> None:
        """Case ``i`` (for ``queue``) may take a slot from ``eligible_h``; it leaves at
        ``give_up_h`` without one."""
        self._order += 1
        heappush(self._live, (eligible_h, self._order, i, queue, priority, give_up_h))
        self._schedule(eligible_h)

    # ------------------------------------------------------------------------- the slots
    def _time(self, k: int) -> float:
        """Slot ``k``'s time (computed once, a few hundred at a time: :meth:`DiarySpec.
        slot_times`, the same numbers as :meth:`DiarySpec.slot_time`)."""
        times = self._times
        if len(times) <= k:
            times.extend(self.spec.slot_times(len(times), max(k + 1, len(times) + 512)))
        return times[k]

    def _first_at_or_after(self, t: float) -> int:
        """The first slot at or after ``t`` (from the cached times)."""
        times = self._times
        if not times or times[-1] < t:
            k = self.spec.first_slot_at_or_after(t)
            self._time(k)
            return k
        return bisect_left(times, t)

    def _schedule(self, eligible_h: float) -> None:
        """Wake at the first slot from ``eligible_h`` (and from now), if that is earlier."""
        self._wake(max(self._first_at_or_after(max(eligible_h, self.env.now)),
                       self.last_k + 1))

    def _wake(self, k: int) -> None:
        """Wake at slot ``k``, if that is earlier than the wake-up scheduled."""
        t = self._time(k)
        if t >= self._wake_t:
            return
        self._gen += 1
        self._wake_k, self._wake_t = k, t
        gen = self._gen
        self.env.timeout(t - self.env.now).callbacks.append(
            lambda _event: self._slot(gen))

    def _slot(self, gen: int) -> None:
        """A slot's time has come: the first eligible case still waiting takes it."""
        if gen != self._gen:  # a later wake-up replaced by an earlier one
            return
        now, k = self.env.now, self._wake_k
        self.last_k = k
        self._wake_k, self._wake_t = -1, INF
        self._admit(now)
        waiting = self._waiting
        while waiting:
            _, _, _, i, q, give_up = heappop(waiting)
            if give_up < now:  # left before this slot
                self.on_give_up(i, give_up)
                continue
            self.given += 1
            self.start(i, q)
            break
        if waiting:  # the next slot goes to one of them
            self._wake(k + 1)
        elif (nxt := self._next_eligible()) < INF:
            self._schedule(nxt)

    def _admit(self, now: float) -> None:
        """Cases whose lead has passed by ``now`` join the waiting list."""
        waiting = self._waiting
        eligible, case, queue, prio, give_up = self._ahead
        j, n = self._next_ahead, len(eligible)
        while j < n and eligible[j] <= now:
            self._order += 1
            heappush(waiting, (prio[j], eligible[j], self._order, case[j], queue[j], give_up[j]))
            j += 1
        self._next_ahead = j
        live = self._live
        while live and live[0][0] <= now:
            e, order, i, q, p, g = heappop(live)
            heappush(waiting, (p, e, order, i, q, g))

    def _next_eligible(self) -> float:
        """When the next case not yet eligible becomes so (``inf``: none booked)."""
        eligible = self._ahead[0]
        a = eligible[self._next_ahead] if self._next_ahead < len(eligible) else INF
        b = self._live[0][0] if self._live else INF
        return min(a, b)

    # ---------------------------------------------------------------------- at the horizon
    def expire(self, horizon_h: float) -> int:
        """Tell of every booked case whose patient gave up before ``horizon_h``; the number
        still waiting for a slot then (booked, not given one, not gone)."""
        self._admit(INF)
        left = 0
        for *_, i, _, give_up in self._waiting:
            if give_up < horizon_h:
                self.on_give_up(i, give_up)
            else:
                left += 1
        self._waiting.clear()
        return left


class Appointments:
    """The diaries of one replication and how cases book them.

    ``start(i, queue)`` continues a case's journey at its slot; ``on_give_up(i, instant)``
    records a patient who left the diary. See :meth:`up_front` and :meth:`book`.
    """

    def __init__(self, env: simpy.Environment, plan, draws, rec,  # noqa: ANN001
                 start: Callable[[int, int], None], on_give_up: Callable[[int, float], None]):
        from sim.engine.abandonment import APPOINTMENT

        self.env, self.draws, self.rec = env, draws, rec
        self.diaries = [Diary(env, spec, start, on_give_up) for spec in plan.diaries]
        self.index = {(d.pool, d.channel): d.index for d in plan.diaries}
        self.pool_of_queue = [q.pool for q in plan.queues]
        self.lead_calendars = [None if leads is None else [plan.calendar_of(x) for x in leads]
                               for leads in plan.leads.by_channel]
        p = draws.patience_h
        self.patience = None if p is None else p[APPOINTMENT]
        rec.with_diaries()

    def _eligible(self, start: np.ndarray, channel: np.ndarray, priority: np.ndarray,
                  lead_h: np.ndarray) -> np.ndarray:
        """When leads of ``lead_h`` begun at ``start`` pass (on each lead's calendar)."""
        out = start + lead_h
        for ch, cals in enumerate(self.lead_calendars):
            for k, cal in enumerate(cals or ()):
                rows = (channel == ch) & (priority == k)
                if cal is not None and rows.any():
                    out[rows] = delay_end(start[rows], lead_h[rows], cal)
        return out

    def up_front(self, cases, router, launch: np.ndarray, right: np.ndarray,  # noqa: ANN001
                 horizon: float) -> np.ndarray:
        """Book, before the run, the cases whose booking is known: matched up front to their
        right line (``right``), ready before the horizon, on a route with one queue. They
        are not launched (``inf``): their diary starts them at their slot."""
        d, rec = self.draws.access, self.rec
        books = d.books_slot & right & (launch < horizon)
        rows = np.flatnonzero(books)
        if not len(rows):
            return launch
        queue = np.asarray([router.static_choice(ln, pa, ch) for ln, pa, ch in zip(
            cases.line[rows].tolist(), cases.payer[rows].tolist(),
            cases.channel[rows].tolist(), strict=True)], dtype=np.int64)
        rows, queue = rows[queue >= 0], queue[queue >= 0]
        start = launch[rows]
        channel, prio = cases.channel[rows], cases.priority[rows]
        eligible = self._eligible(start, channel, prio, d.appointment_h[rows])
        give_up = start + (self.patience[rows] if self.patience is not None else np.inf)
        diary = np.asarray([self.index[(self.pool_of_queue[q], c)] for q, c in zip(
            queue.tolist(), channel.tolist(), strict=True)], dtype=np.int64)
        rec.appointment_start_h[rows] = start
        rec.appointment_ready_h[rows] = eligible
        rec.diary[rows] = diary
        for k, dy in enumerate(self.diaries):
            sel = diary == k
            dy.book_ahead(eligible[sel], rows[sel], queue[sel], prio[sel], give_up[sel])
        launch = launch.copy()
        launch[rows] = np.inf
        return launch

    def book(self, i: int, queue: int, channel: int, priority: int) -> None:
        """Book case ``i``, routed to ``queue``, now (in the event loop)."""
        now, rec = self.env.now, self.rec
        lead = float(self.draws.access.appointment_h[i])
        cal = self.lead_calendars[channel][priority]
        eligible = now + lead if cal is None else float(cal.add_working_hours(now, lead))
        give_up = now + float(self.patience[i]) if self.patience is not None else INF
        k = self.index[(self.pool_of_queue[queue], channel)]
        rec.appointment_start_h[i] = now
        rec.appointment_ready_h[i] = eligible
        rec.diary[i] = k
        self.diaries[k].book(i, queue, priority, eligible, give_up)

    def expire(self, horizon_h: float) -> tuple[int, ...]:
        """Per diary, the cases still waiting at the horizon (those gone before it told)."""
        return tuple(d.expire(horizon_h) for d in self.diaries)
