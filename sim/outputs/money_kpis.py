"""Money KPIs of one replication: full cost, value found and lost, comparisons, payers.

Everything counts the **cohort** (cases arriving after the warm-up) over the measured
window. One definition throughout: a per-opinion figure is a total divided by the
**opinions delivered** (``n``), never by cases or by billed cases.

``money.program_cost.total_usd``   full cost: every billed case's own cost (delivered and
    abandoned, :mod:`sim.outputs.economics`) + salaried specialists' contracted hours +
    coordinators' hours + unused contract commitments (:mod:`sim.outputs.full_cost`)
``money.cost_per_opinion_usd``     full cost / n (a tiny contract cannot look cheaper: its
    unused commitment is in it; idle specialists are in it)
``money.net_savings.total_usd``    avoided - full cost - delay, where the delay cost counts
    every cohort patient's wait: to the opinion, to giving up, or to the horizon
``money.roi``                      net savings / full cost;
``money.benefit_cost_ratio``       avoided / full cost (the published programmes' measure)
``money.platform_margin.total_usd`` paid by payers and patients - full cost; per opinion: / n
``money.savings_lost.*``           what opinions in time would have found: lost to drop-out
    (the procedure went ahead unreviewed) and to opinions after the procedure's date

Cost per opinion by pool, channel and specialty share the fixed costs out: a queue's
specialists by the review hours of its opinions, a contract's unused commitment over its
pool's opinions, coordinators (and whatever has no group) over all opinions; an abandoned
case's own cost stays with its group. The groups' costs add up to the full cost.

Example:
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml",
    ...     ["simulation.horizon_days=60", "simulation.warmup_days=7"]), replications=1)
    >>> k = res.kpis.iloc[0]
    >>> bool(k["money.program_cost.total_usd"] > k["money.variable_cost.total_usd"])
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.outputs.full_cost import FixedCosts, fixed_costs
from sim.outputs.make_or_buy import make_or_buy_kpis

__all__ = ["Cohort", "economics_kpis"]

HOURS_PER_MONTH = 8766.0 / 12  # a mean calendar month


class Cohort:
    """The delivered and abandoned cohort cases of a case table, one column at a time (each
    read once: the money KPIs read the same few columns many times; treat them as read-only).
    """

    def __init__(self, cases: pd.DataFrame):
        self.cases = cases
        status = cases["status"].cat.codes.to_numpy()
        cohort = ~cases["warmup"].to_numpy()
        self.keep = cohort & (status == 0)
        self.gave_up = cohort & (status == 2)  # abandoned cohort cases: billed, no opinion
        self.waiting = cohort & (status == 1)  # still in the system at the horizon
        self.n = int(self.keep.sum())
        self._read: dict[tuple[str, str], Any] = {}

    def _once(self, name: str, what: str) -> Any:  # noqa: ANN401 - an array or categories
        key = (name, what)
        if key not in self._read:
            col = self.cases[name]
            if what == "categories":
                self._read[key] = list(col.cat.categories)
            else:  # the delivered ("keep") or abandoned ("gave_up") rows, values or codes
                values = col.cat.codes.to_numpy() if what.endswith("codes") else col.to_numpy()
                self._read[key] = values[self.keep if what.startswith("keep") else self.gave_up]
        return self._read[key]

    def col(self, name: str) -> np.ndarray:
        return self._once(name, "keep")

    def abandoned(self, name: str) -> np.ndarray:
        return self._once(name, "gave_up")

    def billed(self, name: str) -> float:
        """Total of a money column over delivered and abandoned cohort cases."""
        return float(self.col(name).sum() + self.abandoned(name).sum())

    def groups(self, name: str) -> tuple[list[str], np.ndarray]:
        """A categorical column's categories and the delivered cohort's codes."""
        return self._once(name, "categories"), self._once(name, "keep codes")

    def gone_codes(self, name: str) -> np.ndarray:
        return self._once(name, "gave_up codes")


def allocated_fixed(cohort: Cohort, fixed: FixedCosts | None) -> np.ndarray:
    """Each delivered cohort opinion's share of the fixed costs (see the module docstring)."""
    alloc = np.zeros(cohort.n)
    if fixed is None or not cohort.n:
        return alloc
    pools, pool = cohort.groups("pool")
    lines, line = cohort.groups("service_line")
    effort = np.nan_to_num(cohort.col("review_effort_h"))
    queue = np.where((pool >= 0) & (line >= 0), pool * len(lines) + line, -1)  # a code each
    orphan = fixed.coordinators_usd + fixed.navigators_usd
    for row in fixed.staff_rows:
        code = (pools.index(row.pool) * len(lines) + lines.index(row.line)
                if row.pool in pools and row.line in lines else -2)
        mine = queue == code
        weight = effort[mine].sum()
        if row.cost_usd and weight > 0:
            alloc[mine] += row.cost_usd * effort[mine] / weight
        else:
            orphan += row.cost_usd
    for name, usd in fixed.unused_commitment_usd.items():
        mine = pool == (pools.index(name) if name in pools else -2)
        if mine.any():
            alloc[mine] += usd / mine.sum()
        else:
            orphan += usd
    return alloc + orphan / cohort.n


