"""Terminal reports: the KPI table a planner reads after ``sosim run``, and the capacity check.

Plain text with aligned columns, so that it reads the same in a terminal, a
CI log or a notebook cell.

Example:
    >>> print(kpi_table(results))
    baseline: triage ai, routing overflow, 14 days measured, 2 replication(s), seed 7 (mean, 95% CI)
    ------------------------------------------------------------------------------------------------
      time to match mean                                26.7 h  [5.4 h, 48.1 h (2.0 d)]
      time to match p50                                  5.6 h  [3.7 h, 7.5 h]
      time to match p90                        109.6 h (4.6 d)  [0.0 h, 258.3 h (10.8 d)]*
      time to match p95                        152.6 h (6.4 d)  [46.1 h, 259.0 h (10.8 d)]
      records to match mean                              3.8 h  [3.7 h, 3.8 h]
      records to match p50                               0.3 h  [0.1 h, 0.4 h]
      records to match p90                               5.9 h  [0.0 h, 11.8 h]*
      records to match p95                              22.7 h  [10.7 h, 34.7 h]
      time to opinion mean                              47.1 h  [33.5 h, 60.8 h (2.5 d)]
      time to opinion p50                               21.2 h  [18.0 h, 24.3 h]
      time to opinion p90                      141.8 h (5.9 d)  [131.8 h (5.5 d), 151.7 h (6.3 d)]
      time to opinion p95                      162.6 h (6.8 d)  [93.5 h (3.9 d), 231.8 h (9.7 d)]
      matched within 24 h                                63.2%  [43.3%, 83.1%]
      opinion within 120 h                               58.1%  [43.2%, 72.9%]
      utilisation in_house                               28.5%  [18.1%, 38.9%]
      cases waiting in_house (time average)          2.3 cases  [0.0 cases, 6.6 cases]*
      utilisation outsourced                              2.6%  [0.0%, 17.5%]*
      cases waiting outsourced (time average)        0.1 cases  [0.0 cases, 0.8 cases]*
      utilisation records team                           57.8%  [51.1%, 64.5%]
      wait for a navigator mean                          6.2 h  [0.0 h, 12.6 h]*
      slots used in_house/in_person                       8.7%  [0.2%, 17.1%]
      slots used in_house/video                          31.0%  [18.3%, 43.7%]
      slots used outsourced/video                         5.0%  [0.0%, 26.2%]*
      outsourced share                                    5.9%  [0.0%, 37.6%]*
      misrouted share                                     9.9%  [0.7%, 19.1%]
      opinions per week                                    119  [39, 198]
      arrivals                                             452  [230, 675]
      delivered                                            238  [79, 396]
      in system at end                                     196  [176, 215]
      time to opinion p50, online_portal                19.0 h  [3.6 h, 34.4 h]
      time to opinion p50, in_person           127.8 h (5.3 d)  [0.0 h, 318.2 h (13.3 d)]*
      time to opinion p50, telephonic                   20.6 h  [2.6 h, 38.5 h]
      time to opinion p50, video               128.2 h (5.3 d)  [0.0 h, 269.2 h (11.2 d)]*
      abandoned                                             20  [0, 64]*
      abandoned share                                     4.3%  [0.0%, 12.0%]*
        at records                                        2.9%  [0.0%, 9.9%]*
        at referral                                       0.0%  [0.0%, 0.0%]
        at appointment                                    1.2%  [0.4%, 2.0%]
        at specialist                                     0.2%  [0.1%, 0.3%]
      (time to match: from the request's arrival to a matched specialist, records collection
      included; records to match: from complete records to a matched specialist, triage
      alone (the field's claim: 30 minutes by AI, 5-10 business days by legacy referral,
      docs/sources.md#doc000))
    <BLANKLINE>
    Where the time goes (mean per delivered case; sums to time to opinion)
    ----------------------------------------------------------------------
      records intake              16.9 h  [10.5 h, 23.3 h]
      waiting for triage           0.0 h  [0.0 h, 0.0 h]
      triage                       0.3 h  [0.2 h, 0.3 h]
      referral cycle / check       0.0 h  [0.0 h, 0.0 h]
      pre-authorisation            5.9 h  [0.0 h, 13.9 h]*
      misroute rework              2.9 h  [1.8 h, 3.9 h]
      waiting for an appointment  12.6 h  [3.7 h, 21.5 h]
      waiting for specialist       4.7 h  [0.0 h, 13.4 h]*
      specialist review            3.9 h  [1.8 h, 5.9 h]
    <BLANKLINE>
    Money over the 14 days measured (mean, 95% CI; USD; per opinion = over opinions delivered)
    ------------------------------------------------------------------------------------------
      cost per opinion, full (USD)                   1,589  [894, 2,283]
        the cases' own costs only (USD)                272  [87.26, 458]
        pool in_house                                1,641  [1,209, 2,073]
        pool outsourced                                774  [761, 787]
        channel online_portal                        1,550  [670, 2,430]
        channel in_person                            1,880  [418, 3,342]
        channel telephonic                           1,466  [935, 1,997]
        channel video                                2,068  [920, 3,217]
      portal vs in-person cost gap                   17.5%  [0.1%, 34.8%]
      outsourced vs in-house cost gap                52.8%  [41.2%, 64.4%]
      surgeries avoided                                  4  [0, 23]*
      treatment courses avoided                          2  [0, 9]*
      opinions after the procedure date               0.0%  [0.0%, 0.0%]
      procedures unreviewed (abandoned)                  4  [0, 11]*
      avoided among recommended procedures            9.8%  [0.0%, 24.5%]*
      gross savings: avoided procedures (USD)      197,806  [0.00, 1,218,341]*
        per opinion (USD)                              853  [0.00, 5,720]*
      savings lost: patients gave up (USD)          24,447  [0.00, 335,078]*
      savings lost: opinion after the date (USD)      0.00  [0.00, 0.00]
      program cost, full (USD)                     376,592  [289,333, 463,852]
        cases' own costs (USD)                      64,892  [0.00, 152,152]*
          of which abandoned cases (USD)               750  [0.00, 2,021]*
        specialists' contracted time (USD)         305,400  [305,400, 305,400]
          of which idle (USD)                      216,363  [197,605, 235,121]
        coordinators' hours (USD)                     0.00  [0.00, 0.00]
      cost of delay (USD)                             0.00  [0.00, 0.00]
      net savings (USD)                           -178,787  [-1,286,582, 929,009]
      net savings per opinion (USD)                   -736  [-4,908, 3,437]
      return on program cost                         -0.47  [-3.30, 2.36]
      benefit / cost (avoided / program cost)         0.53  [0.00, 3.36]*
      platform margin (USD)                       -209,548  [-225,398, -193,697]
        per opinion (USD)                             -884  [-1,409, -360]
    The platform loses money: what payers and patients pay falls short of what the
    opinions cost in full, by USD 884 per opinion delivered.
    <BLANKLINE>
    Per payer (payer's view: avoided - paid - delay; ROI = net / paid; a payer that pays nothing is
    its patients: net and ROI count what they pay)
        payer             cases  paid by payer  paid by patients  surgeries avoided           payer
    net savings                      ROI
        commercial          100         74,100             3,980                  1  -15,809
    [-103,715, 72,097]      -0.21 [-1.14, 0.73]
        employer_benefit     62         46,200              0.00                  1   5,806
    [-235,885, 247,498]       0.20 [-5.43, 5.82]
        medicare             42          3,300            13,965                  1  62,698
    [-536,772, 662,168]  21.04 [-193.02, 235.11]
        self_pay             34           0.00            25,500                  0  -3,990
    [-296,365, 288,386]    -0.10 [-11.49, 11.28]
        commercial: USD 0.40 per member per month paid, break-even 0.85 (full cost less co-pays);
    6.5 opinions per 1,000 members a year
        employer_benefit: USD 1.00 per member per month paid, break-even 2.08 (full cost less
    co-pays); 16.2 opinions per 1,000 members a year
    <BLANKLINE>
    Make or buy (only the costs that depend on who reviews: per-case overhead or price, salaried
    time, credits, unused commitment; break-even price = the vendor price below which buying is
    cheaper at this utilisation; break-even utilisation = where making costs what buying does)
        line                            pool        opinions  utilisation  cost/opinion (USD)
    break-even price  break-even utilisation
        cardiology                      in_house          31        26.3%               1,564
    1,564                   70.7%
        cardiology                      outsourced         4         2.8%                 675
    -                       -
        neurology                       in_house          24        25.9%               1,379
    1,379                   57.8%
        neurology                       outsourced         2         2.1%                 675
    -                       -
        neurology/movement_disorders    in_house           4         8.9%               3,300
    -                       -
        oncology                        in_house          67        39.2%               1,543
    1,543                   never
        oncology                        outsourced         2         3.6%                 675
    -                       -
        oncology/rare_tumour_pathology  in_house           4         8.9%               5,950
    -                       -
        orthopedics                     in_house          38        28.8%               1,496
    1,496                   73.8%
        orthopedics                     outsourced         4         2.0%                 675
    -                       -
        other                           in_house          54        30.3%               1,138
    1,138                   56.5%
        other                           outsourced         3         2.7%                 675
    -                       -
    <BLANKLINE>
      * the t-interval went below 0 for a quantity that cannot be negative;
        shown from 0, it is unreliable: add replications
      With only 2 replications a 95% t-interval is +/- 12.7 standard errors:
        run 3 or more (--replications) for usable intervals
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

from sim.outputs.formats import (
    as_cases,
    as_count,
    as_hours,
    as_share,
    measured_window,
    row_maker,
    text_table,
)
from sim.outputs.money_report import money_table

if TYPE_CHECKING:  # (pandas only in hints: sosim validate prints its table without it)
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


TERMS = {
    "time to match": "from the request's arrival to a matched specialist, records "
                     "collection included",
    "records to match": "from complete records to a matched specialist, triage alone (the "
                        "field's claim: 30 minutes by AI, 5-10 business days by legacy "
                        "referral, docs/sources.md#doc000)",
}
"""What the two match times measure; said wherever both appear (CLI and web page)."""


def terms_note() -> str:
    """The definitions of *time to match* and *records to match*, as one sentence.

    >>> terms_note()[:60]
    "time to match: from the request's arrival to a matched speci"
    """
    return "; ".join(f"{name}: {meaning}" for name, meaning in TERMS.items())


def interval_notes(summary: pd.DataFrame, text: str) -> str:
    """Footnotes for the intervals in ``text``: cut at 0 (*), and too few replications.

    >>> import pandas as pd
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


