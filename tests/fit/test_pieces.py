"""The fit's pieces against known answers: distances, duration families, YAML, concurrency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.fit.distances import log_distances, n_gram_distance
from sim.fit.durations import fit_duration
from sim.fit.fitted import Fitted
from sim.fit.staffing import max_concurrent
from sim.fit.yaml_out import to_yaml


def _log(arrivals: np.ndarray, service: np.ndarray, stages=("arrival", "review")) -> pd.DataFrame:  # noqa: ANN001
    rows = []
    for i, (a, s) in enumerate(zip(arrivals, service, strict=True)):
        rows.append((f"c{i}", stages[0], "complete", a))
        rows.append((f"c{i}", stages[1], "complete", a + s))
    return pd.DataFrame(rows, columns=["case", "stage", "lifecycle", "time_h"])


def test_distances_zero_for_the_same_log_and_track_a_shift():
    rng = np.random.default_rng(4)
    a = np.sort(rng.uniform(0, 24 * 28, 2000))
    s = rng.exponential(3, 2000)
    same = log_distances(_log(a, s), _log(a, s), start_weekday=0)
    assert (same.fillna(0) == 0).all()
    slower = log_distances(_log(a, s), _log(a, s + 5.0), start_weekday=0)
    assert slower["cycle_time_emd_h"] == pytest.approx(5.0)  # every cycle 5 h longer
    assert slower["case_arrival_emd_h"] == 0
    assert slower["n_gram_distance"] == 0


def test_n_gram_distance_sees_a_different_control_flow():
    a = _log(np.arange(10.0), np.ones(10))
    b = _log(np.arange(10.0), np.ones(10), stages=("arrival", "triage"))
    # padded at both ends, each case has 4 trigrams, 3 of which differ: 2 x 3 x 10 / 80
    assert n_gram_distance(a, b) == pytest.approx(0.75)


@pytest.mark.parametrize(("family", "draw"), [
    ("exponential", lambda r: r.exponential(2.0, 3000)),
    ("lognormal", lambda r: r.lognormal(0.3, 0.6, 3000)),
    ("gamma", lambda r: r.gamma(4.0, 0.5, 3000)),
    ("uniform", lambda r: r.uniform(1, 4, 3000)),
    ("triangular", lambda r: r.triangular(1, 2, 6, 3000)),
])
def test_duration_family_recovered(family, draw):
    x = draw(np.random.default_rng(8))
    fd = fit_duration(x)
    assert fd.spec["dist"] == family
    assert fd.mean_ci[0] <= x.mean() <= fd.mean_ci[1]


def test_duration_falls_back_to_empirical_and_fixed():
    rng = np.random.default_rng(1)
    bimodal = np.concatenate([rng.normal(1, 0.05, 800), rng.normal(9, 0.05, 800)])
    assert fit_duration(bimodal).spec["dist"] == "empirical"
    assert fit_duration(np.full(50, 0.5)).spec == {"dist": "fixed", "value": 0.5}


def test_yaml_writes_every_fitted_value_with_its_comment():
    text = to_yaml({"a": {"b": Fitted(0.1, "n=3"), "c": Fitted([1, 2.5], "n=4"),
                          "d": Fitted({"dist": "gamma", "mean": 2.0, "sd": 1e-07}, "n=5"),
                          "on": Fitted("17:00", "quoted")}})
    data = yaml.safe_load(text)
    assert data == {"a": {"b": 0.1, "c": [1, 2.5], "d": {"dist": "gamma", "mean": 2.0,
                                                         "sd": 1e-07}, "on": "17:00"}}
    assert all("  # " in line for line in text.splitlines()[1:])


def test_max_concurrent():
    assert max_concurrent(np.array([0, 1, 2.0]), np.array([1, 2, 3.0])) == 1  # back to back
    assert max_concurrent(np.array([0, 0.5, 0.7]), np.array([1, 2, 3.0])) == 3


def test_sosim_map_knows_every_activity_of_sosims_own_log() -> None:
    """SOSIM_MAP is built from the names the event log uses (sim.engine.stages): each of
    them is mapped to a stage or ignored, and it names no other (the records team's
    activities included)."""
    from sim.engine.stages import EVENT_ACTIVITIES, TEAM_ACTIVITIES
    from sim.fit.mapping import SOSIM_MAP

    known = set(SOSIM_MAP.activity_stage()) | set(SOSIM_MAP.activities.ignore)
    assert known == set(EVENT_ACTIVITIES) | set(TEAM_ACTIVITIES)
