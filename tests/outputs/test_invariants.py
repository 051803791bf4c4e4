"""Fault injection: every run invariant fires, with its message, on an engine that breaks it.

Each test runs a deliberately broken copy of the specialist queue (a subclass method
swapped in with ``monkeypatch``) on a loaded two-class queue on business hours, and
asserts that computing the run's KPIs (which checks every invariant) stops with an
:class:`~sim.outputs.invariants.InvariantError` naming the queue and a case. The correct
engine passes the same checks on the same scenario (``test_correct_engine_passes``).
"""

from __future__ import annotations

import dataclasses
import re
from heapq import heappop

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import pools
from sim.engine.contracts import WeeklyCap
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import load_scenario, scenario_from_text
from sim.outputs.contract_invariants import check_contract
from sim.outputs.invariants import check_capacity_and_work
from sim.outputs.queue_jobs import ConservationError, InvariantError, Jobs, occupancy, queue_jobs
from sim.outputs.results import Results
from tests import faults
from tests.faults import broken_serve

# Three specialists on 45 open hours a week, about 90% busy while open, a fifth of the
# cases urgent: a queue forms every morning, and both classes wait in it.
LOADED = """
name: loaded
simulation: {start: 2026-01-05, horizon_days: 42, warmup_days: 0, seed: 5}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 6300
  mix:
    specialty: {oncology: 1.0}
    channel: {online: 1.0}
    payer: {self: 1.0}
    priority: {urgent: 0.2, routine: 0.8}
triage: {policy: direct}
payers: {self: {}}
pools:
  p:
    kind: outsourced
    calendar: business
    specialists: {oncology: 3}
    review: {dist: exponential, mean: 1.0, unit: hours}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""


def kpis_of_run():  # noqa: ANN201
    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    return plan, rep, Results(plan, [rep], 1).kpis


def test_correct_engine_passes() -> None:
    plan, rep, k = kpis_of_run()
    c = rep.records
    waited = (c.seize_h - c.queue_h) > 0
    assert waited.sum() > 100  # the scenario really queues ...
    assert (waited & (rep.cases.priority == 0)).sum() > 20  # ... urgent cases too
    assert k["arrivals"].iloc[0] == k["delivered"].iloc[0] + k["in_system_end"].iloc[0]


def test_idle_server_breaks_work_conservation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools.SpecialistQueue, "serve", broken_serve(idle_h=0.01))
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ waited .* while 1 of "
                                             r"3 specialists were idle \(work conservation"):
        kpis_of_run()


def test_lifo_breaks_first_come_first_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools.SpecialistQueue, "serve", broken_serve(lifo=True))
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ was taken .* before "
                                             r"case \d+ .*first come, first served broken"):
        kpis_of_run()


def test_ignoring_priority_breaks_discipline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pools.SpecialistQueue, "serve", broken_serve(ignore_priority=True))
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ of priority 1 was "
                                             r"taken .* while case \d+ of priority 0, served "
                                             r"first, had been waiting .*priority broken"):
        kpis_of_run()


THREE_CLASSES = ["priorities={stat: {}, urgent: {}, routine: {}}",
                 "demand.mix.priority={stat: 0.2, urgent: 0.3, routine: 0.5}"]


@pytest.mark.parametrize("swapped", [False, True])
def test_three_classes_each_before_the_next(monkeypatch: pytest.MonkeyPatch,
                                            swapped: bool) -> None:
    """The priority check holds every class before the classes served after it, not only the
    first: a queue that serves the third class in the second's place breaks it."""
    if swapped:
        monkeypatch.setattr(pools.SpecialistQueue, "serve", broken_serve(swap=(1, 2)))
    plan = build_plan(scenario_from_text(LOADED, overrides=THREE_CLASSES))
    rep = simulate(plan, 1)
    waited = (rep.records.seize_h - rep.records.queue_h) > 0.5
    assert all(waited[rep.cases.priority == k].sum() > 20 for k in range(3))
    if not swapped:
        _ = Results(plan, [rep], 1).kpis  # the correct engine passes
        return
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ of priority 2 was "
                                             r"taken .* while case \d+ of priority 1, served "
                                             r"first, had been waiting since .* \(priority "
                                             r"broken\)"):
        _ = Results(plan, [rep], 1).kpis


