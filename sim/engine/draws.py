"""Every random quantity a case needs, drawn up front, stream by stream.

Nothing random happens inside the event loop. Before a replication runs, each
named stream draws one row of uniforms per case (a fixed number of columns per
stream, whatever the policy), and every duration is taken through its
distribution's quantile function. The case journey then only looks values up.
This is what makes common random numbers hold across policies: case 17 gets
the same records delay, the same triage luck and the same review effort under
legacy, AI or hybrid triage, and under any routing.

Durations are in clock hours. A *delay* (records, referral cycle,
pre-authorisation, re-routing) given in ``business_days`` pauses outside its
calendar, so its end is computed on that calendar; other delays are elapsed
time. An *effort* (triage handling, specialist review, misroute screening) is
working time on the calendar of whoever does the work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.calendar import delay_end
from sim.core.streams import Streams
from sim.engine.abandonment import draw_patience
from sim.engine.access import Access, draw_access
from sim.engine.demand import Cases
from sim.engine.plan import Plan
from sim.engine.records_team import draw_team_effort
from sim.scenario.durations import Duration  # a type

OUTCOMES = ("confirmed", "refined", "changed")


@dataclass(frozen=True)
class Draws:
    """Per-case random inputs of one replication (arrays of length n cases)."""

    digital: np.ndarray  # records arrive digitally (else paper/courier)
    intake_end_h: np.ndarray  # when records are complete
    ai_h: np.ndarray  # AI processing time
    handling_h: np.ndarray  # coordinator hands-on time (legacy triage or hybrid check)
    cycle_h: np.ndarray  # legacy referral cycle (delay)
    uses_ai: np.ndarray  # AI triages the case (else legacy referral, or direct matching)
    correct: np.ndarray  # triage matched the right service line
    wrong_line: np.ndarray  # the line a wrong match sends the case to
    checked: np.ndarray  # hybrid: a coordinator checks the AI's match
    corrected: np.ndarray  # hybrid: the check fixes a wrong match
    auth_h: np.ndarray  # pre-authorisation delay (0 when none is needed)
    review_h: np.ndarray  # shape (pools, n): review effort if reviewed in each pool
    screen_h: np.ndarray  # effort of the wrong specialist who spots a misroute
    reroute_h: np.ndarray  # delay to re-route a misrouted case
    outcome: np.ndarray  # code into OUTCOMES
    patience_h: np.ndarray | None = None  # (stages, n) clock hours; None: nobody abandons
    access: Access | None = None  # incomplete records, appointment waits; None: neither
    # with a records team (sim.engine.records_team): the records' external wait in hours
    # (counted from the navigator's request, on its spec's calendar), and each case's
    # hands-on effort, shape (2, n): first request, second request (0: no navigator);
    # intake_end_h is then filled in by the run
    records_wait_h: np.ndarray | None = None
    team_effort_h: np.ndarray | None = None


def _delay_end(plan: Plan, spec: Duration, start: np.ndarray, u: np.ndarray,
               speedup: np.ndarray | float = 1.0) -> np.ndarray:
    """When delays drawn from ``spec`` at probabilities ``u`` end, if begun at ``start``
    (divided by ``speedup``: a fast-tracked request)."""
    return delay_end(start, plan.hours(spec, u) / speedup, plan.calendar_of(spec))


def _wrong_lines(plan: Plan, line: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A different service line for each case, drawn in proportion to the line mix."""
    share = plan.line_share / plan.line_share.sum()
    if len(share) == 1:
        return line.copy()
    cum = np.cumsum(share)
    before = np.concatenate([[0.0], cum])[line]  # mass of lines before the true one
    x = u * (1 - share[line])
    x = np.where(x >= before, x + share[line], x)  # skip over the true line's interval
    out = np.minimum(np.searchsorted(cum, x, side="right"), len(share) - 1)
    return np.where(out == line, (line + 1) % len(share), out).astype(np.int32)


def draw(plan: Plan, cases: Cases, streams: Streams) -> Draws:
    """Draw every random input of the replication's cases, one named stream at a time."""
    intake = _intake(plan, cases, streams)
    # incomplete records wait a second time (stream ``access``, sim.engine.access)
    intake["intake_end_h"], access = draw_access(plan, cases, streams, intake["intake_end_h"])
    if plan.records_team is not None:  # stream ``records_team``: the navigators' effort
        intake["team_effort_h"] = draw_team_effort(
            plan, cases, streams, intake["digital"],
            access.incomplete if access is not None else np.zeros(len(cases), dtype=bool))
    return Draws(**intake, **_triage(plan, cases, streams),
                 **_authorisation(plan, cases, streams), **_review(plan, cases, streams),
                 outcome=_outcomes(plan, cases, streams),
                 patience_h=draw_patience(plan, cases, streams), access=access)


