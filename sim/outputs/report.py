"""Terminal reports: the KPI table a planner reads after ``sosim run``, and the capacity check.

Plain text with aligned columns, so that it reads the same in a terminal, a
CI log or a notebook cell.

Example:
    >>> print(kpi_table(results))
    baseline: triage ai, routing overflow, 14 days measured, 2 replication(s), seed 7 (mean, 95% CI)
    ---------------------------------------------------------------------------------------------...
      time to match mean                                36.0 h  [27.0 h, 45.0 h]
    ...
      time to opinion mean                      48.7 h (2.0 d)  [48.5 h (2.0 d), 48.9 h (2.0 d)]
    ...
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable

import pandas as pd

from sim.outputs.results import Results

_STAGES = {
    "intake": "records intake",
    "triage_wait": "waiting for triage",
    "triage_work": "triage",
    "referral_or_check": "referral cycle / check",
    "authorisation": "pre-authorisation",
    "misroute_rework": "misroute rework",
    "appointment": "waiting for an appointment",
    "specialist_wait": "waiting for specialist",
    "review": "specialist review",
}


def _hours(x: float) -> str:
    if x is None or math.isnan(x):
        return "-"
    x = x + 0.0  # no "-0.0"
    return f"{x:,.1f} h" + (f" ({x / 24:,.1f} d)" if abs(x) >= 48 else "")


def _share(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def _number(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:,.2f}"


def _count(x: float) -> str:
    """A count (cases, surgeries): a whole number, even as a mean across replications."""
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:,.0f}"


def _cases(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:,.1f} cases"


_NON_NEGATIVE = {_hours, _share, _count, _cases}
"""Formats of quantities that cannot be negative: their intervals stop at 0 (marked *)."""


def _ci(row: pd.Series, fmt) -> str:  # noqa: ANN001
    if math.isnan(row["half_width"]):
        return ""
    low, cut = row["ci_low"], ""
    if fmt in _NON_NEGATIVE and low < 0:
        low, cut = 0.0, "*"
    return f"[{fmt(low)}, {fmt(row['ci_high'])}]{cut}"


def interval_notes(summary: pd.DataFrame, text: str) -> str:
    """Footnotes for the intervals in ``text``: cut at 0 (*), and too few replications.

    >>> interval_notes(pd.DataFrame({"n": [2]}), "[0, 5]*")[:40]
    '  * the t-interval went below 0 for a qu'
    """
    notes = []
    if "]*" in text:
        notes.append("  * the t-interval went below 0 for a quantity that cannot be negative;"
                     "\n    shown from 0, it is unreliable: add replications")
    n = int(summary["n"].max()) if len(summary) else 0
    if n == 2:
        notes.append("  With only 2 replications a 95% t-interval is +/- 12.7 standard errors:"
                     "\n    run 3 or more (--replications) for usable intervals")
    return "\n".join(notes)


def _row_maker(summary: pd.DataFrame) -> Callable[[str, str, Callable[[float], str]],
                                                  tuple[str, str, str]]:
    """``row(label, kpi, fmt)``: a table row of ``summary``'s mean and 95% interval of ``kpi``.

    A KPI the summary lacks shows as ``-`` (the scenario does not produce it).

    >>> row = _row_maker(pd.DataFrame({"mean": [0.5], "half_width": [0.1], "ci_low": [0.4],
    ...                                "ci_high": [0.6]}, index=["outsourced_share"]))
    >>> row("outsourced share", "outsourced_share", _share), row("x", "nothing", _share)
    (('outsourced share', '50.0%', '[40.0%, 60.0%]'), ('x', '-', ''))
    """

    def row(label: str, kpi: str, fmt: Callable[[float], str]) -> tuple[str, str, str]:
        if kpi not in summary.index:
            return (label, "-", "")
        r = summary.loc[kpi]
        return (label, fmt(r["mean"]), _ci(r, fmt))

    return row


def _table(rows: list[tuple[str, str, str]], title: str) -> str:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [title, "-" * max(map(len, title.splitlines()))]
    lines += [f"  {a:<{w0}}  {b:>{w1}}  {c}".rstrip() for a, b, c in rows]
    return "\n".join(lines)


def kpi_table(results: Results) -> str:
    """The main KPI table: means across replications with 95% intervals."""
    s = results.summary()
    sc = results.scenario
    n = int(s.loc["arrivals", "n"])

    row = _row_maker(s)

    rows = []
    for what, key in (("time to match", "time_to_match_h"),
                      ("records to match", "records_to_match_h"),
                      ("time to opinion", "time_to_opinion_h")):
        for stat in ("mean", "p50", "p90", "p95"):
            rows.append(row(f"{what} {stat}", f"{key}.{stat}", _hours))
    rows.append(row(f"matched within {sc.targets.time_to_match_hours:g} h",
                    "within_target.match", _share))
    rows.append(row(f"opinion within {sc.targets.time_to_opinion_hours:g} h",
                    "within_target.opinion", _share))
    for pool in results.plan.pools:
        rows.append(row(f"utilisation {pool}", f"utilisation.{pool}", _share))
        rows.append(row(f"cases waiting {pool} (time average)", f"queue_length.{pool}", _cases))
    rows += [
        row("outsourced share", "outsourced_share", _share),
        row("misrouted share", "misrouted_share", _share),
        row("opinions per week", "throughput_per_week", _number),
        row("arrivals", "arrivals", _count),
        row("delivered", "delivered", _count),
        row("in system at end", "in_system_end", _count),
    ]
    if sc.abandonment is not None:  # drop-out: each stage's share of cohort arrivals
        rows.append(row("abandoned", "abandoned", _number))
        rows.append(row("abandoned share", "abandoned_share", _share))
        rows += [row(f"  at {stage}", f"abandoned_share.{stage}", _share)
                 for stage in ("records", "referral", "appointment", "specialist")
                 if getattr(sc.abandonment, stage) is not None]
    title = (f"{sc.name}: triage {sc.triage.policy}, routing {sc.routing.policy}, "
             f"{_window(sc)}, {n} replication(s), seed {results.seed} (mean, 95% CI)")
    if results.overrides:  # a what-if must not pass for the scenario it changed
        title += "\nwith " + " ".join(f"--set {o}" for o in results.overrides)
    out = _table(rows, title)
    stages = [row(label, f"stage_h.{key}", _hours) for key, label in _STAGES.items()
              if key != "appointment" or f"stage_h.{key}" in s.index]
    out += "\n\n" + _table(stages, "Where the time goes (mean per delivered case; sums to "
                                   "time to opinion)")
    if sc.economics is not None:
        out += "\n\n" + money_table(results)
    if notes := interval_notes(s, out):
        out += "\n\n" + notes
    return out


def _window(sc) -> str:  # noqa: ANN001
    """The measured window in words: what the per-run totals and counts cover."""
    sim_ = sc.simulation
    if not sim_.warmup_days:
        return f"{sim_.horizon_days:g} days measured"
    return (f"{sim_.horizon_days - sim_.warmup_days:g} days measured after a "
            f"{sim_.warmup_days:g}-day warm-up")


def _usd(x: float) -> str:
    if x is None or math.isnan(x):
        return "-"
    return f"{x + 0.0:,.0f}" if abs(x) >= 100 else f"{x + 0.0:,.2f}"


def _pct(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x + 0.0:.1f}%"


def money_table(results: Results) -> str:
    """The money KPIs: cost per opinion, savings, and each payer's return."""
    s = results.summary()
    cur = results.scenario.economics.currency

    row = _row_maker(s)

    rows = [row(f"cost per opinion ({cur})", "money.cost_per_opinion_usd", _usd)]
    for key, label in (("pool", "pool"), ("channel", "channel")):
        prefix = f"money.cost_per_opinion_usd.{key}."
        rows += [row(f"  {label} {k.removeprefix(prefix)}", k, _usd)
                 for k in s.index if k.startswith(prefix)]
    rows += [
        row("portal vs in-person cost gap", "money.portal_vs_hospital_pct", _pct),
        row("outsourced vs in-house cost gap", "money.outsourced_vs_in_house_pct", _pct),
        row("surgeries avoided", "money.surgeries_avoided", _count),
        row("treatment courses avoided", "money.treatment_courses_avoided", _count),
        row("opinions after the procedure date", "money.too_late_share", _share),
        row("procedures unreviewed (abandoned)", "money.procedures_unreviewed", _count),
        row("avoided among recommended procedures", "money.avoided_rate", _share),
        row(f"gross savings: avoided procedures ({cur})", "money.avoided_cost.total_usd", _usd),
        row(f"program cost ({cur})", "money.program_cost.total_usd", _usd),
        row(f"cost of delay ({cur})", "money.delay_cost.total_usd", _usd),
        row(f"net savings ({cur})", "money.net_savings.total_usd", _usd),
        row(f"net savings per case ({cur})", "money.net_savings_per_case_usd", _usd),
        row("return on program cost", "money.roi", _number),
        row(f"platform margin ({cur})", "money.platform_margin.total_usd", _usd),
    ]
    for pool in (p for p, spec in results.scenario.pools.items() if spec.contract):
        key = f"money.contract.{pool}"
        rows += [row(f"contract {pool}: SLA credits received ({cur})", f"{key}.sla_credits_usd",
                     _usd),
                 row(f"contract {pool}: late opinions", f"contract.{pool}.late_share", _share),
                 row(f"contract {pool}: unused commitment ({cur})",
                     f"{key}.unused_commitment_usd", _usd)]
    if "money.roi_with_commitments" in s.index:
        rows.append(row("return once unused commitments are paid", "money.roi_with_commitments",
                        _number))
    optional = ("treatment courses", "opinions after", "procedures unreviewed")
    rows = [r for r in rows if r[1] != "-" or not r[0].startswith(optional)]
    out = _table(rows, f"Money over the {_window(results.scenario)} (mean, 95% CI; {cur})")
    out += _margin_sentence(s, cur)
    payers = [p for p in results.plan.payers if f"payer.{p}.cases" in s.index]
    if payers:
        head = ("payer", "cases", "paid", "surgeries avoided", "payer net savings", "ROI")
        table = [head] + [
            (p, _count(s.loc[f"payer.{p}.cases", "mean"]),
             _usd(s.loc[f"payer.{p}.paid_usd", "mean"]),
             _count(s.loc[f"payer.{p}.surgeries_avoided", "mean"]),
             _with_ci(s.loc[f"payer.{p}.net_savings_usd"], _usd),
             _with_ci(s.loc[f"payer.{p}.roi"], _number))
            for p in payers]
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        lines = ["", "Per payer (payer's view: avoided - paid - delay; ROI = net / paid)"]
        for r in table:
            lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                          for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        out += "\n" + "\n".join(lines)
    return out


