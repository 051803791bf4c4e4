"""Channels as they are: appointment slots and incomplete records, on hand-computed timelines.

One case type, fixed durations, business calendar Mon-Fri 08:00-17:00 and a
24x7 pool with a free specialist, so every timestamp can be computed by hand.
"""

import numpy as np
import pytest
import yaml

import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError

DOC = """
name: access
simulation: {start: 2026-01-05, horizon_days: 60, seed: 4}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 300
  mix:
    specialty: {oncology: 1.0}
    channel: {in_person: 0.5, video: 0.5}
    payer: {p: 1.0}
intake:
  digital: {dist: fixed, value: 4, unit: hours}
  paper: {dist: fixed, value: 4, unit: hours}
  digital_share: {in_person: 1.0, video: 1.0}
triage: {policy: direct}
payers: {p: {}}
pools:
  x: {kind: outsourced, calendar: 24x7, specialists: {oncology: 50},
      review: {dist: fixed, value: 1, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
appointments:
  in_person: {dist: fixed, value: 20, unit: days}
incomplete_records:
  share: {in_person: 1.0}
  request: {dist: fixed, value: 2, unit: business_days}
"""


def _scenario(doc=DOC, **patch):  # noqa: ANN001, ANN003, ANN202
    d = yaml.safe_load(doc)
    d.update(patch)
    return scenario_from_text(yaml.safe_dump(d, sort_keys=False))


def _business_end(t: float, hours: float) -> float:
    """Add working hours on Mon-Fri 08:00-17:00 by walking the clock (the hand computation)."""
    while hours > 1e-12:
        day, tod = int(t // 24), t % 24
        if day % 7 >= 5 or tod >= 17:  # weekend or after hours: next day 08:00
            t = (day + 1) * 24 + 8
            continue
        if tod < 8:
            t = day * 24 + 8
            continue
        step = min(hours, 17 - tod)
        t += step
        hours -= step
    return t


def test_hand_computed_timelines():
    res = sim.run(_scenario(), replications=1)
    c = res.cases[res.cases["status"] == "delivered"]
    assert len(c) > 20
    for row in c.itertuples():
        first = row.arrival_h + 4  # fixed intake
        if row.channel == "in_person":  # incomplete: a second wait of 2 business days (18 h)
            assert row.records_incomplete
            assert row.first_records_h == pytest.approx(first)
            complete = _business_end(first, 18)
            assert row.intake_end_h == pytest.approx(complete)
            assert row.appointment_start_h == pytest.approx(complete)  # direct triage
            assert row.queue_h == pytest.approx(complete + 20 * 24)  # the slot, 20 days later
        else:  # video: complete records, no appointment wait
            assert not row.records_incomplete
            assert row.intake_end_h == pytest.approx(first)
            assert np.isnan(row.appointment_start_h) and row.queue_h == pytest.approx(first)
        assert row.review_end_h == pytest.approx(row.queue_h + 1)  # a free specialist
    k = res.kpis.iloc[0]
    stages = [v for name, v in k.items() if name.startswith("stage_h.")]
    assert sum(stages) == pytest.approx(k["time_to_opinion_h.mean"])
    assert k["stage_h.appointment"] == pytest.approx(
        480 * (c[~c["warmup"]]["channel"] == "in_person").mean())


def test_patients_may_give_up_waiting_for_the_slot():
    s = _scenario(abandonment={"appointment": {"default": {"dist": "fixed", "value": 10,
                                                            "unit": "days"}}})
    res = sim.run(s, replications=1)
    c = res.cases
    gone = c[c["status"] == "abandoned"]
    assert len(gone) and (gone["abandoned_at"] == "appointment").all()
    assert (gone["channel"] == "in_person").all()
    np.testing.assert_allclose(gone["abandoned_h"] - gone["appointment_start_h"], 240)


def test_access_moves_no_other_draw():
    plain = yaml.safe_load(DOC)
    del plain["appointments"], plain["incomplete_records"]
    a = simulate(build_plan(scenario_from_text(yaml.safe_dump(plain, sort_keys=False))), 1)
    b = simulate(build_plan(_scenario()), 1)
    np.testing.assert_array_equal(a.cases.arrival_h, b.cases.arrival_h)
    np.testing.assert_array_equal(a.draws.review_h, b.draws.review_h)
    np.testing.assert_array_equal(a.draws.outcome, b.draws.outcome)


def test_unknown_channels_are_refused():
    with pytest.raises(ScenarioError, match="unknown channel 'fax'"):
        _scenario(appointments={"fax": {"dist": "fixed", "value": 1, "unit": "days"}})


def test_cases_waiting_for_their_slot_at_the_end_say_so():
    res = sim.run(_scenario(), replications=1)
    c = res.cases
    waiting = c[c["appointment_start_h"].notna() & c["queue_h"].isna()]
    assert len(waiting) > 0  # the last 20 days' in-person cases
    assert (waiting["stage_at_end"] == "appointment").all()
    assert (waiting["status"] == "in_system").all()
