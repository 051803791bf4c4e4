"""Staffing targets: ``metric<=value`` per queue, and what a missed one says.

A target is checked per queue of the staffing search (:mod:`sim.experiment.staffing`) on
one of :data:`METRICS`, against a Student-t interval across replications: ``<=`` is met
when the interval's *upper* end is at most the value, ``>=`` when its *lower* end is at
least it. The helpers here turn a per-queue summary (columns ``<metric>.low``/``.high``,
``floor.<metric>.low``/``.high``, ``severity``) into the notes the search reports.

Example:
    >>> t = parse_target("specialist_wait_h.p90<=24")
    >>> t.severity(20.0, 30.0)          # the upper end, 30, against 24: fails
    1.25
    >>> str(t)
    'specialist_wait_h.p90<=24'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATS = ("mean", "p50", "p90", "p95")
"""The statistics of a time metric a target may name."""
METRICS = ("utilisation", *(f"{m}.{s}" for m in ("specialist_wait_h", "time_to_opinion_h")
                            for s in STATS))
"""What a target may name: ``utilisation``, or a time metric and a statistic."""

_TARGET = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*")
@dataclass(frozen=True)
class Target:
    """``metric op value``, checked per queue (see the module docstring for the rule).

    >>> parse_target("specialist_wait_h.p90 <= 24")
    Target(metric='specialist_wait_h.p90', op='<=', value=24.0)
    """

    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"

    def bound(self, low: float, high: float) -> float:
        """The interval end that must meet the target."""
        return high if self.op == "<=" else low

    def severity(self, low: float, high: float) -> float:
        """How far the bound is from the target: above 1 fails, below 1 has slack."""
        b = self.bound(low, high)
        if math.isnan(b):
            return 0.0  # no case reached this queue: nothing to miss
        if self.op == "<=":
            return b / self.value if self.value > 0 else 1.0 + b - self.value
        return self.value / b if b > 0 else math.inf


def parse_target(text: str) -> Target:
    """Parse ``metric<=value`` or ``metric>=value``; a strict ``<``/``>`` is refused, not bent."""
    m = _TARGET.fullmatch(text)
    if not m:
        raise ValueError(f"a target is METRIC<=VALUE, e.g. time_to_opinion_h.p90<=72 "
                         f"(got {text!r})")
    metric, op, value = m[1], m[2], float(m[3])
    if metric not in METRICS:
        from sim.scenario.suggest import unknown

        raise ValueError(f"{unknown('target metric', metric, METRICS)}; targets are checked "
                         f"per queue on one of {', '.join(METRICS)}")
    if op in ("<", ">"):  # the rule compares an interval's end with <= or >=, never strictly
        raise ValueError(f"a target uses <= or >= (met when the 95% interval's far end is at "
                         f"most / at least the value): write {metric}{op}={m[3]} "
                         f"(got {text.strip()!r})")
    return Target(metric, op, value)



def missed_note(trial: pd.DataFrame, q: str, goals: Sequence[Target], fewer: int) -> str:
    """Which target the trial with ``fewer`` specialists at ``q`` missed, and where.

    >>> trial = pd.DataFrame({"utilisation.low": [0.80, 0.5], "utilisation.high": [0.92, 0.6],
    ...                       "severity": [1.08, 0.7]}, index=["a", "b"])
    >>> missed_note(trial, "a", [parse_target("utilisation<=0.85")], 2)
    '2 misses utilisation<=0.85 (bound 0.92)'
    """
    for where in [q, *trial["severity"].sort_values(ascending=False).index]:
        for g in goals:
            lo, hi = trial.at[where, f"{g.metric}.low"], trial.at[where, f"{g.metric}.high"]
            if g.severity(lo, hi) > 1:
                what = f"misses {g} (bound {g.bound(lo, hi):.3g})"
                return f"{fewer} {what}" if where == q else f"{fewer} makes {where} {what}"
    return f"{fewer} misses a target"



def unattainable(summary: pd.DataFrame, q: str, goals: Sequence[Target]) -> bool:
    """A time target missed even if every case started review as soon as the calendar let it.

    The floor: the wait until the pool's calendar next opens; for time to opinion, the
    time spent outside the queue plus that. Judged on the floor's lower bound.
    """
    return any(g.op == "<=" and g.metric != "utilisation" and
               summary.at[q, f"floor.{g.metric}.low"] > g.value for g in goals)



def floor_note(summary: pd.DataFrame, q: str, goals: Sequence[Target]) -> str | None:
    """Why no staffing can reach a time target (None if staffing still could).

    The floor is what a case would take if a specialist were always free: the wait until
    the pool's calendar opens (office hours) and, for time to opinion, the stages before
    the queue. If the floor's interval reaches past a ``<=`` target, staffing cannot be
    sure to meet it.
    """
    for g in goals:
        if g.op == "<=" and g.metric != "utilisation":
            lo, hi = (summary.at[q, f"floor.{g.metric}.{e}"] for e in ("low", "high"))
            if hi > g.value:
                cause = ("office hours: cases wait for the pool's calendar to open"
                         if g.metric.startswith("specialist_wait") else
                         "other stages: records, triage, authorisation and office hours")
                return (f"{cause} ({g.metric} with a specialist always free: "
                        f"[{lo:.3g}, {hi:.3g}] vs {g.value:g})")
    return None


def stuck_note(summary: pd.DataFrame, q: str, goals: Sequence[Target], kept: int,
                tried: int) -> str:
    """The note for a queue more specialists did not help: why, and what was tried."""
    why = floor_note(summary, q, goals)
    more = f"{kept} kept; up to {tried} tried made it no better"
    return f"{why}; {more}" if why else f"staffing: not met, {more} (another stage limits it)"


def stats_row(row: dict, x: dict[str, np.ndarray]) -> dict:
    """``row`` with the mean and quantiles (:data:`STATS`) of each array of ``x``."""
    for name, v in x.items():
        row[f"{name}.mean"] = float(v.mean()) if len(v) else np.nan
        for s in STATS[1:]:
            row[f"{name}.{s}"] = float(np.percentile(v, int(s[1:]))) if len(v) else np.nan
    return row
