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
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.parameters import (
    DEFAULT_LEVELS,
    DesignError,
    Parameter,
    format_value,
    parameter,
    parse_param,
)
from sim.loading import scenario_from_document
from sim.scenario import Scenario, ScenarioError
from sim.scenario.errors import Problem
from sim.scenario.loader import Document, apply_overrides, read_document

# the parameters' API is part of the designs' (callers build designs from parse_param)
__all__ = ["DESIGNS", "MORRIS_LEVELS", "Design", "DesignError", "Parameter", "base_document",
           "default_samples", "format_value", "make_design", "parameter", "parse_param",
           "small_design_warning", "unit_sample", "value_at"]

DESIGNS = ("grid", "oat", "lhs", "sobol", "morris")
MORRIS_LEVELS = 4


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
