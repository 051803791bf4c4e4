"""What the Market view shows, as plain data: headline figures, volumes, the report.

All of it comes from :func:`sim.market.project` (the same projection ``sosim market``
prints) and :mod:`sim.market.figures`.

Example (from the repository's root):
    >>> import sim.market as mk
    >>> p = mk.project("scenarios/market/doc000_2026.yaml")
    >>> [h[0] for h in headline(p)]
    ['market 2025 (USD bn)', 'market 2035 (USD bn)', 'growth a year 2025-2035',
     'consistency warnings']
    >>> findings_frame(p).columns.tolist()
    ['level', 'where', 'field', 'message']
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.market.projection import Projection

__all__ = ["figure_png", "findings_frame", "headline", "market_figures", "volumes_in"]


def headline(p: Projection) -> list[tuple[str, str]]:
    """(label, value) cards: the first and last year's totals, the growth, the warnings."""
    from sim.market.report import pct

    first, last = p.market.base_year, p.market.end_year
    a, b = p.total_of(first), p.total_of(last)
    rate = (b / a) ** (1 / (last - first)) - 1 if last > first and a > 0 else float("nan")
    # the unit in the label, so that a narrow card never cuts the number ("13.49 USD...")
    return [(f"market {first} ({p.unit_label})", f"{a:,.2f}"),
            (f"market {last} ({p.unit_label})", f"{b:,.2f}"),
            (f"growth a year {first}-{last}", pct(rate)),
            ("consistency warnings", str(len(p.warnings)))]


def stacked_chart(wide: pd.DataFrame, unit: str, palette: list[str]):  # noqa: ANN201
    """The projection as stacked areas (an Altair chart): each segment on top of the ones
    before it, so the top edge is the total, in the legend's order and colours.

    Example:
        >>> wide = pd.DataFrame({"oncology": [2.3, 2.5], "other": [3.7, 4.0]},
        ...                     index=pd.Index([2025, 2026], name="year"))
        >>> spec = stacked_chart(wide, "USD bn", ["#1f77b4", "#ff7f0e"]).to_dict()
        >>> spec["encoding"]["y"]["stack"], spec["encoding"]["color"]["scale"]
        ('zero', {'domain': ['oncology', 'other'], 'range': ['#1f77b4', '#ff7f0e']})
    """
    import altair as alt

    segments = [str(c) for c in wide.columns]
    long = wide.rename(columns=str).rename_axis("year").reset_index().melt(
        "year", var_name="segment", value_name="value")
    long["year"] = long["year"].astype(str)
    long["rank"] = long["segment"].map({s: i for i, s in enumerate(segments)})
    colours = alt.Scale(domain=segments, range=palette[:len(segments)])
    return alt.Chart(long).mark_area().encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("value:Q", stack="zero", title=unit),
        color=alt.Color("segment:N", scale=colours, sort=segments, title="segment"),
        order=alt.Order("rank:Q"),
        tooltip=["year", "segment", alt.Tooltip("value:Q", format=",.2f")])


def findings_frame(p: Projection) -> pd.DataFrame:
    """The consistency report, warnings first, with the file line of each finding."""
    return pd.DataFrame([{"level": f.level,
                          "where": f"{f.file}:{f.line}" if f.line is not None else f.file,
                          "field": ".".join(map(str, f.path)), "message": f.message}
                         for f in p.report], columns=["level", "where", "field", "message"])


def volumes_in(p: Projection, year: int) -> pd.DataFrame:
    """Second opinions, specialist hours and FTEs of every segment in ``year``."""
    from sim.market.volumes import volume_table

    v = volume_table(p)
    cols = ["dimension", "segment", "revenue", "cases", "specialist_hours", "fte"]
    return v.loc[v["year"] == year, cols].reset_index(drop=True)


def market_figures(p: Projection, year: int, other: Projection | None = None
                   ) -> dict[str, Figure]:
    """The figures ``sosim market`` saves, by title (drawn on demand)."""
    from sim.market import figures

    out = {f"segments by {d}": figures.segments_figure(p, d) for d in p.dimensions}
    if "region" in p.dimensions:
        out[f"regions in {year}"] = figures.region_figure(p, year)
    if other is not None:
        out[f"{p.name} against {other.name}"] = figures.compare_figure(p, other)
    return out


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
