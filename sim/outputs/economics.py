"""Economics per case: what each case itself costs, what it saves, and who pays.

Money is computed per case, after the run, from the case table and the
``economics`` random stream. Nothing here feeds back into the timelines, so
changing a price never moves a case (common random numbers hold trivially).
The per-case columns are the **variable** costs; the capacity paid whether cases come
or not (salaried specialists' contracted hours, coordinators' hours, unused contract
commitments) is a lump per replication (:mod:`sim.outputs.full_cost`), and the totals
and per-opinion KPIs add it (:mod:`sim.outputs.money_kpis`).

Per delivered case (columns ending ``_usd``):

``records_cost``   collecting records: digital or paper
``triage_cost``    AI fee, and coordinator hands-on time at their wage only when
                   ``economics.coordinators_paid_for`` is ``handled_minutes``
``opinion_cost``   the pool's price per case + specialist hours actually worked
                   x their rate (pools paid per worked hour) + channel cost +
                   misroute rework (the wrong specialists' screening time and the
                   re-routing admin) - an SLA credit
``program_cost``   records + triage + opinion: what producing the opinion cost
``avoided_cost``   for a case with a recommended procedure that the opinion
                   avoids: the procedure's cost minus the conservative care
                   that replaces it
``savings_lost``   the same saving where an opinion given in time would have found
                   it and this case did not get one in time: it came after the
                   procedure's date, or the patient gave up (the procedure then goes
                   ahead unreviewed: the saving is lost, not saved)
``delay_cost``     days from request to opinion x the per-day cost of its priority
``net_savings``    avoided - program - delay (the whole system's view)

Who bears what (the totals reconcile exactly): the payer pays its
reimbursement (``paid_by_payer``), the patient the co-pay (``paid_by_patient``);
the payer's ``reimbursement_usd`` goes with the pool and channel, the
co-pay comes on top, and a patient whose payer does not cover the channel pays
both; the platform keeps ``platform_margin`` = paid - program cost; avoided and
delay costs fall on the payer, so ``payer_net`` = avoided - paid_by_payer -
delay, and net_savings = payer_net - paid_by_patient + platform_margin.

An **abandoned** case (drop-out) has a bill too: what was done before the patient gave up
(:func:`abandoned_costs`): its records request (made on arrival), its triage if triage
was done (the AI fee, the coordinator's hands-on time), and a misrouted case's screening
and re-routing if they happened; no opinion, so no pool price, channel cost or payment.
It avoids nothing (its procedure goes ahead unreviewed: ``savings_lost`` holds what an
opinion would have found) and its wait costs the delay cost of its priority up to the
moment it left. The same identity holds for it: net =
payer_net (- delay) - paid by patient (0) + platform margin (- program cost).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.core.distributions import quantile
from sim.core.streams import Streams
from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.outputs.access import navigator_cost_usd
from sim.outputs.categories import categorical
from sim.outputs.clinical import clinical, hold_days, mandate_holds
from sim.outputs.money_kpis import economics_kpis

KINDS = ("surgery", "treatment_course")
MONEY = ("records_cost_usd", "triage_cost_usd", "opinion_cost_usd", "program_cost_usd",
         "avoided_cost_usd", "delay_cost_usd", "net_savings_usd", "paid_by_payer_usd",
         "paid_by_patient_usd", "platform_margin_usd", "payer_net_usd")

__all__ = ["MONEY", "abandoned_costs", "case_economics", "economics_kpis"]


def _procedure_table(plan: Plan) -> tuple[list[str], np.ndarray]:
    """Procedure names and P(procedure | payer, specialty) as an array [payer, specialty, proc]."""
    e = plan.scenario.economics
    names = list(e.procedures)
    p = np.zeros((len(plan.payers), len(plan.specialties), len(names)))
    for k, payer in enumerate(plan.payers):
        for s, sp in enumerate(plan.specialties):  # mandated cases' procedures blended in
            shares = plan.volume.procedure_share(payer, sp)
            for j, proc in enumerate(names):
                p[k, s, j] = shares.get(proc, 0.0)
    return names, p


def case_economics(plan: Plan, rep: Replication, cases: pd.DataFrame) -> dict[str, Any]:
    """Money columns for one replication's case table (NaN for cases not delivered)."""
    e = plan.scenario.economics
    c = rep.cases
    u = Streams(rep.seed, rep.index).rng("economics").random((len(cases), 5))
    status = cases["status"].cat  # on codes: a comparison with a string costs more
    delivered = status.codes.to_numpy() == status.categories.get_loc("delivered")
    med = _clinical(plan, rep, u)
    records, triage, opinion = _opinion_costs(plan, rep, cases["misrouted"].to_numpy())
    if "sla_credit_usd" in cases:  # a late outsourced opinion: the vendor credits it back
        opinion = opinion - np.nan_to_num(cases["sla_credit_usd"].to_numpy())
    program = records + triage + opinion
    avoided_cost = med.pop("avoided_cost_usd")
    held, date_h = med.pop("_held"), med.pop("_date_h")
    would_save = med.pop("_would_save_usd")
    per_day = np.asarray([e.delay_cost_per_day_usd.get(p, 0.0) for p in plan.priorities])
    delay = per_day[c.priority] * cases["time_to_opinion_h"].to_numpy() / 24
    if held.any():  # a held procedure moves, and waiting for it costs the payer
        hold_cost = np.asarray([plan.scenario.payers[p].hold_cost_per_day_usd
                                for p in plan.payers])
        med["procedure_held"] = held
        med["procedure_moved_days"] = hold_days(held, date_h, rep.records.review_end_h)
        delay = delay + hold_cost[c.payer] * med["procedure_moved_days"]
    if "opinion_too_late" in med:
        med["opinion_too_late"] &= delivered
    # --- who pays
    paid_payer, paid_patient = _payments(plan, c.payer, c.channel, plan.pool_of(rep.records.queue))
    margin = paid_payer + paid_patient - program
    out = {
        **med,
        "records_cost_usd": records, "triage_cost_usd": triage, "opinion_cost_usd": opinion,
        "program_cost_usd": program, "avoided_cost_usd": avoided_cost, "delay_cost_usd": delay,
        "net_savings_usd": avoided_cost - program - delay,
        "paid_by_payer_usd": paid_payer, "paid_by_patient_usd": paid_patient,
        "platform_margin_usd": margin, "payer_net_usd": avoided_cost - paid_payer - delay,
    }
    for col in MONEY:  # an opinion not yet given has no bill yet
        out[col] = np.where(delivered, out[col], np.nan)
    gave_up = (status.codes.to_numpy() == status.categories.get_loc("abandoned")
               if "abandoned" in status.categories else np.zeros(len(delivered), dtype=bool))
    if gave_up.any():  # ... but a case that gave up has incurred what was done before
        for col, value in abandoned_costs(plan, rep, cases, records, triage).items():
            out[col] = np.where(gave_up, value, out[col])
    # the saving an opinion in time would have found: lost to lateness or to drop-out
    out["savings_lost_usd"] = np.where(gave_up, would_save, np.where(
        delivered, would_save - avoided_cost, np.nan))
    out["treatment_changed"] &= delivered
    out["procedure_avoided"] &= delivered
    return out


