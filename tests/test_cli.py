"""The ``sosim`` command line: exit statuses, what it prints, what it writes.

Bad input must give exit status 2 and ``file:line: path: message`` lines on stderr, never a
traceback, and nothing may be run or written. Most tests call :func:`sim.cli.main` in-process
for speed; one runs ``python -m sim`` for real to prove the process exit status.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from tests.conftest import MINI_YAML, edited

BAD_YAML = edited("accuracy: 0.87", "accuracy: 1.3",
                  edited("cases_per_year: 2000", "cases_per_year: -5"))


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_validate_good_file_prints_the_capacity_table(capsys, mini_file: Path) -> None:
    status, out, err = run_cli(capsys, "validate", mini_file)
    assert status == 0, err
    assert f"{mini_file}: valid scenario 'mini'" in out
    assert "Capacity check" in out
    for resource in ("in_house/oncology", "in_house/cardiology", "outsourced/oncology"):
        assert resource in out
    assert "warning" not in err


def test_validate_bad_file_exits_2_with_every_problem(capsys, bad_file: Path) -> None:
    status, out, err = run_cli(capsys, "validate", bad_file)
    assert status == 2
    assert out == ""
    assert f"{bad_file}:6: demand.cases_per_year: input should be greater than 0 (got -5)" in err
    assert f"{bad_file}:9: triage.ai.accuracy: input should be less than or equal to 1 (got 1.3)" \
        in err
    assert "2 problems in the scenario; nothing was run" in err


def test_python_dash_m_sim_exit_status_is_2_for_a_bad_file(bad_file: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad_file)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{bad_file}:6: demand.cases_per_year: input should be greater than 0 " \
        "(got -5)"
    assert lines[1].startswith(f"{bad_file}:9: triage.ai.accuracy: ")
    assert "Traceback" not in proc.stderr


def test_the_quick_exit_flushes_output_and_runs_exit_handlers(tmp_path: Path) -> None:
    """``sosim`` ends with ``os._exit`` (no interpreter teardown): what it printed into a
    pipe must still arrive whole, and exit handlers registered on the way must still run."""
    flag = tmp_path / "handler-ran"
    code = ("import atexit, pathlib, sys; from sim.cli import entry; "
            f"atexit.register(pathlib.Path({str(flag)!r}).write_text, 'yes'); "
            "sys.argv = ['sosim', 'validate', 'scenarios/baseline.yaml']; entry()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("scenarios/baseline.yaml: valid scenario 'baseline'")
    assert proc.stdout.endswith("\n") and "utilisation" in proc.stdout.lower()
    assert flag.read_text() == "yes"


def test_run_prints_kpis_and_writes_outputs(capsys, mini_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run_cli(capsys, "run", mini_file, "--out", out_dir, "--replications", 2,
                               "--seed", 3, "--set", "simulation.horizon_days=20", "--no-figures")
    assert status == 0, err
    assert "2 replication(s), seed 3" in out
    for kpi in ("time to opinion mean", "arrivals", "delivered", "in system at end"):
        assert kpi in out
    # it opens with the answer at a glance: five lines, in this order, then the KPI table
    lines = out.splitlines()
    assert lines[0].startswith("At a glance (mini: means of 2 replications")
    assert lines.pop(1) == "with --set simulation.horizon_days=20"  # a what-if says so first
    assert [ln.split()[0] for ln in lines[1:6]] == ["match", "opinion", "drop-out", "cost",
                                                     "capacity"]
    assert lines[1].split()[1:4] == ["records", "to", "match"] and "time to match" in lines[1]
    written = {p.name for p in out_dir.rglob("*")}
    assert "manifest.json" in written
    assert written & {"cases.parquet", "cases.csv"}


@pytest.mark.parametrize(("override", "expected"), [
    ("pools.in_house.specalists.oncology=3", "--set: pools.in_house.specalists: unknown key"),
    ("demand.cases_per_year=-1", "--set: demand.cases_per_year: input should be greater than 0 "
                                 "(got -1)"),
    ("demand.cases_per_year=lots", "--set: demand.cases_per_year: input should be a valid number"),
    ("demand.cases_per_year", "--set: demand.cases_per_year: expected dotted.path=value"),
])
def test_bad_set_exits_2_naming_set(capsys, mini_file: Path, tmp_path: Path, override: str,
                                    expected: str) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run_cli(capsys, "run", mini_file, "--out", out_dir, "--set", override)
    assert status == 2
    assert expected in err
    assert "nothing was run" in err
    assert not out_dir.exists()


@pytest.mark.parametrize(("option", "value"), [("--replications", 0), ("--seed", -1),
                                               ("--workers", 0)])
def test_bad_run_options_exit_2(capsys, mini_file: Path, tmp_path: Path, option: str,
                                value: int) -> None:
    out_dir = tmp_path / "out"
    status, _, err = run_cli(capsys, "run", mini_file, "--out", out_dir, option, value)
    assert status == 2
    assert f"{option} must be" in err and f"(got {value})" in err
    assert not out_dir.exists()


def test_unparsable_option_exits_2(capsys, mini_file: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", str(mini_file), "--replications", "two"])
    assert info.value.code == 2
    assert "--replications" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_file_exits_2(capsys, tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere.yaml"
    status, out, err = run_cli(capsys, command, missing, *(["--out", tmp_path / "o"]
                                                           if command == "run" else []))
    assert status == 2
    assert f"{missing}: file not found" in err
    assert not (tmp_path / "o").exists()


def test_did_you_mean_for_a_file_a_pool_and_a_market_file(capsys, mini_file: Path,
                                                           tmp_path: Path) -> None:
    status, _, err = run_cli(capsys, "validate", mini_file.with_name("mni.yaml"))
    assert status == 2 and f"(did you mean {str(mini_file)!r}?)" in err
    status, _, err = run_cli(capsys, "run", mini_file, "--out", tmp_path / "o",
                             "--set", "pools.inhouse.specialists.oncology=6")
    assert status == 2
    assert "--set: pools.inhouse: unknown key 'inhouse' (did you mean 'in_house'?)" in err
    assert "field required" not in err and not (tmp_path / "o").exists()
    market = Path(__file__).resolve().parents[1] / "scenarios" / "market" / "doc000_2026.yaml"
    status, _, err = run_cli(capsys, "validate", market)
    assert status == 2 and err.count("\n") == 2  # one problem, one summary line
    assert f"this is a market file (base_year, total, volumes), not a scenario: read it with " \
           f"`sosim market {market}`" in err


@pytest.mark.parametrize("command", [
    ["run", "--replications", "2", "--no-figures", "--quiet"],
    ["market", "--no-figures"],
    ["hiring", "--target-p90-hours", "120", "--years", "2026-2026", "--replications", "1",
     "--quiet"],
])
def test_an_output_folder_it_cannot_write_exits_2_naming_it(capsys, mini_file: Path,
                                                            tmp_path: Path,
                                                            command: list[str]) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    out = blocker / "out"
    root = Path(__file__).resolve().parents[1]
    source = root / "scenarios/market/doc000_2026.yaml" if command[0] == "market" else mini_file
    status, _, err = run_cli(capsys, command[0], source, *command[1:], "--out", out)
    assert status == 2
    assert f"sosim {command[0]}: {blocker}" in err and err.rstrip().endswith("; stopped.")
    assert blocker.read_text() == "not a folder"


def test_bad_file_with_run_writes_nothing(capsys, bad_file: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    status, out, err = run_cli(capsys, "run", bad_file, "--out", out_dir)
    assert status == 2
    assert f"{bad_file}:6: demand.cases_per_year:" in err
    assert out == "" and not out_dir.exists()


def test_overloaded_scenario_warns_and_still_runs_to_the_horizon(capsys, mini_file: Path,
                                                                 tmp_path: Path) -> None:
    status, out, err = run_cli(
        capsys, "run", mini_file, "--out", tmp_path / "out", "--no-figures",
        "--set", "pools.in_house.specialists.oncology=0",
        "--set", "pools.outsourced.specialists.oncology=1",
        "--set", "demand.cases_per_year=50000",
        "--set", "simulation.horizon_days=20",
    )
    assert status == 0, err
    assert re.search(r"warning: outsourced/oncology: .*utilisation \d+\.\d+ >= 1\).*grow without "
                     r"bound", err), err
    found = re.search(r"in system at end\s+([\d,.]+)", out)
    assert found, out
    assert float(found.group(1).replace(",", "")) > 0
    assert "18 days measured after a 2-day warm-up" in out


def test_the_run_writes_the_capacity_check_made_beside_its_start(capsys, mini_file: Path,
                                                                 tmp_path: Path) -> None:
    """The run's capacity check is made in a forked child while the run starts (issue #24):
    the table written is the scenario's check, as ``capacity_report`` makes it here."""
    from sim.capacity.network import capacity_report
    from sim.engine.plan import build_plan
    from sim.outputs.tables import read_results_table

    overrides = ["simulation.horizon_days=10", "demand.cases_per_year=50000",
                 "pools.in_house.specialists.oncology=1"]
    status, _, err = run_cli(capsys, "run", mini_file, "--out", tmp_path / "out", "--quiet",
                             "--no-figures", "--no-events",
                             *[a for o in overrides for a in ("--set", o)])
    assert status == 0, err
    written = read_results_table(tmp_path / "out", "capacity")
    here = capacity_report(build_plan(sim.load_scenario(mini_file, overrides)))
    pd.testing.assert_frame_equal(written, here, check_dtype=False)
    assert "warning: in_house/oncology:" in err


