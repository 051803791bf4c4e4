"""The fidelity gate: fit on the first part of the log, judge on the rest.

As Simod does, the log is cut in time: a scenario is fitted to the log as it stood at the
cut (the cases that arrived before it, and only their events before it), simulated from
the log's start over its whole span (the first part is the warm-up), and the cases
arriving after the cut are compared with the log's, KPI by KPI, against the run-to-run
interval of at least :data:`GATE_REPLICATIONS` replications, family-wise (Bonferroni over
the KPIs, see :func:`sim.fit.fidelity.fidelity`). Demand, durations, staffing,
routing and drop-out all come from the first part, so the rest is a true forecast.

The gate passes when every KPI of the hold-out is inside its interval; otherwise the
verdict names the KPIs outside, and ``sosim fit`` writes no scenario unless told
``--accept-poor``.

Example:
    >>> cut = holdout_split(log, 0.3)
    >>> round(cut, 1), round(log.end_h, 1)
    (233.0, 333.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.fit.fidelity import Fidelity, fidelity
from sim.fit.read import Log

HOLDOUT = 0.3
"""Share of the log's span, at its end, that the gate judges on."""
GATE_REPLICATIONS = 10
"""At least this many replications judge the hold-out: family-wise intervals from fewer
are too wide to catch a wrong fit (Student's t on 3 degrees of freedom at 1 - 0.05/8 is
7.5 standard deviations)."""


@dataclass(frozen=True)
class Verdict:
    """The gate's outcome on the hold-out."""

    passed: bool
    outside: list[str]
    split_h: float
    fidelity: Fidelity

    @property
    def line(self) -> str:
        """The one-line verdict."""
        k = self.fidelity.kpis
        if self.passed:
            return (f"fit accepted: on the held-out last part of the log (cases arriving after "
                    f"hour {self.split_h:.0f}) all {len(k)} KPIs are inside their run-to-run "
                    "intervals")
        parts = ", ".join(f"{kpi} (log {_fmt(k.loc[kpi, 'log'])}, simulated "
                          f"{_fmt(k.loc[kpi, 'simulated'])} [{_fmt(k.loc[kpi, 'low'])}, "
                          f"{_fmt(k.loc[kpi, 'high'])}])" for kpi in self.outside)
        return (f"fit rejected: on the held-out last part of the log (cases arriving after hour "
                f"{self.split_h:.0f}), {len(self.outside)} of {len(k)} KPIs are outside their "
                f"run-to-run intervals: {parts}")


def _fmt(x: float) -> str:
    return "nan" if not math.isfinite(x) else f"{x:.3g}"


def holdout_split(log: Log, share: float = HOLDOUT) -> float:
    """The hour at which the last ``share`` of the log's span begins (on a whole hour)."""
    return float(math.floor(log.end_h * (1 - share)))


def truncate(log: Log, split_h: float) -> Log:
    """The log as it stood at ``split_h``: earlier cases, their earlier events."""
    ev = log.events
    arrival = ev[ev["stage"] == "arrival"].groupby("case")["time_h"].min()
    early = arrival[arrival < split_h].index
    kept = ev[ev["case"].isin(early) & (ev["time_h"] < split_h)].reset_index(drop=True)
    cases = log.cases[log.cases.index.isin(early)]
    return Log(log.file, kept, cases, log.start, float(kept["time_h"].max()), log.map)


def judge(scenario, log: Log, fitted, table: pd.DataFrame, split_h: float,  # noqa: ANN001
          replications: int, seed: int) -> Verdict:
    """Simulate ``scenario`` (fitted before ``split_h``) over the whole log and judge the rest.

    ``fitted``: the :class:`~sim.fit.build.FittedScenario` of ``scenario`` (its calendars
    measure utilisation); ``table``: the whole log's stage table.
    """
    days = max(1, math.ceil(log.end_h / 24))
    sim = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
        update={"horizon_days": days, "warmup_days": 0})})
    fid = fidelity(sim, log, fitted, max(replications, GATE_REPLICATIONS), seed,
                   window=(split_h, days * 24.0), real_table=table, family=True)
    k = fid.kpis
    outside = [kpi for kpi in k.index if not k.loc[kpi, "inside"]]
    return Verdict(not outside, outside, split_h, fid)
