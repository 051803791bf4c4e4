"""Replications side by side (sim.outputs.runner, forked workers) give the same results to the
bit as one after the other: every table, every KPI, the event log and the summary."""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.forked import can_fork
from sim.outputs.runner import parallel_workers

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["simulation.horizon_days=60", "simulation.warmup_days=7"]
pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a single thread")


def _same(a: sim.Results, b: sim.Results) -> None:
    pd.testing.assert_frame_equal(a.cases, b.cases, check_exact=True)
    pd.testing.assert_frame_equal(a.kpis, b.kpis, check_exact=True)
    pd.testing.assert_frame_equal(a.summary(), b.summary(), check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    pd.testing.assert_frame_equal(a.capacity, b.capacity, check_exact=True)
    for x, y in zip(a.replications, b.replications, strict=True):
        assert x.index == y.index
        for f in dataclasses.fields(x.counts):  # the engine's counts, arrays included
            np.testing.assert_array_equal(getattr(x.counts, f.name), getattr(y.counts, f.name))


@pytest.mark.parametrize("name", ["baseline", "legacy_referral", "hybrid", "payer_mandate",
                                  "sessions_and_contract"])
def test_side_by_side_equals_one_after_the_other(name: str) -> None:
    s = sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml", SHORT)
    serial = sim.run(s, seed=3, replications=3, workers=1)
    forked = sim.run(s, seed=3, replications=3, workers=2)
    assert forked._kpi_rows is not None  # built by the workers, not again here
    _same(serial, forked)


def test_the_default_run_of_the_baseline_goes_side_by_side_and_is_the_same() -> None:
    s = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert parallel_workers(s, 5, cores=2) == 3  # 2, 2 and 1 replications on 2 cores
    assert parallel_workers(s, 4, cores=2) == 2
    seen: list[tuple[int, int]] = []
    forked = sim.run(s, workers=3, progress=lambda done, n: seen.append((done, n)))
    assert seen == [(k, 5) for k in range(6)]
    _same(sim.run(s, workers=1), forked)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_module_asked_for_is_imported_by_the_end_and_no_thread_remains(
        tmp_path: Path, monkeypatch, workers: int) -> None:
    name = f"meanwhile_for_test_{workers}"
    (tmp_path / f"{name}.py").write_text("import threading\nTHREAD = threading.current_thread()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    s = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", SHORT)
    res = sim.run(s, seed=3, replications=2, workers=workers, meanwhile=name)
    module = sys.modules[name]  # imported by the run: side by side, by a thread of its own
    assert (module.THREAD is threading.main_thread()) == (workers == 1)
    assert threading.active_count() == 1 and len(res.replications) == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_a_broken_invariant_stops_the_run_before_anything_is_measured(monkeypatch,
                                                                       workers: int) -> None:
    """A worker whose invariants fail hands back the replication alone; the run raises, as a
    serial run does, before any KPI is measured (check_run is the runner's own step)."""
    from sim.outputs import invariants, results
    from sim.outputs.invariants import InvariantError

    def broken(*_: object) -> None:
        raise InvariantError("queue p/x: deliberately broken")

    monkeypatch.setattr(invariants, "check_run", broken)
    monkeypatch.setattr(results, "check_run", broken)
    s = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", SHORT)
    with pytest.raises(InvariantError, match="deliberately broken"):
        sim.run(s, replications=2, workers=workers)
