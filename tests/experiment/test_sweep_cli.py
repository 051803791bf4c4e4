"""``sosim sweep`` and ``sosim staffing`` on tiny scenarios: exit statuses, output, files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
import sim.cli
from sim.experiment.sweep_cli import known_kpis, read_sweep_file
from sim.loading import scenario_from_text
from tests.conftest import MINI_YAML

SHORT = ("--set", "simulation.horizon_days=10", "--executor", "serial", "--quiet")
ONC = "pools.in_house.specialists.oncology"


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands are registered whether or not sim/cli.py lists the module yet."""
    mods = tuple(dict.fromkeys((*sim.cli._COMMAND_MODULES, "sim.experiment.sweep_cli")))
    monkeypatch.setattr(sim.cli, "_COMMAND_MODULES", mods)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = sim.cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_sweep_runs_prints_the_analysis_and_writes_the_study(capsys, mini_file: Path,
                                                             tmp_path: Path) -> None:
    out_dir = tmp_path / "sweep"
    args = ("sweep", mini_file, "--param", f"{ONC}=2:4", "--param", "triage.ai.accuracy=0.6,0.9",
            "--design", "oat", "--replications", 2, "--out", out_dir, *SHORT)
    status, out, err = run_cli(capsys, *args)
    assert status == 0, err
    assert "oat design over 2 parameter(s): 5 points x 2 replication(s) = 10 runs" in out
    assert "time_to_opinion_h.mean - tornado" in out and "time_to_opinion_h.p90" in out
    table = pd.read_parquet(out_dir / "results.parquet")
    assert len(table) == 10 and {ONC, "triage.ai.accuracy", "point"} <= set(table.columns)
    for name in ("analysis/time_to_opinion_h.p90.csv", "figures/oat-time_to_opinion_h.mean.png",
                 "design.csv", "sweep.json", "manifest.json"):
        assert (out_dir / name).is_file()
    status, again, err = run_cli(capsys, *args)  # resumed: nothing to run, same answer
    assert status == 0 and again == out
    status, _, err = run_cli(capsys, *args[:-len(SHORT) - 2], "--out", out_dir, "--design",
                             "grid", *SHORT)
    assert status == 2 and "holds a different study" in err


def test_sweep_file_with_unquoted_ranges(capsys, mini_file: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"parameters:\n  {ONC}: 2:3\n  triage.policy: [ai]\n"
                     "design: sobol\nsamples: 2\nreplications: 1\nseed: 4\n"
                     "kpis: [misrouted_share]\n", encoding="utf-8")
    assert read_sweep_file(sweep)["parameters"][ONC] == "2:3"  # not YAML's 2*60+3 = 123
    status, _, err = run_cli(capsys, "sweep", mini_file, "--file", sweep, *SHORT)
    assert status == 2 and "at least two values" in err  # a one-value list is refused
    sweep.write_text(sweep.read_text().replace("[ai]", "0.6:0.9").replace(
        "triage.policy", "triage.ai.accuracy"))
    status, out, err = run_cli(capsys, "sweep", mini_file, "--file", sweep, "--design", "morris",
                               "--out", tmp_path / "m", *SHORT)
    assert status == 0, err
    assert "morris design over 2 parameter(s): 6 points x 1 replication(s)" in out
    assert "misrouted_share - Morris screening" in out and "mu_star" in out
    assert (tmp_path / "m" / "figures" / "morris-misrouted_share.png").is_file()


@pytest.mark.parametrize(("extra", "message"), [
    (("--param", "oncology"), "--param expects KEY=SPEC"),
    (("--param", f"{ONC}=9:2"), "the low end 9 is above the high end 2"),
    (("--param", f"{ONC}=2:3", "--kpi", "time_to_opinon_h.mean"),
     "unknown KPI 'time_to_opinon_h.mean' (did you mean 'time_to_opinion_h.mean'"),
    (("--param", f"{ONC}=2:3", "--replications", "0"), "replications must be a whole number"),
    (("--param", "triage.ai.accuracy=0.9:1.1:0.1"), "design point 2 sets triage.ai.accuracy=1.1"),
    ((), "a design needs at least one parameter"),
    (("--param", f"{ONC}=2:3", "--workers", "0"), "--workers must be at least 1"),
    (("--param", f"{ONC}=2:3", "--scheduler", "tcp://x:1"), "--scheduler only applies"),
])
def test_sweep_bad_input_exits_2_and_writes_nothing(capsys, mini_file: Path, tmp_path: Path,
                                                    extra: tuple[str, ...], message: str) -> None:
    status, out, err = run_cli(capsys, "sweep", mini_file, *extra, "--out", tmp_path / "x",
                               *SHORT)
    assert status == 2
    assert message in err
    assert not (tmp_path / "x").exists()


