"""The vectorised paths and the event-loop paths of the engine give the same records.

When nothing before routing is shared (``direct`` matching, or AI triage of unlimited
capacity for every case), :func:`sim.engine.triage.front_end` computes triage, matching and
pre-authorisation for all cases at once, and :meth:`Model._appointments_up_front` the
appointment waits of the cases matched right; otherwise :meth:`TriageDesk.front` and
:meth:`Model._appointment` do the same case by case in the event loop. Both are checked by
hand elsewhere; here each scenario variant and seed runs three ways (everything up front;
appointments in the loop; everything in the loop) and every array of the records must be
(with appointment diaries, the bookings :class:`sim.engine.slots.Appointments` makes before
the run against those the journey makes in the loop)
identical: every code, index, server, NaN and time bit for bit.

Found by this test once: a pre-authorisation delay computed up front ended at
``delay_end(first, hours)``, while the event loop's clock after a timeout of ``done - now``
reads ``now + (done - now)``, which differs from ``done`` in the last bit for about one case
in a thousand (7e-15 h). Both vectorised paths now mirror the loop's clock
(``start + (done - start)``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.engine import model, pools
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.engine.records import Records
from sim.loading import scenario_from_text

DOC = """
name: paths
simulation: {start: 2026-01-05, horizon_days: 45, seed: 5, business_calendar: business}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 9000
  profile: {hour_of_day: [0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1, 2, 2, 2, 2,
                          1.5, 2, 2, 2, 1.5, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]}
  mix:
    specialty: {oncology: 0.5, cardiology: 0.3, neurology: 0.2}
    channel: {online: 0.6, in_person: 0.4}
    payer: {self: 0.6, insurer: 0.4}
    priority: {urgent: 0.2, routine: 0.8}
intake:
  digital: {dist: lognormal, mean: 6, sd: 4, unit: hours}
  paper: {dist: uniform, low: 1, high: 4, unit: business_days}
  digital_share: {online: 0.9, in_person: 0.3}
triage:
  policy: ai
  ai: {accuracy: 0.8, calendar: business, service: {dist: exponential, mean: 20, unit: minutes}}
payers:
  self: {}
  insurer: {preauth: {delay: {dist: uniform, low: 0.5, high: 2, unit: business_days},
                      share: 0.6}}
pools:
  in_house: {kind: in_house, calendar: business, specialists: {oncology: 3, cardiology: 2,
             neurology: 1}, review: {dist: lognormal, mean: 2, sd: 1, unit: hours}}
  outsourced: {kind: outsourced, calendar: 24x7, specialists: {oncology: 2, cardiology: 2,
               neurology: 1}, review: {dist: lognormal, mean: 3, sd: 1.5, unit: hours}}
routing: {policy: overflow, overflow_wait_hours: 24}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""

APPOINTMENTS = ("appointments={in_person: {dist: uniform, low: 1, high: 6, unit: business_days},"
                " online: {dist: exponential, mean: 10, unit: hours}}")
PATIENCE = ("abandonment={records: {default: {dist: exponential, mean: 5, unit: days}}, "
            "appointment: {default: {dist: exponential, mean: 3, unit: days}}, "
            "specialist: {default: {dist: exponential, mean: 4, unit: days}}}")
DIARIES = ("appointments={in_person: {lead: {dist: uniform, low: 1, high: 6, unit: business_days},"
           " lead_by_priority: {urgent: {dist: fixed, value: 2, unit: hours}},"
           " slots_per_week: {in_house: 75}}, online: {dist: exponential, mean: 10, unit: hours}}")
TEAM = ("intake.team={navigators: 1, calendar: business, handling: {paper: {dist: exponential, "
        "mean: 1, unit: hours}, rerequest: {dist: fixed, value: 0.25, unit: hours}}}")
INCOMPLETE = ("incomplete_records={share: {in_person: 0.3, online: 0.1}, "
              "request: {dist: uniform, low: 1, high: 3, unit: business_days}}")
