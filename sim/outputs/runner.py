"""Running a scenario: replications in, :class:`~sim.outputs.results.Results` out.

Replication ``r`` of a run seeded ``seed`` draws from its own streams
(:mod:`sim.core.streams`), so each replication is the same whether it runs alone,
first, last, in another process or on another machine.

**Side by side when it pays.** With several replications and more than one core,
:func:`run` simulates them in forked worker processes (:mod:`sim.core.forked`), each
of which also builds its replications' case tables and KPIs (the invariants
included); the results are the same to the bit as one after the other
(``tests/outputs/test_parallel_runs.py``). Forking a worker and sending its results back
costs about :data:`WORKER_COST_S`; a worker is used only for at least
:data:`MIN_WORK_PER_WORKER_S` of estimated work (:func:`parallel_workers`), so a short
run stays in this process. ``workers=1`` runs everything here, in order.

The steps, one way: the plan is compiled once; each replication is simulated (the engine
censors its records at the horizon and counts its cases); the case tables are built and
the run invariants checked (:meth:`Results.check`); only then are KPIs measured.

Example:
    >>> import sim
    >>> scenario = sim.load_scenario("scenarios/baseline.yaml",
    ...                              ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> res = sim.run(scenario, seed=7, replications=2)
    >>> res.summary().loc["delivered", ["mean", "n"]].tolist()
    [237.5, 2.0]
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from typing import Any

from sim.core.forked import Importing, can_fork, fork_map
from sim.engine.model import Replication, simulate
from sim.engine.plan import Plan, build_plan
from sim.outputs.results import Results
from sim.scenario.models import Scenario

__all__ = ["MIN_WORK_PER_WORKER_S", "SECONDS_PER_CASE", "WORKER_COST_S", "parallel_workers",
           "run", "run_replications"]

SECONDS_PER_CASE = 22e-6
"""CPU seconds a simulated case costs a worker: the engine, its case-table row and KPIs
(the shipped baseline over a year: 21.5 us; shorter runs cost more a case, so the rule
errs towards staying serial; ``python benchmarks/parallel.py --runner``)."""
WORKER_COST_S = 0.05
"""CPU seconds a forked worker adds: the fork, and its results pickled and read back
(37-55 ms measured at 5,000-15,000 cases a run on a busy machine; pickling a year's
replication and its case table and reading them back takes 20 ms of it;
``python benchmarks/parallel.py --runner``)."""
MIN_WORK_PER_WORKER_S = 5 * WORKER_COST_S
"""Estimated work each worker must have for it to pay (its cost at most a fifth of it)."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def parallel_workers(scenario: Scenario, replications: int, cores: int | None = None) -> int:
    """How many worker processes pay for ``replications`` of ``scenario`` (1: none).

    At most one per replication and per core, and only as many as have each at least
    :data:`MIN_WORK_PER_WORKER_S` of estimated work (expected cases x
    :data:`SECONDS_PER_CASE`). Where the replications do not share out evenly over the
    cores and one more worker would even them out, it is added: 5 replications on 2 cores
    go to 3 workers of 2, 2 and 1, sharing the cores, rather than to 2 of 3 and 2, the
    second idle while the first runs its third (the baseline's ``sosim run``: 2.01 -> 1.94
    s, medians of 12 alternating pairs). Never more than one: each worker holds a
    replication in memory.

    Example:
        >>> import sim
        >>> s = sim.load_scenario("scenarios/baseline.yaml")         # 12,000 cases a run
        >>> [parallel_workers(s, n, cores=2) for n in (1, 2, 3, 4, 5, 8)]
        [1, 2, 3, 2, 3, 2]
        >>> round(scenario.expected_cases), parallel_workers(scenario, 5, cores=2)  # 14 days
        (460, 1)
    """
    cores = _cores() if cores is None else cores
    work_s = scenario.expected_cases * replications * SECONDS_PER_CASE
    workers = max(1, min(replications, cores, int(work_s / MIN_WORK_PER_WORKER_S)))
    if workers == cores < replications:  # none above a core's share: ceil(r / floor(r / c))
        balanced = -(-replications // (replications // cores))
        if balanced == cores + 1 and work_s / balanced >= MIN_WORK_PER_WORKER_S:
            workers = balanced
    return workers


def run(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    meanwhile: str | None = None,
) -> Results:
    """Simulate ``scenario``; ``seed`` and ``replications`` default to the scenario's own.

    ``progress(done, total)`` is called once the replications have started (``done`` 0)
    and after each one. ``workers``: processes to run the replications in (default:
    :func:`parallel_workers`; 1 runs them here, one after the other). ``meanwhile``: a
    module to import while the workers simulate (``"sim.outputs.figures"``: matplotlib, for
    the figures drawn next), imported by the time the results return.
    """
    seed = scenario.simulation.seed if seed is None else seed
    reps = scenario.simulation.replications if replications is None else replications
    if reps < 1:
        raise ValueError(f"replications must be at least 1 (got {reps})")
    if workers is None:
        workers = parallel_workers(scenario, reps)
    return run_replications(scenario, seed, range(reps), progress, workers=workers,
                            meanwhile=meanwhile)


def _replicate(plan: Plan, seed: int, r: int) -> tuple[Replication, Any, Any]:
    """One replication with its checked case table and KPIs (``None`` if they fail: the
    parent checks again and raises, as a run done there would)."""
    from sim.outputs.access_invariants import check_access
    from sim.outputs.invariants import check_run
    from sim.outputs.kpis import replication_kpis
    from sim.outputs.results import case_table

    rep = simulate(plan, seed, r)
    try:
        cases = case_table(plan, rep)
        check_run(plan, rep, cases)  # the run invariants, before anything is measured
        check_access(plan, rep, cases)  # and the records team's and diaries' (as Results.check)
        return rep, cases, replication_kpis(plan, rep, cases)
    except Exception:  # noqa: BLE001 - e.g. a broken invariant, raised again by Results.check
        return simulate(plan, seed, r), None, None


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    meanwhile: str | None = None,
) -> Results:
    """Simulate replications numbered ``replications`` (e.g. ``(3, 4)``) of a run seeded ``seed``.

    The one path from a scenario to results: :func:`run`, experiment tasks and
    staffing searches all go through it. With ``workers`` > 1 the replications run in
    that many forked processes where forking is possible (:mod:`sim.core.forked`), and
    module ``meanwhile`` is imported by a thread of this process while they simulate (an
    import here would hold up reading their results, and a worker waits for that:
    :class:`~sim.core.forked.Importing`); otherwise it is imported after them.

    Example:
        >>> res = run_replications(scenario, seed=7, replications=(5,))
        >>> len(res.replications), res.replications[0].index
        (1, 5)
    """
    indices = list(replications)
    plan = build_plan(scenario)
    n = len(indices)
    if workers <= 1 or n < 2 or not can_fork():
        if progress:
            progress(0, n)
        out = []
        for k, r in enumerate(indices):
            out.append(simulate(plan, seed, r))  # the engine censors each run at its horizon
            if progress:
                progress(k + 1, n)
        results = Results(plan, out, seed)
        results.check()  # the run invariants, before anything is measured (raises)
        if meanwhile:
            importlib.import_module(meanwhile)
        return results
    done: list[tuple[Replication, Any, Any] | None] = [None] * n
    count = 0

    def arrived(k: int, result: tuple[Replication, Any, Any]) -> None:
        nonlocal count
        done[k] = result
        count += 1
        if progress:
            progress(count, n)

    importing: list[Importing] = []

    def started() -> None:  # the workers are forked: a progress bar's thread may start now
        if progress:
            progress(0, n)
        if meanwhile:
            importing.append(Importing(meanwhile))

    try:
        fork_map(lambda r: _replicate(plan, seed, r), indices, workers, arrived, started)
    finally:  # the thread has ended before anything forks again
        for thread in importing:
            thread.done()
    reps = [d[0] for d in done]
    built = all(d[1] is not None for d in done)
    results = Results(plan, reps, seed, tables=[d[1] for d in done] if built else None,
                      kpi_rows=[d[2] for d in done] if built else None, checked=built)
    results.check()  # taken by the workers; where one failed, raises here as a serial run would
    return results
