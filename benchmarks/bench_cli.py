"""What a user waits for: each README command and the web page, against the engine alone.

    python benchmarks/bench_cli.py                 # 3 rounds, the README commands + the page
    python benchmarks/bench_cli.py --rounds 1 --only run,validate --no-web
    python benchmarks/bench_cli.py --rounds 2 --only "sweep (sobol, 2 samples)" --no-web
    python benchmarks/bench_cli.py --all           # also staffing, hiring, the 2026-2035 run

Every measurement runs in a fresh process (a fresh ``sosim app`` server and a headless
Chromium for the page), one after the other, and is timed end to end by the wall clock, as
a user feels it: interpreter start, imports, loading, the run, every output written, exit.
``answer`` is when the command printed its first line on stdout (the KPI table for
``run``); ``done`` is when it exited. The page's rows are from the click on ``Run`` to the whole
answer (and, ``first KPIs``, to the first KPI card), in a server that has already shown
the page (``web Run``: the first run of the session; ``web what-if``: the next run, the
in-house oncologists from four to six).

Rounds: speed on these shared machines drifts by 20-40% over minutes, so, as in
``bench_engine.py``, each round measures the engine alone before and after the commands,
and a command's ratio in that round is against the mean of the two. The engine alone is
``sim.engine.model.simulate`` called through the API on exactly the replications the
command simulates (the same scenario, overrides, seed and replication numbers; for the
sweep, every design point of the shortened README sweep), timed around the calls only:
no imports, no loading, no outputs. Commands whose work depends on what they find
(``replications``, ``warmup``, ``market``, ``staffing``, ...) are set against the
baseline's 5 replications, as a yardstick. The report gives each ratio's median over the
rounds and its range; ``cpu`` is the command's CPU time (its worker processes included)
over the engine's.

Phases (one instrumented ``sosim run scenarios/baseline.yaml`` and ``sosim validate`` per
round, each in a fresh process): wall time in start-up (the interpreter, until sosim's
``main``), imports, loading, the capacity check, simulation, invariants, KPIs, tables
(case table and the table files), the event log, figures, waiting for forked children (the
capacity check's, the event log's and the figures', while this process has nothing else to
do), the manifest and flushing to disk, and the rest (argument parsing, printing), from
wrappers around the functions that do each (exclusive time: an import inside a phase counts
as an import). Shares are of the command's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["--design", "sobol", "--samples", "2", "--param", "triage.ai.accuracy=0.7:0.95",
         "--param", "pools.in_house.specialists.oncology=3:6"]
"""The README's sweep, shortened from 64 to 2 Sobol base samples (12 points x 5 replications)."""
WHAT_IF = ["--set", "pools.in_house.specialists.oncology=6"]


@dataclass(frozen=True)
class Row:
    """A command as typed in the README (``sosim`` and its arguments), run in a fresh folder."""

    name: str
    argv: tuple[str, ...]
    engine: str  # the workload of the engine alone it is set against (WORKLOADS)
    extra: bool = False  # only with --all (minutes each)
    exits: tuple[int, ...] = (0,)  # exit statuses that still mean the work was done


