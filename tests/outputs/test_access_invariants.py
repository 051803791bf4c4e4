"""Fault injection for the records team and the appointment diaries: each invariant fires.

A loaded scenario (two navigators at about 90% on office hours, a diary at about 80% of its
slots, both priority classes, drop-out at records and at the slot): the correct engine passes
every run invariant (:mod:`sim.outputs.access_invariants`); each broken copy
(:mod:`tests.faults`) stops the KPIs with an :class:`InvariantError` naming the records team
or the diary.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.forked import can_fork
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from sim.outputs.invariants import InvariantError
from sim.outputs.results import Results
from sim.outputs.runner import run
from tests import faults

LOADED = """
name: loaded_access
simulation: {start: 2026-01-05, horizon_days: 70, warmup_days: 0, seed: 3}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 4000
  mix:
    specialty: {oncology: 1.0}
    channel: {in_person: 0.8, online: 0.2}
    payer: {self: 1.0}
    priority: {urgent: 0.2, routine: 0.8}
intake:
  digital: {dist: exponential, mean: 4, unit: hours}
  paper: {dist: uniform, low: 1, high: 3, unit: business_days}
  digital_share: {in_person: 0.0, online: 0.0}
  team:
    navigators: 2
    calendar: business
    handling:
      paper: {dist: exponential, mean: 1, unit: hours}
      rerequest: {dist: uniform, low: 0.2, high: 0.4, unit: hours}
incomplete_records:
  share: {in_person: 0.3, online: 0.3}
  request: {dist: fixed, value: 1, unit: business_days}
triage: {policy: direct}
payers: {self: {}}
pools:
  p:
    kind: in_house
    calendar: 24x7
    specialists: {oncology: 4}
    review: {dist: exponential, mean: 1.0, unit: hours}
appointments:
  in_person:
    lead: {dist: exponential, mean: 2, unit: days}
    lead_by_priority: {urgent: {dist: fixed, value: 0, unit: hours}}
    slots_per_week: {p: 42}
abandonment:
  records: {default: {dist: exponential, mean: 20, unit: days}}
  appointment: {default: {dist: exponential, mean: 10, unit: days}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""


def kpis_of_run():  # noqa: ANN201
    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    return plan, rep, Results(plan, [rep], 1).kpis


def test_correct_engine_passes() -> None:
    plan, rep, k = kpis_of_run()
    log, r = rep.records_team, rep.records
    waited = log.seize_h - log.join_h > 0
    assert waited.sum() > 200 and (waited[:, rep.cases.priority == 0]).sum() > 30
    assert (~np.isnan(log.join_h[1])).sum() > 100  # second requests too
    slot_wait = r.queue_h - r.appointment_ready_h
    assert (slot_wait > 24).sum() > 50  # cases wait for slots ...
    assert (r.abandon_stage == 2).sum() > 10 and (r.abandon_stage == 0).sum() > 10  # ... give up
    assert 0.8 < k["records_team.utilisation"].iloc[0] < 0.97
    assert 0.75 < k["slots.p/in_person.utilisation"].iloc[0] <= 1.0


@pytest.mark.parametrize(("fault", "message"), [
    (faults.navigators_ignore_priority, "records team: routine case .* urgent case .* "
                                        r"\(priority broken\)"),
    (faults.one_navigator_too_many, r"records team: 3 cases in service .* \(capacity broken"),
    (faults.records_wait_from_pickup, r"records team: case \d+'s first records .* \(records "
                                      "order broken\\)"),
    (faults.diary_loses_slots, r"diary p/in_person: case \d+ waited .* went to nobody"),
    (faults.diary_double_books, r"diary p/in_person: two cases took the slot .* \(slot "
                                r"capacity broken\)"),
    (faults.diary_ignores_priority, r"diary p/in_person: routine case .* \(priority broken\)"),
], ids=["team-fifo", "team-extra-navigator", "team-records-early", "diary-lost-slot",
        "diary-double-booked", "diary-fifo"])
def test_fault_is_caught(monkeypatch: pytest.MonkeyPatch, fault, message: str) -> None:  # noqa: ANN001
    fault(monkeypatch)
    with pytest.raises(InvariantError, match=message):
        kpis_of_run()


@pytest.mark.skipif(not can_fork(), reason="needs fork and a single thread")
def test_fault_is_caught_when_replications_run_side_by_side(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked workers check each replication themselves (sim.outputs.runner): the records
    team's and the diaries' invariants must run there too, not only in Results.check."""
    faults.diary_double_books(monkeypatch)
    with pytest.raises(InvariantError, match=r"diary p/in_person: two cases took the slot"):
        run(scenario_from_text(LOADED), replications=2, workers=2).check()


def test_a_case_the_team_holds_at_the_horizon_must_be_in_the_system() -> None:
    """check_team_in_system against a case table that calls a held case delivered."""
    from sim.outputs.access_invariants import check_team_in_system, team_jobs
    from sim.outputs.invariants import ConservationError
    from sim.outputs.results import case_table

    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    cases = case_table(plan, rep)
    jobs = team_jobs(rep, rep.cases.priority, plan.horizon_h)
    check_team_in_system("team", jobs, cases, plan.horizon_h)  # the engine's table passes
    held = jobs.case[(jobs.join_h < plan.horizon_h) & ~(jobs.end_h < plan.horizon_h)
                     & np.isnan(cases["abandoned_h"].to_numpy()[jobs.case])]
    assert len(held)
    broken = cases.copy()
    broken.loc[held[0], "status"] = "delivered"
    with pytest.raises(ConservationError, match=rf"case {held[0]} is held by the records "
                                                r"team .* says delivered"):
        check_team_in_system("team", jobs, broken, plan.horizon_h)
