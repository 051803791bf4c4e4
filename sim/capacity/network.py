"""The referral network: can every case reach an opinion, and can the pools keep up?

Two checks run before any simulation:

1. **Reachability.** The network is a directed graph (networkx,
   :func:`referral_graph`): each *case type* (a service line, a payer and a channel)
   links to the specialist queues that staff the line in pools that may serve the
   payer and the channel (the payer covers the pool, the pool ``serves`` both:
   :mod:`sim.engine.policies.capabilities`), and each queue links to ``opinion``. A
   case type with demand but no path to ``opinion`` is an error: such cases would
   wait forever. Every queue links to ``opinion``, so a path exists exactly when the
   case type has a queue; the check every load makes reads that from the plan's routes
   (:func:`unreachable_case_types`), without importing networkx.
2. **Capacity.** For each specialist queue (and the triage staff) the work it
   receives per week is set against the working hours its people have on their
   calendar, with each payer's own specialty mix and, under overflow routing,
   what spills from the first-choice queue to the overflow pool
   (:mod:`sim.capacity.overflow`). Utilisation at or above 1 after spilling means
   the queue grows without bound over the run; the report says so plainly, and
   the run still ends at its horizon with the backlog reported. The work counts
   only the cases expected to get that far (drop-out before the queue,
   :mod:`sim.capacity.reach`); a saturated queue whose patients give up sheds work
   instead of growing; a class reserve and a contract's weekly cap limit what a
   queue can take (:mod:`sim.capacity.limits`).

Example:
    >>> from sim import load_scenario
    >>> from sim.engine.plan import build_plan
    >>> report = capacity_report(build_plan(load_scenario("scenarios/baseline.yaml")))
    >>> len(report[report.utilisation >= 1])  # no queue overloaded
    0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.capacity.access import access_rows, access_warnings
from sim.capacity.limits import apply_caps, reserve_utilisation
from sim.capacity.reach import reach_shares, shed_share
from sim.capacity.spill import Visit, all_class_spills
from sim.core.clock import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.engine.plan import Plan
from sim.engine.policies.routing import kinds_split
from sim.engine.rosters import expected_presence

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from sim.core.forked import Background

OPINION = "opinion"
HIGH_UTILISATION = 0.85


def referral_graph(plan: Plan) -> nx.DiGraph:
    """Case types -> specialist queues -> opinion, as a directed graph.

    Example:
        >>> import networkx as nx
        >>> from sim.engine.plan import build_plan
        >>> g = referral_graph(build_plan(scenario))
        >>> nx.has_path(g, ("case", 0, 0, 0), OPINION)  # (line, payer, channel)
        True
    """
    import networkx as nx  # only for the graph itself: loading a scenario does not need it

    g = nx.DiGraph()
    g.add_node(OPINION)
    for q in plan.queues:
        g.add_edge(("queue", q.index), OPINION, servers=q.servers)
    for (line, payer, channel), queues in plan.routes.items():
        g.add_node(("case", line, payer, channel))
        for q in queues:
            g.add_edge(("case", line, payer, channel), ("queue", q))
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
        specialty = plan.volume.specialty_of(payer)
        for li, ln in enumerate(plan.lines):
            subs = mix.subspecialty.get(ln.specialty, {})
            within = (1 - sum(subs.values())) if ln.subspecialty is None else subs[ln.subspecialty]
            out[li, k] = weight * specialty.get(ln.specialty, 0.0) * within
    return out


def _volume(plan: Plan) -> tuple[float, dict[str, float]]:
    """Cases a year and payer shares, incentivised payers' extra uptake included."""
    return plan.inputs.arrivals.cases_per_year, plan.inputs.mix.payer


def unreachable_case_types(plan: Plan) -> list[tuple[str, str, str]]:
    """(service line, payer, channel) triples that have demand but cannot reach an opinion.

    A case type reaches ``opinion`` in :func:`referral_graph` exactly when it routes to a
    queue (every queue links to ``opinion``), so this reads the routes.
    """
    shares = case_type_shares(plan)
    channel_mix = plan.inputs.mix.channel
    out = []
    for (line, payer, c), queues in plan.routes.items():
        ch = plan.channels[c]
        if shares[line, payer] > 0 and channel_mix.get(ch, 0.0) > 0 and not queues:
            out.append((plan.lines[line].name, plan.payers[payer], ch))
    return out


