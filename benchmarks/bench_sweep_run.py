"""A sweep's cost per run against the engine's, in one process so fixed costs drop out.

    python benchmarks/bench_sweep_run.py               # 20 runs of the README's sweep, shortened
    python benchmarks/bench_sweep_run.py --points 8 --parts

Builds the README's Sobol sweep (``triage.ai.accuracy=0.7:0.95``,
``pools.in_house.specialists.oncology=3:6``, ``--samples 2``) as ``sosim sweep`` does, takes
its first ``--points`` design points with the scenario's 5 replications each, and for every
task measures in turn, in CPU time: the engine alone (``simulate`` on the task's plan, each
replication) and the study task (:func:`sim.experiment.tasks.run_task`: the engine, then each
replication's case table, every run invariant and every KPI column the sweep keeps). The
first task only warms up (lazy imports, caches). Prints the ratio of the two (issue #24:
the target is within 10%); ``--parts`` adds each output's milliseconds per replication.
"""

from __future__ import annotations

import argparse
import time

from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.experiment.design import base_document, make_design, parameter
from sim.experiment.tasks import make_tasks, run_task
from sim.loading import scenario_from_document

PARAMS = (("triage.ai.accuracy", "0.7:0.95"), ("pools.in_house.specialists.oncology", "3:6"))


def _tasks(points: int) -> list:  # noqa: ANN401 - a list of Task
    doc = base_document("scenarios/baseline.yaml", [])
    base = scenario_from_document(doc)
    design = make_design("sobol", [parameter(k, v) for k, v in PARAMS], samples=2,
                         seed=base.simulation.seed, levels=5, base=base)
    pts = list(design.scenarios(doc))[:points + 1]  # one more: the warm-up
    return make_tasks(pts, seed=base.simulation.seed, replications=base.simulation.replications,
                      batch=base.simulation.replications)


def _parts(tasks: list) -> dict[str, float]:  # noqa: ANN001
    """Milliseconds per replication of each output, over the tasks' replications."""
    from sim.outputs.access_invariants import check_access
    from sim.outputs.invariants import check_run
    from sim.outputs.kpis import replication_kpis
    from sim.outputs.results import case_table

    spent = dict.fromkeys(("case table", "check_run", "check_access", "KPIs"), 0.0)
    n = 0
    for t in tasks:
        plan = build_plan(t.scenario)
        for r in t.replications:
            rep = simulate(plan, t.seed, r)
            c0 = time.process_time()
            cases = case_table(plan, rep)
            c1 = time.process_time()
            check_run(plan, rep, cases)
            c2 = time.process_time()
            check_access(plan, rep, cases)
            c3 = time.process_time()
            replication_kpis(plan, rep, cases)
            c4 = time.process_time()
            for name, dt in zip(spent, (c1 - c0, c2 - c1, c3 - c2, c4 - c3), strict=True):
                spent[name] += dt
            n += 1
    return {k: 1000 * v / n for k, v in spent.items()}


def measure(points: int = 4) -> tuple[int, float, float, list]:  # noqa: ANN401 - Tasks
    """``(runs, engine CPU s, study task CPU s, tasks)`` over the first ``points`` design
    points (each task timed right after its engine alone, so drift hits both alike)."""
    warm, *tasks = _tasks(points)
    run_task(warm)
    engine = task = 0.0
    runs = 0
    for t in tasks:
        c = time.process_time()
        plan = build_plan(t.scenario)
        for r in t.replications:
            simulate(plan, t.seed, r)
        engine += time.process_time() - c
        c = time.process_time()
        run_task(t)
        task += time.process_time() - c
        runs += len(t.replications)
    return runs, engine, task, tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=4, help="design points measured (5 runs each)")
    ap.add_argument("--parts", action="store_true", help="also each output's ms per replication")
    args = ap.parse_args()
    runs, engine, task, tasks = measure(args.points)
    print(f"{runs} runs: engine {engine:.2f} s CPU, study task {task:.2f} s CPU, "
          f"{task / engine:.2f}x the engine per run")
    if args.parts:
        ms = _parts(tasks)
        print("per replication (ms CPU): " + ", ".join(f"{k} {v:.1f}" for k, v in ms.items()))


if __name__ == "__main__":
    main()
