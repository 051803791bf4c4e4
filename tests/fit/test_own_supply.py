"""sessions_and_contract's supply side read back from its own 90-day log (issue #22).

The Bangalore pool's overnight hours (a window across midnight on the platform's clock, read
on a shifted clock: sim.fit.calendars), its portal-only service (sim.fit.staffing), the
oncology line's work measured on its sessions (sim.fit.session_work) and the in-house
absence rate (sim.fit.absences). The baseline, with none of these, gets none.
"""

from __future__ import annotations

import pytest

from sim.core.calendar import WorkCalendar
from sim.fit.api import _fit_text
from sim.fit.gate import holdout_split, truncate
from tests.fit.shipped import shipped_log


def _fit(name: str):  # noqa: ANN202
    """The fit of the part of the log the round trip fits (tests/fit/test_own_round_trip.py):
    its first 63 days, up to New York's change to daylight saving time."""
    truth, log = shipped_log(name)
    first = truncate(log, holdout_split(log, 0.3))
    fitted, _, scenario = _fit_text(first, "own", 5, 1, name, "own")
    return truth, fitted, scenario


@pytest.fixture(scope="module")
def sessions_fit():  # noqa: ANN201
    return _fit("sessions_and_contract")


def test_overnight_hours_read_on_a_shifted_clock(sessions_fit) -> None:  # noqa: ANN001
    """Bangalore's Mon-Sat 09:00-18:00 (Asia/Kolkata) is 22:30-07:30 in New York until
    daylight saving: the fitted calendar opens the same half hours of the first weeks."""
    truth, fitted, s = sessions_fit
    det = fitted.calendars["abroad"]
    assert det.time_zone is not None and det.time_zone.startswith("Etc/GMT")
    assert s.simulation.time_zone == "UTC"
    start = truth.simulation.start
    spec = truth.calendars["bangalore"]
    want = WorkCalendar.weekly(start, spec.weekday_numbers(), spec.intervals(), spec.holidays,
                               zones=(spec.time_zone, truth.simulation.time_zone))
    got = det.work_calendar(start)
    # two weeks from Monday 5 January (no holiday, no clock change), at each half hour's middle
    half_hours = [0.25 + h / 2 for h in range(2 * 24 * 14)]
    assert [got.is_open(x) for x in half_hours] == [want.is_open(x) for x in half_hours]


def test_portal_only_pool_serves_the_portal(sessions_fit) -> None:  # noqa: ANN001
    truth, _, s = sessions_fit
    for pool in ("abroad", "outsourced"):
        assert s.pools[pool].serves.channels == truth.pools[pool].serves.channels


def test_session_line_work_is_counted_on_its_sessions(sessions_fit) -> None:  # noqa: ANN001
    """Oncology reviews take 2.0 h of work (lognormal, shipped): on the pool's 08-17 calendar
    the closed hours between sessions made it about 4.8 h."""
    _, fitted, _ = sessions_fit
    assert fitted.durations["review.in_house.oncology"].mean == pytest.approx(2.0, rel=0.1)


def test_absence_rate_read_in_house_only(sessions_fit) -> None:  # noqa: ANN001
    """8% of specialist-days away in house (shipped); the outsourced pools have none."""
    truth, _, s = sessions_fit
    assert truth.pools["in_house"].absences.rate == 0.08
    assert s.pools["in_house"].absences.rate == pytest.approx(0.08, abs=0.035)
    assert s.pools["outsourced"].absences is None and s.pools["abroad"].absences is None


def test_baseline_gets_no_zone_absences_or_sessions() -> None:
    _, fitted, s = _fit("baseline")
    assert s.simulation.time_zone is None
    assert all(p.absences is None and not p.sessions for p in s.pools.values())
    assert all(c.time_zone is None for c in fitted.calendars.values())
