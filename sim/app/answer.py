"""What the Answer view shows, as plain data: KPI cards, stages, money, payers, capacity.

Every number comes from :meth:`sim.outputs.results.Results.summary` (means across
replications with 95% t-intervals) and :attr:`~sim.outputs.results.Results.capacity`,
formatted as ``sosim run`` prints them (:mod:`sim.outputs.report`).

Example:
    >>> import sim
    >>> s = sim.load_scenario("scenarios/baseline.yaml", ["simulation.horizon_days=20",
    ...                       "simulation.warmup_days=2", "simulation.replications=2"])
    >>> cards = kpi_cards(sim.run(s))
    >>> cards[0].label, " h" in cards[0].value, cards[0].interval.startswith("95% CI")
    ('time to opinion mean', True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.formats import as_count, as_number, as_pct, as_share, as_usd
from sim.outputs.report import _STAGES, TERMS

if TYPE_CHECKING:
    from sim.outputs.results import Results

__all__ = ["Card", "capacity_frame", "capacity_style", "figure_names", "figure_png",
           "kpi_cards", "money_frame", "payer_frame", "stage_frame"]


@dataclass(frozen=True)
class Card:
    """One KPI card: a label, the mean as text, its interval and what it means."""

    label: str
    kpi: str
    value: str
    interval: str
    help: str = ""


def _h(x: float) -> str:
    """Hours, short enough for a card: ``143.4 h``."""
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:,.1f} h"


def _card(s: pd.DataFrame, label: str, kpi: str, fmt: Callable[[float], str],
          help: str = "") -> Card | None:
    if kpi not in s.index:
        return None
    r = s.loc[kpi]
    ci = "" if math.isnan(r["half_width"]) else \
        f"95% CI {fmt(r['ci_low'])} to {fmt(r['ci_high'])}"
    return Card(label, kpi, fmt(r["mean"]), ci or "one replication: no interval", help)


def kpi_cards(results: Results, summary: pd.DataFrame | None = None) -> list[Card]:
    """The headline KPIs, in reading order; money ones only when the scenario has economics.

    ``summary`` is ``results.summary()`` if already computed (it takes a moment).
    """
    s, sc = _summary(results, summary), results.scenario
    target_m, target_o = sc.targets.time_to_match_hours, sc.targets.time_to_opinion_hours
    specs = [  # the labels of sosim run's KPI table (sim.outputs.report.kpi_table)
        ("time to opinion mean", "time_to_opinion_h.mean", _h,
         "from the request to the written opinion"),
        ("time to opinion p90", "time_to_opinion_h.p90", _h,
         "9 cases in 10 get their opinion within this"),
        (f"opinion within {target_o:g} h", "within_target.opinion", as_share, ""),
        ("records to match p50", "records_to_match_h.p50", _h,
         f"records to match: {TERMS['records to match']}"),
        ("time to match mean", "time_to_match_h.mean", _h,
         f"time to match: {TERMS['time to match']}"),
        (f"matched within {target_m:g} h", "within_target.match", as_share,
         "share of cases matched within the target time to match (from arrival)"),
        *((f"utilisation {p}", f"utilisation.{p}", as_share, "") for p in results.plan.pools),
        ("outsourced share", "outsourced_share", as_share, ""),
        ("misrouted share", "misrouted_share", as_share, ""),
        ("opinions per week", "throughput_per_week", as_count, ""),
    ]
    if sc.economics is not None:
        cur = sc.economics.currency
        specs += [(f"cost per opinion, full ({cur})", "money.cost_per_opinion_usd", as_usd, ""),
                  (f"net savings ({cur})", "money.net_savings.total_usd", as_usd,
                   "avoided procedures - program cost - cost of delay"),
                  ("return on program cost", "money.roi", as_number, "")]
    return [c for c in (_card(s, *spec) for spec in specs) if c is not None]


def _summary(results: Results, summary: pd.DataFrame | None) -> pd.DataFrame:
    return results.summary() if summary is None else summary


def stage_frame(results: Results, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where the time goes: mean hours per delivered case by stage (they sum to the mean
    time to opinion), with intervals and each stage's share."""
    s = _summary(results, summary)
    rows = [(label, s.loc[f"stage_h.{key}"]) for key, label in _STAGES.items()
            if f"stage_h.{key}" in s.index]
    total = sum(r["mean"] for _, r in rows)
    return pd.DataFrame({
        "stage": [label for label, _ in rows],
        "mean_h": [r["mean"] for _, r in rows],
        "ci_low_h": [r["ci_low"] for _, r in rows],
        "ci_high_h": [r["ci_high"] for _, r in rows],
        "share": [r["mean"] / total if total else math.nan for _, r in rows],
    })


_MONEY = (
    ("cost per opinion", "money.cost_per_opinion_usd", as_usd),
    ("portal vs in-person cost gap", "money.portal_vs_hospital_pct", as_pct),
    ("outsourced vs in-house cost gap", "money.outsourced_vs_in_house_pct", as_pct),
    ("surgeries avoided", "money.surgeries_avoided", as_count),
    ("avoided among recommended procedures", "money.avoided_rate", as_share),
    ("gross savings: avoided procedures", "money.avoided_cost.total_usd", as_usd),
    ("program cost", "money.program_cost.total_usd", as_usd),
    ("cost of delay", "money.delay_cost.total_usd", as_usd),
    ("net savings", "money.net_savings.total_usd", as_usd),
    ("net savings per case", "money.net_savings_per_case_usd", as_usd),
    ("return on program cost", "money.roi", as_number),
)


