"""The app's logic, without a browser: the form, edits written back, runs, answers, pairs.

Each check sets the page's helpers against an independent source: the CLI's own messages
and exit statuses, ``sosim validate`` and ``sosim rerun``, the summary table, the compare
API called directly.
"""

from __future__ import annotations

import io
import re
import typing
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.app import answer, form, markets, pairing, runs
from sim.app.sources import SessionFolder, file_source, shipped, upload_source
from sim.app.yaml_edit import edit_yaml_text, edited_scenario_text
from sim.cli import main
from sim.experiment.compare import align_run_settings
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from sim.scenario.loader import MAX_BYTES
from sim.scenario.models import Pool, Routing
from tests.conftest import MINI_YAML

BASELINE = Path("scenarios/baseline.yaml")
SHORT = ["simulation.horizon_days=20", "simulation.warmup_days=2", "simulation.replications=2"]
ONCOLOGY = ("pools", "in_house", "specialists", "oncology")


@pytest.fixture(scope="module")
def baseline_text() -> str:
    return BASELINE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def short_results() -> sim.Results:
    return sim.run(sim.load_scenario(BASELINE, SHORT))


# ------------------------------------------------------------------------ the form


def test_form_fields_take_their_widgets_from_the_schema() -> None:
    fields = {f.dotted: f for f in form.editable_fields(sim.load_scenario(BASELINE))}
    assert fields["pools.in_house.specialists.oncology"].kind == "int"
    assert fields["pools.in_house.specialists.oncology"].value == 4
    assert fields["routing.policy"].choices == typing.get_args(
        Routing.model_fields["policy"].annotation)
    assert fields["triage.ai.accuracy"].step == 0.01  # a probability moves by a percent
    assert fields["routing.overflow_wait_hours"].value == 48  # as written (= the default)
    assert (fields["pools.outsourced.price_per_case_usd"].help
            == Pool.model_fields["price_per_case_usd"].description)
    every_pool = {f.path[1] for f in fields.values() if f.path[:1] == ("pools",)}
    assert every_pool == {"in_house", "outsourced"}


@pytest.mark.parametrize(("path", "value"), [
    (ONCOLOGY, -1), (("triage", "ai", "accuracy"), 1.5), (("simulation", "horizon_days"), 0),
    (("simulation", "replications"), 0), (("routing", "overflow_wait_hours"), -3)])
def test_an_invalid_edit_gets_the_cli_message_beside_its_field(
        capsys, baseline_text: str, path: tuple[str, ...], value: float) -> None:
    checked = form.validate_edits(baseline_text, "yaml", str(BASELINE), {path: value})
    assert not checked.ok and not checked.general
    dotted = ".".join(path)
    [message] = checked.by_field[dotted]
    assert main(["validate", str(BASELINE), "--set", f"{dotted}={value}"]) == 2
    cli = capsys.readouterr().err
    assert f"--set: {message}" in cli.splitlines()  # the very line sosim prints
    assert f"(got {value})" in message


def test_a_cross_check_without_a_field_is_reported_in_general(baseline_text: str) -> None:
    no_oncology = {("pools", p, "specialists", "oncology"): 0 for p in ("in_house", "outsourced")}
    checked = form.validate_edits(baseline_text, "yaml", str(BASELINE), no_oncology)
    assert not checked.ok
    assert any("cannot reach an opinion" in m for m in checked.general)


def test_unchanged_values_are_not_edits(baseline_text: str) -> None:
    fields = form.editable_fields(sim.load_scenario(BASELINE))
    edits = {ONCOLOGY: 4, ("routing", "policy"): "in_house_first", ("not", "a", "field"): 1}
    assert form.changed(fields, edits) == {("routing", "policy"): "in_house_first"}


# ------------------------------------------------------------------------ the edited file


