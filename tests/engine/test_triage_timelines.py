"""Legacy, hybrid and partly adopted AI triage, case by case, against hand-worked timelines.

t = 0 is Monday 2026-01-05 00:00; ``business`` is Mon-Fri 08:00-17:00 (9 working hours a
business day). Every duration is fixed, so each timestamp below is worked out by hand
from the calendar, independently of :mod:`sim.core.calendar` and :mod:`sim.engine.triage`.
The specialists work 24x7 (ten per line, so nobody waits for them): only triage, the
referral cycle and pre-authorisation shape the timelines.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.core.streams import Streams
from sim.engine.abandonment import REFERRAL
from sim.engine.demand import Cases
from sim.engine.draws import draw
from sim.engine.model import Model
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text

TEXT = """
name: triage-timelines
simulation: {start: 2026-01-05, horizon_days: 35, warmup_days: 0, seed: 5}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 100
  mix:
    specialty: {oncology: 0.5, cardiology: 0.5}
    channel: {online: 1.0}
    payer: {self: 0.5, insurer: 0.5}
    priority: {urgent: 0.5, routine: 0.5}
triage:
  policy: legacy
  ai: {servers: 1, service: {dist: fixed, value: 6, unit: minutes}, accuracy: 0.0}
  legacy: {coordinators: 1, handling: {dist: fixed, value: 30, unit: minutes},
           referral_cycle: {dist: fixed, value: 2, unit: business_days}, accuracy: 1.0}
  hybrid: {coordinators: 1, handling: {dist: fixed, value: 12, unit: minutes},
           check: {urgent: true, low_confidence: false, fraction: 0.0}, correction: 1.0}
payers:
  self: {}
  insurer: {preauth: {delay: {dist: fixed, value: 1, unit: business_days}}}
