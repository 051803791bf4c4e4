"""Growth that needs hiring: the head-count ledger by hand, and a hiring search."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.engine.plan import build_plan
from sim.engine.rosters import schedules
from sim.experiment.hiring import plan_hiring
from sim.loading import scenario_from_text
from sim.scenario.errors import ScenarioError
from sim.timeline import format_timeline, run_timeline, year_scenario
from sim.timeline.headcounts import head_counts, year_with_staff

BASE = """
name: growth
simulation: {start: 2026-01-05, horizon_days: 365, warmup_days: 7, seed: 2, replications: 2}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 1500
  mix: {specialty: {oncology: 0.7, cardiology: 0.3}, channel: {online: 1}, payer: {anyone: 1}}
triage: {policy: direct}
payers: {anyone: {}}
pools:
  centre:
    kind: in_house
    calendar: business
    specialists: {oncology: 4, cardiology: 2}
    review: {dist: exponential, mean: 3, unit: hours}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
timeline:
  first_year: 2026
  last_year: 2028
  hiring:
    lead_time_months: 6
    attrition_per_year: 0.25
    plan: {2027: {centre/oncology: 2}}
"""


def test_ledger_by_hand() -> None:
    s = scenario_from_text(BASE)
    ledger = head_counts(s, 2026, 2028)
    assert ledger.starts == {2026: 0, 2027: 365, 2028: 730, 2029: 1096}
    h = ledger.heads["centre/oncology"]
    # 2026: 4 at the start, 0.25 x 4 = 1 leaves mid-year (day 182)
    assert h[181] == 4 and h[182] == 3
    # 2027: expected leavers 1 + 0.75 = 1.75 -> 2 in all, so 1 more at day 365 + 182;
    # the 2 hires decided on 5 January 2027 arrive 6 months (183 days) later, day 548
    assert h[546] == 3 and h[547] == 2 and h[548] == 4
    # 2028: 1.75 + 0.25 x 4 = 2.75 -> 3 in all: one more, mid-year (day 730 + 183)
    assert h[912] == 4 and h[913] == 3 and h[-1] == 3
    t = ledger.table.set_index(["queue", "year"])
    assert t.loc[("centre/oncology", 2027), ["hires_decided", "arrived", "left",
                                              "heads_start", "heads_end"]].tolist() == \
        [2, 2, 1, 3, 4]
    # cardiology from 2: expected leavers 0.5 (rounds to 1, mid-2026), then 0.75 and 1.0 in
    # all (still 1): nobody else leaves
    c = t.loc["centre/cardiology"]
    assert c["left"].tolist() == [1, 0, 0] and c["heads_end"].tolist() == [1, 1, 1]


def test_year_scenario_carries_the_ledger_into_the_engine() -> None:
    s = scenario_from_text(BASE)
    ledger = head_counts(s, 2026, 2028)
    y, _ = year_scenario(s, s.timeline, 2027)
    y = year_with_staff(y, ledger, 2027)
    assert y.simulation.start == dt.date(2027, 1, 5)
    assert y.pools["centre"].specialists["oncology"] == 4  # the year's most
    plan = build_plan(y)
    onc = next(q for q in plan.queues if q.name == "centre/oncology")
    by_day = schedules(plan, seed=2, replication=0)[onc.index]
    np.testing.assert_array_equal(by_day, ledger.heads["centre/oncology"][365:730])


def test_timeline_follows_the_plan_and_prints_it() -> None:
    s = scenario_from_text(BASE, overrides=["simulation.horizon_days=60",
                                            "simulation.replications=1"])
    tl = run_timeline(s)
    assert tl.staff is not None and set(tl.staff["year"]) == {2026, 2027, 2028}
    text = format_timeline(tl)
    assert "Specialists per queue" in text and "+2" in text


def test_hiring_search_keeps_p90_under_target() -> None:
    s = scenario_from_text(BASE, overrides=[
        "simulation.horizon_days=91", "timeline.hiring.plan={}",
        "timeline.hiring.attrition_per_year=0.4", "demand.cases_per_year=2600"])
    res = plan_hiring(s, target_h=100, replications=2)
    assert res.met, res.years
    assert sum(n for v in res.plan.values() for n in v.values()) >= 1
    # decided a year ahead (lead 6 months: productive by the next year's start)
    assert all(y < 2028 for y in res.plan)
    # check independently: the timeline with the found plan meets the target every year
    found = s.model_copy(update={"timeline": s.timeline.model_copy(update={
        "hiring": res.hiring})})
    tl = run_timeline(found, replications=2)
    p90 = tl.kpis.groupby("year")["time_to_opinion_h.p90"].mean()
    assert (p90 <= 100).all()
    assert "decide" in res.text() and "2026" in res.text()


@pytest.mark.parametrize("override, message", [
    ("timeline.hiring.plan={2030: {centre/oncology: 1}}", "outside the timeline"),
    ("timeline.hiring.plan={2027: {centre/neuro: 1}}", "unknown queue"),
    ("timeline.scale_staff=true", "scale_staff and hiring"),
    ("timeline.hiring.attrition_per_year=1", "less than 1"),
])
def test_bad_hiring_is_refused(override: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(BASE, overrides=[override])


def test_cli_prints_a_year_by_year_plan(tmp_path, capsys) -> None:
    from sim.cli import main

    path = tmp_path / "growth.yaml"
    path.write_text(BASE, encoding="utf-8")
    out = tmp_path / "plan"
    assert main(["hiring", str(path), "--target-p90-hours", "150", "--years", "2026-2027",
                 "--attrition", "0.5", "--replications", "2", "--quiet", "--out", str(out),
                 "--set", "simulation.horizon_days=60", "--set", "timeline.hiring.plan={}"]) == 0
    said = capsys.readouterr().out
    assert "Hiring plan" in said and "2026:" in said and "2027:" in said
    assert "Specialists per queue" in said
    assert (out / "staff.csv").is_file() and (out / "hiring_plan.csv").is_file()
    assert main(["hiring", str(path), "--target-p90-hours", "-1"]) == 2


CLINIC = ["demand.mix.channel={online: 0.6, clinic: 0.4}",
          "appointments={clinic: {dist: fixed, value: 20, unit: days}}"]


def test_a_target_on_one_channel_hires_for_its_cases_where_all_cases_cannot_be_helped() -> None:
    """A clinic channel waits 20 days for its appointment, which no specialist shortens: a
    p90 under 100 h over all cases cannot be had by hiring, but over the online cases it
    can, and the hires go where those cases wait."""
    s = scenario_from_text(BASE, overrides=[
        "simulation.horizon_days=91", "timeline.hiring.plan={}", "timeline.last_year=2027",
        "timeline.hiring.attrition_per_year=0.4", "demand.cases_per_year=2600", *CLINIC])
    everyone = plan_hiring(s, target_h=100, replications=2)
    assert not everyone.met and "not attainable by hiring" in everyone.years["note"].iloc[0]
    online = plan_hiring(s, target_h=100, replications=2,
                         kpi="channel.online.time_to_opinion_h.p90")
    assert online.met, online.years
    assert sum(n for v in online.plan.values() for n in v.values()) >= 1
    assert "p90 time to opinion of online cases <= 100 h" in online.text()
    # check independently: the online cases' p90 of the found plan, from the timeline
    found = s.model_copy(update={"timeline": s.timeline.model_copy(update={
        "hiring": online.hiring})})
    tl = run_timeline(found, replications=2)
    assert (tl.kpis.groupby("year")["channel.online.time_to_opinion_h.p90"].mean() <= 100).all()


def test_an_unknown_hiring_kpi_is_refused_with_the_close_names(tmp_path, capsys) -> None:
    from sim.cli import main

    path = tmp_path / "growth.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert main(["hiring", str(path), "--target-p90-hours", "100",
                 "--kpi", "channel.onlin.time_to_opinion_h.p90"]) == 2
    said = capsys.readouterr().err
    assert "did you mean 'channel.online.time_to_opinion_h.p90'" in said
    with pytest.raises(ValueError, match="unknown hiring KPI"):
        plan_hiring(scenario_from_text(BASE), target_h=100, kpi="time_to_opinion_h.p50")
