"""Comparing policies with common random numbers (CRN): paired replications.

Every compared scenario runs replications ``0..n-1`` with the same seed. Random
streams are keyed by seed, replication and stream *name* (:mod:`sim.core.streams`),
so replication ``r`` of each scenario sees the same arrivals and case attributes:
the scenarios differ only where their settings differ. Differences are therefore
taken *within* a replication, ``d_r = B_r - A_r``, and their t-interval is
narrower than the unpaired (Welch) interval of ``mean(B) - mean(A)`` whenever the
two are positively correlated, which CRN is designed to achieve.
:meth:`Comparison.differences` reports both and the ratio of half-widths.

Example:
    >>> import sim
    >>> from sim.experiment.compare import compare
    >>> short = ["simulation.horizon_days=14", "simulation.warmup_days=0"]  # a quick look
    >>> a = sim.load_scenario("scenarios/legacy_referral.yaml", short)
    >>> b = sim.load_scenario("scenarios/baseline.yaml", short)
    >>> cmp = compare([a, b], replications=3)
    >>> print(cmp.sentence("time_to_match_h.mean"))
    baseline cuts mean time to match by 188.2 h (95% CI 180.9 to 195.5 h) against legacy_referral,
    over 3 paired replications
    >>> cmp.differences(["time_to_match_h.mean"])[["difference", "half_width",
    ...     "welch_half_width", "half_width_ratio"]].round(2).to_numpy()
    array([[-188.17,    7.29,    7.82,    0.93]])

The paired half-width is a quarter of the unpaired one: common random numbers at work.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.intervals import t_critical
from sim.outputs.kpis import summarise
from sim.scenario.models import Scenario

__all__ = ["HEADLINE", "RUN_SETTINGS", "Comparison", "align_run_settings", "compare",
           "describe_kpi", "vary_points"]

HEADLINE = ("time_to_match_h.mean", "records_to_match_h.mean", "time_to_opinion_h.mean",
            "time_to_opinion_h.p90", "within_target.opinion", "utilisation.*", "outsourced_share")
"""KPIs the ``sosim compare`` table shows; ``*`` matches any suffix."""


def describe_kpi(kpi: str) -> tuple[str, str, float]:
    """A readable name, a unit and a scale for a dotted KPI name.

    Example:
        >>> describe_kpi("time_to_opinion_h.p90")
        ('90th percentile time to opinion', 'h', 1.0)
        >>> describe_kpi("utilisation.in_house")
        ('utilisation of in_house', 'pp', 100.0)
    """
    base, _, stat = kpi.partition(".")
    if base.endswith("_h") and stat:
        what = base.removesuffix("_h").replace("_", " ")
        stat = {"mean": "mean", "p50": "median"}.get(stat, f"{stat[1:]}th percentile")
        return f"{stat} {what}", "h", 1.0
    if base == "within_target":
        return f"share of {stat}s within target", "pp", 100.0
    if base in ("utilisation", "queue_length"):
        unit = ("pp", 100.0) if base == "utilisation" else ("cases", 1.0)
        return f"{base.replace('_', ' ')} of {stat}", *unit
    if base.endswith("_share"):
        return base.replace("_", " "), "pp", 100.0
    if base == "stage_h":
        return f"mean {stat.replace('_', ' ')} stage", "h", 1.0
    return kpi.replace("_", " "), "", 1.0


def _select(columns: Sequence[str], kpis: Sequence[str]) -> list[str]:
    out: list[str] = []
    for k in kpis:
        found = [c for c in columns if c == k or (k.endswith("*") and c.startswith(k[:-1]))]
        if not found:
            raise KeyError(f"unknown KPI {k!r}")
        out += [c for c in found if c not in out]
    return out


@dataclass
class Comparison:
    """Per-replication KPIs of compared scenarios, and their paired differences.

    ``results`` is the tidy table (``point``, ``scenario``, any varied parameters,
    ``replication``, ``seed``, KPIs); ``labels`` are the scenarios in order, the
    first being the reference ``A`` every other is compared against.
    """

    results: pd.DataFrame
    labels: tuple[str, ...]
    folder: Path | None = None

    @property
    def kpi_names(self) -> list[str]:
        start = list(self.results.columns).index("seed") + 1
        return list(self.results.columns[start:])

    def replications(self, label: str) -> pd.DataFrame:
        """The KPIs of scenario ``label``, one row per replication (indexed by replication)."""
        rows = self.results[self.results["scenario"] == label]
        return rows.set_index("replication")[self.kpi_names]

    def differences(self, kpis: Sequence[str] | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
        """Paired and unpaired intervals of ``B - A`` for every scenario B after the first.

        Index ``(scenario, kpi)``; columns ``reference``, ``mean_reference``, ``mean``
        (of B), ``difference``, ``sd`` (of the paired differences), ``ci_low``,
        ``ci_high``, ``half_width``, ``n`` (pairs), ``welch_low``, ``welch_high``,
        ``welch_half_width`` and ``half_width_ratio`` (paired / Welch: below 1 means
        pairing narrowed the interval).
        """
        kpis = _select(self.kpi_names, kpis or self.kpi_names)
        a = self.replications(self.labels[0])[kpis]
        frames = {}
        for label in self.labels[1:]:
            b = self.replications(label)[kpis]
            diff = b - a  # aligned on replication: the pairs
            paired = summarise(diff, confidence)
            out = pd.DataFrame({"reference": self.labels[0], "mean_reference": a.mean(),
                                "mean": b.mean(), "difference": paired["mean"],
                                "sd": paired["sd"], "ci_low": paired["ci_low"],
                                "ci_high": paired["ci_high"],
                                "half_width": paired["half_width"], "n": paired["n"]})
            welch = _welch(a, b, confidence)
            out["welch_low"] = out["difference"] - welch
            out["welch_high"] = out["difference"] + welch
            out["welch_half_width"] = welch
            with np.errstate(divide="ignore", invalid="ignore"):
                out["half_width_ratio"] = out["half_width"] / welch
            frames[label] = out
        return pd.concat(frames, names=["scenario", "kpi"])

    def table(self, kpis: Sequence[str] = HEADLINE, confidence: float = 0.95) -> str:
        """A text table of ``B - A`` with paired and unpaired half-widths, for printing.

        Example:
            >>> cmp = compare(scenario, vary={"pools.in_house.specialists.oncology": [4, 6]},
            ...               replications=2)
            >>> print(cmp.table(["time_to_opinion_h.mean"]))
            scenario    KPI                     unit  oncology=4      B  B - A  95% CI (paired)
            ±paired  ±unpaired  ratio
            ----------  ----------------------  ----  ----------  -----  -----  ---------------
            -------  ---------  -----
            oncology=6  time_to_opinion_h.mean  h          47.11  46.89  -0.22    -1.62 to 1.19
            1.40       6.28   0.22
            A = oncology=4; B - A over 2 paired replications (common random numbers);
            ratio = paired / unpaired (Welch) half-width; pp = percentage points
        """
        d = self.differences(_select(self.kpi_names, kpis), confidence)
        level = f"{confidence:.0%}"
        head = ["scenario", "KPI", "unit", self.labels[0], "B", "B - A",
                f"{level} CI (paired)", "±paired", "±unpaired", "ratio"]
        rows = []
        for (label, kpi), r in d.iterrows():
            _, unit, scale = describe_kpi(str(kpi))
            f = (lambda x, s=scale: "" if pd.isna(x) else f"{x * s:,.2f}")  # noqa: E731
            rows.append([str(label), str(kpi), unit, f(r["mean_reference"]), f(r["mean"]),
                         f(r["difference"]), f"{f(r['ci_low'])} to {f(r['ci_high'])}",
                         f(r["half_width"]), f(r["welch_half_width"]),
                         "" if pd.isna(r["half_width_ratio"]) else f"{r['half_width_ratio']:.2f}"])
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
        lines = ["  ".join(str(x).rjust(w) if i >= 3 else str(x).ljust(w)
                           for i, (x, w) in enumerate(zip(row, widths, strict=True)))
                 for row in [head, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        n = int(d["n"].min()) if len(d) else 0
        lines.append(f"A = {self.labels[0]}; B - A over {n} paired replications (common "
                     "random numbers);\nratio = paired / unpaired (Welch) half-width; "
                     "pp = percentage points")
        return "\n".join(lines)

    def sentence(self, kpi: str = "time_to_match_h.mean", label: str | None = None,
                 confidence: float = 0.95) -> str:
        """One line for a report, e.g. ``"baseline cuts mean time to match by 289.1 h
        (95% CI 283.0 to 295.2 h) against legacy_referral, over 5 paired replications"``.
        """
        label = label or self.labels[-1]
        r = self.differences([kpi], confidence).loc[(label, kpi)]
        name, unit, scale = describe_kpi(kpi)
        diff, low, high = (r["difference"] * scale, r["ci_low"] * scale, r["ci_high"] * scale)
        verb = "cuts" if diff < 0 else "raises"
        if diff < 0:
            diff, low, high = -diff, -high, -low
        u = f" {unit}" if unit else ""
        note = "" if low > 0 or high < 0 else "; the interval includes no change"
        return (f"{label} {verb} {name} by {diff:,.1f}{u} ({confidence:.0%} CI {low:,.1f} to "
                f"{high:,.1f}{u}{note}) against {r['reference']}, over {int(r['n'])} paired "
                "replications")


def _welch(a: pd.DataFrame, b: pd.DataFrame, confidence: float) -> pd.Series:
    """Half-width of the Welch (unequal variances) interval of ``mean(b) - mean(a)``."""
    na, nb = a.count(), b.count()
    with np.errstate(divide="ignore", invalid="ignore"):  # an infinite KPI (a salaried
        va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb   # line's cost per opinion with no
        se2 = va + vb                                      # opinion) has no variance: NaN
        df = se2 ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    df = df.where(df > 0, np.maximum(np.minimum(na, nb) - 1, 1))  # both constant: any df
    t = pd.Series(t_critical(confidence, df.astype(float)), index=se2.index)
    return (t * np.sqrt(se2)).where((na > 1) & (nb > 1))


RUN_SETTINGS = ("start", "horizon_days", "warmup_days", "seed")
"""``simulation`` settings the reference takes from the edited variant before pairing."""


def align_run_settings(reference: Scenario, variant: Scenario) -> Scenario:
    """``reference`` with ``variant``'s start, horizon, warm-up and seed, so that the pair
    simulates the same period on the same random numbers and differs only in the rest.

    Example:
        >>> import sim
        >>> a = sim.load_scenario("scenarios/baseline.yaml")
        >>> b = sim.load_scenario("scenarios/baseline.yaml", ["simulation.horizon_days=30"])
        >>> align_run_settings(a, b).simulation.horizon_days
        30.0
    """
    from sim.experiment.tasks import with_overrides

    mine, theirs = reference.simulation, variant.simulation
    changes = {f"simulation.{k}": getattr(theirs, k) for k in RUN_SETTINGS
               if getattr(mine, k) != getattr(theirs, k)}
    return with_overrides(reference, changes) if changes else reference


def vary_points(scenario: Scenario, vary: Mapping[str, Sequence[Any]]
                ) -> list[tuple[dict[str, Any], Scenario]]:
    """One ``(params, scenario)`` per combination of the varied values (first key slowest).

    Example:
        >>> [p for p, _ in vary_points(scenario, {"triage.ai.accuracy": [0.8, 0.9]})]
        [{'triage.ai.accuracy': 0.8}, {'triage.ai.accuracy': 0.9}]
    """
    from sim.experiment.tasks import with_overrides

    keys = list(vary)
    out = []
    for values in itertools.product(*(vary[k] for k in keys)):
        params = dict(zip(keys, values, strict=True))
        out.append((params, with_overrides(scenario, params)))
    return out


def _labels(points: Sequence[tuple[Mapping[str, Any], Scenario]]) -> list[str]:
    labels = []
    for params, scenario in points:
        label = ",".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in params.items()) \
            if params else scenario.name
        if len(params) == 1:  # "ai", "oncology=4"
            (key, value), = params.items()
            label = value if isinstance(value, str) else f"{key.rsplit('.', 1)[-1]}={value}"
        base, k = label, 2
        while label in labels:
            label, k = f"{base}#{k}", k + 1
        labels.append(label)
    return labels


def compare(
    scenarios: Scenario | Sequence[Scenario], *, vary: Mapping[str, Sequence[Any]] | None = None,
    seed: int | None = None, replications: int | None = None, executor: Executor | None = None,
    folder: str | os.PathLike[str] | None = None, labels: Sequence[str] | None = None,
    params: Sequence[Mapping[str, Any]] | None = None, batch: int | None = None,
    progress: bool = False,
) -> Comparison:
    """Run paired replications of several scenarios, or of one scenario with ``vary``.

    ``seed`` and ``replications`` default to the first scenario's. ``folder`` keeps
    the runs as a resumable study (:func:`~sim.experiment.study.run_study`); without
    it they run in a temporary folder. ``executor`` defaults to serial. Labels
    default to scenario names (or the varied values). ``params`` (one mapping per
    scenario) adds columns to the results, as ``vary`` does with the varied keys.

    Example:
        >>> from sim.experiment.executors import make_executor
        >>> with make_executor("serial") as ex:
        ...     cmp = compare(scenario, vary={"pools.in_house.specialists.oncology": [4, 6]},
        ...                   replications=2, executor=ex, folder="runs/oncology")
        >>> cmp.labels
        ('oncology=4', 'oncology=6')
        >>> sorted(p.name for p in Path("runs/oncology").iterdir())
        ['manifest.json', 'results.parquet', 'scenarios', 'tasks']
    """
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.study import run_study
    from sim.experiment.tasks import make_tasks

    if isinstance(scenarios, Scenario):
        scenarios = [scenarios]
    if vary:
        if len(scenarios) != 1:
            raise ValueError("vary applies to one scenario; give one scenario with vary")
        points = vary_points(scenarios[0], vary)
    else:
        params = params if params is not None else [{} for _ in scenarios]
        if len(params) != len(scenarios):
            raise ValueError(f"need one params mapping per scenario (got {len(params)})")
        points = [(dict(p), s) for p, s in zip(params, scenarios, strict=True)]
    if len(points) < 2:
        raise ValueError("nothing to compare: give two or more scenarios, or vary a setting")
    labels = list(labels) if labels is not None else _labels(points)
    if len(labels) != len(points) or len(set(labels)) != len(labels):
        raise ValueError(f"need {len(points)} distinct labels (got {labels})")
    first = points[0][1].simulation
    seed = first.seed if seed is None else seed
    replications = first.replications if replications is None else replications
    points = [({"scenario": lab, **p}, s) for lab, (p, s) in zip(labels, points, strict=True)]
    tasks = make_tasks(points, seed, replications, batch)
    executor = executor or SerialExecutor()
    description = "compare " + " vs ".join(labels)
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="sosim-compare-") as tmp:
            table = run_study(tmp, tasks, executor, progress=progress, description=description)
    else:
        table = run_study(folder, tasks, executor, progress=progress, description=description)
    return Comparison(table, tuple(labels), Path(folder) if folder is not None else None)
