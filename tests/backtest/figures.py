"""The figures the back-test pins: what each shipped scenario produces for a fixed seed.

Each entry of :data:`CASES` runs one file of ``scenarios/`` with a short horizon
(overrides below) and two replications, so the whole back-test takes seconds.
:func:`figures` turns a run into a flat ``{name: number}`` dict:

- ``kpi.<kpi>``: the mean over replications of every KPI (time to match and to
  opinion, stage means, utilisation and queue length per pool, misrouted and
  outsourced shares, counts, money and payer KPIs where the scenario has
  economics), and the 95% interval of the headline time KPIs;
- ``cases.*``: row count, the sum of every numeric column and the count of every
  category of every categorical column of the case table;
- ``events.*``: row count, count per activity and lifecycle and per resource,
  and the sum of ``time_h`` of the event log;
- ``capacity.*``: every number of the pre-run capacity check;
- for the multi-year scenario, ``year.<Y>.`` before each of the above for the
  KPIs, and ``scale.*`` for the market-scaled totals.

Numbers are rounded to 9 significant digits (:func:`rounded`) before they are
stored or compared, so that the last bits of ``exp``/``log`` from another
platform's libm cannot fail the test; any change a refactor could make to a
result is far larger.

Example:
    >>> from tests.backtest.figures import CASES, figures
    >>> f = figures(CASES["baseline"])          # doctest: +SKIP
    >>> f["kpi.time_to_opinion_h.mean"]         # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SIGNIFICANT_DIGITS = 9
SHORT = ("simulation.horizon_days=90", "simulation.warmup_days=14", "simulation.replications=2")
"""Overrides that keep each run to about a second."""
CI_KPIS = ("time_to_match_h.mean", "time_to_opinion_h.mean", "time_to_opinion_h.p90")


@dataclass(frozen=True)
class Case:
    """One back-test run: a shipped scenario file, overrides, and the years of a timeline."""

    name: str
    file: str
    overrides: tuple[str, ...] = SHORT
    years: tuple[int, int] | None = None  # run as a multi-year timeline

    @property
    def path(self) -> Path:
        return ROOT / "scenarios" / self.file


CASES = {c.name: c for c in (
    Case("baseline", "baseline.yaml"),
    Case("hybrid", "hybrid.yaml"),
    Case("legacy_referral", "legacy_referral.yaml"),
    Case("payer_mandate", "payer_mandate.yaml"),
    Case("platform_2026_2035", "platform_2026_2035.yaml", years=(2026, 2027)),
    Case("sessions_and_contract", "sessions_and_contract.yaml"),
)}


def rounded(x: Any) -> float | int | str | None:
    """``x`` as stored: ints stay, floats keep 9 significant digits, NaN becomes ``None``."""
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(f"{x:.{SIGNIFICANT_DIGITS}g}")


def run_figures(res: Any) -> dict[str, Any]:
    """Every pinned figure of one :class:`~sim.outputs.results.Results`."""
    out: dict[str, Any] = {}
    summary = res.summary()
    for kpi, row in summary.iterrows():
        out[f"kpi.{kpi}"] = row["mean"]
    for kpi in CI_KPIS:
        out[f"kpi.{kpi}.ci_low"] = summary.loc[kpi, "ci_low"]
        out[f"kpi.{kpi}.ci_high"] = summary.loc[kpi, "ci_high"]
    out.update(_table_figures("cases", res.cases))
    events = res.events
    out["events.rows"] = len(events)
    out["events.time_h.sum"] = events["time_h"].sum()
    for (activity, lifecycle), n in events.groupby(["activity", "lifecycle"],
                                                   observed=True).size().items():
        out[f"events.{activity}.{lifecycle}"] = int(n)
    for resource, n in events["resource"].value_counts(sort=False).items():
        out[f"events.resource.{resource}"] = int(n)
    cap = res.capacity
    for _, row in cap.iterrows():
        for col, value in row.items():
            if col != "resource" and isinstance(value, (int, float, np.number)):
                out[f"capacity.{row['resource']}.{col}"] = value
    return out


def _table_figures(prefix: str, table: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {f"{prefix}.rows": len(table)}
    for col in table.columns:
        s = table[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            for cat, n in s.value_counts(sort=False, dropna=False).items():
                out[f"{prefix}.{col}={cat}"] = int(n)
        elif pd.api.types.is_numeric_dtype(s):
            out[f"{prefix}.{col}.sum"] = s.sum()
            out[f"{prefix}.{col}.missing"] = int(s.isna().sum())
    return out


def figures(case: Case) -> dict[str, Any]:
    """Run ``case`` and return its pinned figures, rounded, sorted by name."""
    import sim

    scenario = sim.load_scenario(case.path, list(case.overrides))
    if case.years is None:
        out = run_figures(sim.run(scenario))
    else:
        from sim.timeline import run_timeline

        tl = run_timeline(scenario, years=case.years)
        out = {}
        for year, res in zip(tl.years, tl.runs, strict=True):
            out.update({f"year.{year}.{k}": v for k, v in run_figures(res).items()})
        scale = tl.market_scale()
        if scale is not None:
            for _, row in scale.iterrows():
                for col in ("segment_cases", "per_case", "total", "ci_low", "ci_high"):
                    out[f"scale.{row['year']}.{row['quantity']}.{col}"] = row[col]
    return {k: rounded(v) for k, v in sorted(out.items())}
