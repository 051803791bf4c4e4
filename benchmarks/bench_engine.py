"""Engine benchmark: sosim against a bare SimPy tandem, at 100k and 1M cases, in one run.

    python benchmarks/bench_engine.py              # 100k and 1M cases, 3 rounds (about 25 min)
    python benchmarks/bench_engine.py --rounds 1   # one round (about 8 min)
    python benchmarks/bench_engine.py --quick      # 20k and 100k cases (CI smoke size)

Every measurement runs in a fresh subprocess, one after the other, so that
peak memory (the OS's ``ru_maxrss``) belongs to that measurement alone and no
two measurements compete for a core. Speeds are reported in cases per second of
CPU time (``time.process_time``), which a busy machine disturbs far less than
wall time, and as **ratios to the bare SimPy tandem measured in the same round**:
on these noisy machines only ratios travel.

Rounds: the speed of the same code on these machines drifts by 20-40% over minutes.
Each round measures, for each size, the tandem, then every sosim row, then the tandem
again; a row's ratio in that round is against the mean of the two tandems around it.
The report gives each ratio's median over the rounds and its range.

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
import statistics
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


KINDS = ("core", "engine", "run", "run+events")


def measure_round(n: int, kinds: tuple[str, ...] = KINDS) -> dict[str, dict]:
    """One round at ``n`` cases: the tandem, each kind, the tandem again; each kind's
    figures with its ``ratio`` to the mean per-case time of the two tandems."""
    before = measure("tandem", n)
    rows = {kind: measure(kind, n) for kind in kinds}
    after = measure("tandem", n)
    tandem_us = (before["per_case_us"] + after["per_case_us"]) / 2
    for r in rows.values():
        r["ratio"] = r["per_case_us"] / tandem_us
    rows["tandem"] = dict(before, per_case_us=tandem_us, cases_per_s=1e6 / tandem_us,
                          ratio=1.0, peak_rss_mb=max(before["peak_rss_mb"],
                                                      after["peak_rss_mb"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k and 100k cases instead")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of paired measurements")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    small, large = (20_000, 100_000) if args.quick else (100_000, 1_000_000)

    rounds: list[dict[int, dict[str, dict]]] = []
    for k in range(args.rounds):
        rounds.append({})
        for n in (small, large):
            rounds[-1][n] = rows = measure_round(n)
            for kind in ("tandem", *KINDS):
                r = rows[kind]
                print(f"round {k + 1} {kind:<11} {n:>9,} cases: {r['cases_per_s']:>9,.0f} "
                      f"cases/s CPU, {r['ratio']:.2f}x the tandem, peak "
                      f"{r['peak_rss_mb']:,.0f} MB", flush=True)

    def figures(kind: str, n: int, key: str) -> list[float]:
        return [r[n][kind][key] for r in rounds]

    print(f"\nratios (per-case CPU time against the bare SimPy tandem of the same size and "
          f"round; median of {args.rounds} round(s), range):")
    for kind in KINDS:
        for n in (small, large):
            x = figures(kind, n, "ratio")
            print(f"  {kind:<11} {n:>9,}: {statistics.median(x):.2f}x ({min(x):.2f}-{max(x):.2f}),"
                  f" {statistics.median(figures(kind, n, 'cases_per_s')):,.0f} cases/s, peak "
                  f"{max(figures(kind, n, 'peak_rss_mb')):,.0f} MB")
    for kind in ("tandem", "engine", "run+events"):
        growth = [r[large][kind]["per_case_us"] / r[small][kind]["per_case_us"] for r in rounds]
        print(f"  growth {kind:<11} {small:,} -> {large:,} cases: "
              f"{statistics.median(growth):.2f} (time per case; 1.00 = linear)")
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
