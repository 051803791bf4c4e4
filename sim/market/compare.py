"""Two market documents side by side: value and second opinions a year.

Document 000 puts the market at USD 6.89 bn in 2025 and 13.49 bn in 2035; document 003 at
6.12 bn and 24.87 bn. :func:`compare` lines them up year by year, with the ratio, and with
the cases each implies under its own prices.

Example:
    >>> table = compare("scenarios/market/doc000_2026.yaml",
    ...                 "scenarios/market/doc003_2025.yaml")
    >>> table.loc[[2025, 2035], ["doc000_2026", "doc003_2025", "ratio"]].round(3)
          doc000_2026  doc003_2025  ratio
    year
    2025         6.89         6.12  0.888
    2035        13.49        24.87  1.844
"""

from __future__ import annotations

import os

import pandas as pd

from sim.market.models import Market
from sim.market.projection import Projection, project
from sim.market.volumes import volume_table

__all__ = ["compare", "to_projection"]

Source = Projection | Market | str | os.PathLike[str]


def to_projection(x: Source) -> Projection:
    """A projection of ``x`` (already one, a market, or a market file's path)."""
    return x if isinstance(x, Projection) else project(x)


def compare(a: Source, b: Source) -> pd.DataFrame:
    """Year-by-year comparison of two markets' totals, in ``a``'s currency unit.

    Columns: ``<a name>``, ``<b name>`` (values), ``difference`` (b - a), ``ratio`` (b / a),
    ``<a name>_cases``, ``<b name>_cases`` (second opinions a year, each with its own
    prices), ``<a name>_fte``, ``<b name>_fte``; one row per year both cover. The table's
    ``attrs`` hold the unit. Markets in different currencies are refused (no exchange rates).

    Example:
        >>> float(compare(p, p003)["ratio"].round(2).loc[2035])
        1.84
    """
    pa, pb = to_projection(a), to_projection(b)
    if pa.market.currency != pb.market.currency:
        raise ValueError(f"cannot compare {pa.market.currency} with {pb.market.currency} "
                         "(no exchange rates)")
    na, nb = pa.name, pb.name if pb.name != pa.name else f"{pb.name}_2"
    years = sorted(set(pa.market.years) & set(pb.market.years))
    if not years:
        raise ValueError(f"{pa.name} ({pa.market.base_year}-{pa.market.end_year}) and {pb.name} "
                         f"({pb.market.base_year}-{pb.market.end_year}) share no year")
    convert = pb.market.scale / pa.market.scale
    va, vb = volume_table(pa), volume_table(pb)
    ta = va[va["dimension"] == "total"].set_index("year").loc[years]
    tb = vb[vb["dimension"] == "total"].set_index("year").loc[years]
    table = pd.DataFrame({na: ta["revenue"], nb: tb["revenue"] * convert}, index=years)
    table["difference"] = table[nb] - table[na]
    table["ratio"] = table[nb] / table[na]
    table[f"{na}_cases"], table[f"{nb}_cases"] = ta["cases"], tb["cases"]
    table[f"{na}_fte"], table[f"{nb}_fte"] = ta["fte"], tb["fte"]
    table.index.name = "year"
    table.attrs.update(unit=pa.unit_label, names=(na, nb))
    return table
