"""Sweeps and sensitivity analysis: run a design, then ask which parameters move a KPI.

:func:`run_sweep` turns a :class:`~sim.experiment.design.Design` into tasks
(:func:`~sim.experiment.tasks.make_tasks`: common random numbers, every point gets the same
seed and replications) and runs them as a resumable study
(:func:`~sim.experiment.study.run_study`) on any executor. The result is **one tidy table**:
one row per design point and replication, the parameters as columns (plus ``point``, and
``varied`` for one-at-a-time designs), then ``replication``, ``seed`` and every KPI.

Each analysis reads the **mean KPI per design point** (:func:`point_means`) and returns a
table sorted from the most to the least influential parameter:

``oat`` -> :func:`tornado`
    the KPI's range as each parameter moves over its levels, the others at the scenario's
    values. Cheap and readable; blind to interactions.
``sobol`` -> :func:`sobol_indices`
    variance shares (SALib, Saltelli scheme): ``S1`` is the share of the KPI's variance
    explained by the parameter alone, ``ST`` adds all its interactions; ``ST - S1`` large
    means the parameter matters through others. With 95% bootstrap intervals.
``morris`` -> :func:`morris_indices`
    elementary effects: ``mu_star`` is the mean absolute change of the KPI when the
    parameter moves; inputs are on the unit scale, so it reads as "KPI change across the
    parameter's whole range". ``sigma`` high relative to ``mu_star`` flags non-linearity or
    interactions. A screening method: far cheaper than Sobol, ranks rather than measures.
``grid``, ``lhs`` -> :func:`main_effects`
    the mean KPI per level (continuous ranges cut into quintiles) and its range.

Example (one at a time, on ``scenario``, the baseline cut to 14 days; 1 replication a point):
    >>> from sim.experiment.design import make_design, parse_param
    >>> from sim.experiment.executors import make_executor
    >>> params = [parse_param("triage.ai.accuracy=0.7:0.95"),
    ...           parse_param("pools.in_house.specialists.oncology=3:5")]
    >>> design = make_design("oat", params, levels=3, base=scenario)
    >>> with make_executor("serial") as ex:
    ...     table = run_sweep(design, scenario, "runs/oat", ex, replications=1, progress=False)
    >>> means = point_means(table, ["time_to_opinion_h.mean"])
    >>> tornado(design, means["time_to_opinion_h.mean"])[["parameter", "low", "high"]].round(2)
                                 parameter    low   high
    0                   triage.ai.accuracy  44.69  47.69
    1  pools.in_house.specialists.oncology  45.95  46.67

A Sobol study of two parameters: 16 (2 x 2 + 2) = 96 points, 3 replications each of the
full baseline (288 runs: minutes, not for a unit test):
    >>> design = make_design("sobol", [parse_param("triage.ai.accuracy=0.7:0.95"),
    ...                                parse_param("demand.cases_per_year=9e3:15e3")],
    ...                      samples=16)
    >>> with make_executor("processes") as ex:        # a long study  # doctest: +SKIP
    ...     table = run_sweep(design, "scenarios/baseline.yaml", "runs/acc", ex,
    ...                       replications=3)
    >>> means = point_means(table, ["time_to_opinion_h.mean"])  # that study  # doctest: +SKIP
    >>> sobol_indices(design, means["time_to_opinion_h.mean"])  # that study  # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.design import MORRIS_LEVELS, Design, base_document
from sim.loading import scenario_from_document
from sim.outputs.plotting import new_figure as _figure
from sim.scenario import Scenario
from sim.scenario.loader import Document

DEFAULT_KPIS = ("time_to_opinion_h.mean", "time_to_opinion_h.p90")


def run_sweep(design: Design, base: str | os.PathLike[str] | Document | Scenario,
              folder: str | os.PathLike[str], executor: Executor, *,
              overrides: Sequence[str] = (), seed: int | None = None,
              replications: int | None = None, batch: int | None = None,
              progress: bool = True,
              points: Sequence[tuple[dict[str, Any], Scenario]] | None = None) -> pd.DataFrame:
    """Run every design point (resumably, in ``folder``) and return the tidy table.

    ``seed`` and ``replications`` default to the base scenario's; ``points`` are
    ``design.scenarios(base)`` if already built. Running it again with the same arguments
    only runs what is missing.
    """
    from sim.experiment.study import run_study
    from sim.experiment.tasks import make_tasks

    doc = base_document(base, overrides)
    sim_settings = scenario_from_document(doc).simulation
    points = design.scenarios(doc) if points is None else points
    tasks = make_tasks(points, seed=sim_settings.seed if seed is None else seed,
                       replications=replications or sim_settings.replications, batch=batch)
    return run_study(folder, tasks, executor, progress=progress,
                     description=f"{design.kind} sweep of {', '.join(design.keys)}")


def point_means(table: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """Mean of each KPI over replications, one row per design point (index ``point``)."""
    missing = [k for k in kpis if k not in table.columns]
    if missing:
        raise KeyError(f"no KPI column {missing[0]!r} in the table")
    n = int(table["point"].max()) + 1 if len(table) else 0
    return table.groupby("point")[list(kpis)].mean().reindex(range(n))


def _y(design: Design, y: Sequence[float] | pd.Series) -> np.ndarray:
    out = np.asarray(y, dtype=float)
    if out.shape != (design.size,):
        raise ValueError(f"need one value per design point ({design.size}), got {out.shape}")
    if np.isnan(out).any():
        bad = np.flatnonzero(np.isnan(out))[:5].tolist()
        raise ValueError(f"the KPI is missing at design points {bad} (no case reached it?); "
                         "lengthen the horizon or choose another KPI")
    return out


def tornado(design: Design, y: Sequence[float] | pd.Series) -> pd.DataFrame:
    """For a one-at-a-time design: the KPI's low and high per parameter, widest first.

    >>> from sim.experiment.design import make_design, parse_param
    >>> d = make_design("oat", [parse_param("a.x=1:3"), parse_param("a.y=1:2")])
    >>> d.points["point"].tolist(), d.varied     # no base scenario: every level is a point
    ([0, 1, 2, 3, 4, 5], (None, 'a.x', 'a.x', 'a.x', 'a.y', 'a.y'))
    >>> tornado(d, [10, 9, 11, 14, 10, 10.5])[["parameter", "low", "high", "range"]]
      parameter   low  high  range
    0       a.x   9.0  14.0    5.0
    1       a.y  10.0  10.5    0.5
    """
    if design.varied is None:
        raise ValueError(f"a tornado needs a one-at-a-time design (this one is {design.kind})")
    y = _y(design, y)
    base = float(y[0])
    rows = []
    for key in design.keys:
        idx = [0] + [i for i, v in enumerate(design.varied) if v == key]
        vals = y[idx]
        levels = design.points.loc[idx, key].tolist()
        lo, hi = int(np.argmin(vals)), int(np.argmax(vals))
        rows.append({"parameter": key, "low": vals[lo], "high": vals[hi],
                     "range": vals[hi] - vals[lo], "base": base,
                     "level_at_low": levels[lo], "level_at_high": levels[hi]})
    return pd.DataFrame(rows).sort_values("range", ascending=False, ignore_index=True)


def sobol_indices(design: Design, y: Sequence[float] | pd.Series,
                  seed: int | None = None) -> pd.DataFrame:
    """First-order (``S1``) and total (``ST``) Sobol indices with 95% intervals, by ``ST``."""
    from SALib.analyze import sobol

    if design.kind != "sobol":
        raise ValueError(f"Sobol indices need a sobol design (this one is {design.kind})")
    y = _y(design, y)
    if np.ptp(y) == 0:
        raise ValueError("the KPI is the same at every design point: no variance to share")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol.analyze(design.problem, y, calc_second_order=True, conf_level=0.95,
                            seed=design.seed if seed is None else seed)
    df = pd.DataFrame({k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")},
                      index=pd.Index(design.keys, name="parameter"))
    return df.sort_values("ST", ascending=False).reset_index()


def morris_indices(design: Design, y: Sequence[float] | pd.Series,
                   seed: int | None = None) -> pd.DataFrame:
    """Morris ``mu``, ``mu_star`` (with its 95% interval) and ``sigma``, by ``mu_star``."""
    from SALib.analyze import morris

    if design.kind != "morris" or design.unit is None:
        raise ValueError(f"Morris indices need a morris design (this one is {design.kind})")
    res = morris.analyze(design.problem, design.unit, _y(design, y), conf_level=0.95,
                         num_levels=MORRIS_LEVELS, seed=design.seed if seed is None else seed)
    df = pd.DataFrame({k: np.asarray(res[k], dtype=float)
                       for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
                      index=pd.Index(design.keys, name="parameter"))
    return df.sort_values("mu_star", ascending=False).reset_index()


def main_effects(design: Design, y: Sequence[float] | pd.Series, bins: int = 5) -> pd.DataFrame:
    """Mean KPI per level of each parameter (continuous ranges in ``bins`` quantile bins).

    ``range`` is the spread of those means, ``level_at_low``/``level_at_high`` the levels
    (or bins) where the KPI is lowest and highest on average. Widest first.
    """
    y = pd.Series(_y(design, y))
    rows = []
    for p in design.parameters:
        x = design.points[p.key]
        if p.levels is None:
            x = pd.qcut(x, min(bins, x.nunique()), duplicates="drop").astype(str)
        means = y.groupby(x.to_numpy(), sort=False).mean()
        rows.append({"parameter": p.key, "low": means.min(), "high": means.max(),
                     "range": means.max() - means.min(), "level_at_low": means.idxmin(),
                     "level_at_high": means.idxmax()})
    return pd.DataFrame(rows).sort_values("range", ascending=False, ignore_index=True)


def analyse(design: Design, y: Sequence[float] | pd.Series) -> pd.DataFrame:
    """The analysis that fits the design (see the module docstring)."""
    return {"oat": tornado, "sobol": sobol_indices, "morris": morris_indices}.get(
        design.kind, main_effects)(design, y)


# -------------------------------------------------------------------------------- figures
def _label(value: Any) -> str:
    """A level as a short label: ``9,000`` rather than ``9e+03``, ``0.825`` as is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e12:
        return f"{int(value):,}"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def tornado_figure(table: pd.DataFrame, kpi: str, title: str = "") -> Figure:
    """Horizontal bars from the low to the high KPI per parameter, widest on top.

    Works for :func:`tornado` (with a ``base`` line) and :func:`main_effects` tables.
    """
    fig = _figure(9.0, 2.0 + 0.55 * len(table))
    ax = fig.subplots()
    ypos = np.arange(len(table))
    low, high = table["low"].to_numpy(float), table["high"].to_numpy(float)
    if "base" in table.columns and len(table):
        base = float(table["base"].iloc[0])
        ax.barh(ypos, np.minimum(high, base) - low, left=low, color="tab:blue", alpha=0.7,
                height=0.6, label="below the scenario as written")
        ax.barh(ypos, high - np.maximum(low, base), left=np.maximum(low, base),
                color="tab:orange", alpha=0.7, height=0.6, label="above it")
        ax.axvline(base, color="black", linewidth=1.2, label=f"scenario as written: {base:.4g}")
        fig.legend(loc="outside lower center", ncols=3, fontsize="small")
    else:
        ax.barh(ypos, high - low, left=low, color="tab:blue", alpha=0.7, height=0.6)
    span = float(np.nanmax(high) - np.nanmin(low)) if len(table) else 0.0
    pad = 0.2 * span or 0.05 * max(abs(float(np.nanmax(high, initial=1.0))), 1.0)
    if len(table):
        ax.set_xlim(float(np.nanmin(low)) - pad, float(np.nanmax(high)) + pad)
    for yi, r in zip(ypos, table.itertuples(), strict=True):
        ax.annotate(_label(r.level_at_low), (r.low, yi), xytext=(-4, 0), ha="right",
                    va="center", textcoords="offset points", fontsize="small")
        ax.annotate(_label(r.level_at_high), (r.high, yi), xytext=(4, 0), ha="left",
                    va="center", textcoords="offset points", fontsize="small")
    ax.set_yticks(ypos, list(table["parameter"]))
    ax.invert_yaxis()
    ax.set_xlabel(kpi)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"What moves {kpi} (labels: the level at each end)",
                 fontsize="medium")
    return fig


