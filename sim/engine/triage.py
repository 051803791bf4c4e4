"""Triage and matching: how a case with complete records reaches a service line.

Policies (``triage.policy``):

``direct``
    cases arrive already matched (self-referral to the right subspecialist);
    no triage stage. Used by the textbook validation scenarios.
``legacy``
    a referral coordinator (a pool of people on a working calendar) spends
    ``handling`` on the case, then the paper referral cycle (days, typically
    5-10 business days) passes before a subspecialist has it. Matches are right
    with probability ``accuracy``.
``ai``
    an AI service processes the case in minutes (its own capacity and
    calendar, typically 24x7) and matches it with top-1 ``accuracy``.
``hybrid``
    AI triage, then a coordinator also checks some cases (urgent ones, those
    the AI flags as low-confidence, and a random ``fraction``); a check fixes a
    wrong match with probability ``correction``.

Pre-authorisation follows the match: a payer's delay, on its calendar.

Both stages are written here once, in two forms: :meth:`TriageDesk.front`
simulates them case by case when triage staff are shared, and :func:`front_end`
computes them for all cases at once when nothing is shared. A wrong match is
not caught here: the case goes to the wrong specialists, who spot it while
screening and send it back (see :mod:`sim.engine.model`).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from sim.core.calendar import delay_end
from sim.engine.abandonment import REFERRAL
from sim.engine.demand import Cases
from sim.engine.draws import Draws
from sim.engine.plan import Plan
from sim.engine.pools import Staff, calendar_delay
from sim.engine.records import Records


class TriageDesk:
    """The triage resources of one replication and the stage every case goes through."""

    def __init__(self, env: simpy.Environment, plan: Plan, cases: Cases, draws: Draws,
                 rec: Records):
        policy = plan.triage
        t = policy.settings
        self.env, self.cases, self.draws, self.rec = env, cases, draws, rec
        self.triages = policy.triages
        classes = len(plan.priorities)
        self.ai = (Staff(env, t.ai.servers, plan.calendars[t.ai.calendar], classes) if t.ai
                   else None)
        # Referral coordinators (legacy triage, also for the cases AI does not triage when
        # only a share of them is) and the hybrid checkers are separate teams.
        referral = t.legacy if policy.triages and (
            not policy.has_ai or not draws.uses_ai.all()) else None
        self.referral = (Staff(env, referral.coordinators, plan.calendars[referral.calendar],
                                      classes)
                         if referral else None)
        self.checkers = (Staff(env, t.hybrid.coordinators, plan.calendars[t.hybrid.calendar],
                                      classes)
                         if policy.checks else None)
        self.cycle_calendar = plan.calendar_of(t.legacy.referral_cycle) if t.legacy else None
        self.auth_calendars = [plan.preauth_calendar(k) for k in range(len(plan.payers))]

    def front(self, i: int) -> Generator[simpy.Event, None, int]:
        """Triage, match and pre-authorise case ``i``; return the line it is matched to
        (-1: the patient gave up in the referral cycle)."""
        env, rec = self.env, self.rec
        matched = yield from self.match(i)
        if matched < 0:
            return matched
        rec.matched_line[i] = matched
        rec.first_match_h[i] = env.now
        if matched == self.cases.line[i]:
            rec.match_h[i] = env.now
        hours = self.draws.auth_h[i]
        if hours > 0 and (wait := calendar_delay(env, hours,
                                                 self.auth_calendars[self.cases.payer[i]])):
            yield wait
        rec.auth_end_h[i] = env.now
        return matched

    def match(self, i: int) -> Generator[simpy.Event, None, int]:
        """Triage case ``i``; return the service line it is matched to (maybe wrong).

        -1 means the patient gave up in the referral cycle (drop-out).
        """
        d, rec, prio = self.draws, self.rec, int(self.cases.priority[i])
        right, wrong = int(self.cases.line[i]), int(d.wrong_line[i])
        if not self.triages:
            return right
        if not d.uses_ai[i]:  # legacy referral: a coordinator, then the referral cycle
            yield from self.referral.serve(
                i, d.handling_h[i], prio, rec.triage_seize_h, rec.triage_start_h, rec.triage_end_h
            )
            now = self.env.now
            done = delay_end(now, d.cycle_h[i], self.cycle_calendar)
            if d.patience_h is not None and done - now > d.patience_h[REFERRAL, i]:
                yield self.env.timeout(d.patience_h[REFERRAL, i])
                return -1  # the patient gave up waiting for the referral
            rec.referral_end_h[i] = done
            if done > now:
                yield self.env.timeout(done - now)
            return right if d.correct[i] else wrong
        yield from self.ai.serve(
            i, d.ai_h[i], prio, rec.triage_seize_h, rec.triage_start_h, rec.triage_end_h
        )
        matched = right if d.correct[i] else wrong
        if d.checked[i]:  # hybrid: a coordinator checks the AI's match
            yield from self.checkers.serve(
                i, d.handling_h[i], prio, rec.check_seize_h, rec.check_start_h, rec.check_end_h
            )
            if matched != right and d.corrected[i]:
                matched = right
        return matched


def front_end(plan: Plan, cases: Cases, draws: Draws, rec: Records) -> np.ndarray | None:
    """Compute triage, matching and pre-authorisation up front when nothing is shared.

    With ``direct`` matching, or AI triage of unlimited capacity, no stage
    before routing waits for anyone: each case's timeline there follows from
    its own draws by calendar arithmetic, for all cases at once. Returns when
    each case is ready to be routed (and fills in its records), or ``None``
    when triage has to be simulated (coordinators, or AI with limited servers, or
    AI for only a share of the cases).
    """
    policy = plan.triage
    start = draws.intake_end_h
    if not policy.triages:
        first = start
    elif policy.computed_up_front(draws.uses_ai):
        cal = plan.calendars[policy.settings.ai.calendar]
        first = cal.add_working_hours(start, draws.ai_h)
        rec.triage_seize_h[:] = start
        rec.triage_start_h[:] = np.minimum(cal.next_open(start), first)
        rec.triage_end_h[:] = first
    else:
        return None
    matched = np.where(draws.correct, cases.line, draws.wrong_line)
    reached = first < plan.horizon_h  # like the event loop, decide nothing after the horizon
    rec.matched_line[reached] = matched[reached]
    rec.first_match_h[:] = first
    right = matched == cases.line
    rec.match_h[right] = first[right]
    ready = first.copy()
    for k in range(len(plan.payers)):
        rows = (cases.payer == k) & (draws.auth_h > 0)  # a delay only where the payer has one
        if rows.any():
            start = first[rows]
            done = delay_end(start, draws.auth_h[rows], plan.preauth_calendar(k))
            # the event loop's clock after a timeout of done - start reads start + (done -
            # start), which can differ from done in the last bit: mirror it, so both paths agree
            ready[rows] = np.where(done > start, start + (done - start), start)
    rec.auth_end_h[:] = ready
    return ready
