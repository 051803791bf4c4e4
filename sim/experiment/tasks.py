"""Units of work for experiments: a :class:`Task` runs some replications of one design point.

An experiment (a comparison, a sweep, a sensitivity analysis) is a list of
*design points*, each a validated :class:`~sim.scenario.models.Scenario` plus the
parameters that made it (``{"triage.policy": "ai"}``). Each point needs several
replications; :func:`make_tasks` cuts them into batches, and :func:`run_task` runs
one batch anywhere (in this process, a process pool, a Dask worker) and returns
its KPI rows. Replication ``r`` of seed ``s`` draws from its own random streams
(:mod:`sim.core.streams`), so a row is the same whichever batch, worker or machine ran it.

Example:
    >>> import sim
    >>> from sim.experiment.tasks import make_tasks, run_task, with_overrides
    >>> base = sim.load_scenario("scenarios/baseline.yaml",
    ...                          ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> points = [({"triage.policy": p}, with_overrides(base, {"triage.policy": p}))
    ...           for p in ("ai", "hybrid")]
    >>> tasks = make_tasks(points, seed=7, replications=4, batch=2)
    >>> [t.key for t in tasks]
    ['point-0000/reps-0-1', 'point-0000/reps-2-3', 'point-0001/reps-0-1', 'point-0001/reps-2-3']
    >>> run_task(tasks[0])[["point", "triage.policy", "replication", "seed"]]
       point triage.policy  replication  seed
    0      0            ai            0     7
    1      0            ai            1     7
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.scenario.models import Scenario

__all__ = ["RESERVED", "Task", "make_tasks", "run_task", "with_overrides"]

RESERVED = ("replication", "seed")
"""Column names :func:`run_task` writes itself; parameters may not use them."""

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=+-]*(/[A-Za-z0-9][A-Za-z0-9._=+-]*)*")
TARGET_TASKS = 32
""":func:`make_tasks` cuts replications so that a study has about this many tasks."""


@dataclass(frozen=True)
class Task:
    """Replications ``replications`` of one design point, run with seed ``seed``.

    ``key`` names the task within its study (and its file, ``tasks/<key>.parquet``):
    letters, digits, ``._=+-`` and ``/`` between parts. ``params`` become columns of
    the result; keep their values scalars (str, int, float, bool).

    Example:
        >>> t = Task("point-0000/reps-0-1", scenario, seed=7, replications=(0, 1),
        ...          params={"point": 0})
        >>> t.key, t.replications
        ('point-0000/reps-0-1', (0, 1))
        >>> Task("../escape", scenario, seed=7, replications=(0,))
        Traceback (most recent call last):
        ...
        ValueError: ...
    """

    key: str
    scenario: Scenario = field(repr=False)
    seed: int
    replications: tuple[int, ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key) or ".." in self.key:
            raise ValueError(f"task key {self.key!r}: use letters, digits, '._=+-' and '/' "
                             "between parts, e.g. 'point-0003/reps-0-3'")
        reps = tuple(int(r) for r in self.replications)
        if not reps or min(reps) < 0 or len(set(reps)) != len(reps):
            raise ValueError(f"task {self.key}: replications must be distinct non-negative "
                             f"integers (got {self.replications!r})")
        if int(self.seed) < 0:
            raise ValueError(f"task {self.key}: seed must be non-negative (got {self.seed})")
        if clash := sorted(set(self.params) & set(RESERVED)):
            raise ValueError(f"task {self.key}: parameter names {clash} are reserved")
        object.__setattr__(self, "replications", reps)
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "params", dict(self.params))


def run_task(task: Task) -> pd.DataFrame:
    """Run ``task``'s replications; one row per replication, in the order given.

    Columns: the task's ``params`` (in their order; :func:`make_tasks` puts
    ``point`` first), ``replication``, ``seed``, then every KPI column of
    :attr:`sim.outputs.results.Results.kpis`. Module-level and free of shared state, so
    process pools and Dask workers can run it.

    Example:
        >>> [task] = make_tasks([({"policy": "ai"}, scenario)], seed=7, replications=2, batch=2)
        >>> df = run_task(task)
        >>> df.columns[:4].tolist()
        ['point', 'policy', 'replication', 'seed']
        >>> df["time_to_opinion_h.mean"].tolist() == results.kpis["time_to_opinion_h.mean"].tolist()
        True
    """
    from sim.outputs.runner import run_replications

    kpis = run_replications(task.scenario, task.seed, task.replications).kpis.reset_index()
    if clash := sorted(set(task.params) & set(kpis.columns)):
        raise ValueError(f"task {task.key}: parameter names {clash} clash with KPI columns")
    n = len(kpis)
    head = pd.DataFrame({name: [value] * n for name, value in task.params.items()})
    head["replication"] = kpis["replication"].to_numpy(dtype="int64")
    head["seed"] = pd.Series([task.seed] * n, dtype="int64")
    return pd.concat([head, kpis.drop(columns="replication")], axis=1)


def make_tasks(
    scenarios: Sequence[tuple[Mapping[str, Any], Scenario]],
    seed: int,
    replications: int,
    batch: int | None = None,
) -> list[Task]:
    """Tasks running replications ``0..replications-1`` of every design point with ``seed``.

    ``scenarios`` holds one ``(params, scenario)`` pair per design point; point
    ``i`` gets ``params = {"point": i, **params}`` (unless ``params`` has its own
    ``point``) and keys ``point-000i/reps-a-b`` (``a`` to ``b`` inclusive). Every
    point uses the same seed and replication indices: common random numbers.

    ``batch`` is the number of replications per task. By default it is chosen
    from the numbers of points and replications alone (never from the machine, so a
    study resumes anywhere): about :data:`TARGET_TASKS` tasks in all, so that
    workers stay busy and per-task overhead stays small.

    Example:
        >>> tasks = make_tasks([({}, scenario), ({}, scenario)], seed=7, replications=4)
        >>> [t.key for t in tasks][:2]
        ['point-0000/reps-0-0', 'point-0000/reps-1-1']
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1 (got {replications})")
    if not scenarios:
        raise ValueError("no design points")
    if batch is None:
        chunks = max(1, min(replications, math.ceil(TARGET_TASKS / len(scenarios))))
        batch = math.ceil(replications / chunks)
    if batch < 1:
        raise ValueError(f"batch must be at least 1 (got {batch})")
    width = max(4, len(str(len(scenarios) - 1)))
    tasks = []
    for i, (params, scenario) in enumerate(scenarios):
        full = {"point": i, **params}
        for a in range(0, replications, batch):
            b = min(a + batch, replications)
            tasks.append(Task(f"point-{i:0{width}d}/reps-{a}-{b - 1}", scenario, seed,
                              tuple(range(a, b)), full))
    return tasks


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | Sequence[str]) -> Scenario:
    """``scenario`` with dotted-key overrides applied and validated again, as ``--set`` would.

    ``overrides`` is a mapping of Python values (``{"triage.policy": "ai"}``) or
    ``--set``-style strings (``["pools.in_house.specialists.oncology=6"]``). Raises
    :class:`~sim.scenario.errors.ScenarioError` if the result is not a valid scenario.

    Example:
        >>> with_overrides(scenario, {"triage.policy": "legacy"}).triage.policy
        'legacy'
        >>> with_overrides(scenario, ["pools.in_house.specialists.oncology=6"]
        ...                ).pools["in_house"].specialists["oncology"]
        6
    """
    from sim.loading import scenario_from_document
    from sim.scenario.loader import Document, apply_overrides

    if isinstance(overrides, Mapping):
        overrides = [f"{k}={json.dumps(v, default=str)}" for k, v in overrides.items()]
    doc = Document(f"<scenario {scenario.name}>", scenario.model_dump(mode="json"), {})
    return scenario_from_document(apply_overrides(doc, list(overrides)))
