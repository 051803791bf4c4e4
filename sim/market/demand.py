"""Linking the market to a simulated platform: its yearly demand, AI adoption, scaled KPIs.

``derive_demand`` answers "how many cases a year does a platform get if it wins 2% of the
outsourced, online-portal, North American oncology second opinions of 2027?":

    >>> d = derive_demand(market, 2027, 0.02, {"source": "outsourced",
    ...                   "type": "online_portal", "region": "north_america",
    ...                   "application": "oncology"})
    >>> d.cases_per_year
    3514.2...
    >>> print(d.arithmetic)
    2.0% of the outsourced, online portal, north america, oncology second opinions of 2027 ...
      market 2027                           USD bn 7.882
      x source = outsourced                       38.41%  2027 share
      x type = online_portal                      30.63%  2027 share
      x region = north_america                    37.84%  2027 share
      x application = oncology                    33.95%  2027 share
      = segment revenue                    USD bn 0.1191
      / price per case                           USD 678  type online_portal
      = segment cases                            175,714  a year
      x platform share                             2.00%
      = cases_per_year                           3,514.3
    ...

**Independence.** The market files give one-way splits (by source, by type, by region...),
never a cross-tabulation, so the share of a combination is the *product* of the one-way
shares: outsourced (39%) x online portal (31%) x North America (38%) x oncology (34%). Real
dimensions are correlated (outsourced work is more often online), so treat the result as a
first estimate and sweep it.

``adoption_path`` interpolates an adoption share between anchor years (the seed: ~60% of
oncology second opinions include an AI preliminary assessment by 2030), and
``market_scale`` multiplies per-case simulation results by a yearly volume.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.market.conversion import conversion
from sim.market.models import Market
from sim.market.projection import COUNTRY, Projection, project
from sim.market.report import money, pct
from sim.market.volumes import unit_rates

__all__ = ["DerivedDemand", "adoption_path", "derive_demand", "market_scale"]


@dataclass(frozen=True)
class DerivedDemand:
    """A platform's yearly demand derived from a market projection.

    ``cases_per_year`` is the platform's share of the segment's cases; ``segment_cases``
    the whole segment's. ``specialty_mix`` is the mix of those cases by specialty when the
    segment does not fix one (else ``None``), ready for ``demand.mix.specialty`` of a
    scenario. ``arithmetic`` shows every step.
    """

    year: int
    share: float
    segment: dict[str, str]
    segment_revenue: float
    segment_cases: float
    cases_per_year: float
    specialist_hours: float
    fte: float
    specialty_mix: dict[str, float] | None
    arithmetic: str = field(repr=False)
    cases_range: tuple[float, float] | None = None
    """``cases_per_year`` at the high and the low end of the market file's
    ``value_per_opinion`` (fewest, most); ``None`` if the file states no range."""

    def __str__(self) -> str:
        return self.arithmetic


def _check_segment(projection: Projection, segment: Mapping[str, str]) -> dict[str, str]:
    """Validate ``segment``; a country also fixes its region."""
    market, fixed = projection.market, dict(segment)
    for d, s in segment.items():
        if d == COUNTRY:
            if s not in projection.parents:
                raise ValueError(f"no projected country {s!r} "
                                 f"(projected: {', '.join(projection.parents) or 'none'})")
            region = projection.parents[s]
            if fixed.setdefault("region", region) != region:
                raise ValueError(f"country {s!r} lies in {region!r}, not {fixed['region']!r}")
            continue
        if d not in market.dimensions:
            raise ValueError(f"unknown dimension {d!r} (defined: {', '.join(market.dimensions)})")
        if not market.dimensions[d].quantified:
            raise ValueError(f"dimension {d!r} is named only (no shares) in {market.name}; "
                             "give its segments shares in the market file to select one")
        if s not in market.dimensions[d].segments:
            raise ValueError(f"unknown segment {s!r} of {d} "
                             f"(defined: {', '.join(market.dimensions[d].segments)})")
    return fixed


def _revenue(projection: Projection, fixed: Mapping[str, str], year: int
             ) -> tuple[float, list[tuple[str, float]]]:
    """The segment's revenue (market units) and the factors that give it."""
    value, steps = projection.total_of(year), []
    for d, s in fixed.items():
        if d == "region" and COUNTRY in fixed:
            continue
        if d == COUNTRY:
            factor = projection.value(COUNTRY, s, year) / projection.total_of(year)
            steps.append((f"{COUNTRY} = {s} (of the total)", factor))
        else:
            factor = projection.share(d, s, year)
            steps.append((f"{d} = {s}", factor))
        value *= factor
    return value, steps


