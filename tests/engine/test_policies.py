"""Policies as objects: each registry's classes, what they answer, and that no code outside
the registries tests a policy's name.

The simulation and the capacity check both ask the compiled policy
(:mod:`sim.engine.policies`); these tests pin each class's answers by hand and hold the
router's per-case choice and the capacity check's first choice to the same policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.engine.plan import build_plan
from sim.engine.policies.priority import PRIORITY, compile_priorities
from sim.engine.policies.routing import ROUTING, compile_routing, kinds_split
from sim.engine.policies.triage import TRIAGE, compile_triage
from sim.engine.policies.when_full import WHEN_FULL, compile_cap
from sim.scenario.models import Routing
from sim.scenario.priorities import PriorityClass
from sim.scenario.triage import Triage

SIM = Path(__file__).resolve().parents[2] / "sim"
REGISTRIES = SIM / "engine" / "policies"


def test_every_schema_name_has_a_class() -> None:
    """The schema's Literal names and the registries agree, both ways."""
    from typing import get_args

    assert set(ROUTING) == set(get_args(Routing.model_fields["policy"].annotation))
    assert set(TRIAGE) == set(get_args(Triage.model_fields["policy"].annotation))
    from sim.scenario.contracts import Contract
    assert set(WHEN_FULL) == set(get_args(Contract.model_fields["when_full"].annotation))
    assert set(PRIORITY) == {"strict", "trunk_reservation", "yielding_reservation"}


