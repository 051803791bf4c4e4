"""The case journey: stage order, routing rules, misroutes and where the time goes."""

import numpy as np
import pytest

import sim
from sim.core.streams import Streams
from sim.engine.demand import generate_cases
from sim.engine.draws import draw
from sim.engine.plan import build_plan


@pytest.fixture(scope="module")
def results():
    from tests.engine.conftest import BASE

    s = sim.loading.scenario_from_text(BASE)
    return sim.run(s, replications=2)


def test_timestamps_are_in_journey_order(results):
    c = results.cases
    order = ["arrival_h", "intake_end_h", "first_match_h", "auth_end_h", "queue_h", "seize_h",
             "review_start_h", "review_end_h"]
    for a, b in zip(order, order[1:], strict=False):
        both = c[a].notna() & c[b].notna()
        assert (c.loc[both, a] <= c.loc[both, b] + 1e-9).all(), (a, b)


def test_stages_add_up_to_time_to_opinion(results):
    k = results.kpis
    stages = k[[col for col in k.columns if col.startswith("stage_h.")]].sum(axis=1)
    np.testing.assert_allclose(stages, k["time_to_opinion_h.mean"], rtol=1e-9)


def test_payer_coverage_and_subspecialty_routing(results):
    c = results.cases
    routed = c["pool"].notna()
    assert (c.loc[routed & (c["payer"] == "medicare"), "pool"] == "in_house").all()
    # sarcoma is staffed only in-house: every sarcoma case goes there (cross-institutional)
    assert (c.loc[routed & (c["service_line"] == "oncology/sarcoma"), "pool"] == "in_house").all()
    # overflow sends some commercial cases out
    assert (c.loc[routed & (c["payer"] == "commercial"), "pool"] == "outsourced").any()


def test_misrouted_cases_are_screened_then_rerouted(results):
    c = results.cases
    mis = c[c["misrouted"] & c["review_end_h"].notna()]
    assert len(mis) > 0
    assert mis["screen_queue_h"].notna().all()
    assert (mis["screen_end_h"] <= mis["reroute_end_h"]).all()
    assert (mis["match_h"] == mis["reroute_end_h"]).all()
    ok = c[~c["misrouted"] & c["match_h"].notna()]
    assert (ok["match_h"] == ok["first_match_h"]).all()
    share = results.kpis["misrouted_share"].mean()
    assert 0.08 < share < 0.22  # accuracy 0.85


def test_urgent_cases_wait_less_than_routine(results):
    c = results.cases[~results.cases["warmup"]]
    wait = c.groupby("priority", observed=True)["specialist_wait_h"].mean()
    assert wait["urgent"] < wait["routine"]


def test_in_house_reviews_only_in_working_hours(results):
    c = results.cases
    inh = c[(c["pool"] == "in_house") & c["review_start_h"].notna()]
    hour = inh["review_start_h"] % 24
    weekday = (inh["review_start_h"] // 24).astype(int) % 7  # 2026-01-05 is a Monday
    assert ((hour >= 8 - 1e-9) & (hour < 17) & (weekday < 5)).all()


@pytest.mark.parametrize("policy", ["in_house_first", "outsourced_first", "by_channel"])
def test_routing_policies(make_scenario, policy):
    extra = ["routing.by_channel={online_portal: outsourced, in_person: in_house}"] \
        if policy == "by_channel" else []
    s = make_scenario(f"routing.policy={policy}", "simulation.horizon_days=20", *extra)
    c = sim.run(s).cases
    routed = c[c["pool"].notna() & (c["payer"] == "commercial") &
               (c["service_line"] != "oncology/sarcoma")]
    if policy == "in_house_first":
        assert (routed["pool"] == "in_house").all()
    elif policy == "outsourced_first":
        assert (routed["pool"] == "outsourced").all()
    else:
        assert (routed["pool"] == np.where(routed["channel"] == "online_portal",
                                           "outsourced", "in_house")).all()


def test_wrong_line_is_never_the_true_line(make_scenario):
    plan = build_plan(make_scenario("demand.cases_per_year=50000"))
    st = Streams(2)
    cases = generate_cases(plan, st.rng("arrivals"), st.rng("attributes"))
    d = draw(plan, cases, st)
    assert np.all(d.wrong_line != cases.line)
    assert abs(d.correct.mean() - 0.85) < 0.01


def test_hybrid_checks_urgent_cases_and_corrects_some(make_scenario):
    ai = sim.run(make_scenario("simulation.horizon_days=30")).cases
    hy = sim.run(make_scenario("simulation.horizon_days=30", "triage.policy=hybrid")).cases
    urgent = hy["priority"] == "urgent"
    done = hy["first_match_h"].notna()
    assert hy.loc[urgent & done, "hybrid_checked"].all()
    assert hy["misrouted"].mean() < ai["misrouted"].mean()


def test_every_run_fails_loudly_if_cases_go_missing(make_scenario):
    from sim.engine.model import simulate
    from sim.outputs.kpis import ConservationError
    from sim.outputs.results import Results

    plan = build_plan(make_scenario("simulation.horizon_days=20"))
    rep = simulate(plan, 1)
    assert len(Results(plan, [rep], 1).kpis) == 1  # consistent: no error
    done = np.flatnonzero(~np.isnan(rep.records.review_end_h) &
                          (rep.records.review_end_h < plan.horizon_h))
    rep.records.review_end_h[done[0]] = np.nan  # an opinion the records lost
    with pytest.raises(ConservationError, match="journeys began"):
        _ = Results(plan, [rep], 1).kpis


def test_every_run_checks_littles_law(make_scenario):
    from sim.engine.model import simulate
    from sim.outputs.kpis import ConservationError
    from sim.outputs.results import Results

    plan = build_plan(make_scenario("simulation.horizon_days=20"))
    rep = simulate(plan, 1)
    waited = np.flatnonzero(rep.records.seize_h - rep.records.queue_h > 0.5)
    rep.records.seize_h[waited[0]] -= 0.25  # a wait shorter than the engine saw
    with pytest.raises(ConservationError, match="Little's law"):
        _ = Results(plan, [rep], 1).kpis


@pytest.mark.parametrize("policy", ["ai", "hybrid"])
def test_ai_adoption_share_splits_cases_between_ai_and_referral(make_scenario, policy):
    full = sim.run(make_scenario("simulation.horizon_days=40", f"triage.policy={policy}")).cases
    part = sim.run(make_scenario("simulation.horizon_days=40", f"triage.policy={policy}",
                                 "triage.ai_share=0.6")).cases
    # adoption draws from its own stream: arrivals and attributes do not move
    np.testing.assert_array_equal(full["arrival_h"], part["arrival_h"])
    np.testing.assert_array_equal(full["service_line"], part["service_line"])
    share = (part["triaged_by"] == "ai").mean()
    assert abs(share - 0.6) < 0.03
    legacy = part[part["triaged_by"] == "coordinator"]
    assert legacy["referral_end_h"].notna().any()
    assert legacy["check_seize_h"].isna().all()
    ai = part[(part["triaged_by"] == "ai") & part["first_match_h"].notna()]
    assert ai["referral_end_h"].isna().all()
    m = part["time_to_match_h"]
    assert m[part["triaged_by"] == "coordinator"].mean() > 3 * m[part["triaged_by"] == "ai"].mean()
    ev = sim.run(make_scenario("simulation.horizon_days=10", f"triage.policy={policy}",
                               "triage.ai_share=0.5")).events
    assert set(ev.loc[ev["activity"] == "triage", "resource"]) == {"ai", "coordinator"}
