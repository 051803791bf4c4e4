"""sosim's own log of a shipped scenario: one replication of 90 days, with every mechanism on.

What the fit recovers from the baseline's own log (drop-out, appointments, second records
requests, subspecialty lines, the payer that only the in-house pool serves, priority order)
is checked against the scenario; its resimulation on the held-out last 30% is checked on
time to opinion (mean and p90) and throughput. Not yet reproduced, and so not asserted
(issue #22, see docs/calibration.md "Own logs"): time to match, the median time to opinion
and the specialist wait on the hold-out come out short on every shipped scenario's own log.

Tolerances: patience means within 25% of the scenario's (60 and 120 days, exponential);
the in-person share of second requests within 0.06 of 0.25; the second request's mean
(3.5 business days) inside its interval.
"""

from __future__ import annotations

import pytest

import sim
from sim.fit.api import _fit_text
from sim.fit.gate import holdout_split, judge, truncate
from sim.fit.own import with_case_attributes
from sim.fit.read import log_from_frame


@pytest.fixture(scope="module")
def baseline_own():  # noqa: ANN201
    truth = sim.load_scenario("scenarios/baseline.yaml", overrides=[
        "simulation.horizon_days=90", "simulation.warmup_days=0"])
    results = sim.run(truth, seed=11, replications=1)
    log = log_from_frame(with_case_attributes(results.events, results.cases))
    fitted, _, scenario = _fit_text(log, "own", 5, 1, "baseline", "own")
    split = holdout_split(log, 0.3)
    first, _, first_scenario = _fit_text(truncate(log, split), "own", 5, 1, "baseline", "first")
    verdict = judge(first_scenario, log, first, fitted.table, split, 5, 1)
    return truth, scenario, fitted, verdict


def test_drop_out_recovered(baseline_own):
    _, s, _, _ = baseline_own
    assert s.abandonment.records.default.dist == "exponential"
    assert abs(s.abandonment.records.default.mean / (60 * 24) - 1) < 0.25
    assert abs(s.abandonment.appointment.default.mean / (120 * 24) - 1) < 0.25


def test_journey_recovered(baseline_own):
    truth, s, fitted, _ = baseline_own
    assert set(s.appointments) == {"in_person", "video"}
    assert abs(s.incomplete_records.share["in_person"] - 0.25) < 0.06
    lo, hi = fitted.durations["records_again"].mean_ci
    assert lo <= 3.5 <= hi
    assert s.pools["in_house"].subspecialists == truth.pools["in_house"].subspecialists
    assert s.demand.mix.subspecialty.keys() == truth.demand.mix.subspecialty.keys()
    assert s.payers["medicare"].covers == ["in_house"]
    assert list(s.priorities) == ["urgent", "routine"]
    assert s.priorities["urgent"].records_speedup > 1.3


def test_hold_out_time_to_opinion_reproduced(baseline_own):
    k = baseline_own[3].fidelity.kpis
    for kpi in ("time_to_opinion_h.mean", "time_to_opinion_h.p90", "throughput_per_week",
                "utilisation.in_house"):
        assert k.loc[kpi, "inside"], k.loc[kpi]
