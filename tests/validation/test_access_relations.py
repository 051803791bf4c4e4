"""Metamorphic relations of the records team and the appointment diaries (common random numbers).

Each relation runs the baseline twice on the same seed, changing one input, and states the
direction a domain expert expects and why. On the code before the records team and the
diaries (records and appointments were drawn delays) the demand relations failed (at four
times the demand the records stage went 68.2 -> 66.8 h and the appointment wait 121.7 ->
118.8 h, 3 replications), the urgent one failed (appointment medians 10.2 d urgent, 10.9 d
routine), and the navigator and slot relations could not even be stated.
"""

from __future__ import annotations

import pytest

import sim

BASE = ["simulation.horizon_days=150", "simulation.warmup_days=14"]


def _kpis(*sets: str) -> dict[str, float]:
    res = sim.run(sim.load_scenario("scenarios/baseline.yaml", [*BASE, *sets]), seed=11,
                  replications=1)
    return res.kpis.iloc[0].to_dict()


RELATIONS = [
    # (name, base settings, changed settings, KPI, expected sign of changed - base, reason)
    ("more_navigators_shorter_records_wait", ["intake.team.navigators=1"],
     ["intake.team.navigators=3"], "stage_h.intake", -1,
     "a third navigator takes requests the others would leave waiting"),
    ("more_navigators_shorter_wait_for_a_navigator", ["intake.team.navigators=1"],
     ["intake.team.navigators=3"], "records_team.wait_h.mean", -1,
     "the wait for a navigator is what staff shortens"),
    ("more_demand_longer_records_wait", [], ["demand.cases_per_year=46000"],
     "records_team.wait_h.mean", +1, "four times the requests for the same navigators"),
    ("more_demand_longer_appointment_wait", [], ["demand.cases_per_year=46000"],
     "appointment_wait_h.routine.mean", +1, "four times the bookings for the same slots"),
    ("more_slots_shorter_appointment_wait", ["appointments.in_person.slots_per_week.in_house=60"],
     ["appointments.in_person.slots_per_week.in_house=120"], "appointment_wait_h.routine.mean",
     -1, "twice the slots: the next free one comes sooner"),
    ("fewer_slots_more_give_up_at_appointment", [],
     ["appointments.in_person.slots_per_week.in_house=45"], "abandoned_share.appointment", +1,
     "fewer slots than bookings: a queue grows and patients leave it"),
]


@pytest.mark.parametrize(("name", "base", "changed", "kpi", "sign", "reason"), RELATIONS,
                         ids=[r[0] for r in RELATIONS])
def test_relation(name: str, base: list[str], changed: list[str], kpi: str, sign: int,
                  reason: str) -> None:
    before, after = _kpis(*base)[kpi], _kpis(*base, *changed)[kpi]
    assert sign * (after - before) > 0, f"{name}: {kpi} {before:.4g} -> {after:.4g} ({reason})"


def test_urgent_appointment_wait_below_routine() -> None:
    """Urgent cases book at short notice and take the first free slot before routine ones."""
    k = _kpis()
    assert k["appointment_wait_h.urgent.p50"] < k["appointment_wait_h.routine.p50"] / 3
    assert k["appointment_wait_h.urgent.mean"] < k["appointment_wait_h.routine.mean"] / 3


def test_urgent_records_wait_below_routine_when_navigators_are_short() -> None:
    """With one navigator a queue forms: urgent requests are taken first."""
    k = _kpis("intake.team.navigators=1")
    assert k["records_team.wait_h.urgent"] < k["records_team.wait_h.routine"] / 2
