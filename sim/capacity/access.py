"""The capacity check for the records team and the appointment diaries.

Rows of the pre-run capacity table (:func:`sim.capacity.network.capacity_report`) beside
the specialist queues:

- ``records team`` (kind ``records``): the navigators' hands-on work a week (every case
  whose records need one: paper, digital too when the team handles it, and second requests
  for incomplete records, each at its mean effort) against their working hours a week
  (head count x the team calendar's hours, holidays included); ``utilisation`` >= 1 means
  the records queue grows without bound;
- ``<pool>/<channel> slots`` (kind ``appointments``): the cases a week expected to take a
  slot in that diary (the channel's cases whose line the pool staffs, split like the
  routing's first choice, less those expected to give up before the specialists) against
  its slots a week (``cap_cases_per_week``); ``utilisation`` is their ratio.

Also :func:`unserved_case_types`: case types on a channel with a diary that no pool with
slots for the channel can take (they would never get an opinion; refused at load).

Example:
    >>> from sim import load_scenario
    >>> from sim.engine.plan import build_plan
    >>> from sim.capacity.network import case_type_shares
    >>> plan = build_plan(load_scenario("scenarios/baseline.yaml"))
    >>> rows = access_rows(plan, 230.0, case_type_shares(plan))
    >>> [(r["resource"], r["kind"]) for r in rows][:2]
    [('records team', 'records'), ('in_house/in_person slots', 'appointments')]
"""

from __future__ import annotations

import numpy as np

from sim.capacity.reach import reach_shares, shed_share
from sim.core.clock import HOURS_PER_WEEK
from sim.engine.plan import Plan
from sim.engine.policies.routing import kinds_split

HIGH_UTILISATION = 0.85


_NAN_KEYS = ("servers", "available_h_per_week", "offered_h_per_week", "spill_share",
             "reach_share", "reserve_utilisation", "cap_cases_per_week", "capped_share",
             "cap_utilisation", "abandon_share")


def _row(**values: object) -> dict:
    """A capacity-table row with every key the specialist queues' rows have (NaN if none)."""
    return {"role": None, "spills_to": None, "reserve_overloaded": False,
            **dict.fromkeys(_NAN_KEYS, np.nan), **values}


def _status(u: float) -> str:
    return "OVERLOADED" if u >= 1 else "high" if u >= HIGH_UTILISATION else "ok"


def _gives_up(plan: Plan, stage: str) -> bool:
    a = plan.scenario.abandonment
    return a is not None and a.stage(stage) is not None


def team_hours_per_week(plan: Plan, cases_per_week: float) -> float:
    """The records team's hands-on work a week at ``cases_per_week`` arrivals."""
    team, intake, access = plan.records_team, plan.inputs.intake, plan.inputs.access
    mix = plan.inputs.mix.channel
    hours = 0.0
    for c, ch in enumerate(plan.channels):
        share = mix.get(ch, 0.0)
        digital = intake.digital_share[c] if intake is not None else 1.0
        hours += share * (1 - digital) * plan.mean_hours(team.paper)
        if team.digital is not None:
            hours += share * digital * plan.mean_hours(team.digital)
        if team.rerequest is not None and access is not None and access.incomplete_share:
            hours += share * access.incomplete_share[c] * plan.mean_hours(team.rerequest)
    return cases_per_week * hours


def _team_row(plan: Plan, cases_per_week: float) -> dict:
    team = plan.records_team
    available = team.navigators * float(team.calendar.working_hours(plan.horizon_h)) \
        / plan.horizon_h * HOURS_PER_WEEK
    offered = team_hours_per_week(plan, cases_per_week)
    u = offered / available if available > 0 else np.inf
    return _row(resource="records team", kind="records", servers=team.navigators,
                available_h_per_week=available, offered_h_per_week=offered, utilisation=u,
                abandon_share=shed_share(u) if _gives_up(plan, "records") else np.nan,
                status=_status(u))


