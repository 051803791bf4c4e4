"""How an output names what produced it: the scenario and any ``--set`` overrides.

A what-if run (``--set pools.in_house.specialists.oncology=6``) must not look like the
scenario it changed: the printed header, the figures' titles and the manifest say
``baseline with pools.in_house.specialists.oncology=6``.

Example:
    >>> scenario_label("baseline", ["pools.in_house.specialists.oncology=6"])
    'baseline with pools.in_house.specialists.oncology=6'
    >>> scenario_label("baseline")
    'baseline'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["command_record", "results_label", "scenario_label"]

MAX_LABEL = 100
"""Longer override lists are shortened in titles (the manifest keeps them all)."""


def scenario_label(name: str, overrides: Sequence[str] = ()) -> str:
    """``name``, followed by ``with`` and the overrides when there are any.

    >>> scenario_label("b", [f"k{i}=1" for i in range(40)]).endswith("(40 overrides)")
    True
    """
    if not overrides:
        return name
    full = f"{name} with {', '.join(overrides)}"
    if len(full) <= MAX_LABEL:
        return full
    return f"{name} with {overrides[0]}, ... ({len(overrides)} overrides)"


def results_label(results: Any) -> str:
    """:func:`scenario_label` of a :class:`~sim.outputs.results.Results` (or timeline).

    Example:
        >>> import copy
        >>> what_if = copy.copy(results)
        >>> what_if.overrides = ("simulation.horizon_days=90",)
        >>> results_label(results), results_label(what_if)
        ('baseline', 'baseline with simulation.horizon_days=90')
    """
    return scenario_label(results.scenario.name, getattr(results, "overrides", ()))


def command_record(kind: str, argv: Sequence[str] | None, **options: Any) -> dict[str, Any]:
    """The ``command`` entry of a manifest: the kind, the command line and its options.

    >>> command_record("run", ["run", "b.yaml"], seed=7)["argv"]
    ['sosim', 'run', 'b.yaml']
    """
    return {"kind": kind, "argv": ["sosim", *(argv or [])], **options}
