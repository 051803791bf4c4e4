"""Drop-out in a specialist queue without a timer per case, on hand-computed timelines.

A waiting case's give-up instant (join + patience) is known when it joins; the queue
removes it when it next looks (a server frees, the head-count changes, routing reads the
queue, the run ends). These tests pin what that must give: the same as a SimPy timer per
case would, including the tie where patience ends exactly when a server frees (SimPy fires
whichever of the two was scheduled first).
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.core.calendar import WorkCalendar
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.engine.pools import SpecialistQueue, Staff
from sim.loading import scenario_from_text
from sim.outputs.results import Results


def _cases(env: simpy.Environment, staff: Staff, plan: list[tuple[float, float, int, float | None]]
           ) -> tuple[list[bool | None], np.ndarray, np.ndarray]:
    """Start one case per (join time, effort, class, patience); return served flags, seize, end."""
    n = len(plan)
    seize, start, end = (np.full(n, np.nan) for _ in range(3))
    served: list[bool | None] = [None] * n

    def case(i: int, at: float, effort: float, prio: int, patience: float | None):  # noqa: ANN202
        yield env.timeout(at)
        served[i] = yield from staff.serve(i, effort, prio, seize, start, end, None, patience)

    for i, row in enumerate(plan):
        env.process(case(i, *row))
    return served, seize, end


def test_patience_ending_as_the_server_frees_it_was_already_busy_for_is_served() -> None:
    # A: 0-10. B joins at 1 with 9 h of patience: gives up at 10, when A's server frees.
    # The server's finish was scheduled at 0, before B joined: it hands over first.
    env, left = simpy.Environment(), []
    staff = Staff(env, 1, WorkCalendar.always(), on_give_up=lambda i, t: left.append((i, t)))
    served, seize, end = _cases(env, staff, [(0.0, 10.0, 1, None), (1.0, 2.0, 1, 9.0)])
    env.run()
    assert served == [True, True] and left == []
    assert seize.tolist() == [0.0, 10.0] and end.tolist() == [10.0, 12.0]


def test_patience_ending_as_a_server_frees_that_started_after_it_joined_gives_up() -> None:
    # A: 0-5; B waits from 1 and is served 5-10; C joins at 2 with 8 h: gives up at 10.
    # B's finish was scheduled at 5, after C joined: C's patience runs out first, and
    # C is not served; D (joined at 3, no patience) is, at 10.
    env, left = simpy.Environment(), []
    staff = Staff(env, 1, WorkCalendar.always(), on_give_up=lambda i, t: left.append((i, t)))
    served, seize, end = _cases(env, staff, [(0.0, 5.0, 1, None), (1.0, 5.0, 1, None),
                                             (2.0, 1.0, 1, 8.0), (3.0, 1.0, 1, None)])
    env.run()
    assert served == [True, True, False, True] and left == [(2, 10.0)]
    assert seize.tolist()[:2] == [0.0, 5.0] and np.isnan(seize[2]) and seize[3] == 10.0
    assert staff.waiting == [0, 0] and staff.free == 1


def test_a_case_that_gave_up_while_still_queued_leaves_at_its_instant() -> None:
    # A holds the only server 0-100; B joins at 1 with 5 h: gone at 6, though nobody looks
    # at the queue before the run stops at 20. The end of the run finds it (expire).
    env, left = simpy.Environment(), []
    staff = Staff(env, 1, WorkCalendar.always(), on_give_up=lambda i, t: left.append((i, t)))
    served, seize, _ = _cases(env, staff, [(0.0, 100.0, 1, None), (1.0, 1.0, 1, 5.0),
                                           (2.0, 1.0, 1, 30.0)])
    env.run(until=20)
    assert left == []  # lazily: not yet found out ...
    staff.expire(20.0)
    assert left == [(1, 6.0)]  # ... found at the horizon, recorded at its own instant
    assert staff.waiting == [0, 1] and np.isnan(seize[1])  # C (until 32) still waits


def test_queue_length_leaves_out_a_case_once_its_patience_ran_out() -> None:
    # One specialist, 2 h mean review, 24x7. A (urgent) is served 0-10; B (routine, 3 h of
    # patience) waits from 1 to 4; C (routine) waits from 2.
    env = simpy.Environment()
    q = SpecialistQueue(env, "p/x", 1, WorkCalendar.always(), mean_effort_h=2.0)
    _cases(env, q, [(0.0, 10.0, 0, None), (1.0, 1.0, 1, 3.0), (2.0, 1.0, 1, None)])
    env.run(until=3.5)
    assert q.waiting == [0, 2]
    assert q.expected_wait_h(3.5, 1) == 6.0  # (2 ahead + 1 in service) x 2 h
    env.run(until=4.5)  # B left at 4; nothing in the queue looked since
    assert q.waiting == [0, 1]
    assert q.expected_wait_h(4.5, 1) == 4.0  # (1 ahead + 1) x 2 h


ONE_SPECIALIST = """
name: lazy
simulation: {start: 2026-01-06, horizon_days: 12, warmup_days: 0, seed: 3}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 3000
  mix:
    specialty: {oncology: 1.0}
    channel: {online: 1.0}
    payer: {self: 1.0}
triage: {policy: direct}
payers: {self: {}}
pools:
  p:
    kind: outsourced
    calendar: business
    specialists: {oncology: 1}
    review: {dist: fixed, value: 1.5, unit: hours}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
abandonment:
  specialist: {default: {dist: fixed, value: 30, unit: hours}}
"""


def test_cases_give_up_at_join_plus_patience_and_the_run_conserves_them() -> None:
    plan = build_plan(scenario_from_text(ONE_SPECIALIST))
    rep = simulate(plan, 1)
    r, horizon = rep.records, plan.horizon_h
    gone = ~np.isnan(r.abandoned_h)
    assert gone.sum() > 20  # the queue is overloaded: many give up
    np.testing.assert_array_equal(r.abandoned_h[gone], r.queue_h[gone] + 30.0)
    assert (r.abandoned_h[gone] < horizon).all() and np.isnan(r.seize_h[gone]).all()
    # the run ends on a Sunday: those who gave up over the weekend were found at the horizon
    assert (r.abandoned_h[gone] > np.nanmax(r.seize_h)).any()
    waiting = (r.queue_h < horizon) & np.isnan(r.seize_h) & ~gone
    assert (r.queue_h[waiting] + 30.0 >= horizon).all()
    assert rep.counts.end_state[0][0] == waiting.sum() and rep.counts.abandoned == gone.sum()
    k = Results(plan, [rep], 1).kpis  # every run invariant, conservation included
    assert k["arrivals"].iloc[0] == (k["delivered"].iloc[0] + k["in_system_end"].iloc[0]
                                     + rep.counts.abandoned)
