"""Figures of a run: how long opinions take, how busy the pools are, how queues move.

Three figures answer the first questions anyone asks of a run:

``time_to_opinion_figure``
    box plots of time to opinion by specialty and by specialist pool, over the
    delivered cases that arrived after the warm-up, against the scenario's
    target. Boxes are quartiles, whiskers the 5th and 95th percentiles.
``utilisation_figure``
    each pool's utilisation (mean across replications, 95% confidence
    interval), against the 85% line where queues start to grow quickly and the
    100% line where they grow without bound.
``queue_length_figure``
    the number of cases waiting for a specialist over time in one replication,
    per pool, with the warm-up shaded. It is drawn from the case table: a case
    waits in its pool's queue from ``queue_h`` until ``seize_h``, and a
    misrouted case also waits in the wrong pool's queue from ``screen_queue_h``
    until ``screen_seize_h``.

Figures are plain :class:`matplotlib.figure.Figure` objects on the Agg canvas,
never registered with ``pyplot``: nothing opens a window, nothing changes the
global backend, and a figure is freed as soon as it is no longer referenced.
Notebooks still display them.

Example:
    >>> fig = utilisation_figure(results)
    >>> print(fig.axes[0].get_title())
    Specialist utilisation — scenario baseline
    after the warm-up, mean of 2 replications; error bars: 95% CI
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from sim.capacity.network import HIGH_UTILISATION
from sim.outputs.money_figures import payer_figure, savings_waterfall_figure
from sim.outputs.naming import results_label
from sim.outputs.plotting import DPI, save_png
from sim.outputs.plotting import new_figure as _figure
from sim.outputs.plotting import replications_label as _reps
from sim.outputs.queue_jobs import queue_jobs, waits

if TYPE_CHECKING:
    from sim.outputs.results import Results

__all__ = ["figure_names", "queue_curves", "queue_length_figure", "save_figures",
           "time_to_opinion_figure", "utilisation_figure"]

DAYS_ABOVE_H = 48.0
"""Times are shown in days when the median time to opinion exceeds this many hours."""
KIND_COLOURS = {"in_house": "tab:blue", "outsourced": "tab:orange"}


def _pool_label(name: str, kind: str) -> str:
    kind = kind.replace("_", "-")
    return name if name.replace("_", "-") == kind else f"{name} ({kind})"


def time_to_opinion_figure(results: Results) -> Figure:
    """Box plots of time to opinion by specialty and by pool, with the target line.

    Example:
        >>> [ax.get_title() for ax in time_to_opinion_figure(results).axes]
        ['By specialty', 'By specialist pool']
    """
    c = results.cases
    done = c[(c["status"] == "delivered") & ~c["warmup"]]
    hours = done["time_to_opinion_h"].to_numpy(dtype=float)
    scale, unit = (24.0, "days") if len(hours) and np.median(hours) > DAYS_ABOVE_H else (
        1.0, "hours")
    target_h = results.scenario.targets.time_to_opinion_hours
    panels = (("specialty", "By specialty"), ("pool", "By specialist pool"))
    rows = max(len(c[col].cat.categories) for col, _ in panels)
    fig = _figure(12.0, max(3.8, 2.0 + 0.5 * rows))
    for ax, (col, title) in zip(fig.subplots(1, 2), panels, strict=True):
        names = list(c[col].cat.categories)
        data = [done.loc[done[col] == k, "time_to_opinion_h"].to_numpy(dtype=float) / scale
                for k in names]
        ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False,
                   tick_labels=[f"{k}\n(n={len(x):,})" for k, x in zip(names, data, strict=True)],
                   patch_artist=True, boxprops={"facecolor": "tab:blue", "alpha": 0.35},
                   medianprops={"color": "black", "linewidth": 1.5})
        ax.axvline(target_h / scale, color="tab:red", linestyle="--", linewidth=1.5,
                   label=f"target: {target_h:g} h" + (f" = {target_h / 24:g} days"
                                                       if scale > 1 else ""))
        ax.invert_yaxis()  # first category on top
        ax.set_xlim(left=0)
        ax.set_xlabel(f"Time to opinion ({unit})")
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize="small")
        if not len(done):
            ax.text(0.5, 0.5, "no delivered cases after the warm-up", transform=ax.transAxes,
                    ha="center", va="center", color="0.4")
    fig.suptitle(f"Time to opinion \u2014 scenario {results_label(results)}\n"
                 f"delivered cases that arrived after the warm-up, {_reps(results)}; "
                 "boxes: quartiles, whiskers: 5th\u201395th percentiles", fontsize="medium")
    return fig


def utilisation_figure(results: Results) -> Figure:
    """Mean utilisation per pool with 95% confidence intervals, against 85% and 100%.

    Example:
        >>> fig = utilisation_figure(results)
        >>> fig.savefig(tmp / "utilisation.png", dpi=120)
        >>> (tmp / "utilisation.png").read_bytes()[:4]
        b'\\x89PNG'
    """
    pools, kinds = results.plan.pools, results.plan.pool_kinds
    s = results.summary().reindex([f"utilisation.{p}" for p in pools])
    mean = s["mean"].to_numpy(dtype=float)
    err = np.vstack([mean - s["ci_low"].to_numpy(dtype=float),
                     s["ci_high"].to_numpy(dtype=float) - mean])
    has_ci = bool(np.isfinite(err).any())
    err = np.nan_to_num(err)
    fig = _figure(max(7.0, 2.0 + 1.4 * len(pools)), 5.2)
    ax = fig.subplots()
    x = np.arange(len(pools))
    ax.bar(x, np.nan_to_num(mean), yerr=err if has_ci else None, capsize=6, width=0.6,
                  color=[KIND_COLOURS.get(k, "tab:gray") for k in kinds],
                  error_kw={"elinewidth": 1.2, "ecolor": "black"})
    for xi, m, top in zip(x, mean, np.nan_to_num(mean) + err[1], strict=True):
        ax.annotate("n/a" if np.isnan(m) else f"{m:.0%}", (xi, top), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize="small")
    high = ax.axhline(HIGH_UTILISATION, color="0.3", linestyle="--", linewidth=1.2,
                      label=f"{HIGH_UTILISATION:.0%}: queues grow quickly")
    full = ax.axhline(1.0, color="tab:red", linestyle="-", linewidth=1.2,
                      label="100%: fully busy, queues grow without bound")
    ax.set_xticks(x, list(pools))
    ax.set_ylim(0, max(1.15, float(np.nanmax(mean + err[1], initial=0)) * 1.1))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("Utilisation (% of working hours busy)")
    ax.set_xlabel("Specialist pool")
    ax.grid(axis="y", alpha=0.3)
    handles = [Patch(color=KIND_COLOURS[k], label=k.replace("_", "-"))
               for k in KIND_COLOURS if k in kinds]
    fig.legend(handles=[*handles, high, full], loc="outside lower center", ncols=2,
               fontsize="small")
    ci = "error bars: 95% CI" if has_ci else "one replication: no confidence interval"
    ax.set_title(f"Specialist utilisation \u2014 scenario {results_label(results)}\n"
                 f"after the warm-up, mean of {_reps(results)}; {ci}", fontsize="medium")
    return fig


def queue_curves(results: Results, replication: int = 0) -> dict[str, tuple[np.ndarray,
                                                                          np.ndarray]]:
    """Cases waiting for a specialist over time, per pool: ``{pool: (hours, waiting)}``.

    ``waiting[i]`` holds from ``hours[i]`` until ``hours[i + 1]`` (a step
    function from 0 to the horizon). Built without a loop over cases: each wait
    (:func:`sim.outputs.queue_jobs.waits`) adds +1 when it starts and -1 when it ends, at
    service or when the patient gives up (never, if the case is still waiting at the
    horizon); the changes at equal times are summed and the running total is the queue
    length.

    Example:
        >>> t, n = queue_curves(results)["in_house"]          # replication 0
        >>> float(t[0]), float(t[-1])                         # 0 to the 14-day horizon
        (0.0, 336.0)
        >>> average = np.sum(n[:-1] * np.diff(t)) / t[-1]     # time-average queue length
        >>> bool(np.isclose(average, results.kpis.loc[0, "queue_length.in_house"]))
        True
    """
    c = results.cases
    if replication not in set(c["replication"].unique().tolist()):
        raise ValueError(f"no replication {replication} in these results "
                         f"(there are {len(results.replications)}, numbered from 0)")
    c = c[c["replication"] == replication]
    rep = next(r for r in results.replications if r.index == replication)
    plan = results.plan
    horizon = plan.horizon_h
    out = {}
    for p, name in enumerate(plan.pools):
        # the waits of the pool's queues: from joining to service or give-up
        spans = [waits(queue_jobs(rep, c, q.index, horizon)) for q in plan.queues
                 if q.pool == p]
        start = np.concatenate([s for s, _ in spans] or [np.zeros(0)])
        end = np.concatenate([e for _, e in spans] or [np.zeros(0)])
        waited = np.isfinite(start)
        left = waited & np.isfinite(end)
        t = np.concatenate([start[waited], end[left]])
        step = np.concatenate([np.ones(np.sum(waited)), -np.ones(np.sum(left))])
        times, at = np.unique(t, return_inverse=True)
        level = np.cumsum(np.bincount(at, weights=step, minlength=len(times)))
        out[name] = (np.concatenate([[0.0], times, [horizon]]),
                     np.concatenate([[0.0], level, level[-1:] if len(level) else [0.0]]))
    return out


def queue_length_figure(results: Results, replication: int = 0) -> Figure:
    """Step lines of cases waiting for a specialist, per pool, over one replication.

    Example:
        >>> print(queue_length_figure(results, replication=1).axes[0].get_title())
        Specialist queues — scenario baseline, replication 1
        cases waiting to be taken by a specialist (misrouted cases count in the pool ...)
        >>> queue_length_figure(results, replication=2)
        Traceback (most recent call last):
        ...
        ValueError: no replication 2 in these results (there are 2, numbered from 0)
    """
    curves = queue_curves(results, replication)
    s = results.scenario
    fig = _figure(11.0, 4.8)
    ax = fig.subplots()
    start = np.datetime64(s.simulation.start, "s")

    def date(hours: np.ndarray | float) -> np.ndarray:  # hours since the start -> dates
        return start + np.round(np.asarray(hours) * 3600).astype("timedelta64[s]")

    if s.simulation.warmup_days > 0:
        ax.axvspan(date(0), date(24 * s.simulation.warmup_days), color="0.88",
                   label="warm-up (not in KPIs)")
    for (name, (t, n)), kind in zip(curves.items(), results.plan.pool_kinds, strict=True):
        ax.step(date(t), n, where="post", linewidth=1.1, label=_pool_label(name, kind))
    ax.set_xlim(date(0), date(24 * s.simulation.horizon_days))
    ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator()  # dates on the axis: "what happens in August?"
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(f"Date (the simulation starts {s.simulation.start:%a %d %b %Y})")
    ax.set_ylabel("Cases waiting for a specialist")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(f"Specialist queues \u2014 scenario {results_label(results)}, "
                 f"replication {replication}\n"
                 "cases waiting to be taken by a specialist (misrouted cases count in the "
                 "pool that screens them)", fontsize="medium")
    return fig


def figure_names(results: Results) -> list[str]:
    """The names of the figures :func:`save_figures` writes for ``results``, in order."""
    names = ["time_to_opinion", "utilisation", "queue_length"]
    if results.scenario.economics is not None:
        names += ["savings_waterfall", "payers"]
    return names


def save_figures(results: Results, folder: str | os.PathLike[str],
                 only: Collection[str] | None = None) -> list[Path]:
    """Write ``time_to_opinion.png``, ``utilisation.png`` and ``queue_length.png`` at 120 dpi,
    and with economics ``savings_waterfall.png`` and ``payers.png`` (``only``: these of them).

    Each file is written atomically and each figure released once saved.

    Example:
        >>> [p.name for p in save_figures(results, "out/figures")]
        ['time_to_opinion.png', 'utilisation.png', 'queue_length.png', 'savings_waterfall.png',
         'payers.png']
        >>> [p.name for p in save_figures(results, "out/some", only=["payers"])]
        ['payers.png']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    makers = {"time_to_opinion": time_to_opinion_figure, "utilisation": utilisation_figure,
              "queue_length": queue_length_figure, "savings_waterfall": savings_waterfall_figure,
              "payers": payer_figure}
    return [save_png(makers[name](results), folder / f"{name}.png", DPI)
            for name in figure_names(results) if only is None or name in only]
