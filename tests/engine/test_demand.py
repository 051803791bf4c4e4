"""Arrivals and attributes: thinning follows the profile, attributes follow the mix."""

import numpy as np
import pytest
from scipy import stats

from sim.core.streams import Streams
from sim.engine.demand import arrival_times, generate_cases, rate_per_hour
from sim.engine.plan import build_plan


def test_thinning_follows_weekday_and_hour_profile(make_scenario):
    s = make_scenario("demand.cases_per_year=200000", "simulation.horizon_days=364")
    rng = np.random.default_rng(3)
    t = arrival_times(s.demand, 364 * 24.0, 0, rng)
    expected_total = 200000 * 364 / 365
    assert abs(len(t) - expected_total) < 4 * np.sqrt(expected_total)
    # counts per hour-of-week against the integrated rate (piecewise constant per hour)
    hour_of_week = (np.floor(t) % 168).astype(int)
    observed = np.bincount(hour_of_week, minlength=168)
    grid = np.arange(168) + 0.5
    expected = rate_per_hour(s.demand, grid, 0) * 52
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > 1e-3


def test_thinning_uses_the_candidates_own_time():
    """A rate that is zero at night must give no night arrivals at all."""
    from sim.scenario.models import Demand

    hours = [0.0] * 8 + [1.0] * 10 + [0.0] * 6
    d = Demand(cases_per_year=50000, profile={"hour_of_day": hours},
               mix={"specialty": {"a": 1}, "channel": {"c": 1}, "payer": {"p": 1}})
    t = arrival_times(d, 24 * 200.0, 0, np.random.default_rng(5))
    assert len(t) > 1000
    assert np.all((t % 24 >= 8) & (t % 24 < 18))
    assert np.all(np.diff(t) > 0)


def test_attributes_follow_the_mix(make_scenario):
    s = make_scenario("demand.cases_per_year=100000")
    plan = build_plan(s)
    st = Streams(1)
    cases = generate_cases(plan, st.rng("arrivals"), st.rng("attributes"))
    n = len(cases)
    share = np.bincount(cases.specialty, minlength=3) / n
    np.testing.assert_allclose(share, [0.5, 0.3, 0.2], atol=4 * np.sqrt(0.25 / n))
    sarcoma = [ln.name for ln in plan.lines].index("oncology/sarcoma")
    onc = cases.specialty == 0
    assert abs(np.mean(cases.line[onc] == sarcoma) - 0.1) < 4 * np.sqrt(0.09 / onc.sum())
    assert abs(np.mean(cases.priority == 0) - 0.2) < 4 * np.sqrt(0.16 / n)
    # a case's line always belongs to its specialty
    for i, ln in enumerate(plan.lines):
        assert np.all(cases.specialty[cases.line == i] == plan.specialties.index(ln.specialty))


def test_a_payer_can_bring_its_own_specialty_mix(make_scenario):
    s = make_scenario("demand.cases_per_year=100000",
                      "demand.mix.specialty_by_payer={medicare: {oncology: 0.1, cardiology: 0.1,"
                      " neurology: 0.8}}")
    plan = build_plan(s)
    st = Streams(4)
    cases = generate_cases(plan, st.rng("arrivals"), st.rng("attributes"))
    medicare = cases.payer == plan.payers.index("medicare")
    neuro = cases.specialty == plan.specialties.index("neurology")
    assert abs(neuro[medicare].mean() - 0.8) < 0.02
    assert abs(neuro[~medicare].mean() - 0.2) < 0.02
    overall = s.demand.mix.overall_specialty()
    assert overall["neurology"] == pytest.approx(0.7 * 0.2 + 0.3 * 0.8)
    # without the override, draws are exactly those of the plain mix (common random numbers)
    plain = build_plan(make_scenario("demand.cases_per_year=100000"))
    st = Streams(4)
    base = generate_cases(plain, st.rng("arrivals"), st.rng("attributes"))
    np.testing.assert_array_equal(base.specialty[~medicare], cases.specialty[~medicare])


def test_specialty_by_payer_names_are_checked(make_scenario):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError) as err:
        make_scenario("demand.mix.specialty_by_payer={nobody: {oncology: 1.0}}")
    assert "payer 'nobody'" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        make_scenario("demand.mix.specialty_by_payer={medicare: {oncology: 0.5}}")
    assert "must sum to 1" in str(err.value)
