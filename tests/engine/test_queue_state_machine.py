"""A specialist queue under head-count changes, step by step against a plain model of it.

Hypothesis drives :class:`sim.engine.pools.Staff` (two priority classes, a 24x7 calendar)
with a roster of daily head-counts applied by :func:`sim.engine.rosters.roster_process`
(``set_servers`` at the day boundaries, as absences, attrition and hiring do), cases that
arrive with an effort, a class and a patience, and the clock moving on. After every step
the queue must agree with :class:`PlainQueue`, the same queue written the obvious way: an
event list in time order with a timer per waiting patient, a finishing specialist who
leaves if the head-count fell below the number at work and otherwise hands over to the
first waiting case in service order, newcomers who take waiting cases at once. Events at
one instant happen in the order they were scheduled (SimPy's rule), which is what the
engine's lazy give-ups (no timer) must reproduce.

Durations are whole half-hours, so every sum is exact and instants coincide often:
hand-overs, give-ups and head-count changes at the same instant are the common case here.
Compared after each step: the head-count, the cases waiting per class, the specialists
holding a case, and per case when it was taken, when its review ends, and when its
patient gave up; and no two cases held by one specialist.
"""

from __future__ import annotations

import math
import os
from collections.abc import Generator
from heapq import heappop, heappush

import numpy as np
import simpy
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sim.core.calendar import WorkCalendar
from sim.engine.pools import Staff
from sim.engine.rosters import roster_process

MAX_CASES = 400
halves = st.integers(1, 8).map(lambda k: k / 2)  # 0.5 h to 4 h: exact in binary, ties common


class PlainQueue:
    """The reference: a multi-server two-class queue with a varying head-count, as an event list.

    ``assigned`` holds the cases a specialist has been handed but that have not started yet
    (in the engine: the wake-up is scheduled, the case resumes at the same instant).
    """

    def __init__(self, servers: int, roster: list[int]):
        self.servers = servers
        self.roster = roster
        self.now = 0.0
        self.seq = 0
        self.events: list[tuple[float, int, str, int]] = []  # (time, seq, kind, case or day)
        self.waiting: list[tuple[int, int, int]] = []  # (priority, join seq, case)
        self.held: dict[int, float] = {}  # case in service -> its end
        self.assigned: set[int] = set()
        self.effort: dict[int, float] = {}
        self.seize: dict[int, float] = {}
        self.end: dict[int, float] = {}
        self.gave_up: dict[int, float] = {}
        self._roster(0)

    def _schedule(self, time: float, kind: str, what: int) -> int:
        self.seq += 1
        heappush(self.events, (time, self.seq, kind, what))
        return self.seq

    def _at_work(self) -> int:
        return len(self.held) + len(self.assigned)

    def _start(self, case: int) -> None:
        self.seize[case] = self.now
        self.held[case] = self.end[case] = self.now + self.effort[case]
        self._schedule(self.end[case], "end", case)

    def _hand_to_first_waiting(self) -> bool:
        if not self.waiting:
            return False
        head = min(self.waiting)  # urgent first, then first come
        self.waiting.remove(head)
        self.assigned.add(head[2])
        self._schedule(self.now, "wake", head[2])
        return True

    def _roster(self, day: int) -> None:
        self.servers = self.roster[day]
        while self._at_work() < self.servers and self._hand_to_first_waiting():
            pass
        later = [d for d in range(day + 1, len(self.roster))
                 if self.roster[d] != self.roster[d - 1]]
        if later:
            self._schedule(24.0 * later[0], "roster", later[0])

    def arrive(self, case: int, priority: int, effort: float, patience: float | None) -> None:
        self.effort[case] = effort
        if self._at_work() < self.servers:
            self._start(case)
            return
        self.seq += 1
        join = self.seq
        self.waiting.append((priority, join, case))
        if patience is not None:  # the timer carries the join's place among same-time events
            heappush(self.events, (self.now + patience, join, "give_up", case))

    def advance(self, until: float) -> None:
        """Everything that happens before ``until``."""
        while self.events and self.events[0][0] < until:
            self.now, _, kind, what = heappop(self.events)
            if kind == "end":
                del self.held[what]
                if self._at_work() < self.servers:  # else this specialist leaves
                    self._hand_to_first_waiting()
            elif kind == "give_up":
                mine = [w for w in self.waiting if w[2] == what]
                if mine:
                    self.waiting.remove(mine[0])
                    self.gave_up[what] = self.now
            elif kind == "wake":
                self.assigned.discard(what)
                self._start(what)
            else:
                self._roster(what)
        self.now = until