def cost_by(cohort: Cohort, name: str, full: np.ndarray) -> dict[str, float]:
    """Full cost per opinion of each group of column ``name`` (``full``: each delivered
    opinion's own cost + its share of the fixed costs). An abandoned case's cost stays with
    its group; one with no group, or a group with no opinion, is shared over all opinions."""
    labels, code = cohort.groups(name)
    k = len(labels)
    ok = code >= 0
    n = np.bincount(code[ok], minlength=k).astype(float)
    cost = np.bincount(code[ok], weights=full[ok], minlength=k)
    gone_code, gone_cost = cohort.gone_codes(name), cohort.abandoned("program_cost_usd")
    has = gone_code >= 0
    gone = np.bincount(gone_code[has], weights=gone_cost[has], minlength=k)
    orphan = gone_cost[~has].sum() + gone[n == 0].sum() + full[~ok].sum()
    gone[n == 0] = 0.0
    cost = cost + gone + (orphan * n / n.sum() if n.sum() else 0.0)
    return {lbl: float(cost[j] / n[j]) for j, lbl in enumerate(labels) if n[j]}


def economics_kpis(plan: Plan, cases: pd.DataFrame, rep: Replication | None = None,
                   busy: Sequence[tuple[float, float]] | None = None) -> dict[str, float]:
    """Money KPIs of one replication over its cohort (``rep`` adds the fixed costs; ``busy``:
    its queues' busy hours, if measured already: :func:`~sim.outputs.full_cost.staff_table`).

    Without ``rep`` only the cases' own costs are counted (no capacity paid)."""
    cohort = Cohort(cases)
    if not cohort.n:
        return {}
    fixed = fixed_costs(plan, rep, cases, busy) if rep is not None else None
    full = cohort.col("program_cost_usd") + allocated_fixed(cohort, fixed)
    out = _unreviewed(cases)
    out.update(_money_totals(plan, cohort, fixed))
    out.update(_value_kpis(cohort))
    out.update(_clinical_kpis(cohort))
    out.update(_cost_comparisons(cohort, full))
    out.update(_payer_kpis(plan, cohort, full))
    if fixed is not None:
        out.update(make_or_buy_kpis(plan, cases, cohort.keep, fixed))
    return out


def _unreviewed(cases: pd.DataFrame) -> dict[str, float]:
    """Drop-out: an abandoned case avoids nothing; its procedure goes ahead unreviewed."""
    if len(cases["status"].cat.categories) <= 2:
        return {}
    gone = ~cases["warmup"].to_numpy() & (cases["status"].cat.codes.to_numpy() == 2)
    return {"money.procedures_unreviewed": float(
        (cases["procedure"].cat.codes.to_numpy()[gone] >= 0).sum())}


def _waiting_delay(plan: Plan, cohort: Cohort) -> float:
    """The delay cost of cohort patients still waiting at the horizon (their wait so far)."""
    e = plan.scenario.economics
    if not cohort.waiting.any() or not any(e.delay_cost_per_day_usd.values()):
        return 0.0
    prio = cohort.cases["priority"]
    per_day = np.asarray([e.delay_cost_per_day_usd.get(p, 0.0) for p in prio.cat.categories])
    codes = prio.cat.codes.to_numpy()[cohort.waiting]
    waited_h = plan.horizon_h - cohort.cases["arrival_h"].to_numpy()[cohort.waiting]
    return float((per_day[codes] * waited_h / 24).sum())


def pmpm_lumps(plan: Plan) -> dict[str, float]:
    """What each payer paid per member per month over the window (payers with pmpm_usd)."""
    months = (plan.horizon_h - plan.warmup_h) / HOURS_PER_MONTH
    return {name: p.members * p.pmpm_usd * months for name, p in plan.scenario.payers.items()
            if p.pmpm_usd is not None and p.members is not None}


