"""Bad scenario files: one case per kind of mistake, each a clear ``file:line: path: message``.

Every case edits one spot of the minimal valid scenario (``tests/conftest.py``), writes it to a
file and checks the exact file, line and field path of the problem, a key phrase of its message
and, where the value is the problem, the ``(got X)`` part. Nothing may escape as another
exception: the promise is a clear error, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sim.loading import load_scenario, scenario_from_text
from sim.scenario import Problem, ScenarioError
from tests.conftest import MINI_YAML, edited, mini_data, to_toml

HOLIDAYS_FIRST_WEEK = "[" + ", ".join(f"2026-01-{d:02d}" for d in range(5, 10)) + "]"


@dataclass(frozen=True)
class Bad:
    id: str
    text: str
    path: str
    line: int | None
    phrase: str
    got: str | None = None
    count: int = 1  # problems reported in all


CASES = [
    # ---------------------------------------------------------------- one field on its own
    Bad("unknown key (typo)", edited("specialists: {oncology: 3", "specalists: {oncology: 3"),
        "pools.in_house.specalists", 12, "unknown key 'specalists' (did you mean 'specialists'?)",
        count=2),  # ...and specialists: field required
    Bad("missing required key", edited("start: 2026-01-05, ", ""),
        "simulation.start", 2, "field required"),
    Bad("wrong type", edited("cases_per_year: 2000", "cases_per_year: lots"),
        "demand.cases_per_year", 6, "should be a valid number", "'lots'"),
    Bad("number written as yes", edited("oncology: 3,", "oncology: yes,"),
        "pools.in_house.specialists.oncology", 12, "should be a valid integer", "true"),
    Bad("section written as null", edited("routing: {policy: overflow, overflow_wait_hours: 48}",
                                          "routing: null"),
        "routing", 14, "should be a mapping of settings", "null"),
    Bad("negative cases_per_year", edited("cases_per_year: 2000", "cases_per_year: -5"),
        "demand.cases_per_year", 6, "greater than 0", "-5"),
    Bad("accuracy above 1", edited("accuracy: 0.87", "accuracy: 1.3"),
        "triage.ai.accuracy", 9, "less than or equal to 1", "1.3"),
    Bad("NaN", edited("cases_per_year: 2000", "cases_per_year: .nan"),
        "demand.cases_per_year", 6, "finite number", "nan"),
    Bad("infinity", edited("horizon_days: 30", "horizon_days: .inf"),
        "simulation.horizon_days", 2, "finite number", "inf"),
    Bad("impossible date", edited("start: 2026-01-05", "start: 2026-13-05"),
        "simulation.start", 2, "not a valid date: month must be in 1..12", "2026-13-05"),
    Bad("warmup not shorter than horizon", edited("warmup_days: 2", "warmup_days: 30"),
        "simulation.warmup_days", 2, "must be shorter than horizon_days",
        "30; horizon_days is 30"),
    # ------------------------------------------------------------------------ shares
    Bad("shares not summing to 1", edited("cardiology: 0.4}, channel", "cardiology: 0.3}, channel"),
        "demand.mix.specialty", 7, "shares must sum to 1", "0.9 = oncology 0.6 + cardiology 0.3"),
    Bad("empty mix", edited("channel: {online_portal: 0.7, in_person: 0.3}", "channel: {}"),
        "demand.mix.channel", 7, "must name at least one entry", "{}"),
    # ------------------------------------------------------------------ distributions
    Bad("unknown dist", edited("dist: gamma", "dist: weibull"),
        "pools.outsourced.review.dist", 13, "must be one of 'fixed', 'exponential'", "'weibull'"),
    Bad("dist missing", edited("dist: gamma, ", ""),
        "pools.outsourced.review.dist", 13, "field required"),
    Bad("uniform high < low", edited("low: 2, high: 5", "low: 5, high: 2"),
        "intake.paper", 8, "high must be >= low", "low=5.0, high=2.0"),
    Bad("triangular mode outside", edited("dist: uniform, low: 2, high: 5",
                                          "dist: triangular, low: 2, mode: 7, high: 5"),
        "intake.paper", 8, "need low <= mode <= high", "low=2.0, mode=7.0, high=5.0"),
    Bad("lognormal sd <= 0", edited("mean: 1.5, sd: 0.7", "mean: 1.5, sd: 0"),
        "pools.in_house.review.sd", 12, "greater than 0", "0"),
    Bad("empirical weights length", edited("dist: uniform, low: 2, high: 5",
                                           "dist: empirical, values: [1, 2, 3], weights: [1, 2]"),
        "intake.paper", 8, "weights must have one entry per value", "2 weights for 3 values"),
    # ---------------------------------------------------------------------- calendars
    Bad("unknown calendar in pool", edited("calendar: business,", "calendar: busines,"),
        "pools.in_house.calendar", 12, "unknown calendar 'busines' (defined: 24x7, business)"),
    Bad("close before open", edited('["08:00", "17:00"]', '["17:00", "08:00"]'),
        "calendars.business.hours", 4, "must close after it opens", "['17:00', '08:00']"),
    Bad("time 25:00", edited('["08:00", "17:00"]', '["08:00", "25:00"]'),
        "calendars.business.hours", 4, "HH:MM between 00:00 and 24:00", "'25:00'"),
    Bad("unquoted time", edited('["08:00", "17:00"]', '["08:00", 17:00]'),
        "calendars.business.hours", 4, "write times in quotes", "1020"),
    Bad("duplicate weekdays", edited("[mon, tue, wed, thu, fri]", "[mon, tue, mon]"),
        "calendars.business.days", 4, "must not repeat", "['mon', 'tue', 'mon']"),
    Bad("calendar that is neither 24x7 nor a mapping", edited(
        'business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], '
        'holidays: [2026-01-19]}', "business: 24/7"),
        "calendars.business", 4, "should be '24x7'", "'24/7'"),
    Bad("redefining the built-in 24x7", edited("  business: {", '  24x7: {days: [mon], hours: '
                                               '["08:00", "09:00"]}\n  business: {'),
        "calendars.24x7", 4, "is the built-in calendar that is always open"),
    Bad("holidays cover the whole horizon", edited(
        "[2026-01-19]", HOLIDAYS_FIRST_WEEK, edited("horizon_days: 30", "horizon_days: 5")),
        "calendars.business", 4, "no working time at all within the simulated period"),
    Bad("business_days with no calendar", edited(
        "calendar: business,", "calendar: office,",
        edited('  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], '
               "holidays: [2026-01-19]}", "  office: 24x7")),
        "intake.paper.calendar", 8, "business_days are counted on calendar 'business', which is "
        "not defined (defined: 24x7, office)", count=2),  # ...and the preauth delay
    # ------------------------------------------------------ names that must match up
    Bad("channel with no digital share", edited("{online_portal: 0.95, in_person: 0.5}",
                                                "{online_portal: 0.95}"),
        "intake.digital_share", 8, "no digital share for channel 'in_person'"),
    Bad("routing by_channel missing a channel", edited(
        "{policy: overflow, overflow_wait_hours: 48}",
        "{policy: by_channel, by_channel: {online_portal: outsourced}}"),
        "routing.by_channel", 14, "no pool kind for channel 'in_person'"),
    Bad("payer in mix not defined", edited(", self_pay: {}}", "}"),
        "demand.mix.payer.self_pay", 7, "payer 'self_pay' is not defined under payers"),
    Bad("payer covering an unknown pool", edited("self_pay: {}", "self_pay: {covers: [elsewhere]}"),
        "payers.self_pay.covers", 10, "unknown pool 'elsewhere' (pools: in_house, outsourced)"),
    Bad("specialty in pool not in mix", edited("{oncology: 3, cardiology: 2}",
                                               "{oncology: 3, cardiology: 2, neurology: 1}"),
        "pools.in_house.specialists.neurology", 12, "unknown specialty 'neurology'"),
    Bad("no outcome rates for a specialty", edited("outcomes: {default:", "outcomes: {oncology:"),
        "outcomes", 15, "no outcome rates for specialty 'cardiology'"),
    Bad("triage legacy without legacy section", edited("policy: ai,", "policy: legacy,"),
        "triage", 9, "policy 'legacy' needs the section(s) legacy under triage"),
    # ------------------------------------------------------------------ reachability
    Bad("subspecialty nobody staffs", edited(
        "routine: 0.9}}", "routine: 0.9}, subspecialty: {oncology: {sarcoma: 0.1}}}"),
        "pools", 11, "oncology/sarcoma cases paid by commercial cannot reach an opinion",
        count=2),  # ...and paid by self_pay
    Bad("payer covers only a pool without the specialty", edited(
        "self_pay: {}", "self_pay: {covers: [outsourced]}",
        edited("specialists: {oncology: 2, cardiology: 2}", "specialists: {oncology: 2}")),
        "pools", 11, "cardiology cases paid by self_pay cannot reach an opinion"),
    # ---------------------------------------------------------------- YAML itself
    Bad("duplicate YAML key", edited("  cases_per_year: 2000\n",
                                     "  cases_per_year: 2000\n  cases_per_year: 3000\n"),
        "demand.cases_per_year", 7, "duplicate key 'cases_per_year' (lines 6 and 7)"),
    Bad("python tag", edited("cases_per_year: 2000",
                             "cases_per_year: !!python/object/apply:os.system [echo pwned]"),
        "", 6, "tag !!python/object/apply:os.system is not allowed"),
]


def problems(text: str, tmp_path: Path, name: str = "scenario.yaml") -> tuple[Path, list[Problem]]:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    return file, info.value.problems


def test_the_minimal_scenario_is_valid(mini_file: Path) -> None:
    assert load_scenario(mini_file).name == "mini"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_scenario(case: Bad, tmp_path: Path) -> None:
    file, found = problems(case.text, tmp_path)
    at_path = [p for p in found if p.path == case.path and case.phrase in p.message]
    assert at_path, f"no problem at {case.path!r} saying {case.phrase!r}; got:\n" + "\n".join(
        map(str, found))
    p = at_path[0]
    assert (p.file, p.line) == (str(file), case.line)
    if case.got is not None:
        assert f"(got {case.got})" in p.message
    field = f" {p.path}:" if p.path else ""
    assert str(p) == f"{file}:{case.line}:{field} {p.message}"
    assert len(found) == case.count, "\n".join(map(str, found))
    assert all(q.message and (q.path or q.line) for q in found)


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = edited("name: mini", f"name: !!python/object/apply:os.system ['touch {marker}']")
    _, found = problems(text, tmp_path)
    assert "not allowed" in found[0].message
    assert not marker.exists()


def test_several_mistakes_are_all_reported_at_once(tmp_path: Path) -> None:
    text = MINI_YAML
    for old, new in [("cases_per_year: 2000", "cases_per_year: -5"),
                     ("accuracy: 0.87", "accuracy: 1.3"),
                     ('"17:00"]', '"25:00"]'),
                     ("specialists: {oncology: 3", "specalists: {oncology: 3"),
                     ("seed: 1", "seed: -1")]:
        text = edited(old, new, text)
    file, found = problems(text, tmp_path)
    assert [(p.line, p.path) for p in found] == [
        (2, "simulation.seed"),
        (4, "calendars.business.hours"),
        (6, "demand.cases_per_year"),
        (9, "triage.ai.accuracy"),
        (12, "pools.in_house.specalists"),
        (12, "pools.in_house.specialists"),
    ]
    assert {p.file for p in found} == {str(file)}


def test_several_cross_field_mistakes_are_all_reported_at_once(tmp_path: Path) -> None:
    text = edited("calendar: business,", "calendar: busines,")
    text = edited(", self_pay: {}}", "}", text)
    text = edited("{online_portal: 0.95, in_person: 0.5}", "{online_portal: 0.95}", text)
    _, found = problems(text, tmp_path)
    assert [(p.line, p.path) for p in found] == [
        (7, "demand.mix.payer.self_pay"),
        (8, "intake.digital_share"),
        (12, "pools.in_house.calendar"),
    ]


def test_toml_mistake_is_reported_without_a_line(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(to_toml(mini_data()), encoding="utf-8")
    assert load_scenario(good).name == "mini"

    data = mini_data()
    data["triage"]["ai"]["accuracy"] = 1.3
    data["pools"]["in_house"]["specalists"] = data["pools"]["in_house"].pop("specialists")
    file, found = problems(to_toml(data), tmp_path, "bad.toml")
    assert [str(p) for p in found] == [
        f"{file}: pools.in_house.specalists: unknown key 'specalists' "
        "(did you mean 'specialists'?)",
        f"{file}: pools.in_house.specialists: field required",
        f"{file}: triage.ai.accuracy: input should be less than or equal to 1 (got 1.3)",
    ]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    text = to_toml(mini_data()).replace("name = \"mini\"", "name = mini")
    file, found = problems(text, tmp_path, "bad.toml")
    assert (found[0].file, found[0].line) == (str(file), 1)
    assert "TOML syntax error" in found[0].message


def test_overrides_report_the_set_pseudo_file(mini_file: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_file, overrides=[
            "demand.cases_per_year=-3",
            "triage.legacy.coordinators=2",  # creates triage.legacy, which then lacks handling
            "triage.policy=legacy",
        ])
    assert [str(p) for p in info.value.problems] == [
        "--set: demand.cases_per_year: input should be greater than 0 (got -3)",
        "--set: triage.legacy.handling: field required",
        "--set: triage.legacy.referral_cycle: field required",
    ]


@pytest.mark.parametrize(("assignment", "phrase"), [
    ("pools.in_house.specalists.oncology=3", "pools.in_house.specalists: unknown key"),
    ("demand.cases_per_year=[1", "cannot read the value: YAML syntax error"),
    ("demand.cases_per_year", "expected dotted.path=value"),
    ("name.x=1", "name is 'mini', not a mapping or list"),
    ("simulation.start=2026-02-30", "not a valid date"),
    ("demand.cases_per_year=!!python/name:os.system", "tag !!python/name:os.system is not"),
])
def test_bad_overrides(mini_file: Path, assignment: str, phrase: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(mini_file, overrides=[assignment])
    (p,) = info.value.problems
    assert (p.file, p.line) == ("--set", None)
    assert phrase in str(p)


def test_problems_in_the_file_keep_their_line_next_to_overrides(mini_file: Path) -> None:
    text = edited("accuracy: 0.87", "accuracy: 1.3")
    with pytest.raises(ScenarioError) as info:
        scenario_from_text(text, overrides=["simulation.seed=-1"], file="s.yaml")
    assert [str(p) for p in info.value.problems] == [
        "s.yaml:9: triage.ai.accuracy: input should be less than or equal to 1 (got 1.3)",
        "--set: simulation.seed: input should be greater than or equal to 0 (got -1)",
    ]


def test_mini_yaml_and_data_agree() -> None:
    assert yaml.safe_load(MINI_YAML) == mini_data()


def test_a_misspelled_key_with_a_default_gets_did_you_mean() -> None:
    """horizon_days has a default, so nothing is missing: the hint comes from the schema."""
    from sim.loading import scenario_from_text
    from sim.scenario import ScenarioError
    from tests.conftest import MINI_YAML

    with pytest.raises(ScenarioError) as err:
        scenario_from_text(MINI_YAML, overrides=["simulation.horizon_dyas=30",
                                                 "triage.ai.acuracy=0.9"])
    text = str(err.value)
    assert "simulation.horizon_dyas: unknown key 'horizon_dyas' (did you mean " \
           "'horizon_days'?)" in text
    assert "triage.ai.acuracy: unknown key 'acuracy' (did you mean 'accuracy'?)" in text


def test_schema_checks_alone_leave_the_network_to_loading() -> None:
    """sim.scenario knows the schema only; sim.loading adds the network (layers, issue 11)."""
    from sim.scenario import validate_scenario
    from sim.scenario.loader import parse_document

    text = edited("routine: 0.9}}", "routine: 0.9}, subspecialty: {oncology: {sarcoma: 0.1}}}")
    assert validate_scenario(parse_document(text, file="<t>", fmt="yaml")).name == "mini"
    with pytest.raises(ScenarioError, match="cannot reach an opinion"):
        scenario_from_text(text)
