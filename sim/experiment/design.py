"""Experimental designs over any scenario keys: grid, one-at-a-time, Latin hypercube, Sobol, Morris.

A *parameter* is a dotted scenario key and the values it may take, written the way the
command line takes it (``--param KEY=SPEC``) or in a sweep file:

=====================  ==================================================================
``4:12``               integers 4, 5, ..., 12 (both ends included)
``4:12:2``             integers 4, 6, 8, 10, 12
``0.7:0.95``           a continuous float range (sampling designs draw from it; grid and
                       one-at-a-time use ``levels`` evenly spaced values, 5 by default)
``0.7:0.95:0.05``      floats 0.70, 0.75, ..., 0.95
``legacy,ai,hybrid``   categorical values, each read as YAML (``4,8`` are numbers)
=====================  ==================================================================

A :class:`Design` turns parameters into *design points* (one value per parameter), and each
point into a validated scenario by applying ``key=value`` overrides to the base scenario
(:func:`sim.scenario.loader.apply_overrides`). A point the schema rejects raises one
:class:`~sim.scenario.ScenarioError` naming the parameter and the point.

Sampling designs work on the unit cube ``[0, 1)^D`` and map each coordinate ``u`` to a
value: a continuous range to ``low + u (high - low)``; a parameter with ``k`` levels
(integers, stepped floats, categories) to level ``floor(u k)``. Each level therefore gets
the same probability, which a naive ``round(low + u (high - low))`` would not (it gives the
two end integers half weight). For **Sobol** this means the indices are those of the model
with that parameter *discrete uniform over its levels*: the Saltelli estimators stay valid
(the model is just piecewise constant in ``u``), but a parameter with few levels moves in
big steps, so estimates converge more slowly and small indices can come out slightly
negative; use more samples rather than reading much into them.

Example:
    >>> d = make_design("grid", [parse_param("pools.in_house.specialists.oncology=4:6"),
    ...                          parse_param("triage.policy=legacy,ai")])
    >>> d.size, d.points.iloc[0].to_dict()
    (6, {'point': 0, 'pools.in_house.specialists.oncology': 4, 'triage.policy': 'legacy'})
    >>> d.overrides(5)
    ['pools.in_house.specialists.oncology=6', 'triage.policy="ai"']
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.loading import scenario_from_document
from sim.scenario import Scenario, ScenarioError
from sim.scenario.errors import Problem
from sim.scenario.loader import Document, apply_overrides, read_document

DESIGNS = ("grid", "oat", "lhs", "sobol", "morris")
DEFAULT_LEVELS = 5
MORRIS_LEVELS = 4
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


@dataclass(frozen=True)
class Design:
    """Design points over ``parameters``: ``points`` has a ``point`` column and one per key.

    ``unit`` holds the unit-cube sample of sampling designs (what SALib analyses);
    ``varied`` names, per point of a one-at-a-time design, the parameter it moves
    (``None`` for the base point).
    """

    kind: str
    parameters: tuple[Parameter, ...]
    points: pd.DataFrame
    unit: np.ndarray | None = None
    varied: tuple[str | None, ...] | None = None
    samples: int | None = None
    seed: int | None = None

    @property
    def size(self) -> int:
        return len(self.points)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem: every parameter on the unit interval (see the module notes)."""
        return {"num_vars": len(self.parameters), "names": self.keys,
                "bounds": [[0.0, 1.0]] * len(self.parameters)}

    def params(self, i: int) -> dict[str, Any]:
        """Point ``i`` as the columns it gets in the results table."""
        row = {"point": i, **{k: _plain(self.points.at[i, k]) for k in self.keys}}
        if self.varied is not None:
            row["varied"] = self.varied[i] or "base"
        return row

    def overrides(self, i: int) -> list[str]:
        """Point ``i`` as ``key=value`` overrides (a one-at-a-time point sets only its own)."""
        keys = self.keys if self.varied is None else [k for k in self.keys
                                                      if k == self.varied[i]]
        return [f"{k}={format_value(_plain(self.points.at[i, k]))}" for k in keys]

    def scenarios(self, base: str | os.PathLike[str] | Document | Scenario,
                  overrides: Sequence[str] = ()) -> list[tuple[dict[str, Any], Scenario]]:
        """``(params, scenario)`` for every point, ready for ``make_tasks``.

        ``base`` is a scenario file, a parsed document or a scenario; ``overrides`` are
        applied to it first (``--set``). Raises one ScenarioError for the bad points.
        """
        doc = base_document(base, overrides)
        out, failures = [], []
        cache: dict[tuple[str, ...], Scenario] = {}
        for i in range(self.size):
            sets = tuple(self.overrides(i))
            try:
                if sets not in cache:
                    cache[sets] = scenario_from_document(apply_overrides(doc, sets))
                out.append((self.params(i), cache[sets]))
            except ScenarioError as err:
                failures.append((i, sets, err.problems))
        if failures:
            raise ScenarioError(self._report(failures))
        return out

    def _report(self, failures: list[tuple[int, tuple[str, ...], list[Problem]]]
                ) -> list[Problem]:
        """The bad points' problems: a problem every point has once, else the first three."""
        def key(p: Problem) -> tuple[str, str]:
            return p.path, p.message

        common = set.intersection(*({key(p) for p in probs} for _, _, probs in failures))
        if len(failures) == self.size and common:  # e.g. a misspelled --param key
            return [dataclasses.replace(_at_point(p, 0, (), self.keys), message=p.message)
                    for p in failures[0][2] if key(p) in common]
        problems: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for i, sets, probs in failures[:3]:  # the same complaint at every point is said once
            problems += [_at_point(p, i, sets, self.keys) for p in probs if key(p) not in seen]
            seen.update(key(p) for p in probs)
        if len(failures) > 3:
            last = problems[-1]
            problems[-1] = dataclasses.replace(last, message=f"{last.message} (and "
                                               f"{len(failures) - 3} more of the {self.size} "
                                               "design points are invalid)")
        return problems


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _at_point(p: Problem, i: int, sets: Sequence[str], keys: Sequence[str]) -> Problem:
    ours = any(p.path == k or p.path.startswith(k + ".") for k in keys)
    return Problem("--param" if ours else p.file, None if ours else p.line, p.path,
                   f"{p.message}; design point {i} sets {', '.join(sets) or 'nothing'}")