ROWS = (
    Row("help", ("--help",), "baseline"),
    Row("validate", ("validate", "scenarios/baseline.yaml"), "baseline"),
    Row("run --no-figures", ("run", "scenarios/baseline.yaml", "--no-figures"), "baseline"),
    Row("run", ("run", "scenarios/baseline.yaml"), "baseline"),
    Row("rerun", ("rerun", "results/baseline/latest/manifest.json"), "baseline"),
    Row("what-if", ("run", "scenarios/baseline.yaml", *WHAT_IF), "what-if"),
    Row("sessions_and_contract", ("run", "scenarios/sessions_and_contract.yaml"), "sessions"),
    Row("compare", ("compare", "scenarios/legacy_referral.yaml", "scenarios/baseline.yaml"),
        "compare"),
    Row("sweep (sobol, 2 samples)", ("sweep", "scenarios/baseline.yaml", *SWEEP), "sweep"),
    Row("replications", ("replications", "scenarios/baseline.yaml", "--kpi",
                         "time_to_opinion_h.mean", "--precision", "0.05"), "baseline"),
    Row("warmup", ("warmup", "scenarios/baseline.yaml"), "baseline"),
    Row("market", ("market", "scenarios/market/doc000_2026.yaml", "--compare",
                   "scenarios/market/doc003_2025.yaml"), "baseline"),
    Row("staffing", ("staffing", "scenarios/baseline.yaml", "--target",
                     "specialist_wait_h.p90<=24", "--target", "utilisation<=0.85"),
        "baseline", extra=True),
    Row("platform_2026_2035", ("run", "scenarios/platform_2026_2035.yaml"), "baseline",
        extra=True),
    Row("hiring", ("hiring", "scenarios/sessions_and_contract.yaml", "--years", "2026-2030",
                   "--target-p90-hours", "168", "--lead-months", "9", "--attrition", "0.07"),
        "baseline", extra=True),
    Row("fit", ("fit", "examples/fit/cases.csv", "--map", "examples/fit/map.yaml", "--out",
                "fitted.yaml"), "baseline", extra=True, exits=(0, 1)),  # 1: a rejected fit
)
WEB_ROWS = ("web Run", "web what-if")

WORKLOADS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "baseline": [("scenarios/baseline.yaml", ())],
    "what-if": [("scenarios/baseline.yaml", ("pools.in_house.specialists.oncology=6",))],
    "sessions": [("scenarios/sessions_and_contract.yaml", ())],
    "compare": [("scenarios/legacy_referral.yaml", ()), ("scenarios/baseline.yaml", ())],
    "sweep": [],  # the sweep's design points (_ENGINE builds them as sosim sweep does)
}
"""Scenario files (with overrides) whose own seed and replications the engine runs."""

_ENGINE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import sim
from sim.engine.model import simulate
from sim.engine.plan import build_plan
runs = []
for file, overrides in {workload!r}:
    s = sim.load_scenario(file, overrides=list(overrides))
    runs.append((s, s.simulation.seed, range(s.simulation.replications)))
if {sweep!r}:
    from sim.experiment.design import base_document, make_design, parameter
    from sim.loading import scenario_from_document
    doc = base_document("scenarios/baseline.yaml", [])
    base = scenario_from_document(doc)
    params = [parameter(*p.split("=", 1)) for p in {sweep_params!r}]
    design = make_design("sobol", params, samples={sweep_samples}, seed=base.simulation.seed,
                         levels=5, base=base)
    for _, s in design.scenarios(doc):
        runs.append((s, base.simulation.seed, range(base.simulation.replications)))
plans = [(build_plan(s), seed, reps) for s, seed, reps in runs]
wall = cpu = 0.0
n = 0
for plan, seed, reps in plans:
    for r in reps:
        t, c = time.perf_counter(), time.process_time()
        simulate(plan, seed, r)
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        n += 1
print(json.dumps({{"wall_s": wall, "cpu_s": cpu, "runs": n}}))
"""


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg")


def _folder(parent: Path) -> Path:
    """A fresh working folder with the shipped scenarios, so commands run as typed."""
    cwd = Path(tempfile.mkdtemp(dir=parent))
    for name in ("scenarios", "examples"):
        if (ROOT / name).is_dir():
            (cwd / name).symlink_to(ROOT / name)
    return cwd


def sosim() -> list[str]:
    """The ``sosim`` command of this interpreter's environment (``python -m sim`` if none)."""
    script = Path(sys.executable).with_name("sosim")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "sim"]


def timed(argv: list[str], cwd: Path, exits: tuple[int, ...] = (0,)) -> dict:
    """Run ``argv`` in ``cwd``: wall time to its first stdout line and to its exit, CPU time
    of it and of every process it waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first: list[float] = []
    err: list[str] = []

    def read_out() -> None:
        for line in proc.stdout:
            if line.strip() and not first:
                first.append(time.perf_counter() - start)

    threads = [threading.Thread(target=read_out),
               threading.Thread(target=lambda: err.extend(proc.stderr))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    if proc.returncode not in exits:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{''.join(err)[-2000:]}")
    return {"wall_s": done, "answer_s": first[0] if first else done,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def engine(workload: str) -> dict:
    """The engine alone on ``workload``'s replications, in a fresh process."""
    params = [SWEEP[i + 1] for i, a in enumerate(SWEEP) if a == "--param"]
    code = _ENGINE.format(root=str(ROOT), workload=WORKLOADS[workload],
                          sweep=workload == "sweep", sweep_params=params,
                          sweep_samples=int(SWEEP[SWEEP.index("--samples") + 1]))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- phases

