"""The money table of ``sosim run``: program cost, savings and return, per payer, make or buy.

Printed after the KPI table when the scenario has ``economics``
(:func:`sim.outputs.report.kpi_table` has the times; the example of
:mod:`sim.outputs.report` shows both).

Example:
    >>> money_table.__name__
    'money_table'
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

from sim.outputs.formats import (
    as_cost,
    as_count,
    as_number,
    as_pct,
    as_ratio,
    as_share,
    as_usd,
    measured_window,
    row_maker,
    text_table,
    with_interval,
)

if TYPE_CHECKING:
    import pandas as pd

    from sim.outputs.results import Results


def money_table(results: Results) -> str:
    """The money KPIs: full cost per opinion, savings found and lost, each payer's return,
    and the make-or-buy table."""
    s = results.summary()
    cur = results.scenario.economics.currency

    row = row_maker(s)

    rows = [row(f"cost per opinion, full ({cur})", "money.cost_per_opinion_usd", as_cost),
            row(f"  the cases' own costs only ({cur})", "money.variable_cost_per_opinion_usd",
                as_cost)]
    for key, label in (("pool", "pool"), ("channel", "channel")):
        prefix = f"money.cost_per_opinion_usd.{key}."
        rows += [row(f"  {label} {k.removeprefix(prefix)}", k, as_cost)
                 for k in s.index if k.startswith(prefix)]
    rows += [
        row("portal vs in-person cost gap", "money.portal_vs_hospital_pct", as_pct),
        row("outsourced vs in-house cost gap", "money.outsourced_vs_in_house_pct", as_pct),
        row("surgeries avoided", "money.surgeries_avoided", as_count),
        row("treatment courses avoided", "money.treatment_courses_avoided", as_count),
        row("opinions after the procedure date", "money.too_late_share", as_share),
        row("procedures unreviewed (abandoned)", "money.procedures_unreviewed", as_count),
        row("avoided among recommended procedures", "money.avoided_rate", as_share),
        row(f"gross savings: avoided procedures ({cur})", "money.avoided_cost.total_usd", as_cost),
        row(f"  per opinion ({cur})", "money.gross_saving_per_opinion_usd", as_cost),
        row(f"savings lost: patients gave up ({cur})", "money.savings_lost.abandoned_usd",
            as_cost),
        row(f"savings lost: opinion after the date ({cur})", "money.savings_lost.too_late_usd",
            as_cost),
        row(f"program cost, full ({cur})", "money.program_cost.total_usd", as_cost),
        row(f"  cases' own costs ({cur})", "money.variable_cost.total_usd", as_cost),
        row(f"    of which abandoned cases ({cur})", "money.abandoned_cost.total_usd", as_cost),
        row(f"  specialists' contracted time ({cur})", "money.staff_cost.total_usd", as_cost),
        row(f"    of which idle ({cur})", "money.staff_idle_cost.total_usd", as_cost),
        row(f"  coordinators' hours ({cur})", "money.coordinator_cost.total_usd", as_cost),
        row(f"  unused contract commitments ({cur})", "money.contracts.unused_commitment_usd",
            as_cost),
        row(f"cost of delay ({cur})", "money.delay_cost.total_usd", as_cost),
        row(f"net savings ({cur})", "money.net_savings.total_usd", as_usd),
        row(f"net savings per opinion ({cur})", "money.net_savings_per_case_usd", as_usd),
        row("return on program cost", "money.roi", as_number),
        row("benefit / cost (avoided / program cost)", "money.benefit_cost_ratio", as_ratio),
        row(f"platform margin ({cur})", "money.platform_margin.total_usd", as_usd),
        row(f"  per opinion ({cur})", "money.platform_margin_per_opinion_usd", as_usd),
    ]
    for pool in (p for p, spec in results.scenario.pools.items() if spec.contract):
        key = f"money.contract.{pool}"
        rows += [row(f"contract {pool}: SLA credits received ({cur})", f"{key}.sla_credits_usd",
                     as_cost),
                 row(f"contract {pool}: late opinions", f"contract.{pool}.late_share", as_share),
                 row(f"contract {pool}: unused commitment ({cur})",
                     f"{key}.unused_commitment_usd", as_cost)]
    optional = ("treatment courses", "opinions after", "procedures unreviewed", "  of which",
                "    of which", "savings lost: opinion", "  specialists'", "  coordinators'",
                "  unused contract", "cost of delay")
    rows = [r for r in rows if r[1] != "-" or not r[0].startswith(optional)]
    out = text_table(rows, f"Money over the {measured_window(results.scenario)} (mean, 95% CI; "
                           f"{cur}; per opinion = over opinions delivered)")
    out += _margin_sentence(s, cur)
    out += _payer_lines(results, s)
    out += _make_or_buy_lines(results, s, cur)
    return out


def _payer_lines(results: Results, s: pd.DataFrame) -> str:
    """Each payer's return; a self-paying one counts what its patients pay."""
    payers = [p for p in results.plan.payers if f"payer.{p}.cases" in s.index]
    if not payers:
        return ""
    head = ("payer", "cases", "paid by payer", "paid by patients", "surgeries avoided",
            "payer net savings", "ROI")
    table = [head] + [
        (p, as_count(s.loc[f"payer.{p}.cases", "mean"]),
         as_usd(s.loc[f"payer.{p}.paid_usd", "mean"]),
         as_usd(s.loc[f"payer.{p}.patient_paid_usd", "mean"])
         if f"payer.{p}.patient_paid_usd" in s.index else "-",
         as_count(s.loc[f"payer.{p}.surgeries_avoided", "mean"]),
         with_interval(s.loc[f"payer.{p}.net_savings_usd"], as_usd),
         with_interval(s.loc[f"payer.{p}.roi"], as_number))
        for p in payers]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines = ["", "Per payer (payer's view: avoided - paid - delay; ROI = net / paid; a payer "
                 "that pays nothing is its patients: net and ROI count what they pay)"]
    for r in table:
        lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                      for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    for p in payers:
        key = f"payer.{p}.pmpm_paid_usd"
        if key in s.index:
            lines.append(
                f"  {p}: USD {s.loc[key, 'mean']:,.2f} per member per month paid, break-even "
                f"{s.loc[f'payer.{p}.break_even_pmpm_usd', 'mean']:,.2f} (full cost less "
                f"co-pays); {s.loc[f'payer.{p}.opinions_per_1000_members_year', 'mean']:,.1f}"
                " opinions per 1,000 members a year")
    return "\n" + "\n".join(lines)