def test_downloaded_yaml_keeps_comments_and_passes_sosim_validate(
        tmp_path: Path, baseline_text: str, capsys) -> None:
    edits = {ONCOLOGY: 6, ("routing", "policy"): "in_house_first", ("triage", "ai_share"): 0.5,
             ("triage", "ai", "accuracy"): 0.9}
    text, kept = edited_scenario_text(baseline_text, "yaml", str(BASELINE), edits)
    assert kept
    comments = [line.split("#", 1)[1] for line in baseline_text.splitlines() if "#" in line]
    assert all(c in text for c in comments)  # every comment is still there
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    again = sim.load_scenario(path)
    assert again.pools["in_house"].specialists["oncology"] == 6
    assert again.routing.policy == "in_house_first" and again.triage.ai_share == 0.5
    assert again.model_dump() == sim.load_scenario(
        BASELINE, form.overrides(edits)).model_dump()


def test_toml_and_shared_anchors_fall_back_to_a_plain_file(capsys, tmp_path: Path) -> None:
    anchored = MINI_YAML.replace("specialists: {oncology: 3, cardiology: 2}",
                                 "specialists: &staff {oncology: 3, cardiology: 2}")
    anchored = anchored.replace("specialists: {oncology: 2, cardiology: 2}",
                                "specialists: *staff")
    edit = {("pools", "in_house", "specialists", "oncology"): 5}
    assert edit_yaml_text(anchored, edit) is None  # editing the anchor would edit both pools
    text, kept = edited_scenario_text(anchored, "yaml", "mini.yaml", edit)
    assert not kept and text.startswith("# sosim scenario mini")
    s = scenario_from_text(text)
    assert s.pools["in_house"].specialists["oncology"] == 5
    # the same scenario as `--set` gives (which, through an alias, edits every use of it)
    assert s == scenario_from_text(anchored, overrides=form.overrides(edit))
    toml = 'name = "t"\n'
    with pytest.raises(ScenarioError):
        edited_scenario_text(toml, "toml", "t.toml", {})  # an invalid file is never offered


# ------------------------------------------------------------------------ uploads


def test_uploads_go_through_the_loader_and_its_size_limit() -> None:
    folder = SessionFolder()
    try:
        with pytest.raises(ScenarioError, match=r"big\.yaml: file is .* the limit is"):
            upload_source("big.yaml", b"#" * (MAX_BYTES + 1), folder)
        with pytest.raises(ScenarioError, match=r"evil\.yaml:1: tag !!python/object/apply"):
            upload_source("evil.yaml", b"name: !!python/object/apply:os.system [ls]\n", folder)
        bomb = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
            b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((ord("b") + i,) * 2
                                                                        + (ord("a") + i,) * 9)
            for i in range(9))
        with pytest.raises(ScenarioError, match="aliases expand"):
            upload_source("bomb.yaml", bomb, folder)
        src = upload_source("../../etc/mine.yaml", MINI_YAML.encode(), folder)
        assert Path(src.file).parent == folder.path / "uploads"  # nothing outside the folder
    finally:
        folder.close()
    assert not folder.path.exists()


def test_shipped_files_are_found() -> None:
    assert {"baseline", "legacy_referral", "hybrid"} <= set(shipped())
    assert file_source(shipped()["baseline"]).fmt == "yaml"
    assert set(shipped("market")) == {"doc000_2026", "doc003_2025"}


# ------------------------------------------------------------------------ runs


def test_the_cache_key_is_the_canonical_scenario_and_seed(baseline_text: str) -> None:
    a = sim.load_scenario(BASELINE)
    reordered = scenario_from_text(baseline_text.replace("name: baseline", "name: baseline\n"))
    assert runs.cache_key(a) == runs.cache_key(reordered)
    assert runs.cache_key(a) != runs.cache_key(a, seed=8)
    assert runs.cache_key(a) != runs.cache_key(sim.load_scenario(BASELINE, ["targets."
                                                                            "time_to_match_hours=12"]))


def test_the_run_guard_matches_the_cli(capsys) -> None:
    from sim.cli import RUN_LIMIT_CASES

    s = sim.load_scenario(BASELINE)
    over = int(RUN_LIMIT_CASES / s.expected_cases) + 1
    assert runs.run_guard(s, over - 1) is None
    assert "5,000,000-case limit" in runs.run_guard(s, over)
    assert main(["run", str(BASELINE), "--replications", str(over)]) == 2
    assert "pass --yes" in capsys.readouterr().err


