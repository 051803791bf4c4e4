"""Sensitivity analyses on toy models with known answers, and one tiny real study.

The toy models need no simulation: a design's points go straight into a formula.

- ``y = 2a + b`` with ``a, b ~ U(0, 1)``: Var(2a) = 4/12, Var(b) = 1/12, so S1 = ST = 0.8
  and 0.2 exactly; Morris elementary effects are the slopes times the range: 2 and 1.
- Ishigami (SALib's own test function): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from SALib.test_functions import Ishigami

from sim.experiment.design import make_design, parse_param
from sim.experiment.executors import make_executor
from sim.experiment.sensitivity import (
    analysis_figure,
    main_effects,
    morris_figure,
    morris_indices,
    point_means,
    run_sweep,
    sobol_figure,
    sobol_indices,
    tornado,
    tornado_figure,
    write_analysis,
)
from sim.loading import scenario_from_text
from tests.conftest import MINI_YAML

UNIT = ("a=0.0:1.0", "b=0.0:1.0")


def linear(points: pd.DataFrame) -> pd.Series:
    return 2 * points["a"] + points["b"]


def test_sobol_linear_model_matches_the_analytic_shares() -> None:
    d = make_design("sobol", [parse_param(p) for p in UNIT], samples=512, seed=1)
    s = sobol_indices(d, linear(d.points)).set_index("parameter")
    assert list(s.index) == ["a", "b"]  # sorted by ST
    for name, share in (("a", 0.8), ("b", 0.2)):
        assert s.at[name, "S1"] == pytest.approx(share, abs=0.02)
        assert s.at[name, "ST"] == pytest.approx(share, abs=0.02)
        assert s.at[name, "S1_conf"] < 0.1


def test_sobol_ishigami_matches_the_literature() -> None:
    ps = [parse_param(f"x{i}={-math.pi}:{math.pi}") for i in (1, 2, 3)]
    d = make_design("sobol", ps, samples=1024, seed=3)
    s = sobol_indices(d, Ishigami.evaluate(d.points[d.keys].to_numpy())).set_index("parameter")
    for name, s1, st in (("x1", 0.314, 0.558), ("x2", 0.442, 0.442), ("x3", 0.0, 0.244)):
        assert s.at[name, "S1"] == pytest.approx(s1, abs=0.05)
        assert s.at[name, "ST"] == pytest.approx(st, abs=0.05)
    assert s.at["x3", "ST"] - s.at["x3", "S1"] > 0.15  # x3 acts only through x1


def test_sobol_on_a_discrete_parameter_is_its_share_over_its_levels() -> None:
    # y = level of k (1..4, equally likely) + tiny continuous noise from a: S1(k) ~ 1
    d = make_design("sobol", [parse_param("k=1:4"), parse_param("a=0.0:0.01")], samples=256,
                    seed=2)
    s = sobol_indices(d, d.points["k"] + d.points["a"]).set_index("parameter")
    assert s.at["k", "S1"] == pytest.approx(1.0, abs=0.03)
    assert s.at["a", "ST"] < 0.01


def test_morris_linear_model_ranks_and_measures_effects() -> None:
    ps = [parse_param(p) for p in (*UNIT, "c=1:3")]
    d = make_design("morris", ps, samples=10, seed=0)
    m = morris_indices(d, linear(d.points)).set_index("parameter")
    assert list(m.index) == ["a", "b", "c"]
    assert m["mu_star"].tolist() == pytest.approx([2.0, 1.0, 0.0])
    assert m["sigma"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_tornado_sorts_by_range_and_keeps_the_base() -> None:
    d = make_design("oat", [parse_param("a=1:3"), parse_param("b=x,y"), parse_param("c=0:1")])
    # points: base, a=1, a=2, a=3, b=x, b=y, c=0, c=1
    y = [10.0, 9.0, 11.0, 12.0, 4.0, 30.0, 10.0, 10.5]
    t = tornado(d, y)
    assert t["parameter"].tolist() == ["b", "a", "c"]
    assert t["range"].tolist() == [26.0, 3.0, 0.5]
    assert (t["base"] == 10.0).all()
    first = t.iloc[0]
    assert (first["low"], first["high"], first["level_at_low"], first["level_at_high"]) == \
        (4.0, 30.0, "x", "y")


def test_main_effects_rank_parameters_of_a_grid() -> None:
    d = make_design("grid", [parse_param("a=1:3"), parse_param("b=0.0:1.0")], levels=5)
    e = main_effects(d, 10 * d.points["b"] + d.points["a"])
    assert e["parameter"].tolist() == ["b", "a"]
    assert e["range"].tolist() == pytest.approx([10.0, 2.0])


def test_analyses_check_their_inputs() -> None:
    d = make_design("sobol", [parse_param(p) for p in UNIT], samples=8)
    with pytest.raises(ValueError, match="one value per design point"):
        sobol_indices(d, [1.0, 2.0])
    y = linear(d.points).to_numpy(copy=True)
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"missing at design points \[3\]"):
        sobol_indices(d, y)
    with pytest.raises(ValueError, match="no variance"):
        sobol_indices(d, np.ones(d.size))
    with pytest.raises(ValueError, match="needs a one-at-a-time design"):
        tornado(d, linear(d.points))
    with pytest.raises(ValueError, match="need a morris design"):
        morris_indices(d, linear(d.points))


def test_figures_are_agg_figures() -> None:
    d = make_design("sobol", [parse_param(p) for p in UNIT], samples=64)
    s = sobol_indices(d, linear(d.points))
    m = make_design("morris", [parse_param(p) for p in UNIT], samples=4)
    o = make_design("oat", [parse_param("a=1:3"), parse_param("b=x,y")])
    figs = [sobol_figure(s, "y"), morris_figure(morris_indices(m, linear(m.points)), "y"),
            tornado_figure(tornado(o, [1, 2, 3, 4, 0, 5]), "y"),
            analysis_figure(o, tornado(o, [1, 2, 3, 4, 0, 5]), "y")]
    for fig in figs:
        assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
        assert fig.axes and fig.axes[0].get_title()


def test_a_tiny_real_study_gives_one_tidy_table(tmp_path) -> None:  # noqa: ANN001
    base = scenario_from_text(MINI_YAML, overrides=["simulation.horizon_days=12"])
    d = make_design("oat", [parse_param("pools.in_house.specialists.oncology=2:4"),
                            parse_param("triage.ai.accuracy=0.6,0.95")], base=base)
    assert d.size == 1 + 2 + 2
    with make_executor("serial") as ex:
        table = run_sweep(d, base, tmp_path / "study", ex, seed=5, replications=2,
                          progress=False)
    assert len(table) == d.size * 2
    assert table[["point", "replication"]].value_counts().eq(1).all()
    for col in ("point", "varied", *d.keys, "replication", "seed", "time_to_opinion_h.mean",
                "utilisation.in_house"):
        assert col in table.columns
    assert table.loc[table["varied"] == "base", "pools.in_house.specialists.oncology"].eq(3).all()
    means = point_means(table, ["time_to_opinion_h.mean", "misrouted_share"])
    assert list(means.index) == list(range(d.size))
    t = tornado(d, means["misrouted_share"]).set_index("parameter")
    assert t.at["triage.ai.accuracy", "level_at_low"] == 0.95  # better triage misroutes less
    results = write_analysis(tmp_path / "study", d, table, ["time_to_opinion_h.mean"])
    assert set(results) == {"time_to_opinion_h.mean"}
    for name in ("analysis/time_to_opinion_h.mean.csv", "figures/oat-time_to_opinion_h.mean.png",
                 "design.csv", "results.parquet"):
        assert (tmp_path / "study" / name).is_file()
    with make_executor("serial") as ex:  # resumed: nothing left to run, same table
        again = run_sweep(d, base, tmp_path / "study", ex, seed=5, replications=2,
                          progress=False)
    pd.testing.assert_frame_equal(again, table)