def derive_demand(market: Market | Projection, year: int, share: float,
                  segment: Mapping[str, str]) -> DerivedDemand:
    """``share`` of the cases of ``segment`` in ``year``: a platform's demand.

    ``segment`` maps dimensions to segments, e.g. ``{"source": "outsourced", "region":
    "north_america"}`` (``{}`` is the whole market; ``{"country": "us"}`` a country). The
    dimensions are assumed independent (the module docstring explains why): the segment's
    revenue is the total times each dimension's share, and its price per case averages the
    price dimension's segments unless the segment fixes one.

    Example:
        >>> d = derive_demand(market, 2027, 0.02, {"source": "outsourced"})
        >>> round(d.cases_per_year, 1), {k: round(v, 3) for k, v in d.specialty_mix.items()}
        (83358.1, {'oncology': 0.339, 'neurology': 0.121, 'other': 0.539})
    """
    projection = market if isinstance(market, Projection) else project(market)
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1 (got {share})")
    m = projection.market
    i = projection.year_index(year)
    fixed = _check_segment(projection, segment)
    revenue, steps = _revenue(projection, fixed, year)
    rates = unit_rates(projection, fixed)
    seg_cases = revenue * m.scale * rates.cases[i]
    hours = share * revenue * m.scale * rates.hours[i]
    unit, cur = projection.unit_label, m.currency
    price, per_case_h = 1 / rates.cases[i], rates.hours[i] / rates.cases[i]
    rows = [(f"market {year}", f"{unit} {money(projection.total_of(year), 3)}", "")]
    rows += [(f"x {label}", pct(f), f"{year} share") for label, f in steps]
    rows += [("= segment revenue", f"{unit} {money(revenue, 4)}", ""),
             ("/ price per case", f"{cur} {price:,.0f}", _price_note(m, fixed)),
             ("= segment cases", f"{seg_cases:,.0f}", "a year"),
             ("x platform share", pct(share), ""),
             ("= cases_per_year", f"{share * seg_cases:,.1f}", ""),
             ("specialist hours", f"{hours:,.0f}", f"{per_case_h:.2f} h a case"),
             ("full-time specialists", f"{hours / m.volumes.hours_per_fte_year:,.2f}",
              f"{m.volumes.hours_per_fte_year:,.0f} h a year each")]
    lines = [f"{pct(share, 1)} of the {_describe(fixed)} second opinions of {year} ({m.name}):"]
    lines += [f"  {a:<34}{b:>16}  {c}".rstrip() for a, b, c in rows]
    if len([d for d in fixed if d != COUNTRY]) > 1:
        lines.append("  dimensions taken as independent (the file has no cross-tabulation): "
                     "shares multiply")
    conv = conversion(projection)
    cases_range = None
    if conv is not None:
        cases_range = (conv.fewest(share * seg_cases), conv.most(share * seg_cases))
        lines.append(f"  conversion: {conv.describe(cur)}, so cases_per_year "
                     f"{cases_range[0]:,.1f}-{cases_range[1]:,.1f}")
    mix = _specialty_mix(projection, fixed, i)
    if mix is None and m.specialties is not None and m.specialties not in fixed:
        lines.append(f"  no specialty mix: {m.specialties} is named only in {m.name}")
    return DerivedDemand(year=year, share=share, segment=dict(segment),
                         segment_revenue=float(revenue), segment_cases=float(seg_cases),
                         cases_per_year=float(share * seg_cases), specialist_hours=float(hours),
                         fte=float(hours / m.volumes.hours_per_fte_year),
                         specialty_mix=mix, arithmetic="\n".join(lines),
                         cases_range=cases_range)


def _describe(fixed: Mapping[str, str]) -> str:
    return ", ".join(s.replace("_", " ") for d, s in fixed.items()
                     if not (d == "region" and COUNTRY in fixed)) or "whole market's"