PHASES = ("start-up", "imports", "load", "capacity check", "simulation", "invariants", "KPIs",
          "tables", "event log", "figures", "waiting for children", "manifest and fsync",
          "other")
_WRAPPED = {  # module -> {function or Class.method: phase}; a missing one is skipped
    "sim.loading": {"load_scenario": "load", "scenario_from_document": "load"},
    "sim.capacity.network": {"capacity_report": "capacity check",
                             "capacity_records": "capacity check"},
    "sim.outputs.runner": {"run_replications": "simulation"},
    "sim.engine.model": {"simulate": "simulation"},
    "sim.outputs.invariants": {"check_run": "invariants"},
    "sim.outputs.kpis": {"replication_kpis": "KPIs", "summarise": "KPIs"},
    "sim.outputs.results": {"case_table": "tables", "event_log": "event log"},
    "sim.outputs.writing": {"_build": "tables", "write_folder": "manifest and fsync"},
    "sim.outputs.tables": {"write_table": "tables", "write_events": "event log"},
    "sim.outputs.figures": {"save_figures": "figures"},
    # waiting for a forked child: the capacity check's, the event log's, the figures' ones
    "sim.core.forked": {"Background.wait": "waiting for children"},
}
INHERIT = {"write_table"}
"""Functions that count as their caller's phase when called inside one (a small event log is
written by ``write_table``)."""

_PHASES_CHILD = r"""
import importlib._bootstrap as boot, json, sys, threading, time
t_main = time.perf_counter()
sys.path.insert(0, {root!r})
spent, local = {{}}, threading.local()

def enter(phase):
    stack = local.__dict__.setdefault("stack", [])
    now = time.perf_counter()
    if stack:
        spent[stack[-1][0]] = spent.get(stack[-1][0], 0.0) + now - stack[-1][1]
    stack.append([phase, now])

def leave():
    stack, now = local.stack, time.perf_counter()
    phase, since = stack.pop()
    spent[phase] = spent.get(phase, 0.0) + now - since
    if stack:
        stack[-1][1] = now

def wrap(fn, phase, inherit):
    def inner(*a, **k):
        stack = local.__dict__.get("stack")
        enter(stack[-1][0] if inherit and stack else phase)
        try:
            return fn(*a, **k)
        finally:
            leave()
    inner.bench_phase = phase
    return inner

def patch(module):
    # wrap the phase functions of module, there and in every module that imported them
    mod = sys.modules[module]
    for name, phase in WRAPPED[module].items():
        owner, _, name = name.rpartition(".")
        owner = getattr(mod, owner, None) if owner else mod
        fn = getattr(owner, name, None)
        if fn is None or hasattr(fn, "bench_phase"):
            continue
        w = wrap(fn, phase, name in {inherit!r})
        if owner is not mod:  # a method: on its class
            setattr(owner, name, w)
            continue
        for other in list(sys.modules.values()):
            if getattr(other, "__dict__", {{}}).get(name) is fn:
                setattr(other, name, w)

WRAPPED = {wrapped!r}
find_and_load = boot._find_and_load
def _find_and_load(name, import_):
    enter("imports")
    try:
        mod = find_and_load(name, import_)
        if name in WRAPPED:
            patch(name)
        return mod
    finally:
        leave()
boot._find_and_load = _find_and_load

enter("other")
from sim.cli import main
code = main({argv!r})
leave()
print("PHASES " + json.dumps({{"spent": spent, "main_s": time.perf_counter() - t_main,
                              "code": code}}))
"""


