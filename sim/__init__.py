"""sosim: a discrete-event simulator of second-opinion case-routing platforms.

The public API, the same for notebooks and the command line:

    >>> import sim
    >>> scenario = sim.load_scenario("scenarios/baseline.yaml")     # doctest: +SKIP
    >>> results = sim.run(scenario, seed=7, replications=5)         # doctest: +SKIP
    >>> results.cases, results.events, results.kpis                 # doctest: +SKIP
    >>> results.summary()                                           # doctest: +SKIP

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
