"""Demand (sim.engine.demand) value by value: the rate at given instants, and which uniform
decides which attribute of a case.

``draw_cases`` draws one row of five uniforms per case from the ``attributes`` stream:
column 0 the specialty (also under a payer's own specialty mix), 1 the service line within
the specialty, 2 the channel, 3 the payer, 4 the priority. A case keeps its attributes
whatever else a scenario changes only if that layout holds, so it is checked exactly here,
with the category of a uniform ``u`` counted as the number of cumulative shares ``<= u``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.streams import Streams
from sim.engine.demand import arrival_times, draw_cases, generate_cases, rate_per_hour
from sim.engine.plan import build_plan
from sim.scenario.models import Demand

N = 5000


def category(u: np.ndarray, shares: list[float]) -> np.ndarray:
    """Index of the share interval ``[cum[k-1], cum[k])`` holding each ``u``."""
    cum = np.cumsum(shares) / np.sum(shares)
    return (u[:, None] >= cum[None, :]).sum(axis=1)


def test_the_rate_at_given_instants_from_a_wednesday_start():
    d = Demand(cases_per_year=8760, profile={"weekday": [1, 1, 1, 1, 1, 2, 2],
                                             "hour_of_day": [1] * 12 + [3] * 12},
               mix={"specialty": {"a": 1}, "channel": {"c": 1}, "payer": {"p": 1}})
    # 1 case an hour on average; weekday weights / (9/7), hour weights / 2
    t = np.asarray([0.5, 24.0, 3 * 24 + 13.5, 5 * 24 + 23.99, 6 * 24 + 12.0])
    # Wed 00:30, Thu 00:00, Sat 13:30, Mon 23:59, Tue 12:00
    want = [7 / 9 * 0.5, 7 / 9 * 0.5, 14 / 9 * 1.5, 7 / 9 * 1.5, 7 / 9 * 1.5]
    np.testing.assert_allclose(rate_per_hour(d, t, start_weekday=2), want, rtol=1e-12)
    flat = Demand(cases_per_year=4380, mix={"specialty": {"a": 1}, "channel": {"c": 1},
                                            "payer": {"p": 1}})
    np.testing.assert_allclose(rate_per_hour(flat, t, 5), 0.5, rtol=1e-12)


def test_arrivals_are_kept_where_the_rate_is_positive_and_in_proportion_to_it():
    # Saturdays (start on a Thursday: days 2, 9, ...) have twice a weekday's rate, Sundays none
    d = Demand(cases_per_year=87600, profile={"weekday": [1, 1, 1, 1, 1, 2, 0]},
               mix={"specialty": {"a": 1}, "channel": {"c": 1}, "payer": {"p": 1}})
    t = arrival_times(d, 700 * 24.0, 3, np.random.default_rng(2))
    weekday = (3 + (t // 24).astype(int)) % 7
    counts = np.bincount(weekday, minlength=7)
    assert counts[6] == 0 and (np.diff(t) > 0).all() and t.max() < 700 * 24.0
    assert 0 <= t[0] < 1.0  # arrivals start at time 0 (10 an hour: none in the first hour
    # has probability e^-10)
    # 10 an hour on average: 10 * 7/7 = 10/h on weekdays, 20/h on Saturdays; 100 weeks
    expected = np.asarray([10, 10, 10, 10, 10, 20, 0]) * 24 * 100
    assert np.all(np.abs(counts - expected)[:6] < 4 * np.sqrt(expected[:6]))


@pytest.fixture
def plan(make_scenario):  # noqa: ANN001, ANN201
    return build_plan(make_scenario(  # charity is a payer no case of the mix has
        "demand.mix.specialty_by_payer={medicare: {oncology: 0.1, cardiology: 0.1,"
        " neurology: 0.8}}", "payers.charity={}"))


@pytest.mark.parametrize(("n", "seed"), [(N, 11)] + [(1, seed) for seed in range(6)])
def test_each_attribute_has_its_own_uniform(plan, n: int, seed: int) -> None:  # noqa: ANN001
    # (single cases: specialties without a case are skipped, the others still get a line)
    cases = draw_cases(plan, np.arange(n, dtype=float), np.random.default_rng(seed))
    u = np.random.default_rng(seed).random((n, 5))
    assert plan.payers == ("commercial", "medicare", "charity")
    assert plan.specialties == ("oncology", "cardiology", "neurology")
    payer = category(u[:, 3], [0.7, 0.3, 0.0])
    assert (payer < 2).all()
    specialty = np.where(payer == 1, category(u[:, 0], [0.1, 0.1, 0.8]),
                         category(u[:, 0], [0.5, 0.3, 0.2]))
    assert np.array_equal(cases.payer, payer) and np.array_equal(cases.specialty, specialty)
    assert np.array_equal(cases.channel, category(u[:, 2], [0.6, 0.4]))
    assert np.array_equal(cases.priority, category(u[:, 4], [0.2, 0.8]))
    names = [ln.name for ln in plan.lines]
    general, sarcoma = names.index("oncology"), names.index("oncology/sarcoma")
    line_of = {1: names.index("cardiology"), 2: names.index("neurology")}
    want_line = np.where(specialty == 0, np.where(u[:, 1] < 0.9, general, sarcoma),
                         [line_of.get(int(s), -1) for s in specialty])
    assert np.array_equal(cases.line, want_line)
    assert np.array_equal(cases.arrival_h, np.arange(n, dtype=float))


def test_a_copay_waiver_shifts_the_payer_mix_and_raises_the_volume(make_scenario) -> None:  # noqa: ANN001
    s = make_scenario("payers.medicare={covers: [in_house], mandate: incentivised, "
                      "copay_usd: 10, incentive: {reference_copay_usd: 50, "
                      "price_elasticity: -0.4}}", "economics={}")
    plan = build_plan(s)
    # medicare's uptake: 1 + 0.4 * (50 - 10) / 50 = 1.32; weights 0.7 and 0.3 * 1.32
    cases = generate_cases(plan, Streams(3).rng("arrivals"), Streams(3).rng("attributes"))
    u = Streams(3).rng("attributes").random((len(cases), 5))
    assert np.array_equal(cases.payer, category(u[:, 3], [0.7, 0.396]))
    raised = s.demand.model_copy(update={"cases_per_year": 20000 * 1.096})
    want = arrival_times(raised, plan.horizon_h, s.simulation.start.weekday(),
                         Streams(3).rng("arrivals"))
    assert np.array_equal(cases.arrival_h, want)


def test_blocks_of_candidates_join_without_overlap():
    # a flat profile keeps every candidate: about ten blocks of 65,536 candidates, and
    # each block must start after the last candidate of the one before
    d = Demand(cases_per_year=87600, mix={"specialty": {"a": 1}, "channel": {"c": 1},
                                          "payer": {"p": 1}})
    t = arrival_times(d, 70000.0, 0, np.random.default_rng(4))
    assert (np.diff(t) > 0).all()
    assert abs(len(t) - 700000) < 4 * np.sqrt(700000)
