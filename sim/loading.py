"""Loading a scenario to run: the schema, then demand from a market file, then the network.

The three steps live in three layers: :mod:`sim.scenario` checks the file
against the schema and its cross-field rules, :mod:`sim.market` turns a
``demand.market`` reference into a volume and a specialty mix, and
:mod:`sim.capacity.network` checks that every case can reach an opinion and every
calendar has working time. This module, above all three, runs them in that
order and reports every problem as ``file:line: field.path: what is wrong``.

Example:
    >>> from sim.loading import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml", ["simulation.seed=3"])
    >>> s.simulation.seed
    3
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import pydantic

from sim.capacity.access import unserved_case_types
from sim.capacity.network import (
    case_type_shares,
    idle_calendars,
    unreachable_case_types,
    why_unreachable,
)
from sim.engine.plan import Plan, build_plan
from sim.engine.policies.routing import routing_findings
from sim.market.link import resolve_file, with_market_demand
from sim.scenario import (
    Finding,
    Problem,
    Scenario,
    ScenarioError,
    raise_findings,
    validate_scenario,
)
from sim.scenario.checks import check_scenario
from sim.scenario.loader import Document, apply_overrides, parse_document, read_document
from sim.scenario.messages import problems_from_validation_error

__all__ = ["check_derived", "load_scenario", "scenario_from_document", "scenario_from_text"]


def scenario_from_document(doc: Document) -> Scenario:
    """Validate a parsed document: schema first, then market demand and network checks.

    Raises :class:`~sim.scenario.ScenarioError` listing every problem found.
    """
    _not_a_market_file(doc)
    scenario = validate_scenario(doc)
    if scenario.demand.market is not None:
        scenario = _market_demand(scenario, doc)
    raise_findings(doc, network_findings(scenario))
    return scenario


def _not_a_market_file(doc: Document) -> None:
    """A market file given where a scenario is expected gets one hint, not a schema's worth.

    Example:
        >>> from sim.scenario.loader import read_document
        >>> scenario_from_document(read_document("scenarios/market/doc000_2026.yaml"))
        Traceback (most recent call last):
        ...
        sim.scenario.errors.ScenarioError: ...doc000_2026.yaml:11: this is a market file ...
    """
    from sim.market.models import Market

    keys = set(doc.data) if isinstance(doc.data, dict) else set()
    if {"total", "base_year"} <= keys and keys <= set(Market.model_fields) and "pools" not in keys:
        raise ScenarioError([Problem(doc.file, doc.line_of(()), "",
                                     "this is a market file (base_year, total, volumes), not a "
                                     f"scenario: read it with `sosim market {doc.file}`")])


def _market_demand(scenario: Scenario, doc: Document) -> Scenario:
    """Derive the demand from the market file the scenario names (paths relative to it)."""
    base = Path(doc.file).parent if Path(doc.file).is_file() else Path.cwd()
    try:
        return with_market_demand(resolve_file(scenario, base))[0]
    except ScenarioError as err:
        file, line = doc.locate(("demand", "market"))
        raise ScenarioError([Problem(file, line, p.path or "demand.market", p.message)
                             for p in err.problems]) from None


def network_findings(scenario: Scenario) -> list[Finding]:
    """The routing policy's own checks, calendars with no working time, and cases that no
    pool can give an opinion."""
    plan = build_plan(scenario)
    out: list[Finding] = routing_findings(scenario) + [
        (("calendars", name), "no working time at all within the simulated period "
         "(check days, hours and holidays)")
        for name in idle_calendars(plan)
    ]
    out += _unreachable_findings(plan)
    for line, payer, channel in unserved_case_types(plan, case_type_shares(plan)):
        out.append((("appointments", channel, "slots_per_week"),
                    f"{channel} {line} cases paid by {payer} cannot reach an opinion: no pool "
                    f"with {channel} slots has specialists for {line} that {payer} covers"))
    if plan.records_team is not None and plan.records_team.calendar.working_hours(
            plan.horizon_h) <= 0:
        out.append((("intake", "team", "calendar"), "no working time at all within the "
                    "simulated period (check days, hours and holidays)"))
    return out


def _unreachable_findings(plan: Plan) -> list[Finding]:
    """Case types with demand that no pool may take: per (line, payer) when no pool that the
    payer covers staffs the line, else per channel, naming what stops each pool."""
    by_type: dict[tuple[str, str], list[str]] = {}
    for line, payer, channel in unreachable_case_types(plan):
        by_type.setdefault((line, payer), []).append(channel)
    out: list[Finding] = []
    for (line, payer), channels in by_type.items():
        covered = plan.capabilities.covers[payer]
        staffed = {plan.pools[q.pool] for q in plan.queues if plan.lines[q.line].name == line}
        if not staffed or (covered is not None and not staffed & set(covered)):
            out.append((("pools",), f"{line} cases paid by {payer} cannot reach an opinion: "
                        f"no pool that {payer} covers has specialists for {line}"))
            continue
        out += [(("pools",), f"{line} cases paid by {payer} in channel {ch!r} cannot reach an "
                 f"opinion: {why_unreachable(plan, line, payer, ch)} (see pools.<pool>.serves "
                 f"and payers.{payer}.covers)") for ch in channels]
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


def check_derived(scenario: Scenario, doc: Document | None = None,
                  context: str = "") -> Scenario:
    """A scenario built in code, validated as if it had been read from a file.

    ``model_copy`` skips validation, so a scenario derived from a valid one (a timeline's
    year: shifted dates, a market volume, an adoption share, scaled staff) could be invalid
    unnoticed. This puts it through the schema, the cross-field and the network checks;
    problems are located in ``doc`` (the file it came from) with ``context`` in front of
    every message, and raised as one :class:`~sim.scenario.ScenarioError`.

    Example:
        >>> from sim.scenario.loader import read_document
        >>> doc = read_document("scenarios/baseline.yaml")
        >>> s = scenario_from_document(doc)
        >>> check_derived(s, doc, "in year 2031: ") == s
        True
        >>> pools = {**s.pools, "in_house": s.pools["in_house"].model_copy(
        ...     update={"specialists": {**s.pools["in_house"].specialists, "oncology": 0}})}
        >>> check_derived(s.model_copy(update={"pools": pools}), doc, "in year 2031: ")
        Traceback (most recent call last):
        ...
        sim.scenario.errors.ScenarioError: scenarios/baseline.yaml:...: in year 2031: ...
    """
    data = scenario.model_dump(mode="json")
    where = doc if doc is not None else Document(file=f"<scenario {scenario.name}>", data=data,
                                                 lines={})
    try:
        checked = Scenario.model_validate(data)
    except pydantic.ValidationError as err:
        problems = problems_from_validation_error(err, where)
    else:
        findings = check_scenario(checked) or network_findings(checked)
        problems = [Problem(*where.locate(path), ".".join(map(str, path)), message)
                    for path, message in findings]
    if problems:
        raise ScenarioError([dataclasses.replace(p, message=context + p.message)
                             for p in problems])
    return scenario
