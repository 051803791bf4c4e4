"""Two variants side by side, paired with common random numbers, as ``sosim compare`` does.

:func:`run_pair` calls :func:`sim.experiment.compare.compare` one replication per task
on a serial executor that reports each finished task, so the page can show a progress bar
with the time left (the pair's run settings are aligned first by
:func:`sim.experiment.compare.align_run_settings`); the study is kept in the session's
folder (resumable, and cached).
:func:`difference_frame` is :meth:`~sim.experiment.compare.Comparison.differences` with
readable names and units.

Example:
    >>> import sim
    >>> a = sim.load_scenario("scenarios/baseline.yaml", ["simulation.horizon_days=20",
    ...     "simulation.warmup_days=2", "simulation.replications=2"])
    >>> b = sim.load_scenario("scenarios/baseline.yaml", ["simulation.horizon_days=20",
    ...     "simulation.warmup_days=2", "simulation.replications=2",
    ...     "pools.in_house.specialists.oncology=6"])
    >>> cmp = run_pair(a, b, ("as loaded", "edited"), replications=2)
    >>> d = difference_frame(cmp).loc["time_to_opinion_h.mean"]
    >>> d["what"], d["unit"], bool(d["B - A"] <= 0)              # more oncologists: no slower
    ('mean time to opinion', 'h', True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.experiment.compare import HEADLINE, Comparison, compare, describe_kpi
from sim.experiment.executors import SerialExecutor

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

__all__ = ["ReportingExecutor", "difference_frame", "pair_key", "run_pair"]

class ReportingExecutor(SerialExecutor):
    """A serial executor that calls ``report(done, elapsed_s)`` after each task."""

    def __init__(self, report: Callable[[int, float], None]) -> None:
        super().__init__()
        self.report, self.done, self.start = report, 0, time.monotonic()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any):  # noqa: ANN201
        future = super().submit(fn, *args, **kwargs)
        self.done += 1
        self.report(self.done, time.monotonic() - self.start)
        return future


def pair_key(a: Scenario, b: Scenario, replications: int) -> str:
    """Cache key of a comparison: both canonical scenarios, the seed (A's) and replications."""
    from sim.app.runs import cache_key

    first = cache_key(a, replications=replications)
    second = cache_key(b, seed=a.simulation.seed, replications=replications)
    return f"{first}-vs-{second}"


def run_pair(a: Scenario, b: Scenario, labels: tuple[str, str], replications: int,
             folder: str | os.PathLike[str] | None = None,
             report: Callable[[int, int, float], None] | None = None) -> Comparison:
    """Paired replications ``0..replications-1`` of ``a`` and ``b`` with ``a``'s seed.

    ``report(done, total, elapsed_s)`` follows the replications (both variants counted).
    """
    total = 2 * replications
    if report is not None:
        report(0, total, 0.0)
    executor = ReportingExecutor(lambda done, s: report(done, total, s) if report else None)
    return compare([a, b], labels=list(labels), replications=replications, batch=1,
                   executor=executor, folder=folder)


def difference_frame(cmp: Comparison, kpis: tuple[str, ...] = HEADLINE) -> pd.DataFrame:
    """B - A per KPI, scaled to its unit (hours, percentage points), with the paired 95%
    interval, the unpaired (Welch) half-width and whether the interval excludes zero."""
    d = cmp.differences(list(kpis)).droplevel("scenario")
    rows = []
    for kpi, r in d.iterrows():
        name, unit, scale = describe_kpi(str(kpi))
        rows.append({"kpi": kpi, "what": name, "unit": unit,
                     "A": r["mean_reference"] * scale, "B": r["mean"] * scale,
                     "B - A": r["difference"] * scale, "ci_low": r["ci_low"] * scale,
                     "ci_high": r["ci_high"] * scale, "± paired": r["half_width"] * scale,
                     "± unpaired": r["welch_half_width"] * scale,
                     "significant": bool(r["ci_low"] > 0 or r["ci_high"] < 0)})
    return pd.DataFrame(rows).set_index("kpi")
