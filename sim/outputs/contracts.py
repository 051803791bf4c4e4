"""What outsourced contracts cost and deliver: SLA lateness, credits, unused commitments.

For a pool with a ``contract`` (:mod:`sim.scenario.contracts`), per delivered case:

``sla_late``        the opinion came later than the SLA: more than ``business_days`` x the
                    SLA calendar's business-day hours of working time passed on that
                    calendar between the assignment to the pool (``queue_h``) and the
                    opinion (``review_end_h``)
``sla_credit_usd``  ``credit_per_late_case_usd`` for a late case, else 0; the credit is
                    taken off the case's ``opinion_cost_usd`` (the vendor pays it back)

and per replication (KPIs):

``contract.<pool>.cases``            cases assigned to the pool after the warm-up
``contract.<pool>.late_share``       share of the pool's delivered cohort opinions late
``contract.<pool>.cap_used_share``   assigned cases / the weekly caps of the measured weeks
``money.contract.<pool>.sla_credits_usd``        credits over the delivered cohort
``money.contract.<pool>.unused_commitment_usd``  ``max(0, minimum_cases_per_year x
    measured years - assigned cases) x price``: cases paid for and never sent. It is a
    lump sum, so it is in no case's cost; ``money.contracts.unused_commitment_usd`` totals
    it, and the programme's full cost (:mod:`sim.outputs.full_cost`) includes it, so cost
    per opinion and the ROI count it.

Example:
    >>> s = sim.load_scenario("scenarios/sessions_and_contract.yaml",
    ...                       ["simulation.horizon_days=28", "simulation.warmup_days=0"])
    >>> res = sim.run(s, replications=2)
    >>> res.kpis.filter(like="contract.outsourced").T.round(2)  # doctest: +NORMALIZE_WHITESPACE
    replication                                               0         1
    contract.outsourced.cases                             40.00     39.00
    contract.outsourced.late_share                         0.00      0.00
    contract.outsourced.cap_used_share                     0.17      0.16
    money.contract.outsourced.sla_credits_usd              0.00      0.00
    money.contract.outsourced.unused_commitment_cases    113.42    114.42
    money.contract.outsourced.unused_commitment_usd    76561.64  77236.64
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.plan import Plan

__all__ = ["contract_columns", "contract_kpis", "unused_commitments"]


def _sla_calendar(plan: Plan, pool_name: str):  # noqa: ANN202
    sla = plan.scenario.pools[pool_name].contract.sla
    return plan.calendars[sla.calendar or plan.scenario.simulation.business_calendar]


def contract_columns(plan: Plan, cases: pd.DataFrame) -> dict[str, np.ndarray]:
    """``sla_late`` and ``sla_credit_usd`` per case (False / 0 outside SLA pools)."""
    n = len(cases)
    late = np.zeros(n, dtype=bool)
    credit = np.zeros(n)
    pool = cases["pool"].cat.codes.to_numpy()
    delivered = (cases["status"] == "delivered").to_numpy()
    for p, (name, spec) in enumerate(plan.scenario.pools.items()):
        c = spec.contract
        if c is None or c.sla is None:
            continue
        rows = np.flatnonzero((pool == p) & delivered)
        if not len(rows):
            continue
        cal = _sla_calendar(plan, name)
        start = cases["queue_h"].to_numpy()[rows]
        end = cases["review_end_h"].to_numpy()[rows]
        worked = np.asarray(cal.working_hours_between(start, end))
        promised = c.sla.business_days * cal.business_day_hours
        late[rows] = worked > promised + 1e-9
        credit[rows] = np.where(late[rows], c.sla.credit_per_late_case_usd, 0.0)
    return {"sla_late": late, "sla_credit_usd": np.where(delivered, credit, np.nan)}


def _assigned(plan: Plan, cases: pd.DataFrame) -> dict[str, float]:
    """Per contracted pool, the cases assigned to it inside the measured window."""
    s = plan.scenario
    t0, t1 = s.warmup_hours, s.horizon_hours
    pool = cases["pool"].cat.codes.to_numpy()
    queue_h = cases["queue_h"].to_numpy()
    inside = (queue_h >= t0) & (queue_h < t1)
    return {name: float(((pool == p) & inside).sum())
            for p, (name, spec) in enumerate(s.pools.items()) if spec.contract is not None}


def unused_commitments(plan: Plan, cases: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Per contracted pool: (cases committed and not sent, their cost) over the window."""
    s = plan.scenario
    years = (s.horizon_hours - s.warmup_hours) / 8760.0
    out = {}
    for name, assigned in _assigned(plan, cases).items():
        c = s.pools[name].contract
        short = max(0.0, c.minimum_cases_per_year * years - assigned)
        out[name] = (short, short * c.price_per_case_usd)
    return out


def contract_kpis(plan: Plan, cases: pd.DataFrame) -> dict[str, float]:
    """Per contracted pool: volume, lateness, cap use; with economics, credits and shortfall."""
    s = plan.scenario
    out: dict[str, float] = {}
    if not len(cases):
        return out
    money = s.economics is not None
    t0, t1 = s.warmup_hours, s.horizon_hours
    pool = cases["pool"].cat.codes.to_numpy()
    cohort = ~cases["warmup"].to_numpy() & (cases["status"] == "delivered").to_numpy()
    assigned_by_pool = _assigned(plan, cases)
    unused = unused_commitments(plan, cases)
    for p, (name, spec) in enumerate(s.pools.items()):
        c = spec.contract
        if c is None:
            continue
        key = f"contract.{name}"
        assigned = assigned_by_pool[name]
        out[f"{key}.cases"] = assigned
        mine = cohort & (pool == p)
        if c.sla is not None:
            late = cases["sla_late"].to_numpy()[mine]
            out[f"{key}.late_share"] = float(late.mean()) if len(late) else np.nan
        if c.cases_per_week is not None:
            out[f"{key}.cap_used_share"] = assigned / (c.cases_per_week * (t1 - t0) / 168.0)
        if money:
            if c.sla is not None:
                out[f"money.{key}.sla_credits_usd"] = float(
                    np.nansum(cases["sla_credit_usd"].to_numpy()[mine]))
            short, usd = unused[name]
            out[f"money.{key}.unused_commitment_cases"] = short
            out[f"money.{key}.unused_commitment_usd"] = usd
    if money:
        out["money.contracts.unused_commitment_usd"] = sum(usd for _, usd in unused.values())
    return out