def sobol_figure(indices: pd.DataFrame, kpi: str, title: str = "") -> Figure:
    """Bars of ``S1`` and ``ST`` per parameter with their 95% intervals."""
    fig = _figure(9.0, 1.8 + 0.6 * len(indices))
    ax = fig.subplots()
    ypos = np.arange(len(indices))
    for shift, col, colour, label in ((-0.2, "S1", "tab:blue", "S1: alone"),
                                      (0.2, "ST", "tab:orange", "ST: with interactions")):
        ax.barh(ypos + shift, indices[col], xerr=indices[f"{col}_conf"], height=0.38,
                color=colour, capsize=3, label=label)
    ax.set_yticks(ypos, list(indices["parameter"]))
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Share of the variance of {kpi}")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title or f"Sobol indices of {kpi} (error bars: 95% bootstrap intervals)",
                 fontsize="medium")
    return fig


def morris_figure(indices: pd.DataFrame, kpi: str, title: str = "") -> Figure:
    """``mu_star`` against ``sigma``, one labelled point per parameter."""
    fig = _figure(7.5, 5.5)
    ax = fig.subplots()
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o",
                color="tab:blue", capsize=3)
    for r in indices.itertuples():
        ax.annotate(r.parameter, (r.mu_star, r.sigma), xytext=(5, 5),
                    textcoords="offset points", fontsize="small")
    reach = indices["mu_star"] + indices["mu_star_conf"].fillna(0)
    top = float(np.nanmax([reach.max(), indices["sigma"].max(), 0])) * 1.15 or 1.0
    ax.plot([0, top], [0, top], color="0.4", linestyle="--", linewidth=1,
            label="sigma = mu*: non-linear or interacting above")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(f"mu* (mean |change| of {kpi} across a parameter's range)")
    ax.set_ylabel("sigma (spread of the changes)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title or f"Morris screening of {kpi}", fontsize="medium")
    return fig


def analysis_figure(design: Design, analysis: pd.DataFrame, kpi: str) -> Figure:
    """The figure that fits the design's analysis."""
    if design.kind == "sobol":
        return sobol_figure(analysis, kpi)
    if design.kind == "morris":
        return morris_figure(analysis, kpi)
    return tornado_figure(analysis, kpi, "" if design.kind == "oat" else
                          f"Mean {kpi} by level ({design.kind} design)")


def write_analysis(folder: str | os.PathLike[str], design: Design, table: pd.DataFrame,
                   kpis: Sequence[str] = DEFAULT_KPIS) -> dict[str, pd.DataFrame]:
    """Analyse each KPI; write ``analysis/<kpi>.csv`` and ``figures/<design>-<kpi>.png``."""
    from sim.outputs.files import atomic_write_text
    from sim.outputs.plotting import save_png

    folder = Path(folder)
    (folder / "analysis").mkdir(parents=True, exist_ok=True)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    means = point_means(table, kpis)
    out = {}
    for kpi in kpis:
        out[kpi] = result = analyse(design, means[kpi])
        atomic_write_text(folder / "analysis" / f"{kpi}.csv", result.to_csv(index=False))
        save_png(analysis_figure(design, result, kpi),
                 folder / "figures" / f"{design.kind}-{kpi}.png", dpi=120)
    atomic_write_text(folder / "design.csv", design.points.to_csv(index=False))
    return out