def test_quiet_never_hides_a_real_overload(capsys, mini_file: Path, tmp_path: Path) -> None:
    status, _, err = run_cli(
        capsys, "run", mini_file, "--out", tmp_path / "out", "--no-figures", "--quiet",
        "--no-events", "--set", "routing.policy=in_house_first",
        "--set", "pools.in_house.specialists.oncology=1", "--set", "demand.cases_per_year=6000",
        "--set", "simulation.horizon_days=10")
    assert status == 0, err
    assert "warning: in_house/oncology:" in err and "grow without bound" in err
    # bounded by overflow, the same pool is not called overloaded
    status, _, err = run_cli(
        capsys, "validate", mini_file, "--set", "pools.in_house.specialists.oncology=1",
        "--set", "demand.cases_per_year=6000")
    assert status == 0 and "grow without bound" not in err


def test_counts_are_whole_and_their_intervals_do_not_go_below_zero(capsys, mini_file: Path,
                                                                   tmp_path: Path) -> None:
    status, out, err = run_cli(capsys, "run", mini_file, "--out", tmp_path / "out",
                               "--replications", 2, "--no-figures", "--no-events",
                               "--set", "simulation.horizon_days=12")
    assert status == 0, err
    for label in ("arrivals", "delivered", "in system at end", "opinions per week"):
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(label))
        numbers = re.findall(r"-?[\d,]+(?:\.\d+)?", line)
        assert numbers and all("." not in n and not n.startswith("-") for n in numbers), line
    assert re.search(r"cases waiting in_house \(time average\)\s+[\d.]+ cases", out), out
    assert "With only 2 replications" in out
    assert not re.search(r"\[-[\d.]+ h", out), out  # no negative hours


