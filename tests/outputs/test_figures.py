"""Tests for sim.outputs.figures: the right panels and lines, queue curves matching the KPI."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sim.outputs.figures import (
    queue_curves,
    queue_length_figure,
    save_figures,
    time_to_opinion_figure,
    utilisation_figure,
)
from sim.outputs.results import Results
from tests.outputs.test_io import small_results


@pytest.fixture
def res() -> Results:
    return small_results()


def labelled(ax: object, prefix: str) -> list[object]:
    return [ln for ln in ax.get_lines() if str(ln.get_label()).startswith(prefix)]


def test_time_to_opinion_two_panels_with_target(res: Results) -> None:
    fig = time_to_opinion_figure(res)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    target = res.scenario.targets.time_to_opinion_hours
    for ax in fig.axes:
        (line,) = labelled(ax, "target")
        assert line.get_xdata()[0] == pytest.approx(target)
        assert ax.get_xlabel() == "Time to opinion (hours)"
    specialties = [t.get_text().split("\n")[0] for t in fig.axes[0].get_yticklabels()]
    assert specialties == list(res.plan.specialties)
    pools = [t.get_text().split("\n")[0] for t in fig.axes[1].get_yticklabels()]
    assert pools == list(res.plan.pools)
    assert res.scenario.name in fig.get_suptitle()


def test_time_to_opinion_switches_to_days(res: Results) -> None:
    slow = Results(res.plan, res.replications, res.seed)
    cases = res.cases.copy()
    cases["time_to_opinion_h"] *= 10  # median well above 48 h
    slow.cases = cases  # replaces the cached table
    fig = time_to_opinion_figure(slow)
    for ax in fig.axes:
        assert ax.get_xlabel() == "Time to opinion (days)"
        (line,) = labelled(ax, "target")
        assert line.get_xdata()[0] == pytest.approx(res.scenario.targets.time_to_opinion_hours
                                                    / 24)


def test_utilisation_bars_ci_and_reference_lines(res: Results) -> None:
    fig = utilisation_figure(res)
    (ax,) = fig.axes
    assert len(ax.patches) == len(res.plan.pools)
    summary = res.summary()
    for bar, pool in zip(ax.patches, res.plan.pools, strict=True):
        assert bar.get_height() == pytest.approx(summary.loc[f"utilisation.{pool}", "mean"])
    (high,), (full,) = labelled(ax, "85%"), labelled(ax, "100%")
    assert (high.get_ydata()[0], high.get_linestyle()) == (0.85, "--")
    assert (full.get_ydata()[0], full.get_linestyle()) == (1.0, "-")
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert bars.errorbar is not None  # error bars from the confidence intervals
    assert res.scenario.name in ax.get_title()


def test_queue_length_one_step_line_per_pool(res: Results) -> None:
    fig = queue_length_figure(res, replication=1)
    (ax,) = fig.axes
    assert [ln.get_label() for ln in ax.get_lines()] == list(res.plan.pools)
    # dates on the axis: from the start day to the horizon (matplotlib counts days)
    sim_ = res.scenario.simulation
    first = mdates.date2num(np.datetime64(sim_.start, "s"))
    assert ax.get_xlim() == pytest.approx((first, first + sim_.horizon_days))
    assert len(ax.patches) == 1  # the shaded warm-up
    assert "replication 1" in ax.get_title() and "Date" in ax.get_xlabel()
    with pytest.raises(ValueError, match="no replication 7"):
        queue_length_figure(res, replication=7)


@pytest.mark.parametrize("replication", [0, 1])
def test_queue_curves_match_the_queue_length_kpi(res: Results, replication: int) -> None:
    t0, t1 = res.plan.warmup_h, res.plan.horizon_h
    cases = res.cases[res.cases["replication"] == replication]
    for pool, (t, n) in queue_curves(res, replication).items():
        assert t[0] == 0 and t[-1] == t1 and np.all(np.diff(t) >= 0) and np.all(n >= 0)
        a, b = np.clip(t[:-1], t0, t1), np.clip(t[1:], t0, t1)
        average = np.sum(n[:-1] * (b - a)) / (t1 - t0)
        assert average == pytest.approx(res.kpis.loc[replication, f"queue_length.{pool}"])
        waiting = ((cases["pool"] == pool) & cases["queue_h"].notna() & cases["seize_h"].isna())
        waiting |= ((cases["screen_pool"] == pool) & cases["screen_queue_h"].notna()
                    & cases["screen_seize_h"].isna())
        assert n[-1] == waiting.sum()  # still waiting at the horizon


def test_save_figures_writes_three_pngs_and_leaks_nothing(res: Results, tmp_path: Path) -> None:
    open_before = plt.get_fignums()
    paths = save_figures(res, tmp_path / "figs")
    assert [p.name for p in paths] == ["time_to_opinion.png", "utilisation.png",
                                       "queue_length.png"]
    for p in paths:
        data = p.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == sorted(p.name for p in paths)
    assert plt.get_fignums() == open_before