def why_unreachable(plan: Plan, line: str, payer: str, channel: str) -> str:
    """Why no pool may take such cases: each pool that staffs the line, and what stops it."""
    caps = plan.capabilities
    staffing = sorted({q.pool for q in plan.queues if plan.lines[q.line].name == line})
    if not staffing:
        return f"no pool has specialists for {line}"
    return "; ".join(f"{plan.pools[p]} staffs {line} but "
                     f"{caps.why_not(p, payer, channel).replace('it does', 'does')}"
                     for p in staffing)


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
    (:func:`sim.capacity.overflow.spill_share`): ``spill_share`` is the share of the queue's
    overflowable cases sent on, to ``spills_to``, and ``offered_h_per_week`` is the work
    each queue really receives. Misrouted cases also add screening work to the wrong
    line's queues (drawn in proportion to the line mix, as the engine does).

    The table of :func:`capacity_records`, which computes it without pandas.
    """
    import pandas as pd  # here: sosim validate prints the records and needs no pandas

    return pd.DataFrame(capacity_records(plan))


def capacity_in_background(plan: Plan) -> Background:
    """:func:`capacity_records` started in a forked child (:mod:`sim.core.forked`); its
    ``.wait()`` returns them. ``sosim run`` and ``sosim rerun`` start it as soon as the
    scenario is loaded, so the check runs on a core that would otherwise sit idle while
    they import what a run needs (pandas, the outputs; issue #24).

    Example:
        >>> import pandas as pd
        >>> from sim.engine.plan import build_plan
        >>> plan = build_plan(scenario)
        >>> there = pd.DataFrame(capacity_in_background(plan).wait())
        >>> there.equals(pd.DataFrame(capacity_records(plan)))   # NaN where no value
        True
    """
    # scipy.special: the check's quantiles and the run's intervals need it; imported once,
    # here, rather than once in the child and again in this process
    from scipy import special  # noqa: F401

    from sim.core.forked import in_background

    return in_background(capacity_records, plan)


def capacity_records(plan: Plan) -> list[dict[str, Any]]:
    """The rows of :func:`capacity_report`, one dict per resource (missing keys: NaN).

    Example:
        >>> from sim.engine.plan import build_plan
        >>> rows = capacity_records(build_plan(scenario))
        >>> rows[0]["resource"], rows[0]["status"], rows[-1]["resource"]
        ('in_house/oncology', 'ok', 'outsourced/video slots')
    """
    rate_week = _volume(plan)[0] / HOURS_PER_YEAR * HOURS_PER_WEEK
    visits = _first_choice_visits(plan, rate_week)
    w = _route_work(plan, visits)
    n_q = len(plan.queues)
    avail = np.asarray([  # the sessions' calendar if any, and absences on average
        q.servers * _weekly_hours(plan, plan.queue_calendar(q)) * expected_presence(plan, q)
        for q in plan.queues])
    received, by_class, reviews, potential = w.received, w.by_class, w.reviews, w.potential
    capped = apply_caps(plan, received, reviews)
    if np.isfinite(capped.cap_cases_per_week).any():  # work the caps move goes with its classes
        by_class = by_class * np.divide(capped.offered_h, received, out=np.ones(n_q),
                                        where=received > 0)[:, None]
    reserved = reserve_utilisation(plan, by_class, avail)
    # a queue whose later classes may overflow stays bounded: only the work that cannot
    # overflow can overload the specialists those classes may use
    stuck = np.where(np.isnan(w.spill), reserved, reserve_utilisation(plan, w.must_class, avail))
    rows: list[dict[str, Any]] = []
    for q in plan.queues:
        i = q.index
        role = "first choice" if w.first[i] else "overflow" if capped.offered_h[i] else "unused"
        rows.append(dict(resource=q.name, kind=plan.pool_kinds[q.pool], role=role,
                         servers=q.servers, available_h_per_week=avail[i],
                         offered_h_per_week=capped.offered_h[i], spill_share=w.spill[i],
                         spills_to=w.spills_to[i],
                         reach_share=reviews[i] / potential[i] if potential[i] > 0 else np.nan,
                         reserve_utilisation=reserved[i],
                         cap_cases_per_week=capped.cap_cases_per_week[i],
                         capped_share=capped.capped_share[i],
                         cap_utilisation=capped.cap_utilisation[i]))
    rows += _triage_rows(plan, rate_week)
    available = np.asarray([r["available_h_per_week"] for r in rows], dtype=float)
    offered = np.asarray([r["offered_h_per_week"] for r in rows], dtype=float)
    utilisation = np.where(available > 0, offered / np.where(available > 0, available, 1.0),
                           np.inf)
    patient = plan.scenario.abandonment is not None and \
        plan.scenario.abandonment.specialist is not None
    stuck = np.concatenate([stuck, np.full(len(rows) - len(stuck), np.nan)])
    cap_u = np.asarray([r.get("cap_utilisation", np.nan) for r in rows], dtype=float)
    worst = np.fmax(np.fmax(utilisation, stuck), cap_u)
    status = np.select([worst >= 1, worst >= HIGH_UTILISATION], ["OVERLOADED", "high"], "ok")
    for r, u, blocked, st in zip(rows, utilisation, stuck >= 1, status.tolist(), strict=True):
        r["utilisation"] = u
        r["abandon_share"] = shed_share(u) if patient and r["kind"] != "triage" else np.nan
        r["reserve_overloaded"] = blocked
        r["status"] = st
    # the records team and the diaries (sim.capacity.access)
    rows += access_rows(plan, rate_week, case_type_shares(plan))
    columns = dict.fromkeys(k for r in rows for k in r)  # every row has every column, as a table
    return [{k: r.get(k, np.nan) for k in columns} for r in rows]


def _records(report: Any) -> list[dict[str, Any]]:
    """The rows of a capacity report given as a table (pandas) or as records."""
    return report.to_dict("records") if hasattr(report, "to_dict") else list(report)


@dataclass(frozen=True)
class _Routed:
    """Per queue, the work a week it receives once overflow has spilled (capacity_report)."""

    received: np.ndarray  # hours
    by_class: np.ndarray  # hours of each priority class, (queues, classes)
    must_class: np.ndarray  # ... of the cases that cannot overflow
    reviews: np.ndarray  # review cases (what a contract's cap counts)
    potential: np.ndarray  # review cases if nobody gave up before the queue
    first: np.ndarray  # first-choice queue of some cases
    spill: np.ndarray  # share of its overflowable cases sent on (NaN: none can be)
    spills_to: list[str | None]


def _route_work(plan: Plan, visits: dict[int, list[Visit]]) -> _Routed:
    """Each first-choice queue keeps what its overflow threshold lets in; the rest spills."""
    n_q, n_k = len(plan.queues), len(plan.priorities)
    received = np.zeros(n_q)
    by_class = np.zeros((n_q, n_k))  # hours a week of each priority class
    must_class = np.zeros((n_q, n_k))  # ... of the cases that cannot overflow
    reviews = np.zeros(n_q)  # review cases a week (what a contract's cap counts)
    potential = np.zeros(n_q)  # cases a week if nobody gave up before the queue
    first = np.zeros(len(plan.queues), dtype=bool)
    spill = np.full(len(plan.queues), np.nan)
    spills_to: list[str | None] = [None] * len(plan.queues)
    spills = all_class_spills(plan, visits)  # per queue and class; the chains side by side
    for q, vs in visits.items():
        first[q] = any(v.cases > 0 for v in vs)
        shares = spills[q]
        targets = sorted({t for v in vs for t in v.second})
        if targets:
            may = [v for v in vs if v.second]
            weight = sum(v.cases for v in may)
            spill[q] = (sum(v.cases * float(np.dot(v.classes, shares)) for v in may) / weight
                        if weight > 0 else 0.0)
            spills_to[q] = ", ".join(plan.queues[t].name for t in targets)
        for v in vs:
            out = shares * np.asarray(v.classes) if v.second else np.zeros(n_k)
            kept = [(q, np.asarray(v.classes) - out, v.effort_h)]
            for t in v.second:
                effort = (v.effort_h if v.screening else
                          plan.mean_hours(plan.review_spec(plan.queues[t].pool,
                                                           plan.lines[plan.queues[t].line]
                                                           .specialty)))
                kept.append((t, out / len(v.second), effort))
            if not v.second:
                must_class[q] += v.cases * np.asarray(v.classes) * v.effort_h
            for where, part, effort in kept:
                received[where] += v.cases * part.sum() * effort
                by_class[where] += v.cases * part * effort
                if not v.screening:
                    reviews[where] += v.cases * part.sum()
                    potential[where] += v.potential * part.sum()
    return _Routed(received, by_class, must_class, reviews, potential, first, spill, spills_to)


def _first_choice_visits(plan: Plan, rate_week: float) -> dict[int, list[Visit]]:
    """First-choice queue -> its visits: reviews of its line, screenings of misrouted cases."""
    s = plan.scenario
    shares = case_type_shares(plan)
    line_share = plan.line_share / plan.line_share.sum()
    # misrouted cases of payer k land on line l in proportion to the other lines' shares
    rest = 1 - line_share
    others = np.divide(line_share[:, None], rest[None, :], out=np.zeros((len(rest),) * 2),
                       where=rest[None, :] > 0)
    np.fill_diagonal(others, 0.0)
    wrong_in = (1 - plan.triage.accuracy()) * others @ shares  # (lines, payers)
    screen_h = plan.mean_hours(s.triage.misroute.detection)
    kind_of = [plan.pool_kinds[q.pool] for q in plan.queues]
    prio = np.asarray([s.demand.mix.priority.get(p, 0.0) for p in plan.priorities])
    by_class = prio[None, :] * reach_shares(plan, plan.triage.coordinator_share)
    reach = by_class.sum(axis=1)
    mix = np.divide(by_class, reach[:, None], out=np.zeros_like(by_class),
                    where=reach[:, None] > 0)
    out: dict[int, list[Visit]] = {}
    for (line, payer, c), queues in plan.routes.items():
        if not queues:
            continue
        ch = plan.channels[c]
        ch_share = s.demand.mix.channel[ch]
        served = [q for q in queues if plan.serves(plan.queues[q].pool, c)]  # slots
        first, second = plan.routing.first_choice(
            *kinds_split(served, kind_of), plan.payers[payer], ch)
        for q in first:
            review_h = plan.mean_hours(plan.review_spec(plan.queues[q].pool,
                                                        plan.lines[line].specialty))
            review = rate_week * shares[line, payer] * ch_share / len(first)
            screen = rate_week * wrong_in[line, payer] * ch_share / len(first)
            classes = tuple(mix[c])
            out.setdefault(q, []).extend([
                Visit(review * reach[c], review_h, second, False, classes, review),
                Visit(screen * reach[c], screen_h, second, True, classes, screen)])
    return out


def _triage_rows(plan: Plan, rate_week: float) -> list[dict]:
    """The triage resources with limited servers: AI service, coordinators, checkers."""
    rows = []
    first_class = plan.scenario.demand.mix.priority.get(plan.priorities[0], 0.0)
    for label, cfg, share in plan.triage.loads(first_class):
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


def overload_warnings(report: pd.DataFrame | list[dict[str, Any]]) -> list[str]:
    """Plain-language warnings for every resource overloaded after overflow routing.

    ``report``: :func:`capacity_report` or its :func:`capacity_records`.

    A first-choice queue whose excess overflows stays bounded and is not warned about;
    one that still gets more work than it can do (cases that cannot overflow), or an
    overflow pool that cannot take what spills into it, is.
    """
    out = access_warnings(_records(report))
    for r in _records(report):
        if r["kind"] in ("records", "appointments"):  # their own words: access_warnings
            continue
        out += _limit_warnings(r)
        if not r["utilisation"] >= 1:
            continue
        spill = r.get("spill_share", np.nan)
        to = r.get("spills_to")
        after = (f" even after {spill:.0%} of its overflowable cases go to {to}"
                 if isinstance(to, str) and to and spill == spill else "")
        shed = r.get("abandon_share", np.nan)
        fate = (f"about {shed:.0%} of its cases will give up waiting instead (the fluid "
                "limit 1 - 1/utilisation)" if shed == shed and shed > 0 else
                "its queue will grow without bound over the run")
        out.append(f"{r['resource']}: offered {r['offered_h_per_week']:.1f} h/week of work "
                   f"against {r['available_h_per_week']:.1f} h/week available (utilisation "
                   f"{r['utilisation']:.2f} >= 1){after}: {fate}")
    return out


def _limit_warnings(r: dict[str, Any]) -> list[str]:
    """A class reserve or a contract cap the queue cannot keep up with (a report's row)."""
    out = []
    reserved = r.get("reserve_utilisation", np.nan)
    if r.get("reserve_overloaded", False) and not r["utilisation"] >= 1:
        out.append(f"{r['resource']}: the classes kept off its reserved specialists bring "
                   f"{reserved:.2f} times the work the specialists they may use can do: their "
                   "queue will grow without bound over the run")
    capped = r.get("cap_utilisation", np.nan)
    if capped == capped and capped >= 1:
        out.append(f"{r['resource']}: its pool is sent {capped:.2f} times the "
                   f"{r['cap_cases_per_week']:g} cases a week its contract takes, and the rest "
                   "waits for next week's slot: its queue will grow without bound over the run")
    return out