def test_progress_reports_every_replication() -> None:
    seen = []
    results = runs.run_with_progress(sim.load_scenario(BASELINE, SHORT),
                                     lambda d, t, e: seen.append((d, t)))
    assert seen == [(0, 2), (1, 2), (2, 2)] and len(results.replications) == 2
    assert "left" in runs.progress_text(1, 3, 2.0) and "left" not in runs.progress_text(3, 3, 2)


def test_downloaded_run_folder_reruns_bit_for_bit(tmp_path: Path, short_results, capsys) -> None:
    entry = runs.RunEntry(short_results)
    key = runs.cache_key(short_results.scenario)
    folder = runs.run_folder(entry, tmp_path / "session", key)
    assert folder.parent.parent == tmp_path / "session"
    assert runs.run_folder(entry, tmp_path / "session", key) == folder  # written once
    with zipfile.ZipFile(io.BytesIO(runs.zip_folder(folder))) as zf:
        zf.extractall(tmp_path / "unzipped")
    manifest = tmp_path / "unzipped" / "baseline" / "manifest.json"
    assert main(["rerun", str(manifest), "--out", str(tmp_path / "again")]) == 0
    assert "reproduced bit for bit" in capsys.readouterr().out


def test_table_downloads_round_trip(short_results) -> None:
    kpis = short_results.kpis
    back = pd.read_parquet(io.BytesIO(runs.table_bytes(kpis, "parquet", index=True)))
    pd.testing.assert_frame_equal(back, kpis)
    csv = pd.read_csv(io.BytesIO(runs.table_bytes(short_results.cases, "csv")))
    assert len(csv) == len(short_results.cases)


# ------------------------------------------------------------------------ the answer


def test_where_the_time_goes_adds_up_to_time_to_opinion(short_results) -> None:
    stages = answer.stage_frame(short_results)
    mean = short_results.summary().loc["time_to_opinion_h.mean", "mean"]
    assert stages["mean_h"].sum() == pytest.approx(mean, rel=1e-9)
    assert stages["share"].sum() == pytest.approx(1)


def test_cards_show_the_summary(short_results) -> None:
    s = short_results.summary()
    cards = {c.kpi: c for c in answer.kpi_cards(short_results)}
    share = s.loc["within_target.opinion", "mean"]
    assert cards["within_target.opinion"].value == f"{100 * share:.1f}%"
    assert {"utilisation.in_house", "utilisation.outsourced", "money.roi"} <= set(cards)
    assert answer.money_frame(short_results).iloc[0, 0] == "cost per opinion"
    assert list(answer.payer_frame(short_results).index) == list(short_results.plan.payers)


def test_cards_use_the_cli_names_and_define_both_match_times(short_results) -> None:
    from sim.outputs.glance import glance_text
    from sim.outputs.report import TERMS, kpi_table

    table = kpi_table(short_results)
    rows = {line[2:].split("  ")[0] for line in table.splitlines() if line.startswith("  ")}
    cards = answer.kpi_cards(short_results)
    assert {c.label for c in cards} <= rows, {c.label for c in cards} - rows
    helps = {c.label: c.help for c in cards}
    for term, meaning in TERMS.items():  # each match time says what it measures, both places
        assert meaning in helps[next(k for k in helps if k.startswith(term))]
        assert meaning in " ".join(table.split()) and meaning in " ".join(
            glance_text(short_results).split())


def test_overloaded_queues_are_highlighted() -> None:
    over = sim.run(sim.load_scenario(BASELINE, [*SHORT, "pools.in_house.specialists.oncology=2",
                                                "pools.outsourced.specialists.oncology=0"]))
    capacity = answer.capacity_frame(over)
    html = answer.capacity_style(capacity).to_html()
    overloaded = capacity["utilisation"] >= 1
    assert overloaded.any()
    red = " ".join(sel for sel, props in re.findall(r"([^{}]+)\{([^}]*)\}", html)
                   if "#fbd5d5" in props)
    painted = {int(i) for i in re.findall(r"_row(\d+)_col", red)}
    assert painted == set(np.flatnonzero(overloaded.to_numpy()))
    assert "offered h/week" in html and "offered_h_per_week" not in html  # readable names


# ------------------------------------------------------------------------ compare


