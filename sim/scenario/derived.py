"""Scenarios built in code, validated as if they had been read from a file.

``model_copy`` skips validation, so a scenario derived from a valid one (a timeline's year:
shifted dates, a market volume, an adoption share, scaled staff) could be invalid unnoticed.
:func:`check_derived` puts it through the same schema, cross-field and network checks as a
file, and reports problems at the original file's lines with a context (``in year 2031:``).

Example:
    >>> year_2031 = check_derived(shifted, doc, "in year 2031: ")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses

import pydantic

from sim.scenario.checks import check_scenario
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import Document
from sim.scenario.messages import problems_from_validation_error
from sim.scenario.models import Scenario


def check_derived(scenario: Scenario, doc: Document | None = None,
                  context: str = "") -> Scenario:
    """``scenario`` validated through the schema and every check; raises :class:`ScenarioError`.

    ``doc`` is the file the scenario came from (problems are located there); ``context`` is
    put in front of every message.
    """
    from sim.scenario import _network_findings

    data = scenario.model_dump(mode="json")
    where = doc if doc is not None else Document(file=f"<scenario {scenario.name}>", data=data,
                                                 lines={})
    try:
        checked = Scenario.model_validate(data)
    except pydantic.ValidationError as err:
        problems = problems_from_validation_error(err, where)
    else:
        findings = check_scenario(checked) or _network_findings(checked)
        problems = [Problem(*where.locate(path), ".".join(map(str, path)), message)
                    for path, message in findings]
    if problems:
        raise ScenarioError([dataclasses.replace(p, message=context + p.message)
                             for p in problems])
    return scenario
