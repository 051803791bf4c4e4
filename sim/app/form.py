"""The editable form of a scenario, built from the pydantic schema, and its validation.

The page shows the settings a planner changes most (volume, staff, triage, routing,
prices, horizon, replications). Which widget a field gets (whole number, number, choice,
switch), its help text and its choices come from :class:`~sim.scenario.models.Scenario`
itself; its limits are *not* copied here: an edit is applied to the file as a ``--set``
override and validated by the same loader as ``sosim run``, so a wrong value gets the
schema's own ``field: reason (got X)`` message.

Example (from the repository's root):
    >>> import sim
    >>> fields = editable_fields(sim.load_scenario("scenarios/baseline.yaml"))
    >>> [f.dotted for f in fields][:2]
    ['simulation.horizon_days', 'simulation.warmup_days']
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic

from sim.scenario.models import Scenario

__all__ = ["FieldSpec", "Validation", "editable_fields", "overrides", "schema_field",
           "validate_edits"]

FieldPath = tuple[str, ...]
Kind = Literal["int", "float", "choice", "bool"]


@dataclass(frozen=True)
class FieldSpec:
    """One editable setting: where it is, how to show it, and its value in the file."""

    path: FieldPath
    section: str
    label: str
    kind: Kind
    value: Any
    help: str = ""
    choices: tuple[Any, ...] = ()
    step: float | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The bare type of an annotation and its metadata (``Annotated``, ``X | None`` removed)."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata += extra
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def schema_field(path: FieldPath, model: type[pydantic.BaseModel] = Scenario
                 ) -> tuple[Any, str, list[Any]]:
    """(type, description, constraints) of ``path`` in the schema; ``KeyError`` if unknown.

    Example:
        >>> schema_field(("pools", "in_house", "specialists", "oncology"))[0]
        <class 'int'>
        >>> typing.get_args(schema_field(("routing", "policy"))[0])[:3]
        ('in_house_first', 'outsourced_first', 'overflow')
    """
    current: Any = model
    description, metadata = "", []
    for step in path:
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            info = current.model_fields[step]
            description = info.description or ""
            current, metadata = _unwrap(info.annotation)
            metadata = [*info.metadata, *metadata]
        elif typing.get_origin(current) is dict:
            current, metadata = _unwrap(typing.get_args(current)[1])
            description = ""
        else:
            raise KeyError(".".join(path))
    return current, description, metadata


def _spec(scenario: Scenario, path: FieldPath, section: str, label: str | None = None
          ) -> FieldSpec | None:
    value: Any = scenario
    for step in path:
        value = value.get(step) if isinstance(value, dict) else getattr(value, step, None)
        if value is None:
            return None
    kind_of, description, metadata = schema_field(path)
    choices: tuple[Any, ...] = ()
    if typing.get_origin(kind_of) is Literal:
        kind, choices = "choice", typing.get_args(kind_of)
    elif kind_of is bool:
        kind = "bool"
    elif kind_of is int:
        kind = "int"
    elif kind_of is float:
        kind = "float"
    else:
        return None
    upper = [getattr(m, "le", None) for m in metadata if getattr(m, "le", None) is not None]
    step = None
    if kind == "float":  # probabilities move by a percent, everything else by one unit
        step = 0.01 if upper and max(upper) <= 1 else 1.0
    return FieldSpec(path, section, label or path[-1].replace("_", " "), kind,  # type: ignore[arg-type]
                     value, description, choices, step)


def _candidates(s: Scenario) -> Iterator[tuple[FieldPath, str, str | None]]:
    """(path, section, label) of the settings planners change most, in display order."""
    for key in ("horizon_days", "warmup_days", "replications", "seed"):
        yield ("simulation", key), "Run", None
    if s.demand.market is None:
        yield ("demand", "cases_per_year"), "Volume", "cases per year"
    for pool, spec in s.pools.items():
        for specialty in spec.specialists:
            yield ("pools", pool, "specialists", specialty), f"Staff: {pool}", None
        for specialty, subs in spec.subspecialists.items():
            for sub in subs:
                yield (("pools", pool, "subspecialists", specialty, sub), f"Staff: {pool}",
                       f"{specialty}: {sub.replace('_', ' ')}")
    yield ("triage", "policy"), "Triage", "policy"
    yield ("triage", "ai", "accuracy"), "Triage", "AI accuracy"
    yield ("triage", "ai_share"), "Triage", "AI share (adoption)"
    yield ("triage", "legacy", "coordinators"), "Triage", "legacy coordinators"
    yield ("triage", "legacy", "accuracy"), "Triage", "legacy accuracy"
    yield ("triage", "hybrid", "coordinators"), "Triage", "hybrid coordinators"
    yield ("routing", "policy"), "Routing", "policy"
    yield ("routing", "overflow_wait_hours"), "Routing", "overflow wait (hours)"
    for pool in s.pools:
        yield ("pools", pool, "price_per_case_usd"), "Prices (USD)", f"{pool}: price per case"
        yield (("pools", pool, "specialist_rate_per_hour_usd"), "Prices (USD)",
               f"{pool}: specialist rate per hour")
    if s.economics is not None:
        yield ("economics", "ai_fee_per_case_usd"), "Prices (USD)", "AI fee per case"
        yield (("economics", "coordinator_wage_per_hour_usd"), "Prices (USD)",
               "coordinator wage per hour")
    yield ("targets", "time_to_match_hours"), "Targets", "time to match (hours)"
    yield ("targets", "time_to_opinion_hours"), "Targets", "time to opinion (hours)"


def editable_fields(scenario: Scenario) -> list[FieldSpec]:
    """The form's fields for ``scenario``, with the values it has (defaults included).

    Example:
        >>> import sim
        >>> s = sim.load_scenario("scenarios/baseline.yaml")
        >>> next(f for f in editable_fields(s) if f.label == "oncology")
        FieldSpec(path=('pools', 'in_house', 'specialists', 'oncology'), ..., value=4, ...)
    """
    out = []
    for path, section, label in _candidates(scenario):
        spec = _spec(scenario, path, section, label)
        if spec is not None:
            out.append(spec)
    return out


def changed(fields: list[FieldSpec], edits: Mapping[FieldPath, Any]) -> dict[FieldPath, Any]:
    """The edits that differ from the file's values, in the form's order."""
    by_path = {f.path: f for f in fields}
    return {path: value for path, value in edits.items()
            if path in by_path and value != by_path[path].value}


def overrides(edits: Mapping[FieldPath, Any]) -> list[str]:
    """``--set`` assignments for ``edits`` (values written as JSON, which YAML reads).

    Example:
        >>> overrides({("routing", "policy"): "overflow", ("triage", "ai", "accuracy"): 0.9})
        ['routing.policy="overflow"', 'triage.ai.accuracy=0.9']
    """
    return [f"{'.'.join(path)}={json.dumps(value)}" for path, value in edits.items()]


@dataclass
class Validation:
    """The edited scenario if valid; otherwise every problem, by field where one is named."""

    scenario: Scenario | None
    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.scenario is not None

    @property
    def count(self) -> int:
        return len(self.general) + sum(len(v) for v in self.by_field.values())


def validate_edits(text: str, fmt: str, file: str, edits: Mapping[FieldPath, Any],
                   fields: list[FieldSpec] | None = None) -> Validation:
    """Load ``text`` with ``edits`` as overrides through the CLI's loader; sort the problems.

    A problem on a form field is keyed by its dotted path and reads ``field: reason (got X)``;
    the others (a cross-check on a whole section, a problem in the file itself) are general.

    Example (from the repository's root):
        >>> text = open("scenarios/baseline.yaml").read()
        >>> v = validate_edits(text, "yaml", "b.yaml", {("triage", "ai", "accuracy"): 1.5})
        >>> v.ok, v.by_field["triage.ai.accuracy"]
        (False, ['triage.ai.accuracy: input should be less than or equal to 1 (got 1.5)'])
    """
    from sim.loading import scenario_from_text
    from sim.scenario import ScenarioError

    try:
        return Validation(scenario_from_text(text, fmt, overrides(edits), file=file))
    except ScenarioError as err:
        known = {f.dotted for f in fields} if fields is not None else \
            {".".join(p) for p in edits}
        out = Validation(None)
        for p in err.problems:
            said = f"{p.path}: {p.message}" if p.path else p.message
            if p.path in known:
                out.by_field.setdefault(p.path, []).append(said)
            else:
                out.general.append(str(p) if p.file != "--set" else said)
        return out
