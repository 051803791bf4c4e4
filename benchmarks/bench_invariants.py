"""Cost of the run invariants (:mod:`sim.outputs.invariants`) as a share of the run itself.

    python benchmarks/bench_invariants.py            # 100k and 1M cases
    python benchmarks/bench_invariants.py --quick    # 20k and 100k cases

The baseline scenario scaled to N cases a year (staff scaled with it), one replication:
CPU time of the engine (``simulate``) and of building the case table, then of
:func:`~sim.outputs.invariants.check_run` on that table, in the same process. Reported as
the ratio of the checks' time to the engine's and to the whole (engine + table): a
same-run ratio, which is what travels between machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(n: int) -> dict[str, float]:
    """CPU seconds of the engine, the case table and the invariants for ``n`` cases a year."""
    import sim
    from sim.engine.model import simulate
    from sim.engine.plan import build_plan
    from sim.outputs.invariants import check_run
    from sim.outputs.results import case_table
    from sim.timeline import scale_staff

    base = sim.load_scenario(ROOT / "scenarios/baseline.yaml")
    scaled = sim.load_scenario(ROOT / "scenarios/baseline.yaml", overrides=[
        f"demand.cases_per_year={n}", "simulation.warmup_days=0"])
    plan = build_plan(scale_staff(scaled, n / base.demand.cases_per_year))
    t = time.process_time()
    rep = simulate(plan, 7, 0)
    engine = time.process_time() - t
    t = time.process_time()
    cases = case_table(plan, rep)
    table = time.process_time() - t
    t = time.process_time()
    check_run(plan, rep, cases)
    checks = time.process_time() - t
    return {"cases": len(rep.cases), "engine_s": engine, "table_s": table, "checks_s": checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k and 100k cases")
    args = parser.parse_args()
    sizes = (20_000, 100_000) if args.quick else (100_000, 1_000_000)
    print("| cases | engine CPU s | checks CPU s | checks / engine | checks / (engine + table) |")
    print("|---|---|---|---|---|")
    for n in sizes:
        m = measure(n)
        print(f"| {m['cases']:,} | {m['engine_s']:.2f} | {m['checks_s']:.3f} | "
              f"{m['checks_s'] / m['engine_s']:.1%} | "
              f"{m['checks_s'] / (m['engine_s'] + m['table_s']):.1%} |")


if __name__ == "__main__":
    main()
