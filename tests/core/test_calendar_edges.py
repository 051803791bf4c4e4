"""WorkCalendar at its edges: time 0, zero work, day and chunk boundaries, names, sessions.

t = 0 is Monday 2026-01-05 00:00, so day d hour x is t = 24 * d + x. Expected values are
worked out by hand from the weekly hours (the comments show the sums).
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.calendar import WorkCalendar, delay_end

MON = datetime.date(2026, 1, 5)
TUE = datetime.date(2026, 1, 6)
EVERY_DAY = range(7)


def at(day: int, hour: float) -> float:
    return 24.0 * day + hour


def office() -> WorkCalendar:
    return WorkCalendar.weekly(MON, range(5), [(8.0, 17.0)])


@pytest.mark.parametrize("hours", [[(0, 24)], [(0, 6), (6, 13.5), (13.5, 24)]],
                         ids=["all-day", "touching-pieces"])
def test_an_always_open_week_is_the_24x7_calendar(hours: list[tuple[float, float]]) -> None:
    cal, always = WorkCalendar.weekly(MON, EVERY_DAY, hours), WorkCalendar.always()
    assert cal.business_day_hours == 24.0
    # every day boundary for over two years, including the ends of the lazily generated
    # chunks of intervals (the first query generates about a year)
    for d in range(0, 800):
        t = 24.0 * d
        assert cal.is_open(t) and cal.next_open(t) == t
        assert cal.working_hours(t) == t
    rng = np.random.default_rng(7)
    t, h = rng.uniform(0, 24 * 800, 500), rng.uniform(0, 100, 500)
    np.testing.assert_allclose(cal.add_working_hours(t, h), always.add_working_hours(t, h),
                               rtol=0, atol=1e-9)


def test_time_zero_and_fractions_of_an_hour_are_valid() -> None:
    cal = office()
    assert cal.working_hours(0.0) == 0.0 and cal.working_hours(0.5) == 0.0
    assert cal.add_working_hours(0.0, 0.5) == 8.5  # Monday opens at 08:00
    assert cal.add_working_hours(0, 1) == 9.0
    assert WorkCalendar.always().add_working_hours(0.0, 0.25) == 0.25
    assert delay_end(0.0, 0.5, cal) == 8.5 and delay_end(0.0, 0.5, None) == 0.5


def test_no_work_ends_where_it_starts_even_when_closed() -> None:
    cal = office()
    for t in (0.0, 8.0, 12.5, 17.0, at(5, 10)):  # before opening, open, closing, Saturday
        assert cal.add_working_hours(t, 0.0) == t
    assert cal.add_working_hours(np.array([0.0, 17.0]), 0.0).tolist() == [0.0, 17.0]


def test_before_the_first_opening_no_work_is_done_yet() -> None:
    cal = office()
    assert cal.working_hours(np.array([0.0, 7.99, 8.0, 9.5])).tolist() == [0, 0, 0, 1.5]
    assert cal.next_open(np.array([0.0, 7.5, 8.0, 9.0])).tolist() == [8, 8, 8, 9]
    assert cal.next_open(9.0) == 9.0 and cal.next_open(0.0) == 8.0  # first interval, scalar
    assert cal.next_open(17.0) == at(1, 8)


def test_negative_arrays_are_refused_with_their_name() -> None:
    cal = office()
    with pytest.raises(ValueError, match=r"^t must be >= 0, got min -1\.0$"):
        cal.working_hours(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"^t must be >= 0"):
        cal.next_open(np.array([-2.0]))
    with pytest.raises(ValueError, match=r"^h must be >= 0, got min -3\.0$"):
        cal.add_working_hours(np.array([1.0]), np.array([-3.0]))


@pytest.mark.parametrize(("days", "hours", "holidays", "name"), [
    (range(5), [(8, 17)], (), "Mon-Fri 08:00-17:00"),
    (range(5), [(8, 12), (13, 17)], (), "Mon-Fri 08:00-12:00,13:00-17:00"),
    ([0, 2, 4], [(9.5, 17.25)], (), "Mon,Wed,Fri 09:30-17:15"),
    ([5, 6], [(10, 14)], (), "Sat,Sun 10:00-14:00"),
    ([0, 1, 2], [(8, 17)], (), "Mon-Wed 08:00-17:00"),
    (range(5), [(8, 17)], (TUE,), "Mon-Fri 08:00-17:00 (-1 holidays)"),
])
def test_weekly_names_say_when_it_is_open(days, hours, holidays, name) -> None:  # noqa: ANN001
    assert WorkCalendar.weekly(MON, days, hours, holidays).name == name


def test_a_calendar_without_days_says_so() -> None:
    with pytest.raises(ValueError, match=r"^weekly calendar needs at least one working day$"):
        WorkCalendar.weekly(MON, [], [(8, 17)])


def test_vectorised_next_open_inside_the_last_generated_interval() -> None:
    cal = office()
    assert cal.next_open(np.array([0.0])).tolist() == [8.0]  # generates about a year
    # 09:00 on the days around the end of that first chunk (day 365 is a Tuesday)
    for d in range(360, 372):
        want = at(d, 9) if d % 7 < 5 else at(d + 7 - d % 7, 8)
        assert cal.next_open(np.array([at(d, 9)])).tolist() == [want], d


ZONES = ("America/New_York", "Europe/London")  # a New York team on a London platform


def test_a_calendar_in_another_zone_follows_both_zones_clock_changes() -> None:
    cal = WorkCalendar.weekly(MON, range(5), [(8, 17)], zones=ZONES)
    assert cal.name == "Mon-Fri 08:00-17:00 [America/New_York]"
    # January: New York is 5 h behind London, so 08:00-17:00 there is 13:00-22:00 here
    assert cal.next_open(0.0) == 13.0 and cal.working_hours(24.0) == 9.0
    assert cal.is_open(13.0) and not cal.is_open(12.99) and not cal.is_open(22.0)
    assert cal.add_working_hours(21.0, 2.0) == at(1, 14)
    # Monday 9 March (day 63): New York on summer time, London not yet: 4 h behind
    assert cal.next_open(at(63, 0)) == at(63, 12) and not cal.is_open(at(63, 21))
    assert cal.working_hours(at(63, 21)) - cal.working_hours(at(63, 0)) == 9.0


def test_sessions_in_another_zone() -> None:
    cal = WorkCalendar.sessions(MON, {0: [(8, 12)]}, zones=ZONES)
    assert cal.name == "Mon 08:00-12:00 [America/New_York]"
    assert cal.next_open(0.0) == 13.0 and cal.working_hours(at(7, 0)) == 4.0


def test_sessions_differ_by_weekday() -> None:
    cal = WorkCalendar.sessions(MON, {1: [(8, 12)], 3: [(13, 17)]})  # Tue 08-12, Thu 13-17
    assert cal.name == "Tue 08:00-12:00; Thu 13:00-17:00"
    assert cal.business_day_hours == 4.0  # the mean of the worked days
    assert cal.working_hours(at(7, 0)) == 8.0
    assert cal.is_open(at(1, 8)) and not cal.is_open(at(1, 12)) and cal.is_open(at(3, 16.5))
    assert not cal.is_open(at(0, 10)) and not cal.is_open(at(3, 10))
    # 6 h from Monday 00:00: Tue 08-12 (4 h), then Thu 13:00-15:00
    assert cal.add_working_hours(0.0, 6.0) == at(3, 15)
    assert cal.add_business_days(0.0, 2) == at(3, 17)  # 8 h
    # without Tuesday 6 Jan: Thu 13-17 (4 h), then Tue 13 Jan 08:00-10:00
    off = WorkCalendar.sessions(MON, {1: [(8, 12)], 3: [(13, 17)]}, holidays=[TUE])
    assert off.name == "Tue 08:00-12:00; Thu 13:00-17:00 (-1 holidays)"
    assert off.add_working_hours(0.0, 6.0) == at(8, 10)


def test_sessions_merge_touching_hours_and_average_unequal_days() -> None:
    cal = WorkCalendar.sessions(MON, {0: [(8, 10), (10, 12)], 4: [(9, 17)]})
    assert cal.name == "Mon 08:00-12:00; Fri 09:00-17:00"
    assert cal.business_day_hours == 6.0  # (4 + 8) / 2
    assert cal.is_open(10.0) and cal.working_hours(at(7, 0)) == 12.0


_SPAN_CALENDARS = {
    "24x7": WorkCalendar.always(),
    "office": WorkCalendar.weekly(MON, range(5), [(8.0, 17.0)], holidays=[TUE]),
    "split": WorkCalendar.weekly(MON, range(6), [(7.0, 11.0), (15.0, 19.5)]),
    "sessions": WorkCalendar.sessions(MON, {1: [(8.0, 12.0)], 3: [(13.0, 17.0)]}),
    "zoned": WorkCalendar.weekly(datetime.date(2026, 3, 2), range(5), [(9.0, 17.0)],
                                 zones=("America/New_York", "Europe/Berlin")),
}


@given(name=st.sampled_from(sorted(_SPAN_CALENDARS)),
       t=st.one_of(st.floats(0.0, 24.0 * 800), st.integers(0, 24 * 800).map(float)),
       h=st.one_of(st.just(0.0), st.floats(0.0, 500.0), st.integers(0, 60).map(float)))
@settings(max_examples=400, deadline=None)
def test_work_span_is_next_open_and_add_working_hours_bit_for_bit(name: str, t: float,
                                                                    h: float) -> None:
    """The engine's one-lookup work_span equals the two public queries it replaces."""
    cal = _SPAN_CALENDARS[name]
    end = cal.add_working_hours(t, h)
    assert cal.work_span(t, h) == (min(cal.next_open(t), end), end)


def test_work_span_at_the_edges_of_an_open_interval() -> None:
    cal = office()
    assert cal.work_span(at(0, 17.0), 1.0) == (at(1, 8.0), at(1, 9.0))  # at closing time
    assert cal.work_span(at(0, 8.0), 9.0) == (at(0, 8.0), at(0, 17.0))  # ends at closing
    assert cal.work_span(at(5, 10.0), 0.0) == (at(5, 10.0), at(5, 10.0))  # Saturday, no work
    assert cal.work_span(0.0, 2.0) == (8.0, 10.0)  # before the first opening
