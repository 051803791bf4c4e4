"""The referral network: can every case reach an opinion, and can the pools keep up?

Two checks run before any simulation:

1. **Reachability.** The network is a directed graph (networkx): each *case
   type* (a service line and a payer) links to the specialist queues that staff
   the line in pools the payer covers, and each queue links to ``opinion``. A
   case type with demand but no path to ``opinion`` is an error: such cases
   would wait forever.
2. **Capacity.** For each specialist queue (and the triage staff) the work it
   receives per week is set against the working hours its people have on their
   calendar, with each payer's own specialty mix and, under overflow routing,
   what spills from the first-choice queue to the overflow pool
   (:mod:`sim.engine.overflow`). Utilisation at or above 1 after spilling means
   the queue grows without bound over the run; the report says so plainly, and
   the run still ends at its horizon with the backlog reported.

Example:
    >>> from sim import load_scenario
    >>> from sim.engine.plan import build_plan
    >>> report = capacity_report(build_plan(load_scenario("scenarios/baseline.yaml")))
    >>> len(report[report.utilisation >= 1])  # no queue overloaded
    0
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from sim.core.clock import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.engine.mandates import incentivised_demand
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


def case_type_shares(plan: Plan) -> np.ndarray:
    """Share of all cases of each (service line, payer): shape ``(lines, payers)``.

    A payer's cases follow its own specialty mix (``demand.mix.specialty_by_payer``)
    when it has one, else ``demand.mix.specialty``; within a specialty the
    subspecialty shares split the lines. Line and payer are *not* independent.

    Example:
        >>> from sim.engine.plan import build_plan
        >>> shares = case_type_shares(build_plan(scenario))
        >>> shares.shape, round(float(shares.sum()), 12)         # 7 lines, 4 payers
        ((7, 4), 1.0)
    """
    mix = plan.scenario.demand.mix
    payer_mix = _volume(plan)[1]
    out = np.zeros((len(plan.lines), len(plan.payers)))
    for k, payer in enumerate(plan.payers):
        weight = payer_mix.get(payer, 0.0)
        specialty = mix.specialty_of(payer)
        for li, ln in enumerate(plan.lines):
            subs = mix.subspecialty.get(ln.specialty, {})
            within = (1 - sum(subs.values())) if ln.subspecialty is None else subs[ln.subspecialty]
            out[li, k] = weight * specialty.get(ln.specialty, 0.0) * within
    return out


def _volume(plan: Plan) -> tuple[float, dict[str, float]]:
    """Cases a year and payer shares, incentivised payers' extra uptake included."""
    d = plan.scenario.demand
    return incentivised_demand(plan) or (d.cases_per_year, d.mix.payer)


