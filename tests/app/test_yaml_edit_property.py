"""Any edits of the form's fields, written back into a shipped file, keep its comments and
load to exactly the scenario ``--set`` gives (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.app.form import editable_fields, overrides
from sim.app.yaml_edit import edit_yaml_text
from sim.loading import scenario_from_text
from sim.outputs.writing import scenario_hash

FILES = ["scenarios/baseline.yaml", "scenarios/legacy_referral.yaml",
         "scenarios/payer_mandate.yaml"]
FIELDS = {f: editable_fields(sim.load_scenario(f)) for f in FILES}
TEXTS = {f: Path(f).read_text(encoding="utf-8") for f in FILES}


def _value(spec):  # noqa: ANN001, ANN202
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "int":
        return st.integers(0, 50)
    top = 1.0 if spec.step == 0.01 else 1e4
    return st.floats(0, top, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def edits(draw):  # noqa: ANN001, ANN201
    file = draw(st.sampled_from(FILES))
    chosen = draw(st.lists(st.sampled_from(FIELDS[file]), min_size=1, max_size=6,
                           unique_by=lambda f: f.path))
    return file, {f.path: draw(_value(f)) for f in chosen}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=edits())
def test_edits_written_in_place_load_as_the_overrides_do(case, example_counter) -> None:
    example_counter["app yaml edits"] += 1
    file, changes = case
    text = TEXTS[file]
    try:
        wanted = scenario_from_text(text, overrides=overrides(changes), file=file)
    except ValueError:  # an invalid combination: the page refuses it and offers no file
        return
    edited = edit_yaml_text(text, changes)
    assert edited is not None  # the shipped files have no aliases: always in place
    assert scenario_hash(scenario_from_text(edited, file=file)) == scenario_hash(wanted)
    kept = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    assert all(comment in edited for comment in kept)


@pytest.mark.parametrize("file", FILES)
def test_no_edit_changes_nothing(file: str) -> None:
    assert edit_yaml_text(TEXTS[file], {}) == TEXTS[file]