def kpi_table(results: Results) -> str:
    """The main KPI table: means across replications with 95% intervals."""
    s = results.summary()
    sc = results.scenario
    n = int(s.loc["arrivals", "n"])

    row = row_maker(s)

    rows = []
    for what, key in (("time to match", "time_to_match_h"),
                      ("records to match", "records_to_match_h"),
                      ("time to opinion", "time_to_opinion_h")):
        for stat in ("mean", "p50", "p90", "p95"):
            rows.append(row(f"{what} {stat}", f"{key}.{stat}", as_hours))
    rows.append(row(f"matched within {sc.targets.time_to_match_hours:g} h",
                    "within_target.match", as_share))
    rows.append(row(f"opinion within {sc.targets.time_to_opinion_hours:g} h",
                    "within_target.opinion", as_share))
    for pool in results.plan.pools:
        rows.append(row(f"utilisation {pool}", f"utilisation.{pool}", as_share))
        rows.append(row(f"cases waiting {pool} (time average)", f"queue_length.{pool}", as_cases))
    if results.plan.records_team is not None:  # navigators (sim.outputs.access)
        rows.append(row("utilisation records team", "records_team.utilisation", as_share))
        rows.append(row("wait for a navigator mean", "records_team.wait_h.mean", as_hours))
    for d in results.plan.diaries:  # appointment slots given / offered
        rows.append(row(f"slots used {d.name}", f"slots.{d.name}.utilisation", as_share))
    rows += [
        row("outsourced share", "outsourced_share", as_share),
        row("misrouted share", "misrouted_share", as_share),
        row("opinions per week", "throughput_per_week", as_count),
        row("arrivals", "arrivals", as_count),
        row("delivered", "delivered", as_count),
        row("in system at end", "in_system_end", as_count),
    ]
    for channel in results.plan.channels:  # each channel on its own (more than one)
        rows.append(row(f"time to opinion p50, {channel}",
                        f"channel.{channel}.time_to_opinion_h.p50", as_hours))
    rows = [r for r in rows if not (r[0].startswith("time to opinion p50, ") and r[1] == "-")]
    if sc.abandonment is not None:  # drop-out: each stage's share of cohort arrivals
        rows.append(row("abandoned", "abandoned", as_count))
        rows.append(row("abandoned share", "abandoned_share", as_share))
        rows += [row(f"  at {stage}", f"abandoned_share.{stage}", as_share)
                 for stage in ("records", "referral", "appointment", "specialist")
                 if getattr(sc.abandonment, stage) is not None]
    title = (f"{sc.name}: triage {sc.triage.policy}, routing {sc.routing.policy}, "
             f"{measured_window(sc)}, {n} replication(s), seed {results.seed} (mean, 95% CI)")
    if results.overrides:  # a what-if must not pass for the scenario it changed
        title += "\nwith " + " ".join(f"--set {o}" for o in results.overrides)
    out = text_table(rows, title) + "\n" + textwrap.fill(
        f"({terms_note()})", 88, initial_indent="  ", subsequent_indent="  ")
    stages = [row(label, f"stage_h.{key}", as_hours) for key, label in _STAGES.items()
              if key != "appointment" or f"stage_h.{key}" in s.index]
    out += "\n\n" + text_table(stages, "Where the time goes (mean per delivered case; sums to "
                                   "time to opinion)")
    if sc.economics is not None:
        out += "\n\n" + money_table(results)
    if notes := interval_notes(s, out):
        out += "\n\n" + notes
    return out


