"""Market volumes: from a market-research document's figures to second opinions a year.

A *market file* (YAML, ``scenarios/market/*.yaml``; reference in ``docs/market.md``)
restates a document: the total market in named years, its stated CAGR, and its splits by
application, source, type, service and region (with countries), each with a base-year
share or value and, where given, a growth rate. From it:

    >>> import sim.market as mk
    >>> market = mk.load_market("scenarios/market/doc000_2026.yaml")
    >>> p = mk.project(market)
    >>> p.totals.head(3).round(4)             # year, value, growth, cagr
       year  value  growth    cagr
    0  2025  6.890     NaN     NaN
    1  2026  7.370  0.0697  0.0697
    2  2027  7.882  0.0695  0.0696
    >>> p.table.columns.tolist()
    ['year', 'dimension', 'segment', 'parent', 'value', 'share', 'growth', 'cagr']
    >>> p.implied_rates.columns[:4].tolist()  # stated vs implied CAGRs, solved rates
    ['dimension', 'segment', 'from', 'to']
    >>> p.report[0].level, p.report[0].path   # consistency warnings and notes, with figures
    ('warning', ('concentration', 'hhi'))
    >>> v = mk.volume_table(p)                # cases, specialist hours, FTEs per year/segment
    >>> v.query("dimension == 'total' and year == 2026")[["cases", "fte"]].round()
            cases     fte
    1  10139729.0  9407.0
    >>> from sim.market.compare import compare   # (sim.market.compare is the module)
    >>> compare(p, "scenarios/market/doc003_2025.yaml").loc[2035, "ratio"].round(3)
    np.float64(1.844)
    >>> round(mk.derive_demand(p, 2027, 0.02, {"source": "outsourced"}).cases_per_year)
    83358

The modules, one concept each: ``models`` (the file schema), ``checks`` (cross-field
errors), ``load`` (reading files), ``growth`` (rate arithmetic), ``segments`` (splits
that add up), ``projection``, ``report`` (consistency), ``volumes``, ``demand`` (linking
to the simulation), ``compare``, ``figures``, ``output`` (files), ``cli``.

Names load on first use, so that ``sosim --help`` (which imports ``sim.market.cli``)
stays fast. ``compare`` is not re-exported here: ``sim.market.compare`` is the module (once
imported, it would shadow a function of that name), so import the function from it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["DerivedDemand", "Finding", "Market", "Projection", "adoption_path",
           "derive_demand", "load_market", "market_from_text", "market_scale", "project",
           "volume_table", "write_market_outputs"]

_LAZY = {
    "DerivedDemand": "sim.market.demand",
    "adoption_path": "sim.market.demand",
    "derive_demand": "sim.market.demand",
    "market_scale": "sim.market.demand",
    "Finding": "sim.market.report",
    "Market": "sim.market.models",
    "Projection": "sim.market.projection",
    "project": "sim.market.projection",
    "load_market": "sim.market.load",
    "market_from_text": "sim.market.load",
    "write_market_outputs": "sim.market.output",
    "volume_table": "sim.market.volumes",
}

if TYPE_CHECKING:
    from sim.market.demand import DerivedDemand, adoption_path, derive_demand, market_scale
    from sim.market.load import load_market, market_from_text
    from sim.market.models import Market
    from sim.market.output import write_market_outputs
    from sim.market.projection import Projection, project
    from sim.market.report import Finding
    from sim.market.volumes import volume_table


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.market' has no attribute {name!r}")
