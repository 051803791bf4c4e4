"""Routing by payer (``routing.policy: by_payer``): each payer's contract picks the pool kind.

Added as one class in :mod:`sim.engine.policies.routing` plus its schema entry: the router,
the capacity check and the loader's checks all come from the class.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.capacity.network import capacity_report
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.scenario import ScenarioError
from tests.engine.test_routing_units import _ids, _router_with

BY_PAYER = ["routing.policy=by_payer", "routing.by_payer={commercial: outsourced}"]


def test_listed_payers_get_their_kind_and_the_rest_overflow(make_scenario) -> None:  # noqa: ANN001
    plan = build_plan(make_scenario(*BY_PAYER, "routing.overflow_wait_hours=10"))
    assert plan.routing.name == "by_payer"
    assert plan.routing.preference("commercial", "in_person") == ("outsourced", False)
    assert plan.routing.preference("medicare", "in_person") == ("in_house", True)
    line, commercial, ch = _ids(plan, "oncology", "commercial", "online_portal")
    router, _ = _router_with(plan, {"outsourced/oncology": (0, 0, 500)})
    # commercial goes outsourced however long that queue is: no threshold for a listed payer
    assert plan.queues[router.choose(line, commercial, ch, 1, 0.0)].name == "outsourced/oncology"


def test_an_unlisted_payer_overflows_past_the_threshold(make_scenario) -> None:  # noqa: ANN001
    """Medicare is not listed: in-house first, outsourced past the wait threshold; but it
    covers in-house only, so it stays whatever the wait (as under ``overflow``)."""
    s = make_scenario("routing.policy=by_payer", "routing.by_payer={medicare: in_house}",
                      "routing.overflow_wait_hours=10")
    plan = build_plan(s)
    line, commercial, ch = _ids(plan, "oncology", "commercial", "online_portal")
    router, _ = _router_with(plan, {"in_house/oncology": (0, 0, 59)})  # 60/6 h: not past 10
    assert plan.queues[router.choose(line, commercial, ch, 1, 0.0)].name == "in_house/oncology"
    router, _ = _router_with(plan, {"in_house/oncology": (0, 0, 60)})  # 61/6 h > 10 h
    assert plan.queues[router.choose(line, commercial, ch, 1, 0.0)].name == "outsourced/oncology"
    medicare = plan.payers.index("medicare")
    assert plan.queues[router.choose(line, medicare, ch, 1, 0.0)].name == "in_house/oncology"


def test_unknown_payer_is_a_clear_error(make_scenario) -> None:  # noqa: ANN001
    with pytest.raises(ScenarioError) as err:
        make_scenario("routing.policy=by_payer", "routing.by_payer={medicaid: outsourced}")
    text = str(err.value)
    assert "routing.by_payer.medicaid" in text
    assert "unknown payer 'medicaid'" in text and "payers: commercial, medicare" in text


def test_a_wrong_kind_is_a_schema_error(make_scenario) -> None:  # noqa: ANN001
    with pytest.raises(ScenarioError, match="routing.by_payer.commercial"):
        make_scenario("routing.policy=by_payer", "routing.by_payer={commercial: abroad}")


def test_a_run_routes_each_payer_to_its_kind(make_scenario) -> None:  # noqa: ANN001
    """Every reviewed commercial case went outsourced, every medicare case in-house."""
    plan = build_plan(make_scenario(*BY_PAYER, "routing.by_payer={commercial: outsourced, "
                                    "medicare: in_house}", "simulation.horizon_days=20"))
    rep = simulate(plan, seed=3)
    kinds = np.asarray([plan.pool_kinds[p] for p in plan.pool_of(rep.records.queue)
                        [rep.records.queue >= 0]])
    payer = rep.cases.payer[rep.records.queue >= 0]
    line = rep.cases.line[rep.records.queue >= 0]
    # outsourced staffs every line but sarcoma: those commercial cases fall back in-house
    staffed = np.asarray([any(plan.pool_kinds[q.pool] == "outsourced" and q.line == ln
                              for q in plan.queues) for ln in range(len(plan.lines))])
    commercial = payer == plan.payers.index("commercial")
    assert (kinds[commercial & staffed[line]] == "outsourced").all()
    assert (kinds[commercial & ~staffed[line]] == "in_house").all()
    assert (kinds[payer == plan.payers.index("medicare")] == "in_house").all()
    assert commercial.sum() > 100


def test_capacity_check_sends_each_payers_work_to_its_kind(make_scenario) -> None:  # noqa: ANN001
    """Medicare covers in-house only, so routing commercial cases by payer is, in this
    scenario, outsourced_first (commercial outsourced) or in_house_first (commercial in-house):
    the capacity check must give the same work to every queue."""
    def offered(*overrides: str):  # noqa: ANN202
        r = capacity_report(build_plan(make_scenario(*overrides))).set_index("resource")
        return r[["offered_h_per_week", "role"]]

    out = offered(*BY_PAYER)
    assert out.equals(offered("routing.policy=outsourced_first"))
    assert out.loc["outsourced/oncology", "offered_h_per_week"] > 0
    home = offered("routing.policy=by_payer", "routing.by_payer={commercial: in_house}")
    assert home.equals(offered("routing.policy=in_house_first"))
    assert not out.equals(home)
