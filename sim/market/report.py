"""The consistency report: where a document's figures disagree, with the figures.

A market document's numbers are rounded, and sometimes they do not add up: a stated CAGR
that its own end points do not give (document 003: "nearly 14.85%", while 6.12 -> 24.87
over ten years is 15.05%), shares that sum to more than 1, countries bigger than their
region, segment growth rates that no split of the total can honour. The projection still
has to add up, so it resolves each gap in one documented way (anchors win over a stated
CAGR; shares are scaled to sum to 1; the rest of a dimension absorbs the difference) and
**says so here, with the figures**. Nothing is fixed silently.

Each :class:`Finding` is a ``warning`` (the figures disagree; read it) or a ``note`` (what
the projection assumed or checked). It prints like a scenario problem, so it can be found
in the file:

    doc003_2025.yaml:31: total.cagr: stated CAGR 14.85% (2025-2035), but the stated values
    imply 15.05% a year: 6.12 (2025) -> 24.87 (2035); at 14.85% 2035 would be 24.44 (-1.7%)

Example:
    >>> f = Finding("warning", ("total", "cagr"), "stated 14.85%, implied 15.05%")
    >>> print(f)
    <market>: total.cagr: warning: stated 14.85%, implied 15.05%
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from sim.market.growth import cagr
from sim.market.models import Market

Level = Literal["warning", "note"]


@dataclass(frozen=True)
class Finding:
    """One item of the consistency report, located in the market file when known."""

    level: Level
    path: tuple[str | int, ...]
    message: str
    figures: dict[str, float] = field(default_factory=dict)
    file: str = "<market>"
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        dotted = ".".join(map(str, self.path))
        return f"{where}: {dotted + ': ' if dotted else ''}{self.level}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """Plain data for ``report.json``."""
        return {"level": self.level, "path": ".".join(map(str, self.path)),
                "message": self.message, "figures": self.figures, "file": self.file,
                "line": self.line}


def pct(x: float, digits: int = 2) -> str:
    """``0.14853 -> '14.85%'``.

    Example:
        >>> pct(0.0695), pct(0.5772, 1)
        ('6.95%', '57.7%')
    """
    return "n/a" if not np.isfinite(x) else f"{100 * x:.{digits}f}%"


def money(x: float, digits: int = 2) -> str:
    """A market value as written in the documents: ``6.89``.

    Example:
        >>> money(24.4362)
        '24.44'
    """
    return f"{x:,.{digits}f}"


def total_findings(market: Market, total: np.ndarray) -> list[Finding]:
    """Check the stated CAGR against the stated values (or, with ``follow: cagr``, the
    stated values after the CAGR's first year against the compounded path).

    Example:
        >>> [str(f) for f in total_findings(market, p.totals["value"].to_numpy())]
        ['<market>: total.cagr: note: checked: stated CAGR 6.95% (2026-2035) agrees with the \
stated values, 7.37 (2026) -> 13.49 (2035) (6.948% a year)']
    """
    out: list[Finding] = []
    growth, years = market.total.cagr, market.years
    anchors = {a.year: a.value for a in market.total.values}
    if growth is None:
        if len(anchors) == 1:
            out.append(Finding("note", ("total",), "one value and no CAGR: the market is held "
                               f"flat at {money(anchors[market.base_year])} every year"))
        return out
    first, last = growth.period(market.base_year, market.end_year)
    tol = market.checks.rate_tolerance
    at = {y: float(v) for y, v in zip(years, total, strict=True)}
    if market.total.follow == "cagr":
        ends = [y for y in sorted(anchors) if y > first]
        how = "the path compounds the CAGR (follow: cagr)"
    else:
        ends = [y for y in sorted(anchors) if first < y <= last]
        how = "the path follows the stated values (follow: values)"
    for end in ends:
        start_value, end_value = at[first], anchors[end]
        implied = cagr(start_value, end_value, end - first)
        at_stated = start_value * (1 + growth.rate) ** (end - first)
        figures = {"stated_cagr": growth.rate, "implied_cagr": implied, "from": first,
                   "to": end, "start_value": start_value, "end_value": end_value,
                   "end_at_stated_cagr": at_stated}
        span = f"{money(start_value)} ({first}) -> {money(end_value)} ({end})"
        if abs(implied - growth.rate) > tol:
            out.append(Finding("warning", ("total", "cagr"), (
                f"stated CAGR {pct(growth.rate)} ({first}-{last}), but the stated values imply "
                f"{pct(implied)} a year: {span}; at {pct(growth.rate)} {end} would be "
                f"{money(at_stated)} ({pct(at_stated / end_value - 1, 1)}); {how}"), figures))
        else:
            out.append(Finding("note", ("total", "cagr"), (
                f"checked: stated CAGR {pct(growth.rate)} ({first}-{last}) agrees with the "
                f"stated values, {span} ({pct(implied, 3)} a year)"), figures))
    if not ends and market.total.follow == "values":
        out.append(Finding("note", ("total", "cagr"), (
            f"stated CAGR {pct(growth.rate)} ({first}-{last}) not checked: the file gives no "
            f"value after {first} up to {last}; it extends the path after the last value")))
    return out


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Warnings first, then by line in the file.

    Example:
        >>> sort_findings([Finding("note", (), "b"), Finding("warning", (), "a")])[0].level
        'warning'
    """
    return sorted(findings, key=lambda f: (f.level != "warning", f.line is None, f.line or 0))


def format_report(findings: Sequence[Finding]) -> str:
    """The report as terminal text: a heading with the counts, then one finding per line.

    Example:
        >>> print(format_report([]))
        Consistency report: no warnings, no notes
    """
    warnings = sum(f.level == "warning" for f in findings)
    notes = len(findings) - warnings

    def count(n: int, what: str) -> str:
        return f"{n or 'no'} {what}{'s' if n != 1 else ''}"

    lines = [f"Consistency report: {count(warnings, 'warning')}, {count(notes, 'note')}"]
    lines += [f"  {f}" for f in sort_findings(findings)]
    return "\n".join(lines)
