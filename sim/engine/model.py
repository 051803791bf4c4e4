"""The model: one replication of a scenario, as SimPy events.

The journey of a case is one generator, :meth:`Model.journey`, which reads
top to bottom like the process it models, run on SimPy's event loop
(:func:`sim.engine.launch.launch` starts it)::

    arrive -> records intake -> triage and matching -> pre-authorisation
           -> route to a specialist queue -> [misrouted: screened, handed back,
              re-routed] -> specialist review -> opinion delivered

Random inputs are drawn before the run (:mod:`sim.engine.draws`), so the loop only
waits: pure delays are one timeout each, computed with calendar arithmetic,
and a stage that takes no time costs no event at all. Results go into
columnar :class:`~sim.engine.records.Records`.

Example:
    >>> from sim import load_scenario
    >>> from sim.engine.model import simulate
    >>> from sim.engine.plan import build_plan
    >>> scenario = load_scenario("scenarios/baseline.yaml",
    ...                          ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> rep = simulate(build_plan(scenario), seed=1)
    >>> len(rep.cases), rep.records.review_end_h[:3].round(2).tolist()
    (463, [10.33, 10.79, 10.38])
"""

from __future__ import annotations

import gc
from collections.abc import Generator

import numpy as np
import simpy

from sim.core.streams import Streams
from sim.engine.abandonment import APPOINTMENT, RECORDS, REFERRAL, SPECIALIST, leave_at_records
from sim.engine.contracts import wait_for_slot
from sim.engine.demand import Cases, generate_cases
from sim.engine.draws import Draws, draw
from sim.engine.launch import launch as launch_journey
from sim.engine.plan import Plan
from sim.engine.pools import Router, SpecialistQueue, calendar_delay
from sim.engine.records import TIMES, Records
from sim.engine.records_team import TeamLog, run_team
from sim.engine.replication import Counts, Replication, sample_times
from sim.engine.rosters import roster_process, schedules
from sim.engine.slots import Appointments
from sim.engine.triage import TriageDesk, front_end

__all__ = ["Counts", "Model", "Replication", "sample_times", "simulate"]

