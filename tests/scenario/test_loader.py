"""Tests for sim.scenario.loader: line maps, refusals, --set overrides, pydantic error reports."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, Literal

import pydantic
import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import (
    MAX_BYTES,
    Document,
    apply_overrides,
    format_value,
    parse_document,
    read_document,
)
from sim.scenario.messages import problems_from_validation_error

SCENARIO = """\
# a comment
name: demo
start: 2026-01-05
demand:
  cases_per_year: 1200
  profile:
    weekday: [1.0, 1.1, 0.9]
pools:
  - name: in_house
    size: 4
  - name: ai
    size: 2
"""


def problems_of(text: str, fmt: str = "yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_document(text, "s.yaml", fmt)
    return [str(p) for p in info.value.problems]


def test_lines_for_nested_keys_and_list_items() -> None:
    doc = parse_document(SCENARIO, "s.yaml")
    assert doc.data["start"] == dt.date(2026, 1, 5)
    assert doc.data["pools"][1] == {"name": "ai", "size": 2}
    assert doc.line_of(["demand", "cases_per_year"]) == 5
    assert doc.line_of(["demand", "profile", "weekday", 2]) == 7
    assert doc.line_of(["pools", 1]) == 11
    assert doc.line_of(["pools", 1, "size"]) == 12


def test_missing_key_reports_parent_line() -> None:
    doc = parse_document(SCENARIO, "s.yaml")
    assert doc.line_of(["demand", "profile", "weekend"]) == 6
    assert Document("t.toml", {}, {}).line_of(["a"]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", "s.yaml:4: b.c: duplicate key 'c' (lines 3 and 4)"),
        ("1.5: x\n", "s.yaml:1: keys must be text; quote it (got 1.5)"),
        ("- 1\n", "s.yaml:1: the top level must be a mapping of settings, not a list"),
        ("a: 1\nb: [1, 2\n", "s.yaml:3: YAML syntax error"),
        ("  \n", "s.yaml: file is empty"),
        ("x: !custom 3\n", "s.yaml:1: tag !custom is not allowed"),
        ("a: &r [*r]\n", "s.yaml:1: an alias refers to a mapping or list containing it"),
        ("a: " + "[" * 100_000 + "]" * 100_000, "s.yaml:1: nested more than 100 levels deep"),
    ],
)
def test_refusals(text: str, expected: str) -> None:
    assert problems_of(text)[0].startswith(expected)


def test_merge_keys_work_and_report_the_mapping_line() -> None:
    doc = parse_document("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "s.yaml")
    assert doc.data["c"] == {"x": 1, "y": 3}
    assert (doc.line_of(["c", "y"]), doc.line_of(["c", "x"])) == (4, 2)


def test_python_tag_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"x: !!python/object/apply:os.system ['touch {marker}']\n"
    assert problems_of(text) == [
        "s.yaml:1: tag !!python/object/apply:os.system is not allowed; use plain values (no !tags)"
    ]
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['lol0: "lol"']
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"lol{i}: &l{i} [{refs}]")
    lines[0] = 'lol0: &l0 "lol"'
    started = time.perf_counter()
    found = problems_of("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert "aliases expand to over 1,000,000 values" in found[0]


def test_too_many_aliases_are_refused() -> None:
    text = "a: &x 1\nb: [" + ", ".join(["*x"] * 1001) + "]\n"
    assert "more than 1,000 aliases" in problems_of(text)[0]


def test_oversized_file_is_refused_unparsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: [" * 10 + "x" * MAX_BYTES)  # would also be a syntax error if parsed
    with pytest.raises(ScenarioError, match=r"big.yaml: file is 2,097,192 bytes; the limit"):
        read_document(big)


def test_read_document_suffix_and_missing(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="use a .yaml, .yml or .toml file"):
        read_document(tmp_path / "s.json")
    with pytest.raises(ScenarioError, match="file not found"):
        read_document(tmp_path / "nope.yml")
    (tmp_path / "s.yml").write_text(SCENARIO)
    assert read_document(tmp_path / "s.yml").data["name"] == "demo"


def test_toml_parse_and_error(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('name = "demo"\nstart = 2026-01-05\n[demand]\ncases_per_year = 1200\n')
    doc = read_document(path)
    assert doc.data["demand"] == {"cases_per_year": 1200}
    assert doc.data["start"] == dt.date(2026, 1, 5) and doc.line_of(["demand"]) is None
    assert problems_of("a = 1\nb = \n", "toml") == ["s.yaml:2: TOML syntax error: Invalid value"]


def test_overrides_parse_values_and_create_keys() -> None:
    doc = parse_document(SCENARIO, "s.yaml")
    new = apply_overrides(
        doc,
        [
            "demand.cases_per_year=3",
            "demand.profile.weekday.0=0.5",
            "routing.policy=ai",
            "routing.flags=[a, b]",
            "routing.extra={x: 1}",
            "pools.1.size=true",
        ],
    )
    assert new.data["demand"] == {"cases_per_year": 3, "profile": {"weekday": [0.5, 1.1, 0.9]}}
    assert new.data["routing"] == {"policy": "ai", "flags": ["a", "b"], "extra": {"x": 1}}
    assert new.data["pools"][1]["size"] is True
    assert doc.data["demand"]["cases_per_year"] == 1200  # input untouched
    assert ("demand", "cases_per_year") not in new.lines
    assert new.line_of(["demand", "profile", "weekday", 1]) == 7
    assert ("demand", "profile", "weekday", 0) in new.overridden


def test_override_through_an_anchor_edits_only_that_use() -> None:
    text = "a: &hours {open: 9, close: 17}\nb: *hours\nc: {<<: *hours, close: 18}\n"
    doc = parse_document(text, "s.yaml")
    new = apply_overrides(doc, ["b.open=8"])
    assert new.data["a"] == {"open": 9, "close": 17}
    assert new.data["b"] == {"open": 8, "close": 17}
    assert new.data["c"] == {"open": 9, "close": 18}
    assert doc.data["b"] == {"open": 9, "close": 17}  # input untouched


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("demand", "expected dotted.path=value"),
        ("=3", "expected dotted.path=value"),
        ("demand..x=3", "expected dotted.path=value"),
        ("name.first=x", "name is 'demo', not a mapping or list"),
        ("demand.profile.weekday.7=1", "index 7 is out of range"),
        ("pools.first.size=1", "pools is a list; use an item number"),
        ("a.b=[1, 2", "cannot read the value"),
    ],
)
def test_bad_overrides(assignment: str, expected: str) -> None:
    doc = parse_document(SCENARIO, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        apply_overrides(doc, [assignment, "also=bad=ok", "x"])
    first, *rest = info.value.problems
    assert first.file == "--set" and first.line is None
    assert str(first).startswith(f"--set: {assignment}: {expected}")
    assert len(rest) == 1  # 'also=bad=ok' is fine (value 'bad=ok'); 'x' is reported too


class Lognormal(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    dist: Literal["lognormal"]
    mean: float = pydantic.Field(gt=0)
    sd: float = pydantic.Field(gt=0)


class Fixed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    dist: Literal["fixed"]
    value: float


class Pool(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    name: str
    size: int = pydantic.Field(ge=1)
    review: Annotated[Lognormal | Fixed, pydantic.Field(discriminator="dist")]


class Scenario(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    name: str
    start: dt.date
    pools: list[Pool]


BAD = """\
name: demo
start: 2026-01-05
pools:
  - name: in_house
    size: 0
    review:
      dist: lognormal
      sd: -1
  - name: ai
    size: 2
    colour: blue
    review: {dist: fixed, value: [1, 2]}
