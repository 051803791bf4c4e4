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
    (faults.navigators_ignore_priority, "records team: case .* of priority 1 .* of priority 0, "
                                        r".* \(priority broken\)"),
    (faults.one_navigator_too_many, r"records team: 3 cases in service .* the queue has 2 "
                                    r"navigators \(capacity broken"),
    (faults.records_wait_from_pickup, r"records team: case \d+'s first records .* \(records "
                                      "order broken\\)"),
    (faults.diary_loses_slots, r"diary p/in_person: case \d+ waited .* went to nobody"),
    (faults.diary_double_books, r"diary p/in_person: two cases took the slot .* \(slot "
                                r"capacity broken\)"),
    (faults.diary_ignores_priority, r"diary p/in_person: case .* of priority 1 .* "
                                    r"\(priority broken\)"),
    (faults.one_navigator_too_few, r"records team: case \d+ waited at t=.* h during open "
                                   r"hours while 1 of 2 navigators were idle \(work "
                                   r"conservation broken"),
    (faults.navigators_around_the_clock, r"records team: case \d+ was worked from .* \(work "
                                         r"outside calendar hours\)"),
], ids=["team-fifo", "team-extra-navigator", "team-records-early", "diary-lost-slot",
        "diary-double-booked", "diary-fifo", "team-navigator-short", "team-around-the-clock"])
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


# ------------------------------------- faults only one check sees, and what its message says
def _broken_run(monkeypatch: pytest.MonkeyPatch, fault, error=InvariantError):  # noqa: ANN001, ANN202
    """The scenario run under ``fault``: the plan, the replication and the check's message."""
    fault(monkeypatch)
    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    with pytest.raises(error) as caught:
        _ = Results(plan, [rep], 1).kpis
    return plan, rep, str(caught.value)


def _diary(plan, rep):  # noqa: ANN001, ANN202
    """The diary's cases (rows), their slots and when their leads passed, from the records."""
    r = rep.records
    rows = np.flatnonzero(r.diary == 0)
    slot = r.queue_h[rows]
    return f"replication 0, diary {plan.diaries[0].name}", rows, slot, \
        r.appointment_ready_h[rows], slot < plan.horizon_h


def test_a_slot_off_the_diary_s_times_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every slot a quarter of an hour late: the first case given one (by row) is named."""
    plan, rep, message = _broken_run(monkeypatch, faults.diary_off_the_grid)
    where, rows, slot, _, given = _diary(plan, rep)
    i = np.flatnonzero(given)[0]
    assert message == (f"{where}: case {rows[i]} was given a slot at {slot[i]:.4f} h, not one "
                       "of the diary's slot times (slot capacity broken)")


def test_a_slot_before_the_lead_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, rep, message = _broken_run(monkeypatch, faults.diary_ignores_the_lead)
    where, rows, slot, ready, given = _diary(plan, rep)
    early = np.flatnonzero(given & (slot < ready - 1e-6))
    assert len(early) > 10
    i = early[0]
    assert message == (f"{where}: case {rows[i]} took a slot at {slot[i]:.4f} h before its "
                       f"lead passed at {ready[i]:.4f} h")


def test_a_diary_that_counts_the_gone_breaks_its_end_state(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The timestamps' count of cases waiting for a slot at the horizon, worked out here from
    the records: booked by then, given no slot and not gone by then."""
    from sim.outputs.invariants import ConservationError

    plan, rep, message = _broken_run(monkeypatch, faults.diary_counts_the_gone,
                                     ConservationError)
    where, rows, slot, _, given = _diary(plan, rep)
    r, h = rep.records, plan.horizon_h
    waiting = int(np.count_nonzero((r.appointment_start_h[rows] < h) & ~given
                                   & ~(r.abandoned_h[rows] < h)))
    held = rep.counts.diary_end[0]
    assert held > waiting
    assert message == (f"{where}: at the horizon the timestamps show {waiting} cases waiting "
                       f"for a slot, but the diary held {held}")


@pytest.mark.parametrize("broken", ["second request joins late", "records complete early"])
def test_a_second_request_out_of_order_is_caught(broken: str) -> None:
    """A second request joins the team when the first records are in, and the records are
    complete only once its work is done (a records log edited after the run, as the
    records-order check reads it)."""
    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    log = rep.records_team
    i = int(np.flatnonzero(log.end_h[1] < plan.horizon_h)[0])  # a second request done
    where = "replication 0, records team"
    if broken == "second request joins late":
        log.join_h[1, i] += 0.001
        want = (f"{where}: case {i}'s second request joined the team at {log.join_h[1, i]:.4f} "
                f"h, but its first records were in at {log.first_records_h[i]:.4f} h (records "
                "order broken)")
    else:
        log.complete_h[i] = log.end_h[1, i] - 1.0
        want = (f"{where}: case {i}'s records were complete at {log.complete_h[i]:.4f} h, "
                f"before its second request's work ended at {log.end_h[1, i]:.4f} h (records "
                "order broken)")
    with pytest.raises(InvariantError) as caught:
        _ = Results(plan, [rep], 1).kpis
    assert str(caught.value) == want


def test_a_slot_taken_twice_is_named_by_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, rep, message = _broken_run(monkeypatch, faults.diary_double_books)
    where, _, slot, _, given = _diary(plan, rep)
    times = np.sort(slot[given])
    first = times[np.flatnonzero(np.diff(times) == 0)[0]]
    assert message == f"{where}: two cases took the slot at {first:.4f} h (slot capacity broken)"


def test_the_team_s_own_count_at_the_horizon_is_checked() -> None:
    """The team's count of cases waiting and in hand when the run stopped, one too many."""
    import dataclasses

    from sim.outputs.invariants import ConservationError

    plan = build_plan(scenario_from_text(LOADED))
    rep = simulate(plan, 1)
    waiting, held = rep.records_team.end_state
    rep = dataclasses.replace(rep, records_team=dataclasses.replace(
        rep.records_team, end_state=(waiting + 1, held)))
    with pytest.raises(ConservationError, match=(
            rf"^replication 0, records team: at the horizon the timestamps show {waiting} cases "
            rf"waiting and {held} in service, but the engine's queue held {waiting + 1} and "
            rf"{held} \(first open case \d+\)$")):
        _ = Results(plan, [rep], 1).kpis


def test_a_records_team_without_drop_out_passes() -> None:
    """No patient gives up: the case table has no give-up columns for the team's in-system
    check to read, and the checks pass on the correct engine all the same."""
    plan = build_plan(scenario_from_text(LOADED, overrides=["abandonment=null"]))
    rep = simulate(plan, 1)
    res = Results(plan, [rep], 1)
    assert "abandoned_h" not in res.cases
    assert (rep.records_team.end_state[0] + rep.records_team.end_state[1]) > 0  # held at the end
    _ = res.kpis  # every check, the team's included
