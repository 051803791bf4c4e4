"""Time zones: calendars abroad on the platform clock, across a daylight-saving change.

Platform: New York (EST, UTC-5, until Sunday 8 March 2026; EDT, UTC-4, after). Hour 0 is
Monday 2 March 2026 00:00 EST = 05:00 UTC. A Kolkata calendar (UTC+5:30, no DST) opens at
09:00 IST = 03:30 UTC = elapsed hour -1.5 of each local weekday; London (GMT until 29 March,
then BST) opens at 09:00 local = 09:00 UTC (hour 4) until then, 08:00 UTC (hour 3) after.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.calendar import WorkCalendar
from sim.loading import scenario_from_text
from sim.scenario.errors import ScenarioError

START = dt.date(2026, 3, 2)
NY, KOLKATA, LONDON = "America/New_York", "Asia/Kolkata", "Europe/London"
T0_UTC = dt.datetime(2026, 3, 2, 5, tzinfo=dt.UTC)


def test_kolkata_from_new_york_by_hand() -> None:
    cal = WorkCalendar.weekly(START, range(5), [(9, 18)], zones=(KOLKATA, NY))
    # Monday's local 09:00-18:00 is [-1.5, 7.5): cut at hour 0; Tuesday's [22.5, 31.5)
    assert cal.next_open(7.5) == 22.5
    # 10 h of work from Monday 05:00 EST: 2.5 h on Monday, 7.5 h on Tuesday -> 30.0
    assert cal.add_working_hours(5.0, 10.0) == 30.0
    # from Friday 07:00 EST (103.0): 0.5 h on Friday [94.5, 103.5); Monday 9 March, after
    # the US change, is still [166.5, 175.5) (Kolkata has no DST: elapsed time is absolute):
    # 9 h more; the last 0.5 h on Tuesday from 190.5 -> 191.0 (= Tuesday 00:00 EDT)
    assert cal.add_working_hours(103.0, 10.0) == 191.0
    assert np.array_equal(cal.add_working_hours(np.array([5.0, 103.0]), 10.0), [30.0, 191.0])


def test_platform_calendar_moves_with_daylight_saving() -> None:
    cal = WorkCalendar.weekly(START, range(5), [(8, 17)], zones=(NY, NY))
    assert cal.add_working_hours(0.0, 45.0) == 113.0  # Friday 17:00 EST, as without zones
    # Monday 9 March 08:00 EDT = 12:00 UTC = 7 days + 7 h after hour 0, not 7 days + 8 h
    assert cal.next_open(170.0) == 175.0
    naive = WorkCalendar.weekly(START, range(5), [(8, 17)])
    assert naive.next_open(170.0) == 176.0


def test_london_changes_later() -> None:
    cal = WorkCalendar.weekly(START, range(5), [(9, 17)], zones=(LONDON, NY))
    assert (cal.next_open(0.0), cal.next_open(170.0)) == (4.0, 172.0)
    monday_30_march = 28 * 24.0
    assert cal.next_open(monday_30_march) == monday_30_march + 3.0  # 09:00 BST = 08:00 UTC


SCENARIO = """
name: follow_the_sun
simulation: {start: 2026-03-02, horizon_days: 42, warmup_days: 3, seed: 9,
             time_zone: America/New_York}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
  bangalore: {days: [mon, tue, wed, thu, fri], hours: ["09:00", "18:00"],
              time_zone: Asia/Kolkata, holidays: [2026-03-04]}
demand:
  cases_per_year: 3000
  mix: {specialty: {oncology: 1}, channel: {online: 1}, payer: {anyone: 1}}
triage: {policy: direct}
payers: {anyone: {}}
routing: {policy: overflow, overflow_wait_hours: 4}
pools:
  centre: {kind: in_house, calendar: business, specialists: {oncology: 2},
           review: {dist: exponential, mean: 2, unit: hours}}
  abroad: {kind: outsourced, calendar: bangalore, specialists: {oncology: 2},
           review: {dist: exponential, mean: 2, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""


def _local(t_h: np.ndarray, name: str) -> pd.DatetimeIndex:
    """Clock hours as local times of ``name``, by zoneinfo and nothing from sim."""
    return pd.DatetimeIndex([(T0_UTC + dt.timedelta(hours=float(t))).astimezone(ZoneInfo(name))
                             for t in t_h])


def test_every_review_runs_in_local_working_hours() -> None:
    res = sim.run(scenario_from_text(SCENARIO))
    c = res.cases
    for pool, zone, (o, cl), holiday in (("centre", NY, (8, 17), None),
                                         ("abroad", KOLKATA, (9, 18), dt.date(2026, 3, 4))):
        rows = c[(c["pool"] == pool) & c["review_start_h"].notna()]
        assert len(rows) > 100
        start = _local(rows["review_start_h"].to_numpy(), zone)
        hour = start.hour + start.minute / 60 + start.second / 3600
        assert (start.day_of_week < 5).all()
        assert ((hour >= o - 1e-6) & (hour < cl)).all()
        if holiday is not None:
            assert not (start.date == holiday).any()
    # the centre's hours shift by one elapsed hour on 8 March (EST -> EDT)
    centre = c[(c["pool"] == "centre") & c["review_start_h"].notna()]
    before = centre["review_start_h"][centre["review_start_h"] < 6 * 24] % 24
    after = centre["review_start_h"][centre["review_start_h"] > 7 * 24] % 24
    assert before.min() >= 8 - 1e-9 and after.min() >= 7 - 1e-9 and after.min() < 8


def test_utc_platform_without_calendar_zones_changes_nothing() -> None:
    plain = scenario_from_text(SCENARIO.replace("time_zone: Asia/Kolkata, ", "")
                               .replace(",\n             time_zone: America/New_York", ""))
    utc = scenario_from_text(SCENARIO.replace("time_zone: Asia/Kolkata, ", "")
                             .replace("time_zone: America/New_York", "time_zone: UTC"))
    a, b = sim.run(plain).cases, sim.run(utc).cases
    times = [col for col in a.columns if col.endswith("_h")]
    pd.testing.assert_frame_equal(a[times], b[times])


@pytest.mark.parametrize("old, new, message", [
    ("time_zone: Asia/Kolkata", "time_zone: Asia/Bangalore", "unknown time zone"),
    (",\n             time_zone: America/New_York", "", "needs simulation.time_zone"),
])
def test_bad_zones_are_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(SCENARIO.replace(old, new))
