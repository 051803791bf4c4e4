"""Experiments on top of the simulator: many runs, in parallel, saved and compared.

- :mod:`sim.experiment.tasks`: :class:`Task` (some replications of one design point),
  :func:`run_task`, :func:`make_tasks`, :func:`with_overrides`;
- :mod:`sim.experiment.executors`: :func:`make_executor` (serial, process pool, Dask);
- :mod:`sim.experiment.study`: :func:`run_study`, a resumable folder of saved tasks;
- :mod:`sim.experiment.stats`: t-intervals, how many replications, warm-up (MSER-5, Welch);
- :mod:`sim.experiment.compare`: policies compared on common random numbers.

Example:
    >>> import sim
    >>> from sim.experiment import make_executor
    >>> from sim.experiment.compare import compare  # (sim.experiment.compare is the module)
    >>> base = sim.load_scenario("scenarios/baseline.yaml",
    ...                          ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> with make_executor("processes", workers=2) as ex:
    ...     cmp = compare(base, vary={"pools.in_house.specialists.oncology": [3, 4]},
    ...                   replications=2, executor=ex)
    >>> print(cmp.sentence("time_to_opinion_h.mean"))
    oncology=4 cuts mean time to opinion by 0.7 h (95% CI 0.4 to 1.0 h) against oncology=3, over 2
    paired replications

Names load on first use, so importing this package is cheap. ``compare`` is not
re-exported here: ``sim.experiment.compare`` is the module, so import the function from it.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Task": "tasks", "run_task": "tasks", "make_tasks": "tasks", "with_overrides": "tasks",
    "make_executor": "executors", "SerialExecutor": "executors",
    "run_study": "study", "load_study": "study", "StudyMismatch": "study",
    "replication_analysis": "stats", "mser": "stats", "welch": "stats",
    "Comparison": "compare",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"sim.experiment.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'sim.experiment' has no attribute {name!r}")