def test_one_server_too_many_breaks_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    init = pools.SpecialistQueue.__init__

    def one_more(self, env, name, servers, calendar, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        init(self, env, name, servers + 1, calendar, *args, **kwargs)
        self._idle = [0, *range(servers - 1, -1, -1)]  # the extra one reuses specialist 0's id

    monkeypatch.setattr(pools.SpecialistQueue, "__init__", one_more)
    with pytest.raises(InvariantError, match=r"queue p/oncology: 4 cases in service .* has 3 "
                                             r"specialists \(capacity broken; first offending "
                                             r"case \d+\)"):
        kpis_of_run()


def test_review_through_closed_hours_breaks_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    def work_around_the_clock(self, i, effort_h, seize, start, end):  # noqa: ANN001, ANN202
        now = self.env.now
        seize[i] = start[i] = now
        end[i] = now + effort_h  # the calendar is ignored
        return self.env.timeout(effort_h)

    monkeypatch.setattr(pools.SpecialistQueue, "_work", work_around_the_clock)
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ was worked from .* "
                                             r"\(work outside calendar hours\)"):
        kpis_of_run()


def test_lost_opinion_breaks_conservation() -> None:
    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    done = np.flatnonzero(rep.records.review_end_h < plan.horizon_h)
    rep.records.review_end_h[done[0]] = np.nan  # an opinion the records lost
    with pytest.raises(ConservationError, match=r"replication 0: \d+ cases arrived \(demand\).*"
                                                r"were delivered \(timestamps\)"):
        _ = Results(plan, [rep], 1).kpis


