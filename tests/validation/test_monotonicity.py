"""More specialists never lengthen the time to opinion (paired runs, same seed).

With common random numbers, each staffing level sees the same cases with the
same records delays, pre-authorisations and review efforts. Cases reach each
specialty's queue at times that do not depend on staffing (direct triage), and
each queue is first come first served on one shared calendar, so by the
Kiefer-Wolfowitz recursion an extra specialist can only bring every case's
opinion forward: checked case by case, and on the mean-time KPI. A second
scenario with priority classes checks the KPI means only (priorities make the
case-by-case order depend on staffing).

Power: the comparisons are exact, not statistical (paired runs, tolerance 1e-9 h): a
single case whose opinion comes later with more staff fails the test.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim

from .conftest import scenario

TEXT = """
name: staffing
simulation: {start: 2026-01-05, horizon_days: 364, warmup_days: 28, seed: 8}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-04-06]}
demand:
  cases_per_year: 6000
  profile: {weekday: [1.3, 1.1, 1.0, 1.0, 1.0, 0.3, 0.3]}
  mix:
    specialty: {oncology: 0.5, cardiology: 0.3, neurology: 0.2}
    channel: {online: 0.7, referral: 0.3}
    payer: {insurer: 0.6, self: 0.4}
    priority: PRIORITY
intake:
  digital: {dist: exponential, mean: 6, unit: hours}
  paper: {dist: uniform, low: 1, high: 3, unit: business_days}
  digital_share: {online: 0.9, referral: 0.3}
triage: {policy: direct}
payers:
  insurer: {preauth: {delay: {dist: uniform, low: 0.5, high: 2, unit: business_days}}}
  self: {}
pools:
  clinic:
    kind: in_house
    calendar: business
    specialists: {oncology: ONC, cardiology: CAR, neurology: NEU}
    review: {dist: lognormal, mean: 2.5, sd: 2.0, unit: hours}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""
# oncology offers ~144 h of review a week: 4 specialists (180 h) are busy at 80%
LEVELS = [(4, 3, 2), (5, 3, 2), (5, 4, 3), (6, 5, 4), (9, 8, 7)]
FCFS = "{routine: 1.0}"
PRIORITIES = "{urgent: 0.3, routine: 0.7}"


def _run(staff: tuple[int, int, int], priority: str, seed: int, reps: int):  # noqa: ANN202
    onc, car, neu = staff
    text = (TEXT.replace("ONC", str(onc)).replace("CAR", str(car)).replace("NEU", str(neu))
            .replace("PRIORITY", priority))
    return sim.run(scenario(text), seed=seed, replications=reps)


@pytest.fixture(scope="module")
def fcfs_runs():  # noqa: ANN201
    return [_run(level, FCFS, 61, 1) for level in LEVELS]


def test_every_case_is_no_later_with_more_specialists(fcfs_runs) -> None:  # noqa: ANN001
    for fewer, more in zip(fcfs_runs, fcfs_runs[1:], strict=False):
        a, b = fewer.cases, more.cases
        np.testing.assert_array_equal(a["arrival_h"], b["arrival_h"])
        np.testing.assert_array_equal(a["queue_h"], b["queue_h"])  # staffing-independent
        done_a = (a["status"] == "delivered").to_numpy()
        done_b = (b["status"] == "delivered").to_numpy()
        assert not (done_a & ~done_b).any(), "a case delivered with fewer specialists is not"
        end_a = a["review_end_h"].to_numpy()[done_a]
        end_b = b["review_end_h"].to_numpy()[done_a]
        assert (end_b <= end_a + 1e-9).all(), int((end_b > end_a + 1e-9).sum())


def test_mean_time_to_opinion_non_increasing(fcfs_runs) -> None:  # noqa: ANN001
    means = [r.kpis["time_to_opinion_h.mean"].iloc[0] for r in fcfs_runs]
    waits = [r.kpis["stage_h.specialist_wait"].iloc[0] for r in fcfs_runs]
    assert all(np.diff(means) <= 1e-9), means
    assert all(np.diff(waits) <= 1e-9), waits
    assert waits[0] > 2 * waits[-1], "staffing should matter in this scenario"


def test_mean_time_to_opinion_non_increasing_with_priorities() -> None:
    runs = [_run(level, PRIORITIES, 62, 2) for level in LEVELS]
    for col in ("time_to_opinion_h.mean", "stage_h.specialist_wait"):
        for r in range(2):
            series = [run.kpis[col].iloc[r] for run in runs]
            assert all(np.diff(series) <= 1e-9), (col, r, series)
    # utilisation falls as staff are added, and the workload is the same
    util = [run.kpis["utilisation.clinic"].mean() for run in runs]
    assert all(np.diff(util) < 0), util
