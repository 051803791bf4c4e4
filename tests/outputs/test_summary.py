"""The summary of KPIs across replications (:func:`sim.outputs.kpis.summarise`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from sim.outputs.kpis import summarise


def test_summary_is_the_mean_with_a_t_interval() -> None:
    kpis = pd.DataFrame({"x": [1.0, 2.0, 4.0, 7.0]})
    row = summarise(kpis).loc["x"]
    sd = float(np.std([1.0, 2.0, 4.0, 7.0], ddof=1))
    half = stats.t.ppf(0.975, 3) * sd / 2.0
    assert row["mean"] == 3.5 and row["n"] == 4
    assert np.isclose(row["sd"], sd) and np.isclose(row["half_width"], half)
    assert np.isclose(row["ci_low"], 3.5 - half) and np.isclose(row["ci_high"], 3.5 + half)


def test_an_infinite_kpi_has_no_sd_and_raises_no_warning() -> None:
    """A salaried line that gave no opinion costs infinitely much per opinion
    (sim/outputs/make_or_buy.py): a short what-if printed numpy's RuntimeWarning twice."""
    kpis = pd.DataFrame({"cost_per_opinion_usd": [np.inf, 2950.0, np.inf],
                         "x": [1.0, 2.0, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = summarise(kpis)
    assert out.loc["cost_per_opinion_usd", "mean"] == np.inf
    assert np.isnan(out.loc["cost_per_opinion_usd", "sd"])
    assert out.loc["x", "mean"] == 2.0
