"""Same-run ratio of the engine's speed against an earlier commit of this repository.

    python benchmarks/engine_vs_commit.py 7bd9cd2            # 100,000 cases, 4 rounds
    python benchmarks/engine_vs_commit.py main --cases 20000 --rounds 2

The earlier commit is extracted with ``git archive`` into a temporary folder; each round
runs ``simulate`` on the baseline scaled to ``--cases`` a year (staff scaled with it, as
``bench_engine.py`` does) once per tree, alternating, each in a fresh interpreter, and
records CPU time. It prints the median CPU seconds of each tree and their ratio (now /
then): on a shared machine only such same-run ratios travel.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import sys, time
sys.path.insert(0, {root!r})
import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.timeline import scale_staff
n = {n}
path = {root!r} + "/scenarios/baseline.yaml"
base = sim.load_scenario(path)
scaled = sim.load_scenario(path, overrides=[f"demand.cases_per_year={{n}}",
                                            "simulation.warmup_days=0"])
plan = build_plan(scale_staff(scaled, n / base.demand.cases_per_year))
t = time.process_time()
simulate(plan, 7, 0)
print(time.process_time() - t)
"""


def cpu_seconds(root: Path, n: int) -> float:
    """CPU seconds of one engine run of the tree at ``root``, in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(root), n=n)],
                         cwd=root, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("commit", help="the earlier commit (hash, branch or tag)")
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=4)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        then_root = Path(tmp)
        archive = subprocess.run(["git", "archive", args.commit], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(then_root)], input=archive, check=True)
        then, now = [], []
        for _ in range(args.rounds):
            then.append(cpu_seconds(then_root, args.cases))
            now.append(cpu_seconds(ROOT, args.cases))
    a, b = statistics.median(then), statistics.median(now)
    print(f"{args.commit}: {', '.join(f'{x:.2f}' for x in then)} s (median {a:.2f})")
    print(f"now: {', '.join(f'{x:.2f}' for x in now)} s (median {b:.2f})")
    print(f"ratio now / {args.commit}: {b / a:.3f} ({args.cases:,} cases, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
