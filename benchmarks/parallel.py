"""Speed-up of the process pool over serial runs, measured in one go on this machine.

    python benchmarks/parallel.py                       # 8 replications, 2 workers
    python benchmarks/parallel.py --replications 16 --workers 4 --scenario scenarios/hybrid.yaml

Runs the same study (one task per replication of the scenario, one simulated
year by default) serially and on a process pool, checks that the two tables are
identical to the bit, and prints both wall-clock times and their ratio. The
pool's start-up is included: it is part of what a user waits for.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    p.add_argument("--replications", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()
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