def test_a_misspelled_param_key_is_one_problem_with_a_suggestion(capsys, mini_file: Path,
                                                                 tmp_path: Path) -> None:
    status, _, err = run_cli(capsys, "sweep", mini_file, "--param", "triage.ai.acuracy=0.7:0.95",
                             "--param", f"{ONC}=2:3", "--design", "sobol", "--samples", 4,
                             "--out", tmp_path / "x", *SHORT)
    assert status == 2
    assert "--param: triage.ai.acuracy: unknown key 'acuracy' (did you mean 'accuracy'?)" in err
    assert "1 problem in the scenario" in err and "design points are invalid" not in err
    assert "design point" not in err


def test_a_tiny_sobol_design_is_flagged(capsys, mini_file: Path, tmp_path: Path) -> None:
    status, _, err = run_cli(capsys, "sweep", mini_file, "--param", "triage.ai.accuracy=0.6:0.9",
                             "--design", "sobol", "--samples", 2, "--replications", 1,
                             "--kpi", "misrouted_share", "--out", tmp_path / "s", *SHORT)
    assert status == 0, err
    assert err.count("Sobol indices from --samples 2 are unreliable") == 2  # before and after
    assert "use at least --samples 64" in err


def test_staffing_prints_the_path_and_the_set_lines(capsys, tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(MINI_YAML.replace("policy: overflow", "policy: in_house_first"))
    status, out, err = run_cli(capsys, "staffing", path, "--target", "utilisation<=0.9",
                               "--pool", "in_house", "--replications", 2, "--out",
                               tmp_path / "out", *SHORT)
    assert status == 0, err
    assert "Search path" in out and "Staffing found" in out
    assert "apply with: --set pools.in_house.specialists.oncology=" in out or \
        "apply with: nothing to change" in out
    assert "NaN" not in out and "nan" not in out
    assert max(len(ln) for ln in out.splitlines() if str(tmp_path) not in ln) <= 100, out
    out_dir = tmp_path / "out"
    for name in ("staffing.csv", "path.csv", "overrides.txt", "staffed.yaml"):
        assert (out_dir / name).is_file()
    staffed = sim.load_scenario(out_dir / "staffed.yaml")  # runs as it stands
    for line in (out_dir / "overrides.txt").read_text().splitlines():
        key, value = line.split("=")
        pool, _, specialty = key.split(".")[1:]
        assert staffed.pools[pool].specialists[specialty] == int(value)


@pytest.mark.parametrize(("extra", "message"), [
    ((), "give at least one --target"),
    (("--target", "utilisation=0.8"), "a target is METRIC<=VALUE"),
    (("--target", "utilisation<=0.8", "--pool", "nowhere"), "no pool 'nowhere'"),
    (("--target", "utilisation<=0.8", "--replications", "1"), "at least 2 for an interval"),
    (("--target", "utilisation<=0.8", "--seed", "-3"), "--seed must be non-negative"),
])
def test_staffing_bad_input_exits_2(capsys, mini_file: Path, extra: tuple[str, ...],
                                    message: str) -> None:
    status, _, err = run_cli(capsys, "staffing", mini_file, *extra, *SHORT)
    assert status == 2 and message in err


def test_known_kpis_come_from_the_engine() -> None:
    kpis = known_kpis(scenario_from_text(MINI_YAML))
    assert {"time_to_opinion_h.p90", "utilisation.in_house", "queue_length.outsourced"} <= set(
        kpis)


def test_registering_stays_light() -> None:
    code = ("import sys, argparse; from sim.experiment import sweep_cli; "
            "p = argparse.ArgumentParser(); sweep_cli.register(p.add_subparsers(), "
            "lambda sp: sp.add_argument('scenario')); "
            "print(sorted(m for m in ('pandas', 'numpy', 'simpy', 'SALib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
