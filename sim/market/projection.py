"""Project a market file year by year and segment by segment: :func:`project`.

The total follows the stated values (geometric between them) or the stated CAGR
(``total.follow``); every quantified dimension is split so that its segments add up to the
total every year (:mod:`sim.market.segments`); regions are split into countries. Gaps
between the document's figures go to :attr:`Projection.report`.

Example (from the repository's root):
    >>> p = project("scenarios/market/doc000_2026.yaml")
    >>> p.totals.set_index("year").loc[[2025, 2026, 2035], "value"].round(2).tolist()
    [6.89, 7.37, 13.49]
    >>> round(p.share("source", "in_house", 2035), 3)
    0.582
    >>> p.implied_rates.set_index("segment").loc["in_house", "implied_cagr"].round(4)
    np.float64(0.0619)
    >>> p.wide("source").round(2).loc[2035].to_dict()
    {'in_house': 7.84, 'outsourced': 5.65}
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.market.growth import anchored_path, cagr
from sim.market.implications import concentration_findings, country_growth_findings
from sim.market.load import load_market, locate
from sim.market.models import Market
from sim.market.report import Finding, sort_findings, total_findings
from sim.market.segments import fastest_findings, split_parts, unplaced_countries

__all__ = ["COUNTRY", "Projection", "project"]

COUNTRY = "country"
"""The ``dimension`` of country rows in :attr:`Projection.table` (their parent is a region)."""

IMPLIED_COLUMNS = ["dimension", "segment", "from", "to", "start_value", "end_value",
                   "stated_cagr", "implied_cagr", "start_share", "end_share", "max_gap"]


@dataclass(frozen=True)
class Projection:
    """A projected market: tidy tables, implied rates and the consistency report.

    ``table``: one row per year and segment, columns ``year, dimension, segment, parent,
    value, share, growth, cagr`` (``value`` in market units, e.g. USD bn; ``share`` of the
    parent: the total, or the region for ``dimension == "country"``; ``growth`` on the
    previous year; ``cagr`` since the base year). ``totals``: ``year, value, growth, cagr``.
    ``implied_rates``: stated and implied CAGRs (total, stated-rate segments, and the solved
    common rate of the others, ``max_gap`` = largest gap between that constant rate and the
    residual path). ``report``: :class:`~sim.market.report.Finding` s, warnings first.
    """

    market: Market
    totals: pd.DataFrame
    table: pd.DataFrame
    implied_rates: pd.DataFrame
    report: list[Finding]
    paths: dict[tuple[str, str], np.ndarray] = field(repr=False)
    parents: dict[str, str] = field(repr=False)

    @property
    def name(self) -> str:
        """The market file's ``name``."""
        return self.market.name

    @property
    def unit_label(self) -> str:
        """``'USD bn'`` for USD billions."""
        short = {"one": "", "thousand": " k", "million": " m", "billion": " bn"}
        return f"{self.market.currency}{short[self.market.unit]}"

    @property
    def warnings(self) -> list[Finding]:
        """Only the warnings of the report."""
        return [f for f in self.report if f.level == "warning"]

    @property
    def dimensions(self) -> list[str]:
        """The projected (quantified) dimensions, in file order."""
        return [d for d, dim in self.market.dimensions.items() if dim.quantified]

    def total_of(self, year: int) -> float:
        """The total market value in ``year`` (market units)."""
        return float(self.paths[("total", "total")][self.year_index(year)])

    def value(self, dimension: str, segment: str, year: int) -> float:
        """A segment's (or, with ``dimension="country"``, a country's) value in ``year``."""
        if (dimension, segment) not in self.paths:
            known = sorted(s for d, s in self.paths if d == dimension)
            raise KeyError(f"no projected segment {segment!r} in {dimension!r} "
                           f"(projected: {', '.join(known) or 'none'})")
        return float(self.paths[(dimension, segment)][self.year_index(year)])

    def share(self, dimension: str, segment: str, year: int) -> float:
        """A segment's share of the total (a country's: of the total, too) in ``year``."""
        return self.value(dimension, segment, year) / self.total_of(year)

    def wide(self, dimension: str) -> pd.DataFrame:
        """Values of one dimension's segments, years as rows (``"total"`` for the total)."""
        rows = self.table[self.table["dimension"] == dimension]
        if dimension == "total":
            return self.totals.set_index("year")[["value"]].rename(columns={"value": "total"})
        if rows.empty:
            raise KeyError(f"no projected dimension {dimension!r} "
                           f"(projected: {', '.join(self.dimensions) or 'none'})")
        order = list(dict.fromkeys(rows["segment"]))
        return rows.pivot(index="year", columns="segment", values="value")[order]

    def year_index(self, year: int) -> int:
        """Position of ``year`` in the projected years; ``ValueError`` outside them."""
        if not self.market.base_year <= year <= self.market.end_year:
            raise ValueError(f"year {year} is outside the projection "
                             f"({self.market.base_year}-{self.market.end_year})")
        return year - self.market.base_year


