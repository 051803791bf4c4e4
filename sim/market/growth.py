"""Growth arithmetic: compound rates, paths through anchor years, implied rates.

Every market figure is a value in a year or a compound annual growth rate (CAGR) over a
period; these few functions turn one into the other.

Example:
    >>> round(cagr(7.37, 13.49, 9), 4)                  # document 000, 2026 -> 2035
    0.0695
    >>> anchored_path({2025: 6.89, 2026: 7.37, 2035: 13.49}, range(2025, 2028)).round(2).tolist()
    [6.89, 7.37, 7.88]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import brentq

__all__ = ["anchored_path", "cagr", "segment_path", "solve_common_rate"]

RATE_BRACKET = (-0.999, 10.0)
"""Where :func:`solve_common_rate` looks for a rate: just above -100% to +1000% a year."""


def cagr(start: float, end: float, years: float) -> float:
    """The constant yearly rate that takes ``start`` to ``end`` in ``years`` years.

    Example:
        >>> round(cagr(6.12, 24.87, 10), 4)     # document 003's end points
        0.1505
    """
    if years <= 0:
        raise ValueError(f"years must be positive (got {years})")
    if start <= 0 or end < 0:
        return float("nan")
    return float((end / start) ** (1.0 / years) - 1.0)


def anchored_path(anchors: Mapping[int, float], years: Iterable[int],
                  extend_rate: float | None = None) -> np.ndarray:
    """Values in ``years`` through the anchor values, growing geometrically between anchors.

    After the last anchor the path grows at ``extend_rate`` if given, else at the rate of
    the last two anchors, else stays flat. Years before the first anchor are not allowed.

    Example:
        >>> anchored_path({2025: 100.0, 2027: 121.0}, [2025, 2026, 2027, 2028]).round(1)
        array([100. , 110. , 121. , 133.1])
        >>> anchored_path({2025: 100.0}, [2025, 2026], extend_rate=0.05).round(1)
        array([100., 105.])
    """
    points = sorted(anchors.items())
    ys = np.asarray(list(years), dtype=float)
    if not points:
        raise ValueError("need at least one anchor")
    if ys.size and ys.min() < points[0][0]:
        raise ValueError(f"year {int(ys.min())} is before the first anchor {points[0][0]}")
    at = np.array([y for y, _ in points], dtype=float)
    logs = np.log(np.array([v for _, v in points], dtype=float))
    out = np.exp(np.interp(ys, at, logs))  # geometric between anchors, flat beyond the last
    if extend_rate is None and len(points) > 1:
        (y0, v0), (y1, v1) = points[-2], points[-1]
        extend_rate = cagr(v0, v1, y1 - y0)
    if extend_rate is not None:
        after = ys > at[-1]
        out[after] = points[-1][1] * (1.0 + extend_rate) ** (ys[after] - at[-1])
    return out


def segment_path(base_share: float, total: np.ndarray, years: Sequence[int], rate: float,
                 first: int, last: int) -> np.ndarray:
    """A segment with a stated CAGR: its share of ``total`` until ``first``, compounding at
    ``rate`` from ``first`` to ``last``, then its share of ``total`` again.

    Example:
        >>> total = np.array([100.0, 110.0, 121.0])
        >>> segment_path(0.5, total, [2025, 2026, 2027], 0.2, 2026, 2027).round(1).tolist()
        [50.0, 55.0, 66.0]
    """
    ys = np.asarray(years)
    out = base_share * total.astype(float)
    i0 = int(np.searchsorted(ys, first))
    i1 = int(np.searchsorted(ys, last))
    start = out[i0]
    out[i0:i1 + 1] = start * (1.0 + rate) ** (ys[i0:i1 + 1] - first)
    if i1 + 1 < len(ys):
        out[i1 + 1:] = out[i1] * total[i1 + 1:] / total[i1]
    return out


def solve_common_rate(start_values: Sequence[float], target: float,
                      years: float | Sequence[float]) -> float:
    """The one rate r at which segments starting at ``start_values`` reach ``target`` together.

    Solves ``sum(v_i * (1 + r) ** n_i) == target`` with :func:`scipy.optimize.brentq`, where
    ``n_i`` is ``years`` (one number for all, or one per segment: segments whose growth
    starts in different years). With one common ``years`` it has a closed form,
    ``(target / sum(v)) ** (1 / years) - 1``, which the tests check against. Returns ``nan``
    for a figure that cannot be reached: a target of zero or less, segments of no size, or
    growth outside :data:`RATE_BRACKET`.

    Example:
        >>> round(solve_common_rate([4.5694], 13.49 - 5.6454, 9), 4)   # in-house, doc 000
        0.0619
        >>> round(solve_common_rate([1.0, 1.0], 2.0 * 1.1 ** 2, [2, 2]), 4)
        0.1
    """
    v = np.asarray(start_values, dtype=float)
    n = np.broadcast_to(np.asarray(years, dtype=float), v.shape)
    if v.sum() <= 0 or target <= 0 or np.any(n <= 0):
        return float("nan")

    def gap(r: float) -> float:
        return float(np.sum(v * (1.0 + r) ** n) - target)

    lo, hi = RATE_BRACKET
    if gap(lo) * gap(hi) > 0:
        return float("nan")
    return float(brentq(gap, lo, hi, xtol=1e-12))