def test_case_lost_in_a_queue_breaks_the_end_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that drops the next waiting case instead of taking it: counts still agree."""
    serve = broken_serve()
    dropped = []

    def drop_one(self, i, effort_h, priority, seize, start, end, who=None,  # noqa: ANN001, ANN202
                 patience_h=None):  # noqa: ANN001
        if not dropped and self._queue and self.env.now > 24 * 20:
            *_, p = heappop(self._queue)  # the case vanishes from the queue, uncounted
            self.waiting[p] -= 1
            dropped.append(p)
        return (yield from serve(self, i, effort_h, priority, seize, start, end, who))

    monkeypatch.setattr(pools.SpecialistQueue, "serve", drop_one)
    with pytest.raises(InvariantError, match=r"queue p/oncology: .*(waited|at the horizon)"):
        kpis_of_run()


PATIENT = ["abandonment={specialist: {default: {dist: exponential, mean: 2, unit: hours}}}"]
RECORDS_PATIENCE = [
    "intake={digital: {dist: exponential, mean: 8, unit: hours}, paper: {dist: fixed, value: 1, "
    "unit: days}, digital_share: {online: 1.0}}",
    "abandonment={records: {default: {dist: exponential, mean: 12, unit: hours}}}"]


@pytest.mark.parametrize("lost", ["give-up", "status"])
def test_a_give_up_the_status_misses_breaks_conservation(lost: str) -> None:
    """The engine counts its give-ups; the case table's status must say the same.

    A patient who gives up waiting for records never reaches a queue, so only the sum of
    arrivals holds the status to the engine: a give-up the records lost (the case reads as
    still in the system), or one they invent for a case that never reached a queue."""
    plan = build_plan(scenario_from_text(LOADED, overrides=RECORDS_PATIENCE))
    rep = simulate(plan, 1)
    r = rep.records
    assert rep.counts.abandoned > 20  # patients really give up at records
    _ = Results(plan, [rep], 1).kpis  # the records as the engine wrote them pass
    if lost == "give-up":
        i = np.flatnonzero(r.abandon_stage >= 0)[0]
        r.abandon_stage[i], r.abandoned_h[i] = -1, np.nan
    else:  # a case still collecting its records at the horizon
        i = np.flatnonzero((r.abandon_stage < 0) & np.isnan(r.queue_h))[-1]
        r.abandon_stage[i], r.abandoned_h[i] = 0, plan.horizon_h - 1
    with pytest.raises(ConservationError, match=r"replication 0: .* \d+ given up, .* and \d+ "
                                                r"are abandoned \(status\)"):
        _ = Results(plan, [rep], 1).kpis


def _kpis_with_give_ups():  # noqa: ANN202
    plan = build_plan(scenario_from_text(LOADED, overrides=PATIENT))
    rep = simulate(plan, 1)
    return plan, rep, Results(plan, [rep], 1).kpis


def test_queue_length_process_matches_the_engine_with_give_ups() -> None:
    plan, rep, k = _kpis_with_give_ups()
    assert k["abandoned"].iloc[0] > 50  # patients really give up in the queue
    sampled = rep.counts.waiting[:, 0]
    assert len(sampled) == int(plan.horizon_h) and sampled.max() > 2


def test_patients_counted_after_they_left_break_the_end_state(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue's count when the run stops, against the timestamps; the message gives both
    counts (worked out here from the records) and the first case open at the horizon."""
    faults.gone_at_the_horizon_still_counted(monkeypatch)
    plan = build_plan(scenario_from_text(LOADED, overrides=PATIENT))
    rep = simulate(plan, 1)
    r, h = rep.records, plan.horizon_h
    joined, taken, ended = r.queue_h < h, r.seize_h < h, r.review_end_h < h
    left = r.abandoned_h < h
    waiting = int(np.count_nonzero(joined & ~taken & ~left))
    serving = int(np.count_nonzero(taken & ~ended))
    first_open = int(np.flatnonzero(joined & ~ended & ~left)[0])
    engine = rep.counts.end_state[0]
    assert engine[0] > waiting and engine[1] == serving  # the fault: gone, still counted
    with pytest.raises(ConservationError, match=re.escape(
            f"replication 0, queue p/oncology: at the horizon the timestamps show {waiting} "
            f"cases waiting and {serving} in service, but the engine's queue held {engine[0]} "
            f"and {engine[1]} (first open case {first_open})")):
        _ = Results(plan, [rep], 1).kpis


@pytest.mark.parametrize("fault", [faults.give_up_still_counted, faults.waits_end_at_service])
def test_a_wrong_queue_length_breaks_the_queue_length_check(
        monkeypatch: pytest.MonkeyPatch, fault) -> None:  # noqa: ANN001
    """An engine that keeps counting patients who left, and the old measurement (a wait
    ends only at service), both fail the check of the waits against the engine's counts."""
    fault(monkeypatch)
    with pytest.raises(InvariantError, match=r"queue p/oncology: at .* h the case table's "
                                             r"waits show \d+ cases waiting .* engine's queue "
                                             r"held \d+ \(queue length broken"):
        _kpis_with_give_ups()


def test_occupancy_sweep_counts_by_hand() -> None:
    """The sweep against a timeline worked out by hand (two servers, four cases)."""
    join = np.array([0.0, 0.5, 1.0, 1.0])
    seize = np.array([0.0, 0.5, 2.0, 3.0])
    end = np.array([2.0, 3.0, 4.0, np.inf])
    t, waiting, busy = occupancy(join, seize, end)
    assert t.tolist() == [0.0, 0.5, 1.0, 2.0, 3.0, 4.0]
    assert waiting.tolist() == [0, 0, 2, 1, 0, 0]
    assert busy.tolist() == [1, 2, 2, 2, 2, 1]


