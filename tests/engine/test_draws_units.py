"""Per-case random inputs (sim.engine.draws): the stream and column behind each input.

The module's contract: each named stream draws one row of uniforms per case, a fixed
column per input, and each duration is its distribution's quantile at that uniform. So
case ``i`` gets the same records delay, triage luck and review effort whatever else the
scenario changes (common random numbers), and no two inputs of a case share a uniform
(which would correlate, say, a fast AI with a right match). The expected values below are
recomputed from fresh copies of the streams, column by column; a wrong column, stream or
comparison changes them.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.calendar import delay_end
from sim.core.streams import Streams
from sim.engine.demand import Cases
from sim.engine.draws import OUTCOMES, _wrong_lines, draw
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text

TEXT = """
name: draws
simulation: {start: 2026-01-05, horizon_days: 60, warmup_days: 0, seed: 3}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 3000
  mix:
    specialty: {oncology: 0.5, cardiology: 0.25, neurology: 0.25}
    channel: {online: 0.6, courier: 0.4}
    payer: {insurer: 0.7, self: 0.3}
    priority: {urgent: 0.2, routine: 0.8}
priorities:
  urgent: {records_speedup: 2}
  routine: {}
intake:
  digital: {dist: uniform, low: 1, high: 9, unit: hours}
  paper: {dist: uniform, low: 1, high: 4, unit: business_days}
  digital_share: {online: 0.9, courier: 0.2}
triage:
  policy: hybrid
  ai_share: 0.7
  ai: {service: {dist: uniform, low: 1, high: 3, unit: minutes}, accuracy: 0.8}
  legacy: {coordinators: 2, handling: {dist: uniform, low: 5, high: 15, unit: minutes},
           referral_cycle: {dist: uniform, low: 5, high: 10, unit: business_days},
           accuracy: 0.9}
  hybrid: {coordinators: 1, handling: {dist: uniform, low: 20, high: 40, unit: minutes},
           check: {urgent: true, low_confidence: true, fraction: 0.1},
           flag_sensitivity: 0.7, flag_rate: 0.1, correction: 0.6}
  misroute: {detection: {dist: uniform, low: 10, high: 20, unit: minutes},
             reroute_delay: {dist: uniform, low: 2, high: 6, unit: hours}}
payers:
  insurer: {preauth: {delay: {dist: uniform, low: 1, high: 3, unit: business_days},
                      share: 0.4}}
  self: {}
pools:
  clinic: {kind: in_house, calendar: business, specialists: {oncology: 3, cardiology: 2,
           neurology: 2}, review: {dist: uniform, low: 1, high: 2, unit: hours},
           review_by_specialty: {neurology: {dist: uniform, low: 3, high: 5, unit: hours}}}
  remote: {kind: outsourced, calendar: 24x7, specialists: {oncology: 2, cardiology: 2,
           neurology: 2}, review: {dist: uniform, low: 0.5, high: 1, unit: hours}}
outcomes:
  oncology: {confirmed: 0.2, refined: 0.45, changed: 0.35}
  default: {confirmed: 0.5, refined: 0.3, changed: 0.2}
