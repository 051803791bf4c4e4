"""Running a scenario: replications in, :class:`~sim.outputs.results.Results` out.

Replication ``r`` of a run seeded ``seed`` draws from its own streams
(:mod:`sim.core.streams`), so each replication is the same whether it runs alone,
first, last or on another machine.

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

from collections.abc import Callable, Iterable

from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.outputs.results import Results
from sim.scenario.models import Scenario


def run(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Simulate ``scenario``; ``seed`` and ``replications`` default to the scenario's own.

    ``progress(done, total)`` is called after each replication.
    """
    seed = scenario.simulation.seed if seed is None else seed
    reps = scenario.simulation.replications if replications is None else replications
    if reps < 1:
        raise ValueError(f"replications must be at least 1 (got {reps})")
    return run_replications(scenario, seed, range(reps), progress)


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: Iterable[int],
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Simulate replications numbered ``replications`` (e.g. ``(3, 4)``) of a run seeded ``seed``.

    The one path from a scenario to results: :func:`run`, experiment tasks and
    staffing searches all go through it.

    Example:
        >>> res = run_replications(scenario, seed=7, replications=(5,))
        >>> len(res.replications), res.replications[0].index
        (1, 5)
    """
    indices = list(replications)
    plan = build_plan(scenario)
    out = []
    for k, r in enumerate(indices):
        out.append(simulate(plan, seed, r))  # the engine censors each run at its horizon
        if progress:
            progress(k + 1, len(indices))
    results = Results(plan, out, seed)
    results.check()  # the run invariants, before anything is measured (raises)
    return results
