"""Tests for sim.core.calendar.WorkCalendar.

Reference calendar: t = 0 is Monday 2026-01-05 00:00, so day d hour x is t = 24 * d + x.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np
import pytest

from sim.core.calendar import WorkCalendar

MON = datetime.date(2026, 1, 5)
WEEKDAYS = [0, 1, 2, 3, 4]


def at(day: int, hour: float) -> float:
    """Simulation time of ``hour`` on day ``day`` after Monday 2026-01-05."""
    return 24.0 * day + hour


def office(holidays: tuple[datetime.date, ...] = ()) -> WorkCalendar:
    return WorkCalendar.weekly(MON, WEEKDAYS, [(8.0, 17.0)], holidays=holidays)


def split() -> WorkCalendar:
    return WorkCalendar.weekly(MON, WEEKDAYS, [(8, 12), (13, 17)])


# ---------------------------------------------------------------- textbook cases
def test_five_business_days_from_friday_afternoon() -> None:
    fri_16 = at(4, 16)
    assert fri_16 == 112.0
    assert office().business_day_hours == 9.0
    assert office().add_business_days(fri_16, 5) == at(11, 16) == 280.0  # next Friday 16:00


def test_five_business_days_with_monday_holiday() -> None:
    cal = office(holidays=(datetime.date(2026, 1, 12),))
    # Fri 1h + Tue..Fri 36h + Mon 2026-01-19 08:00..16:00 8h = 45h
    assert cal.add_business_days(at(4, 16), 5) == at(14, 16) == 352.0
    assert not cal.is_open(at(7, 10))
    assert cal.next_open(at(7, 10)) == at(8, 8)


def test_work_pauses_overnight_and_weekend() -> None:
    cal = office()
    assert cal.add_working_hours(at(4, 15.5), 3.0) == at(7, 9.5) == 177.5
    assert cal.add_working_hours(at(0, 16), 2.0) == at(1, 9)


@pytest.mark.parametrize(
    ("start", "h", "end"),
    [
        (at(5, 10), 1.0, at(7, 9)),  # Saturday
        (at(6, 23), 1.0, at(7, 9)),  # Sunday night
        (at(1, 6), 2.0, at(1, 10)),  # before opening
        (at(0, 17), 1.0, at(1, 9)),  # exactly at closing
        (at(0, 8), 1.0, at(0, 9)),  # exactly at opening
        (at(0, 8), 9.0, at(0, 17)),  # ends exactly at closing: 17:00, not next 08:00
        (at(4, 16), 1.0, at(4, 17)),  # Friday close, not Monday 08:00
        (at(3, 16), 10.0, at(4, 17)),  # crosses a night then ends at closing
        (at(5, 10), 0.0, at(5, 10)),  # h == 0 returns t unchanged, even when closed
    ],
)
def test_start_outside_hours_and_boundaries(start: float, h: float, end: float) -> None:
    cal = office()
    assert cal.add_working_hours(start, h) == end
    assert cal.working_hours_between(start, end) == h


def test_working_hours_clock() -> None:
    cal = office()
    assert cal.working_hours(0.0) == 0.0
    assert cal.working_hours(8.0) == 0.0
    assert cal.working_hours(12.5) == 4.5
    assert cal.working_hours(17.0) == cal.working_hours(23.0) == 9.0
    assert cal.working_hours(at(7, 0)) == 45.0
    assert cal.working_hours(at(7 * 300, 0)) == 45.0 * 300  # ~5.75 years, lazy extension
    ts = np.linspace(0, 24 * 7 * 60, 20_001)
    assert np.all(np.diff(cal.working_hours(ts)) >= 0)


def test_split_day() -> None:
    cal = split()
    assert cal.business_day_hours == 8.0
    assert cal.add_working_hours(8.0, 4.0) == 12.0  # lunch starts at 12:00: earliest time
    assert cal.add_working_hours(8.0, 5.0) == 14.0
    assert cal.add_working_hours(11.0, 2.0) == 14.0
    assert cal.add_business_days(8.0, 1) == 17.0
    assert cal.add_business_days(12.5, 1) == at(1, 12)
    assert cal.working_hours(at(0, 12.5)) == 4.0


def test_is_open_and_next_open_boundaries() -> None:
    cal = split()
    assert not cal.is_open(0.0)
    assert cal.is_open(8.0) and cal.is_open(11.999)
    assert not cal.is_open(12.0) and not cal.is_open(12.5)
    assert cal.is_open(13.0) and not cal.is_open(17.0)
    assert cal.next_open(0.0) == 8.0
    assert cal.next_open(10.0) == 10.0
    assert cal.next_open(12.0) == cal.next_open(12.5) == 13.0
    assert cal.next_open(17.0) == at(1, 8)
    assert cal.next_open(at(4, 17)) == at(7, 8)  # Friday close -> Monday
    far = at(7 * 200 + 5, 3)  # a Saturday ~4 years out
    assert cal.next_open(far) == at(7 * 201, 8)


def test_touching_hours_are_merged() -> None:
    cal = WorkCalendar.weekly(MON, [0], [(8, 12), (12, 17)])
    assert cal.business_day_hours == 9.0
    assert cal.is_open(12.0)
    assert cal.name == "Mon 08:00-17:00"


# ---------------------------------------------------------------- vectorised == scalar
@pytest.mark.parametrize("make", [office, split])
def test_vectorised_matches_scalar(make: Callable[[], WorkCalendar]) -> None:
    rng = np.random.default_rng(12345)
    n = 3000
    t = rng.uniform(0, 24 * 366 * 4, n)  # up to 4 years: exercises lazy extension
    t[:300] = np.round(t[:300])  # integer hours: land on interval boundaries
    h = rng.uniform(0, 300, n)
    h[:200] = 0.0
    h[200:500] = np.round(h[200:500])
    vec_cal, sca_cal = make(), make()  # fresh calendars extended in different orders
    got = vec_cal.add_working_hours(t, h)
    want = np.array(
        [sca_cal.add_working_hours(float(a), float(b)) for a, b in zip(t, h, strict=True)]
    )
    assert np.array_equal(got, want)
    assert np.array_equal(vec_cal.working_hours(t), [sca_cal.working_hours(float(a)) for a in t])
    assert np.array_equal(
        vec_cal.add_business_days(t[:50], 3),
        [sca_cal.add_business_days(float(a), 3) for a in t[:50]],
    )
    assert np.all(got >= t)
    # round trip: exactly h hours of work between t and the finish time
    np.testing.assert_allclose(vec_cal.working_hours_between(t, got), h, rtol=0, atol=1e-9)
    for a, b, c in zip(t[:500], h[:500], got[:500], strict=True):
        assert sca_cal.working_hours_between(float(a), float(c)) == pytest.approx(b, abs=1e-9)


def test_vectorised_broadcast_and_types() -> None:
    cal = office()
    out = cal.add_working_hours(np.array([at(4, 15.5), at(0, 8)]), 3.0)
    assert isinstance(out, np.ndarray) and out.tolist() == [at(7, 9.5), at(0, 11)]
    assert isinstance(cal.add_working_hours(111.5, 3.0), float)
    assert isinstance(cal.working_hours(10), float)
    assert cal.add_working_hours(np.array([], dtype=float), 1.0).shape == (0,)


def test_far_future_first_query() -> None:
    cal = office()
    t0 = at(7 * 520 + 4, 16)  # a Friday 16:00 ~10 years out, before anything is computed
    assert cal.add_business_days(t0, 5) == t0 + 7 * 24
    assert cal.working_hours(t0) == 45.0 * 520 + 4 * 9 + 8


# ---------------------------------------------------------------- always()
def test_always_identity() -> None:
    cal = WorkCalendar.always()
    assert cal.is_24x7 and cal.business_day_hours == 24.0
    assert cal.is_open(3.3) and cal.next_open(3.3) == 3.3
    assert cal.working_hours(5.5) == 5.5
    assert cal.working_hours_between(2.0, 7.5) == 5.5
    assert cal.add_working_hours(10.0, 30.0) == 40.0
    assert cal.add_business_days(1.0, 2) == 49.0
    ts = np.array([0.0, 1.5, 100.0])
    assert cal.add_working_hours(ts, 2.0).tolist() == [2.0, 3.5, 102.0]
    assert "24x7" in repr(cal)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("days", "hours", "match"),
    [
        ([], [(8, 17)], "working day"),
        ([7], [(8, 17)], "weekday"),
        (WEEKDAYS, [], "hours interval"),
        (WEEKDAYS, [(-1, 17)], "0 <= open < close <= 24"),
        (WEEKDAYS, [(8, 25)], "0 <= open < close <= 24"),
        (WEEKDAYS, [(17, 8)], "0 <= open < close <= 24"),
        (WEEKDAYS, [(8, 8)], "0 <= open < close <= 24"),
        (WEEKDAYS, [(8, 13), (12, 17)], "non-overlapping"),
        (WEEKDAYS, [(13, 17), (8, 12)], "sorted"),
    ],
)
def test_invalid_calendars(days: list[int], hours: list[tuple[float, float]], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WorkCalendar.weekly(MON, days, hours)


def test_negative_inputs_rejected() -> None:
    for cal in (office(), WorkCalendar.always()):
        with pytest.raises(ValueError):
            cal.working_hours(-1.0)
        with pytest.raises(ValueError):
            cal.add_working_hours(1.0, -1.0)
        with pytest.raises(ValueError):
            cal.add_working_hours(np.array([1.0, -2.0]), 1.0)
        with pytest.raises(ValueError):
            cal.next_open(-0.5)
