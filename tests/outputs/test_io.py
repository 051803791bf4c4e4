"""Tests for sim.outputs.writing: every output written, round-tripped, listed, swapped in."""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import sim.outputs.figures
import sim.outputs.writing
from sim.loading import scenario_from_text
from sim.outputs.folders import OutputRefused
from sim.outputs.results import Results
from sim.outputs.runner import run
from sim.outputs.tables import read_results_table
from sim.outputs.writing import (
    atomic_write_bytes,
    atomic_write_text,
    scenario_hash,
    write_results,
)
from sim.scenario.models import Scenario

# Two pools (in-house on office hours, outsourced 24x7), three specialties, AI
# triage that misroutes some cases, overflow routing: every column gets values.
SCENARIO = """
name: io-test
simulation: {start: 2026-01-05, horizon_days: 30, warmup_days: 5, seed: 3}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"]}
demand:
  cases_per_year: 6000
  mix:
    specialty: {oncology: 0.5, cardiology: 0.3, neurology: 0.2}
    channel: {online: 0.7, employer: 0.3}
    payer: {insurer: 0.6, self: 0.4}
    priority: {urgent: 0.2, routine: 0.8}
intake:
  digital: {dist: exponential, mean: 4, unit: hours}
  paper: {dist: uniform, low: 1, high: 3, unit: business_days}
  digital_share: {online: 0.8, employer: 0.5}
triage: {policy: ai, ai: {accuracy: 0.8}}
payers:
  insurer: {preauth: {delay: {dist: exponential, mean: 1, unit: business_days}, share: 0.5}}
  self: {}
pools:
  in_house: {kind: in_house, calendar: business,
             specialists: {oncology: 2, cardiology: 1, neurology: 1},
             review: {dist: lognormal, mean: 2.5, sd: 1.0, unit: hours}}
  outsourced: {kind: outsourced, calendar: 24x7,
               specialists: {oncology: 2, cardiology: 1, neurology: 1},
               review: {dist: lognormal, mean: 2.0, sd: 0.8, unit: hours}}
routing: {policy: overflow, overflow_wait_hours: 24}
outcomes: {default: {confirmed: 0.6, refined: 0.3, changed: 0.1}}
"""


@cache
def small_scenario() -> Scenario:
    return scenario_from_text(SCENARIO)


@cache
def small_results() -> Results:
    """A two-replication run, shared by the io and figure tests (built once)."""
    return run(small_scenario(), replications=2)


@pytest.fixture
def res() -> Results:
    return small_results()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p != folder)


TABLES = ["cases.parquet", "events.parquet", "kpis.parquet", "summary.csv", "capacity.csv"]
FIGURES = ["figures/queue_length.png", "figures/time_to_opinion.png", "figures/utilisation.png"]


