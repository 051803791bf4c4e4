"""Engine benchmark: sosim against a bare SimPy tandem, at 100k and 1M cases, in one run.

    python benchmarks/bench_engine.py            # 100k and 1M cases (a few minutes)
    python benchmarks/bench_engine.py --quick    # 20k and 100k cases (CI smoke size)

Every measurement runs in a fresh subprocess, one after the other, so that
peak memory (the OS's ``ru_maxrss``) belongs to that measurement alone and no
two measurements compete for a core. Speeds are reported in cases per second of
CPU time (``time.process_time``), which a busy machine disturbs far less than
wall time, and as **ratios to the bare SimPy tandem measured in the same run**:
on these noisy machines only ratios travel.

What is measured:

- ``bare tandem``: idiomatic SimPy, Poisson arrivals, three pure delays and one
  multi-server review stage (``benchmarks/tandem.py``);
- ``sosim engine``: the full model on ``scenarios/baseline.yaml`` scaled to N
  cases a year (staff scaled with it so that utilisation stays the same): arrivals,
  intake, AI triage, authorisation, routing, review, outcome; engine only;
- ``engine core``: the same with the mechanisms of issue #13 switched off (priority
  classes, appointments, incomplete records, drop-out): what the engine cost before them;
- ``sosim run``: the same plus the case table, KPIs and economics, written to disk as
  ``sosim run`` does (Parquet, no figures), with and without the event log;
- ``growth``: seconds per case at 1M over seconds per case at 100k (1.0 = linear).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
kind, n = {kind!r}, {n}
out = {{}}
if kind == "tandem":
    from benchmarks.tandem import bare_tandem
    t = time.process_time(); w = time.perf_counter()
    bare_tandem(n)
    out["cpu_s"], out["wall_s"], out["cases"] = time.process_time() - t, time.perf_counter() - w, n
else:
    import sim
    from sim.engine.model import simulate
    from sim.engine.plan import build_plan
    from sim.outputs.results import Results
    from sim.timeline import scale_staff
    base = sim.load_scenario("scenarios/baseline.yaml")
    core = ["priorities=null", "appointments=null", "incomplete_records=null",
            "abandonment=null"] if kind == "core" else []
    scaled = sim.load_scenario("scenarios/baseline.yaml", overrides=[
        f"demand.cases_per_year={{n}}", "simulation.warmup_days=0", *core])
    plan = build_plan(scale_staff(scaled, n / base.demand.cases_per_year))
    t = time.process_time(); w = time.perf_counter()
    rep = simulate(plan, 7, 0)
    out["cpu_s"], out["wall_s"] = time.process_time() - t, time.perf_counter() - w
    out["cases"] = len(rep.cases)
    if kind in ("run", "run+events"):
        import tempfile
        from sim.outputs.writing import write_results
        t = time.process_time()
        res = Results(plan, [rep], 7)
        res.kpis
        write_results(res, tempfile.mkdtemp() + "/out", events=kind == "run+events",
                      figures=False)
        out["cpu_s"] += time.process_time() - t
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def measure(kind: str, n: int) -> dict:
    """Run one measurement in a fresh interpreter and return its figures."""
    code = _CHILD.format(root=str(ROOT), kind=kind, n=n)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["per_case_us"] = 1e6 * out["cpu_s"] / out["cases"]
    out["cases_per_s"] = out["cases"] / out["cpu_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k and 100k cases instead")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    small, large = (20_000, 100_000) if args.quick else (100_000, 1_000_000)

    rows = []
    for kind in ("tandem", "core", "engine", "run", "run+events"):
        for n in (small, large):
            r = measure(kind, n)
            r.update(kind=kind, n=n)
            rows.append(r)
            print(f"{kind:<11} {n:>9,} cases: {r['cases_per_s']:>9,.0f} cases/s CPU "
                  f"({r['wall_s']:.1f} s wall), peak {r['peak_rss_mb']:,.0f} MB", flush=True)

    def get(kind: str, n: int) -> dict:
        return next(r for r in rows if r["kind"] == kind and r["n"] == n)

    print("\nratios (per-case CPU time against the bare SimPy tandem of the same size):")
    for kind in ("core", "engine", "run", "run+events"):
        for n in (small, large):
            ratio = get(kind, n)["per_case_us"] / get("tandem", n)["per_case_us"]
            print(f"  {kind:<11} {n:>9,}: {ratio:.2f}x the bare tandem's time per case")
    for kind in ("tandem", "engine", "run+events"):
        growth = get(kind, large)["per_case_us"] / get(kind, small)["per_case_us"]
        print(f"  growth {kind:<11} {small:,} -> {large:,} cases: {growth:.2f} "
              "(time per case; 1.00 = linear)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