def capacity_table(capacity: pd.DataFrame | list[dict[str, Any]]) -> str:
    """The pre-run capacity check as text: one row per resource, then where overflow goes.

    ``role`` says which queue is a case's first choice and which only takes overflow; the
    offered hours are those each queue really receives once the overflow has spilled. An
    appointment diary's row gives cases a week against its slots a week.
    ``capacity``: :func:`sim.capacity.network.capacity_report` or its records
    (:func:`~sim.capacity.network.capacity_records`, which need no pandas).
    """
    records = capacity.to_dict("records") if hasattr(capacity, "to_dict") else list(capacity)
    rows = [("resource", "role", "servers", "offered h/wk", "available h/wk", "utilisation",
             "")]
    spills = []
    for r in records:
        util = "inf" if math.isinf(r["utilisation"]) else f"{r['utilisation']:.2f}"
        role = r.get("role", "")
        role = role if isinstance(role, str) else ""
        if r.get("kind") == "appointments":  # a diary: cases a week against its slots
            cap = r["cap_cases_per_week"]
            cells = ("-", f"{r['utilisation'] * cap:,.1f} cases", f"{cap:,.1f} slots")
        else:
            cells = (str(r["servers"]), f"{r['offered_h_per_week']:,.1f}",
                     f"{r['available_h_per_week']:,.1f}")
        rows.append((r["resource"], role, *cells, util,
                     "" if r["status"] == "ok" else r["status"]))
        share = r.get("spill_share", float("nan"))
        to = r.get("spills_to")
        if isinstance(to, str) and to and share == share:
            spills.append(f"  {r['resource']}: {share:.1%} of the cases that may overflow go "
                          f"to {to}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["Capacity check (work each queue receives vs working hours on its calendar)"]
    for row in rows:
        lines.append("  " + "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in
            enumerate(zip(row, widths, strict=True))).rstrip())
    if spills:
        lines.append("Overflow (expected wait in house over routing.overflow_wait_hours):")
        lines += spills
    lines += _limit_lines(records)
    return "\n".join(lines)


