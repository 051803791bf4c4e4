"""Reproducibility and common random numbers.

- the same scenario and seed give identical case tables; other seeds differ;
- replication ``r`` is the same whether run alone or as part of a larger run;
- a change of policy or of review effort leaves every case's arrival and
  attributes untouched (each source of randomness has its own named stream),
  and inverse-transform sampling keeps the same case's review effort in step.

Power: the comparisons are exact (bit for bit), not statistical: one differing value fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.outputs.results import case_table

from .conftest import scenario
from .test_conservation import RICH

ATTRIBUTES = ["case", "arrival_h", "specialty", "service_line", "channel", "payer", "priority"]


def rich(policy: str = "hybrid", overrides: tuple[str, ...] = ()):  # noqa: ANN201
    text = RICH.replace("TRIAGE_POLICY", policy).replace("horizon_days: 120", "horizon_days: 60")
    return scenario(text, overrides)


def test_same_seed_identical_case_tables() -> None:
    a = sim.run(rich(), seed=21, replications=2)
    b = sim.run(rich(), seed=21, replications=2)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)


def test_default_seed_is_the_scenarios() -> None:
    s = rich(overrides=("simulation.seed=21",))
    pd.testing.assert_frame_equal(sim.run(s, replications=1).cases,
                                  sim.run(s, seed=21, replications=1).cases)


def test_different_seeds_and_replications_differ() -> None:
    a = sim.run(rich(), seed=21, replications=2).cases
    b = sim.run(rich(), seed=22, replications=1).cases
    r0, r1 = (a[a["replication"] == r] for r in (0, 1))
    assert not np.array_equal(r0["arrival_h"].to_numpy()[:100], b["arrival_h"].to_numpy()[:100])
    assert not np.array_equal(r0["arrival_h"].to_numpy()[:100], r1["arrival_h"].to_numpy()[:100])


def test_replication_alone_equals_replication_in_a_run() -> None:
    s = rich()
    plan = build_plan(s)
    full = sim.run(s, seed=21, replications=3).cases
    for r in (0, 2):
        alone = case_table(plan, simulate(plan, 21, r))
        part = full[full["replication"] == r].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)


@pytest.mark.parametrize("other", ["legacy", "ai", "direct"])
def test_triage_policy_leaves_arrivals_and_attributes_alone(other: str) -> None:
    base = sim.run(rich("hybrid"), seed=31, replications=2).cases
    alt = sim.run(rich(other), seed=31, replications=2).cases
    pd.testing.assert_frame_equal(base[ATTRIBUTES], alt[ATTRIBUTES])
    # and the records delay of each case too (its own stream)
    records = ["records", "intake_end_h"]
    pd.testing.assert_frame_equal(base[records], alt[records])
    # while the journeys do differ
    assert not base["time_to_opinion_h"].equals(alt["time_to_opinion_h"])


def test_review_effort_change_keeps_arrivals_and_scales_effort() -> None:
    base_s = rich("ai")
    longer_s = rich("ai", ("pools.in_house.review.mean=3.5", "pools.in_house.review.sd=2.1"))
    base = sim.run(base_s, seed=41, replications=1).cases
    longer = sim.run(longer_s, seed=41, replications=1).cases
    pd.testing.assert_frame_equal(base[ATTRIBUTES], longer[ATTRIBUTES])
    # Lognormal with the same coefficient of variation, by inverse transform: each case's
    # in-house review effort is scaled by exactly 3.5 / 2.5 (same uniform, same z).
    plan_a, plan_b = build_plan(base_s), build_plan(longer_s)
    rep_a, rep_b = simulate(plan_a, 41, 0), simulate(plan_b, 41, 0)
    ih = plan_a.pools.index("in_house")
    np.testing.assert_allclose(rep_b.draws.review_h[ih], rep_a.draws.review_h[ih] * 3.5 / 2.5,
                               rtol=1e-12)
    out = plan_a.pools.index("outsourced")
    np.testing.assert_array_equal(rep_b.draws.review_h[out], rep_a.draws.review_h[out])
    for field in ("intake_end_h", "ai_h", "correct", "wrong_line", "auth_h", "outcome"):
        np.testing.assert_array_equal(getattr(rep_a.draws, field), getattr(rep_b.draws, field),
                                      err_msg=field)


def test_staffing_change_keeps_every_draw() -> None:
    """More outsourced oncologists: same cases, same review effort wherever the pool agrees."""
    s1 = rich("ai")
    s2 = rich("ai", ("pools.outsourced.specialists.oncology=5",))
    a = sim.run(s1, seed=51, replications=1).cases
    b = sim.run(s2, seed=51, replications=1).cases
    pd.testing.assert_frame_equal(a[ATTRIBUTES], b[ATTRIBUTES])
    pd.testing.assert_series_equal(a["review_effort_h"].where(a["pool"] == b["pool"]),
                                   b["review_effort_h"].where(a["pool"] == b["pool"]))
