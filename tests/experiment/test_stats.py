"""Output analysis on series with a known answer: intervals, replications, warm-up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiment.executors import SerialExecutor
from sim.experiment.stats import (
    mser,
    replication_analysis,
    replications_needed,
    summary,
    trim_censored,
    warmup_series,
    welch,
)
from tests.experiment import short


def transient(seed: int, n: int = 1000, tau: float = 30.0) -> np.ndarray:
    """20 e^(-t/tau) + N(0, 1): the bias falls below half the noise sd near t = tau ln 40."""
    t = np.arange(n)
    return 20 * np.exp(-t / tau) + np.random.default_rng(seed).normal(0, 1, n)


@pytest.mark.parametrize("seed", range(5))
def test_mser5_truncates_near_the_end_of_the_transient(seed: int) -> None:
    end = 30 * np.log(40)  # about 111
    result = mser(transient(seed))
    assert result.batch == 5 and result.truncation % 5 == 0
    assert 0.6 * end <= result.truncation <= 2 * end
    assert len(result.statistic) == 1000 // 5 // 2 + 1


def test_mser5_exact_on_a_step_and_zero_on_stationary_noise() -> None:
    step = np.r_[np.full(50, 10.0), np.tile([0.0, 1.0], 200)]
    assert mser(step).truncation == 50
    assert mser(np.tile([1.0, 2.0, 3.0, 4.0, 5.0], 100)).truncation == 0  # constant batch means
    with pytest.raises(ValueError, match="at least"):
        mser(np.ones(10))


def test_welch_moving_average() -> None:
    line = np.arange(20, dtype=float)
    reps = np.vstack([line - 1, line + 1])  # replications average to the line
    np.testing.assert_allclose(welch(reps, window=3), line[:17])  # symmetric windows keep a line
    y = np.array([4.0, 0, 2, 6, 1, 3, 5, 9])
    got = welch(y, window=2)
    assert got[0] == 4 and got[1] == pytest.approx(2) and got[2] == pytest.approx(13 / 5)
    assert len(got) == 6
    with pytest.raises(ValueError):
        welch(y, window=8)


def test_replication_analysis_matches_the_t_interval_and_the_lookahead_rule() -> None:
    x = np.array([10, 12, 11, 10.5, 11.5, 11, 10.8, 11.2, 11.1, 10.9])
    a = replication_analysis(x, precision=0.1, lookahead=2)
    n5 = x[:5]
    half = stats.t.ppf(0.975, 4) * n5.std(ddof=1) / np.sqrt(5)
    assert a.table.loc[5, "half_width"] == pytest.approx(half)
    assert a.table.loc[5, "relative_precision"] == pytest.approx(half / n5.mean())
    within = a.table["within"]
    assert a.n == 5 and within.loc[5:7].all() and not within.loc[4]
    assert replication_analysis(x[:6], precision=0.1, lookahead=2).n is None  # 7 not run yet
    assert replication_analysis(x, precision=0.001).n is None
    assert "not settled" in str(replication_analysis(x, precision=0.001))


def test_replication_analysis_on_noise_of_known_spread() -> None:
    """With sd/mean = 5%, a 5% relative half-width needs t(n-1) <= sqrt(n): n = 7 on average."""
    found = [replication_analysis(np.random.default_rng(s).normal(100, 5, 60), 0.05).n
             for s in range(20)]
    assert all(n is not None and 3 <= n <= 15 for n in found)
    assert 5 <= np.median(found) <= 9


def test_replications_needed_is_the_same_whatever_the_round_width() -> None:
    s = short("baseline", 15)
    kpi = "time_to_opinion_h.mean"
    one = replications_needed(s, kpi, 0.1, seed=3, max_replications=12, lookahead=2,
                              executor=SerialExecutor())
    with ThreadPoolExecutor(max_workers=4) as ex:  # rounds of four
        four = replications_needed(s, kpi, 0.1, seed=3, max_replications=12, lookahead=2,
                                   executor=ex)
    assert one.n is not None and one.n == four.n
    pd.testing.assert_frame_equal(one.table, four.table, check_exact=True)
    assert one.table.index[-1] == one.n + 2
    with pytest.raises(KeyError, match="unknown KPI"):
        replications_needed(s, "nope", 0.1, max_replications=3, lookahead=1)


def test_warmup_series_counts_cases_in_the_system() -> None:
    inf = np.nan
    cases = pd.DataFrame({
        "replication": [0, 0, 0, 1],
        "arrival_h": [1.0, 30.0, 50.0, 5.0],
        "review_end_h": [20.0, inf, 60.0, 40.0],
        "queue_h": [2.0, 31.0, 51.0, 6.0],
        "seize_h": [10.0, inf, 55.0, 30.0],
        "time_to_opinion_h": [19.0, inf, 10.0, 35.0],
    })
    wip = warmup_series(cases, horizon_h=72, measure="in_system")
    assert wip.loc[0].tolist() == [0, 1, 1] and wip.loc[1].tolist() == [1, 0, 0]
    queue = warmup_series(cases, horizon_h=72, measure="queue_length")
    assert queue.loc[0].tolist() == [0, 1, 1] and queue.loc[1].tolist() == [1, 0, 0]
    tto = warmup_series(cases, horizon_h=72, measure="time_to_opinion_h", min_known=0.9)
    assert tto.shape == (2, 1) and tto.loc[0, 0] == 19.0  # day 1 is censored in replication 0
    raw = warmup_series(cases, horizon_h=72, measure="time_to_opinion_h", trim=False)
    assert raw.shape == (2, 3) and np.isnan(raw.loc[0, 1])
    assert trim_censored(raw).shape == (2, 1)


def test_summary_by_point() -> None:
    table = pd.DataFrame({"point": [0, 0, 1, 1], "replication": [0, 1, 0, 1],
                          "seed": 1, "k": [1.0, 3.0, 10.0, 14.0]})
    s = summary(table, by="point")
    assert list(s.index) == [(0, "k"), (1, "k")]
    assert s.loc[(1, "k"), "mean"] == 12 and s.loc[(0, "k"), "n"] == 2
    assert list(summary(table).index) == ["k"]
