"""Speed-up of the process pool over serial runs, measured in one go on this machine.

    python benchmarks/parallel.py                       # 8 replications, 2 workers
    python benchmarks/parallel.py --replications 16 --workers 4 --scenario scenarios/hybrid.yaml
    python benchmarks/parallel.py --runner              # sim.run's forked workers (issue #24)

Runs the same study (one task per replication of the scenario, one simulated
year by default) serially and on a process pool, checks that the two tables are
identical to the bit, and prints both wall-clock times and their ratio. The
pool's start-up is included: it is part of what a user waits for.

``--runner`` measures what :func:`sim.outputs.runner.parallel_workers` decides with:
``sim.run`` (and its KPIs) with ``workers=1`` and ``workers=2``, in pairs, over several
horizons; the CPU time per case of the serial run (engine, case table, KPIs:
``SECONDS_PER_CASE``), and what a forked worker adds in CPU time (fork, results pickled
and read back: ``WORKER_COST_S``), besides the wall-clock speed-up.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import sim
from sim.experiment.executors import available_cores, make_executor
from sim.experiment.study import run_study
from sim.experiment.tasks import make_tasks

ROOT = Path(__file__).resolve().parents[1]


def timed(kind: str, tasks: list, workers: int | None) -> tuple[float, pd.DataFrame]:
    """Seconds to run ``tasks`` on a fresh executor of ``kind`` (start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with make_executor(kind, workers=workers) as ex:
            table = run_study(tmp, tasks, ex, progress=False)
        return time.perf_counter() - start, table


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def runner(scenario_file: Path, replications: int, rounds: int = 3) -> None:
    """sim.run with 1 and 2 workers, in pairs, at several horizons: the rule's two constants."""
    for days in (14, 30, 90, 365):
        s = sim.load_scenario(scenario_file, [f"simulation.horizon_days={days}",
                                              f"simulation.warmup_days={min(28, days // 4)}"])
        got: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(rounds):
            for workers in (1, 2):
                wall, cpu = time.perf_counter(), _cpu()
                res = sim.run(s, replications=replications, workers=workers)
                res.kpis  # noqa: B018
                got[workers].append((time.perf_counter() - wall, _cpu() - cpu))
        cases = s.expected_cases * replications
        (w1, c1), (w2, c2) = ([statistics.median(x[k] for x in got[w]) for k in (0, 1)]
                              for w in (1, 2))
        print(f"{days:>4} days, {cases:>8,.0f} cases: serial {w1:6.2f} s wall "
              f"({1e6 * c1 / cases:5.1f} us CPU a case); 2 workers {w2:6.2f} s wall, "
              f"speed-up {w1 / w2:4.2f}x, each worker adds {(c2 - c1) / 2 * 1000:6.1f} ms CPU")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    p.add_argument("--replications", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--runner", action="store_true",
                   help="measure sim.run's forked workers (5 replications unless given)")
    args = p.parse_args()
    if args.runner:
        runner(args.scenario, args.replications if args.replications != 8 else 5)
        return
    scenario = sim.load_scenario(args.scenario, args.overrides)
    tasks = make_tasks([({}, scenario)], args.seed, args.replications, batch=1)
    print(f"{scenario.name}: {args.replications} replications of "
          f"{scenario.simulation.horizon_days:g} days; {available_cores()} cores available")
    serial_s, serial = timed("serial", tasks, None)
    pool_s, pooled = timed("processes", tasks, args.workers)
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    print(f"serial                  {serial_s:7.2f} s")
    print(f"processes ({args.workers} workers)   {pool_s:7.2f} s")
    print(f"speed-up                {serial_s / pool_s:7.2f}x  (tables identical to the bit)")


if __name__ == "__main__":
    main()
