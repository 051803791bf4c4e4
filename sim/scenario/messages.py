"""Pydantic's validation errors, as the ``file:line: field.path: message (got X)`` users read.

The models report where a value is wrong as a *location* inside the data,
with pydantic's own labels mixed in (union tags, ``function-after[...]``).
These functions turn each error into a :class:`~sim.scenario.errors.Problem`
at the field's path and line in the :class:`~sim.scenario.loader.Document`,
with a short, plain message.

Example:
    >>> import pydantic
    >>> from sim.scenario.loader import parse_document
    >>> class Demand(pydantic.BaseModel):
    ...     cases_per_year: float = pydantic.Field(gt=0)
    >>> doc = parse_document("cases_per_year: -5", file="a.yaml")
    >>> try:
    ...     Demand.model_validate(doc.data)
    ... except pydantic.ValidationError as err:
    ...     print(problems_from_validation_error(err, doc)[0])
    a.yaml:1: cases_per_year: input should be greater than 0 (got -5)
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

import pydantic

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import Document, FieldPath, _dotted, _render, format_value


def problems_from_validation_error(exc: pydantic.ValidationError, doc: Document) -> list[Problem]:
    """Turn every pydantic error into a ``Problem`` located in ``doc``, sorted by line."""
    return problems_from_errors(exc.errors(include_url=False), doc)


def problems_from_errors(errors: Sequence[Any], doc: Document,
                         model: type[pydantic.BaseModel] | None = None) -> list[Problem]:
    """Turn pydantic error dicts into ``Problem`` s located in ``doc``, sorted by line.

    An unknown key gets a "did you mean" hint: the missing key or, given ``model``, the
    allowed key at that place with the closest name (``horizon_dyas`` -> ``horizon_days``).
    """
    errors = _without_union_noise(list(errors))
    missing = {
        _field_path(e["loc"], doc.data, keep_missing_last=True)
        for e in errors
        if e["type"] == "missing"
    }
    problems: list[Problem] = []
    for err in errors:
        path = _field_path(err["loc"], doc.data, keep_missing_last=err["type"] == "missing")
        message = _error_message(err, path)
        if err["type"] == "extra_forbidden" and path:
            near = [p[-1] for p in missing if p[:-1] == path[:-1] and p]
            near = near or (allowed_keys(model, err["loc"][:-1]) if model else [])
            if close := difflib.get_close_matches(str(path[-1]), map(str, near), n=1):
                message += f" (did you mean {close[0]!r}?)"
        elif err["type"] == "union_tag_invalid":  # point at the tag itself: dist: weibull
            tagged = _value_at(doc.data, path)
            key = err["ctx"]["discriminator"].strip("'")
            if isinstance(tagged, dict) and key in tagged:
                path = (*path, key)
                message = f"must be one of {err['ctx']['expected_tags']} (got "
                message += f"{format_value(tagged[key])})"
        elif err["type"] == "union_tag_not_found":  # the tag is missing: dist
            path, message = (*path, err["ctx"]["discriminator"].strip("'")), "field required"
        file, line = doc.locate(path)
        problems.append(Problem(file, line, _dotted(path), message))
    unique = dict.fromkeys(problems)  # union members can repeat the same complaint
    return sorted(unique, key=lambda p: (p.line is None, p.line or 0, p.path))


def allowed_keys(model: type[pydantic.BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys a settings mapping at pydantic location ``loc`` of ``model`` may have.

    >>> from sim.scenario.models import Scenario
    >>> "horizon_days" in allowed_keys(Scenario, ("simulation",))
    True
    """
    kinds: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for kind in _members(kinds):
            if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel):
                if part in kind.model_fields:
                    nxt.append(kind.model_fields[part].annotation)
                elif part == kind.__name__:  # a union member's label
                    nxt.append(kind)
            elif typing.get_origin(kind) in (dict, list) and typing.get_args(kind):
                nxt.append(typing.get_args(kind)[-1])
        kinds = nxt
    return sorted({name for kind in _members(kinds)
                   if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel)
                   for name in kind.model_fields})