class Model:
    """A second-opinion platform for one replication."""

    def __init__(self, plan: Plan, cases: Cases, draws: Draws,
                 staff_days: tuple[np.ndarray | None, ...] = ()):
        self.env = env = simpy.Environment()
        self.plan, self.cases, self.draws = plan, cases, draws
        self.rec = Records(len(cases))
        # Independent counts for the conservation check: journeys begun, cases not yet
        # ready for their journey at the horizon, and opinions delivered.
        self.started = self.pending = self.finished = self.abandoned = 0
        self.front_done = False
        self.team_log: TeamLog | None = None
        self.waiting = np.zeros((0, len(plan.queues)), dtype=np.int32)  # sampled by _sample
        self.slot_in_journey: np.ndarray | None = None  # cases whose journey waits for a slot
        self.slot_cases: set[int] | None = None  # ... as a set, for the journey
        # the per-case inputs the journey reads (_read_views)
        self.line = self.payer = self.channel = self.priority = memoryview(b"")
        self.review_h: list[memoryview] = []  # per pool
        self.matched: memoryview | None = None  # the line each case was matched to up front
        self.patience_h: memoryview | None = None  # patience for a specialist
        self.queues = [
            SpecialistQueue(
                env, q.name, q.servers, plan.queue_calendar(q),
                _mean_review_h(plan, q.pool, plan.lines[q.line].specialty),
                len(plan.priorities), plan.reserve(q.pool, q.servers), self._gave_up,
                plan.yield_at(q.pool),
            )
            for q in plan.queues
        ]
        self.router = Router(plan, self.queues)
        self.queue_pool = [q.pool for q in plan.queues]
        self.staff_days = staff_days or (None,) * len(self.queues)
        for queue, by_day in zip(self.queues, self.staff_days, strict=True):
            if by_day is not None:  # absences: the number at work changes by day
                env.process(roster_process(env, queue, by_day))
        self.triage = TriageDesk(env, plan, cases, draws, self.rec)
        self.reroute_calendar = plan.calendar_of(plan.misroute.reroute_delay)
        self.books: memoryview | None = None  # cases that book a diary's slot (sim.engine.slots)
        self.appointments = (Appointments(env, plan, draws, self.rec, self._after_slot,
                                          self._left_diary) if plan.diaries else None)
        self.diary_end: tuple[int, ...] = ()
        slots = plan.inputs.access.appointment if plan.inputs.access else (None,) * len(
            plan.channels)
        self.appointment_calendars = [None if spec is None else plan.calendar_of(spec)
                                      for spec in slots]

    def run(self) -> Records:
        """Simulate until the horizon; cases not finished by then stay where they are.

        A case's journey starts when it first needs something shared: when its
        records are complete, or, when triage contends for nothing (``direct``,
        or AI triage with unlimited capacity), once it is matched and
        authorised, since those stages were computed up front by
        :func:`sim.engine.triage.front_end`. Either way it costs no event before then.
        A case matched up front to its right line that waits for an appointment starts its
        journey only when its slot comes (:meth:`_appointments_up_front`).
        """
        if self.plan.records_team is not None:  # the navigators first: records are complete
            self.team_log = run_team(self.plan, self.cases, self.draws)  # when they say
        ready = front_end(self.plan, self.cases, self.draws, self.rec)
        self.front_done = ready is not None
        if ready is None:
            ready = self.draws.intake_end_h
        horizon = self.plan.horizon_h
        if self.draws.patience_h is not None:
            ready = self._leave_at_records(ready, horizon)
        self.started = int(np.count_nonzero(ready < horizon))  # journeys begun
        self.pending = len(self.cases) - self.started
        access = self.draws.access
        self.slot_in_journey = None if access is None else access.appointment_h > 0
        if access is not None and access.books_slot is not None:  # diaries: not a delay
            self.slot_in_journey &= ~access.books_slot
        launch = ready
        if self.front_done and self.slot_in_journey is not None:
            launch = self._appointments_up_front(ready, horizon)
        if self.front_done and self.appointments is not None:  # bookings known before the run
            launch = self.appointments.up_front(self.cases, self.router, launch,
                                                self.rec.matched_line == self.cases.line,
                                                horizon)
        self._read_views()
        order = np.argsort(launch, kind="stable")
        order = order[launch[order] < horizon]
        self.env.process(self.arrivals(order, launch))
        self.waiting = np.zeros((len(sample_times(horizon)), len(self.queues)), dtype=np.int32)
        if self.queues:
            self.env.process(self._sample(sample_times(horizon).tolist()))
        # SimPy's events and finished processes are freed by reference counting; the cyclic
        # garbage collector only re-scans the live ones, over and over, which costs a sixth of
        # a million-case run and frees nothing (benchmarks/bench_engine.py). Pause it meanwhile.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=horizon)
        finally:
            if collecting:
                gc.enable()
        for q in self.queues:  # cases whose patience ran out before the horizon have left
            q.expire(horizon)
        if self.appointments is not None:
            self.diary_end = self.appointments.expire(horizon)
        self._censor(horizon)
        return self.rec

    def counts(self) -> Counts:
        """The engine's counts once the run has ended."""
        return Counts(self.started, self.pending, self.finished, self.abandoned,
                      tuple((sum(q.waiting), q.busy) for q in self.queues), self.waiting,
                      self.diary_end)

    def _sample(self, times: list[float]) -> Generator[simpy.Event, None, None]:
        """Count the cases waiting in every queue at each sample instant (one event an hour
        for the whole model; reading ``waiting`` first removes those whose patience ran out,
        at their own instant, as any look at the queue does)."""
        env, queues, out = self.env, self.queues, self.waiting
        for k, t in enumerate(times):
            yield env.timeout(t - env.now)
            out[k] = [sum(q.waiting) for q in queues]

    def _censor(self, horizon: float) -> None:
        """The run ends at the horizon: what was not reached by then becomes NaN, once, here.

        A case's times are written when its stage begins (a review's end when it starts),
        so a stage still under way at the horizon holds a later time: it becomes NaN, as do
        records that complete after the horizon or never do (the patient gave up waiting for
        them). The outputs read these arrays as they are.
        """
        rec, d = self.rec, self.draws
        for x in (*(getattr(rec, name) for name in TIMES), d.intake_end_h,
                  rec.appointment_start_h):
            x[~(x < horizon)] = np.nan
        d.intake_end_h[rec.abandon_stage == RECORDS] = np.nan
        if d.access is not None:  # (the same array as intake_end_h without incomplete records)
            first = d.access.first_records_h
            first[~(first < horizon)] = np.nan

    def _read_views(self) -> None:
        """The per-case inputs the journey reads, as memoryviews of their arrays.

        A journey reads each once; a memoryview answers as fast as a list, without a copy,
        and gives Python numbers, whose arithmetic on the clock is cheaper than the numpy
        scalars an array's index gives (``benchmarks/bench_engine.py``).
        """
        c, d = self.cases, self.draws
        self.line, self.payer, self.channel, self.priority = (
            _view(a) for a in (c.line, c.payer, c.channel, c.priority))
        self.matched = _view(self.rec.matched_line) if self.front_done else None
        self.review_h = [_view(row) for row in d.review_h]  # per pool
        self.patience_h = None if d.patience_h is None else _view(d.patience_h[SPECIALIST])
        slot = self.slot_in_journey  # the few cases that wait for a slot in the event loop
        self.slot_cases = None if slot is None else set(np.flatnonzero(slot).tolist())
        if self.appointments is not None:
            self.books = _view(d.access.books_slot)

    def _leave_at_records(self, ready: np.ndarray, horizon: float) -> np.ndarray:
        """Cases that give up waiting for their records never start their journey."""
        c, d, rec = self.cases, self.draws, self.rec
        gone = leave_at_records(c.arrival_h, d.intake_end_h, d.patience_h)
        ready = ready.copy()
        ready[gone] = np.inf
        for name in TIMES:  # what front_end computed for them never happened
            getattr(rec, name)[gone] = np.nan
        rec.matched_line[gone] = -1
        at = c.arrival_h + d.patience_h[RECORDS]
        left = gone & (at < horizon)
        rec.abandoned_h[left] = at[left]
        rec.abandon_stage[left] = RECORDS
        self.abandoned += int(left.sum())
        return ready

    def _abandon(self, i: int, stage: int, at_h: float | None = None) -> None:
        self.rec.abandoned_h[i] = self.env.now if at_h is None else at_h
        self.rec.abandon_stage[i] = stage
        self.abandoned += 1

    def _left_diary(self, i: int, at_h: float) -> None:
        """Case ``i`` gave up waiting for an appointment slot at ``at_h``."""
        self._abandon(i, APPOINTMENT, at_h)

    def _after_slot(self, i: int, q: int) -> None:
        """Case ``i``'s slot has come: on to specialist queue ``q`` (sim.engine.slots)."""
        launch_journey(self.journey(i, q))

    def _gave_up(self, i: int, at_h: float) -> None:
        """Case ``i`` left a specialist queue at ``at_h``: its patience ran out while it waited
        (the queue finds out lazily, when it next looks: :meth:`Staff.serve`)."""
        self._abandon(i, SPECIALIST, at_h)

    def _appointments_up_front(self, ready: np.ndarray, horizon: float) -> np.ndarray:
        """The appointment wait of the cases matched up front to their right line, computed
        for all of them at once as :meth:`_appointment` would one by one: when each one's
        process must start (its slot, or ``inf`` if it gave up waiting or never began).

        Misrouted cases wait for their slot after re-routing, in the event loop.
        """
        c, d, rec = self.cases, self.draws, self.rec
        up_front = self.slot_in_journey & (rec.matched_line == c.line) & (ready < horizon)
        if not up_front.any():
            return ready
        self.slot_in_journey = self.slot_in_journey & ~up_front
        rows = np.flatnonzero(up_front)
        start, hours = ready[rows], d.access.appointment_h[rows]
        done = start + hours
        for ch, cal in enumerate(self.appointment_calendars):
            on = c.channel[rows] == ch
            if cal is not None and on.any():
                done[on] = cal.add_working_hours(start[on], hours[on])
        rec.appointment_start_h[rows] = start
        slot = start + (done - start)  # the clock after a timeout of done - start
        if d.patience_h is not None:
            patience = d.patience_h[APPOINTMENT, rows]
            gone = done - start > patience
            at = start + patience
            left = gone & (at < horizon)
            rec.abandoned_h[rows[left]] = at[left]
            rec.abandon_stage[rows[left]] = APPOINTMENT
            self.abandoned += int(np.count_nonzero(left))
            slot[gone] = np.inf
        launch = ready.copy()
        launch[rows] = slot
        return launch

    def _appointment(self, i: int, channel: int) -> Generator[simpy.Event, None, bool]:
        """Wait for an appointment slot; False if the patient gives up first."""
        env, d = self.env, self.draws
        self.rec.appointment_start_h[i] = now = env.now
        cal = self.appointment_calendars[channel]
        hours = float(d.access.appointment_h[i])
        done = now + hours if cal is None else cal.add_working_hours(now, hours)
        if d.patience_h is not None and done - now > (patience := float(
                d.patience_h[APPOINTMENT, i])):
            yield env.timeout(patience)
            self._abandon(i, APPOINTMENT)
            return False
        if done > now:
            yield env.timeout(done - now)
        return True

    def arrivals(self, order: np.ndarray, launch: np.ndarray
                 ) -> Generator[simpy.Event, None, None]:
        """Start each case's journey at its launch time (see :meth:`run`).

        The cases due at one instant start together, after the wake-up for the next
        instant is scheduled: the order in which SimPy would have fired a process per case
        (whose ``Initialize`` events come after that wake-up), so ties between events at
        one instant break as they always did.
        """
        env, journey = self.env, self.journey
        cases, times = order.tolist(), launch[order].tolist()
        k, n = 0, len(cases)
        while k < n:
            now = times[k]
            if now > env.now:
                yield env.timeout(now - env.now)
            due = k + 1
            while due < n and times[due] == now:
                due += 1
            wake = env.timeout(times[due] - now) if due < n else None
            for i in cases[k:due]:
                launch_journey(journey(i))
            k = due
            if wake is not None:
                yield wake

    def journey(self, i: int, q: int = -1) -> Generator[simpy.Event, None, None]:
        """The life of case ``i`` from arrival to opinion; from specialist queue ``q`` on when
        given (an appointment diary's slot has come: :meth:`_after_slot`). One generator
        for both, so that a case costs no delegating frame on each of its events."""
        env, rec = self.env, self.rec
        prio = self.priority[i]
        patience = None if self.patience_h is None else self.patience_h[i]
        if q < 0:
            d = self.draws
            line, payer, channel = self.line[i], self.payer[i], self.channel[i]
            if self.matched is not None:  # records, triage, authorisation computed up front
                matched = self.matched[i]
            else:  # the journey starts when the records are complete
                matched = yield from self.triage.front(i)
                if matched < 0:  # gave up in the referral cycle
                    self._abandon(i, REFERRAL)
                    return

            if matched != line:  # the wrong specialists screen it and hand it back
                # (when no pool that may serve the case staffs the wrong line, routing
                # itself catches the mismatch: no one screens it, it is only re-routed)
                if self.plan.routes[(matched, payer, channel)]:
                    q = self.router.choose(matched, payer, channel, prio, env.now)
                    rec.screen_queue[i] = q
                    rec.screen_queue_h[i] = env.now
                    if not (yield from self.queues[q].serve(
                        i, float(d.screen_h[i]), prio, rec.screen_seize_h, rec.screen_start_h,
                        rec.screen_end_h, rec.screen_server, patience,
                    )):
                        return  # gave up waiting (recorded by _gave_up)
                if wait := calendar_delay(env, float(d.reroute_h[i]), self.reroute_calendar):
                    yield wait
                rec.reroute_end_h[i] = rec.match_h[i] = env.now

            slot = self.slot_cases  # wait for an appointment slot first
            if slot is not None and i in slot and not (yield from self._appointment(i, channel)):
                return
            q = self.router.choose(line, payer, channel, prio, env.now)
            if self.books is not None and self.books[i]:  # a diary's slot: the diary goes on
                self.appointments.book(i, q, channel, prio)  # at the slot (_after_slot)
                return
        # joins specialist queue q: a contract's slot, the wait, the review
        rec.queue[i] = q
        rec.queue_h[i] = env.now
        if self.router.capped and (cap := self.router.caps[q]) is not None:
            until = cap.reserve(env.now)  # a contract's weekly cap: maybe next week's slot
            rec.slot_open_h[i] = until
            if until > env.now:  # the wait for the slot spends the patient's patience too
                if patience is not None and patience <= until - env.now:
                    yield from wait_for_slot(env, self.queues[q], env.now + patience, prio)
                    cap.release(until)  # the slot goes back to the contract
                    self._abandon(i, SPECIALIST)
                    return
                if patience is not None:
                    patience -= until - env.now
                yield from wait_for_slot(env, self.queues[q], until, prio)
        if not (yield from self.queues[q].serve(
            i, self.review_h[self.queue_pool[q]][i], prio, rec.seize_h, rec.review_start_h,
            rec.review_end_h, rec.server, patience,
        )):
            return  # gave up waiting (recorded by _gave_up)
        self.finished += 1


def _view(a: np.ndarray) -> memoryview:
    """A memoryview of ``a``'s values (indexing it gives Python ints and floats)."""
    return memoryview(np.ascontiguousarray(a))


def _mean_review_h(plan: Plan, pool: int, specialty: str) -> float:
    return plan.mean_hours(plan.review_spec(pool, specialty))


def simulate(plan: Plan, seed: int, replication: int = 0) -> Replication:
    """Run replication ``replication`` of ``plan`` with the run's ``seed``."""
    streams = Streams(seed, replication)
    cases = generate_cases(plan, streams.rng("arrivals"), streams.rng("attributes"))
    draws = draw(plan, cases, streams)
    model = Model(plan, cases, draws, schedules(plan, seed, replication))
    records = model.run()
    return Replication(replication, seed, cases, draws, records, model.counts(), model.staff_days,
                       model.team_log)