def abandoned_costs(plan: Plan, rep: Replication, cases: pd.DataFrame, records: np.ndarray,
                    triage: np.ndarray) -> dict[str, np.ndarray]:
    """The money columns of cases that gave up (read for abandoned rows only).

    ``records`` and ``triage`` are every case's records and triage costs (triage only where
    it was done: the AI fee once the AI has matched it, coordinator time once handled).
    Pre-authorisation handling and appointment booking have no cost of their own in the
    scenario (the payer's desk; scheduling is in ``channel_cost_usd``, paid with a held
    visit), so they add nothing.

    Example (through a run: the abandoned rows of its case table carry these columns):
        >>> import sim
        >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml", [
        ...     "simulation.horizon_days=14", "simulation.warmup_days=0"]), replications=1)
        >>> gone = res.cases[res.cases["status"] == "abandoned"]
        >>> bool((gone["paid_by_payer_usd"] == 0).all() and (gone["program_cost_usd"] > 0).all())
        True
    """
    e, d, r = plan.scenario.economics, rep.draws, rep.records
    rate = np.asarray([p.specialist_rate_per_hour_usd for p in plan.scenario.pools.values()]
                      + [0.0])
    screened = ~np.isnan(r.screen_end_h)  # the wrong specialists screened it, then re-routing
    rework = np.where(screened, rate[plan.pool_of(r.screen_queue)] * d.screen_h
                      + e.rework_admin_usd, 0.0)
    program = records + triage + rework
    per_day = np.asarray([e.delay_cost_per_day_usd.get(p, 0.0) for p in plan.priorities])
    waited_h = cases["abandoned_h"].to_numpy() - rep.cases.arrival_h
    delay = per_day[rep.cases.priority] * waited_h / 24
    zero = np.zeros(len(program))
    return {"records_cost_usd": records, "triage_cost_usd": triage, "opinion_cost_usd": rework,
            "program_cost_usd": program, "avoided_cost_usd": zero, "delay_cost_usd": delay,
            "net_savings_usd": -program - delay, "paid_by_payer_usd": zero,
            "paid_by_patient_usd": zero, "platform_margin_usd": -program,
            "payer_net_usd": -delay}