def _limit_lines(records: list[dict[str, Any]]) -> list[str]:
    """What drop-out, class reserves and contract caps do to the offered work."""
    out = []
    reach = [x for r in records if (x := r.get("reach_share", float("nan"))) == x]
    if reach and min(reach) < 1 - 1e-9:
        lo, hi = min(reach), max(reach)
        span = f"{lo:.1%}" if abs(hi - lo) < 5e-4 else f"{lo:.1%}-{hi:.1%}"
        out.append(f"Drop-out: {span} of the cases reach a specialist queue (the rest give up "
                   "waiting for records, a referral or an appointment); the work counts only "
                   "those.")
    for r in records:
        ru = r.get("reserve_utilisation", float("nan"))
        if ru == ru:
            out.append(f"  {r['resource']}: utilisation {ru:.2f} of the specialists left to "
                       "the classes a reserve keeps off the others")
        cap = r.get("cap_cases_per_week", float("nan"))
        if cap == cap and r["capped_share"] > 0:
            where = ("wait for next week's slot" if r["cap_utilisation"] == r["cap_utilisation"]
                     else "go to the other pools of the line")
            out.append(f"  {r['resource']}: {r['capped_share']:.1%} of its cases are beyond the "
                       f"contract's {cap:g} cases a week and {where}")
    return out