def phases(argv: list[str], cwd: Path) -> dict[str, float]:
    """Seconds per phase of ``sosim argv`` in a fresh, instrumented process (see PHASES)."""
    code = _PHASES_CHILD.format(root=str(ROOT), wrapped=_WRAPPED, inherit=INHERIT,
                                argv=argv)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=_env(),
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    line = next((x for x in done.stdout.splitlines() if x.startswith("PHASES ")), None)
    if line is None:
        raise RuntimeError(f"instrumented {argv} failed:\n{done.stderr[-2000:]}")
    out = json.loads(line.removeprefix("PHASES "))
    spent = {p: out["spent"].get(p, 0.0) for p in PHASES}
    spent["start-up"] = wall - out["main_s"]
    spent["wall"] = wall
    return spent


# ---------------------------------------------------------------------------- the page

_WEB = r"""
import json, re, socket, subprocess, sys, time, urllib.request
sys.path.insert(0, {root!r})
import playwright.sync_api as pw_api
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url = f"http://127.0.0.1:{{port}}"
out = {{}}
try:
    t0 = time.perf_counter()
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
        if time.perf_counter() - t0 > 120:
            raise SystemExit("the server did not start")
    with pw_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={{"width": 1440, "height": 1300}})
        page.set_default_timeout(240_000)
        status = page.locator('[data-testid="stStatusWidget"]')

        def idle():
            quiet = 0
            while quiet < 4:
                page.wait_for_timeout(250)
                quiet = 0 if status.count() and status.first.is_visible() else quiet + 1

        def run(label, title):
            page.get_by_role("button", name="Run ▶").first.click()
            t = time.perf_counter()
            page.locator('[data-testid="stMetric"]').first.wait_for()  # (no card before)
            out[label + " (first KPIs)"] = time.perf_counter() - t
            page.get_by_text(title, exact=True).wait_for()
            page.get_by_text("Ran in").wait_for()
            page.locator('[data-testid="stMetric"]', has_text="utilisation in_house"
                         ).first.wait_for()
            out[label] = time.perf_counter() - t
            idle()

        page.goto(url)
        page.get_by_text("Scenario · baseline").wait_for()
        idle()
        run("web Run", "Answer · baseline")
        page.locator('[data-testid="stSidebar"] label', has_text="Scenario").first.click()
        page.get_by_text("Scenario · baseline").wait_for()
        idle()
        box = page.locator(".st-key-edit-pools-in_house-specialists-oncology input")
        box.fill("6")
        box.press("Enter")
        page.get_by_text("edited · was 4").wait_for()
        idle()
        run("web what-if", "Answer · baseline (edited: 1)")
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=30)
print("WEB " + json.dumps(out))
"""


def web() -> dict[str, float] | None:
    """Seconds from the click on Run to the first KPI card, on a fresh server (None: no
    browser here)."""
    if not Path("/usr/bin/chromium").is_file():
        return None
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run([sys.executable, "-c", _WEB.format(root=str(ROOT))], cwd=cwd,
                              env=_env(), capture_output=True, text=True, timeout=900)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WEB ")), None)
    if line is None:
        raise RuntimeError(f"the page's measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(line.removeprefix("WEB "))


# ---------------------------------------------------------------------------- rounds


def measure_round(rows: list[Row], with_web: bool, with_phases: bool, log) -> dict:  # noqa: ANN001
    """One round: the engine alone on every workload, every row, the engine again."""
    workloads = sorted({r.engine for r in rows} | ({"baseline", "what-if"} if with_web else set()))
    before = {w: engine(w) for w in workloads}
    out: dict = {"rows": {}, "phases": {}}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        cwd = _folder(Path(tmp))
        for row in rows:
            out["rows"][row.name] = r = timed([*sosim(), *row.argv], cwd, row.exits)
            r["engine"] = row.engine
            log(f"  {row.name:<26} {r['wall_s']:6.2f} s (answer {r['answer_s']:5.2f} s)")
        if with_web:
            got = web()
            for name, seconds in (got or {}).items():
                out["rows"][name] = {"wall_s": seconds, "answer_s": seconds, "cpu_s": None,
                                     "engine": "what-if" if "what-if" in name else "baseline"}
                if not name.endswith("(first KPIs)"):
                    out["rows"][name]["answer_s"] = got[f"{name} (first KPIs)"]
                log(f"  {name:<26} {seconds:6.2f} s from the click")
        if with_phases:
            for name, argv in (("run", ["run", "scenarios/baseline.yaml", "--quiet"]),
                               ("validate", ["validate", "scenarios/baseline.yaml"])):
                out["phases"][name] = phases(argv, _folder(Path(tmp)))
    after = {w: engine(w) for w in workloads}
    out["engine"] = {w: {k: (before[w][k] + after[w][k]) / 2 for k in ("wall_s", "cpu_s")}
                     | {"runs": before[w]["runs"]} for w in workloads}
    for r in out["rows"].values():
        e = out["engine"][r["engine"]]
        r["ratio"] = r["wall_s"] / e["wall_s"]
        r["answer_ratio"] = r["answer_s"] / e["wall_s"]
        r["cpu_ratio"] = r["cpu_s"] / e["cpu_s"] if r["cpu_s"] is not None else None
    log("  engine alone: " + ", ".join(f"{w} {e['wall_s']:.2f} s ({e['runs']} runs)"
                                        for w, e in out["engine"].items()))
    return out


def _spread(xs: list[float], fmt: str = "{:.2f}") -> str:
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(statistics.median(xs))} ({fmt.format(min(xs))}-{fmt.format(max(xs))})"


