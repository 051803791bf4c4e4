"""The speed targets, checked by hand: ``python -m pytest -m bench tests/test_bench.py``.

Issue #13's constraint: on the shipped baseline scaled to a million cases a year, the
engine costs no more CPU time per case than the bare SimPy tandem of the same stages
(``benchmarks/tandem.py``), measured in the same round (tandem, engine, tandem again:
``benchmarks/bench_engine.py``). About three minutes on one core. And what issue #24 won:
a study's run (the engine, its case table, every invariant, every KPI) costs at most 1.25x
the engine alone (1.17-1.18x measured; 1.27x before). Kept out of the default suite, as
every timing is (a busy machine moves single ratios by 20-40%).
"""

from __future__ import annotations

import pytest

from benchmarks import bench_sweep_run
from benchmarks.bench_engine import measure_round

pytestmark = pytest.mark.bench


def test_engine_costs_no_more_than_the_bare_tandem_at_a_million_cases() -> None:
    rows = measure_round(1_000_000, kinds=("engine",))
    ratio = rows["engine"]["ratio"]
    assert ratio <= 1.0, (
        f"the engine took {ratio:.2f}x the bare tandem's CPU time per case "
        f"({rows['engine']['per_case_us']:.1f} against {rows['tandem']['per_case_us']:.1f} us)")


def test_a_study_run_costs_at_most_a_quarter_more_than_the_engine() -> None:
    runs, engine, task, _ = bench_sweep_run.measure(points=4)
    assert task / engine <= 1.25, (
        f"a study task's run took {task / engine:.2f}x the engine alone's CPU over {runs} "
        f"runs ({task:.2f} s against {engine:.2f} s; python benchmarks/bench_sweep_run.py "
        f"--parts shows which output grew)")
