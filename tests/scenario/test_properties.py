"""Property tests (hypothesis): whatever a user writes, the answer is a Scenario or a ScenarioError.

How many generated cases the suite tries (issue 7), per run with the settings below:

=====================================================  ============
test                                                   max_examples
=====================================================  ============
test_mutated_scenarios_validate_or_fail_cleanly                 400
test_mutated_overrides_validate_or_fail_cleanly                 150
test_random_valid_mixes_validate_and_conserve_cases              40
test_random_bytes_and_text_fail_cleanly                         300
test_mutated_text_fails_cleanly                                 300
=====================================================  ============

That is 1,190 generated cases per run; the number actually tried (a little more when
hypothesis replays saved failures or shrinks one, less if it exhausts a strategy) is printed at
the end of the run under "generated cases tried", with the mutated scenarios that were still
valid (and so also went through the capacity check of ``sosim validate``) as their own line.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.capacity.network import capacity_report, overload_warnings
from sim.engine.plan import build_plan
from sim.loading import load_scenario, scenario_from_text
from sim.scenario import Scenario, ScenarioError
from tests.conftest import MINI_YAML, mini_data

FieldPath = tuple[str | int, ...]
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# JSON-ish values of every type a hand-edited file can hold, with the awkward ones up front.
ANY_VALUE = st.one_of(
    st.sampled_from([None, True, False, 0, -1, -0.5, 1e300, -1e300, 10**30, math.nan, math.inf,
                     -math.inf, "", "24x7", "business_days", "2026-13-01", [], {}]),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=5), st.none()), max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(st.integers(-5, 5),
                    st.floats(-2, 2), st.text(max_size=5)), max_size=3),
)


def all_paths(node: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Every key and list item below ``node`` (not the root itself)."""
    out: list[FieldPath] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else []
    for key, child in items:
        out.append((*path, key))
        out.extend(all_paths(child, (*path, key)))
    return out


def parent_of(data: dict[str, Any], path: FieldPath) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def mutate(data: dict[str, Any], draw: Any) -> str:
    """Apply one random mutation to ``data`` in place; return a description of it."""
    paths = all_paths(data)
    op = draw(st.sampled_from(["delete", "insert", "replace"] if paths else ["insert"]))
    if op == "insert":
        dicts = [()] + [p for p in paths if isinstance(parent_of(data, (*p, None)), dict)]
        where = draw(st.sampled_from(dicts))
        target = parent_of(data, (*where, None))  # the mapping at ``where`` itself
        key = draw(st.one_of(st.sampled_from(["specalists", "dist", "calendar", "default", "ai"]),
                             st.text(min_size=1, max_size=10)))
        target[key] = draw(ANY_VALUE)
        return f"insert {where}.{key}"
    path = draw(st.sampled_from(paths))
    parent = parent_of(data, path)
    old = parent[path[-1]]
    if op == "delete":
        del parent[path[-1]]
    elif isinstance(old, int | float) and not isinstance(old, bool) and draw(st.booleans()):
        parent[path[-1]] = type(old)(old * draw(st.sampled_from([0, 0.5, 0.9, 1.1, 2, 100])))
        op = "scale"  # a plausible edit of a number: often still valid, exercising the checks
    else:
        parent[path[-1]] = draw(ANY_VALUE)
    return f"{op} {path}"


def check_outcome(call: Any, located: bool = True) -> Scenario | None:
    """Run ``call()``: it must return a Scenario or raise a well-formed ScenarioError.

    With ``located``, every problem must also name a field path or a line (or ``--set``);
    whole-file problems (empty, not UTF-8, not YAML) have neither, so random files skip that.
    """
    try:
        scenario = call()
    except ScenarioError as err:
        assert err.problems
        for p in err.problems:
            assert p.message.strip(), p
            assert p.file
            if located:
                assert p.path or p.line is not None or p.file == "--set", p
            assert "Traceback" not in p.message
            assert str(p).startswith(p.file)
        return None
    assert isinstance(scenario, Scenario)
    return scenario


@settings(max_examples=400, **SETTINGS)
@given(data=st.data())
def test_mutated_scenarios_validate_or_fail_cleanly(data: st.DataObject,
                                                    example_counter: Counter) -> None:
    example_counter["mutated scenario data"] += 1
    scenario = mini_data()
    for _ in range(data.draw(st.integers(1, 3))):
        data.draw(st.just(mutate(scenario, data.draw)), label="mutation")
    text = yaml.safe_dump(scenario, allow_unicode=True)
    valid = check_outcome(lambda: scenario_from_text(text, file="m.yaml"))
    if valid is not None:  # what ``sosim validate`` prints next must not fail either
        example_counter["mutated scenario data (still valid)"] += 1
        overload_warnings(capacity_report(build_plan(valid)))


SET_PATHS = [".".join(map(str, p)) for p in all_paths(mini_data())] + [
    "pools.in_house.specalists", "triage.legacy.coordinators", "routing.by_channel.in_person",
    "demand.mix.subspecialty.oncology.sarcoma", "calendars.24x7", "x.y.z", "a..b", "."]