VARIANTS = {
    "ai": [],
    "ai, 24x7": ["triage.ai.calendar=24x7"],
    "direct": ["triage.policy=direct"],
    "ai, appointments": [APPOINTMENTS],
    "direct, appointments, drop-out": ["triage.policy=direct", APPOINTMENTS, PATIENCE],
    "ai, appointments, drop-out, incomplete records": [APPOINTMENTS, PATIENCE, INCOMPLETE],
    # appointment diaries (sim.engine.slots) and a records team (sim.engine.records_team)
    "ai, diaries, records team, drop-out, incomplete records": [
        DIARIES, TEAM, PATIENCE, INCOMPLETE],
    "direct, diaries, drop-out": ["triage.policy=direct", DIARIES, PATIENCE],
}


def _records(plan, seed: int, loop_front: bool, loop_slots: bool) -> Records:  # noqa: ANN001
    with pytest.MonkeyPatch.context() as m:
        if loop_front:  # triage, matching and pre-authorisation in the event loop
            m.setattr(model, "front_end", lambda *args: None)
        if loop_slots:  # every appointment wait in the event loop, every diary booking too
            m.setattr(model.Model, "_appointments_up_front", lambda self, ready, h: ready)
            m.setattr(pools.Router, "static_choice", lambda self, *args: -1)
        return simulate(plan, seed).records


def _assert_same(a: Records, b: Records, what: str) -> None:
    for name, values in vars(a).items():
        if isinstance(values, np.ndarray):  # NaNs in the same places, every bit the same
            np.testing.assert_array_equal(getattr(b, name), values, err_msg=f"{what}: {name}")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_vectorised_and_event_loop_paths_give_identical_records(variant: str, seed: int) -> None:
    plan = build_plan(scenario_from_text(DOC, overrides=VARIANTS[variant]))
    up_front = _records(plan, seed, loop_front=False, loop_slots=False)
    assert np.isfinite(up_front.review_end_h).sum() > 200  # the run really reviews cases
    # the appointment waits: bit for bit
    _assert_same(up_front, _records(plan, seed, loop_front=False, loop_slots=True),
                 f"{variant}, seed {seed}, appointments in the loop")
    # triage, matching and pre-authorisation: bit for bit
    _assert_same(up_front, _records(plan, seed, loop_front=True, loop_slots=True),
                 f"{variant}, seed {seed}, everything in the loop")


def test_the_paths_really_differ_in_how_they_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forced paths are taken: up front, front_end fills the records before the loop."""
    plan = build_plan(scenario_from_text(DOC, overrides=[APPOINTMENTS]))
    calls = {"front": 0, "slot": 0}
    front, slot = model.TriageDesk.front, model.Model._appointment

    def counted_front(self, i):  # noqa: ANN001, ANN202
        calls["front"] += 1
        return (yield from front(self, i))

    def counted_slot(self, i, channel):  # noqa: ANN001, ANN202
        calls["slot"] += 1
        return (yield from slot(self, i, channel))

    monkeypatch.setattr(model.TriageDesk, "front", counted_front)
    monkeypatch.setattr(model.Model, "_appointment", counted_slot)
    _records(plan, 1, loop_front=False, loop_slots=False)
    up_front = dict(calls)
    _records(plan, 1, loop_front=True, loop_slots=True)
    assert up_front["front"] == 0 and calls["front"] > 200
    assert calls["slot"] - up_front["slot"] > 5 * max(up_front["slot"], 1)


def test_a_vectorised_path_that_drifts_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """front_end with the AI's calendar ignored (triage ending in closed hours): caught."""
    from sim.core.calendar import WorkCalendar

    plan = build_plan(scenario_from_text(DOC))
    loop = _records(plan, 1, loop_front=True, loop_slots=True)
    front = model.front_end

    def around_the_clock(plan, cases, draws, rec):  # noqa: ANN001, ANN202
        cals = {**plan.calendars, "business": WorkCalendar.always()}
        return front(dataclasses.replace(plan, calendars=cals), cases, draws, rec)

    monkeypatch.setattr(model, "front_end", around_the_clock)
    with pytest.raises(AssertionError, match="triage_"):
        _assert_same(_records(plan, 1, loop_front=False, loop_slots=False), loop, "broken")