def _margin_sentence(s: pd.DataFrame, cur: str) -> str:
    """A plain sentence when the platform loses money on its opinions."""
    key, per = "money.platform_margin.total_usd", "money.cost_per_opinion_usd"
    total = "money.program_cost.total_usd"
    if key not in s.index or total not in s.index or not s.loc[key, "mean"] < 0:
        return ""
    per_opinion = s.loc[key, "mean"] / s.loc[total, "mean"] * s.loc[per, "mean"]
    return "\n" + textwrap.fill(
        f"The platform loses money: what payers and patients pay falls short of what "
        f"producing the opinions costs, by {cur} {-per_opinion:,.0f} per opinion.", 78)


def _with_ci(r: pd.Series, fmt) -> str:  # noqa: ANN001
    ci = _ci(r, fmt)
    return f"{fmt(r['mean'])} {ci}".strip()


def capacity_table(capacity: pd.DataFrame) -> str:
    """The pre-run capacity check as text: one row per resource, then where overflow goes.

    ``role`` says which queue is a case's first choice and which only takes overflow; the
    offered hours are those each queue really receives once the overflow has spilled.
    """
    rows = [("resource", "role", "servers", "offered h/wk", "available h/wk", "utilisation",
             "")]
    spills = []
    for r in capacity.itertuples():
        util = "inf" if math.isinf(r.utilisation) else f"{r.utilisation:.2f}"
        role = getattr(r, "role", "")
        role = role if isinstance(role, str) else ""
        rows.append((r.resource, role, str(r.servers), f"{r.offered_h_per_week:,.1f}",
                     f"{r.available_h_per_week:,.1f}", util,
                     "" if r.status == "ok" else r.status))
        share = getattr(r, "spill_share", float("nan"))
        to = getattr(r, "spills_to", None)
        if isinstance(to, str) and to and share == share:
            spills.append(f"  {r.resource}: {share:.1%} of the cases that may overflow go to "
                          f"{to}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["Capacity check (work each queue receives vs working hours on its calendar)"]
    for row in rows:
        lines.append("  " + "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in
            enumerate(zip(row, widths, strict=True))).rstrip())
    if spills:
        lines.append("Overflow (expected wait in house over routing.overflow_wait_hours):")
        lines += spills
    return "\n".join(lines)
