"""Output analysis: t-intervals, how many replications, and how long a warm-up.

**Intervals.** :func:`summary` gives each KPI's mean, sd and t-interval across
replications (:func:`sim.outputs.kpis.summarise`), per design point if asked.

**How many replications** (the confidence-interval method of Hoad, Robinson and
Davies, 2010): add replications one at a time; after ``n`` of them the relative
precision is ``d_n = t(n-1) * s_n / sqrt(n) / |mean_n|``. The answer is the smallest
``n`` from which ``d`` stays within the target for ``lookahead`` more replications,
which guards against a lucky early value. :func:`replication_analysis` does this on
values you have; :func:`replications_needed` runs replications until it is settled.

**How long a warm-up.** A simulation starting empty is biased at first.
:func:`warmup_series` turns a case table into one time series per replication
(cases in the system at the end of each day, specialist queue length, or the mean
time to opinion of the cases arriving each day); :func:`mser` finds the MSER-5
truncation point (White 1997; batch means of 5, the cut that minimises the
marginal standard error over the first half) and :func:`welch` computes Welch's
moving average of the replications' mean series, plotted by :func:`welch_figure`
(Law, *Simulation Modeling and Analysis*, ch. 9).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(600)
    >>> y = 10 * np.exp(-t / 20) + rng.normal(0, 1, 600)   # transient, then noise
    >>> 40 <= mser(y).truncation <= 120
    True
    >>> replication_analysis(rng.normal(100, 5, 30), precision=0.05).n  # sd/mean = 5%
    8
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.intervals import t_half_width
from sim.outputs.kpis import summarise
from sim.scenario.suggest import unknown

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

__all__ = ["MSER", "ReplicationAnalysis", "mser", "replication_analysis", "replication_series",
           "replications_needed", "summary", "trim_censored", "warmup_series", "welch",
           "welch_figure"]

KEYS = ("point", "replication", "seed")


_KPI_DOCS = "docs/scenario-reference.md (KPIs)"


def summary(table: pd.DataFrame, kpis: Sequence[str] | None = None, by: str | None = None,
            confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd and t-interval of each KPI column of a tidy study table.

    ``kpis`` defaults to every numeric column but ``point``/``replication``/``seed``
    and ``by``; with ``by`` (e.g. ``"point"``) the index is ``(by value, kpi)``.

    Example:
        >>> from sim.experiment.executors import make_executor
        >>> from sim.experiment.study import run_study
        >>> from sim.experiment.tasks import make_tasks
        >>> tasks = make_tasks([({}, scenario), ({}, scenario)], seed=7, replications=2)
        >>> with make_executor("serial") as ex:
        ...     table = run_study("runs/two", tasks, ex, progress=False)
        >>> summary(table, ["time_to_opinion_h.mean"], by="point").round(2)
                                       mean    sd  ci_low  ci_high  half_width  n
        point kpi
        0     time_to_opinion_h.mean  47.11  1.52   33.45    60.76       13.65  2
        1     time_to_opinion_h.mean  47.11  1.52   33.45    60.76       13.65  2
    """
    if kpis is None:
        kpis = [c for c in table.select_dtypes("number").columns if c not in (*KEYS, by)]
    if by is None:
        return summarise(table[list(kpis)], confidence)
    parts = {key: summarise(group[list(kpis)], confidence)
             for key, group in table.groupby(by, sort=True)}
    return pd.concat(parts, names=[by, "kpi"])


@dataclass(frozen=True)
class ReplicationAnalysis:
    """The confidence-interval method's table and answer.

    ``table`` has one row per ``n``: ``mean``, ``sd``, ``half_width`` and
    ``relative_precision`` of the first ``n`` values, and ``within`` (precision met).
    ``n`` is the recommended number of replications, ``None`` if not (yet) settled.
    """

    table: pd.DataFrame
    n: int | None
    precision: float
    confidence: float
    lookahead: int

    def __str__(self) -> str:
        body = self.table.to_string(float_format=lambda x: f"{x:,.4g}")
        if self.n is None:
            verdict = (f"not settled: the relative half-width has not stayed within "
                       f"{self.precision:.1%} for {self.lookahead} more replications; run more")
        else:
            verdict = (f"{self.n} replications give a {self.confidence:.0%} interval within "
                       f"±{self.precision:.1%} of the mean (checked over {self.lookahead} more)")
        return f"{body}\n{verdict}"