@pytest.mark.parametrize("n", [0, 2])
def test_occupancy_of_visits_with_no_event_by_the_horizon_is_empty(n: int) -> None:
    """A queue none of whose visits began by the horizon (every time ``inf``), or none at all."""
    never = np.full(n, np.inf)
    assert [x.tolist() for x in occupancy(never, never, never, never)] == [[], [], []]


# ----------------------------------------------------------------------------- contracts
# LOADED with a contract that takes 80 cases a week (about 120 arrive) and holds the rest
# for next week's slot: held cases wait from Monday 00:00 while the specialists are off
# until 08:00, and a backlog builds, so every Monday morning's slot opens onto a queue.
CONTRACT = LOADED.replace(
    "review: {dist: exponential, mean: 1.0, unit: hours}",
    "review: {dist: exponential, mean: 1.0, unit: hours}\n"
    "    contract: {price_per_case_usd: 500, cases_per_week: 80, when_full: queue}")


def contract_run():  # noqa: ANN201
    plan = build_plan(scenario_from_text(CONTRACT))
    rep = simulate(plan, 1)
    return plan, rep, Results(plan, [rep], 1)


def test_contract_queue_passes_from_when_each_slot_opens() -> None:
    """The correct engine passes; the check is not vacuous: cases are held past their week,
    and counted from when they joined (not from their slot), they wait beside idle
    specialists during open hours, which the work-conservation check would flag."""
    plan, rep, res = contract_run()
    _ = res.kpis  # runs every invariant
    cases = res.cases
    r = rep.records
    held = r.slot_open_h > r.queue_h
    assert held.sum() > 100 and (r.slot_open_h[held] % 168 == 0).all()
    jobs = queue_jobs(rep, cases, 0, plan.horizon_h)
    from_join = dataclasses.replace(jobs, slot_h=np.full(len(jobs), np.nan))
    with pytest.raises(InvariantError, match="work conservation broken"):
        check_capacity_and_work("q", from_join, 3, plan.queue_calendar(plan.queues[0]),
                                plan.horizon_h)


def test_late_slot_breaks_work_conservation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract keeps held cases 10 h past their slot (Monday 10:00, not 00:00)."""
    faults.late_slot(monkeypatch, 10.0)
    with pytest.raises(InvariantError, match=r"queue p/oncology: case \d+ waited at "
                                             r"t=\d+\.\d+ h during open hours while [123] of 3 "
                                             r"specialists were idle \(work conservation"):
        _ = contract_run()[2].kpis


def test_slot_ignored_breaks_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    faults.slot_ignored(monkeypatch)
    with pytest.raises(InvariantError, match=r"pool p: case \d+ (was taken at .* before its "
                                             r"slot opened|is case 81 booked).*weekly cap "
                                             r"broken"):
        _ = contract_run()[2].kpis


def test_cap_one_short_holds_cases_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    faults.cap_one_short(monkeypatch)
    with pytest.raises(InvariantError, match=r"pool p: case \d+ joined at .* held until .* "
                                             r"although week \d+ had 79 of 80 cases booked"):
        _ = contract_run()[2].kpis


# In-house oncology on two sessions a week, the clinic and one more (the shipped file has the
# clinic and three): more oncology overflows to the outsourced company, whose contract these
# tests exercise (its weekly cap, held slots, slots given back). With the urgent reserve
# yielding fewer routine cases overflow than under the strict one, so the queueing variant
# uses a cap of 20 a week (at 30 it held too few: 49 in 120 days).
FEWER_SESSIONS = ("pools.in_house.sessions.oncology=[{days: [wed], hours: ['08:00', '12:00']}, "
                  "{days: [thu], hours: ['13:00', '17:00']}]")


@pytest.mark.parametrize("overrides", [(), ("pools.outsourced.contract.when_full=queue",
                                             "pools.outsourced.contract.cases_per_week=20")],
                         ids=["as-shipped", "queue-20-a-week"])
def test_shipped_contract_scenario_passes(overrides: tuple[str, ...]) -> None:
    """``scenarios/sessions_and_contract.yaml`` as shipped (its cap of 60 a week overflows to
    the Bangalore network), and with a cap of 20 a week that queues for next week's slot."""
    s = load_scenario("scenarios/sessions_and_contract.yaml",
                      ["simulation.horizon_days=120", FEWER_SESSIONS, *overrides])
    plan = build_plan(s)
    rep = simulate(plan, 7)
    _ = Results(plan, [rep], 7).kpis  # every invariant, the contract's among them
    r = rep.records
    assert (~np.isnan(r.slot_open_h)).sum() > 400  # the company takes cases under its cap
    held = r.slot_open_h > r.queue_h  # and, queueing, holds some for next week
    assert held.sum() > 100 if overrides else held.sum() == 0
    if overrides:  # some of whom give up before their slot, and give it back
        assert (held & (r.abandoned_h <= r.slot_open_h)).sum() > 20