def test_mini_fixture_is_the_documented_scenario(mini_file: Path) -> None:
    assert mini_file.read_text(encoding="utf-8") == MINI_YAML


def test_workers_change_no_output(capsys, mini_file: Path, tmp_path: Path) -> None:
    """--workers 1 (one after the other) and --workers 2 (side by side) write the same tables."""
    import pandas as pd

    from sim.outputs.tables import read_results_table

    for w in (1, 2):
        status, _, _ = run_cli(capsys, "run", mini_file, "--out", tmp_path / f"w{w}",
                               "--replications", "3", "--workers", w, "--quiet", "--no-figures")
        assert status == 0
    for table in ("cases", "events", "kpis", "summary", "capacity"):
        pd.testing.assert_frame_equal(read_results_table(tmp_path / "w1", table),
                                      read_results_table(tmp_path / "w2", table),
                                      check_exact=True)


# ------------------------------------------------------------------ what each command imports

ROOT = Path(__file__).resolve().parents[1]


HEAVY = ("pandas", "scipy.special", "scipy.stats", "networkx", "matplotlib", "pyarrow",
         "simpy", "pydantic")

_CHILD = """
import contextlib, io, json, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _imported(argv: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]).rstrip(os.pathsep))
    done = subprocess.run([sys.executable, "-c", _CHILD.format(argv=argv, heavy=HEAVY)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("argv", "allowed"), [
    (["--help"], set()),
    (["run", "--help"], set()),
    (["validate", "scenarios/baseline.yaml"], {"scipy.special", "pydantic", "simpy"}),
])
def test_a_command_imports_only_what_it_uses(argv: list[str], allowed: set[str]) -> None:
    """Heavy libraries are imported only where used (issue #24): what each command loads.

    Each case runs in a fresh interpreter and lists the heavy modules it imported. ``sosim
    --help`` needs none of them; ``sosim validate`` needs pydantic (the schema), scipy.special
    (quantiles of the lognormal reviews in the reach estimate) and simpy (small; the rosters
    module holds both the capacity's presence and the engine's roster process), but not pandas
    (it prints the capacity check's records), scipy.stats (t-intervals come from
    scipy.special), networkx (reachability reads the routes) or matplotlib."""
    assert set(_imported(argv)) <= allowed