def test_writes_every_output_and_tables_round_trip(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run")
    assert out == tmp_path / "run"
    assert sorted(snapshot(out)) == sorted([*TABLES, *FIGURES, "summary.json", "manifest.json"])

    cases = read_results_table(out, "cases")
    pd.testing.assert_frame_equal(cases, res.cases)  # dtypes too: categoricals survive
    assert isinstance(cases["pool"].dtype, pd.CategoricalDtype)
    assert cases["misrouted"].any() and cases["screen_pool"].notna().any()

    events = read_results_table(out, "events")
    assert events["timestamp"].dtype == res.events["timestamp"].dtype == "datetime64[ns]"
    pd.testing.assert_frame_equal(events, res.events, check_dtype=False)  # object -> str
    pd.testing.assert_frame_equal(read_results_table(out, "kpis"), res.kpis)

    summary = read_results_table(out, "summary")
    pd.testing.assert_frame_equal(summary, res.summary().rename_axis("kpi"), check_exact=False)
    pd.testing.assert_frame_equal(read_results_table(out, "capacity"), res.capacity,
                                  check_dtype=False, check_exact=False)


def test_summary_json(res: Results, tmp_path: Path) -> None:
    one = Results(res.plan, res.replications[:1], res.seed)  # one replication: no sd, no CI
    data = json.loads((write_results(one, tmp_path / "run", figures=False) /
                       "summary.json").read_text())
    assert (data["scenario"], data["seed"], data["replications"]) == ("io-test", res.seed, 1)
    assert data["created"].endswith("+00:00")
    kpi = data["kpis"]["time_to_opinion_h.p90"]
    assert set(kpi) == {"mean", "sd", "ci_low", "ci_high", "n"}
    assert kpi["mean"] == pytest.approx(one.kpis["time_to_opinion_h.p90"].iloc[0])
    assert kpi["sd"] is None and kpi["ci_low"] is None and kpi["n"] == 1
    assert len(data["capacity"]) == len(res.capacity)
    assert data["capacity"][0]["resource"] == res.capacity["resource"].iloc[0]
    assert isinstance(data["warnings"], list)


def test_manifest_lists_every_file_with_its_hash(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["table_format"] == "parquet"
    files = {f["path"]: f for f in manifest["files"]}
    assert sorted(files) == sorted(p for p in snapshot(out) if p != "manifest.json")
    for path, entry in files.items():
        data = (out / path).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["sosim_version"] == sim.__version__
    assert {"python", "numpy", "pandas", "simpy", "scipy", "pydantic", "pyarrow", "networkx",
            "matplotlib"} <= set(manifest["versions"])
    assert (manifest["seed"], manifest["replications"]) == (res.seed, 2)
    assert manifest["scenario_hash"] == scenario_hash(res.scenario)
    assert Scenario.model_validate(manifest["scenario"]) == res.scenario


def test_scenario_hash_is_canonical() -> None:
    s = small_scenario()
    expected = hashlib.sha256(json.dumps(s.model_dump(mode="json"), sort_keys=True)
                              .encode()).hexdigest()
    assert scenario_hash(s) == expected
    assert scenario_hash(scenario_from_text(SCENARIO)) == expected
    assert scenario_hash(scenario_from_text(SCENARIO, overrides=["simulation.seed=4"])) != expected


def test_second_write_is_refused_without_overwrite(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run", figures=False)
    before = snapshot(out)
    with pytest.raises(OutputRefused) as refused:
        write_results(res, out, events=False, figures=False)
    assert str(refused.value).startswith(f"{out} holds the outputs of an earlier sosim command")
    assert "pass overwrite=True" in str(refused.value)
    assert snapshot(out) == before and siblings(out) == []


def test_second_write_replaces_the_first_cleanly(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run")
    first = json.loads((out / "manifest.json").read_text())
    write_results(res, out, events=False, figures=False, overwrite=True)
    assert not (out / "events.parquet").exists() and not (out / "figures").exists()
    second = json.loads((out / "manifest.json").read_text())
    assert "events.parquet" in {f["path"] for f in first["files"]}
    assert "events.parquet" not in {f["path"] for f in second["files"]}
    assert siblings(out) == []  # no .tmp- or .old- folders left behind


@pytest.mark.parametrize(("module", "name", "error"), [
    (sim.outputs.figures, "save_figures", "disk full"),
    # the event log is written in a forked child beside the other tables: its error is
    # raised here, and the folder is not swapped in
    (sim.outputs.writing, "write_events", "event log: disk full"),
], ids=["figures", "event-log"])
def test_failure_mid_write_leaves_previous_outputs_untouched(
        res: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: object,
        name: str, error: str) -> None:
    out = write_results(res, tmp_path / "run", figures=False)
    before = snapshot(out)

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError(error)

    monkeypatch.setattr(module, name, boom)
    with pytest.raises(RuntimeError, match=error):
        write_results(res, out, overwrite=True)
    assert snapshot(out) == before
    assert siblings(out) == []


def test_manifest_lists_the_tables_in_order(res: Results, tmp_path: Path) -> None:
    manifest = json.loads((write_results(res, tmp_path / "run", figures=False)
                           / "manifest.json").read_text())
    assert list(manifest["tables"]) == ["cases", "events", "kpis", "summary", "capacity"]
    assert manifest["tables"]["events"]["rows"] == len(res.events)


def test_failure_on_first_write_leaves_nothing(
        res: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim.outputs.figures, "save_figures", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_results(res, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_refuses_folders_it_did_not_write(res: Results, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(ValueError, match="not empty and holds no sosim manifest.json"):
        write_results(res, mine, figures=False)
    assert (mine / "thesis.docx").read_text() == "years of work"

    (mine / "manifest.json").write_text('{"name": "another tool"}')
    with pytest.raises(ValueError, match="refusing"):
        write_results(res, mine, figures=False)

    a_file = tmp_path / "results.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        write_results(res, a_file, figures=False)
    assert a_file.read_text() == "x"

    empty = tmp_path / "empty"
    empty.mkdir()
    assert (write_results(res, empty, figures=False) / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "mine", "results.txt"]


def test_csv_fallback_without_pyarrow(
        res: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails
        m.setitem(sys.modules, "pyarrow.parquet", None)
        out = write_results(res, tmp_path / "run", figures=False)
    # (read back with pyarrow restored: pandas 3 itself imports it for str columns when
    # it is installed; on a machine without pyarrow pandas falls back on its own.)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["table_format"] == "csv"
    assert {"cases.csv", "events.csv", "kpis.csv"} <= {f["path"] for f in manifest["files"]}
    assert not list(out.glob("*.parquet"))
    pd.testing.assert_frame_equal(read_results_table(out, "cases"), res.cases)
    events = read_results_table(out, "events")
    assert events["timestamp"].dtype == "datetime64[ns]"
    pd.testing.assert_frame_equal(events, res.events, check_dtype=False)
    pd.testing.assert_frame_equal(read_results_table(out, "kpis"), res.kpis)


def test_read_unknown_table(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run", events=False, figures=False)
    with pytest.raises(FileNotFoundError, match="no table 'events'"):
        read_results_table(out, "events")


def test_atomic_single_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "notes.txt"
    atomic_write_text(target, "first\n")
    atomic_write_bytes(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~mask  # like any new file, not 0o600

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("no space left")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="no space"):
        atomic_write_text(target, "third\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_nan_free_json(res: Results, tmp_path: Path) -> None:
    out = write_results(res, tmp_path / "run", figures=False)
    def refuse(constant: str) -> None:
        pytest.fail(f"JSON holds {constant}")

    for name in ("summary.json", "manifest.json"):
        json.loads((out / name).read_text(), parse_constant=refuse)
    assert not any(isinstance(v, float) and math.isnan(v)
                   for v in json.loads((out / "summary.json").read_text())["kpis"]
                   ["time_to_opinion_h.mean"].values())
