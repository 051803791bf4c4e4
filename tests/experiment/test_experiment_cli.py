"""``sosim compare``, ``sosim replications`` and ``sosim warmup`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from tests.experiment import ROOT, SCENARIOS

SHORT = ["--set", "simulation.horizon_days=15", "--set", "simulation.warmup_days=3"]
LEGACY, BASELINE = str(SCENARIOS / "legacy_referral.yaml"), str(SCENARIOS / "baseline.yaml")


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the commands whether or not sim/cli.py lists this module yet."""
    if "sim.experiment.cli" not in cli._COMMAND_MODULES:
        monkeypatch.setattr(cli, "_COMMAND_MODULES",
                            (*cli._COMMAND_MODULES, "sim.experiment.cli"))


def sosim(*args: str) -> int:
    return cli.main(list(args))


def test_compare_prints_the_paired_table_and_resumes(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cmp"
    args = ["compare", LEGACY, BASELINE, *SHORT, "--replications", "2", "--seed", "3",
            "--executor", "serial", "--out", str(out)]
    assert sosim(*args) == 0
    text = capsys.readouterr().out
    for kpi in ("time_to_match_h.mean", "records_to_match_h.mean", "time_to_opinion_h.p90",
                "within_target.opinion", "utilisation.in_house", "outsourced_share"):
        assert kpi in text
    assert "±paired" in text and "baseline cuts mean time to match by" in text
    table = pd.read_parquet(out / "results.parquet")
    assert len(table) == 4 and set(table["scenario"]) == {"legacy_referral", "baseline"}
    assert (out / "differences.csv").is_file()
    before = {p: p.stat().st_mtime_ns for p in out.glob("tasks/*/*.parquet")}
    assert sosim(*args, "--quiet") == 0  # resumed: nothing re-run
    assert {p: p.stat().st_mtime_ns for p in out.glob("tasks/*/*.parquet")} == before
    assert "study folder" not in capsys.readouterr().out
    assert sosim(*args[:-6], "--replications", "3", "--executor", "serial",
                 "--out", str(out)) == 2
    assert "different study" in capsys.readouterr().err


def test_compare_vary_with_a_process_pool(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert sosim("compare", BASELINE, *SHORT, "--vary", "triage.ai.accuracy=0.8,0.95",
                 "--replications", "2", "--workers", "2", "--kpi", "misrouted_share",
                 "--out", str(tmp_path / "v")) == 0
    text = capsys.readouterr().out
    assert "accuracy=0.95" in text and "misrouted_share" in text
    table = pd.read_parquet(tmp_path / "v" / "results.parquet")
    assert table["triage.ai.accuracy"].tolist() == [0.8, 0.8, 0.95, 0.95]


@pytest.mark.parametrize("args, message", [
    (["compare", BASELINE], "nothing to compare"),
    (["compare", BASELINE, LEGACY, "--vary", "triage.ai.accuracy=0.8,0.9"], "not both"),
    (["compare", BASELINE, "--vary", "triage.ai.accuracy"], "KEY=V1,V2"),
    (["compare", BASELINE, LEGACY, "--replications", "0"], "at least 1"),
    (["compare", BASELINE, LEGACY, "--scheduler", "tcp://x:1"], "--executor dask"),
    (["compare", BASELINE, "--vary", "triage.policy=ai,telepathy"], "triage.policy"),
    (["compare", BASELINE, "missing.yaml"], "file not found"),
    (["compare", BASELINE, LEGACY, *SHORT, "--replications", "2", "--executor", "serial",
      "--kpi", "nope"], "unknown KPI"),
    (["replications", BASELINE, "--precision", "2"], "precision"),
    (["warmup", BASELINE, "--window", "0"], "window"),
])
def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           args: list[str], message: str) -> None:
    assert sosim(*args, "--out", str(tmp_path / "o")) == 2
    assert message in capsys.readouterr().err


def test_replications_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sosim("replications", BASELINE, *SHORT, "--kpi", "time_to_opinion_h.mean",
                 "--precision", "0.1", "--max", "8", "--lookahead", "2", "--executor", "serial",
                 "--quiet", "--out", str(tmp_path)) == 0
    text = capsys.readouterr().out
    assert "relative_precision" in text and "replications give a 95% interval" in text
    assert (tmp_path / "replications.csv").is_file()


def test_warmup_command_writes_the_welch_plot(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert sosim("warmup", BASELINE, "--set", "simulation.horizon_days=40", "--replications",
                 "2", "--executor", "serial", "--window", "3", "--out", str(tmp_path)) == 0
    text = capsys.readouterr().out
    assert "MSER-5 truncation of the mean series" in text and "scenario warm-up: 28" in text
    assert (tmp_path / "welch.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(tmp_path / "series.csv", index_col=0).shape == (2, 40)


def test_registering_the_commands_stays_light() -> None:
    code = ("import sys, argparse, sim.experiment.cli as m; "
            "m.register(argparse.ArgumentParser().add_subparsers(), lambda p: None); "
            "print(sorted({'pandas', 'simpy', 'scipy', 'sim.experiment.study'} & "
            "set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
