"""Priority classes from the scenario: fast-tracked records, own service levels, refusals."""

import numpy as np
import pytest
import yaml

import sim
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from tests.engine.conftest import BASE

CLASSES = {
    "urgent": {"time_to_opinion_hours": 72, "records_speedup": 2},
    "routine": {"time_to_opinion_hours": 240},
}


def _scenario(priorities=None, **mix):  # noqa: ANN001, ANN003, ANN202
    doc = yaml.safe_load(BASE)
    doc["intake"]["digital"] = {"dist": "fixed", "value": 10, "unit": "hours"}
    doc["intake"]["digital_share"] = {"online_portal": 1.0, "in_person": 1.0}
    if priorities is not None:
        doc["priorities"] = priorities
    doc["demand"]["mix"].update(mix)
    return scenario_from_text(yaml.safe_dump(doc, sort_keys=False))  # class order matters


@pytest.fixture(scope="module")
def classes():
    return sim.run(_scenario(CLASSES), replications=2)


def test_fast_tracked_records_arrive_in_half_the_time(classes):
    c = classes.cases
    done = c["intake_end_h"].notna()
    intake = (c["intake_end_h"] - c["arrival_h"])[done]
    urgent = (c["priority"] == "urgent")[done]
    np.testing.assert_allclose(intake[urgent], 5.0)
    np.testing.assert_allclose(intake[~urgent], 10.0)


def test_each_class_is_measured_against_its_own_service_level(classes):
    k, c = classes.kpis, classes.cases
    for rep, part in c.groupby("replication"):
        co = part[~part["warmup"]]
        for name, sla in (("urgent", 72), ("routine", 240)):
            rows = co[co["priority"] == name]
            tto = rows["time_to_opinion_h"]
            assert k.loc[rep, f"class.{name}.sla_hours"] == sla
            assert k.loc[rep, f"class.{name}.cases"] == len(rows)
            met, known = (tto <= sla).sum(), tto.notna().sum()
            open_late = (tto.isna() & (classes.plan.horizon_h - rows["arrival_h"] > sla)).sum()
            assert k.loc[rep, f"class.{name}.within_sla"] == pytest.approx(
                met / (known + open_late))
    co = c[~c["warmup"]]
    wait = co.groupby("priority", observed=True)["specialist_wait_h"].mean()
    assert wait["urgent"] < wait["routine"]


def test_named_classes_replace_urgent_and_routine():
    s = _scenario({"stat": {}, "standard": {}}, priority={"stat": 0.3, "standard": 0.7})
    res = sim.run(s, replications=1)
    assert list(res.cases["priority"].cat.categories) == ["stat", "standard"]
    share = (res.cases["priority"] == "stat").mean()
    assert 0.25 < share < 0.35


def test_without_the_section_nothing_changes():
    a = sim.run(_scenario(), replications=1)
    assert not any(col.startswith("class.") for col in a.kpis.columns)
    assert list(a.cases["priority"].cat.categories) == ["urgent", "routine"]


@pytest.mark.parametrize(("priorities", "mix", "message"), [
    (None, {"priority": {"stat": 1.0}}, "unknown priority class 'stat'"),
    ({"urgent": {"reserve": {"nowhere": 1}}, "routine": {}}, {}, "unknown pool 'nowhere'"),
    ({"urgent": {"reserve": {"in_house": 3}}, "routine": {}}, {}, "leaving none"),
    ({"urgent": {"records_speedup": 0.5}, "routine": {}}, {}, "greater than or equal to 1"),
])
def test_bad_classes_are_refused(priorities, mix, message):
    with pytest.raises(ScenarioError) as err:
        _scenario(priorities, **mix)
    assert message in str(err.value)