def _ci_text(r: pd.Series, fmt: Callable[[float], str]) -> str:
    return "" if math.isnan(r["half_width"]) else f"{fmt(r['ci_low'])} to {fmt(r['ci_high'])}"


def money_frame(results: Results, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """The money table of ``sosim run`` (measured window; amounts in the scenario's
    currency), with cost per opinion by pool and channel; empty without economics."""
    s = _summary(results, summary)
    rows = []
    for label, kpi, fmt in _MONEY:
        rows.append((label, kpi, fmt))
        if kpi == "money.cost_per_opinion_usd":
            rows += [(f"  by {k.split('.')[-2]}: {k.split('.')[-1]}", k, fmt) for k in s.index
                     if k.startswith(kpi + ".")]
    rows = [row for row in rows if row[1] in s.index]
    return pd.DataFrame({
        "": [label for label, _, _ in rows],
        "mean": [fmt(s.loc[k, "mean"]) for _, k, fmt in rows],
        "95% CI": [_ci_text(s.loc[k], fmt) for _, k, fmt in rows],
    })


def payer_frame(results: Results, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each payer's cases, what it paid, surgeries avoided, net savings and ROI (means;
    the payer's view: avoided - paid - delay; ROI = net / paid)."""
    s = _summary(results, summary)
    payers = [p for p in results.plan.payers if f"payer.{p}.cases" in s.index]
    cols = {"cases": ("cases", as_count), "paid": ("paid_usd", as_usd),
            "surgeries avoided": ("surgeries_avoided", as_count),
            "net savings": ("net_savings_usd", as_usd), "ROI": ("roi", as_number)}
    out = pd.DataFrame({name: [fmt(s.loc[f"payer.{p}.{k}", "mean"]) for p in payers]
                        for name, (k, fmt) in cols.items()}, index=pd.Index(payers, name="payer"))
    out["net savings 95% CI"] = [_ci_text(s.loc[f"payer.{p}.net_savings_usd"], as_usd)
                                 for p in payers]
    out["ROI 95% CI"] = [_ci_text(s.loc[f"payer.{p}.roi"], as_number) for p in payers]
    return out


def capacity_frame(results: Results) -> pd.DataFrame:
    """The pre-run capacity check (offered work against working hours per queue)."""
    return results.capacity.copy()


CAPACITY_LABELS = {
    "resource": "queue", "kind": "pool kind", "role": "role", "servers": "specialists",
    "available_h_per_week": "available h/week", "offered_h_per_week": "offered h/week",
    "utilisation": "utilisation", "status": "status",
    "spill_share": "overflow share", "spills_to": "overflows to",
    "reach_share": "cases reaching the queue", "abandon_share": "give up before",
    "reserve_utilisation": "utilisation left to later classes",
    "reserve_overloaded": "reserve overloaded",
    "cap_cases_per_week": "contract cap (cases/week)", "capped_share": "share beyond the cap",
    "cap_utilisation": "cap used",
}
"""Readable names of the capacity check's columns (``sosim validate`` prints the same)."""


def capacity_style(capacity: pd.DataFrame):  # noqa: ANN201  (a pandas Styler)
    """The capacity table with readable column names and overloaded (and nearly overloaded)
    queues highlighted."""
    def colour(row: pd.Series) -> list[str]:
        if row["status"] == "ok":
            return [""] * len(row)
        over = row["status"] == "OVERLOADED"  # by hours, a class reserve or a contract cap
        return ["background-color: #fbd5d5" if over else "background-color: #fdf0c8"] * len(row)

    shown = capacity.rename(columns=CAPACITY_LABELS)
    formats = {"utilisation": "{:.0%}", "available_h_per_week": "{:,.1f}",
               "offered_h_per_week": "{:,.1f}", "reach_share": "{:.0%}",
               "reserve_utilisation": "{:.0%}", "cap_utilisation": "{:.0%}",
               "spill_share": "{:.0%}", "capped_share": "{:.0%}", "abandon_share": "{:.0%}"}
    return shown.style.apply(colour, axis=1).format(
        {CAPACITY_LABELS[k]: f for k, f in formats.items() if k in capacity.columns},
        na_rep="")


def figure_names(results: Results) -> list[str]:
    """The figures ``sosim run`` draws for this run, by name."""
    names = ["time to opinion", "utilisation", "queue length"]
    if results.scenario.economics is not None:
        names += ["savings waterfall", "payers"]
    return names


def figure_png(results: Results, name: str) -> bytes:
    """One of :func:`figure_names` as PNG bytes, drawn by the figures ``sosim run`` saves."""
    import io

    from sim.outputs import figures, money_figures

    draw = {"time to opinion": figures.time_to_opinion_figure,
            "utilisation": figures.utilisation_figure,
            "queue length": figures.queue_length_figure,
            "savings waterfall": money_figures.savings_waterfall_figure,
            "payers": money_figures.payer_figure}[name]
    fig = draw(results)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=figures.DPI)
    return buffer.getvalue()
