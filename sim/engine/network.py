"""The referral network: can every case reach an opinion, and can the pools keep up?

Two checks run before any simulation:

1. **Reachability.** The network is a directed graph (networkx): each *case
   type* (a service line and a payer) links to the specialist queues that staff
   the line in pools the payer covers, and each queue links to ``opinion``. A
   case type with demand but no path to ``opinion`` is an error: such cases
   would wait forever.
2. **Capacity.** For each specialist queue (and the triage staff) the offered
   work per week is set against the working hours its people have on their
   calendar. Utilisation at or above 1 means the queue grows without bound over
   the run; the report says so plainly, and the run still ends at its horizon
   with the backlog reported.

Example:
    >>> report = capacity_report(build_plan(scenario))        # doctest: +SKIP
    >>> report[report.utilisation >= 1]                        # doctest: +SKIP
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from sim.core.clock import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.engine.plan import Plan
from sim.engine.rosters import expected_presence

OPINION = "opinion"
HIGH_UTILISATION = 0.85


def referral_graph(plan: Plan) -> nx.DiGraph:
    """Case types -> specialist queues -> opinion, as a directed graph."""
    g = nx.DiGraph()
    g.add_node(OPINION)
    for q in plan.queues:
        g.add_edge(("queue", q.index), OPINION, servers=q.servers)
    for (line, payer), queues in plan.routes.items():
        g.add_node(("case", line, payer))
        for q in queues:
            g.add_edge(("case", line, payer), ("queue", q))
    return g


def unreachable_case_types(plan: Plan) -> list[tuple[str, str]]:
    """(service line, payer) pairs that have demand but cannot reach an opinion."""
    g = referral_graph(plan)
    mix = plan.scenario.demand.mix
    out = []
    for (line, payer), _ in plan.routes.items():
        demand = plan.line_share[line] * mix.payer.get(plan.payers[payer], 0.0)
        if demand > 0 and not nx.has_path(g, ("case", line, payer), OPINION):
            out.append((plan.lines[line].name, plan.payers[payer]))
    return out


def idle_calendars(plan: Plan) -> list[str]:
    """Calendars in use that have no working time at all within the horizon."""
    s = plan.scenario
    used = {p.calendar for p in s.pools.values()}
    for cfg in (s.triage.ai, s.triage.legacy, s.triage.hybrid):
        if cfg is not None:
            used.add(cfg.calendar)
    return sorted(c for c in used if plan.calendars[c].working_hours(plan.horizon_h) <= 0)


def _weekly_hours(plan: Plan, calendar_name_or_cal) -> float:  # noqa: ANN001
    cal = calendar_name_or_cal
    return float(cal.working_hours(plan.horizon_h)) / plan.horizon_h * HOURS_PER_WEEK


def capacity_report(plan: Plan) -> pd.DataFrame:
    """Offered work against available working hours, per queue and triage resource.

    Offered work per week is ``arrival rate x share routed there x mean effort``.
    Routing is taken at its first choice (``in_house_first`` sends a line's
    cases to its in-house queues, split evenly among them); under ``overflow``
    the ``line total`` rows also show whether all pools together keep up, since
    overflow moves the excess out. Every case gets its full review on its right
    line; misrouted cases also add screening work to the wrong line's queues
    (approximately in proportion to the line mix).
    """
    rate_week = plan.scenario.demand.cases_per_year / HOURS_PER_YEAR * HOURS_PER_WEEK
    offered = _offered_queue_hours(plan, rate_week)
    rows = _queue_rows(plan, offered)
    if plan.scenario.routing.policy == "overflow":
        rows += _line_total_rows(plan, rows, offered)
    rows += _triage_rows(plan, rate_week)
    df = pd.DataFrame(rows)
    df["utilisation"] = np.where(df.available_h_per_week > 0,
                                 df.offered_h_per_week / df.available_h_per_week.where(
                                     df.available_h_per_week > 0, 1.0), np.inf)
    df["status"] = np.select(
        [df.utilisation >= 1, df.utilisation >= HIGH_UTILISATION], ["OVERLOADED", "high"], "ok")
    return df


def _triage_accuracy(t) -> float:  # noqa: ANN001
    """The share of cases triage matches to the right line, over AI and legacy triage."""
    ai = _ai_share(t)
    if t.policy in ("ai", "hybrid"):
        return ai * t.ai.accuracy + (1 - ai) * t.legacy.accuracy if ai < 1 else t.ai.accuracy
    return t.legacy.accuracy if t.policy == "legacy" else 1.0


def _offered_queue_hours(plan: Plan, rate_week: float) -> np.ndarray:
    """Hours of work a week offered to each specialist queue at the routing's first choice."""
    s = plan.scenario
    payer_share = np.asarray([s.demand.mix.payer.get(p, 0.0) for p in plan.payers])
    channel_share = np.asarray([s.demand.mix.channel[c] for c in plan.channels])
    accuracy = _triage_accuracy(s.triage)
    screen_h = plan.mean_hours(s.triage.misroute.detection)
    offered = np.zeros(len(plan.queues))
    preferred = {"in_house_first": "in_house", "overflow": "in_house",
                 "outsourced_first": "outsourced"}.get(s.routing.policy)
    share = plan.line_share / plan.line_share.sum()
    for (line, payer), queues in plan.routes.items():
        if not queues:
            continue
        for ch, ch_share in zip(plan.channels, channel_share, strict=True):
            kind = preferred or s.routing.by_channel.get(ch, "in_house")
            first = [q for q in queues if plan.pool_kinds[plan.queues[q].pool] == kind] or list(
                queues)
            cases = rate_week * plan.line_share[line] * payer_share[payer] * ch_share
            for q in first:
                spec = plan.review_spec(plan.queues[q].pool, plan.lines[line].specialty)
                offered[q] += cases * plan.mean_hours(spec) / len(first)
                # cases misrouted *into* this line are screened here before going back
                wrong_in = rate_week * (1 - accuracy) * share[line] * payer_share[payer] * ch_share
                offered[q] += wrong_in * screen_h / len(first)
    return offered


