"""Reachability and capacity with a payer's own specialty mix (demand.mix.specialty_by_payer).

A payer that brings only oncology cases must not be refused for lacking cardiologists, and
the capacity check must not book hours on a queue no case reaches.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.capacity.network import capacity_report, case_type_shares, unreachable_case_types
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.scenario import ScenarioError
from tests.validation.conftest import scenario, single_pool


def _doc(self_mix: dict | None) -> dict:
    doc = single_pool(lam=0.5, servers={"oncology": 2, "cardiology": 2},
                      specialty={"oncology": 0.5, "cardiology": 0.5}, horizon_days=60,
                      warmup_days=5)
    doc["demand"]["mix"]["payer"] = {"self": 0.5, "insured": 0.5}
    doc["payers"] = {"self": {"covers": ["onc_only"]}, "insured": {"covers": ["p"]}}
    doc["pools"]["onc_only"] = {"kind": "outsourced", "calendar": "24x7",
                                "specialists": {"oncology": 1, "cardiology": 1},
                                "review": {"dist": "exponential", "mean": 1, "unit": "hours"}}
    if self_mix is not None:
        doc["demand"]["mix"]["specialty_by_payer"] = {"self": self_mix}
    return doc


def test_a_payer_without_a_line_in_its_mix_needs_no_pool_for_it() -> None:
    doc = _doc({"oncology": 1.0})
    doc["pools"]["onc_only"]["specialists"] = {"oncology": 1}
    plan = build_plan(scenario(doc))  # valid: self pays only for oncology
    assert unreachable_case_types(plan) == []
    # the same payer with the shared mix does bring cardiology cases, and is refused
    with pytest.raises(ScenarioError, match="cardiology cases paid by self cannot reach"):
        scenario(_doc(None) | {"pools": doc["pools"]})


def test_case_type_shares_follow_each_payers_mix() -> None:
    plan = build_plan(scenario(_doc({"oncology": 0.9, "cardiology": 0.1})))
    shares = case_type_shares(plan)
    onc, card = plan.lines.index(plan.lines[0]), 1
    self_, insured = plan.payers.index("self"), plan.payers.index("insured")
    assert shares.sum() == pytest.approx(1.0)
    assert shares[onc, self_] == pytest.approx(0.45) and shares[card, self_] == pytest.approx(0.05)
    assert shares[onc, insured] == pytest.approx(0.25)


def test_no_hours_are_booked_on_a_queue_no_case_reaches() -> None:
    plan = build_plan(scenario(_doc({"oncology": 1.0})))
    report = capacity_report(plan).set_index("resource")
    assert report.loc["onc_only/cardiology", "offered_h_per_week"] == 0.0
    assert report.loc["onc_only/cardiology", "role"] == "unused"
    # oncology work: self's 0.25 cases/h + insured's 0.125 cases/h, 1 h each, 168 h a week
    assert report.loc["onc_only/oncology", "offered_h_per_week"] == pytest.approx(0.25 * 168)
    assert report.loc["p/oncology", "offered_h_per_week"] == pytest.approx(0.125 * 168)
    rep = simulate(plan, 3, 0)
    queue = next(q.index for q in plan.queues if q.name == "onc_only/cardiology")
    assert not np.any(rep.records.queue == queue)


def test_a_misroute_to_a_line_the_payer_cannot_reach_is_only_rerouted() -> None:
    """AI triage may match a self-pay case to cardiology, which no pool it covers staffs."""
    doc = _doc({"oncology": 1.0})
    doc["pools"]["onc_only"]["specialists"] = {"oncology": 2}
    doc["triage"] = {"policy": "ai", "ai": {"servers": None, "accuracy": 0.7,
                                            "service": {"dist": "fixed", "value": 1,
                                                        "unit": "minutes"}},
                     "misroute": {"detection": {"dist": "fixed", "value": 30, "unit": "minutes"},
                                  "reroute_delay": {"dist": "fixed", "value": 1,
                                                    "unit": "hours"}}}
    plan = build_plan(scenario(doc))
    rep = simulate(plan, 4, 0)  # used to stop with "min() arg is an empty sequence"
    r, c = rep.records, rep.cases
    self_ = c.payer == plan.payers.index("self")
    wrong = self_ & (r.matched_line != c.line)
    assert wrong.any() and (r.screen_queue[wrong] == -1).all()
    assert (r.queue[wrong & ~np.isnan(r.review_end_h)] >= 0).all()


@pytest.mark.parametrize("self_mix", [{"oncology": 1.0}, None])
def test_reachability_from_the_routes_is_the_graphs(self_mix: dict | None) -> None:
    """unreachable_case_types reads the routes (no networkx at load): the same answer as a
    path search in referral_graph, for a reachable and an unreachable case type."""
    import networkx as nx

    from sim.capacity.network import OPINION, referral_graph

    doc = _doc(self_mix)
    doc["pools"]["onc_only"]["specialists"] = {"oncology": 1}
    from sim.scenario import validate_scenario
    from sim.scenario.loader import Document

    plan = build_plan(validate_scenario(Document(file="<doc>", data=doc, lines={})))
    g, shares = referral_graph(plan), case_type_shares(plan)
    by_graph = [(plan.lines[ln].name, plan.payers[k]) for (ln, k) in plan.routes
                if shares[ln, k] > 0 and not nx.has_path(g, ("case", ln, k), OPINION)]
    assert unreachable_case_types(plan) == by_graph
    assert bool(by_graph) == (self_mix is None)
