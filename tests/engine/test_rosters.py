"""Rosters: sessions are a calendar for the line; absences vary the specialists at work."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.engine.rosters import staff_by_day
from sim.loading import scenario_from_text
from sim.scenario.errors import ScenarioError

BASE = """
name: rosters
simulation: {start: 2026-01-05, horizon_days: 84, warmup_days: 7, seed: 5, replications: 2}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"],
             holidays: [2026-01-20, 2026-02-17]}
  tue_thu: {days: [tue, thu], hours: ["08:00", "12:00"], holidays: [2026-01-20, 2026-02-17]}
demand:
  cases_per_year: 2600
  mix: {specialty: {oncology: 0.6, cardiology: 0.4}, channel: {online: 1}, payer: {anyone: 1},
        priority: {urgent: 0.2, routine: 0.8}}
triage: {policy: direct}
payers: {anyone: {}}
pools:
  centre:
    kind: in_house
    calendar: business
    specialists: {oncology: 6, cardiology: 3}
    review: {dist: lognormal, mean: 1.5, sd: 0.6, unit: hours}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""

SESSIONS = "pools.centre.sessions={oncology: [{days: [tue, thu], hours: ['08:00', '12:00']}]}"


def _tables(s):  # noqa: ANN001, ANN202
    res = sim.run(s)
    return res.cases, res.kpis


def test_sessions_equal_the_equivalent_calendar() -> None:
    """Oncology on two 4-hour sessions = a separate oncology pool on a Tue/Thu calendar."""
    on_sessions = scenario_from_text(BASE, overrides=[SESSIONS])
    # the same, written with a calendar: oncology in its own pool on tue_thu 08-12
    as_calendar = scenario_from_text(BASE, overrides=[
        "pools.centre.specialists={cardiology: 3}",
        "pools.onc={kind: in_house, calendar: tue_thu, specialists: {oncology: 6}, "
        "review: {dist: lognormal, mean: 1.5, sd: 0.6, unit: hours}}"])
    a, ka = _tables(on_sessions)
    b, kb = _tables(as_calendar)
    times = [c for c in a.columns if c.endswith("_h")]
    pd.testing.assert_frame_equal(a[times], b[times])
    assert (a["specialty"] == "oncology").sum() > 300
    onc = a[a["specialty"] == "oncology"]
    start = pd.Timestamp("2026-01-05") + pd.to_timedelta(onc["review_start_h"].dropna(), "h")
    assert set(start.dt.day_name()) == {"Tuesday", "Thursday"}
    assert (start.dt.hour < 12).all() and (start.dt.hour >= 8).all()
    assert not (start.dt.date == pd.Timestamp("2026-01-20").date()).any()  # pool holiday
    # and so are the KPIs that do not name a pool
    assert ka["time_to_opinion_h.mean"].tolist() == kb["time_to_opinion_h.mean"].tolist()


def test_head_counts_unchanged_without_sessions() -> None:
    plan = build_plan(scenario_from_text(BASE))
    assert [q.calendar for q in plan.queues] == ["business", "business"]
    assert plan.queue_calendar(plan.queues[0]) is plan.pool_calendar(0)


def test_absence_block_dips_capacity_and_respects_the_count() -> None:
    s = scenario_from_text(BASE, overrides=[
        "pools.centre.absences={rate: 0.05, blocks: [{start: 2026-02-02, end: 2026-02-15, "
        "share: 0.5}]}"])
    plan = build_plan(s)
    rep = simulate(plan, seed=5)
    onc = next(q for q in plan.queues if q.name == "centre/oncology")
    by_day = rep.staff_days[onc.index]
    assert (by_day[28:42] <= 3).all() and by_day[:28].max() == 6  # 3 of 6 away in the block
    assert 0.9 < by_day[:28].mean() / 6 < 1.0  # about 5% away otherwise
    # at every seize, the cases in service (that one included) fit the day's count
    r = rep.records
    rows = (r.queue == onc.index) & ~np.isnan(r.seize_h)
    seize, end = r.seize_h[rows], r.review_end_h[rows]
    end = np.where(np.isnan(end), np.inf, end)
    for t in seize:
        in_service = ((seize <= t) & (end > t)).sum()
        assert in_service <= by_day[int(t // 24)]
    k = sim.run(s).kpis  # conservation and Little's law checked inside
    assert (k["utilisation.centre"] > 0).all()


def test_absences_draw_their_own_stream() -> None:
    """Adding absences moves no other random input (common random numbers)."""
    plain = simulate(build_plan(scenario_from_text(BASE)), seed=5)
    away = simulate(build_plan(scenario_from_text(
        BASE, overrides=["pools.centre.absences={rate: 0.1}"])), seed=5)
    np.testing.assert_array_equal(plain.cases.arrival_h, away.cases.arrival_h)
    np.testing.assert_array_equal(plain.draws.review_h, away.draws.review_h)


def test_staff_by_day_rate() -> None:
    counts = staff_by_day(10, 20_000, np.zeros(20_000, dtype=int), 0.08,
                          np.random.default_rng(1))
    assert counts.mean() / 10 == pytest.approx(0.92, abs=0.002)


@pytest.mark.parametrize("override, message", [
    ("pools.centre.sessions={neurology: [{days: [mon], hours: ['08:00', '12:00']}]}",
     "no specialists for 'neurology'"),
    ("pools.centre.sessions={oncology: [{days: [mon], hours: ['08:00', '12:00']}, "
     "{days: [mon], hours: ['11:00', '13:00']}]}", "overlap on mon"),
    ("pools.centre.absences={blocks: [{start: 2026-02-10, end: 2026-02-01, share: 0.5}]}",
     "'end' must not be before 'start'"),
    ("pools.centre.absences={rate: 1.0}", "less than 1"),
])
def test_bad_rosters_are_refused(override: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(BASE, overrides=[override])


def test_absence_blocks_follow_the_timeline_years() -> None:
    from sim.timeline import year_scenario

    s = scenario_from_text(BASE + "timeline: {first_year: 2026, last_year: 2028}\n", overrides=[
        "pools.centre.absences={blocks: [{start: 2026-08-03, end: 2026-08-28, share: 0.5}]}"])
    y, _ = year_scenario(s, s.timeline, 2028)
    (b,) = y.pools["centre"].absences.blocks
    assert (b.start, b.end) == (dt.date(2028, 8, 3), dt.date(2028, 8, 28))
