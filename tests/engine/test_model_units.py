"""Small, exact checks of the case journey (fast: they also serve mutation testing)."""

from __future__ import annotations

import numpy as np
import yaml

from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from tests.outputs.test_invariants import LOADED
from tests.validation.conftest import single_pool

MISROUTES = {
    "policy": "ai",
    "ai": {"servers": None, "accuracy": 0.6,
           "service": {"dist": "fixed", "value": 6, "unit": "minutes"}},
    "misroute": {"detection": {"dist": "fixed", "value": 20, "unit": "minutes"},
                 "reroute_delay": {"dist": "fixed", "value": 1, "unit": "hours"}},
}


def _plan(doc):  # noqa: ANN001, ANN202
    return build_plan(scenario_from_text(doc if isinstance(doc, str) else yaml.safe_dump(doc)))


def test_replication_defaults_to_0_and_every_draw_depends_on_the_seed() -> None:
    plan = _plan(LOADED)
    first, again = simulate(plan, 1), simulate(plan, 1, 0)
    np.testing.assert_array_equal(first.records.review_end_h, again.records.review_end_h)
    assert (first.index, first.seed) == (0, 1)
    for other in (simulate(plan, 1, 1), simulate(plan, 2, 0)):
        assert len(other.cases) != len(first.cases) or \
            not np.array_equal(other.cases.arrival_h, first.cases.arrival_h)


def test_misrouted_cases_are_screened_then_rerouted_on_the_clock() -> None:
    """24x7 pools, delays in hours: screening is 20 minutes, re-routing exactly 1 hour."""
    doc = single_pool(lam=2.0, servers={"oncology": 4, "cardiology": 3},
                      specialty={"oncology": 0.6, "cardiology": 0.4}, horizon_days=10,
                      warmup_days=1, triage=MISROUTES)
    # by channel: the channel travels with the case through the re-route
    doc["routing"] = {"policy": "by_channel", "by_channel": {"online": "outsourced"}}
    plan = _plan(doc)
    rep = simulate(plan, 3)
    r = rep.records
    mis = np.flatnonzero(~np.isnan(r.review_end_h) & (r.screen_queue >= 0))
    assert len(mis) > 50
    np.testing.assert_allclose(r.screen_end_h[mis] - r.screen_start_h[mis], 20 / 60, atol=1e-9)
    np.testing.assert_allclose(r.reroute_end_h[mis] - r.screen_end_h[mis], 1.0, atol=1e-9)
    np.testing.assert_array_equal(r.match_h[mis], r.reroute_end_h[mis])
    np.testing.assert_array_equal(r.queue_h[mis], r.match_h[mis])
    # the screen happens in the wrong specialty's queue, the review in the right one
    wrong = np.asarray([plan.queues[q].line for q in r.screen_queue[mis]])
    right = np.asarray([plan.queues[q].line for q in r.queue[mis]])
    assert (wrong != right).all() and (right == rep.cases.line[mis]).all()
    ok = np.flatnonzero(~np.isnan(r.review_end_h) & (r.screen_queue < 0))
    np.testing.assert_allclose(r.queue_h[ok] - rep.cases.arrival_h[ok], 0.1, atol=1e-9)
    # the engine's end state: what the timestamps say is waiting and in service at the end
    horizon = plan.horizon_h
    for q in plan.queues:
        rows, srows = r.queue == q.index, r.screen_queue == q.index
        waiting = np.count_nonzero(r.queue_h[rows] < horizon) - np.count_nonzero(
            r.seize_h[rows] < horizon) + np.count_nonzero(
            r.screen_queue_h[srows] < horizon) - np.count_nonzero(r.screen_seize_h[srows] < horizon)
        held = np.count_nonzero(r.seize_h[rows] < horizon) - np.count_nonzero(
            r.review_end_h[rows] < horizon) + np.count_nonzero(
            r.screen_seize_h[srows] < horizon) - np.count_nonzero(r.screen_end_h[srows] < horizon)
        assert rep.counts.end_state[q.index] == (waiting, held)
    assert rep.counts.finished == np.count_nonzero(r.review_end_h < horizon)
    assert rep.counts.started + rep.counts.pending == len(rep.cases)


def test_preauthorisation_shorter_than_an_hour_is_waited_for() -> None:
    """Contended triage (2 AI slots): the journey itself waits a 30-minute pre-authorisation."""
    triage = {"policy": "ai", "ai": {"servers": 2, "accuracy": 1.0,
                                     "service": {"dist": "fixed", "value": 6, "unit": "minutes"}}}
    doc = single_pool(lam=1.0, servers=3, horizon_days=5, warmup_days=1, triage=triage)
    doc["payers"] = {"self": {"preauth": {"delay": {"dist": "fixed", "value": 30,
                                                    "unit": "minutes"}}}}
    rep = simulate(_plan(doc), 4)
    r = rep.records
    done = ~np.isnan(r.review_end_h)
    assert done.sum() > 50
    np.testing.assert_allclose((r.auth_end_h - r.first_match_h)[done], 0.5, atol=1e-9)


def test_a_case_ready_exactly_at_the_horizon_never_starts() -> None:
    """Records complete at the horizon itself: pending, not begun (the run stops first)."""
    from sim.core.streams import Streams
    from sim.engine.demand import Cases
    from sim.engine.draws import draw
    from sim.engine.model import Model

    doc = single_pool(lam=1.0, servers=1, horizon_days=1, warmup_days=0)
    doc["intake"] = {"digital": {"dist": "fixed", "value": 1, "unit": "hours"},
                     "paper": {"dist": "fixed", "value": 1, "unit": "hours"},
                     "digital_share": {"online": 1.0}}
    plan = _plan(doc)
    n = 3
    cases = Cases(arrival_h=np.array([1.0, 22.5, 23.0]), line=np.zeros(n, np.int32),
                  specialty=np.zeros(n, np.int32), channel=np.zeros(n, np.int32),
                  payer=np.zeros(n, np.int32), priority=np.ones(n, np.int32))
    model = Model(plan, cases, draw(plan, cases, Streams(1, 0)))
    model.run()
    assert (model.started, model.pending) == (2, 1)  # ready at 2.0, 23.5, and 24.0 = horizon


def test_unlimited_ai_for_a_share_of_cases_works_each_case_at_once() -> None:
    """AI of unlimited capacity for 60% of cases (the rest by coordinators): no AI wait."""
    triage = {"policy": "ai", "ai_share": 0.6,
              "ai": {"servers": None, "accuracy": 1.0,
                     "service": {"dist": "fixed", "value": 6, "unit": "minutes"}},
              "legacy": {"coordinators": 1, "accuracy": 1.0,
                         "handling": {"dist": "fixed", "value": 5, "unit": "minutes"},
                         "referral_cycle": {"dist": "fixed", "value": 2, "unit": "hours"},
                         "calendar": "24x7"}}
    doc = single_pool(lam=2.0, servers=4, horizon_days=5, warmup_days=1, triage=triage)
    rep = simulate(_plan(doc), 6)
    r, ai = rep.records, rep.draws.uses_ai
    done = ~np.isnan(r.triage_end_h)
    assert (done & ai).sum() > 50 and (done & ~ai).sum() > 30
    # taken the moment its records are complete, each at its own time
    np.testing.assert_array_equal(r.triage_seize_h[done & ai], rep.draws.intake_end_h[done & ai])
    np.testing.assert_array_equal(r.triage_start_h[done & ai], r.triage_seize_h[done & ai])
    np.testing.assert_allclose((r.triage_end_h - r.triage_seize_h)[done & ai], 0.1, atol=1e-9)
