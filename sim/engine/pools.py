"""Specialist pools: multi-server queues on a working calendar, and routing between them.

Each pool staffs some service lines; each (pool, line) pair is one
:class:`SpecialistQueue`: ``servers`` specialists, a non-preemptive priority
queue (urgent before routine, first come first served within a class), and the
pool's calendar. A specialist who picks up a case works on it only during
calendar hours: a two-hour review started at 16:00 on a 08:00-17:00 calendar
finishes at 09:00 the next working day, and the specialist holds the case in
between (work pauses, it is not handed back).

The :class:`Router` picks a queue for a matched case among those that staff its
line and that may serve its payer and channel (:attr:`Plan.routes`,
:mod:`sim.engine.policies.capabilities`), by the plan's routing policy
(:mod:`sim.engine.policies.routing`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heapify, heappop, heappush

import numpy as np
import simpy

from sim.core.calendar import WorkCalendar, delay_end
from sim.engine.contracts import contract_caps
from sim.engine.plan import Plan
from sim.engine.policies.routing import kinds_split

INF = float("inf")


def calendar_delay(env: simpy.Environment, hours: float,
                   calendar: WorkCalendar | None) -> simpy.Event | None:
    """A timeout for a delay of ``hours`` from now (pausing off ``calendar``), or ``None``
    if it takes no time (then the case goes on without an event)."""
    now = env.now
    done = delay_end(now, hours, calendar)
    return env.timeout(done - now) if done > now else None


class Staff:
    """People (or an AI service) who work cases one at a time, on a calendar.

    A non-preemptive priority queue: a free server takes a case at once;
    otherwise the case waits, urgent before routine and first come first
    served within a class, until a server finishes and hands over directly.
    This is :class:`simpy.PriorityResource`'s discipline, kept as a heap of
    plain SimPy events because a case that finds a free server then costs no
    event at all (a request and a release are two events per case otherwise,
    a third of the engine's time; ``benchmarks/`` measures it).

    ``servers=None`` means unlimited capacity: every case is worked at once and
    only the calendar can delay it (an AI service with no queue).

    Drop-out costs no event either: a waiting case's give-up instant (join + patience) is
    known when it joins, and the queue removes the cases whose instant has passed whenever
    it next looks at who waits (a server frees, the head-count changes, routing reads
    :attr:`waiting`, the run ends). They leave at their own instant, as a timer per case
    would have them. (A timer per waiting case cost an event each and kept each served
    case's process alive in SimPy's event heap until its patience ran out.)
    """

    def __init__(self, env: simpy.Environment, servers: int | None, calendar: WorkCalendar,
                 classes: int = 2, reserve: list[int] | None = None,
                 on_give_up: Callable[[int, float], None] | None = None,
                 yield_at: list[int | None] | None = None):
        self.env = env
        self.servers = servers
        self.calendar = calendar
        self.free = servers
        # Idle server ids (a stack), so that the records can name who worked each case; a
        # finishing server hands its id to the case it wakes.
        self._idle = list(range(servers - 1, -1, -1)) if servers else []
        self._away: list[int] = []  # ids of servers away now (absences, set_servers)
        self._waiting = [0] * classes  # cases waiting, by priority code (0 = served first)
        # per class code, servers a case of that class must leave free (trunk reservation
        # for the classes before it); None: every case may take any free server
        self.reserve = reserve if reserve and any(reserve) else None
        # per class code, the cases of it and later classes waiting from which the reserve
        # held against it yields (None: never); None: no reserve yields
        self.yield_at = (yield_at if self.reserve is not None and yield_at
                         and any(y is not None for y in yield_at) else None)
        self._gone: set[int] = set()  # queue orders of cases that gave up (lazy heap deletion)
        self._queue: list[tuple[int, int, simpy.Event]] = []  # heap of (priority, order, wake-up)
        # Drop-out, checked lazily (no timer per waiting case): a heap of (give-up instant,
        # order, priority, wake-up, case) for the waiting cases that have a patience.
        self._deadlines: list[tuple[float, int, int, simpy.Event, int]] = []
        # _order counts queue joins and service starts alike: it ranks the events that
        # happen at one instant the way SimPy's own event ids would (see _expire)
        self._order = 0
        self._roster_rank = 0  # rank of the set_servers call that scheduled the next one
        self.on_give_up = on_give_up

    @property
    def waiting(self) -> list[int]:
        """Cases waiting now, by priority code (0 = served first): those whose patience ran out
        before now have left."""
        if self._deadlines:
            self._expire(self.env.now, -1)
        return self._waiting

    @waiting.setter
    def waiting(self, counts: list[int]) -> None:
        self._waiting = counts

    @property
    def busy(self) -> int:
        """Servers holding a case now."""
        return 0 if self.servers is None else self.servers - self.free

    def serve(self, i: int, effort_h: float, priority: int, seize: np.ndarray,
              start: np.ndarray, end: np.ndarray, who: np.ndarray | None = None,
              patience_h: float | None = None) -> Generator[simpy.Event, None, bool]:
        """Work case ``i`` for ``effort_h`` working hours; record when it was taken, started, done.

        The times are written into the arrays before the work completes, so a
        case still in service at the end of the run shows where it is. ``who``,
        if given, receives the id (0 to servers - 1) of the server who works it.
        A case that has to wait longer than ``patience_h`` clock hours for a
        server leaves the queue then, unserved: the return value is False (True
        when it was served), and ``on_give_up(i, instant)`` is told when it left.
        """
        if self.servers is None:
            work = self._work(i, effort_h, seize, start, end)
            if work is not None:
                yield work
            return True
        free = self.free  # _may_take, inlined: this runs once per case
        if free > 0 and (self.reserve is None or free > self.reserve[priority]):
            self.free = free - 1
            server = self._idle.pop()
        else:
            wake = self.env.event()
            self._order = order = self._order + 1
            heappush(self._queue, (priority, order, wake))
            self._waiting[priority] += 1
            if patience_h is not None and patience_h < INF:
                # no timer: the give-up instant is known now, and whoever next looks at
                # the queue removes the case if that instant has passed (_expire)
                deadlines = self._deadlines
                if len(deadlines) > 2 * sum(self._waiting) + 64:
                    self._drop_served(deadlines)
                heappush(deadlines, (self.env.now + patience_h, order, priority, wake, i))
            if self.yield_at is not None and self.free > 0:  # a reserve may yield now
                self._dispatch()
            server = yield wake  # a finishing server hands itself over: self.free stays 0
            if server is None:  # the patient gave up waiting
                return False
        if who is not None:
            who[i] = server
        self._order = rank = self._order + 1  # ranks this service's end among same-time events
        work = self._work(i, effort_h, seize, start, end)
        if work is not None:
            yield work
        if self.free < 0:  # fewer specialists at work now (absences): this one leaves
            self.free += 1
            self._away.append(server)
            return True
        self._hand_over(server, rank)
        return True

    def _may_take(self, priority: int) -> bool:
        """Whether a case of class ``priority`` arriving now may take a free server."""
        # free < 0 while absent specialists finish their cases: none is free then
        return self.free > 0 and (self.reserve is None or self.free > self.reserve[priority]
                                  or self._yields(priority, 1))

    def _yields(self, priority: int, joining: int = 0) -> bool:
        """Whether the reserve held against class ``priority`` yields: at least its threshold
        of cases of that class and later ones wait (with ``joining`` more)."""
        if self.yield_at is None:
            return False
        limit = self.yield_at[priority]
        return limit is not None and sum(self._waiting[priority:]) + joining >= limit

    def _dispatch(self) -> None:
        """Free servers take the waiting cases now allowed one (a reserve that yields)."""
        while self.free > 0:
            head = self._next_waiting(self.free - 1)
            if head is None:
                return
            priority, wake = head
            self._waiting[priority] -= 1
            self.free -= 1
            wake.succeed(self._idle.pop())

    def _expire(self, now: float, rank: float) -> None:
        """Waiting cases whose patience has run out by ``now`` leave the queue, at their instant.

        A give-up instant equal to ``now`` counts as passed when the case joined the queue
        before the event acting now was scheduled (``rank``: the value of ``_order`` then),
        which is the order SimPy would have fired a timer per case and that event in.
        """
        deadlines = self._deadlines
        while deadlines:
            at, order, priority, wake, i = deadlines[0]
            if at > now or (at == now and order > rank):
                return
            heappop(deadlines)
            if wake.triggered:  # a server took it in time
                continue
            self._gone.add(order)
            self._waiting[priority] -= 1
            wake.succeed(None)
            if self.on_give_up is not None:
                self.on_give_up(i, at)

    @staticmethod
    def _drop_served(deadlines: list) -> None:
        """Drop the give-up instants of cases a server took in time (most of them, once
        served cases outnumber waiting ones), so that the heap holds about the waiting
        cases; each entry is dropped once, at a cost shared by the pushes that filled it."""
        deadlines[:] = [d for d in deadlines if not d[3].triggered]
        heapify(deadlines)

    def expire(self, now: float) -> None:
        """Remove the waiting cases whose patience ran out before ``now`` (e.g. the horizon).

        Example:
            >>> env = simpy.Environment()
            >>> staff = Staff(env, 1, WorkCalendar.always(), on_give_up=print)
            >>> t = [np.full(2, np.nan) for _ in range(3)]
            >>> for i in (0, 1):
            ...     _ = env.process(staff.serve(i, 10.0, 1, *t, patience_h=4.0))
            >>> env.run(until=6)  # nobody looked at the queue since case 1's patience ran out
            >>> staff.expire(6.0)
            1 4.0
            >>> staff.waiting
            [0, 0]
        """
        self._expire(now, -1)

    def _next_waiting(self, others_free: int) -> tuple[int, simpy.Event] | None:
        """Pop the first waiting case allowed a server while ``others_free`` others stay free."""
        queue = self._queue
        while queue:
            priority, order, wake = queue[0]
            if self._gone and order in self._gone:
                heappop(queue)
                self._gone.discard(order)
                continue
            if (self.reserve is not None and others_free < self.reserve[priority]
                    and not self._yields(priority)):
                return None  # the head may not take a reserved server (no earlier class waits)
            heappop(queue)
            return priority, wake
        return None

    def _hand_over(self, server: int, rank: int) -> None:
        """A server is done: it takes the first waiting case allowed to have it, or goes free."""
        if self._queue:  # (an empty queue has no case to take, nor any that could give up)
            deadlines = self._deadlines
            if deadlines and deadlines[0][0] <= self.env.now:
                self._expire(self.env.now, rank)
            head = self._next_waiting(self.free)
        else:
            head = None
        if head is not None:
            priority, wake = head
            self._waiting[priority] -= 1
            wake.succeed(server)
            return
        self.free += 1
        self._idle.append(server)

    def set_servers(self, n: int) -> None:
        """Change the number of servers at work now (absences, :mod:`sim.engine.rosters`).

        Fewer: the free ones leave at once, busy ones when their case is done (``free`` goes
        negative meanwhile). More: the newcomers take waiting cases at once.
        """
        if self._deadlines:  # the call that scheduled this one ranks it (roster_process)
            self._expire(self.env.now, self._roster_rank)
        before = self.free
        self.free += n - self.servers
        self.servers = n
        for _ in range(max(before, 0) - max(self.free, 0)):  # idle ones leave now
            self._away.append(self._idle.pop())
        for _ in range(max(self.free, 0) - max(before, 0)):  # returning ones are idle
            self._idle.append(self._away.pop())
        self._dispatch()  # newcomers take waiting cases, as a finishing server would
        self._order = self._roster_rank = self._order + 1

    def _work(self, i: int, effort_h: float, seize: np.ndarray, start: np.ndarray,
              end: np.ndarray) -> simpy.Event | None:
        """Record when case ``i`` is taken, starts and is done; the timeout until it is
        done (``None`` if that is now)."""
        now = self.env.now
        seize[i] = now
        start[i], done = self.calendar.work_span(now, effort_h)
        if done <= now:
            end[i] = done
            return None
        delay = done - now
        # The end recorded is the instant the timeout fires, ``now + delay``: in floating
        # point it can be one unit in the last place below ``done`` (when done > 2 now), and
        # the case this server takes next is seized at that instant. Recording ``done``
        # had the next case start before this one ended (two cases on one server).
        end[i] = now + delay
        return self.env.timeout(delay)


class SpecialistQueue(Staff):
    """The specialists of one pool for one service line."""

    def __init__(self, env: simpy.Environment, name: str, servers: int,
                 calendar: WorkCalendar, mean_effort_h: float, classes: int = 2,
                 reserve: list[int] | None = None,
                 on_give_up: Callable[[int, float], None] | None = None,
                 yield_at: list[int | None] | None = None):
        super().__init__(env, servers, calendar, classes, reserve, on_give_up, yield_at)
        self.name = name
        self.mean_effort_h = mean_effort_h

    def expected_wait_h(self, now: float, priority: int) -> float:
        """A quick estimate of the clock hours a case arriving now would wait.

        With a free specialist the wait is only until the calendar next opens.
        Otherwise the cases ahead (those of equal or higher priority) and the one
        in service are shared among the specialists: ``(ahead + 1) / servers``
        mean reviews of working time, converted to clock time on the calendar.
        """
        if self._may_take(priority):
            return self.calendar.next_open(now) - now
        deadlines = self._deadlines
        if deadlines and deadlines[0][0] <= now:  # a case whose patience ends now waits no more
            self._expire(now, INF)
        ahead = sum(self._waiting[:priority + 1])
        work = (ahead + 1) / max(self.servers, 1) * self.mean_effort_h
        return self.calendar.add_working_hours(now, work) - now


class Router:
    """Chooses a specialist queue for a case, by the plan's routing policy.

    The policy (:mod:`sim.engine.policies.routing`) says, per payer and channel, which
    pool kind a case tries first and whether it may spill to the other kind; the router
    compiles that once per (line, payer, channel) into the queues of each kind. Per case:
    among the first choices, the one with the shortest expected wait; past the policy's
    wait threshold, the best of the others when the case may spill. A pool whose
    contract's weekly cap is used is left out while another pool staffs the line
    (:mod:`sim.engine.contracts`); when no preferred queue remains, the others serve.
    """

    def __init__(self, plan: Plan, queues: list[SpecialistQueue]):
        policy = plan.routing
        self.threshold_h = policy.overflow_wait_h
        self.queues = queues
        kind = [plan.pool_kinds[q.pool] for q in plan.queues]
        # (line, payer, channel) -> (preferred queues, the others, may spill); a channel
        # that books appointment slots goes only to pools with slots for it (plan.serves)
        pool = [q.pool for q in plan.queues]
        self.table = {
            (line, payer, c): policy.candidates(
                *kinds_split([q for q in qs if plan.serves(pool[q], c)], kind),
                plan.payers[payer], plan.channels[c])
            for (line, payer, c), qs in plan.routes.items()
        }
        self.caps = contract_caps(plan)  # per queue: its pool's weekly cap, or None
        self.capped = any(c is not None for c in self.caps)

    def static_choice(self, line: int, payer: int, channel: int) -> int:
        """The queue of a case type with a single candidate (-1: the choice depends on the
        queues' state when the case is routed)."""
        first, second, _ = self.table[(line, payer, channel)]
        both = first + second
        return both[0] if len(both) == 1 else -1

    def _best(self, candidates: tuple[int, ...], now: float, priority: int
              ) -> tuple[int, float]:
        if len(candidates) == 1:
            q = candidates[0]
            return q, self.queues[q].expected_wait_h(now, priority)
        waits = [(self.queues[q].expected_wait_h(now, priority), q) for q in candidates]
        wait, q = min(waits)
        return q, wait

    def _with_room(self, first: tuple[int, ...], second: tuple[int, ...], now: float
                   ) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Leave out pools whose weekly cap is used and that overflow (if any pool remains)."""
        def room(q: int) -> bool:
            cap = self.caps[q]
            return cap is None or cap.queue_when_full or not cap.full(now)

        kept = tuple(q for q in first if room(q)), tuple(q for q in second if room(q))
        return kept if kept[0] or kept[1] else (first, second)

    def choose(self, line: int, payer: int, channel: int, priority: int, now: float) -> int:
        """Index of the queue for a case of ``line`` paid by ``payer``, arriving at ``now``."""
        first, second, spills = self.table[(line, payer, channel)]
        if self.capped:
            first, second = self._with_room(first, second, now)
        if not first:
            first, second = second, ()
        overflow = spills and second
        if len(first) == 1 and not overflow:  # one choice: no wait to estimate
            return first[0]
        q, wait = self._best(first, now, priority)
        if overflow and wait > self.threshold_h:
            return self._best(second, now, priority)[0]
        return q