def base_document(base: str | os.PathLike[str] | Document | Scenario,
                  overrides: Sequence[str] = ()) -> Document:
    """The document a design's overrides apply to."""
    if isinstance(base, Scenario):
        doc = Document(f"<scenario {base.name}>", base.model_dump(), {})
    elif isinstance(base, Document):
        doc = base
    else:
        doc = read_document(base)
    return apply_overrides(doc, overrides) if overrides else doc


def value_at(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a validated scenario (defaults included), or ``None``."""
    cur: Any = scenario.model_dump()
    for part in key.split("."):
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def make_design(kind: str, parameters: Sequence[Parameter], samples: int | None = None,
                seed: int = 0, levels: int = DEFAULT_LEVELS,
                base: Scenario | None = None) -> Design:
    """Build a design. ``samples``: LHS points, Sobol base N, Morris trajectories.

    Sizes: grid = product of the levels; oat = 1 + the levels that differ from the base
    value (``base`` scenario; without it every level counts); lhs = samples;
    sobol = N (2D + 2); morris = N (D + 1).

    >>> ps = [parse_param("a.x=0.0:1.0"), parse_param("a.y=1:4")]
    >>> [make_design(k, ps, samples=8).size for k in ("grid", "oat", "lhs", "sobol", "morris")]
    [20, 10, 8, 48, 24]
    """
    params = tuple(parameters)
    if kind not in DESIGNS:
        raise DesignError(f"unknown design {kind!r}; choose one of {', '.join(DESIGNS)}")
    if not params:
        raise DesignError("a design needs at least one parameter (--param KEY=SPEC)")
    if len({p.key for p in params}) != len(params):
        twice = sorted({k for k in (p.key for p in params) if [q.key for q in params].count(k) > 1})
        raise DesignError(f"a parameter is given twice: {', '.join(twice)}")
    keys = [p.key for p in params]
    if kind == "grid":
        rows = list(itertools.product(*(p.grid_levels(levels) for p in params)))
        points, varied, unit, n = pd.DataFrame(rows, columns=keys), None, None, None
    elif kind == "oat":
        rows = [[value_at(base, k) if base is not None else None for k in keys]]
        varied: list[str | None] | None = [None]
        for j, p in enumerate(params):
            for v in p.grid_levels(levels):
                if not _same(v, rows[0][j]):
                    rows.append([*rows[0][:j], v, *rows[0][j + 1:]])
                    varied.append(p.key)
        points, unit, n = pd.DataFrame(rows, columns=keys), None, None
    else:
        n, varied = samples or default_samples(kind, len(params)), None
        if n < 1:
            raise DesignError(f"samples must be at least 1 (got {n})")
        unit = unit_sample(kind, len(params), n, seed, keys)
        points = pd.DataFrame({p.key: p.from_unit(unit[:, j]) for j, p in enumerate(params)})
    points.insert(0, "point", np.arange(len(points)))
    return Design(kind, params, points, unit=unit, varied=None if varied is None else
                  tuple(varied), samples=n, seed=seed)


def _same(a: Any, b: Any) -> bool:
    """Level equality tolerant of 4 == 4.0 and float noise."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


SOBOL_MIN_SAMPLES = 64
"""Fewest Sobol base samples (N) whose indices sosim calls usable: below it Saltelli's
estimators routinely give S1 outside [0, 1] and intervals wider than the indices."""


def small_design_warning(design: Design) -> str | None:
    """A warning when a Sobol design is too small for its indices to mean anything.

    >>> small_design_warning(make_design("sobol", [parse_param("x.y=0:1")], samples=4))[:36]
    'Sobol indices from --samples 4 are u'
    """
    if design.kind != "sobol" or (design.samples or 0) >= SOBOL_MIN_SAMPLES:
        return None
    return (f"Sobol indices from --samples {design.samples} are unreliable (S1 can come out "
            f"below 0 or above 1, with intervals wider than the indices): use at least "
            f"--samples {SOBOL_MIN_SAMPLES}, better a larger power of 2")


def default_samples(kind: str, d: int) -> int:
    """LHS 10 D points; Sobol N = 64 (a power of two); Morris 10 trajectories."""
    return {"lhs": 10 * d, "sobol": 64, "morris": 10}[kind]


def unit_sample(kind: str, d: int, n: int, seed: int, names: Sequence[str]) -> np.ndarray:
    """The unit-cube sample of a sampling design (rows are points)."""
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    if kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=seed).random(n)
    if kind == "sobol":
        import warnings

        from SALib.sample import sobol

        with warnings.catch_warnings():  # N not a power of 2: still valid, less balanced
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(sobol.sample(problem, n, calc_second_order=True, seed=seed))
    from SALib.sample import morris

    return np.asarray(morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed))
