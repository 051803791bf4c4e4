"""Studies: saved task by task, resumed after a real kill -9, and never mixed up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.experiment.executors import SerialExecutor, make_executor
from sim.experiment.study import StudyMismatch, load_study, run_study, task_path
from sim.experiment.tasks import Task, make_tasks, run_task, with_overrides
from tests.experiment import ROOT, short


def kill_tasks(seed: int = 5) -> list[Task]:
    """12 one-replication tasks of two design points (also built by the killed subprocess)."""
    base = short("baseline", 15)
    points = [({"accuracy": a}, with_overrides(base, {"triage.ai.accuracy": a}))
              for a in (0.8, 0.95)]
    return make_tasks(points, seed=seed, replications=6, batch=1)


class CountingExecutor(SerialExecutor):
    """A serial executor that counts what it runs and can fail one task."""

    def __init__(self, fail: str | None = None) -> None:
        super().__init__()
        self.ran: list[str] = []
        self.fail = fail

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        task = args[0]
        self.ran.append(task.key)
        if task.key == self.fail:
            return super().submit(_boom)
        return super().submit(fn, *args, **kwargs)


def _boom() -> None:
    raise RuntimeError("simulated failure")


def test_make_tasks_keys_params_and_default_batches() -> None:
    s = short("baseline", 15)
    tasks = make_tasks([({"x": 1}, s), ({"x": 2}, s)], seed=3, replications=5, batch=2)
    assert [t.key for t in tasks] == [
        "point-0000/reps-0-1", "point-0000/reps-2-3", "point-0000/reps-4-4",
        "point-0001/reps-0-1", "point-0001/reps-2-3", "point-0001/reps-4-4"]
    assert tasks[3].params == {"point": 1, "x": 2} and tasks[3].replications == (0, 1)
    one = make_tasks([({}, s)], seed=3, replications=100)
    assert len(one) == 25 and sum(len(t.replications) for t in one) == 100  # ~32 at most
    many = make_tasks([({}, s)] * 40, seed=3, replications=10)
    assert len(many) == 40  # plenty of points: one task each


@pytest.mark.parametrize("bad", [
    dict(key="../escape"), dict(key="a b"), dict(replications=()), dict(replications=(1, 1)),
    dict(replications=(-1,)), dict(seed=-2), dict(params={"replication": 1}),
])
def test_task_refuses_bad_fields(bad: dict[str, Any]) -> None:
    fields = dict(key="ok/reps-0-0", scenario=short("baseline", 15), seed=1, replications=(0,),
                  params={})
    with pytest.raises(ValueError):
        Task(**{**fields, **bad})


def test_run_task_columns() -> None:
    task = Task("p/reps-1-2", short("baseline", 15), 4, (2, 1), {"point": 7, "policy": "ai"})
    df = run_task(task)
    assert list(df.columns[:5]) == ["point", "policy", "replication", "seed", "arrivals"]
    assert df["replication"].tolist() == [2, 1] and (df["seed"] == 4).all()
    assert (df["point"] == 7).all() and (df["policy"] == "ai").all()


def test_rerun_skips_finished_tasks_and_manifest_describes_the_study(tmp_path: Path) -> None:
    tasks = make_tasks([({"a": 1}, short("baseline", 15))], seed=2, replications=3, batch=1)
    first = CountingExecutor()
    table = run_study(tmp_path, tasks, first, progress=False, description="demo")
    assert len(first.ran) == 3 and len(table) == 3
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["description"] == "demo" and manifest["seed"] == 2
    assert [t["key"] for t in manifest["tasks"]] == [t.key for t in tasks]
    assert manifest["sosim_version"] and len(manifest["points"]) == 1
    assert (tmp_path / "scenarios" / manifest["points"][0]["scenario_file"]).is_file()
    again = CountingExecutor()
    pd.testing.assert_frame_equal(run_study(tmp_path, tasks, again, progress=False), table,
                                  check_exact=True)
    assert again.ran == []
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), table)


def test_a_failed_task_keeps_the_others_and_names_itself(tmp_path: Path) -> None:
    tasks = make_tasks([({}, short("baseline", 15))], seed=2, replications=3, batch=1)
    with pytest.raises(RuntimeError, match="simulated") as info:
        run_study(tmp_path, tasks, CountingExecutor(fail=tasks[1].key), progress=False)
    assert any(tasks[1].key in note for note in info.value.__notes__)
    assert task_path(tmp_path, tasks[0]).exists() and not task_path(tmp_path, tasks[1]).exists()
    assert load_study(tmp_path)["replication"].tolist() == [0]
    retry = CountingExecutor()
    assert len(run_study(tmp_path, tasks, retry, progress=False)) == 3
    assert retry.ran == [tasks[1].key, tasks[2].key]


def test_manifest_refuses_a_different_study(tmp_path: Path) -> None:
    s = short("baseline", 15)
    tasks = make_tasks([({}, s)], seed=2, replications=2, batch=1)
    run_study(tmp_path, tasks, SerialExecutor(), progress=False)
    others = {
        "seed": make_tasks([({}, s)], seed=3, replications=2, batch=1),
        "replications": make_tasks([({}, s)], seed=2, replications=3, batch=1),
        "scenario_hash": make_tasks([({}, with_overrides(s, {"triage.ai.accuracy": 0.9}))],
                                    seed=2, replications=2, batch=1),
        "params": make_tasks([({"x": 1}, s)], seed=2, replications=2, batch=1),
    }
    for what, other in others.items():
        with pytest.raises(StudyMismatch, match=what if what != "replications" else "tasks"):
            run_study(tmp_path, other, SerialExecutor(), progress=False)
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        run_study(stray, tasks, SerialExecutor(), progress=False)


def test_duplicate_keys_or_replications_are_refused(tmp_path: Path) -> None:
    s = short("baseline", 15)
    t = Task("a/reps-0-0", s, 1, (0,), {})
    with pytest.raises(ValueError, match="unique"):
        run_study(tmp_path, [t, t], SerialExecutor(), progress=False)
    with pytest.raises(ValueError, match="already"):
        run_study(tmp_path, [t, Task("b/reps-0-1", s, 1, (0, 1), {})], SerialExecutor(),
                  progress=False)


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.delenv("CI", raising=False)
    from sim.core.progress import interactive

    assert interactive(True) and not interactive(False)
    monkeypatch.setenv("CI", "true")
    assert not interactive(True)


_CHILD = """
import sys
from sim.experiment.executors import make_executor
from sim.experiment.study import run_study
from tests.experiment.test_study import kill_tasks
with make_executor(sys.argv[2]) as ex:
    run_study(sys.argv[1], kill_tasks(), ex, progress=False)
"""


def test_study_killed_midway_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    folder = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(folder), "serial"], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(list(folder.glob("tasks/*/*.parquet"))) < 2:
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert time.monotonic() < deadline, "the study never saved two tasks"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    done = len(list(folder.glob("tasks/*/*.parquet")))
    assert 2 <= done < 12, "the kill came too late to test a resume"

    tasks = kill_tasks()
    with make_executor("processes", workers=2) as ex:
        resumed = run_study(folder, tasks, ex, progress=False)
    complete = run_study(tmp_path / "whole", tasks, SerialExecutor(), progress=False)
    assert len(resumed) == 12 and not resumed.duplicated(["point", "replication"]).any()
    pd.testing.assert_frame_equal(resumed, complete, check_exact=True)
    assert sorted(p.name for p in folder.glob("tasks/*/*")) == \
        sorted(f"reps-{r}-{r}.parquet" for r in range(6) for _ in range(2))