"""


def report(doc: Document) -> list[str]:
    with pytest.raises(pydantic.ValidationError) as info:
        Scenario.model_validate(doc.data)
    return [str(p) for p in problems_from_validation_error(info.value, doc)]


def test_validation_errors_are_all_located() -> None:
    assert report(parse_document(BAD, "s.yaml")) == [
        "s.yaml:5: pools.0.size: input should be greater than or equal to 1 (got 0)",
        "s.yaml:6: pools.0.review.mean: field required",
        "s.yaml:8: pools.0.review.sd: input should be greater than 0 (got -1)",
        "s.yaml:11: pools.1.colour: unknown key 'colour'",
        "s.yaml:12: pools.1.review.value: input should be a valid number (got [1, 2])",
    ]


def test_validation_errors_under_overrides_point_at_set() -> None:
    doc = apply_overrides(parse_document(BAD, "s.yaml"), ["pools.1.size=-3", "start=soon"])
    found = report(doc)
    assert "--set: pools.1.size: input should be greater than or equal to 1 (got -3)" in found
    assert found[-2:] == [
        "--set: pools.1.size: input should be greater than or equal to 1 (got -3)",
        "--set: start: input should be a valid date or datetime, input is too short (got 'soon')",
    ]


def test_format_value() -> None:
    assert format_value("ai") == "'ai'"
    assert format_value([True, None, 1.5]) == "[true, null, 1.5]"
    assert format_value({"a": dt.date(2026, 1, 5)}) == "{'a': 2026-01-05}"
    assert format_value(list(range(1000)), limit=20) == "[0, 1, 2, 3, 4, 5..."