def _intake(plan: Plan, cases: Cases, streams: Streams) -> dict[str, np.ndarray]:
    """Stream ``intake``: digital or paper records, and when they are complete."""
    intake, n = plan.inputs.intake, len(cases)
    u = streams.rng("intake").random((n, 2))
    if intake is None:
        return {"digital": np.ones(n, dtype=bool), "intake_end_h": cases.arrival_h.copy()}
    share = np.asarray(intake.digital_share)
    digital = u[:, 0] < share[cases.channel]
    fast = plan.records_speedup()[cases.priority]  # fast-tracked requests (priorities)
    if plan.records_team is not None:  # the wait starts once a navigator has asked: the run
        wait = np.where(digital, plan.hours(intake.digital, u[:, 1]),  # counts it from then
                        plan.hours(intake.paper, u[:, 1])) / fast
        return {"digital": digital, "intake_end_h": np.full(n, np.nan), "records_wait_h": wait}
    intake_end = np.where(digital,
                          _delay_end(plan, intake.digital, cases.arrival_h, u[:, 1], fast),
                          _delay_end(plan, intake.paper, cases.arrival_h, u[:, 1], fast))
    return {"digital": digital, "intake_end_h": intake_end}


def _triage(plan: Plan, cases: Cases, streams: Streams) -> dict[str, np.ndarray]:
    """Streams ``triage`` and ``adoption``: who triages, how long it takes, how well."""
    n = len(cases)
    zeros = np.zeros(n)
    u = streams.rng("triage").random((n, 8))
    policy = plan.triage
    t = policy.settings
    # Which cases AI triages: all of them under ai/hybrid, unless an adoption share is set
    # (its own stream, so adoption changes nothing else a case draws).
    if policy.has_ai:
        uses_ai = streams.rng("adoption").random(n) < policy.ai_share
    else:
        uses_ai = np.zeros(n, dtype=bool)
    legacy_acc = t.legacy.accuracy if t.legacy else 1.0
    ai_acc = t.ai.accuracy if t.ai else 1.0
    accuracy = np.where(uses_ai, ai_acc, legacy_acc if policy.triages else 1.0)
    correct = u[:, 1] < accuracy
    ai_h = np.where(uses_ai, plan.hours(t.ai.service, u[:, 0]), 0.0) if t.ai else zeros
    legacy = ~uses_ai & policy.triages
    handling_h, cycle_h = zeros.copy(), zeros.copy()
    if t.legacy is not None and legacy.any():
        handling_h[legacy] = plan.hours(t.legacy.handling, u[legacy, 3])
        cycle_h[legacy] = plan.hours(t.legacy.referral_cycle, u[legacy, 4])
    if policy.checks:  # hybrid: a coordinator checks some AI matches
        handling_h[uses_ai] = plan.hours(t.hybrid.handling, u[uses_ai, 3])
        h = t.hybrid
        flagged = u[:, 5] < np.where(correct, h.flag_rate, h.flag_sensitivity)
        checked = uses_ai & (
            (h.check.urgent & (cases.priority == 0))
            | (h.check.low_confidence & flagged)
            | (u[:, 6] < h.check.fraction)
        )
        corrected = u[:, 7] < h.correction
    else:
        checked = corrected = np.zeros(n, dtype=bool)
    wrong_line = _wrong_lines(plan, cases.line, u[:, 2])
    correct |= wrong_line == cases.line  # a single-line scenario cannot be misrouted
    return {"ai_h": ai_h, "handling_h": handling_h, "cycle_h": cycle_h, "uses_ai": uses_ai,
            "correct": correct, "wrong_line": wrong_line, "checked": checked,
            "corrected": corrected}


def _authorisation(plan: Plan, cases: Cases, streams: Streams) -> dict[str, np.ndarray]:
    """Stream ``authorisation``: which cases their payer makes wait, and how long."""
    n = len(cases)
    u = streams.rng("authorisation").random((n, 2))
    auth_h = np.zeros(n)
    for k, payer in enumerate(plan.inputs.payers):
        rows = (cases.payer == k) & (u[:, 0] < payer.preauth_share)
        if rows.any():
            auth_h[rows] = plan.hours(payer.preauth, u[rows, 1])
    return {"auth_h": auth_h}


def _review(plan: Plan, cases: Cases, streams: Streams) -> dict[str, np.ndarray]:
    """Stream ``review``: the effort of a review in every pool, of screening, of re-routing."""
    n = len(cases)
    u = streams.rng("review").random((n, 3))
    review_h = np.empty((len(plan.pools), n))
    for p in range(len(plan.pools)):
        for sp, name in enumerate(plan.specialties):
            rows = cases.specialty == sp
            review_h[p, rows] = plan.hours(plan.review_spec(p, name), u[rows, 0])
    misroute = plan.misroute
    return {"review_h": review_h, "screen_h": plan.hours(misroute.detection, u[:, 1]),
            "reroute_h": plan.hours(misroute.reroute_delay, u[:, 2])}


def _outcomes(plan: Plan, cases: Cases, streams: Streams) -> np.ndarray:
    """Stream ``outcomes``: confirmed, refined or changed, by specialty (codes into OUTCOMES)."""
    u = streams.rng("outcomes").random(len(cases))
    outcome = np.empty(len(cases), dtype=np.int8)
    for sp, rates in enumerate(plan.inputs.outcomes):  # confirmed, refined, changed
        cum = np.cumsum(rates)
        rows = cases.specialty == sp
        outcome[rows] = np.minimum(np.searchsorted(cum / cum[-1], u[rows], side="right"), 2)
    return outcome
