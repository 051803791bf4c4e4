"""What an opinion does clinically: diagnosis and treatment changes, and avoided procedures.

Per case, after the run (the timelines never depend on it):

- a recommended procedure (or none), by payer and specialty;
- the diagnosis outcome (confirmed / refined / changed, drawn by the engine) and a treatment
  change, correlated with it when ``outcomes.<specialty>.both_changed`` is given: P(treatment
  changed | diagnosis changed) = both / changed (Meyer et al. 2015 measured 14.8% diagnosis,
  37.4% treatment and 10.6% both);
- an avoided procedure, which requires a treatment change: among cases whose treatment
  changed, P(avoided) = ``avoided`` / P(treatment changed), so that overall P(avoided) is the
  procedure's ``avoided``;
- the procedure's scheduled date (``lead_time`` after the request, own stream
  ``procedure_dates``): an opinion delivered after it avoids nothing, unless the payer holds
  the procedure until the opinion (a ``mandated`` payer, see :mod:`sim.outputs.mandates`).

Example:
    >>> from sim.outputs.clinical import Clinical
    >>> Clinical.__dataclass_fields__.keys() >= {"avoided", "too_late"}
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.streams import Streams
from sim.engine.model import Replication
from sim.engine.plan import Plan

CHANGED = 2  # outcome code of a distinctly different diagnosis (sim.engine.draws.OUTCOMES)


@dataclass(frozen=True)
class Clinical:
    """Per-case clinical results (arrays of length n cases)."""

    proc: np.ndarray  # code into the procedure names; len(names) = no procedure
    treatment_changed: np.ndarray
    avoided: np.ndarray
    would_avoid: np.ndarray  # avoided by an opinion given in time (before the date)
    date_h: np.ndarray  # scheduled procedure date (clock hours); NaN: no date
    too_late: np.ndarray  # the opinion came (or would come) after the procedure's date
    held: np.ndarray  # the payer held the procedure until the opinion


def treatment_change_p(plan: Plan, specialty: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """P(treatment changed) per case, given its specialty and diagnosis outcome."""
    s = plan.scenario
    given = np.asarray([(s.outcomes.get(sp) or s.outcomes["default"]).treatment_change_given()
                        for sp in plan.specialties])  # (specialties, 2)
    return np.where(outcome == CHANGED, given[specialty, 0], given[specialty, 1])


def _date_uniforms(rep: Replication) -> np.ndarray:
    """The ``procedure_dates`` stream's row per case: lead time, mandate compliance."""
    return Streams(rep.seed, rep.index).rng("procedure_dates").random((len(rep.cases), 2))


def procedure_dates(plan: Plan, rep: Replication, names: list[str],
                    proc: np.ndarray) -> np.ndarray:
    """Scheduled date of each case's procedure (NaN: none, or no lead time)."""
    e = plan.scenario.economics
    n = len(proc)
    date = np.full(n, np.nan)
    if not any(e.procedures[p].lead_time for p in names):
        return date
    u = _date_uniforms(rep)[:, 0]
    arrival = rep.cases.arrival_h
    for j, name in enumerate(names):
        spec = e.procedures[name].lead_time
        rows = proc == j
        if spec is not None and rows.any():
            cal = plan.calendar_of(spec)
            h = plan.hours(spec, u[rows])
            date[rows] = arrival[rows] + h if cal is None else cal.add_working_hours(
                arrival[rows], h)
    return date


def mandate_holds(plan: Plan, rep: Replication, names: list[str],
                  proc: np.ndarray) -> np.ndarray:
    """Cases whose payer's pre-authorisation waits for the opinion (a ``mandated`` payer,
    one of its ``mandated_procedures``, and the case among the held share: every mandated case,
    ``compliance`` of the voluntary ones, :meth:`sim.engine.mandates.Volume.held_share`)."""
    held = np.zeros(len(proc), dtype=bool)
    payers = plan.scenario.payers
    if not any(payers[p].mandate == "mandated" for p in plan.payers):
        return held
    u = _date_uniforms(rep)[:, 1]
    for k, name in enumerate(plan.payers):
        p = payers[name]
        if p.mandate != "mandated":
            continue
        codes = [names.index(m) for m in p.mandated_procedures if m in names]
        rows = (rep.cases.payer == k) & np.isin(proc, codes)
        held |= rows & (u < plan.volume.held_share(name))  # sim.engine.mandates
    return held


def hold_days(held: np.ndarray, date_h: np.ndarray, opinion_h: np.ndarray) -> np.ndarray:
    """Days a held procedure moves past its date to wait for the opinion (0 if none)."""
    late_h = np.where(held & (opinion_h > date_h), opinion_h - date_h, 0.0)
    return np.nan_to_num(late_h) / 24


def clinical(plan: Plan, rep: Replication, names: list[str], proc: np.ndarray,
             u: np.ndarray, opinion_h: np.ndarray, held: np.ndarray) -> Clinical:
    """Treatment changes and avoided procedures; ``u`` is the economics stream's (n, 5) row.

    ``opinion_h`` is when each opinion was delivered (NaN if not), ``held`` whether the
    payer holds the case's procedure until the opinion.
    """
    e = plan.scenario.economics
    c, d = rep.cases, rep.draws
    has_proc = proc < len(names)
    p_t = treatment_change_p(plan, c.specialty, d.outcome)
    treatment_changed = u[:, 4] < p_t
    avoided_p = np.asarray([e.procedures[p].avoided for p in names] + [0.0])[proc]
    given_change = np.divide(avoided_p, p_t, out=np.zeros_like(p_t), where=p_t > 0)
    would_avoid = has_proc & treatment_changed & (u[:, 1] < given_change)
    avoided = would_avoid.copy()
    date = procedure_dates(plan, rep, names, proc)
    too_late = ~np.isnan(date) & ~(opinion_h <= date)  # an opinion not (yet) given is late too
    held = held & has_proc
    avoided &= ~too_late | held
    return Clinical(proc=proc, treatment_changed=treatment_changed, avoided=avoided,
                    would_avoid=would_avoid, date_h=date, too_late=too_late & ~held, held=held)
