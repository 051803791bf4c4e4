"""``sosim fit``: from a platform's event log to a fitted scenario and a fidelity report.

Modules, in the order the fit runs: :mod:`~sim.fit.mapping` (the map file),
:mod:`~sim.fit.read` (reading and checking the log), :mod:`~sim.fit.stages` (per-case stage
table), :mod:`~sim.fit.calendars`, :mod:`~sim.fit.durations`, :mod:`~sim.fit.demand`,
:mod:`~sim.fit.staffing` (staffing and routing), :mod:`~sim.fit.build` (the whole scenario),
:mod:`~sim.fit.yaml_out` (YAML with a comment per fitted value), :mod:`~sim.fit.fidelity`
and :mod:`~sim.fit.distances` (log against simulation), :mod:`~sim.fit.figures`,
:mod:`~sim.fit.api` (:func:`fit`) and :mod:`~sim.fit.cli` (``sosim fit``).
See ``docs/calibration.md``.

The package itself is callable, so that ``sim.fit(...)`` is :func:`sim.fit.api.fit`::

    >>> import sim
    >>> sim.fit("no_such_log.csv")
    Traceback (most recent call last):
    ...
    sim.fit.read.LogError: no_such_log.csv: no such file
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["FitResult", "LogError", "fit"]


def __getattr__(name: str) -> Any:
    import importlib

    where = {"fit": "sim.fit.api", "FitResult": "sim.fit.api", "LogError": "sim.fit.read"}
    if name in where:
        return getattr(importlib.import_module(where[name]), name)
    raise AttributeError(f"module 'sim.fit' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from sim.fit.api import fit

        return fit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