def _money_totals(plan: Plan, cohort: Cohort, fixed: FixedCosts | None) -> dict[str, float]:
    """Totals over the window (full cost included), per-opinion figures and the return."""
    out: dict[str, float] = {}
    for name in ("records_cost_usd", "triage_cost_usd", "opinion_cost_usd",
                 "avoided_cost_usd", "paid_by_patient_usd"):
        out[f"money.{name.removesuffix('_usd')}.total_usd"] = cohort.billed(name)
    variable = cohort.billed("program_cost_usd")
    fixed_total = fixed.total_usd if fixed is not None else 0.0
    program = variable + fixed_total
    avoided = out["money.avoided_cost.total_usd"]
    delay = cohort.billed("delay_cost_usd") + _waiting_delay(plan, cohort)
    paid_payer = cohort.billed("paid_by_payer_usd") + sum(pmpm_lumps(plan).values())
    paid_patient = out["money.paid_by_patient.total_usd"]
    n = cohort.n
    out.update({
        "money.variable_cost.total_usd": variable,
        "money.program_cost.total_usd": program,
        "money.delay_cost.total_usd": delay,
        "money.net_savings.total_usd": avoided - program - delay,
        "money.paid_by_payer.total_usd": paid_payer,
        "money.platform_margin.total_usd": paid_payer + paid_patient - program,
        "money.payer_net.total_usd": avoided - paid_payer - delay,
        "money.cost_per_opinion_usd": program / n,
        "money.variable_cost_per_opinion_usd": variable / n,
    })
    if fixed is not None:
        out["money.staff_cost.total_usd"] = float(fixed.staff["cost_usd"].sum())
        out["money.staff_idle_cost.total_usd"] = fixed.idle_staff_usd
        out["money.coordinator_cost.total_usd"] = fixed.coordinators_usd
        if fixed.navigator_h:  # a records team paid for its hours (sim.outputs.access)
            out["money.navigator_cost.total_usd"] = fixed.navigators_usd
    if cohort.gave_up.any():
        lost = cohort.abandoned("program_cost_usd")
        out["money.abandoned_cost.total_usd"] = float(lost.sum())
        out["money.abandoned_cost_per_case_usd"] = float(lost.mean())
    net = out["money.net_savings.total_usd"]
    out["money.net_savings_per_case_usd"] = net / n  # per opinion delivered (the name is old)
    out["money.platform_margin_per_opinion_usd"] = out["money.platform_margin.total_usd"] / n
    out["money.roi"] = net / program if program > 0 else np.nan
    out["money.benefit_cost_ratio"] = avoided / program if program > 0 else np.nan
    return out


def _value_kpis(cohort: Cohort) -> dict[str, float]:
    """What opinions found per opinion, by specialty, and what drop-out and lateness lost."""
    avoided = cohort.col("avoided_cost_usd")
    lost_late = float(np.nansum(cohort.col("savings_lost_usd")))
    lost_gone = float(np.nansum(cohort.abandoned("savings_lost_usd")))
    found = float(avoided.sum())
    out = {"money.gross_saving_per_opinion_usd": found / cohort.n,
           "money.savings_lost.too_late_usd": lost_late,
           "money.savings_lost.abandoned_usd": lost_gone,
           "money.savings_found_share": (found / (found + lost_late + lost_gone)
                                         if found + lost_late + lost_gone > 0 else np.nan)}
    _, proc = cohort.groups("procedure")
    if (proc >= 0).any():
        out["money.gross_saving_per_procedure_opinion_usd"] = float(avoided[proc >= 0].mean())
    labels, code = cohort.groups("specialty")
    for j, sp in enumerate(labels):
        mine = code == j
        if mine.any():
            out[f"money.gross_saving_per_opinion_usd.specialty.{sp}"] = float(
                avoided[mine].mean())
    return out


def _clinical_kpis(cohort: Cohort) -> dict[str, float]:
    """Avoided procedures by kind; diagnosis and treatment changes; opinions after the date."""
    out: dict[str, float] = {}
    avoided, treatment = cohort.col("procedure_avoided"), cohort.col("treatment_changed")
    _, proc = cohort.groups("procedure")
    _, kind = cohort.groups("procedure_kind")
    out["money.procedures_avoided"] = float(avoided.sum())
    out["money.surgeries_avoided"] = float((avoided & (kind == 0)).sum())
    out["money.treatment_courses_avoided"] = float((avoided & (kind == 1)).sum())
    out["money.avoided_rate"] = float(avoided[proc >= 0].mean()) if (proc >= 0).any() \
        else np.nan
    out["money.treatment_changed_share"] = float(treatment.mean())
    _, outcome = cohort.groups("outcome")
    diagnosis = outcome == 2
    out["money.diagnosis_changed_share"] = float(diagnosis.mean())
    out["money.both_changed_share"] = float((diagnosis & treatment).mean())
    if "opinion_too_late" in cohort.cases:
        dated = (proc >= 0) & ~np.isnan(cohort.col("procedure_date_h"))
        out["money.too_late_share"] = (float(cohort.col("opinion_too_late")[dated].mean())
                                       if dated.any() else np.nan)
    return out