def _clinical(plan: Plan, rep: Replication, u: np.ndarray) -> dict[str, Any]:
    """A recommended procedure, avoided or not (and what that saves); treatment changed.

    Only a treatment change avoids a procedure, and not after its date unless the payer holds
    it (:mod:`sim.outputs.clinical`)."""
    e, c = plan.scenario.economics, rep.cases
    n = len(c)
    names, share = _procedure_table(plan)
    cum = np.cumsum(share, axis=2)[c.payer, c.specialty]  # (n, procedures)
    proc = (u[:, [0]] >= cum).sum(axis=1) if names else np.zeros(n, dtype=int)
    has_proc = proc < len(names)
    med = clinical(plan, rep, names, proc, u, rep.records.review_end_h,
                   mandate_holds(plan, rep, names, proc))
    would_save = np.zeros(n)  # what avoiding it saves, where an opinion in time avoids it
    for j, name in enumerate(names):
        rows = med.would_avoid & (proc == j)
        spec = e.procedures[name]
        cost = quantile(spec.cost_usd, u[rows, 2])
        if spec.conservative_care_usd is not None:
            cost = cost - quantile(spec.conservative_care_usd, u[rows, 3])
        would_save[rows] = cost
    avoided = med.avoided
    avoided_cost = np.where(avoided, would_save, 0.0)
    kind = np.asarray([KINDS.index(e.procedures[p].kind) for p in names] + [-1])[proc]
    out = {
        "procedure": categorical(np.where(has_proc, proc, -1), names),
        "treatment_changed": med.treatment_changed,
        "procedure_avoided": avoided,
        "procedure_kind": categorical(np.where(has_proc, kind, -1), KINDS),
        "avoided_cost_usd": avoided_cost, "_would_save_usd": would_save,
        "_held": med.held, "_date_h": med.date_h,
    }
    if not np.isnan(med.date_h).all():  # procedures have dates
        out["procedure_date_h"] = med.date_h
        out["opinion_too_late"] = med.too_late
    return out


def _opinion_costs(plan: Plan, rep: Replication,
                   misrouted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case, the cost of its records, of its triage and of its opinion."""
    s, e = plan.scenario, plan.scenario.economics
    c, d, r = rep.cases, rep.draws, rep.records
    per_minute = e.coordinators_paid_for == "handled_minutes"  # else paid for their calendar
    records = np.where(d.digital, e.records_cost_usd.digital_usd, e.records_cost_usd.paper_usd)
    if per_minute:  # a records team's hands-on hours (else its calendar: sim.outputs.full_cost)
        records = records + navigator_cost_usd(plan, rep)
    ai_fee = np.where(d.uses_ai & ~np.isnan(r.triage_end_h), e.ai_fee_per_case_usd, 0.0)
    by_coordinator = np.where(d.uses_ai, ~np.isnan(r.check_end_h),
                              ~np.isnan(r.triage_end_h) & plan.triage.triages)
    coordinator_h = np.where(by_coordinator, d.handling_h, 0.0)  # hands-on hours, not clock span
    triage = ai_fee + (e.coordinator_wage_per_hour_usd * coordinator_h if per_minute else 0.0)
    price = np.asarray([p.contract.price_per_case_usd if p.contract else p.price_per_case_usd
                        for p in s.pools.values()] + [0.0])
    rate = np.asarray([p.specialist_rate_per_hour_usd for p in s.pools.values()] + [0.0])
    pool = plan.pool_of(r.queue)
    screen_pool = plan.pool_of(r.screen_queue)
    effort = np.where(pool >= 0, d.review_h[np.maximum(pool, 0), np.arange(len(c))], 0.0)
    rework = np.where(misrouted, rate[screen_pool] * d.screen_h + e.rework_admin_usd, 0.0)
    channel_cost = np.asarray([e.channel_cost_usd.get(ch, 0.0) for ch in plan.channels])
    opinion = price[pool] + rate[pool] * effort + channel_cost[c.channel] + rework
    return records, triage, opinion


def _payments(plan: Plan, payer: np.ndarray, channel: np.ndarray,
              pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(paid by payer, paid by patient) per case."""
    s = plan.scenario
    n_pool = len(plan.pools)
    amount = np.zeros((len(plan.payers), len(plan.channels), n_pool + 1))
    copay = np.zeros(len(plan.payers))
    covered = np.ones((len(plan.payers), len(plan.channels)), dtype=bool)
    for k, name in enumerate(plan.payers):
        py = s.payers[name]
        copay[k] = py.copay_usd
        if py.pmpm_usd is not None:  # paid per member per month, not per case
            continue
        for j, ch in enumerate(plan.channels):
            covered[k, j] = py.covers_channels is None or ch in py.covers_channels
            for p, (pname, pool_spec) in enumerate(s.pools.items()):
                by_kind = py.reimbursement_usd.get(pool_spec.kind, 0.0)
                base = py.reimbursement_usd.get(pname, by_kind)
                amount[k, j, p] = py.reimbursement_by_channel_usd.get(ch, base)
    due = amount[payer, channel, pool]
    cov = covered[payer, channel]
    return np.where(cov, due, 0.0), copay[payer] + np.where(cov, 0.0, due)
