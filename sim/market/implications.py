"""What a document's figures imply but do not say: checks across figures it states apart.

Two checks feed the consistency report (:mod:`sim.market.report`):

* **Concentration.** A document that gives the top players' combined share, each named
  player's share and the largest share any player may have, also bounds the
  Herfindahl-Hirschman Index (HHI, the sum of squared shares in percent, 0-10,000).
  :func:`hhi_bounds` computes that bound; a stated HHI outside it cannot hold. Document
  000: top five 28-32%, Teladoc 7-9%, Cleveland Clinic and Mayo Clinic 5-7%, 2nd.MD 4-6%,
  Included Health 3-5%, nobody above 10%, so the HHI is at most 550, while the document
  says 600-1,000.
* **Countries outgrowing their region.** A country's stated CAGR above its region's growth
  over the same years (stated, or implied by the total and the other regions) means the
  rest of the region grows slower than the region, which the document does not say
  (document 000: the UK at 6.8% a year, Europe implied at about 6.5%).

**The HHI bound.** The top ``n`` shares ``x`` lie in their stated ranges (unnamed ones in
``[0, max_share]``), sum to within ``top_share`` and are at most ``max_share``; everyone
else holds ``R = 1 - sum(x)`` in shares no larger than the smallest top share. With ``m``
at most that smallest share, the largest sum of squares of ``R`` in pieces of at most ``m``
is ``k m^2 + (R - k m)^2``, ``k = floor(R / m)`` (as many pieces of ``m`` as fit, then the
remainder), and it only grows with ``m``. So for fixed ``m`` and ``k``

    HHI(x) = sum(x^2) + k m^2 + (100 - sum(x) - k m)^2      (shares in percent)

is convex in ``x`` on a polytope (each ``x_i`` in ``[max(low_i, m), high_i]``, ``sum(x)``
within ``top_share`` and ``k m <= 100 - sum(x) <= (k + 1) m``), and its maximum lies at a
vertex: every share at a bound but at most one, which the sum fixes. :func:`hhi_bounds`
enumerates those vertices for every ``k`` and for ``m`` on a grid of 200 steps up to the
largest share, then of 0.001 point around the best one; HHI moves by at most ``2 x 100``
points per point of ``m``, so the bound is exact to within 0.2 points. The smallest HHI is
the smallest ``sum(x^2)`` (the rest in ever smaller pieces).

Example:
    >>> from sim.market.models import Concentration
    >>> c = Concentration.model_validate({"top_n": 2, "top_share": {"low": 0.3, "high": 0.3},
    ...     "max_share": 0.2, "players": {"a": {"low": 0.1, "high": 0.2},
    ...                                   "b": {"low": 0.1, "high": 0.2}}})
    >>> b = hhi_bounds(c)
    >>> round(b.high), round(b.low)   # 15% + 15%, the rest 70% in 4 x 15% + 10%
    (1450, 450)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.market.growth import cagr
from sim.market.models import Concentration, Market
from sim.market.report import Finding, pct

__all__ = ["HhiBounds", "country_growth_findings", "concentration_findings", "hhi_bounds"]

_EPS = 1e-9


@dataclass(frozen=True)
class HhiBounds:
    """The range of HHI (points, 0-10,000) the stated shares allow, and where it is reached.

    ``top_at_high``: the top shares (percent) giving ``high``; ``rest_at_high``: the number
    of other players of the smallest top share, and the remainder, at that maximum.
    """

    low: float
    high: float
    top_at_high: tuple[float, ...]
    rest_at_high: tuple[int, float]


def _ranges(c: Concentration) -> tuple[np.ndarray, np.ndarray]:
    """Percent ranges of the top ``n`` shares: named players first, then unnamed ones."""
    cap = 100.0 * (c.max_share if c.max_share is not None else 1.0)
    lo = [100.0 * r.low for r in c.players.values()] + [0.0] * (c.top_n - len(c.players))
    hi = [min(100.0 * r.high, cap) for r in c.players.values()]
    hi += [cap] * (c.top_n - len(c.players))
    return np.array(lo), np.array(hi)


def _vertices(low: np.ndarray, high: np.ndarray, sum_lo: float, sum_hi: float) -> np.ndarray:
    """Vertices of {low <= x <= high, sum_lo <= sum(x) <= sum_hi} (rows; maybe repeated)."""
    n = len(low)
    if sum_lo > sum_hi + _EPS or (low > high + _EPS).any():
        return np.empty((0, n))
    corners = np.array(list(itertools.product((0, 1), repeat=n)), dtype=bool)
    x = np.where(corners, high, low)
    out = [x]
    for j in range(n):  # x_j set by the sum, the others at a bound
        others = x.sum(axis=1) - x[:, j]
        for target in (sum_lo, sum_hi):
            y = x.copy()
            y[:, j] = target - others
            out.append(y[(y[:, j] >= low[j] - _EPS) & (y[:, j] <= high[j] + _EPS)])
    v = np.concatenate(out)
    s = v.sum(axis=1)
    return v[(s >= sum_lo - _EPS) & (s <= sum_hi + _EPS)]


def _search(low: np.ndarray, high: np.ndarray, sum_lo: float, sum_hi: float,
            ms: np.ndarray) -> tuple[float, np.ndarray, tuple[int, float], float]:
    """The largest HHI over the vertices for each ``m`` in ``ms`` and every ``k``."""
    best, arg, pieces, at_m = -np.inf, np.empty(0), (0, 0.0), 0.0
    for m in ms.tolist():
        lo_m = np.maximum(low, m)
        k_lo = max(int(np.floor((100.0 - sum_hi) / m)), 0)
        k_hi = int(np.floor((100.0 - sum_lo) / m + _EPS))
        for k in range(k_lo, k_hi + 1):
            v = _vertices(lo_m, high, max(sum_lo, 100.0 - (k + 1) * m),
                          min(sum_hi, 100.0 - k * m))
            if not len(v):
                continue
            rest = 100.0 - v.sum(axis=1) - k * m
            hhi = (v * v).sum(axis=1) + k * m * m + rest * rest
            j = int(hhi.argmax())
            if hhi[j] > best + _EPS:
                best, arg, pieces, at_m = float(hhi[j]), v[j], (k, float(rest[j])), m
    return best, arg, pieces, at_m


@lru_cache(maxsize=32)
def _cached(text: str) -> HhiBounds | None:
    return _bounds(Concentration.model_validate_json(text))


def hhi_bounds(c: Concentration) -> HhiBounds | None:
    """The smallest and largest HHI the stated shares allow; ``None`` if none fits them."""
    return _cached(c.model_dump_json(by_alias=True))


def _bounds(c: Concentration) -> HhiBounds | None:
    low, high = _ranges(c)
    sum_lo = 100.0 * c.top_share.low if c.top_share else 0.0
    sum_hi = 100.0 * c.top_share.high if c.top_share else 100.0
    min_squares = min((float((v * v).sum(axis=1).min()) for v in
                       [_vertices(low, high, sum_lo, sum_hi)] if len(v)), default=np.inf)
    if low.sum() < sum_lo:  # the least concentrated: as equal as the bounds let them be
        from scipy.optimize import minimize

        fit = minimize(lambda x: float((x * x).sum()), np.clip(np.full(len(low), sum_lo /
                       len(low)), low, high), bounds=list(zip(low, high, strict=True)),
                       constraints=[{"type": "ineq", "fun": lambda x: x.sum() - sum_lo},
                                    {"type": "ineq", "fun": lambda x: sum_hi - x.sum()}])
        if fit.success:
            min_squares = min(min_squares, float(fit.fun))
    top_m = float(high.max())
    best, arg, pieces, at_m = _search(low, high, sum_lo, sum_hi, np.arange(1, 201) / 200 * top_m)
    if np.isfinite(best):  # refine around the best m: step top_m / 200, then 1/1000 point
        fine = np.arange(max(at_m - top_m / 200, 1e-3), min(at_m + top_m / 200, top_m) + 1e-9,
                         0.001)
        found = _search(low, high, sum_lo, sum_hi, fine)
        if found[0] > best:
            best, arg, pieces, _ = found
    if not np.isfinite(best):
        return None
    return HhiBounds(low=min_squares, high=best, top_at_high=tuple(float(a) for a in arg),
                     rest_at_high=pieces)


def _fmt_range(r: object, scale: float = 100.0, unit: str = "%") -> str:
    lo, hi = r.low * scale, r.high * scale  # type: ignore[attr-defined]
    return f"{lo:,.4g}{unit}" if lo == hi else f"{lo:,.4g}-{hi:,.4g}{unit}"


def concentration_findings(market: Market) -> list[Finding]:
    """A warning when the stated HHI cannot hold with the stated shares; else a note."""
    c = market.concentration
    if c is None or c.hhi is None:
        return []
    bounds = hhi_bounds(c)
    said = [f"top {c.top_n} {_fmt_range(c.top_share)}" if c.top_share else f"top {c.top_n}"]
    said += [f"{p} {_fmt_range(r)}" for p, r in c.players.items()]
    if c.max_share is not None:
        said.append(f"none above {pct(c.max_share, 0)}")
    stated = f"HHI {_fmt_range(c.hhi, 1.0, '')}"
    if bounds is None:
        return [Finding("warning", ("concentration",), (
            f"no set of shares satisfies {', '.join(said)}; {stated} cannot be checked"))]
    figures = {"hhi_min": bounds.low, "hhi_max": bounds.high, "stated_low": c.hhi.low,
               "stated_high": c.hhi.high}
    allowed = f"{bounds.low:,.0f}-{bounds.high:,.0f}"
    if c.hhi.low > bounds.high + 0.5 or c.hhi.high < bounds.low - 0.5:
        top = " + ".join(f"{v:.3g}" for v in bounds.top_at_high)
        k, rem = bounds.rest_at_high
        return [Finding("warning", ("concentration", "hhi"), (
            f"{stated} cannot hold with the document's own shares ({', '.join(said)}): they "
            f"allow an HHI of {allowed} only; the most concentrated case is the top {c.top_n} "
            f"at {top}% with the other {100 - sum(bounds.top_at_high):.3g}% in {k} players of "
            f"{min(bounds.top_at_high):.3g}% and one of {rem:.2g}%, HHI {bounds.high:,.0f}"),
            figures)]
    return [Finding("note", ("concentration", "hhi"), (
        f"checked: {stated} is compatible with the stated shares ({', '.join(said)}), which "
        f"allow {allowed}"), figures)]


def country_growth_findings(market: Market, paths: dict[tuple[str, str], np.ndarray]
                            ) -> list[Finding]:
    """Notes for countries whose stated CAGR beats their region's over the same years.

    Not an error: a country may outgrow its region, but then the rest of the region grows
    slower than the region, which the report states with the figures.
    """
    out, years = [], market.years
    tol = market.checks.rate_tolerance
    for d, dim in market.dimensions.items():
        for r, seg in dim.segments.items():
            region = paths.get((d, r))
            if region is None:
                continue
            for name, country in seg.countries.items():
                if country.cagr is None:
                    continue
                first, last = country.cagr.period(market.base_year, market.end_year)
                region_rate = cagr(region[years.index(first)], region[years.index(last)],
                                   last - first)
                if country.cagr.rate <= region_rate + tol:
                    continue
                how = "stated" if seg.cagr is not None else \
                    "implied by the total and the other segments' stated rates"
                out.append(Finding("note", ("dimensions", d, "segments", r, "countries",
                                               name, "cagr"), (
                    f"{name} grows {pct(country.cagr.rate)} a year ({first}-{last}), faster "
                    f"than {r}'s {pct(region_rate)} ({how}): the rest of {r} must then grow "
                    f"slower than {pct(region_rate)}, which the document does not say"),
                    {"country_cagr": country.cagr.rate, "region_cagr": region_rate,
                     "from": first, "to": last}))
    return out