def _price_note(m: Market, fixed: Mapping[str, str]) -> str:
    d = m.volumes.price_per_case.dimension
    if d is None:
        return "(one price for all)"
    return f"{d} {fixed[d]}" if d in fixed else f"average over {d}, by share"


def _specialty_mix(projection: Projection, fixed: Mapping[str, str], i: int
                   ) -> dict[str, float] | None:
    d = projection.market.specialties
    if d is None or d in fixed or not projection.market.dimensions[d].quantified:
        return None
    cases = {}
    for s in projection.market.dimensions[d].segments:
        fix = {**fixed, d: s}
        cases[s] = projection.share(d, s, projection.market.years[i]) * \
            unit_rates(projection, fix).cases[i]
    whole = sum(cases.values())
    return {s: float(c / whole) for s, c in cases.items()}


def adoption_path(points: Mapping[int, float], years: Iterable[int]) -> dict[int, float]:
    """An adoption share per year, linear between anchor years, flat outside them.

    Example (the seed's ~60% of oncology opinions with an AI preliminary assessment by 2030,
    from an assumed 20% in 2025):
        >>> adoption_path({2025: 0.2, 2030: 0.6}, range(2024, 2033, 2))
        {2024: 0.2, 2026: 0.28, 2028: 0.44, 2030: 0.6, 2032: 0.6}
    """
    if not points:
        raise ValueError("points must give at least one year's share")
    bad = {y: v for y, v in points.items() if not 0 <= v <= 1}
    if bad:
        raise ValueError(f"shares must be between 0 and 1 (got {bad})")
    at = sorted(points)
    ys = [int(y) for y in years]
    values = np.interp(ys, at, [points[y] for y in at])
    return {y: round(float(v), 12) for y, v in zip(ys, values, strict=True)}


SCALED = ("mean", "sd", "ci_low", "ci_high")
"""Columns of a per-case table that :func:`market_scale` multiplies by the volume."""


def market_scale(per_case: pd.DataFrame, volume: float | DerivedDemand | Mapping[int, float],
                 kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """Per-case KPI means (with CIs) times a yearly volume: yearly totals with intervals.

    ``per_case`` has one row per KPI (index) and columns ``mean`` and optionally ``sd``,
    ``ci_low``, ``ci_high`` (e.g. ``Results.summary()`` rows of per-case costs or hours);
    ``volume`` is cases a year, a :class:`DerivedDemand`, or ``{year: cases}``. Each of those
    columns is multiplied by the volume, so a 95% interval of the per-case mean becomes a
    95% interval of the yearly total *given the volume*: it carries simulation uncertainty,
    not market uncertainty.

    Example:
        >>> kpi = pd.DataFrame({"mean": [2.0], "ci_low": [1.8], "ci_high": [2.2]},
        ...                    index=pd.Index(["hours_per_case"], name="kpi"))
        >>> market_scale(kpi, {2026: 1000, 2027: 1100})[["kpi", "year", "mean", "ci_low"]]
                      kpi  year    mean  ci_low
        0  hours_per_case  2026  2000.0  1800.0
        1  hours_per_case  2027  2200.0  1980.0
    """
    if "mean" not in per_case.columns:
        raise ValueError(f"per_case needs a 'mean' column (got {list(per_case.columns)})")
    table = per_case if kpis is None else per_case.loc[list(kpis)]
    if isinstance(volume, DerivedDemand):
        volume = {volume.year: volume.cases_per_year}
    by_year = dict(volume) if isinstance(volume, Mapping) else {None: float(volume)}
    if any(v < 0 for v in by_year.values()):
        raise ValueError(f"volumes must not be negative (got {by_year})")
    frames = []
    for year, cases in by_year.items():
        out = table.reset_index(names="kpi") if table.index.name != "kpi" else table.reset_index()
        out.insert(1, "year", year)
        out.insert(2, "volume", float(cases))
        out.insert(3, "per_case_mean", out["mean"])
        for col in SCALED:
            if col in out.columns:
                out[col] = out[col] * float(cases)
        frames.append(out)
    result = pd.concat(frames, ignore_index=True)
    return result.drop(columns="year") if None in by_year else result