def unreachable_case_types(plan: Plan) -> list[tuple[str, str]]:
    """(service line, payer) pairs that have demand but cannot reach an opinion."""
    g = referral_graph(plan)
    shares = case_type_shares(plan)
    out = []
    for (line, payer), _ in plan.routes.items():
        if shares[line, payer] > 0 and not nx.has_path(g, ("case", line, payer), OPINION):
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

    Offered work per week is ``arrival rate x share routed there x mean effort``, with each
    payer's own specialty mix (:func:`case_type_shares`). ``role`` says whether a queue is a
    case's ``first choice`` (``in_house_first`` and ``overflow`` prefer in-house queues,
    ``outsourced_first`` outsourced ones, ``by_channel`` the channel's kind; among several,
    cases split evenly) or receives only ``overflow``. Under ``overflow`` routing the
    first-choice queue absorbs what its wait threshold lets in and the rest spills
    (:func:`sim.engine.overflow.spill_share`): ``spill_share`` is the share of the queue's
    overflowable cases sent on, to ``spills_to``, and ``offered_h_per_week`` is the work
    each queue really receives. Misrouted cases also add screening work to the wrong
    line's queues (drawn in proportion to the line mix, as the engine does).
    """
    rate_week = _volume(plan)[0] / HOURS_PER_YEAR * HOURS_PER_WEEK
    visits = _first_choice_visits(plan, rate_week)
    received = np.zeros(len(plan.queues))
    first = np.zeros(len(plan.queues), dtype=bool)
    spill = np.full(len(plan.queues), np.nan)
    spills_to: list[str | None] = [None] * len(plan.queues)
    for q, vs in visits.items():
        first[q] = any(v.cases > 0 for v in vs)
        share = _spill(plan, q, vs)
        targets = sorted({t for v in vs for t in v.second})
        if targets:
            spill[q] = share
            spills_to[q] = ", ".join(plan.queues[t].name for t in targets)
        for v in vs:
            out = share if v.second else 0.0
            received[q] += v.cases * (1 - out) * v.effort_h
            for t in v.second:
                effort = (v.effort_h if v.screening else
                          plan.mean_hours(plan.review_spec(plan.queues[t].pool,
                                                           plan.lines[plan.queues[t].line]
                                                           .specialty)))
                received[t] += v.cases * out / len(v.second) * effort
    rows = []
    for q in plan.queues:
        # the sessions' calendar if any, and absences on average
        avail = q.servers * _weekly_hours(plan, plan.queue_calendar(q)) * expected_presence(plan, q)
        role = "first choice" if first[q.index] else "overflow" if received[q.index] else "unused"
        rows.append(dict(resource=q.name, kind=plan.pool_kinds[q.pool], role=role,
                         servers=q.servers, available_h_per_week=avail,
                         offered_h_per_week=received[q.index], spill_share=spill[q.index],
                         spills_to=spills_to[q.index]))
    rows += _triage_rows(plan, rate_week)
    df = pd.DataFrame(rows)
    df["utilisation"] = np.where(df.available_h_per_week > 0,
                                 df.offered_h_per_week / df.available_h_per_week.where(
                                     df.available_h_per_week > 0, 1.0), np.inf)
    df["status"] = np.select(
        [df.utilisation >= 1, df.utilisation >= HIGH_UTILISATION], ["OVERLOADED", "high"], "ok")
    return df


@dataclass(frozen=True)
class _Visit:
    """Cases per week reaching a first-choice queue, their effort there, where they may spill."""

    cases: float
    effort_h: float
    second: tuple[int, ...]
    screening: bool


def _triage_accuracy(t) -> float:  # noqa: ANN001
    """The share of cases triage matches to the right line, over AI and legacy triage."""
    ai = _ai_share(t)
    if t.policy in ("ai", "hybrid"):
        return ai * t.ai.accuracy + (1 - ai) * t.legacy.accuracy if ai < 1 else t.ai.accuracy
    return t.legacy.accuracy if t.policy == "legacy" else 1.0


def _first_choice_visits(plan: Plan, rate_week: float) -> dict[int, list[_Visit]]:
    """First-choice queue -> its visits: reviews of its line, screenings of misrouted cases."""
    s = plan.scenario
    shares = case_type_shares(plan)
    line_share = plan.line_share / plan.line_share.sum()
    # misrouted cases of payer k land on line l in proportion to the other lines' shares
    rest = 1 - line_share
    others = np.divide(line_share[:, None], rest[None, :], out=np.zeros((len(rest),) * 2),
                       where=rest[None, :] > 0)
    np.fill_diagonal(others, 0.0)
    wrong_in = (1 - _triage_accuracy(s.triage)) * others @ shares  # (lines, payers)
    screen_h = plan.mean_hours(s.triage.misroute.detection)
    kinds = {"in_house_first": "in_house", "overflow": "in_house",
             "outsourced_first": "outsourced"}
    out: dict[int, list[_Visit]] = {}
    for (line, payer), queues in plan.routes.items():
        if not queues:
            continue
        for ch, ch_share in zip(plan.channels, (s.demand.mix.channel[c] for c in plan.channels),
                                strict=True):
            kind = kinds.get(s.routing.policy) or s.routing.by_channel.get(ch, "in_house")
            first = [q for q in queues if plan.pool_kinds[plan.queues[q].pool] == kind]
            second = tuple(q for q in queues if q not in first)
            if not first:
                first, second = list(queues), ()
            if s.routing.policy != "overflow":
                second = ()
            for q in first:
                review_h = plan.mean_hours(plan.review_spec(plan.queues[q].pool,
                                                            plan.lines[line].specialty))
                out.setdefault(q, []).extend([
                    _Visit(rate_week * shares[line, payer] * ch_share / len(first), review_h,
                           second, False),
                    _Visit(rate_week * wrong_in[line, payer] * ch_share / len(first), screen_h,
                           second, True)])
    return out


def _spill(plan: Plan, q: int, visits: list[_Visit]) -> float:
    """Share of queue ``q``'s overflowable visits that spill (0 without overflow routing)."""
    may = sum(v.cases for v in visits if v.second)
    if may <= 0:
        return 0.0
    from sim.engine.demand import rate_per_hour
    from sim.engine.overflow import spill_share

    s = plan.scenario
    spec = plan.queues[q]
    total = sum(v.cases for v in visits)
    # the profile is the arrival rate's shape (mean 1): scaled by the rate it is drawn at,
    # not by the incentivised volume (the must/may loads already carry that)
    mean_rate = s.demand.cases_per_year / HOURS_PER_YEAR
    weekday = s.simulation.start.weekday()
    present = expected_presence(plan, spec)  # absences: the same work on fewer people
    return spill_share(
        plan.queue_calendar(spec), spec.servers,
        effort_h=sum(v.cases * v.effort_h for v in visits) / total / present,
        router_effort_h=plan.mean_hours(plan.review_spec(spec.pool,
                                                         plan.lines[spec.line].specialty))
        / present,
        must_per_h=(total - may) / HOURS_PER_WEEK, may_per_h=may / HOURS_PER_WEEK,
        threshold_h=s.routing.overflow_wait_hours, horizon_h=plan.horizon_h,
        warmup_h=plan.warmup_h,
        profile=lambda t: rate_per_hour(s.demand, t, weekday) / mean_rate)


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
            resource=label, kind="triage", role=None, servers=servers,
            available_h_per_week=servers * _weekly_hours(plan, plan.calendars[cfg.calendar]),
            offered_h_per_week=rate_week * share * plan.mean_hours(spec), spill_share=np.nan,
            spills_to=None))
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
        urgent = mix.priority.get(plan.priorities[0], 0.0) if h.check.urgent else 0.0
        low = flagged if h.check.low_confidence else 0.0
        not_checked = (1 - urgent) * (1 - low) * (1 - h.check.fraction)
        return [("triage/ai", t.ai, ai), ("triage/check", h, ai * (1 - not_checked)), *out]
    return []


def _ai_share(t) -> float:  # noqa: ANN001
    return 1.0 if t.ai_share is None else t.ai_share


def overload_warnings(report: pd.DataFrame) -> list[str]:
    """Plain-language warnings for every resource overloaded after overflow routing.

    A first-choice queue whose excess overflows stays bounded and is not warned about;
    one that still gets more work than it can do (cases that cannot overflow), or an
    overflow pool that cannot take what spills into it, is.
    """
    out = []
    for r in report.itertuples():
        if not r.utilisation >= 1:
            continue
        spill = getattr(r, "spill_share", np.nan)
        to = getattr(r, "spills_to", None)
        after = (f" even after {spill:.0%} of its overflowable cases go to {to}"
                 if isinstance(to, str) and to and spill == spill else "")
        out.append(f"{r.resource}: offered {r.offered_h_per_week:.1f} h/week of work against "
                   f"{r.available_h_per_week:.1f} h/week available (utilisation "
                   f"{r.utilisation:.2f} >= 1){after}: its queue will grow without bound over "
                   "the run")
    return out
