"""Forked children (sim.core.forked): results as serial, errors raised here, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sim.core import forked
from sim.core.forked import Importing, can_fork, fork_map, in_background

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a single thread")


def _pid(_: object) -> int:
    return os.getpid()


def test_fork_map_gives_each_result_once_as_serial_would() -> None:
    got: dict[int, int] = {}
    fork_map(lambda x: x ** 3, list(range(7)), workers=3, on_result=got.__setitem__)
    assert got == {i: i ** 3 for i in range(7)}


def test_the_work_runs_in_children_one_per_worker() -> None:
    pids: dict[int, int] = {}
    fork_map(_pid, list(range(4)), workers=2, on_result=pids.__setitem__)
    assert os.getpid() not in pids.values()
    assert pids[0] == pids[2] != pids[1] == pids[3]  # every second item in the same child


def test_an_error_in_a_child_is_raised_here_with_its_type() -> None:
    def fail(x: int) -> int:
        if x == 3:
            raise ValueError(f"bad item {x}")
        return x

    with pytest.raises(ValueError, match="bad item 3"):
        fork_map(fail, list(range(6)), workers=2, on_result=lambda i, r: None)


def test_an_exception_that_cannot_be_pickled_comes_back_as_its_text() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail() -> None:
        raise Local("nowhere to go")

    with pytest.raises(RuntimeError, match="nowhere to go"):
        in_background(fail).wait()


def test_background_returns_the_result_and_runs_meanwhile() -> None:
    job = in_background(_pid, None)
    assert job.wait() != os.getpid()


def test_with_another_thread_running_nothing_is_forked() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not can_fork()
        got: dict[int, int] = {}
        fork_map(_pid, [0, 1], workers=2, on_result=got.__setitem__)
        assert set(got.values()) == {os.getpid()}
        assert in_background(_pid, None).wait() == os.getpid()
    finally:
        stop.set()
        t.join()


def test_no_nesting_inside_a_child() -> None:
    inner: dict[int, bool] = {}
    fork_map(lambda _: forked.can_fork(), [0, 1], workers=2, on_result=inner.__setitem__)
    assert inner == {0: False, 1: False}


def test_printed_output_is_neither_lost_nor_doubled() -> None:
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from sim.core.forked import fork_map, in_background\n"
            "print('before', end=' ')\n"
            "fork_map(lambda x: print('child', x) or x, [1, 2], 2, lambda i, r: None)\n"
            "in_background(print, 'background').wait()\n"
            "print('after')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.count("before") == 1 and out.count("after") == 1
    assert out.count("child") == 2  # (the two children's lines may interleave)
    assert out.count("background") == 1


def test_children_go_on_while_a_module_is_imported(tmp_path: Path, monkeypatch) -> None:
    """A child's result larger than a pipe holds is read while a thread imports: the child
    starts its next item before the import ends (imported here, it would wait for it)."""
    (tmp_path / "slow_import_for_test.py").write_text(
        "import time\ntime.sleep(1.5)\nDONE = time.monotonic()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    began: dict[int, float] = {}
    importing: list[Importing] = []

    def item(i: int) -> tuple[float, bytes]:
        return time.monotonic(), bytes(4 << 20)  # 4 MB: a pipe holds 64 KB

    fork_map(item, [0, 1, 2, 3], workers=2, on_result=lambda i, r: began.__setitem__(i, r[0]),
             started=lambda: importing.append(Importing("slow_import_for_test")))
    module = importing[0].done()
    assert began[2] < module.DONE and began[3] < module.DONE
    assert threading.active_count() == 1 and can_fork()


def test_an_import_error_is_raised_by_done() -> None:
    importing = Importing("sim.no_such_module")
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        importing.done()
    assert threading.active_count() == 1
