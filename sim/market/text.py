"""Terminal tables of a market projection (what ``sosim market`` prints).

Example:
    >>> from sim.market.projection import project
    >>> p = project("scenarios/market/doc000_2026.yaml")
    >>> print(segments_text(p, "source"))
    Market by source of service, doc000_2026 (USD bn; share of the total in brackets)
    year   total  in_house        outsourced
    2025    6.89  4.27 (62.0%)    2.62 (38.0%)
    ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.market.projection import Projection
from sim.market.report import pct
from sim.market.volumes import volume_table

__all__ = ["compare_text", "default_dimension", "rates_text", "segments_text", "volumes_text"]


def default_dimension(p: Projection) -> str | None:
    """``source`` (in-house vs outsourced) if projected, else the first projected dimension.

    Example:
        >>> default_dimension(p)
        'source'
    """
    dims = p.dimensions
    return "source" if "source" in dims else (dims[0] if dims else None)


def segments_text(p: Projection, dimension: str | None) -> str:
    """Years as rows: the total, then each segment's value and share (or the total only)."""
    totals = p.totals.set_index("year")["value"]
    if dimension is None:
        lines = [f"Market, {p.name} ({p.unit_label}; growth on the previous year)",
                 f"{'year':<6}{'total':>8}  growth"]
        for (y, v), g in zip(totals.items(), p.totals["growth"], strict=True):
            lines.append(f"{y:<6}{v:>8.2f}  {pct(g) if np.isfinite(g) else '':>6}")
        return "\n".join(lines)
    wide = p.wide(dimension)
    label = (p.market.dimensions[dimension].label or dimension).lower()
    width = max(14, *(len(s) + 2 for s in wide.columns))
    lines = [f"Market by {label}, {p.name} ({p.unit_label}; share of the total in brackets)",
             f"{'year':<6}{'total':>8}  " + "".join(f"{s:<{width}}" for s in wide.columns)]
    for y, row in wide.iterrows():
        cells = "".join(f"{f'{v:.2f} ({pct(v / totals[y], 1)})':<{width}}" for v in row)
        lines.append(f"{y:<6}{totals[y]:>8.2f}  {cells}")
    return "\n".join(line.rstrip() for line in lines)


def rates_text(p: Projection) -> str:
    """Stated and implied growth rates, with the shares they lead to."""
    lines = ["Growth rates: stated by the document, or implied so that segments add up"]
    for row in p.implied_rates.to_dict("records"):
        where = "total" if row["dimension"] == "total" else f"{row['dimension']}: {row['segment']}"
        span = f"{row['from']}-{row['to']}"
        if np.isfinite(row["stated_cagr"]):
            rate = f"stated {pct(row['stated_cagr'])}, projected {pct(row['implied_cagr'])}"
        else:
            rate = f"implied {pct(row['implied_cagr'])} (solved; not stated)"
        share = ("" if row["dimension"] == "total" else
                 f"; share {pct(row['start_share'], 1)} -> {pct(row['end_share'], 1)}")
        if len(where) > 44:  # a long list of segments gets a line of its own
            lines.append(f"  {where}")
            where = ""
        lines.append(f"  {where:<44} {span}  {rate}{share}")
    if len(lines) == 1:
        lines.append("  (no growth rate stated)")
    return "\n".join(lines)


def volumes_text(p: Projection, year: int, dimension: str | None) -> str:
    """Second opinions, specialist hours and FTEs in ``year``: total and segments."""
    v = volume_table(p)
    v = v[v["year"] == year]
    dims = ["total"] + [d for d in dict.fromkeys([dimension, "region"])
                        if d is not None and d in p.dimensions]
    per_fte = p.market.volumes.hours_per_fte_year
    lines = [f"Volumes in {year}: second opinions a year = value / price per case; specialist "
             f"hours = opinions x hours per case; FTE at {per_fte:,.0f} h a year",
             f"  {'segment':<28}{p.unit_label:>8}{'price':>8}{'opinions':>13}{'h/case':>8}"
             f"{'spec. hours':>14}{'FTE':>9}"]
    for d in dims:
        for row in v[v["dimension"] == d].itertuples():
            name = "total" if d == "total" else f"{d}: {row.segment}"
            lines.append(f"  {name:<28}{row.revenue:>8.2f}{row.price_per_case:>8,.0f}"
                         f"{row.cases:>13,.0f}{row.hours_per_case:>8.2f}"
                         f"{row.specialist_hours:>14,.0f}{row.fte:>9,.0f}")
    from sim.market.conversion import conversion

    conv = conversion(p)
    if conv is not None:
        total = v[v["dimension"] == "total"].iloc[0]
        lines.append(f"  value to opinions: {conv.describe(p.market.currency)}; total "
                     f"{total.cases_low:,.0f}-{total.cases_high:,.0f} opinions "
                     "(volumes.csv: cases_low, cases_high)")
    return "\n".join(lines)


def compare_text(table: pd.DataFrame) -> str:
    """The :func:`~sim.market.compare.compare` table, years as rows."""
    na, nb = table.attrs["names"]
    width = max(12, len(na) + 2, len(nb) + 2)
    lines = [f"Two documents compared ({table.attrs['unit']}; opinions a year in millions)",
             f"{'year':<6}{na:>{width}}{nb:>{width}}{'ratio':>8}"
             f"{'opinions ' + na:>{width + 10}}{'opinions ' + nb:>{width + 10}}"]
    for y, row in table.iterrows():
        lines.append(f"{y:<6}{row[na]:>{width}.2f}{row[nb]:>{width}.2f}{row['ratio']:>8.3f}"
                     f"{row[f'{na}_cases'] / 1e6:>{width + 10}.2f}"
                     f"{row[f'{nb}_cases'] / 1e6:>{width + 10}.2f}")
    return "\n".join(lines)
