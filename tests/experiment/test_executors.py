"""Executors: the same table to the bit whatever runs the tasks, and clean shutdowns."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.executors import SerialExecutor, executor_workers, make_executor
from sim.experiment.study import run_study
from sim.experiment.tasks import make_tasks, with_overrides
from tests.experiment import short

ROOT = Path(__file__).resolve().parents[2]


def _tasks(batch: int | None = 2) -> list:
    base = short("baseline", 15)
    points = [({"oncology": n}, with_overrides(base, {"pools.in_house.specialists.oncology": n}))
              for n in (3, 4)]
    return make_tasks(points, seed=11, replications=3, batch=batch)


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    with make_executor("serial") as ex:
        return run_study(tmp_path_factory.mktemp("serial"), _tasks(), ex, progress=False)


def test_serial_executor_runs_inline_and_keeps_exceptions() -> None:
    ex = SerialExecutor()
    assert ex.submit(divmod, 7, 2).result() == (3, 1)
    failed = ex.submit(divmod, 1, 0)
    assert failed.done() and isinstance(failed.exception(), ZeroDivisionError)
    ex.shutdown()
    with pytest.raises(RuntimeError):
        ex.submit(divmod, 1, 1)


def test_bad_executor_arguments() -> None:
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("threads")
    with pytest.raises(ValueError, match="dask"):
        make_executor("processes", scheduler="tcp://localhost:8786")
    with pytest.raises(ValueError, match="at least 1"):
        make_executor("processes", workers=0)


@pytest.mark.parametrize("workers", [1, 2])
def test_process_pool_gives_the_serial_table(tmp_path: Path, serial_table: pd.DataFrame,
                                             workers: int) -> None:
    with make_executor("processes", workers=workers) as ex:
        assert executor_workers(ex) == workers
        table = run_study(tmp_path, _tasks(), ex, progress=False)
    pd.testing.assert_frame_equal(table, serial_table, check_exact=True)


def test_batching_does_not_change_the_table(tmp_path: Path, serial_table: pd.DataFrame) -> None:
    with make_executor("serial") as ex:
        table = run_study(tmp_path, _tasks(batch=1), ex, progress=False)
    pd.testing.assert_frame_equal(table, serial_table, check_exact=True)


_DASK_CHILD = """
import sys
import dask, distributed  # a required dependency (dask[distributed]): never skipped
sys.path.insert(0, {root!r})
from sim.experiment.executors import executor_workers, make_executor
from sim.experiment.study import run_study
from tests.experiment.test_executors import _tasks
with dask.config.set({{"distributed.worker.multiprocessing-method": "forkserver"}}), \\
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                 dashboard_address=None) as cluster:
    ex = make_executor("dask", scheduler=cluster.scheduler_address)
    with ex:
        assert executor_workers(ex) == 2
        table = run_study({out!r}, _tasks(), ex, progress=False)
    assert ex.client.status == "closed"
table.to_parquet({table!r})
"""


def test_dask_cluster_gives_the_serial_table(tmp_path: Path, serial_table: pd.DataFrame) -> None:
    """In a fresh interpreter: a cluster leaves Dask's offload thread running for the life of
    the process, and a process with another thread never forks (sim.core.forked), which
    would turn later tests' side-by-side runs into serial ones."""
    code = _DASK_CHILD.format(root=str(ROOT), out=str(tmp_path / "study"),
                              table=str(tmp_path / "table.parquet"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_parquet(tmp_path / "table.parquet")
    pd.testing.assert_frame_equal(table, serial_table, check_exact=True)


_POOL_CHILD = """
import os, time
from sim.experiment.executors import make_executor
with make_executor("processes", workers=1) as ex:
    print(ex.submit(os.getpid).result(), flush=True)
    time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_pool_workers_exit_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _POOL_CHILD], stdout=subprocess.PIPE,
                              text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _running(worker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _running(worker):
        assert time.monotonic() < deadline, f"pool worker {worker} outlived its parent"
        time.sleep(0.05)