def _total_path(market: Market) -> np.ndarray:
    anchors = {a.year: a.value for a in market.total.values}
    growth = market.total.cagr
    if market.total.follow == "cagr" and growth is not None:
        first = growth.period(market.base_year, market.end_year)[0]
        anchors = {y: v for y, v in anchors.items() if y <= first}
    return anchored_path(anchors, market.years, growth.rate if growth else None)


def _rows(years: list[int], dimension: str, segment: str, parent: str, values: np.ndarray,
          whole: np.ndarray) -> pd.DataFrame:
    span = np.array(years) - years[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        since = np.where(span > 0, (values / values[0]) ** (1 / np.maximum(span, 1)) - 1, np.nan)
        growth = np.concatenate([[np.nan], values[1:] / values[:-1] - 1])
        share = values / whole
    return pd.DataFrame({"year": years, "dimension": dimension, "segment": segment,
                         "parent": parent, "value": values, "share": share, "growth": growth,
                         "cagr": since})


def _stated_rows(market: Market, dimension: str, values: dict[str, np.ndarray],
                 total: np.ndarray) -> list[dict[str, object]]:
    """Implied-rate rows of the segments with a stated CAGR (as projected, after any scaling)."""
    out, years = [], market.years
    for s, seg in market.dimensions[dimension].segments.items():
        if seg.cagr is None:
            continue
        first, last = seg.cagr.period(market.base_year, market.end_year)
        i0, i1 = years.index(first), years.index(last)
        v = values[s]
        out.append({"dimension": dimension, "segment": s, "from": first, "to": last,
                    "start_value": v[i0], "end_value": v[i1], "stated_cagr": seg.cagr.rate,
                    "implied_cagr": cagr(v[i0], v[i1], last - first),
                    "start_share": v[i0] / total[i0], "end_share": v[i1] / total[i1],
                    "max_gap": np.nan})
    return out


def project(market: Market | str | os.PathLike[str]) -> Projection:
    """Project ``market`` (a :class:`Market` or a market file's path) from base to end year.

    Example:
        >>> p = project("scenarios/market/doc003_2025.yaml")
        >>> [str(f) for f in p.warnings]
        ['...: total.cagr: warning: stated CAGR 14.85% (2025-2035), but ... imply 15.05% ...']
    """
    if not isinstance(market, Market):
        market = load_market(market)
    years = market.years
    total = _total_path(market)
    findings = total_findings(market, total)
    paths: dict[tuple[str, str], np.ndarray] = {("total", "total"): total}
    parents: dict[str, str] = {}
    frames, implied = [], []
    if market.total.cagr is not None:
        first, last = market.total.cagr.period(market.base_year, market.end_year)
        i0, i1 = years.index(first), years.index(last)
        implied.append({"dimension": "total", "segment": "total", "from": first, "to": last,
                        "start_value": total[i0], "end_value": total[i1],
                        "stated_cagr": market.total.cagr.rate,
                        "implied_cagr": cagr(total[i0], total[i1], last - first),
                        "start_share": 1.0, "end_share": 1.0, "max_gap": np.nan})
    for d, dim in market.dimensions.items():
        path = ("dimensions", d, "segments")
        if not dim.quantified:
            findings.append(Finding("note", ("dimensions", d), (
                f"named only: {len(dim.segments)} segments ({', '.join(dim.segments)}) without "
                "shares or growth rates; not projected (give shares, even assumed, to project)")))
            continue
        split = split_parts(market, dim.segments, total, path, d, d, exhaustive=True)
        findings += split.findings + fastest_findings(market, d, split.values)
        implied += _stated_rows(market, d, split.values, total) + split.implied
        for s, v in split.values.items():
            paths[(d, s)] = v
            frames.append(_rows(years, d, s, "total", v, total))
        for r, seg in dim.segments.items():
            if not any(c.share is not None or c.value is not None for c in seg.countries.values()):
                continue
            cs = split_parts(market, seg.countries, split.values[r], (*path, r, "countries"),
                             COUNTRY, r, exhaustive=False)
            findings += cs.findings
            for c, v in cs.values.items():
                paths[(COUNTRY, c)], parents[c] = v, r
                frames.append(_rows(years, COUNTRY, c, r, v, split.values[r]))
    findings += unplaced_countries(market)
    findings += concentration_findings(market) + country_growth_findings(market, paths)
    located = [dataclasses.replace(f, **dict(zip(("file", "line"), locate(market, f.path),
                                                 strict=True))) for f in findings]
    table = pd.concat(frames, ignore_index=True) if frames else _rows(years, "", "", "", total,
                                                                       total).iloc[:0]
    totals = _rows(years, "total", "total", "", total, total)[["year", "value", "growth", "cagr"]]
    return Projection(market=market, totals=totals, table=table,
                      implied_rates=pd.DataFrame(implied, columns=IMPLIED_COLUMNS),
                      report=sort_findings(located), paths=paths, parents=parents)