def diary_cases_per_week(plan: Plan, cases_per_week: float, shares: np.ndarray) -> np.ndarray:
    """Per diary, the cases a week expected to take one of its slots (routing's first
    choice among the pools with slots, those expected to reach the specialists); ``shares``:
    each (line, payer)'s share of cases (:func:`sim.capacity.network.case_type_shares`)."""
    reach = (np.asarray([plan.inputs.mix.priority.get(p, 0.0) for p in plan.priorities])[None]
             * reach_shares(plan, plan.triage.coordinator_share)).sum(axis=1)
    kind_of = [plan.pool_kinds[q.pool] for q in plan.queues]
    out = np.zeros(len(plan.diaries))
    for d in plan.diaries:
        ch = plan.channels[d.channel]
        per_week = cases_per_week * plan.inputs.mix.channel.get(ch, 0.0) * reach[d.channel]
        for (line, payer, c), queues in plan.routes.items():
            if c != d.channel:
                continue
            served = [q for q in queues if plan.serves(plan.queues[q].pool, d.channel)]
            first, _ = plan.routing.first_choice(*kinds_split(served, kind_of),
                                                 plan.payers[payer], ch)
            mine = sum(1 for q in first if plan.queues[q].pool == d.pool)
            if first:
                out[d.index] += per_week * shares[line, payer] * mine / len(first)
    return out


def access_rows(plan: Plan, cases_per_week: float, shares: np.ndarray) -> list[dict]:
    """The capacity-table rows of the records team and of every diary (module docstring);
    ``shares`` as for :func:`diary_cases_per_week`."""
    rows = [_team_row(plan, cases_per_week)] if plan.records_team is not None else []
    offered = diary_cases_per_week(plan, cases_per_week, shares) if plan.diaries else []
    for d, cases in zip(plan.diaries, offered, strict=True):
        u = cases / d.per_week
        rows.append(_row(resource=f"{d.name} slots", kind="appointments",
                         cap_cases_per_week=d.per_week, cap_utilisation=u, utilisation=u,
                         abandon_share=shed_share(u) if _gives_up(plan, "appointment")
                         else np.nan, status=_status(u)))
    return rows


def access_warnings(rows: list[dict]) -> list[str]:
    """Plain-language warnings for an overloaded records team or diary (``rows``: the
    capacity check's records)."""
    out = []
    for r in rows:
        if r["kind"] == "records" and r["utilisation"] >= 1:
            out.append(f"records team: offered {r['offered_h_per_week']:.1f} h/week of "
                       f"hands-on work against {r['available_h_per_week']:.1f} h/week of "
                       f"navigators (utilisation {r['utilisation']:.2f} >= 1): the records "
                       "queue will grow without bound over the run")
        elif r["kind"] == "appointments" and r["utilisation"] >= 1:
            cap = r["cap_cases_per_week"]
            out.append(f"{r['resource']}: about {r['utilisation'] * cap:.1f} cases a week for "
                       f"{cap:g} slots (utilisation {r['utilisation']:.2f} >= 1): the wait for "
                       "a slot will grow without bound over the run")
    return out


def unserved_case_types(plan: Plan, shares: np.ndarray) -> list[tuple[str, str, str]]:
    """(service line, payer, channel) with demand, on a channel with a diary, that no pool
    with slots for the channel can take although some pool that may serve the case staffs
    the line (``shares`` as for :func:`diary_cases_per_week`; one that no pool may serve at
    all is :func:`sim.capacity.network.unreachable_case_types`'s)."""
    if not plan.diaries:
        return []
    out = []
    slot_channels = {d.channel for d in plan.diaries}
    for (line, payer, c), queues in plan.routes.items():
        if shares[line, payer] <= 0 or not queues or c not in slot_channels:
            continue
        if plan.inputs.mix.channel.get(plan.channels[c], 0.0) > 0 and not any(
                plan.serves(plan.queues[q].pool, c) for q in queues):
            out.append((plan.lines[line].name, plan.payers[payer], plan.channels[c]))
    return out
