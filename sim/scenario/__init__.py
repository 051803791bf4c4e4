"""Scenario files: read, validate, and turn into a frozen :class:`Scenario`.

Example:
    >>> from sim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml", ["simulation.seed=3"])
    >>> s.simulation.seed
    3
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from sim.scenario.checks import check_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import Document, apply_overrides, parse_document, read_document
from sim.scenario.messages import validate_model
from sim.scenario.models import Scenario

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_document",
    "scenario_from_text",
]


def scenario_from_document(doc: Document) -> Scenario:
    """Validate a parsed document: schema first, then cross-field and network checks.

    Raises :class:`ScenarioError` listing every problem found.
    """
    scenario = _validate(doc)
    findings = check_scenario(scenario)
    if not findings and scenario.demand.market is not None:
        scenario = _market_demand(scenario, doc)
    if not findings:
        findings = _network_findings(scenario)
    if findings:
        problems = [Problem(*doc.locate(path), ".".join(map(str, path)), message)
                    for path, message in findings]
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return scenario


def _validate(doc: Document) -> Scenario:
    return validate_model(Scenario, doc)


def _market_demand(scenario: Scenario, doc: Document) -> Scenario:
    """Derive the demand from the market file the scenario names (paths relative to it)."""
    from pathlib import Path

    from sim.market.link import resolve_file, with_market_demand

    base = Path(doc.file).parent if Path(doc.file).is_file() else Path.cwd()
    try:
        return with_market_demand(resolve_file(scenario, base))[0]
    except ScenarioError as err:
        file, line = doc.locate(("demand", "market"))
        raise ScenarioError([Problem(file, line, p.path or "demand.market", p.message)
                             for p in err.problems]) from None


def _network_findings(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    from sim.engine.network import idle_calendars, unreachable_case_types
    from sim.engine.plan import build_plan

    plan = build_plan(scenario)
    out: list[tuple[tuple[str | int, ...], str]] = [
        (("calendars", name), "no working time at all within the simulated period "
         "(check days, hours and holidays)")
        for name in idle_calendars(plan)
    ]
    for line, payer in unreachable_case_types(plan):
        out.append((("pools",), f"{line} cases paid by {payer} cannot reach an opinion: no pool "
                    f"that {payer} covers has specialists for {line}"))
    return out


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate a scenario file (YAML or TOML), applying ``dotted.key=value`` overrides."""
    doc = read_document(path)
    if overrides:
        doc = apply_overrides(doc, overrides)
    return scenario_from_document(doc)


def scenario_from_text(text: str, fmt: str = "yaml", overrides: Sequence[str] = (),
                       file: str = "<string>") -> Scenario:
    """Validate a scenario given as text (handy in tests and notebooks)."""
    doc = parse_document(text, file=file, fmt=fmt)
    if overrides:
        doc = apply_overrides(doc, overrides)
    return scenario_from_document(doc)