"""
SEED = 8
N = 4000


@pytest.fixture  # per test: mutmut maps a test to the functions it calls, fixtures included
def drawn():  # noqa: ANN201
    plan = build_plan(scenario_from_text(TEXT))
    rng = np.random.default_rng(1)
    specialty = rng.integers(0, 3, N).astype(np.int32)
    cases = Cases(arrival_h=np.sort(rng.uniform(0, 1000, N)), line=specialty.copy(),
                  specialty=specialty, channel=rng.integers(0, 2, N).astype(np.int32),
                  payer=rng.integers(0, 2, N).astype(np.int32),
                  priority=(rng.random(N) < 0.3).astype(np.int32) ^ 1)
    assert [ln.name for ln in plan.lines] == ["oncology", "cardiology", "neurology"]
    return plan, cases, draw(plan, cases, Streams(SEED)), Streams(SEED)


def uniform(low: float, high: float, u: np.ndarray) -> np.ndarray:
    """The quantile of a uniform distribution, written out."""
    return low + (high - low) * u


def test_records_stream(drawn) -> None:  # noqa: ANN001
    plan, c, d, fresh = drawn
    u = fresh.rng("intake").random((N, 2))
    digital = u[:, 0] < np.where(c.channel == 0, 0.9, 0.2)
    assert d.digital.dtype == bool and np.array_equal(d.digital, digital)
    fast = np.where(c.priority == 0, 2.0, 1.0)  # urgent records are fast-tracked
    paper = delay_end(c.arrival_h, uniform(9, 36, u[:, 1]) / fast, plan.calendars["business"])
    want = np.where(digital, c.arrival_h + uniform(1, 9, u[:, 1]) / fast, paper)
    np.testing.assert_allclose(d.intake_end_h, want, rtol=1e-12)


def test_triage_and_adoption_streams(drawn) -> None:  # noqa: ANN001
    plan, c, d, fresh = drawn
    uses_ai = fresh.rng("adoption").random(N) < 0.7
    u = fresh.rng("triage").random((N, 8))
    assert np.array_equal(d.uses_ai, uses_ai)
    np.testing.assert_allclose(d.ai_h, np.where(uses_ai, uniform(1, 3, u[:, 0]) / 60, 0.0))
    assert d.ai_h.dtype == float
    correct = u[:, 1] < np.where(uses_ai, 0.8, 0.9)
    assert np.array_equal(d.correct, correct)
    assert np.array_equal(d.wrong_line, _wrong_lines(plan, c.line, u[:, 2]))
    handling = np.where(uses_ai, uniform(20, 40, u[:, 3]), uniform(5, 15, u[:, 3])) / 60
    np.testing.assert_allclose(d.handling_h, handling)
    np.testing.assert_allclose(d.cycle_h, np.where(uses_ai, 0.0, uniform(45, 90, u[:, 4])))
    flagged = u[:, 5] < np.where(correct, 0.1, 0.7)
    checked = uses_ai & ((c.priority == 0) | flagged | (u[:, 6] < 0.1))
    assert np.array_equal(d.checked, checked)
    assert np.array_equal(d.corrected, u[:, 7] < 0.6)
    # every kind of check happens, so each column above matters
    assert (checked & (c.priority == 1) & ~flagged).any() and (checked & flagged).any()


def test_authorisation_stream(drawn) -> None:  # noqa: ANN001
    _, c, d, fresh = drawn
    u = fresh.rng("authorisation").random((N, 2))
    waits = (c.payer == 0) & (u[:, 0] < 0.4)  # only the insurer, for 40% of its cases
    np.testing.assert_allclose(d.auth_h, np.where(waits, uniform(9, 27, u[:, 1]), 0.0))


def test_review_stream(drawn) -> None:  # noqa: ANN001
    _, c, d, fresh = drawn
    u = fresh.rng("review").random((N, 3))
    neuro = c.specialty == 2
    np.testing.assert_allclose(d.review_h[0], np.where(neuro, uniform(3, 5, u[:, 0]),
                                                        uniform(1, 2, u[:, 0])))
    np.testing.assert_allclose(d.review_h[1], uniform(0.5, 1, u[:, 0]))
    np.testing.assert_allclose(d.screen_h, uniform(10, 20, u[:, 1]) / 60)
    np.testing.assert_allclose(d.reroute_h, uniform(2, 6, u[:, 2]))


def test_outcomes_stream(drawn) -> None:  # noqa: ANN001
    _, c, d, fresh = drawn
    u = fresh.rng("outcomes").random(N)
    onc = c.specialty == 0
    # oncology: confirmed below 0.2, refined below 0.65; the others: 0.5 and 0.8
    want = np.where(u < np.where(onc, 0.2, 0.5), 0, np.where(u < np.where(onc, 0.65, 0.8), 1, 2))
    assert np.array_equal(d.outcome, want)
    assert OUTCOMES == ("confirmed", "refined", "changed")


# ---------------------------------------------------------------- the wrong line of a misroute
def test_a_wrong_line_is_drawn_from_the_other_lines_in_proportion_to_their_share():
    plan = build_plan(scenario_from_text(TEXT))  # line shares 0.5, 0.25, 0.25
    line = np.asarray([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    u = np.asarray([0.0, 0.25, 0.5, 0.75, 0.0, 0.5, 0.8, 0.0, 0.5, 0.7])
    # line 0: u * 0.5 lands in cardiology's [0, .5) of the other lines' mass, then neurology
    # line 1: u * 0.75 < 0.5 is oncology, beyond is neurology; line 2: oncology below u = 2/3
    assert _wrong_lines(plan, line, u).tolist() == [1, 1, 2, 2, 0, 0, 2, 0, 0, 1]
    assert _wrong_lines(plan, line, u).dtype == np.int32


def test_with_two_lines_the_wrong_line_is_the_other_one():
    plan = build_plan(scenario_from_text(TEXT, overrides=[
        "demand.mix.specialty={oncology: 0.5, cardiology: 0.5}",
        "pools.clinic.specialists={oncology: 3, cardiology: 2}",
        "pools.remote.specialists={oncology: 2, cardiology: 2}",
        "pools.clinic.review_by_specialty={}"]))
    line = np.asarray([0, 1, 0, 1])
    assert _wrong_lines(plan, line, np.asarray([0.0, 0.0, 0.99, 0.99])).tolist() == [1, 0, 1, 0]


def test_with_one_line_no_case_can_be_misrouted():
    plan = build_plan(scenario_from_text(TEXT, overrides=[
        "demand.mix.specialty={oncology: 1.0}", "pools.clinic.specialists={oncology: 3}",
        "pools.remote.specialists={oncology: 2}", "pools.clinic.review_by_specialty={}"]))
    c = Cases(arrival_h=np.arange(50.0), line=np.zeros(50, dtype=np.int32),
              specialty=np.zeros(50, dtype=np.int32), channel=np.zeros(50, dtype=np.int32),
              payer=np.zeros(50, dtype=np.int32), priority=np.ones(50, dtype=np.int32))
    d = draw(plan, c, Streams(1))
    assert (d.wrong_line == 0).all() and d.correct.all()


def test_without_an_intake_section_records_are_digital_and_complete_on_arrival():
    plan = build_plan(scenario_from_text(TEXT, overrides=["intake=null"]))
    c = Cases(arrival_h=np.asarray([1.0, 30.5]), line=np.zeros(2, dtype=np.int32),
              specialty=np.zeros(2, dtype=np.int32), channel=np.asarray([0, 1], dtype=np.int32),
              payer=np.zeros(2, dtype=np.int32), priority=np.ones(2, dtype=np.int32))
    d = draw(plan, c, Streams(1))
    assert d.digital.dtype == bool and d.digital.all()
    assert d.intake_end_h.tolist() == [1.0, 30.5]


def test_appointment_waits_reach_the_draws():
    plan = build_plan(scenario_from_text(TEXT, overrides=[
        "appointments={courier: {dist: fixed, value: 20, unit: days}}"]))
    c = Cases(arrival_h=np.asarray([1.0, 2.0]), line=np.zeros(2, dtype=np.int32),
              specialty=np.zeros(2, dtype=np.int32), channel=np.asarray([0, 1], dtype=np.int32),
              payer=np.zeros(2, dtype=np.int32), priority=np.ones(2, dtype=np.int32))
    d = draw(plan, c, Streams(1))
    assert d.access is not None and d.access.appointment_h.tolist() == [0.0, 480.0]


def test_without_hybrid_triage_no_case_is_checked_or_corrected():
    plan = build_plan(scenario_from_text(TEXT, overrides=["triage.policy=ai"]))
    c = Cases(arrival_h=np.asarray([1.0, 2.0]), line=np.zeros(2, dtype=np.int32),
              specialty=np.zeros(2, dtype=np.int32), channel=np.zeros(2, dtype=np.int32),
              payer=np.zeros(2, dtype=np.int32), priority=np.zeros(2, dtype=np.int32))
    d = draw(plan, c, Streams(1))
    assert d.checked.dtype == d.corrected.dtype == bool
    assert not d.checked.any() and not d.corrected.any()