def test_a_kept_slot_holds_a_case_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract that never takes back a slot a patient gave up holds later cases past a
    week that had room: the check names one."""
    faults.slot_kept(monkeypatch)
    s = load_scenario("scenarios/sessions_and_contract.yaml", [
        "simulation.horizon_days=120", FEWER_SESSIONS, "pools.outsourced.contract.when_full=queue",
        "pools.outsourced.contract.cases_per_week=20"])
    plan = build_plan(s)
    rep = simulate(plan, 7)
    with pytest.raises(InvariantError, match=r"pool outsourced: case \d+ joined at .* held "
                                             r"until .* although week \d+ had \d+ of 20"):
        _ = Results(plan, [rep], 7).kpis


def _jobs(join: list[float], slot: list[float], seize: list[float] | None = None,  # noqa: ANN202
          leave: list[float] | None = None):
    n = len(join)
    seize_h = np.asarray(seize if seize is not None else slot, dtype=float)
    leave_h = np.full(n, np.inf) if leave is None else np.asarray(leave, dtype=float)
    seize_h = np.where(np.isfinite(leave_h), np.inf, seize_h)  # who gave up was not taken
    return Jobs(case=np.arange(n), priority=np.ones(n, dtype=np.int64),
                join_h=np.asarray(join, dtype=float), seize_h=seize_h, end_h=seize_h + 1,
                effort_h=np.ones(n), leave_h=leave_h, slot_h=np.asarray(slot, dtype=float),
                review=np.ones(n, dtype=bool))


@pytest.mark.parametrize(("join", "slot", "seize", "message"), [
    ([1, 2, 3], [1, 2, np.nan], None, "case 2 joined the queue at 3.0000 h without a slot"),
    ([1, 2, 3], [1, 2, 170], None, "case 2 was held until 170.0000 h, not the start of a week"),
    ([1, 2, 3], [1, 2, 3], None, "case 2 is case 3 booked into week 0 .* takes 2 cases a week"),
    ([1, 2], [1, 168], None, "case 1 joined at 2.0000 h and was held until 168.0000 h "
                             "although week 0 had 1 of 2 cases booked"),
    ([1, 2, 3], [1, 2, 168], [1, 2, 100], "case 2 was taken at 100.0000 h before its slot "
                                          "opened at 168.0000 h"),
])
def test_contract_check_by_hand(join: list[float], slot: list[float],
                                seize: list[float] | None, message: str) -> None:
    """Two cases a week: the third of week 0 is held until 168 h; each fault by hand."""
    check_contract("pool v", _jobs([1, 2, 3], [1, 2, 168]), 2, 504.0)  # the correct one
    check_contract("pool v", _jobs([1, 2, 3], [1, 2, np.inf]), 2, 150.0)  # beyond the horizon
    with pytest.raises(InvariantError, match=f"pool v: {message}"):
        check_contract("pool v", _jobs(join, slot, seize), 2, 504.0)


def test_a_slot_given_back_is_booked_again() -> None:
    """One case a week: case 1 is held for week 1 and gives up at 50 h; case 2, joining at
    60 h, takes the slot it gave back. Held past week 1 instead, it was held with room."""
    inf = np.inf
    check_contract("pool v", _jobs([1, 2, 60], [1, 168, 168], leave=[inf, 50, inf]), 1, 504.0)
    with pytest.raises(InvariantError, match="pool v: case 2 joined at 60.0000 h and was held "
                                             "until 336.0000 h although week 1 had 0 of 1"):
        check_contract("pool v", _jobs([1, 2, 60], [1, 168, 336], leave=[inf, 50, inf]), 1,
                       504.0)
    # ... and a patient who gives up only after case 2 joined still held the slot then
    check_contract("pool v", _jobs([1, 2, 60], [1, 168, 336], leave=[inf, 70, inf]), 1, 504.0)


def _book(cap: WeeklyCap, join: list[float], patience: list[float], give_back: bool
          ) -> tuple[list[float], list[float]]:
    """Slots and give-up instants of cases booked through ``cap`` in time order; a held
    patient whose patience ends before the slot gives it back then (if ``give_back``)."""
    slot, leave, pending = [], [], []  # pending: (give-up instant, slot) to release
    for t, p in zip(join, patience, strict=True):
        for at, s in sorted(pending):
            if at < t:
                cap.release(s)
        pending = [(at, s) for at, s in pending if at >= t]
        s = cap.reserve(t)
        slot.append(s)
        gives_up = s > t and t + p <= s
        leave.append(t + p if gives_up else np.inf)
        if gives_up and give_back:
            pending.append((t + p, s))
    return slot, leave


@settings(max_examples=200, deadline=None)
@given(per_week=st.integers(1, 4), data=st.data())
def test_contract_check_agrees_with_a_cap_that_takes_back_slots(per_week: int,
                                                                data: st.DataObject) -> None:
    """Patients held for a later week who give up first hand their slot back; the check
    passes every such history, and fails the same history booked by a cap that kept the
    given-up slots whenever that made a later case wait longer."""
    n = data.draw(st.integers(1, 40))
    join = sorted(data.draw(st.lists(st.floats(0, 4 * 168 - 1e-3), min_size=n, max_size=n)))
    patience = data.draw(st.lists(st.floats(1.0, 400.0), min_size=n, max_size=n))
    horizon = 8 * 168.0
    slot, leave = _book(WeeklyCap(per_week, True), join, patience, give_back=True)
    check_contract("pool v", _jobs(join, slot, leave=leave), per_week, horizon)
    kept_slot, kept_leave = _book(WeeklyCap(per_week, True), join, patience, give_back=False)
    if kept_slot != slot:
        with pytest.raises(InvariantError, match="held a case with room in the cap"):
            check_contract("pool v", _jobs(join, kept_slot, leave=kept_leave), per_week,
                           horizon)


@settings(max_examples=200, deadline=None)
@given(per_week=st.integers(1, 6), data=st.data())
def test_contract_check_agrees_with_the_weekly_cap(per_week: int, data: st.DataObject) -> None:
    """Any arrival pattern booked through the engine's :class:`WeeklyCap` passes the check;
    letting one held case in at once (ignoring its slot) always breaks the cap."""
    join = sorted(data.draw(st.lists(st.floats(0, 5 * 168 - 1e-3), min_size=1, max_size=60)))
    cap = WeeklyCap(per_week, queue_when_full=True)
    slot = [cap.reserve(t) for t in join]
    horizon = 8 * 168.0
    check_contract("pool v", _jobs(join, slot), per_week, horizon)
    held = [k for k, (j, s) in enumerate(zip(join, slot, strict=True)) if s > j]
    if held:
        k = data.draw(st.sampled_from(held))
        slot[k] = join[k]
        with pytest.raises(InvariantError, match="weekly cap broken"):
            check_contract("pool v", _jobs(join, slot), per_week, horizon)
