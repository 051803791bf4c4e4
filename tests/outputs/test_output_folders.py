"""No run destroys another run's outputs unasked, and a what-if says what it changed.

Issue 11, bug 2: ``sosim run baseline.yaml --set ...oncology=6`` replaced
``results/baseline/`` (header and figures still said "baseline"), and a later ``--years``
run deleted ``cases.parquet`` and ``events.parquet`` from the same folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.outputs.folders import check_overwrite, new_folder, run_id
from sim.outputs.writing import verify_output
from tests.conftest import MINI_YAML, sosim

FAST = ["--set", "simulation.horizon_days=20", "--replications", "2", "--quiet"]
WHAT_IF = "pools.in_house.specialists.oncology=6"




def folders(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if p.is_dir() and not p.is_symlink())


def test_runs_what_ifs_and_timelines_each_keep_their_own_folder(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sosim(capsys, "run", "mini.yaml", *FAST, "--no-figures")[0] == 0
    status, out, _ = sosim(capsys, "run", "mini.yaml", *FAST, "--no-figures", "--set", WHAT_IF)
    assert status == 0
    assert f"with --set simulation.horizon_days=20 --set {WHAT_IF}" in out.splitlines()[1]
    assert sosim(capsys, "run", "mini.yaml", *FAST, "--no-figures", "--years", "2026-2027")[0] == 0

    parent = here / "results" / "mini"
    runs = folders(parent)
    assert len(runs) == 3
    kinds = [json.loads((f / "manifest.json").read_text())["kind"] for f in runs]
    assert sorted(kinds) == ["run", "run", "timeline"]
    for f in runs:  # every output complete and intact: nothing deleted or replaced
        assert verify_output(f) == []
    plain, what_if = (f for f, k in zip(runs, kinds, strict=True) if k == "run")
    assert (plain / "cases.parquet").is_file() and (plain / "events.parquet").is_file()
    overrides = [json.loads((f / "manifest.json").read_text())["overrides"]
                 for f in (plain, what_if)]
    assert sorted(overrides, key=len) == [["simulation.horizon_days=20"],
                                          ["simulation.horizon_days=20", WHAT_IF]]
    # the names sort by time and end with the hash of what made them
    for f in runs:
        stamp, ident = f.name.split("-")[:2]
        assert len(stamp) == 16 and stamp.endswith("Z") and len(ident) == 8
    # every run here has --set (FAST shortens it): each is a what-if, latest-what-if the newest
    pointer = json.loads((parent / "latest-what-if.json").read_text())
    latest = next(f for f, k in zip(runs, kinds, strict=True) if k == "timeline")
    assert pointer["folder"] == latest.name and pointer["kind"] == "timeline"
    assert pointer["overrides"] == ["simulation.horizon_days=20"]
    if (parent / "latest-what-if").is_symlink():
        assert (parent / "latest-what-if").resolve() == latest.resolve()
    assert not (parent / "latest.json").exists()  # no run of the file as written yet


def test_a_what_if_leaves_latest_to_the_scenario_as_written(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quick = ["--replications", "2", "--quiet", "--no-figures", "--no-events"]
    assert sosim(capsys, "run", "mini.yaml", *quick)[0] == 0
    parent = here / "results" / "mini"
    (plain,) = folders(parent)
    assert sosim(capsys, "run", "mini.yaml", *quick, "--set", WHAT_IF)[0] == 0
    what_if = next(f for f in folders(parent) if f != plain)
    assert json.loads((parent / "latest.json").read_text())["folder"] == plain.name
    assert json.loads((parent / "latest-what-if.json").read_text())["folder"] == what_if.name
    if (parent / "latest").is_symlink():
        assert (parent / "latest").resolve() == plain.resolve()
    # so rerunning latest reproduces the file as written, not the what-if
    status, out, _ = sosim(capsys, "rerun", str(parent / "latest.json"), "--out",
                           str(here / "again"))
    assert status == 0 and "bit for bit" in out
    assert json.loads((here / "again" / "manifest.json").read_text())["overrides"] == []


def test_same_run_twice_gets_two_folders() -> None:
    ident = run_id({"scenario": "abc", "seed": 7, "overrides": []})
    assert ident != run_id({"scenario": "abc", "seed": 7, "overrides": [WHAT_IF]})


def test_a_taken_name_gets_a_suffix(tmp_path: Path) -> None:
    first = new_folder(tmp_path, "1a2b3c4d")
    first.mkdir()
    second = new_folder(tmp_path, "1a2b3c4d")
    assert second != first and not second.exists()


def test_out_refuses_an_earlier_output_unless_overwrite(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = here / "mine"
    run = ["run", "mini.yaml", *FAST, "--no-figures", "--out", str(out)]
    assert sosim(capsys, *run)[0] == 0
    before = (out / "manifest.json").read_bytes()
    status, _, err = sosim(capsys, *run, "--set", WHAT_IF)
    assert status == 2
    assert "holds the outputs of an earlier sosim command; pass --overwrite" in err
    assert "nothing was run" in err
    assert (out / "manifest.json").read_bytes() == before
    assert sosim(capsys, *run, "--set", WHAT_IF, "--overwrite")[0] == 0
    assert WHAT_IF in json.loads((out / "manifest.json").read_text())["overrides"]
    assert not (here / "results").exists()  # --out is exactly where the outputs go


def test_overwrite_never_replaces_a_folder_sosim_did_not_write(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = here / "own"
    own.mkdir()
    (own / "notes.txt").write_text("keep me")
    for extra in ([], ["--overwrite"]):
        status, _, err = sosim(capsys, "run", "mini.yaml", *FAST, "--out", str(own), *extra)
        assert status == 2 and "refusing to replace it" in err
    assert (own / "notes.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="refusing"):
        check_overwrite(own, overwrite=True)


@pytest.mark.parametrize("command", [
    ["warmup", "mini.yaml", "--executor", "serial", "--window", "2",
     "--set", "simulation.horizon_days=40", "--quiet"],
    ["replications", "mini.yaml", "--executor", "serial", "--max", "4", "--lookahead", "1",
     "--set", "simulation.horizon_days=20", "--quiet"],
    ["staffing", "mini.yaml", "--target", "utilisation<=0.9", "--pool", "in_house",
     "--executor", "serial", *FAST],
])
def test_other_commands_write_a_new_folder_each_time(
        here: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    for _ in range(2):
        status, _, err = sosim(capsys, *command)
        assert status == 0, err
    parent = here / "results" / command[0] / "mini"
    made = folders(parent)
    assert len(made) == 2 and all(verify_output(f) == [] for f in made)
    assert json.loads((parent / "latest.json").read_text())["kind"] == command[0]


def test_a_study_resumes_in_its_folder_and_restarts_with_overwrite(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = here / "study"
    cmd = ["compare", "mini.yaml", "--vary", "pools.in_house.specialists.oncology=3,4",
           *FAST, "--executor", "serial", "--out", str(out)]
    assert sosim(capsys, *cmd)[0] == 0
    marker = out / "tasks" / "marker.txt"
    marker.write_text("x")
    assert sosim(capsys, *cmd)[0] == 0  # same study: resumed, nothing deleted
    assert marker.exists()
    assert sosim(capsys, *cmd, "--overwrite")[0] == 0  # asked: started over
    assert not marker.exists() and verify_output(out) == []


def test_figure_titles_name_the_overrides() -> None:
    import sim
    from sim.loading import scenario_from_text
    from sim.outputs.figures import time_to_opinion_figure, utilisation_figure

    scenario = scenario_from_text(MINI_YAML, overrides=["simulation.horizon_days=20"])
    results = sim.run(scenario, replications=1)
    results.overrides = ("simulation.horizon_days=20", WHAT_IF)
    label = f"mini with simulation.horizon_days=20, {WHAT_IF}"
    assert label in time_to_opinion_figure(results).get_suptitle()
    assert label in utilisation_figure(results).axes[0].get_title()


def test_figures_drawn_beside_the_tables_are_all_in_the_manifest_and_a_failure_writes_nothing(
        baseline_60_days, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures are drawn in a forked child while the tables are written (sim.core.forked):
    every one is listed in the manifest; if drawing fails, the error is raised here and no
    folder (nor a temporary one) is left."""
    from sim.outputs import figures
    from sim.outputs.writing import write_results

    folder = write_results(baseline_60_days, tmp_path / "ok", events=False)
    listed = {f["path"] for f in json.loads((folder / "manifest.json").read_text())["files"]}
    assert {f"figures/{n}.png" for n in ("time_to_opinion", "utilisation", "queue_length",
                                         "savings_waterfall", "payers")} <= listed
    assert verify_output(folder) == []

    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figures, "save_figures", broken)
    with pytest.raises(OSError, match="No space left"):
        write_results(baseline_60_days, tmp_path / "full", events=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok"]