def report(rounds: list[dict]) -> str:
    """The table: each row's ratio to the engine alone (median over rounds, range)."""
    names = list(rounds[0]["rows"])
    lines = [f"ratios to the engine alone on the same replications, same round; median of "
             f"{len(rounds)} round(s) (range)",
             f"{'command':<26} {'done / engine':>20} {'answer / engine':>20} "
             f"{'cpu / engine':>12} {'done (s)':>9}"]
    for name in names:
        rs = [r["rows"][name] for r in rounds if name in r["rows"]]
        cpu = [r["cpu_ratio"] for r in rs if r["cpu_ratio"] is not None]
        lines.append(f"{name:<26} {_spread([r['ratio'] for r in rs]):>20} "
                     f"{_spread([r['answer_ratio'] for r in rs]):>20} "
                     f"{(f'{statistics.median(cpu):.2f}' if cpu else '-'):>12} "
                     f"{statistics.median(r['wall_s'] for r in rs):9.2f}")
    for w in rounds[0]["engine"]:
        e = [r["engine"][w] for r in rounds]
        lines.append(f"engine alone, {w} ({e[0]['runs']} runs): "
                     f"{statistics.median(x['wall_s'] for x in e):.2f} s wall, "
                     f"{statistics.median(x['cpu_s'] for x in e):.2f} s CPU")
    for cmd in rounds[0]["phases"]:
        ps = [r["phases"][cmd] for r in rounds]
        lines.append(f"\nphases of sosim {cmd} scenarios/baseline.yaml (share of its "
                     f"{statistics.median(p['wall'] for p in ps):.2f} s, instrumented):")
        lines.append("  " + ", ".join(
            f"{p} {statistics.median(x[p] / x['wall'] for x in ps):.1%}" for p in PHASES
            if statistics.median(x[p] / x["wall"] for x in ps) >= 0.005))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds of paired measurements")
    ap.add_argument("--only", default=None,
                    help="comma-separated row names (e.g. run,validate,help)")
    ap.add_argument("--all", action="store_true", help="also the commands that take minutes")
    ap.add_argument("--no-web", action="store_true", help="skip the web page")
    ap.add_argument("--no-phases", action="store_true", help="skip the phase breakdown")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = ap.parse_args(argv)
    # commas inside a row's name ("sweep (sobol, 2 samples)") do not split it
    only = {x.strip() for x in re.split(r",(?![^(]*\))", args.only)} if args.only else None
    rows = [r for r in ROWS if (args.all or not r.extra) and (only is None or r.name in only)]
    with_web = not args.no_web and (only is None or bool(only & set(WEB_ROWS)))

    def log(text: str) -> None:
        print(text, flush=True)

    rounds = []
    for k in range(args.rounds):
        log(f"round {k + 1} of {args.rounds}")
        rounds.append(measure_round(rows, with_web, not args.no_phases, log))
        if args.json:
            args.json.write_text(json.dumps(rounds, indent=1))
    print()
    print(report(rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
