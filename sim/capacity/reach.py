"""Drop-out in the capacity check: how many cases reach a specialist, how many give up there.

Cases that give up before they join a specialist queue (waiting for records, in the
legacy referral cycle, for an appointment slot: ``abandonment``) never bring their work
to it. :func:`reach_shares` predicts, per channel and priority class, the share of cases
that get through those stages: for each stage ``P(patience > wait)``, with the wait's and
the patience's distributions taken on a grid of quantiles (a deterministic quadrature, no
random draws), multiplied over the stages, as the engine draws them independently.

- records: the digital or paper delay (divided by the class's ``records_speedup``) plus,
  for the channel's ``incomplete_records.share``, the second request's wait;
- referral: the legacy referral cycle, for the share of cases coordinators triage;
- appointment: the channel's slot wait (with a diary of slots, its booking lead: below the
  diary's capacity a slot follows soon after; :mod:`sim.capacity.access` checks that).

A delay counted in business days is turned into clock hours at the calendar's average
ratio of clock to working time over the horizon (a stated approximation: the engine
counts it on the calendar, so the real elapsed time varies with the weekday it starts).

Cases that give up *in* a specialist queue (``abandonment.specialist``) are a different
matter: below saturation they are few (Erlang A), and the check counts their work in
full (an upper bound on the load); at or above saturation the queue no longer grows
without bound but sheds, and :func:`shed_share` gives the fluid limit of the share that
gives up, ``1 - 1 / utilisation`` (Whitt 2006, the fluid model of the G/GI/s+GI queue:
in overload the specialists work all the time and the rest of the offered work leaves).

Example:
    >>> import numpy as np
    >>> round(shed_share(1.25), 3), shed_share(0.8)
    (0.2, 0.0)
"""

from __future__ import annotations

import numpy as np

from sim.engine.plan import Plan
from sim.scenario.access import Slots
from sim.scenario.durations import Duration

GRID = 512
"""Quantiles per distribution in the quadrature (error well under 0.5% of a share)."""


def _grid(n: int = GRID) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def elapsed_hours(plan: Plan, spec: Duration, u: np.ndarray) -> np.ndarray:
    """Quantiles of a delay in clock hours (business days at the calendar's average ratio)."""
    h = plan.hours(spec, u)
    cal = plan.calendar_of(spec)
    if cal is None:
        return h
    work = float(cal.working_hours(plan.horizon_h))
    return h * plan.horizon_h / work if work > 0 else np.full_like(h, np.inf)


def _survives(plan: Plan, patience: Duration | None, waits: np.ndarray) -> float:
    """Mean over ``waits`` of P(patience > wait)."""
    if patience is None:
        return 1.0
    p = np.sort(plan.hours(patience, _grid()))
    return float(np.mean(1.0 - np.searchsorted(p, waits, side="right") / len(p)))


def _records_survival(plan: Plan, channel: str, priority: int, patience: Duration) -> float:
    s = plan.scenario
    if s.intake is None and s.incomplete_records is None:
        return _survives(plan, patience, np.zeros(1))
    speed = float(plan.records_speedup()[priority])
    u = _grid(128)
    parts = []  # (weight, first-batch waits)
    if s.intake is None:
        parts.append((1.0, np.zeros(1)))
    else:
        digital = s.intake.digital_share[channel]
        parts += [(digital, elapsed_hours(plan, s.intake.digital, u) / speed),
                  (1 - digital, elapsed_hours(plan, s.intake.paper, u) / speed)]
    incomplete = (s.incomplete_records.share.get(channel, 0.0)
                  if s.incomplete_records is not None else 0.0)
    second = (elapsed_hours(plan, s.incomplete_records.request, u)
              if incomplete > 0 else np.zeros(1))
    total = 0.0
    for weight, first in parts:
        if weight <= 0:
            continue
        both = (first[:, None] + second[None, :]).ravel()
        total += weight * ((1 - incomplete) * _survives(plan, patience, first)
                           + incomplete * _survives(plan, patience, both))
    return total


def reach_shares(plan: Plan, coordinator_share: float) -> np.ndarray:
    """P(a case reaches a specialist queue), shape ``(channels, priorities)``.

    ``coordinator_share``: the share of cases triaged by coordinators (who go through the
    referral cycle). All ones without an ``abandonment`` section.
    """
    s = plan.scenario
    out = np.ones((len(plan.channels), len(plan.priorities)))
    a = s.abandonment
    if a is None:
        return out
    for c, channel in enumerate(plan.channels):
        for k, priority in enumerate(plan.priorities):
            share = 1.0
            if a.records is not None:
                share *= _records_survival(plan, channel, k, a.records.spec(channel, priority))
            if a.referral is not None and coordinator_share > 0 and s.triage.legacy is not None:
                cycle = elapsed_hours(plan, s.triage.legacy.referral_cycle, _grid())
                stays = _survives(plan, a.referral.spec(channel, priority), cycle)
                share *= 1 - coordinator_share * (1 - stays)
            slot = (s.appointments or {}).get(channel)
            if isinstance(slot, Slots):  # a diary: the lead (a slot follows it below capacity)
                slot = slot.lead_of(priority)
            if a.appointment is not None and slot is not None:
                share *= _survives(plan, a.appointment.spec(channel, priority),
                                   elapsed_hours(plan, slot, _grid()))
            out[c, k] = share
    return out


def shed_share(utilisation: float) -> float:
    """The fluid limit of the share of a saturated queue's cases that give up in it."""
    return float(max(0.0, 1.0 - 1.0 / utilisation)) if utilisation > 0 else 0.0