class QueueMachine(RuleBasedStateMachine):
    """``Staff`` and :class:`PlainQueue` fed the same roster, arrivals and clock."""

    @initialize(head=st.integers(1, 4), data=st.data())
    def start(self, head: int, data: st.DataObject) -> None:
        days = data.draw(st.integers(1, 6), label="roster days")
        roster = data.draw(st.lists(st.integers(0, head), min_size=days, max_size=days),
                           label="at work per day")
        self.env = simpy.Environment()
        self.gave_up: dict[int, float] = {}
        self.staff = Staff(self.env, head, WorkCalendar.always(),
                           on_give_up=lambda i, at: self.gave_up.__setitem__(i, at))
        self.seize, self.start_h, self.end, self.who = (
            np.full(MAX_CASES, np.nan) for _ in range(4))
        self.head = head
        self.env.process(roster_process(self.env, self.staff, np.asarray(roster)))
        self.env.step()  # the roster's first day is in force from the start
        self.model = PlainQueue(head, roster)
        self.cases = 0

    @rule(priority=st.integers(0, 1), effort=halves,
          patience=st.none() | halves)
    def arrive(self, priority: int, effort: float, patience: float | None) -> None:
        i = self.cases
        if i >= MAX_CASES:
            return
        self.cases += 1
        begun: list[bool] = []

        def case() -> Generator[simpy.Event, None, bool]:
            begun.append(True)
            return (yield from self.staff.serve(i, effort, priority, self.seize, self.start_h,
                                                self.end, self.who, patience_h=patience))

        self.env.process(case())
        while not begun:  # the new case's process starts now, before the instant's other events
            self.env.step()
        self.model.arrive(i, priority, effort, patience)

    @rule(hours=halves)
    def wait(self, hours: float) -> None:
        until = self.env.now + hours
        self.env.run(until=until)
        self.model.advance(until)

    @invariant()
    def agrees_with_the_plain_queue(self) -> None:
        m = self.model
        self.staff.expire(self.env.now)  # give-ups before now (the engine removes them lazily)
        assert self.staff.servers == m.servers
        assert self.staff.waiting == [sum(1 for w in m.waiting if w[0] == p) for p in (0, 1)]
        assert self.staff.busy == len(m.held) + len(m.assigned)
        assert self.gave_up == m.gave_up
        for i in range(self.cases):
            assert (math.isnan(self.seize[i]) and i not in m.seize) or \
                self.seize[i] == m.seize[i], f"case {i} taken at {self.seize[i]}"
            if i in m.end:
                assert self.end[i] == m.end[i], f"case {i} ends at {self.end[i]}"

    @invariant()
    def one_case_per_specialist(self) -> None:
        now = self.env.now
        held = [int(self.who[i]) for i in range(self.cases)
                if self.seize[i] <= now < self.end[i]]
        assert len(held) == len(set(held))
        assert all(0 <= w < self.head for w in held)


THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
QueueMachine.TestCase.settings = settings(
    max_examples=2000 if THOROUGH else 150, stateful_step_count=60, deadline=None,
    derandomize=not THOROUGH, suppress_health_check=[HealthCheck.too_slow])
test_queue_agrees_with_a_plain_model = QueueMachine.TestCase
