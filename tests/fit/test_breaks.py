"""Breaks inside the working day (a lunch hour) are found from a foreign log, and only there.

The generator's hospital and coordinators close 12:00-13:00 on working days; the fit must
write their hours as two intervals. The same generator without the break gives one
interval (``test_foreign_log.py``), so the split is found from the log, not assumed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.fit.calendars import _open_intervals, detect_calendar
from tests.fit.generator import MAP_YAML, Truth, generate

LUNCH = Truth(days=56, business_hours=((8, 12), (13, 17)))


@pytest.fixture(scope="module")
def lunch_fit(tmp_path_factory):  # noqa: ANN201
    import sim

    folder = tmp_path_factory.mktemp("lunch")
    log, map_file = folder / "cases.csv", folder / "map.yaml"
    generate(LUNCH, seed=5).to_csv(log, index=False)
    map_file.write_text(MAP_YAML)
    return sim.fit(log, map=map_file, out=folder / "fitted.yaml", simulate=False, figures=False)


def test_a_lunch_break_splits_the_hours(lunch_fit):
    s = lunch_fit.scenario
    hospital = s.calendars[s.pools["hospital"].calendar]
    assert hospital.hours == ["08:00-12:00", "13:00-17:00"]
    assert hospital.days == ["mon", "tue", "wed", "thu", "fri"]
    triage = s.calendars[s.triage.legacy.calendar]
    assert triage.hours == hospital.hours
    assert s.calendars[s.pools["teleconsult"].calendar] == "24x7"
    assert "closed 12:00-13:00" in lunch_fit.fitted.calendars["hospital"].note


def _queue_log(intervals, seed=0, days=40, wait_h=5.0):  # noqa: ANN001, ANN202
    """Events of a busy queue open in ``intervals`` on weekdays; each case waited ``wait_h``."""
    rng = np.random.default_rng(seed)
    times, waiting = [], []
    for d in range(days):
        if d % 7 >= 5:
            continue
        for a, b in intervals:
            t = np.sort(rng.uniform(24 * d + a, 24 * d + b, int(6 * (b - a))))
            times.extend(t)
            waiting.extend((x - wait_h, x) for x in t)
    return np.asarray(times), waiting


@pytest.mark.parametrize(("intervals", "hours"), [
    ([(8, 17)], ["08:00", "17:00"]),
    ([(8, 12), (13, 17)], ["08:00-12:00", "13:00-17:00"]),
    ([(7, 11), (15, 19.5)], ["07:00-11:00", "15:00-19:30"]),  # a split shift
])
def test_breaks_are_found_only_where_work_stops(intervals, hours):
    t, waiting = _queue_log(intervals)
    found = detect_calendar(t, dt.date(2026, 3, 2), has_starts=True, waiting=waiting)
    assert found.spec is not None and found.spec.hours == hours


def test_a_quiet_spell_with_nobody_waiting_is_not_a_break():
    # An open desk (08:00-17:00) that gets no requests 12:00-14:00: each case is taken at
    # once and done 45 minutes later, so nobody waits through the quiet spell and nothing
    # shows that the desk was closed.
    rng = np.random.default_rng(1)
    begun = np.concatenate([
        np.sort(rng.uniform(24 * d + a, 24 * d + b, int(8 * (b - a))))
        for d in range(40) if d % 7 < 5 for a, b in [(8, 12), (14, 16.25)]])
    done = begun + 0.75
    events, waiting = np.sort(np.concatenate([begun, done])), list(zip(begun, done, strict=True))
    start = dt.date(2026, 3, 2)
    assert _open_intervals(events, start, [0, 1, 2, 3, 4], 8, 17, 2, waiting, 40) == [(8, 17)]
    # the same desk closed 12:00-14:00: work not done by 12:00 waits through the break
    held = (done % 24 > 12) & (done % 24 < 14)
    done = np.where(held, done + 2.0, done)
    events, waiting = np.sort(np.concatenate([begun, done])), list(zip(begun, done, strict=True))
    assert _open_intervals(events, start, [0, 1, 2, 3, 4], 8, 17, 2, waiting, 40) == [
        (8, 12), (14, 17)]
