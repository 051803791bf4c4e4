"""Promises that need a real process: reruns are bit for bit, a killed run loses nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.outputs.writing import verify_output

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["--set", "simulation.horizon_days=45", "--set", "simulation.warmup_days=5"]


def test_rerun_reproduces_bit_for_bit(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "scenarios/hybrid.yaml", "--out", str(out), "--replications", "2",
                 "--quiet", "--no-figures", *SHORT]) == 0
    capsys.readouterr()
    assert main(["rerun", str(out / "manifest.json"), "--out", str(tmp_path / "again")]) == 0
    said = capsys.readouterr().out
    assert "reproduced bit for bit" in said and "cases.parquet" in said
    assert verify_output(tmp_path / "again") == []


def test_rerun_refuses_an_edited_manifest(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "scenarios/baseline.yaml", "--out", str(out), "--replications", "1",
                 "--quiet", "--no-figures", "--no-events", *SHORT]) == 0
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"seed": 7', '"seed": 7, "x": 1', 1)
                        .replace('"cases_per_year": 11500', '"cases_per_year": 13000'))
    assert main(["rerun", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "does not match its recorded hash; the manifest was edited" in err
    assert "Error" not in err and "Traceback" not in err


def test_oversized_run_needs_yes(capsys):
    assert main(["run", "scenarios/baseline.yaml", "--set", "demand.cases_per_year=3000000"]) == 2
    err = capsys.readouterr().err
    # 3,000,000 a year x 1.0435 (the employer co-pay waiver's uptake) x 5 replications
    assert "15,652,174 cases" in err and "--yes" in err and "GB" in err


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])
def test_killed_mid_write_leaves_previous_outputs_intact(tmp_path, delay):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "sim", "run", "scenarios/baseline.yaml", "--out", str(out),
            "--quiet", "--replications", "2", *SHORT]
    subprocess.run([*args, "--seed", "1"], cwd=ROOT, check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert verify_output(out) == []

    proc = subprocess.Popen([*args, "--seed", "2", "--overwrite"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".run.tmp-") for p in tmp_path.iterdir()):
        assert proc.poll() is None, "the run finished before it started writing"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    # Either the previous outputs, untouched, or (if the swap had completed) the new ones,
    # complete: never a mixture or a truncated file presented as complete.
    assert verify_output(out) == []
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    if after != before:
        assert b'"seed": 2' in after["manifest.json"]