SET_VALUES = st.one_of(
    st.sampled_from(["", "-1", ".nan", "[1", "{a: 1, a: 2}", "!!python/none x", "2026-02-30",
                     "null", "yes", "24x7", "1e999", "[]", "{}", "17:00", "&a [*a]"]),
    st.text(max_size=15),
)


@settings(max_examples=150, **SETTINGS)
@given(assignments=st.lists(st.tuples(st.sampled_from(SET_PATHS), SET_VALUES), min_size=1,
                            max_size=3))
def test_mutated_overrides_validate_or_fail_cleanly(assignments: list[tuple[str, str]],
                                                    example_counter: Counter) -> None:
    example_counter["random --set overrides"] += 1
    overrides = [f"{path}={value}" for path, value in assignments]
    valid = check_outcome(lambda: scenario_from_text(MINI_YAML, overrides=overrides, file="m.yaml"))
    if valid is not None:
        overload_warnings(capacity_report(build_plan(valid)))


SPECIALTIES = ["oncology", "cardiology", "neurology", "pathology", "radiology", "orthopaedics"]


def shares(names: list[str]) -> st.SearchStrategy[dict[str, float]]:
    """Positive shares over ``names`` normalised to sum to 1."""
    weights = st.lists(st.floats(0.01, 1.0), min_size=len(names), max_size=len(names))
    return weights.map(lambda w: {n: x / sum(w) for n, x in zip(names, w, strict=True)})


@st.composite
def valid_mixes(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    names = SPECIALTIES[:n]
    data = mini_data()
    data["simulation"].update(horizon_days=7, warmup_days=1, seed=draw(st.integers(0, 2**31)))
    data["demand"]["cases_per_year"] = draw(st.integers(50, 20_000))
    mix = data["demand"]["mix"]
    mix["specialty"] = draw(shares(names))
    mix["channel"] = draw(shares(["online_portal", "in_person"]))
    mix["payer"] = draw(shares(["commercial", "self_pay"]))
    urgent = draw(st.floats(0, 1))
    mix["priority"] = {"urgent": urgent, "routine": 1 - urgent}
    for pool in data["pools"].values():
        pool["specialists"] = {sp: draw(st.integers(1, 6)) for sp in names}
    data["routing"]["policy"] = draw(st.sampled_from(["in_house_first", "outsourced_first",
                                                      "overflow"]))
    data["triage"]["policy"] = draw(st.sampled_from(["ai", "direct"]))
    return data


@settings(max_examples=40, **SETTINGS)
@given(data=valid_mixes())
def test_random_valid_mixes_validate_and_conserve_cases(data: dict[str, Any],
                                                        example_counter: Counter) -> None:
    example_counter["random valid mixes (run 7 days)"] += 1
    scenario = scenario_from_text(yaml.safe_dump(data), file="mix.yaml")
    results = sim.run(scenario, replications=1)
    kpis = results.kpis.iloc[0]
    assert kpis["arrivals"] == kpis["delivered"] + kpis["in_system_end"]
    status = results.cases["status"].value_counts()
    assert kpis["arrivals"] == len(results.cases)
    assert kpis["delivered"] == status.get("delivered", 0)
    assert kpis["in_system_end"] == status.get("in_system", 0)


def test_a_replication_without_arrivals_has_zero_kpis() -> None:
    """Found by the test above with 100 cases a year: a replication with no arrivals."""
    scenario = scenario_from_text(MINI_YAML, overrides=[
        "demand.cases_per_year=1", "simulation.horizon_days=1", "simulation.warmup_days=0"])
    kpis = sim.run(scenario, seed=1, replications=1).kpis.iloc[0]
    assert (kpis["arrivals"], kpis["delivered"], kpis["in_system_end"]) == (0, 0, 0)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("random-files")


def load_file(folder: Path, name: str, content: bytes | str) -> Scenario | None:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return check_outcome(lambda: load_scenario(path), located=False)


SUFFIXES = st.sampled_from(["s.yaml", "s.yml", "s.toml", "s.YAML", "s.txt"])


@settings(max_examples=300, **SETTINGS)
@given(name=SUFFIXES, content=st.one_of(st.binary(max_size=300), st.text(max_size=300),
                           st.lists(st.sampled_from(["a:", " b", "- ", "[", "]", "{", "}", ": ",
                                                     "\n", "  ", "&x", "*x", "<<: ", "!!", "!t",
                                                     "'", '"', "#", "---", "=", "[[", "1", "x"]),
                                    max_size=40).map("".join)))
def test_random_bytes_and_text_fail_cleanly(scratch: Path, name: str, content: bytes | str,
                                            example_counter: Counter) -> None:
    example_counter["random bytes / text files"] += 1
    load_file(scratch, name, content)


@settings(max_examples=300, **SETTINGS)
@given(edits=st.lists(st.tuples(st.integers(0, len(MINI_YAML)), st.integers(0, 8),
                          st.text(max_size=4)), min_size=1, max_size=4))
def test_mutated_text_fails_cleanly(scratch: Path, edits: list[tuple[int, int, str]],
                                    example_counter: Counter) -> None:
    """Cut and splice the valid file's text at random spots (a stray keystroke, a lost bracket)."""
    example_counter["mutated scenario text"] += 1
    text = MINI_YAML
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    load_file(scratch, "m.yaml", text)