def _make_or_buy_lines(results: Results, s: pd.DataFrame, cur: str) -> str:
    """Per line: in-house against outsourced cost per opinion, and the break-even."""
    from sim.outputs.make_or_buy import make_or_buy_table

    table = make_or_buy_table(s, results.scenario)
    if table.empty:
        return ""
    head = ("line", "pool", "opinions", "utilisation", f"cost/opinion ({cur})",
            "break-even price", "break-even utilisation")
    rows = [head] + [
        (r.line, r.pool, as_count(r.opinions), as_share(r.utilisation),
         as_usd(r.cost_per_opinion_usd), as_usd(r.break_even_price_usd),
         "never" if r.break_even_utilisation == math.inf or r.break_even_utilisation > 1
         else as_share(r.break_even_utilisation))
        for r in table.itertuples()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["", "Make or buy (only the costs that depend on who reviews: per-case overhead or "
                 "price, salaried time, credits, unused commitment; break-even price = the "
                 "vendor price below which buying is cheaper at this utilisation; break-even "
                 "utilisation = where making costs what buying does)"]
    lines = [lines[0]] + textwrap.wrap(lines[1], 96)
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                                      for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n" + "\n".join(lines)


def _margin_sentence(s: pd.DataFrame, cur: str) -> str:
    """A plain sentence when the platform loses money on its opinions."""
    per = "money.platform_margin_per_opinion_usd"
    if per not in s.index or not s.loc[per, "mean"] < 0:
        return ""
    return "\n" + textwrap.fill(
        f"The platform loses money: what payers and patients pay falls short of what "
        f"the opinions cost in full, by {cur} {-s.loc[per, 'mean']:,.0f} per opinion "
        f"delivered.", 78)
