"""Drop-out: patients who give up at each stage, counted apart, with their own random stream."""

import numpy as np
import pytest
import yaml

import sim
from sim.core.streams import Streams
from sim.engine.demand import generate_cases
from sim.engine.draws import draw
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from tests.engine.conftest import BASE

DROPOUT = {
    "records": {"default": {"dist": "exponential", "mean": 3, "unit": "days"}},
    "referral": {"default": {"dist": "exponential", "mean": 8, "unit": "days"}},
    "specialist": {"default": {"dist": "exponential", "mean": 12, "unit": "hours"},
                   "by_priority": {"urgent": {"dist": "fixed", "value": 1, "unit": "hours"}},
                   "by_channel": {"in_person": {"dist": "exponential", "mean": 6,
                                                "unit": "hours"}}},
}


def _scenario(policy: str = "ai", dropout: dict | None = None, **sets: object):
    doc = yaml.safe_load(BASE)
    doc["triage"]["policy"] = policy
    if dropout is not None:
        doc["abandonment"] = dropout
    for key, value in sets.items():
        doc[key] = value
    return scenario_from_text(yaml.safe_dump(doc))


@pytest.fixture(scope="module", params=["ai", "legacy"])
def dropout_results(request):
    return sim.run(_scenario(request.param, DROPOUT), replications=2)


def test_every_arrival_is_delivered_abandoned_or_in_system(dropout_results):
    k = dropout_results.kpis  # the KPIs run the engine-vs-table conservation check
    assert (k["arrivals"] == k["delivered"] + k["abandoned"] + k["in_system_end"]).all()
    assert (k["abandoned"] > 0).all()
    stages = k[[f"abandoned_share.{s}" for s in ("records", "referral", "appointment",
                                                 "specialist")]].sum(axis=1)
    np.testing.assert_allclose(stages, k["abandoned_share"])


def test_abandoned_cases_left_when_their_patience_ran_out(dropout_results):
    c = dropout_results.cases
    gone = c[c["status"] == "abandoned"]
    assert gone["review_end_h"].isna().all() and gone["time_to_opinion_h"].isna().all()
    rec = gone[gone["abandoned_at"] == "records"]
    assert len(rec) and rec["intake_end_h"].isna().all() and rec["triage_seize_h"].isna().all()
    spec = gone[gone["abandoned_at"] == "specialist"]
    assert len(spec) and spec["seize_h"].isna().all()
    # urgent patience is a fixed hour: urgent cases that left the queue left after exactly 1 h
    urgent = spec[(spec["priority"] == "urgent") & spec["queue_h"].notna()]
    np.testing.assert_allclose(urgent["abandoned_h"] - urgent["queue_h"], 1.0, atol=1e-9)
    if (c["triaged_by"] == "coordinator").any():  # legacy: some give up in the referral cycle
        ref = gone[gone["abandoned_at"] == "referral"]
        assert len(ref) and ref["referral_end_h"].isna().all()
        assert (ref["abandoned_h"] > ref["triage_end_h"]).all()
    else:
        assert not (gone["abandoned_at"] == "referral").any()


def test_abandoned_cases_avoid_nothing():
    s = sim.load_scenario("scenarios/baseline.yaml", overrides=["simulation.horizon_days=90",
                                                                "simulation.replications=1"])
    s = s.model_copy(update={"abandonment": _scenario(dropout=DROPOUT).abandonment})
    res = sim.run(s, replications=1)
    gone = res.cases[res.cases["status"] == "abandoned"]
    assert len(gone) > 0
    assert not gone["procedure_avoided"].any()
    # an abandoned case has a bill for what was done (sim.outputs.economics.abandoned_costs),
    # but avoids nothing and pays nothing
    assert (gone["avoided_cost_usd"] == 0).all()
    assert (gone["paid_by_payer_usd"] == 0).all() and (gone["paid_by_patient_usd"] == 0).all()
    assert (gone["records_cost_usd"] > 0).all()
    k = res.kpis
    cohort = gone[~gone["warmup"]]
    assert k["money.procedures_unreviewed"].iloc[0] == cohort["procedure"].notna().sum() > 0


def test_dropout_moves_no_other_draw():
    """Adding drop-out changes no arrival, attribute, intake, triage, review or outcome draw."""
    plain, dropout = (build_plan(_scenario("legacy", d)) for d in (None, DROPOUT))
    a_cases = generate_cases(plain, Streams(3).rng("arrivals"), Streams(3).rng("attributes"))
    b_cases = generate_cases(dropout, Streams(3).rng("arrivals"), Streams(3).rng("attributes"))
    a, b = draw(plain, a_cases, Streams(3)), draw(dropout, b_cases, Streams(3))
    for name in ("arrival_h", "line", "channel", "payer", "priority"):
        np.testing.assert_array_equal(getattr(a_cases, name), getattr(b_cases, name))
    for name in ("intake_end_h", "cycle_h", "correct", "wrong_line", "auth_h", "review_h",
                 "screen_h", "reroute_h", "outcome"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.patience_h is None and b.patience_h.shape == (4, len(b_cases))
    # patience that never runs out changes no timeline (the reneging code path included)
    endless = {stage: {"default": {"dist": "fixed", "value": 1e6, "unit": "hours"}}
               for stage in ("records", "referral", "specialist")}
    ra, rb = simulate(plain, 3), simulate(build_plan(_scenario("legacy", endless)), 3)
    assert rb.counts.abandoned == 0
    for name in ("review_end_h", "seize_h", "referral_end_h", "screen_seize_h"):
        np.testing.assert_array_equal(getattr(ra.records, name), getattr(rb.records, name))


def test_without_the_section_nothing_changes():
    s = _scenario("ai")
    a, b = simulate(build_plan(s), 5), simulate(build_plan(_scenario("ai", None)), 5)
    np.testing.assert_array_equal(a.records.review_end_h, b.records.review_end_h)
    assert a.counts.abandoned == 0 and (a.records.abandon_stage == -1).all()
    res = sim.run(s, replications=1)
    assert "abandoned_h" not in res.cases
    assert list(res.cases["status"].cat.categories) == ["delivered", "in_system"]


@pytest.mark.parametrize(("patch", "message"), [
    ({"specialist": {"default": {"dist": "fixed", "value": 1, "unit": "business_days"}}},
     "elapsed time"),
    ({"specialist": {"by_channel": {"fax": {"dist": "fixed", "value": 1, "unit": "hours"}}}},
     "unknown channel 'fax'"),
    ({"records": {}}, "give a default"),
    ({"queue": {"default": {"dist": "fixed", "value": 1}}}, "queue"),
])
def test_bad_patience_is_refused(patch, message):
    with pytest.raises(sim.scenario.ScenarioError) as err:
        _scenario("ai", patch)
    assert message in str(err.value)