def _cost_comparisons(cohort: Cohort, full: np.ndarray) -> dict[str, float]:
    """Full cost per opinion by pool and channel; portal against hospital, outsourced against
    in house."""
    out: dict[str, float] = {}
    by: dict[str, dict[str, float]] = {}
    for key in ("pool", "channel", "pool_kind"):
        by[key] = cost_by(cohort, key, full)
    for key in ("pool", "channel"):
        for name, value in by[key].items():
            out[f"money.cost_per_opinion_usd.{key}.{name}"] = value
    ch, kind = by["channel"], by["pool_kind"]
    if {"online_portal", "in_person"} <= set(ch):
        out["money.portal_vs_hospital_pct"] = 100 * (ch["in_person"] - ch["online_portal"]) \
            / ch["in_person"]
    if {"in_house", "outsourced"} <= set(kind):
        out["money.outsourced_vs_in_house_pct"] = 100 * (kind["in_house"] - kind["outsourced"]) \
            / kind["in_house"]
    return out


def _payer_kpis(plan: Plan, cohort: Cohort, full: np.ndarray) -> dict[str, float]:
    """Each payer's cases, payments, avoided procedures, net savings, return and, with
    ``members``, its price per member per month."""
    out: dict[str, float] = {}
    avoided = cohort.col("procedure_avoided")
    procedures, proc = cohort.groups("procedure")
    payers, payer = cohort.groups("payer")
    _, kind = cohort.groups("procedure_kind")
    paid_all, patient_all = cohort.col("paid_by_payer_usd"), cohort.col("paid_by_patient_usd")
    avoided_usd = cohort.col("avoided_cost_usd")
    delay_all = cohort.col("delay_cost_usd")
    gone_payer = cohort.gone_codes("payer")  # abandoned: the payer bears their wait's delay
    gone_delay = np.bincount(gone_payer, weights=cohort.abandoned("delay_cost_usd"),
                             minlength=len(payers))
    cost = cost_by(cohort, "payer", full)
    lumps = pmpm_lumps(plan)
    window_years = (plan.horizon_h - plan.warmup_h) / 8766.0
    for k, name in enumerate(payers):
        rows = payer == k
        if not rows.any():
            continue
        spec = plan.scenario.payers[name]
        paid = float(paid_all[rows].sum()) + lumps.get(name, 0.0)
        patient = float(patient_all[rows].sum())
        key = f"payer.{name}"
        out[f"{key}.cases"] = float(rows.sum())
        out[f"{key}.paid_usd"] = paid
        out[f"{key}.patient_paid_usd"] = patient
        out[f"{key}.surgeries_avoided"] = float((avoided & (kind == 0))[rows].sum())
        out[f"{key}.procedures_avoided"] = float(avoided[rows].sum())
        if spec.mandated_procedures:  # cases that came because the payer requires the opinion
            codes = [procedures.index(m) for m in spec.mandated_procedures]
            out[f"{key}.mandated_cases"] = float(np.isin(proc[rows], codes).sum())
            if "procedure_held" in cohort.cases:  # its pre-authorisation waited for the opinion
                out[f"{key}.held_cases"] = float(cohort.col("procedure_held")[rows].sum())
                out[f"{key}.moved_days"] = float(cohort.col("procedure_moved_days")[rows].sum())
        out[f"{key}.avoided_usd"] = float(avoided_usd[rows].sum())
        # a self-paying "payer" is its patients: what they pay is the payer's outlay
        outlay = paid + (patient if spec.self_paying else 0.0)
        net = out[f"{key}.avoided_usd"] - outlay - float(delay_all[rows].sum()) - gone_delay[k]
        out[f"{key}.net_savings_usd"] = net
        out[f"{key}.roi"] = net / outlay if outlay > 0 else np.nan
        if spec.members:
            member_months = spec.members * window_years * 12
            out[f"{key}.pmpm_paid_usd"] = paid / member_months
            out[f"{key}.break_even_pmpm_usd"] = (cost.get(name, np.nan) * rows.sum()
                                                 - patient) / member_months
            out[f"{key}.opinions_per_1000_members_year"] = (
                1000 * rows.sum() / spec.members / window_years)
    return out
