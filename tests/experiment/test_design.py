"""Designs: parameter parsing (and its error messages), design sizes and values, scenarios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.design import (
    DesignError,
    make_design,
    parameter,
    parse_param,
)
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from tests.conftest import MINI_YAML

ONC = "pools.in_house.specialists.oncology"


@pytest.fixture(scope="module")
def mini():  # noqa: ANN201
    return scenario_from_text(MINI_YAML)


# ------------------------------------------------------------------------------ parsing
@pytest.mark.parametrize(("text", "kind", "levels"), [
    (f"{ONC}=4:12", "int", tuple(range(4, 13))),
    (f"{ONC}=4:12:2", "int", (4, 6, 8, 10, 12)),
    (f"{ONC}=4:11:2", "int", (4, 6, 8, 10)),
    ("triage.ai.accuracy=0.7:0.95", "float", None),
    ("triage.ai.accuracy=0.7:0.9:0.05", "float", (0.7, 0.75, 0.8, 0.85, 0.9)),
    ("triage.policy=legacy,ai,hybrid", "categorical", ("legacy", "ai", "hybrid")),
    ("routing.overflow_wait_hours=24,48,72", "categorical", (24, 48, 72)),
    ("intake.enabled=true,false", "categorical", (True, False)),
])
def test_parse_param(text: str, kind: str, levels: tuple | None) -> None:
    p = parse_param(text)
    assert (p.key, p.kind, p.levels) == (text.split("=")[0], kind, levels)


def test_float_range_levels_and_sampling_map() -> None:
    p = parse_param("triage.ai.accuracy=0.7:0.95")
    assert p.grid_levels() == (0.7, 0.7625, 0.825, 0.8875, 0.95)
    assert p.from_unit(np.array([0.0, 0.5, 1.0])) == [0.7, 0.825, 0.95]
    q = parse_param("a.b=1:4")  # four levels, equally likely: u in [0, .25) -> 1, ...
    assert q.from_unit(np.array([0.0, 0.24, 0.25, 0.5, 0.99, 1.0])) == [1, 1, 2, 3, 4, 4]


def test_parameter_from_file_forms() -> None:
    assert parameter("a.b", ["ai", "legacy"]).levels == ("ai", "legacy")
    assert parameter("a.b", {"low": 2, "high": 6, "step": 2}).levels == (2, 4, 6)
    assert parameter("a.b", {"values": [1, 2]}).levels == (1, 2)


@pytest.mark.parametrize(("text", "message"), [
    ("oncology", "--param expects KEY=SPEC"),
    (f"{ONC}=", "--param expects KEY=SPEC"),
    (f"{ONC}=12:4", "the low end 12 is above the high end 4"),
    (f"{ONC}=4:12:0", "the step must be positive"),
    (f"{ONC}=4:12:-1", "the step must be positive"),
    (f"{ONC}=four:12", "the low end 'four' is not a number"),
    (f"{ONC}=4:12:2:1", "write a range as low:high or low:high:step"),
    (f"{ONC}=4", "at least two values"),
    ("triage.policy=ai,ai", "values repeat"),
    ("triage.ai.accuracy=0.8:0.8", "an empty range"),
    ("pools..x=1:2", "is not a dotted scenario key"),
    ("a.b=1:inf", "must be finite"),
])
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DesignError, match=message.replace("(", r"\(")):
        parse_param(text)


def test_design_errors() -> None:
    p = parse_param(f"{ONC}=1:3")
    with pytest.raises(DesignError, match="unknown design 'factorial'; choose one of grid"):
        make_design("factorial", [p])
    with pytest.raises(DesignError, match="at least one parameter"):
        make_design("grid", [])
    with pytest.raises(DesignError, match=f"given twice: {ONC}"):
        make_design("grid", [p, parse_param(f"{ONC}=4:5")])


# ------------------------------------------------------------------------------ designs
def test_grid_is_the_full_product() -> None:
    ps = [parse_param(f"{ONC}=2:4"), parse_param("triage.policy=ai,legacy"),
          parse_param("triage.ai.accuracy=0.8:0.9")]
    d = make_design("grid", ps, levels=3)
    assert d.size == 3 * 2 * 3
    assert list(d.points.columns) == ["point", *d.keys]
    assert set(map(tuple, d.points[d.keys].to_numpy().tolist())) == {
        (a, b, c) for a in (2, 3, 4) for b in ("ai", "legacy") for c in (0.8, 0.85, 0.9)}
    assert d.overrides(0) == [f"{ONC}=2", 'triage.policy="ai"', "triage.ai.accuracy=0.8"]


def test_oat_moves_one_parameter_at_a_time_from_the_scenario(mini) -> None:  # noqa: ANN001
    ps = [parse_param(f"{ONC}=1:5"), parse_param("triage.ai.accuracy=0.85:0.89:0.01")]
    d = make_design("oat", ps, base=mini)
    # base point + 5 oncology levels except the scenario's 3 + 5 accuracies except its 0.87
    assert d.size == 1 + 4 + 4
    assert d.varied[0] is None and d.params(0)["varied"] == "base"
    assert d.points.loc[0, d.keys].tolist() == [3, 0.87]
    for i in range(1, d.size):
        other = [k for k in d.keys if k != d.varied[i]][0]
        assert d.points.at[i, other] == d.points.at[0, other]
        assert d.overrides(i) == [f"{d.varied[i]}={d.params(i)[d.varied[i]]!r}"]
    assert d.overrides(0) == []


def test_lhs_is_seeded_within_bounds_and_stratified() -> None:
    ps = [parse_param("triage.ai.accuracy=0.5:0.9"),
          parse_param("demand.cases_per_year=1000.0:3000.0")]
    d = make_design("lhs", ps, samples=20, seed=4)
    assert d.size == 20
    for p in ps:
        x = d.points[p.key].to_numpy()
        assert (x >= p.low).all() and (x <= p.high).all()
        strata = np.floor((x - p.low) / (p.high - p.low) * 20).astype(int)
        assert sorted(strata) == list(range(20)), "one point in each of the 20 strata"
    again = make_design("lhs", ps, samples=20, seed=4)
    assert again.points.equals(d.points)
    assert not make_design("lhs", ps, samples=20, seed=5).points.equals(d.points)


def test_lhs_integer_levels_are_equally_represented() -> None:
    d = make_design("lhs", [parse_param(f"{ONC}=1:4")], samples=40, seed=1)
    assert d.points[ONC].value_counts().to_dict() == {1: 10, 2: 10, 3: 10, 4: 10}


@pytest.mark.parametrize("n_params", [1, 2, 4])
def test_sobol_size_is_n_times_2d_plus_2(n_params: int) -> None:
    ps = [parse_param(f"p.x{i}=0.0:1.0") for i in range(n_params)]
    d = make_design("sobol", ps, samples=16, seed=0)
    assert d.size == 16 * (2 * n_params + 2)
    assert d.unit is not None and d.unit.shape == (d.size, n_params)
    assert d.problem["bounds"] == [[0.0, 1.0]] * n_params


def test_morris_size_levels_and_trajectories() -> None:
    ps = [parse_param("p.a=0.0:3.0"), parse_param("p.b=1:4"), parse_param("p.c=x,y")]
    d = make_design("morris", ps, samples=6, seed=2)
    assert d.size == 6 * (3 + 1)
    assert np.allclose(d.unit * 3, np.round(d.unit * 3))  # the 4-level grid 0, 1/3, 2/3, 1
    assert set(d.points["p.a"]) <= {0.0, 1.0, 2.0, 3.0}
    for t in range(6):  # each trajectory moves one parameter per step
        steps = np.diff(d.unit[4 * t: 4 * t + 4], axis=0)
        assert ((steps != 0).sum(axis=1) == 1).all()


def test_default_samples() -> None:
    ps = [parse_param("p.a=0.0:1.0"), parse_param("p.b=0.0:1.0")]
    assert make_design("lhs", ps).size == 20
    assert make_design("sobol", ps).size == 64 * 6
    assert make_design("morris", ps).size == 10 * 3


# ---------------------------------------------------------------------------- scenarios
def test_points_become_validated_scenarios(tmp_path, mini) -> None:  # noqa: ANN001
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    d = make_design("grid", [parse_param(f"{ONC}=2:3"), parse_param("triage.ai.accuracy=0.8,0.9")])
    for base in (path, mini):
        points = d.scenarios(base, overrides=["simulation.horizon_days=10"])
        assert len(points) == 4
        params, s = points[3]
        assert params == {"point": 3, ONC: 3, "triage.ai.accuracy": 0.9}
        assert s.pools["in_house"].specialists["oncology"] == 3
        assert math.isclose(s.triage.ai.accuracy, 0.9)
        assert s.simulation.horizon_days == 10


def test_an_invalid_point_names_the_parameter_and_the_point(mini) -> None:  # noqa: ANN001
    d = make_design("grid", [parse_param("triage.ai.accuracy=0.9:1.2:0.1")])
    with pytest.raises(ScenarioError) as err:
        d.scenarios(mini)
    text = str(err.value)
    assert "--param: triage.ai.accuracy: input should be less than or equal to 1 (got 1.1); " \
           "design point 2 sets triage.ai.accuracy=1.1" in text
    assert "design point 0" not in text and "design point 1" not in text


def test_a_misspelt_key_is_reported_once(mini) -> None:  # noqa: ANN001
    d = make_design("grid", [parse_param("triage.ai.acuracy=0.5:0.9:0.1")])
    with pytest.raises(ScenarioError) as err:
        d.scenarios(mini)
    assert str(err.value).count("unknown key 'acuracy'") == 1
    # the same problem at every point: said once, with no design point and no tally
    assert len(err.value.problems) == 1
    assert "design point" not in str(err.value)
