"""The answer at a glance: five lines a planner reads before the KPI table.

``sosim run`` prints them first, and the web page shows them above its KPI cards, in the
same words:

1. **match**: *records to match* (median) and *time to match* (mean), each defined where it
   appears (:data:`TERMS`): the field's "30 minutes vs 5-10 days" compares the first;
2. **opinion**: time to opinion, median and p90, against ``targets.time_to_opinion_hours``;
3. **drop-out**: the share of cases abandoned, and at which stage;
4. **cost**: cost per opinion (when the scenario has an ``economics`` section);
5. **capacity**: utilisation by pool.

Example:
    >>> print(glance_text(results))
    At a glance (baseline: means of 2 replications, 14 days measured; 95% CIs in the table below)
      match     records to match 0.3 h median (AI triage); time to match 26.7 h mean
      opinion   time to opinion 21.2 h median, p90 5.9 d; 58.1% within target (120 h), p90 +21.8 h
      drop-out  4.3% of cases abandoned: records 2.9%, appointment 1.2%, specialist 0.2%
      cost      USD 1,589 per opinion delivered
      capacity  utilisation in_house 28.5%, outsourced 2.6%
      (time to match: from the request's arrival to a matched specialist, records collection
      included; records to match: from complete records to a matched specialist, triage alone
      (the field's claim: 30 minutes by AI, 5-10 business days by legacy referral,
      docs/sources.md#doc000))
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.formats import as_share, as_usd, measured_window
from sim.outputs.report import TERMS, terms_note

if TYPE_CHECKING:
    from sim.outputs.results import Results

__all__ = ["TERMS", "glance", "glance_text", "terms_note"]


_TRIAGE = {"ai": "AI triage", "hybrid": "AI triage, coordinator checks",
           "legacy": "legacy referral", "direct": "no triage step"}

_STAGES = ("records", "referral", "appointment", "specialist")


def _time(x: float) -> str:
    """Hours, or days from two days on: short enough for one line."""
    return "-" if math.isnan(x) else f"{x / 24:,.1f} d" if x >= 48 else f"{x:,.1f} h"


def _mean(s: pd.DataFrame, kpi: str) -> float:
    return float(s.loc[kpi, "mean"]) if kpi in s.index else math.nan


def _match(s: pd.DataFrame, policy: str) -> str:
    return (f"records to match {_time(_mean(s, 'records_to_match_h.p50'))} median "
            f"({_TRIAGE.get(policy, policy)}); time to match "
            f"{_time(_mean(s, 'time_to_match_h.mean'))} mean")


def _opinion(s: pd.DataFrame, target_h: float) -> str:
    p90 = _mean(s, "time_to_opinion_h.p90")
    over = f"p90 +{_time(p90 - target_h)}" if p90 > target_h else "p90 within it"
    return (f"time to opinion {_time(_mean(s, 'time_to_opinion_h.p50'))} median, p90 "
            f"{_time(p90)}; {as_share(_mean(s, 'within_target.opinion'))} within target "
            f"({target_h:g} h), {over}")


def _drop_out(s: pd.DataFrame, results: Results) -> str:
    ab = results.scenario.abandonment
    if ab is None:
        return "none modelled (the scenario has no abandonment section)"
    where = ", ".join(f"{k} {as_share(v)}" for k in _STAGES if getattr(ab, k) is not None
                      and (v := _mean(s, f"abandoned_share.{k}")) > 0.0005)
    return (f"{as_share(_mean(s, 'abandoned_share'))} of cases abandoned"
            + (f": {where}" if where else ""))


def glance(results: Results, summary: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """The five lines as ``(topic, sentence)``: match, opinion, drop-out, cost, capacity.

    ``summary`` is ``results.summary()`` if already computed.
    """
    s = results.summary() if summary is None else summary
    sc = results.scenario
    eco = sc.economics
    cost = (f"{eco.currency} {as_usd(_mean(s, 'money.cost_per_opinion_usd'))} per opinion "
            "delivered" if eco is not None
            else "no cost figures (the scenario has no economics section)")
    pools = ", ".join(f"{p} {as_share(_mean(s, f'utilisation.{p}'))}" for p in results.plan.pools)
    return [("match", _match(s, sc.triage.policy)),
            ("opinion", _opinion(s, sc.targets.time_to_opinion_hours)),
            ("drop-out", _drop_out(s, results)),
            ("cost", cost),
            ("capacity", f"utilisation {pools}")]


def glance_text(results: Results, summary: pd.DataFrame | None = None, width: int = 92) -> str:
    """The five lines as terminal text (one line each), with a header, and the two match
    terms defined (wrapped at ``width``)."""

    s = results.summary() if summary is None else summary
    n = int(s.loc["arrivals", "n"]) if "arrivals" in s.index else 0
    head = (f"At a glance ({results.scenario.name}: means of {n} replication"
            f"{'s' if n != 1 else ''}, {measured_window(results.scenario)}; 95% CIs in the table "
            "below)")
    if results.overrides:  # a what-if must not pass for the scenario it changed
        head += "\nwith " + " ".join(f"--set {o}" for o in results.overrides)
    lines = [head, *(f"  {topic:<8}  {sentence}" for topic, sentence in glance(results, s))]
    lines += textwrap.wrap(f"({terms_note()})", width, initial_indent="  ",
                           subsequent_indent="  ")
    return "\n".join(lines)
