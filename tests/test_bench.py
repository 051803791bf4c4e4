"""The engine's speed target, checked by hand: ``python -m pytest -m bench tests/test_bench.py``.

Issue #13's constraint: on the shipped baseline scaled to a million cases a year, the
engine costs no more CPU time per case than the bare SimPy tandem of the same stages
(``benchmarks/tandem.py``), measured in the same round (tandem, engine, tandem again:
``benchmarks/bench_engine.py``). About three minutes on one core; kept out of the default
suite, as every timing is (a busy machine moves single ratios by 20-40%).
"""

from __future__ import annotations

import pytest

from benchmarks.bench_engine import measure_round

pytestmark = pytest.mark.bench


def test_engine_costs_no_more_than_the_bare_tandem_at_a_million_cases() -> None:
    rows = measure_round(1_000_000, kinds=("engine",))
    ratio = rows["engine"]["ratio"]
    assert ratio <= 1.0, (
        f"the engine took {ratio:.2f}x the bare tandem's CPU time per case "
        f"({rows['engine']['per_case_us']:.1f} against {rows['tandem']['per_case_us']:.1f} us)")
