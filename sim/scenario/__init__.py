"""Scenario files: read, check against the schema, and turn into a frozen :class:`Scenario`.

This is the bottom layer: it knows the schema and its cross-field rules, nothing
of the engine or the market. To load a scenario for running (schema, demand from
a market file, network checks) use :func:`sim.load_scenario` (:mod:`sim.loading`).

Example:
    >>> from sim.scenario import validate_scenario
    >>> from sim.scenario.loader import read_document
    >>> s = validate_scenario(read_document("scenarios/baseline.yaml"))  # doctest: +SKIP
    >>> s.simulation.seed  # doctest: +SKIP
    7
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.scenario.checks import Finding, check_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import Document
from sim.scenario.messages import validate_model
from sim.scenario.models import Scenario

__all__ = ["Finding", "Problem", "Scenario", "ScenarioError", "raise_findings",
           "validate_scenario"]

_MOVED = {"load_scenario", "scenario_from_document", "scenario_from_text"}


def validate_scenario(doc: Document) -> Scenario:
    """The schema and cross-field checks of a parsed document (no market, no network).

    Raises :class:`ScenarioError` listing every problem found.
    """
    scenario = validate_model(Scenario, doc)
    raise_findings(doc, check_scenario(scenario))
    return scenario


def raise_findings(doc: Document, findings: Sequence[Finding]) -> None:
    """Raise :class:`ScenarioError` for ``findings``, each located in ``doc`` (file, line)."""
    if findings:
        problems = [Problem(*doc.locate(path), ".".join(map(str, path)), message)
                    for path, message in findings]
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))


def __getattr__(name: str) -> Any:
    if name in _MOVED:  # an ImportError of our own: Python replaces an AttributeError's text
        raise ImportError(
            f"sim.scenario.{name} moved to sim.loading.{name} (also sim.{name} for "
            "load_scenario): loading checks the market and the network, layers above "
            "sim.scenario")
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")
