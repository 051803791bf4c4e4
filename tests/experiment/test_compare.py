"""Policy comparison on common random numbers: paired differences and their intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.experiment.compare import Comparison, compare, describe_kpi
from sim.experiment.executors import make_executor
from tests.experiment import short

ATTRIBUTES = ["arrival_h", "specialty", "service_line", "channel", "payer", "priority", "records"]


@pytest.fixture(scope="module")
def staffing() -> Comparison:
    """Two staffing levels of the same scenario: strongly correlated outputs under CRN."""
    # 10 pairs: the half-width ratio estimated from 5 pairs ranges 0.18-0.92 over seeds 1-3
    return compare(short("baseline", 30), vary={"pools.in_house.specialists.oncology": [3, 4]},
                   replications=10, seed=1)


def test_arrivals_and_attributes_are_identical_across_policies() -> None:
    names = ("legacy_referral", "baseline", "hybrid")
    runs = [sim.run(short(n, 20), seed=4, replications=2) for n in names]
    first = runs[0].cases[["replication", "case", *ATTRIBUTES]]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(other.cases[["replication", "case", *ATTRIBUTES]], first,
                                      check_exact=True)
    assert not runs[0].cases["time_to_match_h"].equals(runs[1].cases["time_to_match_h"])


def test_compared_scenarios_share_seed_and_replications(tmp_path: Path) -> None:
    scenarios = [short("legacy_referral", 15), short("baseline", 15)]
    with make_executor("serial") as ex:
        cmp = compare(scenarios, replications=3, seed=9, executor=ex, folder=tmp_path)
    assert cmp.labels == ("legacy_referral", "baseline")
    a, b = cmp.replications("legacy_referral"), cmp.replications("baseline")
    assert list(a.index) == list(b.index) == [0, 1, 2]
    assert (cmp.results["seed"] == 9).all()
    pd.testing.assert_series_equal(a["arrivals"], b["arrivals"])
    assert (tmp_path / "results.parquet").is_file() and cmp.folder == tmp_path


def test_paired_interval_is_narrower_than_the_unpaired_one(staffing: Comparison) -> None:
    assert staffing.labels == ("oncology=3", "oncology=4")
    d = staffing.differences(["time_to_opinion_h.mean", "utilisation.in_house"])
    assert (d["half_width"] < d["welch_half_width"]).all()
    ratio = d["half_width_ratio"]
    assert ratio.loc[("oncology=4", "time_to_opinion_h.mean")] < 0.6
    # drop-out (the shipped scenarios' abandonment section) lets the two staffing levels serve
    # slightly different cases, which loosens the pairing of utilisation a little (about 0.7)
    assert ratio.loc[("oncology=4", "utilisation.in_house")] < 0.8
    assert d.loc[("oncology=4", "utilisation.in_house"), "difference"] < 0  # more specialists


def test_differences_match_scipy(staffing: Comparison) -> None:
    kpi = "time_to_opinion_h.mean"
    a = staffing.replications("oncology=3")[kpi].to_numpy()
    b = staffing.replications("oncology=4")[kpi].to_numpy()
    row = staffing.differences([kpi]).loc[("oncology=4", kpi)]
    paired = stats.ttest_rel(b, a).confidence_interval(0.95)
    welch = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert row["difference"] == pytest.approx(np.mean(b - a))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((paired.low, paired.high))
    assert (row["welch_low"], row["welch_high"]) == pytest.approx((welch.low, welch.high))
    assert row["n"] == 10 and row["reference"] == "oncology=3"


def test_table_and_sentence(staffing: Comparison) -> None:
    text = staffing.table(["time_to_opinion_h.mean", "utilisation.*"])
    assert "time_to_opinion_h.mean" in text and "utilisation.outsourced" in text
    assert "±paired" in text and "10 paired replications" in text
    line = staffing.sentence("utilisation.in_house")
    assert line.startswith("oncology=4 cuts utilisation of in_house by ")
    assert "pp (95% CI " in line and line.endswith("against oncology=3, over 10 paired "
                                                   "replications")
    with pytest.raises(KeyError, match="unknown KPI"):
        staffing.table(["no_such_kpi"])


def test_describe_kpi() -> None:
    assert describe_kpi("time_to_match_h.mean") == ("mean time to match", "h", 1.0)
    assert describe_kpi("within_target.opinion") == ("share of opinions within target", "pp",
                                                     100.0)
    assert describe_kpi("queue_length.in_house") == ("queue length of in_house", "cases", 1.0)
    assert describe_kpi("outsourced_share")[1:] == ("pp", 100.0)


def test_bad_comparisons() -> None:
    s = short("baseline", 15)
    with pytest.raises(ValueError, match="nothing to compare"):
        compare([s], replications=2)
    with pytest.raises(ValueError, match="one scenario"):
        compare([s, s], vary={"triage.ai.accuracy": [0.8, 0.9]}, replications=2)
    with pytest.raises(ValueError, match="distinct labels"):
        compare([s, s], labels=["a", "a"], replications=2)
    with pytest.raises(sim.ScenarioError, match="triage.policy"):
        compare(s, vary={"triage.policy": ["ai", "telepathy"]}, replications=2)
    assert compare([s, s], replications=2).labels == ("baseline", "baseline#2")


def test_an_infinite_kpi_has_no_interval_and_no_warning() -> None:
    """A salaried line with no opinion costs an infinite amount per opinion: its Welch
    interval is NaN, computed without numpy's RuntimeWarning on stderr (a new user saw it
    on `sosim compare`)."""
    import warnings

    from sim.experiment.compare import _welch

    a = pd.DataFrame({"cost": [np.inf, 10.0, 12.0], "time": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"cost": [9.0, 11.0, 10.0], "time": [2.0, 3.0, 5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        half = _welch(a, b, 0.95)
    assert np.isnan(half["cost"])
    se = np.sqrt(a["time"].var() / 3 + b["time"].var() / 3)
    assert half["time"] > se  # a t multiple of the standard error