def _queue_rows(plan: Plan, offered: np.ndarray) -> list[dict]:
    return [dict(resource=q.name, kind=plan.pool_kinds[q.pool], servers=q.servers,
                 # the sessions' calendar if any, and absences on average
                 available_h_per_week=q.servers * _weekly_hours(plan, plan.queue_calendar(q))
                 * expected_presence(plan, q),
                 offered_h_per_week=offered[q.index])
            for q in plan.queues]


def _line_total_rows(plan: Plan, queue_rows: list[dict], offered: np.ndarray) -> list[dict]:
    """Under overflow: each line staffed by both pool kinds, all its queues together."""
    rows = []
    for li, ln in enumerate(plan.lines):
        qs = [q for q in plan.queues if q.line == li]
        if len({plan.pool_kinds[q.pool] for q in qs}) > 1:
            rows.append(dict(
                resource=f"line total/{ln.name}", kind="all pools",
                servers=sum(q.servers for q in qs),
                available_h_per_week=sum(r["available_h_per_week"] for r, q in
                                         zip(queue_rows, plan.queues, strict=True) if q in qs),
                offered_h_per_week=sum(offered[q.index] for q in qs)))
    return rows


def _triage_rows(plan: Plan, rate_week: float) -> list[dict]:
    """The triage resources with limited servers: AI service, coordinators, checkers."""
    rows = []
    for label, cfg, share in _triage_loads(plan):
        if hasattr(cfg, "servers"):  # the AI service: None (unlimited) or 0 has no row
            servers = cfg.servers
            if not servers:
                continue
        else:  # coordinators
            servers = cfg.coordinators
            if servers is None:
                continue
        spec = cfg.service if hasattr(cfg, "service") else cfg.handling
        rows.append(dict(
            resource=label, kind="triage", servers=servers,
            available_h_per_week=servers * _weekly_hours(plan, plan.calendars[cfg.calendar]),
            offered_h_per_week=rate_week * share * plan.mean_hours(spec)))
    return rows


def _triage_loads(plan: Plan) -> list[tuple[str, object, float]]:
    """(label, settings, share of cases) for the triage resources the policy uses."""
    t = plan.scenario.triage
    mix = plan.scenario.demand.mix
    if t.policy == "legacy":
        return [("triage/coordinators", t.legacy, 1.0)]
    ai = _ai_share(t)
    out = [("triage/coordinators", t.legacy, 1 - ai)] if t.policy != "direct" and ai < 1 else []
    if t.policy == "ai":
        return [("triage/ai", t.ai, ai), *out]
    if t.policy == "hybrid":
        h = t.hybrid
        acc = t.ai.accuracy
        flagged = acc * h.flag_rate + (1 - acc) * h.flag_sensitivity
        urgent = mix.priority.get("urgent", 0.0) if h.check.urgent else 0.0
        low = flagged if h.check.low_confidence else 0.0
        not_checked = (1 - urgent) * (1 - low) * (1 - h.check.fraction)
        return [("triage/ai", t.ai, ai), ("triage/check", h, ai * (1 - not_checked)), *out]
    return []


def _ai_share(t) -> float:  # noqa: ANN001
    return 1.0 if t.ai_share is None else t.ai_share


def overload_warnings(report: pd.DataFrame) -> list[str]:
    """Plain-language warnings for every overloaded resource in a capacity report.

    Under overflow routing a line's ``line total`` row may show that its pools together
    keep up: the in-house queue then overflows rather than grows, and the warning says so.
    """
    totals = dict(zip(report["resource"], report["utilisation"], strict=True))
    out = []
    for r in report.itertuples():
        if r.utilisation < 1:
            continue
        line = r.resource.split("/", 1)[-1]
        total = totals.get(f"line total/{line}") if not r.resource.startswith("line") else None
        fate = ("its queue will grow without bound over the run" if total is None or total >= 1
                else f"overflow routing must move the excess to the line's other pools "
                     f"(line total utilisation {total:.2f})")
        out.append(f"{r.resource}: offered {r.offered_h_per_week:.1f} h/week of work against "
                   f"{r.available_h_per_week:.1f} h/week available (utilisation "
                   f"{r.utilisation:.2f} >= 1): {fate}")
    return out