def replication_analysis(values: Sequence[float] | np.ndarray, precision: float = 0.05,
                         confidence: float = 0.95, lookahead: int = 5,
                         min_n: int = 3) -> ReplicationAnalysis:
    """The confidence-interval method on replication results in run order (NaNs dropped).

    ``n`` is the smallest ``n >= min_n`` whose relative precision, and that of
    each of the next ``lookahead`` values of ``n``, is at most ``precision``;
    ``None`` if the values run out first.

    Example:
        >>> replication_analysis([10, 12, 11, 10.5, 11.5, 11, 10.8, 11.2], 0.1, lookahead=2).n
        5
    """
    if not 0 < precision < 1:
        raise ValueError(f"precision must be between 0 and 1 (got {precision})")
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = np.arange(1, len(x) + 1)
    mean = np.cumsum(x) / n
    var = np.full(len(x), np.nan)
    for i in range(1, len(x)):  # sample variance of the first i+1 values
        var[i] = x[: i + 1].var(ddof=1)
    sd = np.sqrt(var)
    half = t_half_width(sd, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = half / np.abs(mean)
    within = rel <= precision
    table = pd.DataFrame({"mean": mean, "sd": sd, "half_width": half,
                          "relative_precision": rel, "within": within},
                         index=pd.Index(n, name="n"))
    found = None
    for k in range(max(min_n, 2), len(x) - lookahead + 1):
        if within[k - 1: k + lookahead].all():
            found = k
            break
    return ReplicationAnalysis(table, found, precision, confidence, lookahead)


def replications_needed(
    scenario: Scenario, kpi: str, precision: float = 0.05, *, seed: int | None = None,
    max_replications: int = 50, lookahead: int = 5, confidence: float = 0.95,
    executor: Executor | None = None, on_round: Callable[[int], None] | None = None,
) -> ReplicationAnalysis:
    """Run replications 0, 1, 2, ... of ``scenario`` until :func:`replication_analysis`
    settles on ``kpi`` or ``max_replications`` have run.

    Replications run in rounds as wide as the executor (one per worker); the answer
    does not depend on the round width, and the table stops at ``n + lookahead``.

    Example:
        >>> a = replications_needed(scenario, "time_to_opinion_h.mean", 0.05,
        ...                         max_replications=6, lookahead=2)
        >>> print(a)
           mean    sd  half_width  relative_precision  within
        n
        1 46.03   NaN         NaN                 NaN   False
        2 47.11 1.519       13.65              0.2898   False
        3 46.44 1.574       3.911             0.08421   False
        4 45.83 1.775       2.824             0.06162   False
        5 46.55 2.226       2.763             0.05936   False
        6 46.17 2.194       2.302             0.04986    True
        not settled: the relative half-width has not stayed within 5.0% for 2 more replications; run
        more
        >>> a.n is None                         # not settled within 6: run more
        True
    """
    from sim.experiment.executors import SerialExecutor, executor_workers
    from sim.experiment.tasks import Task, run_task

    seed = scenario.simulation.seed if seed is None else seed
    executor = executor or SerialExecutor()
    width = max(1, executor_workers(executor) or 1)
    values: list[float] = []
    analysis = replication_analysis(values, precision, confidence, lookahead)
    while len(values) < max_replications:
        start = len(values)
        wanted = max(width, 3 + lookahead - start)  # nothing can settle before 3 + lookahead
        reps = range(start, min(start + wanted, max_replications))
        futures = [executor.submit(run_task, Task(f"rep-{r}", scenario, seed, (r,), {}))
                   for r in reps]
        for f in futures:
            df = f.result()
            if kpi not in df.columns:
                raise KeyError(unknown("KPI", kpi, df.columns[2:], _KPI_DOCS))
            values.append(float(df[kpi].iloc[0]))
        if on_round:
            on_round(len(values))
        analysis = replication_analysis(values, precision, confidence, lookahead)
        if analysis.n is not None:
            end = analysis.n + lookahead
            return ReplicationAnalysis(analysis.table.loc[:end], analysis.n, precision,
                                       confidence, lookahead)
    return analysis


@dataclass(frozen=True)
class MSER:
    """MSER-``batch`` result: ``truncation`` observations to delete (a multiple of
    ``batch``), and the statistic for each number of deleted batches."""

    truncation: int
    batch: int
    statistic: np.ndarray


def mser(series: Sequence[float] | np.ndarray, batch: int = 5,
         max_fraction: float = 0.5) -> MSER:
    """MSER-5 (``batch=5``) truncation point of one series; NaNs are dropped.

    Batch means ``Y_1..Y_m`` of ``batch`` consecutive values (a remainder at the end
    is left out); for ``d = 0 .. max_fraction * m`` deleted batches the statistic is
    ``sum((Y_j - mean(Y_{d+1..m}))**2 for j > d) / (m - d)**2``; the cut is the ``d``
    that minimises it, times ``batch``.

    Example:
        >>> mser(np.r_[np.full(50, 10.0), np.tile([0.0, 1.0], 200)]).truncation
        50
    """
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    m = len(x) // batch
    if m < 4:
        raise ValueError(f"MSER needs at least {4 * batch} values (got {len(x)})")
    y = x[: m * batch].reshape(m, batch).mean(axis=1)
    last = int(max_fraction * m)
    stat = np.empty(last + 1)
    for d in range(last + 1):
        rest = y[d:]
        stat[d] = np.sum((rest - rest.mean()) ** 2) / (m - d) ** 2
    return MSER(int(np.argmin(stat)) * batch, batch, stat)


def welch(series: pd.DataFrame | np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average of the mean over replications (rows) of series (columns).

    ``Ybar_i`` is the mean of period ``i`` over replications (NaNs ignored); the
    result at ``i`` (0-based) is the mean of ``Ybar`` over ``i-w..i+w``, shrinking to
    ``0..2i`` near the start, for ``i < m - w``.

    Example:
        >>> welch(np.array([[1.0, 2, 3, 4, 5, 6]]), window=1)
        array([1., 2., 3., 4., 5.])
    """
    values = np.asarray(series, dtype=float)
    ybar = np.nanmean(np.atleast_2d(values), axis=0)
    m = len(ybar)
    if not 1 <= window < m / 2 + 1:
        raise ValueError(f"window must be between 1 and about half the series (got {window})")
    out = np.empty(m - window)
    for i in range(m - window):
        w = min(i, window)
        out[i] = ybar[i - w: i + w + 1].mean()
    return out


MEASURES = ("in_system", "queue_length", "time_to_opinion_h", "time_to_match_h")


def warmup_series(cases: pd.DataFrame, horizon_h: float, measure: str = "in_system",
                  period_h: float = 24.0, min_known: float = 0.9,
                  trim: bool = True) -> pd.DataFrame:
    """One row per replication, one column per period (``period_h`` hours) from time 0.

    ``in_system``: cases arrived and not yet answered at the end of the period;
    ``queue_length``: cases waiting for a specialist at the end of the period;
    ``time_to_opinion_h`` / ``time_to_match_h``: mean over the cases arriving in the
    period (trailing periods where fewer than ``min_known`` of arrivals have an
    answer by the horizon are NaN, as they are censored; with ``trim`` the trailing
    periods that are NaN in any replication are dropped).

    Example:
        >>> s = warmup_series(results.cases, results.plan.horizon_h, "in_system")
        >>> s.shape                                 # (replications, days)
        (2, 14)
        >>> s.iloc[:, :5]                           # cases in the system at each day's end
        period          0     1     2      3      4
        replication
        0            45.0  65.0  93.0  121.0  130.0
        1            49.0  72.0  91.0  104.0  112.0
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    periods = int(horizon_h // period_h)
    ends = (np.arange(periods) + 1) * period_h
    rows: dict[int, np.ndarray] = {}
    for rep, c in cases.groupby("replication", sort=True):
        if measure in ("in_system", "queue_length"):
            start, stop = ("arrival_h", "review_end_h") if measure == "in_system" \
                else ("queue_h", "seize_h")
            a = np.sort(c[start].dropna().to_numpy())
            left = c[stop].to_numpy()
            if "abandoned_h" in c:  # a case leaves the system (or a queue) when it gives up
                gone = c["abandoned_h"].to_numpy()
                here = c[start].notna().to_numpy() if measure == "queue_length" else True
                left = np.where(np.isnan(left) & here, gone, left)
            b = np.sort(left[~np.isnan(left)])
            rows[int(rep)] = (np.searchsorted(a, ends, "right")
                              - np.searchsorted(b, ends, "right")).astype(float)
        else:
            period = (c["arrival_h"].to_numpy() // period_h).astype(int)
            value = c[measure].to_numpy(dtype=float)
            frame = pd.DataFrame({"p": period, "v": value, "k": ~np.isnan(value)})
            g = frame.groupby("p")
            mean = g["v"].mean().reindex(range(periods))
            known = g["k"].mean().reindex(range(periods))
            mean[known < min_known] = np.nan
            rows[int(rep)] = mean.to_numpy(dtype=float)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name, table.columns.name = "replication", "period"
    return trim_censored(table) if trim else table


def trim_censored(table: pd.DataFrame) -> pd.DataFrame:
    """Drop the trailing periods (columns) that are NaN in any replication (row)."""
    ok = table.notna().all(axis=0).to_numpy()
    last = len(ok) - int(np.argmax(ok[::-1])) if ok.any() else 0
    return table.iloc[:, :last]


def replication_series(scenario: Scenario, seed: int, replication: int,
                       measure: str = "in_system", period_h: float = 24.0) -> np.ndarray:
    """:func:`warmup_series` of one replication, untrimmed (module-level: runs on any
    executor). Stack replications with ``pd.DataFrame(rows)``, then :func:`trim_censored`.
    """
    from sim.outputs.runner import run_replications

    res = run_replications(scenario, seed, (replication,))
    return warmup_series(res.cases, res.plan.horizon_h, measure, period_h, trim=False
                         ).iloc[0].to_numpy()


def welch_figure(series: pd.DataFrame, window: int, path: Any, *, truncation: int | None = None,
                 warmup: float | None = None, period_h: float = 24.0, label: str = "") -> Any:
    """Plot the replications' mean series and Welch's moving average; save a PNG to ``path``.

    ``truncation`` (periods, e.g. from MSER-5) and ``warmup`` (periods, the scenario's)
    are drawn as vertical lines. Returns the path.

    Example:
        >>> series = warmup_series(results.cases, results.plan.horizon_h, "in_system")
        >>> welch_figure(series, 3, "warmup.png", truncation=5, warmup=0)
        PosixPath('warmup.png')
        >>> Path("warmup.png").read_bytes()[:4]
        b'\\x89PNG'
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.outputs.writing import atomic_write_bytes

    unit = "day" if period_h == 24 else f"{period_h:g} h period"
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    ax.plot(np.nanmean(series.to_numpy(dtype=float), axis=0), color="0.75", lw=0.8,
            label=f"mean of {len(series)} replications")
    ax.plot(welch(series, window), color="C0", lw=2, label=f"Welch moving average (w={window})")
    if truncation is not None:
        ax.axvline(truncation, color="C3", ls="-", label=f"MSER-5 truncation ({truncation})")
    if warmup is not None:
        ax.axvline(warmup, color="0.3", ls="--", label=f"scenario warm-up ({warmup:g})")
    ax.set_xlabel(f"{unit} since the start")
    ax.set_ylabel(label)
    ax.set_title(f"Warm-up: {label}")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())