def test_the_pair_is_what_the_compare_api_gives() -> None:
    from sim.experiment.compare import compare

    a = sim.load_scenario(BASELINE)
    b = sim.load_scenario(BASELINE, [*SHORT, "pools.in_house.specialists.oncology=6"])
    a = align_run_settings(a, b)
    assert a.simulation.horizon_days == 20 and a.pools["in_house"].specialists["oncology"] == 4
    seen = []
    mine = pairing.run_pair(a, b, ("A", "B"), 2, report=lambda d, t, e: seen.append(d))
    assert seen == [0, 1, 2, 3, 4]
    theirs = compare([a, b], labels=["A", "B"], replications=2)
    d = pairing.difference_frame(mine)
    expected = theirs.differences(["utilisation.in_house"]).iloc[0]
    assert d.loc["utilisation.in_house", "B - A"] == pytest.approx(100 * expected["difference"])
    assert d.loc["utilisation.in_house", "significant"] == bool(
        expected["ci_high"] < 0 or expected["ci_low"] > 0)


# ------------------------------------------------------------------------ market


def test_market_headline_and_report() -> None:
    p = sim.market.project("scenarios/market/doc000_2026.yaml")
    labels = dict(markets.headline(p))
    assert labels["market 2035 (USD bn)"] == f"{p.total_of(2035):,.2f}"
    # the Projection chart stacks the segments: their sum is the total, colours in order
    wide = p.wide("application")
    spec = markets.stacked_chart(wide, p.unit_label, ["#1", "#2", "#3"]).to_dict()
    assert spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["color"]["scale"]["domain"] == list(wide.columns)
    assert wide.sum(axis=1).to_numpy() == pytest.approx(p.wide("total")["total"].to_numpy())
    assert len(markets.findings_frame(p)) == len(p.report)
    v = markets.volumes_in(p, 2027)
    every = sim.market.volume_table(p)
    assert len(v) == (every["year"] == 2027).sum() and (v["cases"] > 0).all()
    total = every[(every["year"] == 2027) & (every["dimension"] == "total")]["cases"].item()
    assert v.loc[v["dimension"] == "total", "cases"].item() == total
    assert set(markets.market_figures(p, 2027)) >= {f"segments by {d}" for d in p.dimensions}


# ------------------------------------------------------------------------ the command


def test_sosim_app_without_streamlit_says_how_to_install_it(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "streamlit" else real(name, *a))
    assert main(["app"]) == 1
    err = capsys.readouterr().err
    assert 'pip install "sosim[app]"' in err and "Traceback" not in err


def test_sosim_app_binds_loopback_by_default() -> None:
    import argparse

    from sim.app.cli import page_path, register, streamlit_command

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(), lambda sp: None)
    command = streamlit_command(parser.parse_args(["app"]))
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    assert command[command.index("run") + 1] == str(page_path()) and page_path().is_file()


def test_the_warm_worker_gives_the_same_results_and_the_first_kpis_early() -> None:
    """The page's warm worker (sim.app.worker): bit-identical to sim.run in one process, and
    a report with the KPIs of the replications back so far before the last is done."""
    from sim.app.worker import WarmWorker

    s = sim.load_scenario(BASELINE, ["simulation.horizon_days=30", "simulation.warmup_days=3",
                                     "simulation.replications=3"])
    seen = []
    with WarmWorker() as worker:
        res = worker.run(s, workers=2, report=lambda d, t, e, partial: seen.append(
            (d, t, None if partial is None else len(partial.kpis))))
        again = worker.run(s)  # the same worker, warm: the same answer
        with pytest.raises(ValueError):  # the worker's error, raised here with its type
            worker.run(s, seed=-1)
        assert worker.run(s, workers=1).kpis.equals(res.kpis)  # still serving after an error
    serial = sim.run(s, workers=1)
    for table in ("cases", "kpis", "events"):
        pd.testing.assert_frame_equal(getattr(res, table), getattr(serial, table),
                                      check_exact=True)
        pd.testing.assert_frame_equal(getattr(again, table), getattr(serial, table),
                                      check_exact=True)
    assert seen == [(0, 3, None), (1, 3, 1), (2, 3, 2), (3, 3, 3)]
