"""Parameters of a design: a dotted scenario key and the values it may take.

Written the way the command line takes them (``--param KEY=SPEC``) or in a sweep file,
and read by :func:`parse_param` or :func:`parameter` (the table of specs is in
:mod:`sim.experiment.design`). A :class:`Parameter` maps a coordinate of the unit cube to
a value (:meth:`Parameter.from_unit`), which is how sampling designs use it, and
:func:`format_value` writes a value back as a ``key=value`` override.

Example:
    >>> p = parse_param("pools.in_house.specialists.oncology=4:6")
    >>> p.kind, p.levels, p.from_unit([0.0, 0.5, 0.99])
    ('int', (4, 5, 6), [4, 5, 6])
    >>> format_value("ai"), format_value(0.75)
    ('"ai"', '0.75')
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["DEFAULT_LEVELS", "DesignError", "Parameter", "format_value", "parameter",
           "parse_param"]

DEFAULT_LEVELS = 5
"""Values a continuous range gets in grid and one-at-a-time designs."""
_INT = re.compile(r"[-+]?\d+")
_KEY = re.compile(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*")


class DesignError(ValueError):
    """A parameter or design that cannot be used, with a message saying how to fix it."""


@dataclass(frozen=True)
class Parameter:
    """A scenario key and its values: a range (``low``..``high``) and/or discrete ``levels``.

    ``levels`` is ``None`` only for a continuous float range.

    >>> parse_param("triage.ai.accuracy=0.7:0.9").grid_levels(3)
    (0.7, 0.8, 0.9)
    >>> parse_param("x.y=2:8:3").levels
    (2, 5, 8)
    """

    key: str
    kind: Literal["int", "float", "categorical"]
    levels: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    def grid_levels(self, n: int = DEFAULT_LEVELS) -> tuple[Any, ...]:
        """The values a grid or one-at-a-time design uses (``n`` for a continuous range)."""
        if self.levels is not None:
            return self.levels
        assert self.low is not None and self.high is not None
        return tuple(_tidy(x) for x in np.linspace(self.low, self.high, n))

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for unit-cube coordinates ``u`` (equal probability per level)."""
        u = np.asarray(u, dtype=float)
        if self.levels is None:
            assert self.low is not None and self.high is not None
            return [_tidy(x) for x in self.low + u * (self.high - self.low)]
        k = len(self.levels)
        return [self.levels[i] for i in np.clip(np.floor(u * k).astype(int), 0, k - 1)]


def _tidy(x: float) -> float:
    """A float without binary noise (0.7999999999 -> 0.8), so overrides read cleanly."""
    return float(f"{float(x):.12g}")


def _number(text: str, what: str) -> int | float:
    text = text.strip()
    if _INT.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise DesignError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DesignError(f"{what} must be finite (got {text!r})")
    return value


def _yaml_value(text: str) -> Any:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text.strip()
    return text.strip() if isinstance(value, dict | list) or value is None else value


def parameter(key: str, spec: str | Sequence[Any] | Mapping[str, Any]) -> Parameter:
    """A :class:`Parameter` from a spec string (``"4:12"``), a list of values or a mapping.

    A mapping is ``{low: .., high: .., step: ..}`` or ``{values: [...]}``.

    >>> parameter("triage.policy", ["ai", "legacy"]).levels
    ('ai', 'legacy')
    >>> parameter("a.b", "12:4")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    DesignError: a.b=12:4: the low end 12 is above the high end 4
    """
    if not _KEY.fullmatch(key or ""):
        raise DesignError(f"{key!r} is not a dotted scenario key such as "
                          "pools.in_house.specialists.oncology")
    if isinstance(spec, Mapping):
        if "values" in spec:
            spec = list(spec["values"])
        elif {"low", "high"} <= set(spec):
            spec = ":".join(str(spec[k]) for k in ("low", "high", "step") if k in spec)
        else:
            raise DesignError(f"{key}: write a range as {{low: 4, high: 12, step: 2}} or values "
                              f"as {{values: [a, b]}} (got {dict(spec)})")
    if isinstance(spec, list | tuple):
        values = tuple(spec)
    elif ":" in str(spec):
        return _range(key, str(spec))
    else:
        values = tuple(_yaml_value(v) for v in str(spec).split(","))
    if len(values) < 2:
        raise DesignError(f"{key}={spec}: a parameter needs a range (4:12) or at least two "
                          "values (a,b); to fix a single value use --set")
    if len(set(map(repr, values))) != len(values):
        raise DesignError(f"{key}={spec}: values repeat")
    return Parameter(key, "categorical", levels=values)


def _range(key: str, spec: str) -> Parameter:
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise DesignError(f"{key}={spec}: write a range as low:high or low:high:step")
    where = f"{key}={spec}:"
    low, high = (_number(p, f"{where} the {e} end") for p, e in zip(parts, ("low", "high"),
                                                                   strict=False))
    step = _number(parts[2], f"{where} the step") if len(parts) == 3 else None
    if low > high:
        raise DesignError(f"{where[:-1]}: the low end {low} is above the high end {high}")
    if step is not None and step <= 0:
        raise DesignError(f"{where[:-1]}: the step must be positive (got {step})")
    if all(isinstance(x, int) for x in (low, high, step if step is not None else 1)):
        levels = tuple(range(int(low), int(high) + 1, int(step or 1)))
        return Parameter(key, "int", levels=levels, low=low, high=high)
    if low == high:
        raise DesignError(f"{where[:-1]}: an empty range; to fix one value use --set")
    levels = None
    if step is not None:
        n = math.floor((high - low) / step + 1e-9) + 1
        levels = tuple(_tidy(low + i * step) for i in range(n))
    return Parameter(key, "float", levels=levels, low=float(low), high=float(high))


def parse_param(text: str) -> Parameter:
    """Parse one ``--param KEY=SPEC``.

    >>> parse_param("pools.in_house.specialists.oncology=4:12:4").levels
    (4, 8, 12)
    >>> parse_param("oncology")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    DesignError: --param expects KEY=SPEC, e.g. ...=4:12 (got 'oncology')
    """
    key, sep, spec = text.partition("=")
    if not sep or not spec.strip():
        raise DesignError("--param expects KEY=SPEC, e.g. pools.in_house.specialists.oncology=4:12"
                          f" (got {text!r})")
    return parameter(key.strip(), spec.strip())


def format_value(value: Any) -> str:
    """A value as YAML text for an override (strings quoted, floats exact)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, np.generic):
        value = value.item()
    return json.dumps(value) if isinstance(value, str) else repr(value)