pools:
  clinic: {kind: in_house, calendar: 24x7, specialists: {oncology: 10, cardiology: 10},
           review: {dist: fixed, value: 1, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
"""
ONC, CARD = 0, 1  # service lines (one per specialty, in mix order)
SELF, INSURER = 0, 1
URGENT, ROUTINE = 0, 1


def day(d: int, hour: float) -> float:
    """Clock hours of ``hour`` o'clock on day ``d`` (day 0 = Monday 2026-01-05)."""
    return 24.0 * d + hour


def run(rows: list[tuple[float, int, int, int]], *overrides: str, **draws_changed: object):
    """Run hand-placed cases ``(arrival_h, line, payer, priority)`` (sorted by arrival);
    ``draws_changed`` replaces fields of the drawn per-case inputs. Returns the records."""
    plan = build_plan(scenario_from_text(TEXT, overrides=list(overrides)))
    assert [ln.name for ln in plan.lines] == ["oncology", "cardiology"]
    assert plan.payers == ("self", "insurer")
    n = len(rows)
    col = [np.asarray(c) for c in zip(*rows, strict=True)]
    cases = Cases(arrival_h=col[0].astype(float), line=col[1].astype(np.int32),
                  specialty=col[1].astype(np.int32), channel=np.zeros(n, dtype=np.int32),
                  payer=col[2].astype(np.int32), priority=col[3].astype(np.int32))
    draws = dataclasses.replace(draw(plan, cases, Streams(5, 0)), **draws_changed)
    model = Model(plan, cases, draws)
    rec = model.run()
    return rec


def approx(values: list[float]):  # noqa: ANN201
    return pytest.approx(values, abs=1e-9, nan_ok=True)


NAN = float("nan")


def test_legacy_coordinator_then_referral_cycle_on_the_business_calendar():
    rows = [
        (day(0, 9), ONC, SELF, ROUTINE),  # A
        (day(0, 9.25), CARD, INSURER, ROUTINE),  # B: the coordinator is busy until 09:30
        (day(4, 16.75), ONC, SELF, ROUTINE),  # C: Friday 16:45, handling runs into Monday
        (day(5, 10), CARD, SELF, ROUTINE),  # D: Saturday; waits for C's coordinator
    ]
    rec = run(rows)
    # A: 09:00-09:30; cycle 18 working h: Mon 7.5 + Tue 9 + Wed 1.5 -> Wed 09:30
    # B: 09:30-10:00; cycle Mon 7 + Tue 9 + Wed 2 -> Wed 10:00; pre-auth 9 h -> Thu 10:00
    # C: Fri 16:45-17:00 + Mon 08:00-08:15; cycle Mon 8.75 + Tue 9 + Wed 0.25 -> Wed 08:15
    # D: the coordinator holds C over the weekend: Mon 08:15-08:45; cycle -> Wed 08:45
    assert rec.triage_seize_h.tolist() == approx([9, 9.5, day(4, 16.75), day(7, 8.25)])
    assert rec.triage_start_h.tolist() == approx([9, 9.5, day(4, 16.75), day(7, 8.25)])
    assert rec.triage_end_h.tolist() == approx([9.5, 10, day(7, 8.25), day(7, 8.75)])
    assert rec.referral_end_h.tolist() == approx(
        [day(2, 9.5), day(2, 10), day(9, 8.25), day(9, 8.75)])
    assert rec.first_match_h.tolist() == rec.referral_end_h.tolist()
    assert rec.match_h.tolist() == rec.referral_end_h.tolist()  # accuracy 1: all right
    assert rec.matched_line.tolist() == [ONC, CARD, ONC, CARD]
    assert rec.auth_end_h.tolist() == approx(
        [day(2, 9.5), day(3, 10), day(9, 8.25), day(9, 8.75)])
    assert rec.review_end_h.tolist() == approx(
        [day(2, 10.5), day(3, 11), day(9, 9.25), day(9, 9.75)])
    assert np.isnan(rec.check_seize_h).all() and (rec.abandon_stage == -1).all()


def test_a_wrong_legacy_match_is_screened_then_rerouted():
    rec = run([(day(0, 9), ONC, SELF, ROUTINE)], "triage.legacy.accuracy=0.0")
    # matched to cardiology at Wed 09:30; screened 15 min there; re-routed 4 h later
    assert rec.matched_line.tolist() == [CARD]
    assert rec.first_match_h.tolist() == approx([day(2, 9.5)])
    assert rec.screen_end_h.tolist() == approx([day(2, 9.75)])
    assert rec.match_h.tolist() == approx([day(2, 13.75)])
    assert rec.review_end_h.tolist() == approx([day(2, 14.75)])


def test_patients_leave_the_referral_cycle_only_when_it_outlasts_their_patience():
    rows = [(day(0, 9), ONC, SELF, URGENT), (day(0, 9.25), CARD, SELF, ROUTINE)]
    rec = run(rows, "abandonment={referral: {default: {dist: fixed, value: 30, unit: hours},"
                    " by_priority: {urgent: {dist: fixed, value: 48, unit: hours}}}}")
    # the urgent case's cycle lasts exactly its patience (09:30 Mon to 09:30 Wed): it stays
    assert rec.referral_end_h.tolist() == approx([day(2, 9.5), NAN])
    assert rec.review_end_h.tolist() == approx([day(2, 10.5), NAN])
    # the routine one (coordinator 09:30-10:00, cycle to Wed 10:00 = 48 h) gives up after 30
    assert rec.abandon_stage.tolist() == [-1, REFERRAL]
    assert rec.abandoned_h.tolist() == approx([NAN, 10 + 30])
    assert np.isnan(rec.first_match_h[1]) and rec.matched_line[1] == -1


def test_hybrid_checks_urgent_cases_and_corrects_their_match():
    rows = [(day(0, 9), ONC, SELF, URGENT), (day(0, 9.05), CARD, SELF, ROUTINE)]
    rec = run(rows, "triage.policy=hybrid")
    # one AI server, 6 min a case (24x7): 09:00-09:06, then 09:06-09:12; the AI is always
    # wrong. The urgent case is checked (12 min, 09:06-09:18) and corrected.
    assert rec.triage_seize_h.tolist() == approx([9, 9.1])
    assert rec.triage_end_h.tolist() == approx([9.1, 9.2])
    assert rec.check_seize_h.tolist() == approx([9.1, NAN])
    assert rec.check_end_h.tolist() == approx([9.3, NAN])
    assert rec.matched_line.tolist() == [ONC, ONC]
    assert rec.first_match_h.tolist() == approx([9.3, 9.2])
    # the unchecked routine case goes to oncology, is screened 15 min, re-routed after 4 h
    assert rec.screen_end_h.tolist() == approx([NAN, 9.45])
    assert rec.match_h.tolist() == approx([9.3, 13.45])
    assert rec.review_end_h.tolist() == approx([10.3, 14.45])


def test_a_second_checked_case_waits_for_the_checker():
    rows = [(day(0, 9), ONC, SELF, URGENT), (day(0, 9.02), CARD, SELF, URGENT)]
    rec = run(rows, "triage.policy=hybrid")
    # AI 09:00-09:06 and 09:06-09:12; checks 09:06-09:18, then 09:18-09:30
    assert rec.check_seize_h.tolist() == approx([9.1, 9.3])
    assert rec.check_end_h.tolist() == approx([9.3, 9.5])
    assert rec.first_match_h.tolist() == approx([9.3, 9.5])


THREE_CLASSES = ("priorities={stat: {}, urgent: {}, routine: {}}",
                 "demand.mix.priority={stat: 0.2, urgent: 0.3, routine: 0.5}")
# codes 0 stat, 1 urgent, 2 routine: a routine case takes the free server at 09:00, then a
# routine, an urgent and a stat case queue; they are served stat, urgent, routine
ARRIVING = [(day(0, 9), ONC, SELF, 2), (day(0, 9.01), ONC, SELF, 2),
            (day(0, 9.02), CARD, SELF, 1), (day(0, 9.03), CARD, SELF, 0)]


def test_each_priority_class_waits_for_the_ai_in_its_own_place():
    rec = run(ARRIVING, "triage.policy=ai", "triage.ai.accuracy=1.0", *THREE_CLASSES)
    # one AI server, 6 min a case
    assert rec.triage_seize_h.tolist() == approx([9, 9.3, 9.2, 9.1])
    assert rec.triage_end_h.tolist() == approx([9.1, 9.4, 9.3, 9.2])


def test_each_priority_class_waits_for_the_referral_coordinator_in_its_own_place():
    rec = run(ARRIVING, *THREE_CLASSES)  # one coordinator, 30 min a case
    assert rec.triage_seize_h.tolist() == approx([9, 10.5, 10, 9.5])


def test_each_priority_class_waits_for_the_checker_in_its_own_place():
    rec = run(ARRIVING, "triage.policy=hybrid", "triage.ai.servers=null",
              "triage.hybrid.check.fraction=1.0", *THREE_CLASSES)
    # AI done at 09:06, 09:06.6, ...; one checker, 12 min a case, from 09:06
    assert rec.check_seize_h.tolist() == approx([9.1, 9.7, 9.5, 9.3])


def test_hybrid_check_without_correction_leaves_the_match_wrong():
    rec = run([(day(0, 9), ONC, SELF, URGENT)], "triage.policy=hybrid",
              "triage.hybrid.correction=0.0")
    assert rec.check_end_h.tolist() == approx([9.3])
    assert rec.matched_line.tolist() == [CARD]
    assert rec.match_h.tolist() == approx([9.3 + 0.25 + 4])


def test_cases_ai_does_not_triage_go_to_the_referral_coordinators():
    rows = [(day(0, 9), ONC, INSURER, ROUTINE), (day(0, 9), CARD, SELF, ROUTINE)]
    rec = run(rows, "triage.policy=ai", "triage.ai.servers=null", "triage.ai.accuracy=1.0",
              "triage.ai_share=0.5", uses_ai=np.array([True, False]),
              ai_h=np.array([0.1, 0.0]), handling_h=np.array([0.0, 0.5]),
              cycle_h=np.array([0.0, 18.0]))  # whom AI triages is drawn: set it here
    # AI (unlimited): 09:00-09:06, pre-auth 1 business day -> Tue 09:06
    # referral: coordinator 09:00-09:30, cycle -> Wed 09:30
    assert rec.triage_end_h.tolist() == approx([9.1, 9.5])
    assert rec.referral_end_h.tolist() == approx([NAN, day(2, 9.5)])
    assert rec.auth_end_h.tolist() == approx([day(1, 9.1), day(2, 9.5)])
    assert rec.review_end_h.tolist() == approx([day(1, 10.1), day(2, 10.5)])


# ------------------------------------------------ computed up front (sim.engine.triage.front_end)
UNLIMITED_AI = ("triage.policy=ai", "triage.ai.servers=null", "triage.ai.calendar=business",
                "triage.ai.accuracy=1.0")


def test_unlimited_ai_on_a_business_calendar_is_computed_up_front():
    rows = [(day(0, 16.95), CARD, INSURER, ROUTINE),  # Monday 16:57
            (day(4, 16), ONC, SELF, ROUTINE),  # Friday 16:00
            (day(5, 10), ONC, SELF, ROUTINE)]  # Saturday 10:00
    rec = run(rows, *UNLIMITED_AI)
    # 6 min of AI work: 16:57-17:00 + Tue 08:00-08:03; Fri 16:00-16:06; Mon 08:00-08:06.
    # pre-auth 9 working h from Tue 08:03: Tue 8.95 h + Wed 0.05 h -> Wed 08:03
    assert rec.triage_seize_h.tolist() == approx([16.95, day(4, 16), day(5, 10)])
    assert rec.triage_start_h.tolist() == approx([16.95, day(4, 16), day(7, 8)])
    assert rec.triage_end_h.tolist() == approx([day(1, 8.05), day(4, 16.1), day(7, 8.1)])
    assert rec.first_match_h.tolist() == rec.triage_end_h.tolist()
    assert rec.match_h.tolist() == rec.triage_end_h.tolist()
    assert rec.matched_line.tolist() == [CARD, ONC, ONC]
    assert rec.auth_end_h.tolist() == approx([day(2, 8.05), day(4, 16.1), day(7, 8.1)])
    assert rec.review_end_h.tolist() == approx([day(2, 9.05), day(4, 17.1), day(7, 9.1)])


def test_instant_ai_starts_and_ends_when_the_records_are_complete():
    rec = run([(day(5, 10), ONC, SELF, ROUTINE)], *UNLIMITED_AI,
              "triage.ai.service={dist: fixed, value: 0, unit: minutes}")
    # no work to do: it does not wait for Monday's opening
    assert rec.triage_start_h.tolist() == rec.triage_end_h.tolist() == [day(5, 10)]


def test_a_wrong_match_computed_up_front_is_only_matched_after_rerouting():
    rec = run([(day(0, 9), ONC, SELF, ROUTINE)], *UNLIMITED_AI, "triage.ai.accuracy=0.0")
    assert rec.matched_line.tolist() == [CARD]
    assert rec.first_match_h.tolist() == approx([9.1])
    assert rec.match_h.tolist() == approx([9.1 + 0.25 + 4])  # screened 15 min, re-routed 4 h


def test_nothing_is_matched_at_or_after_the_horizon():
    horizon = 35 * 24.0
    rows = [(horizon - 1, ONC, SELF, ROUTINE), (horizon - 0.5, CARD, SELF, ROUTINE)]
    rec = run(rows, *UNLIMITED_AI, "triage.ai.calendar=24x7",
              "triage.ai.service={dist: fixed, value: 30, unit: minutes}")
    # the second case's triage ends exactly at the horizon: it is never matched, and the run,
    # which ends there, records its end as not reached (NaN)
    assert rec.triage_end_h.tolist() == approx([horizon - 0.5, NAN])
    assert rec.matched_line.tolist() == [ONC, -1]


def test_a_pre_authorisation_shorter_than_an_hour_still_delays_the_case():
    rows = [(day(0, 9), ONC, INSURER, ROUTINE), (day(0, 9), CARD, SELF, ROUTINE)]
    rec = run(rows, *UNLIMITED_AI,
              "payers.insurer.preauth.delay={dist: fixed, value: 30, unit: minutes}")
    assert rec.auth_end_h.tolist() == approx([9.6, 9.1])  # 09:06 + 30 min; no pre-auth


def test_hybrid_with_unlimited_ai_still_checks_cases():
    rows = [(day(0, 9), ONC, SELF, URGENT), (day(0, 9), CARD, SELF, ROUTINE)]
    rec = run(rows, "triage.policy=hybrid", "triage.ai.servers=null")
    # both finish AI at 09:06; only the urgent one is checked (09:06-09:18) and corrected
    assert rec.triage_end_h.tolist() == approx([9.1, 9.1])
    assert rec.check_end_h.tolist() == approx([9.3, NAN])
    assert rec.matched_line.tolist() == [ONC, ONC]
