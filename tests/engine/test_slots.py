"""Appointment diaries (sim.engine.slots): slot times by hand, booking, routing, and the
agreement of the cases booked before the run with those booked in the event loop."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
import yaml

import sim
from sim.core.calendar import WorkCalendar
from sim.engine import pools
from sim.engine.access_specs import DiarySpec
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from sim.outputs.access_invariants import slot_times
from sim.outputs.results import case_table
from sim.scenario import ScenarioError

BUSINESS = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8.0, 17.0)])

DOC = """
name: diary
simulation: {start: 2026-01-05, horizon_days: 60, seed: 9}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 1500
  mix:
    specialty: {oncology: 1.0}
    channel: {in_person: 0.7, online: 0.3}
    payer: {p: 1.0}
    priority: {urgent: 0.2, routine: 0.8}
triage: {policy: direct}
payers: {p: {}}
pools:
  home: {kind: in_house, calendar: business, specialists: {oncology: 3},
         review: {dist: fixed, value: 1, unit: hours}}
  away: {kind: outsourced, calendar: 24x7, specialists: {oncology: 3},
         review: {dist: fixed, value: 1, unit: hours}}
routing: {policy: outsourced_first}
appointments:
  in_person:
    lead: {dist: fixed, value: 1, unit: days}
    lead_by_priority: {urgent: {dist: fixed, value: 0, unit: hours}}
    slots_per_week: {home: 9}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""


def test_slot_times_by_hand() -> None:
    """9 slots a week on Mon-Fri 08:00-17:00: one every 5 working hours, each in the middle
    of its 5 hours: Monday 10:30 and 15:30, Tuesday 11:30 and 16:30, Wednesday 12:30 ..."""
    d = DiarySpec(0, 0, 0, per_week=9.0, calendar=BUSINESS, name="home/in_person")
    expected = [10.5, 15.5, 24 + 11.5, 24 + 16.5, 48 + 12.5]
    assert [d.slot_time(k) for k in range(5)] == pytest.approx(expected)
    assert slot_times(BUSINESS, d.work_per_slot_h, 0.0, 60.0).tolist() == pytest.approx(
        expected[:4])
    assert [d.first_slot_at_or_after(t) for t in (0.0, 10.5, 10.6, 30.0)] == [0, 0, 1, 2]
    assert d.slots_between(0.0, 168.0) == 9  # a whole week


def test_cases_take_slots_after_their_lead_urgent_first() -> None:
    """In-person cases go only to the pool with slots (although routing prefers the other);
    each takes a slot of that diary from its lead on (1 day; urgent 0), one case per slot."""
    res = sim.run(scenario_from_text(DOC), replications=1)
    c = res.cases
    inp = c[c["channel"] == "in_person"]
    assert (inp["pool"].dropna() == "home").all()
    assert (c.loc[c["channel"] == "online", "pool"].dropna() == "away").all()
    booked = inp[inp["appointment_start_h"].notna()]
    lead = np.where(booked["priority"] == "urgent", 0.0, 24.0)
    assert np.allclose(booked["appointment_ready_h"], booked["appointment_start_h"] + lead)
    slot = booked["queue_h"].dropna()
    times = slot_times(BUSINESS, 5.0, 0.0, res.plan.horizon_h)
    assert np.isin(np.round(slot, 9), np.round(times, 9)).all() and slot.is_unique
    k = res.kpis.iloc[0]
    assert k["appointment_wait_h.urgent.mean"] < k["appointment_wait_h.routine.mean"]


def test_booked_before_the_run_or_in_the_loop_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline's diaries with every booking made in the event loop (no route known up
    front) give the same case table as with the bookings made before the run."""
    plan = build_plan(sim.load_scenario("scenarios/baseline.yaml",
                                        ["simulation.horizon_days=90"]))
    up_front = case_table(plan, simulate(plan, 7, 0))
    monkeypatch.setattr(pools.Router, "static_choice", lambda self, *args: -1)
    in_loop = case_table(plan, simulate(plan, 7, 0))
    assert (up_front["appointment_start_h"].notna().sum() > 500)
    for col in up_front.columns:
        a, b = up_front[col].to_numpy(), in_loop[col].to_numpy()
        if a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), col
        else:
            assert up_front[col].equals(in_loop[col]), col


def test_a_case_type_no_pool_with_slots_can_take_is_refused() -> None:
    d = yaml.safe_load(DOC)
    d["payers"]["p"] = {"covers": ["away"]}
    with pytest.raises(ScenarioError, match="in_person oncology cases paid by p cannot reach"):
        scenario_from_text(yaml.safe_dump(d, sort_keys=False))


@pytest.mark.parametrize(("patch", "message"), [
    ({"slots_per_week": {"nowhere": 3}}, "unknown pool 'nowhere'"),
    ({"lead_by_priority": {"vip": {"dist": "fixed", "value": 1, "unit": "hours"}}},
     "unknown priority class 'vip'"),
    ({"slots_per_week": {"home": 0}}, "greater than 0"),
])
def test_bad_diaries_are_refused(patch: dict, message: str) -> None:
    d = yaml.safe_load(DOC)
    d["appointments"]["in_person"].update(patch)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(yaml.safe_dump(d, sort_keys=False))


def test_a_delay_stays_a_delay() -> None:
    """The pure-delay form is kept: a duration under appointments books no diary."""
    d = yaml.safe_load(DOC)
    d["appointments"]["in_person"] = {"dist": "fixed", "value": 2, "unit": "days"}
    res = sim.run(scenario_from_text(yaml.safe_dump(d, sort_keys=False)), replications=1)
    c = res.cases.dropna(subset=["queue_h"])
    inp = c[c["channel"] == "in_person"]
    assert "appointment_diary" not in res.cases and (inp["pool"] == "away").all()
    assert np.allclose(inp["queue_h"] - inp["appointment_start_h"], 48.0)
