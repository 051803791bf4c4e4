"""From money to work: second opinions a year, specialist hours and full-time specialists.

Revenue divided by the price of a case gives cases; cases times the review hours per case
give specialist hours; hours divided by the hours one full-time specialist reviews in a year
(``volumes.hours_per_fte_year``, e.g. 1,800) give FTEs.

Prices and hours may differ by the segments of one dimension each (price by ``type``:
online portal cheaper than a hospital; hours by ``application``: oncology longer). For a
segment of *another* dimension the market file gives no cross-tabulation, so the dimensions
are taken as **independent**: the segment's revenue is spread over the price dimension's
segments in their shares of that year, and

    cases = revenue * sum_j(share_j / price_j)          (a harmonic mean price)
    hours = revenue * sum_j,k(share_j * share_k * hours_k / price_j)

The same cell weights serve :func:`sim.market.demand.derive_demand`.

Example:
    >>> from sim.market.projection import project
    >>> v = volume_table(project("scenarios/market/doc000_2026.yaml"))
    >>> v.query("dimension == 'total' and year == 2026")[["cases", "fte"]].round()
            cases     fte
    1  10139729.0  9407.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.market.models import PerCase

if TYPE_CHECKING:
    from sim.market.projection import Projection

__all__ = ["Rates", "per_case_value", "unit_rates", "volume_table"]


def per_case_value(per_case: PerCase, segment: str | None, years: np.ndarray,
                   base_year: int) -> np.ndarray:
    """A price or hours figure for ``segment`` (``None``: the default) in ``years``.

    Example:
        >>> pc = PerCase(default=750, dimension="type", segments={"online_portal": 678})
        >>> per_case_value(pc, "online_portal", np.array([2025, 2026]), 2025)
        array([678., 678.])
    """
    base = per_case.segments.get(segment, per_case.default) if segment else per_case.default
    return base * (1.0 + per_case.annual_change) ** (years - base_year)


@dataclass(frozen=True)
class Rates:
    """Per unit of market value (one currency unit of revenue), year by year.

    ``cases``: cases per currency unit; ``hours``: specialist hours per currency unit;
    ``cells``: the (segments, weight) pairs over the price and hours dimensions behind them.
    """

    cases: np.ndarray
    hours: np.ndarray
    cells: list[tuple[dict[str, str], np.ndarray]]


def unit_rates(projection: Projection, fixed: dict[str, str]) -> Rates:
    """Cases and hours per currency unit of revenue of the segment ``fixed`` (independence).

    ``fixed`` maps dimensions to segments (``{"type": "online_portal"}``); the price and
    hours dimensions not fixed are averaged over their segments' shares of each year.

    Example:
        >>> r = unit_rates(p, {"type": "online_portal"})
        >>> round(float(1 / r.cases[1]), 6)                     # the price in 2026
        678.0
    """
    market = projection.market
    volumes = market.volumes
    years = np.array(market.years, dtype=float)
    price_dim, hours_dim = volumes.price_per_case.dimension, volumes.hours_per_case.dimension
    free = [d for d in dict.fromkeys([price_dim, hours_dim]) if d is not None and d not in fixed]
    cells: list[tuple[dict[str, str], np.ndarray]] = [({}, np.ones(len(years)))]
    for d in free:
        segments = market.dimensions[d].segments
        cells = [({**c, d: s}, w * projection.paths[(d, s)] / projection.paths[("total", "total")])
                 for c, w in cells for s in segments]
    cases, hours = np.zeros(len(years)), np.zeros(len(years))
    for assignment, weight in cells:
        where = {**fixed, **assignment}
        price = per_case_value(volumes.price_per_case, where.get(price_dim or ""), years,
                               market.base_year)
        effort = per_case_value(volumes.hours_per_case, where.get(hours_dim or ""), years,
                                market.base_year)
        cases += weight / price
        hours += weight * effort / price
    return Rates(cases=cases, hours=hours, cells=cells)


def volume_table(projection: Projection) -> pd.DataFrame:
    """Cases, hours and FTEs for the total, every segment and every country, every year.

    Columns: ``year, dimension, segment, parent, revenue`` (market units), ``price_per_case``
    (the average, currency), ``cases``, ``hours_per_case``, ``specialist_hours``, ``fte``,
    and, when the file states ``volumes.value_per_opinion``, ``cases_low`` and ``cases_high``
    (the cases at the high and the low end of that range).
    Within a dimension the cases add up to the total's (countries: to their region's).

    Example:
        >>> v = volume_table(p).query("dimension == 'region' and year == 2030")
        >>> v[["segment", "cases", "fte"]].round()
                        segment      cases     fte
        126       north_america  4969711.0  4608.0
        137              europe  3531110.0  3274.0
        148        asia_pacific  3099789.0  2874.0
        159  middle_east_africa   911107.0   845.0
        170       latin_america   789057.0   732.0
    """
    market = projection.market
    scale, per_fte = market.scale, market.volumes.hours_per_fte_year
    total_rows = projection.totals.assign(dimension="total", segment="total", parent="")
    frames = []
    for frame in (total_rows, projection.table):
        for (dimension, segment, parent), rows in frame.groupby(
                ["dimension", "segment", "parent"], sort=False):
            fixed = {} if dimension == "total" else {str(dimension): str(segment)}
            if dimension == "country":
                fixed = {"region": str(parent)}
            rates = unit_rates(projection, fixed)
            revenue = rows["value"].to_numpy(dtype=float)
            cases = revenue * scale * rates.cases
            hours = revenue * scale * rates.hours
            frames.append(pd.DataFrame({
                "year": rows["year"].to_numpy(), "dimension": dimension, "segment": segment,
                "parent": parent, "revenue": revenue, "price_per_case": 1.0 / rates.cases,
                "cases": cases, "hours_per_case": rates.hours / rates.cases,
                "specialist_hours": hours, "fte": hours / per_fte}))
    table = pd.concat(frames, ignore_index=True)
    stated = market.volumes.value_per_opinion
    if stated is not None:  # the same counts at both ends of the sourced price range
        central = 1.0 / float(unit_rates(projection, {}).cases[0])  # sim.market.conversion
        table["cases_low"] = table["cases"] * central / stated.high
        table["cases_high"] = table["cases"] * central / stated.low
    return table
