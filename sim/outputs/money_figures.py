"""Figures of the money side: the savings waterfall and each payer's return.

Drawn only for scenarios with an ``economics`` section; same style as
:mod:`sim.outputs.figures` (Agg canvas, no pyplot state).

Example:
    >>> print(savings_waterfall_figure(results).axes[0].get_title())
    Savings waterfall — scenario baseline
    cases after the warm-up, capacity over the measured window, mean of 2 replications
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.outputs.naming import results_label
from sim.outputs.plotting import new_figure, replications_label

if TYPE_CHECKING:
    from sim.outputs.results import Results

_STEPS = (  # label, KPI, sign: costs pull the bar down, avoided procedures push it up
    ("records", "money.records_cost.total_usd", -1),
    ("triage", "money.triage_cost.total_usd", -1),
    ("opinions", "money.opinion_cost.total_usd", -1),
    ("specialists\n(contracted)", "money.staff_cost.total_usd", -1),
    ("coordinators\n(contracted)", "money.coordinator_cost.total_usd", -1),
    ("unused\ncommitment", "money.contracts.unused_commitment_usd", -1),
    ("cost of delay", "money.delay_cost.total_usd", -1),
    ("avoided\nprocedures", "money.avoided_cost.total_usd", +1),
)
"""The full cost, step by step: the cases' own costs, then the capacity paid whether used or
not (a step whose KPI the run lacks or that is 0 is left out), then the avoided procedures."""


def _money_axis(ax, currency: str) -> None:  # noqa: ANN001
    def fmt(x: float, _pos: int) -> str:
        for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(x) >= size:
                return f"{x / size:,.1f}{suffix}"
        return f"{x:,.0f}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
    ax.set_ylabel(f"{currency} over the measured window")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.grid(axis="y", alpha=0.3)


def savings_waterfall_figure(results: Results) -> Figure:
    """Costs and avoided procedures stacked into net savings (means across replications)."""
    s = results.summary()["mean"]
    currency = results.scenario.economics.currency
    steps = [st for st in _STEPS if abs(float(s.get(st[1], 0.0))) > 0
             or st[1] in ("money.records_cost.total_usd", "money.avoided_cost.total_usd")]
    fig = new_figure(max(8.5, 1.2 * (len(steps) + 1)), 5.2)
    ax = fig.subplots()
    level = 0.0
    for i, (_, kpi, sign) in enumerate(steps):
        value = sign * float(s.get(kpi, 0.0))
        colour = "tab:red" if value < 0 else "tab:green"
        ax.bar(i, value, bottom=level, color=colour, width=0.6)
        ax.annotate(f"{value:+,.0f}", (i, max(level, level + value)), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize="small")
        if i:
            ax.plot([i - 1.3, i - 0.3], [level, level], color="0.4", linewidth=0.8)
        level += value
    net = float(s.get("money.net_savings.total_usd", level))
    ax.bar(len(steps), net, color="tab:blue", width=0.6)
    ax.annotate(f"{net:+,.0f}", (len(steps), net), xytext=(0, 4 if net >= 0 else -12),
                textcoords="offset points", ha="center", fontsize="small", weight="bold")
    ax.set_xticks(range(len(steps) + 1), [lbl for lbl, _, _ in steps] + ["net\nsavings"])
    _money_axis(ax, currency)
    ax.set_title(f"Savings waterfall \u2014 scenario {results_label(results)}\n"
                 f"cases after the warm-up, capacity over the measured window, mean of "
                 f"{replications_label(results)}", fontsize="medium")
    return fig


def payer_figure(results: Results) -> Figure:
    """Each payer's net savings (with 95% CI) and its return on what it paid."""
    s = results.summary()
    currency = results.scenario.economics.currency
    payers = [p for p in results.plan.payers if f"payer.{p}.net_savings_usd" in s.index]
    fig = new_figure(max(7.0, 2.5 + 1.5 * len(payers)), 5.2)
    ax = fig.subplots()
    rows = s.reindex([f"payer.{p}.net_savings_usd" for p in payers])
    mean = rows["mean"].to_numpy(dtype=float)
    err = np.nan_to_num(np.vstack([mean - rows["ci_low"].to_numpy(dtype=float),
                                   rows["ci_high"].to_numpy(dtype=float) - mean]))
    x = np.arange(len(payers))
    ax.bar(x, mean, yerr=err, capsize=6, width=0.6,
           color=["tab:green" if m >= 0 else "tab:red" for m in mean])
    labels = []
    for p in payers:
        roi = s["mean"].get(f"payer.{p}.roi", np.nan)
        labels.append(f"{p}\n" + ("ROI n/a" if np.isnan(roi) else f"ROI {roi:.2f}"))
    ax.set_xticks(x, labels)
    ax.set_xlabel("Payer")
    _money_axis(ax, currency)
    ax.set_title(f"Net savings per payer (avoided - paid - delay; self-pay: - what patients "
                 f"paid) \u2014 scenario "
                 f"{results_label(results)}\nmean of {replications_label(results)}; "
                 "error bars: 95% CI; "
                 "ROI = net savings / paid", fontsize="medium")
    return fig
