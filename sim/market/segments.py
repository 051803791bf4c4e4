"""Splitting the total market into segments, year by year, so that they always add up.

A document gives each segment a base-year share (or value), and for a few segments a growth
rate ("outsourced, the fastest-growing source, 8.1% CAGR"). The approach, per dimension:

1. **Base year.** Each segment's base value is its share of the total (or its stated
   value). At most one segment states neither: it is *the rest*. Shares that do not sum
   to 1 are scaled to 1, with a warning.
2. **Segments with a stated CAGR** follow it: their share of the total until the rate's
   ``from`` year, compounding from then on (:func:`~sim.market.growth.segment_path`).
3. **The others share what is left**: ``residual(t) = total(t) - sum of the stated-rate
   segments(t)``, split in their base-year proportions. So the segments add up to the
   total *every year by construction*, and the others grow at one common rate each year.
4. **Implied rate.** Over the stated rates' period, the others' common CAGR is solved for
   (brentq): the one constant rate that takes them to the residual of the end year. With a
   geometric total this constant-rate path and the residual path agree at both ends; in
   between they differ slightly, and ``max_gap`` in the implied-rate table says by how much.

If the stated-rate segments alone outgrow the total, the figures cannot be reconciled: a
warning gives the year and the amounts, the others are set to 0 and the stated-rate
segments scaled down to the total in those years. If *every* segment has a stated rate, the
sum is scaled to the total each year, with a warning if it strays beyond the tolerance.

Countries (under ``region``) follow their region the same way, except that they need not
cover it: ``rest_of_<region>`` holds what the named countries leave.

Example:
    >>> from sim.market.load import load_market
    >>> from sim.market.projection import project
    >>> market = load_market("scenarios/market/doc000_2026.yaml")
    >>> total = project(market).totals["value"].to_numpy()
    >>> split = split_parts(market, market.dimensions["source"].segments, total,
    ...                     ("dimensions", "source", "segments"), "source", "source",
    ...                     exhaustive=True)
    >>> list(split.values), round(float(split.values["in_house"][-1] / total[-1]), 4)
    (['in_house', 'outsourced'], 0.5815)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.market.growth import cagr, segment_path, solve_common_rate
from sim.market.models import Country, Market
from sim.market.report import Finding, money, pct

_TINY = 1e-9


@dataclass
class Split:
    """The segments of one dimension (or the countries of one region), year by year."""

    values: dict[str, np.ndarray] = field(default_factory=dict)
    implied: list[dict[str, object]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _bases(sizes: dict[str, Country], whole: float, path: tuple[str | int, ...], tol: float,
           what: str, split: Split, exhaustive: bool) -> dict[str, float]:
    """Base-year values of segments with a share or value; the rest gets what is left, and
    segments that must cover ``whole`` (``exhaustive``) are scaled to it if they do not."""
    bases = {s: (c.share * whole if c.share is not None else float(c.value))  # type: ignore[arg-type]
             for s, c in sizes.items() if c.share is not None or c.value is not None}
    rest = [s for s in sizes if s not in bases]
    stated = sum(bases.values())
    listing = " + ".join(f"{s} {pct(v / whole, 1)}" for s, v in bases.items()) if whole else ""
    if not exhaustive:
        return bases
    if rest and stated <= whole * (1 + tol):
        bases[rest[0]] = max(whole - stated, 0.0)
        split.findings.append(Finding("note", (*path, rest[0]), (
            f"no share or value stated: the rest of {what}, {pct(bases[rest[0]] / whole, 1)} "
            f"({money(bases[rest[0]])} in the base year)"), {"share": bases[rest[0]] / whole}))
    elif stated > 0 and abs(stated / whole - 1) > _TINY:
        level = "warning" if abs(stated / whole - 1) > tol else "note"
        fix = f"{rest[0]} set to 0 and the others" if rest else "they are"
        split.findings.append(Finding(level, path, (
            f"base-year shares of {what} sum to {pct(stated / whole, 1)}, not 100% "
            f"({listing}); {fix} scaled by {whole / stated:.4f} to add up"),
            {"share_sum": stated / whole}))
        bases = {s: v * whole / stated for s, v in bases.items()}
        bases.update(dict.fromkeys(rest, 0.0))
    return {s: bases[s] for s in sizes}


def _others(split: Split, market: Market, residual: np.ndarray, bases: dict[str, float],
            stated: list[str], path: tuple[str | int, ...], dimension: str,
            whole: np.ndarray, start: int) -> None:
    """Give the segments without a stated rate the residual, and report its implied rate."""
    years = market.years
    ub = sum(bases.values())
    bad = (residual < -_TINY * whole) | ((ub <= 0) & (residual > _TINY * whole))
    if bad.any():
        y = years[int(np.argmax(bad))]
        i = years.index(y)
        known = whole[i] - residual[i]
        split.findings.append(Finding("warning", path, (
            f"cannot be reconciled: in {y} the segments with a stated CAGR "
            f"({', '.join(stated)}) add up to {money(known)}, the whole is {money(whole[i])}; "
            f"in {int(bad.sum())} year(s) the others are set to 0 and those segments scaled "
            "down to the whole"), {"year": y, "stated_segments": known, "whole": whole[i]}))
        keep = np.where(bad, 0.0, 1.0)
        scale = np.where(bad, whole / np.maximum(whole - residual, _TINY), 1.0)
        for s in stated:
            split.values[s] = split.values[s] * scale
        residual = residual * keep
    for s, b in bases.items():
        split.values[s] = residual * (b / ub if ub > 0 else 0.0)
    if not stated or not bases:
        return
    i0, i1 = years.index(start), len(years) - 1
    n = years[i1] - years[i0]
    rate = solve_common_rate([split.values[s][i0] for s in bases], residual[i1], n)
    ahead = residual[i0] * (1 + rate) ** (np.array(years[i0:]) - years[i0])
    gap = np.max(np.abs(ahead - residual[i0:]) / np.maximum(residual[i0:], _TINY))
    split.implied.append({
        "dimension": dimension, "segment": " + ".join(bases), "from": years[i0],
        "to": years[i1], "start_value": residual[i0], "end_value": residual[i1],
        "stated_cagr": np.nan, "implied_cagr": rate, "start_share": residual[i0] / whole[i0],
        "end_share": residual[i1] / whole[i1], "max_gap": gap})


def split_parts(market: Market, parts: dict[str, Country], whole: np.ndarray,
                path: tuple[str | int, ...], dimension: str, what: str,
                exhaustive: bool) -> Split:
    """Segments (``exhaustive``) or countries of one region, as described in the module doc."""
    split, years, tol = Split(), market.years, market.checks.share_tolerance
    if whole[0] <= 0:
        for s in parts:
            split.values[s] = np.zeros(len(years))
        return split
    sized = parts if exhaustive else {s: c for s, c in parts.items()
                                      if c.share is not None or c.value is not None}
    bases = _bases(sized, float(whole[0]), path, tol, what, split, exhaustive)
    stated = [s for s in sized if sized[s].cagr is not None]
    start = market.base_year
    for s in stated:
        growth = sized[s].cagr
        assert growth is not None
        first, last = growth.period(market.base_year, market.end_year)
        split.values[s] = segment_path(bases[s] / whole[0], whole, years, growth.rate, first, last)
        start = max(start, first)
    if exhaustive:
        residual = whole - sum((split.values[s] for s in stated), np.zeros(len(years)))
        others = {s: b for s, b in bases.items() if s not in stated}
        if others:
            _others(split, market, residual, others, stated, path, dimension, whole, start)
        else:
            _all_stated(split, whole, years, path, tol)
    else:
        for s in sized:
            if s not in stated:
                split.values[s] = bases[s] / whole[0] * whole
        _countries_fit(split, whole, years, path, what)
    order = [s for s in parts if s in split.values] + [s for s in split.values if s not in parts]
    split.values = {s: split.values[s] for s in order}
    return split


def _all_stated(split: Split, whole: np.ndarray, years: list[int],
                path: tuple[str | int, ...], tol: float) -> None:
    total = sum(split.values.values(), np.zeros(len(years)))
    ratio = total / whole
    worst = int(np.argmax(np.abs(ratio - 1)))
    if abs(ratio[worst] - 1) > tol:
        split.findings.append(Finding("warning", path, (
            f"every segment has a stated CAGR and together they reach {money(total[worst])} "
            f"in {years[worst]}, against a total of {money(whole[worst])} "
            f"({pct(ratio[worst] - 1, 1)}); they are scaled to the total every year"),
            {"year": years[worst], "segments": total[worst], "whole": whole[worst]}))
    for s in split.values:
        split.values[s] = split.values[s] / ratio


def _countries_fit(split: Split, whole: np.ndarray, years: list[int],
                   path: tuple[str | int, ...], region: str) -> None:
    total = sum(split.values.values(), np.zeros(len(years)))
    over = total > whole * (1 + _TINY)
    if over.any():
        i = int(np.argmax(over))
        split.findings.append(Finding("warning", path, (
            f"the countries of {region} add up to {money(total[i])} in {years[i]}, more than "
            f"{region} itself ({money(whole[i])}); in {int(over.sum())} year(s) they are "
            f"scaled down to {region} and rest_of_{region} is 0"),
            {"year": years[i], "countries": total[i], "region": whole[i]}))
        scale = np.where(over, whole / np.maximum(total, _TINY), 1.0)
        for s in split.values:
            split.values[s] = split.values[s] * scale
        total = total * scale
    split.values[f"rest_of_{region}"] = np.maximum(whole - total, 0.0)


def fastest_findings(market: Market, dimension: str, values: dict[str, np.ndarray]
                     ) -> list[Finding]:
    """Check a ``fastest: true`` claim against the other segments' growth in the projection.

    Example:
        >>> shares = p.wide("source")                        # projected values, by segment
        >>> [f.message for f in fastest_findings(market, "source",
        ...                                      {s: shares[s].to_numpy() for s in shares})]
        ['checked: outsourced grows fastest (8.10% a year 2026-2035); next is in_house at 6.19%']
    """
    out, years = [], market.years
    for s, seg in market.dimensions[dimension].segments.items():
        if not seg.fastest or seg.cagr is None:
            continue
        first, last = seg.cagr.period(market.base_year, market.end_year)
        i0, i1 = years.index(first), years.index(last)
        rates = {o: cagr(v[i0], v[i1], last - first) for o, v in values.items() if o != s}
        rival = max(rates, key=lambda o: rates[o] if np.isfinite(rates[o]) else -np.inf,
                    default=None)
        path = ("dimensions", dimension, "segments", s, "fastest")
        if rival is None:
            continue
        figures = {"stated_cagr": seg.cagr.rate, "next_cagr": rates[rival]}
        if rates[rival] >= seg.cagr.rate:
            out.append(Finding("warning", path, (
                f"{s} is stated to grow fastest ({pct(seg.cagr.rate)}), but {rival} grows "
                f"{pct(rates[rival])} a year {first}-{last} in this projection"), figures))
        else:
            out.append(Finding("note", path, (
                f"checked: {s} grows fastest ({pct(seg.cagr.rate)} a year {first}-{last}); "
                f"next is {rival} at {pct(rates[rival])}"), figures))
    return out


def unplaced_countries(market: Market) -> list[Finding]:
    """Notes for countries named without a share or value: listed, not projected.

    Example:
        >>> [f.message for f in unplaced_countries(market)][:1]
        ['uk (CAGR 6.80%), spain (CAGR 6.50%): no share or value, so not projected ...']
    """
    out = []
    for d, dim in market.dimensions.items():
        for r, seg in dim.segments.items():
            loose = [f"{c}" + (f" (CAGR {pct(k.cagr.rate)})" if k.cagr else "")
                     for c, k in seg.countries.items() if k.share is None and k.value is None]
            if loose:
                out.append(Finding("note", ("dimensions", d, "segments", r, "countries"), (
                    f"{', '.join(loose)}: no share or value, so not projected (give a share "
                    f"of {r}, even an assumed one, to project {'them' if len(loose) > 1 else 'it'})"
                )))
    return out