def test_no_policy_name_tested_outside_the_registries() -> None:
    """``policy == "..."`` (or ``!=``, ``in (...)``) only inside sim/engine/policies."""
    pattern = re.compile(r"""\.(policy|when_full)\s*(==|!=|\bin\b)""")
    found = [f"{p.relative_to(SIM.parent)}:{k}: {line.strip()}"
             for p in SIM.rglob("*.py") if REGISTRIES not in p.parents
             and p != SIM / "scenario" / "triage.py"  # the schema's validator: which
             # sections a policy needs
             for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, "policy names tested outside the registries:\n" + "\n".join(found)


@pytest.mark.parametrize(("settings", "want"), [
    ({"policy": "in_house_first"}, ("in_house", False)),
    ({"policy": "outsourced_first"}, ("outsourced", False)),
    ({"policy": "overflow"}, ("in_house", True)),
    ({"policy": "by_channel", "by_channel": {"web": "outsourced"}}, ("outsourced", False)),
])
def test_routing_preference(settings: dict, want: tuple[str, bool]) -> None:
    policy = compile_routing(Routing.model_validate(settings))
    assert policy.name == settings["policy"]
    assert policy.preference("any payer", "web") == want


def test_first_choice_falls_back_and_spills_only_when_allowed() -> None:
    overflow = compile_routing(Routing(policy="overflow"))
    first = compile_routing(Routing(policy="outsourced_first"))
    assert overflow.first_choice((0, 2), (1,), "p", "c") == ((0, 2), (1,))
    assert overflow.first_choice((), (1,), "p", "c") == ((1,), ())  # no in-house: no spill
    assert first.first_choice((0,), (1, 3), "p", "c") == ((1, 3), ())
    assert first.first_choice((0,), (), "p", "c") == ((0,), ())
    assert kinds_split([0, 1, 2], ["in_house", "outsourced", "in_house"]) == ((0, 2), (1,))


def test_by_channel_names_every_channel(make_scenario) -> None:  # noqa: ANN001
    """The policy's own check runs when a scenario is loaded (sim.loading)."""
    from sim.scenario import ScenarioError

    s = make_scenario("routing.policy=by_channel",
                      "routing.by_channel={online_portal: outsourced, in_person: in_house}")
    assert ROUTING["by_channel"].findings(s) == []
    partial = s.model_copy(update={"routing": Routing(policy="by_channel",
                                                      by_channel={"online_portal": "outsourced"})})
    [(path, message)] = ROUTING["by_channel"].findings(partial)
    assert path == ("routing", "by_channel") and "in_person" in message
    with pytest.raises(ScenarioError, match="no pool kind for channel 'in_person'"):
        make_scenario("routing.policy=by_channel", "routing.by_channel={online_portal: outsourced}")


@pytest.mark.parametrize("policy", sorted(ROUTING))
def test_router_and_capacity_check_share_the_first_choice(make_scenario, policy: str) -> None:  # noqa: ANN001
    """With every queue free and nothing capped, the router's choice is a first choice of
    the capacity check, for every case type and channel."""
    from tests.engine.test_routing_units import _router_with

    extra = ["routing.by_channel={online_portal: outsourced, in_person: in_house}"] \
        if policy == "by_channel" else []
    plan = build_plan(make_scenario(f"routing.policy={policy}", *extra))
    router, _ = _router_with(plan, {})
    kind = [plan.pool_kinds[q.pool] for q in plan.queues]
    for (line, payer, c), queues in plan.routes.items():
        if not queues:
            continue
        first, _ = plan.routing.first_choice(*kinds_split(queues, kind), plan.payers[payer],
                                             plan.channels[c])
        assert router.choose(line, payer, c, 1, 0.0) in first


@pytest.mark.parametrize(("policy", "triages", "ai", "checks", "coordinators"), [
    ("direct", False, 0.0, False, 0.0),
    ("legacy", True, 0.0, False, 1.0),
    ("ai", True, 0.75, False, 0.25),
    ("hybrid", True, 0.75, True, 0.25),
])
def test_triage_policies(policy: str, triages: bool, ai: float, checks: bool,
                         coordinators: float) -> None:
    t = Triage.model_validate({
        "policy": policy, "ai_share": 0.75, "ai": {"accuracy": 0.8, "servers": 2},
        "legacy": {"coordinators": 2, "handling": {"dist": "fixed", "value": 5, "unit": "minutes"},
                   "referral_cycle": {"dist": "fixed", "value": 1, "unit": "days"},
                   "accuracy": 0.9},
        "hybrid": {"coordinators": 1, "handling": {"dist": "fixed", "value": 5, "unit": "minutes"},
                   "check": {"urgent": True, "low_confidence": False}}})
    p = compile_triage(t)
    assert (p.triages, p.ai_share, p.checks, p.coordinator_share) == (triages, ai, checks,
                                                                      coordinators)
    want_accuracy = {"direct": 1.0, "legacy": 0.9}.get(policy, 0.75 * 0.8 + 0.25 * 0.9)
    assert p.accuracy() == pytest.approx(want_accuracy)
    loads = {label: share for label, _, share in p.loads(first_class_share=0.2)}
    want_loads = {"direct": {}, "legacy": {"triage/coordinators": 1.0},
                  "ai": {"triage/ai": 0.75, "triage/coordinators": 0.25},
                  "hybrid": {"triage/ai": 0.75, "triage/check": 0.75 * 0.2,
                             "triage/coordinators": 0.25}}[policy]
    assert loads == pytest.approx(want_loads)
    assert not p.computed_up_front(np.ones(3, dtype=bool))  # 2 AI servers: contended


def test_unlimited_ai_for_everyone_is_computed_up_front() -> None:
    p = compile_triage(Triage(policy="ai", ai={"accuracy": 0.9}))
    assert p.computed_up_front(np.ones(3, dtype=bool))
    assert not p.computed_up_front(np.array([True, False, True]))


def test_priority_policies() -> None:
    strict = compile_priorities(None, 72.0)
    assert strict.name == "strict" and strict.names == ("urgent", "routine")
    assert strict.reserve("in_house", 4) == [0, 0] and strict.sla_hours() == {
        "urgent": 72.0, "routine": 72.0}
    trunk = compile_priorities({"a": PriorityClass(reserve={"p": 2}, time_to_opinion_hours=24),
                                "b": PriorityClass(reserve={"p": 1}), "c": PriorityClass()},
                               72.0)
    assert trunk.name == "trunk_reservation"
    assert trunk.reserve("p", 10) == [0, 2, 3] and trunk.reserve("p", 3) == [0, 2, 2]
    assert trunk.sla_hours() == {"a": 24, "b": 72.0, "c": 72.0}


def test_when_full_policies() -> None:
    assert compile_cap(None, "queue") is None
    cap = compile_cap(10, "overflow")
    assert cap.per_week == 10 and cap.when_full.overflows
    assert not compile_cap(10, "queue").when_full.overflows
