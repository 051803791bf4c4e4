"""sosim: a discrete-event simulator of second-opinion case-routing platforms.

The public API, the same for notebooks and the command line:

    >>> import sim
    >>> scenario = sim.load_scenario("scenarios/baseline.yaml",
    ...                              ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> results = sim.run(scenario, seed=7, replications=2)
    >>> len(results.cases), len(results.events), len(results.kpis)
    (905, 7185, 2)
    >>> results.summary().loc["arrivals", ["mean", "n"]].tolist()
    [452.5, 2.0]

Heavy modules (SimPy, pandas, matplotlib) load on first use, so that
``sosim --help`` starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim._version import __version__

__all__ = ["Results", "Scenario", "ScenarioError", "fit", "load_scenario", "run", "__version__"]

if TYPE_CHECKING:
    from sim.loading import load_scenario
    from sim.outputs.results import Results
    from sim.outputs.runner import run
    from sim.scenario import Scenario, ScenarioError

_LAZY = {
    "load_scenario": "sim.loading",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "run": "sim.outputs.runner",
    "Results": "sim.outputs.results",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    try:  # submodules, e.g. sim.scenario, sim.market
        return importlib.import_module(f"sim.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'sim' has no attribute {name!r}") from None