def _members(kinds: list[Any]) -> list[Any]:
    """Unwrap ``Annotated``, ``Optional`` and unions into the plain types they allow."""
    out: list[Any] = []
    todo = list(kinds)
    while todo:
        kind = todo.pop()
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            todo.append(typing.get_args(kind)[0])
        elif origin in (typing.Union, types.UnionType):
            todo.extend(typing.get_args(kind))
        else:
            out.append(kind)
    return out


def _without_union_noise(errors: list[Any]) -> list[Any]:
    """Drop the complaints of union members that plainly do not apply to what was written.

    For ``'24x7' | CalendarSpec`` pydantic reports both members; if the user wrote a mapping,
    "should be '24x7'" is noise, and if they wrote a word, "should be a mapping" is.
    """
    def member(err: Any) -> bool:  # pydantic labels a union member's errors "literal['24x7']"
        return bool(err["loc"]) and str(err["loc"][-1]).startswith("literal[")

    literals = [e for e in errors if e["type"] == "literal_error" and member(e)]

    def noise(err: Any) -> bool:
        if err in literals and isinstance(err.get("input"), dict | list):
            union = err["loc"][:-1]
            return any(o is not err and o["loc"][: len(union)] == union for o in errors)
        if err["type"] in _CONTAINER_TYPES and isinstance(err.get("input"), str):
            return any(lit["loc"][:-1] == err["loc"][:-1] for lit in literals)
        return False

    return [e for e in errors if not noise(e)] or errors


_CONTAINER_TYPES = frozenset({"model_type", "model_attributes_type", "dict_type", "list_type"})


def _value_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _field_path(loc: Sequence[str | int], data: Any, keep_missing_last: bool) -> FieldPath:
    """Keep the ``loc`` parts that exist in ``data``; drop pydantic's labels (union tags, etc.).

    A label is recognised as a part that is not a key/index of the data at that point. The only
    real field that can be absent is the last part of a ``missing`` error.
    """
    out: list[str | int] = []
    for depth, part in enumerate(loc):
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_list or (isinstance(data, dict) and part in data):
            out.append(part)
            data = data[part]
        elif keep_missing_last and depth == len(loc) - 1 and isinstance(data, dict):
            out.append(part)
    return tuple(out)


_PYDANTIC_MAPPING = re.compile(
    r"a valid dictionary or (instance of \w+|object to extract fields from)"
)


def _error_message(err: Any, path: FieldPath) -> str:
    """Pydantic's ``msg``, tidied, plus ``(got X)`` unless X is missing or a big container."""
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "extra_forbidden":
        return f"unknown key {str(path[-1]) if path else '?'!r}"
    msg: str = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if msg[1:2].islower():
        msg = msg[0].lower() + msg[1:]
    msg = _PYDANTIC_MAPPING.sub("a mapping of settings", msg)
    if "input" not in err or "(got " in msg:  # our own validators already say what they got
        return msg
    whole_section = isinstance(err["input"], dict) and bool(err["input"])
    if whole_section and err["type"] in ("value_error", "assertion_error"):
        return msg  # our validator's message already says what is wrong with the section
    got, cut = _render(err["input"], 60)
    return msg if cut and isinstance(err["input"], dict | list) else f"{msg} (got {got})"


M = TypeVar("M", bound=pydantic.BaseModel)


def validate_model(model: type[M], doc: Document) -> M:
    """Validate ``doc`` as ``model``, raising every problem as one :class:`ScenarioError`.

    Pydantic would read ``true``/``yes`` written for a number as 1, so a strict pass picks
    those out; otherwise its usual conversions (``"12"`` -> 12) apply.
    """
    booleans = []
    try:
        return model.model_validate(doc.data, strict=True)
    except pydantic.ValidationError as exc:
        booleans = [e for e in exc.errors(include_url=False)
                    if e["type"] in ("int_type", "float_type") and isinstance(e["input"], bool)]
    errors = []
    try:
        result = model.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
    seen = {e["loc"] for e in errors}
    errors += [e for e in booleans if e["loc"] not in seen]
    if errors:
        raise ScenarioError(problems_from_errors(errors, doc, model))
    return result
