"""The page as a person uses it, through Streamlit's own ``AppTest`` (no browser).

Load a scenario, edit it, get an invalid value refused beside its field, run, come back,
compare, look at a market, upload a file, and confirm a run that is too large.
"""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest  # the test extra requires streamlit: never skipped

from tests.conftest import MINI_YAML

PAGE = Path(__file__).resolve().parents[2] / "sim" / "app" / "page.py"
ONCOLOGY = "edit:pools.in_house.specialists.oncology"
SHORT = {"edit:simulation.horizon_days": 20, "edit:simulation.warmup_days": 2,
         "edit:simulation.replications": 2}


def start() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def settle(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def edit(at: AppTest, values: dict[str, float]) -> AppTest:
    for key, value in values.items():
        at.number_input(key=key).set_value(value)
    return settle(at.run())


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def view(at: AppTest, name: str) -> AppTest:
    return settle(at.sidebar.radio(key="view").set_value(name).run())


def test_load_edit_run_and_come_back() -> None:
    at = start()
    assert at.title[0].value == "Scenario · baseline"
    assert at.number_input(key=ONCOLOGY).value == 4
    edit(at, SHORT)
    settle(at.button(key="run_from_scenario").click().run())
    assert at.title[0].value.startswith("Answer · baseline")
    four = float(metric(at, "utilisation in_house").rstrip("%"))
    view(at, "Scenario")
    assert at.number_input(key="edit:simulation.horizon_days").value == 20  # edits kept
    edit(at, {ONCOLOGY: 6})
    settle(at.button(key="run_from_scenario").click().run())
    six = float(metric(at, "utilisation in_house").rstrip("%"))
    assert six < four  # more oncologists: the in-house pool is less busy
    assert len(list(at.session_state["runs"])) == 2
    view(at, "Scenario")
    edit(at, {ONCOLOGY: 4})
    view(at, "Answer")  # back to the first settings: shown from the cache, no Run button
    assert float(metric(at, "utilisation in_house").rstrip("%")) == four
    assert not [b for b in at.button if b.key == "run_answer"]


def test_an_invalid_value_is_refused_beside_its_field_and_nothing_runs() -> None:
    at = start()
    at.number_input(key="edit:triage.ai.accuracy").set_value(1.5)
    settle(at.run())
    errors = [e.value for e in at.error]
    assert "triage.ai.accuracy: input should be less than or equal to 1 (got 1.5)" in errors
    assert at.button(key="run_from_scenario").disabled
    view(at, "Answer")
    assert "nothing was run" in at.error[0].value
    assert "runs" not in at.session_state


def test_a_run_over_the_cli_limit_asks_for_confirmation() -> None:
    at = start()
    edit(at, {"edit:simulation.replications": 1000})
    view(at, "Answer")
    assert "5,000,000-case limit" in at.warning[0].value
    assert at.button(key="run_answer").disabled
    at.checkbox(key="confirm_large").check()
    settle(at.run())
    assert not at.button(key="run_answer").disabled  # (not clicked: it would take hours)


def test_compare_the_edit_with_the_file_as_loaded() -> None:
    at = start()
    edit(at, {**SHORT, ONCOLOGY: 6})
    view(at, "Compare")
    settle(at.button(key="run_compare").click().run())
    sentences = [m.value for m in at.markdown if "paired replications" in m.value]
    assert len(sentences) == 3 and "against A" in sentences[0]
    table = at.dataframe[0].value
    assert table.loc["utilisation.in_house", "B - A"] < 0


def test_market_page_shows_projection_and_report() -> None:
    at = view(start(), "Market")
    labels = [m.label for m in at.metric]
    assert labels == ["market 2025 (USD bn)", "market 2035 (USD bn)", "growth a year 2025-2035",
                      "consistency warnings"]
    assert [m.value for m in at.metric][:2] == ["6.89", "13.49"]  # short: never cut in a card
    at.selectbox(key="market_other").set_value("doc003_2025")
    settle(at.run())
    assert at.subheader[0].value.startswith("Medical second opinion market")


def test_upload_goes_through_the_loader(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the page writes nothing here, only in its session folder
    at = start()
    at.sidebar.selectbox(key="scenario_choice").set_value("upload a file…")
    settle(at.run())
    at.sidebar.file_uploader(key="scenario_upload").set_value(
        ("evil.yaml", b"name: !!python/object/apply:os.system [ls]\n", "application/x-yaml"))
    settle(at.run())
    assert "evil.yaml:1: tag !!python/object/apply:os.system is not allowed" in at.error[0].value
    at.sidebar.file_uploader(key="scenario_upload").set_value(
        ("mini.yaml", MINI_YAML.encode(), "application/x-yaml"))
    settle(at.run())
    assert at.title[0].value == "Scenario · mini"
    settle(at.button(key="run_from_scenario").click().run())
    assert metric(at, "time to opinion mean").endswith(("h", "d)"))
    folder = at.session_state["folder"].path
    assert (folder / "uploads" / "mini.yaml").is_file()
    assert os.listdir(tmp_path) == []


def test_every_shipped_scenario_opens() -> None:
    at = start()
    for name in ("legacy_referral", "hybrid", "payer_mandate", "platform_2026_2035"):
        settle(at.sidebar.selectbox(key="scenario_choice").set_value(name).run())
        assert at.title[0].value == f"Scenario · {name}"
        assert not at.error
        assert at.button(key="run_from_scenario").disabled is False
    assert "timeline" in at.info[-1].value  # the multi-year file says what the page runs
