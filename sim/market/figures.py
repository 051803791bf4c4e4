"""Figures of a market projection: segments over time, regions in a year, two documents.

``segments_figure``
    one dimension's segments, stacked, over the years (left: value; right: shares), with the
    document's stated values marked and each segment's growth rate, stated or implied, in
    the legend.
``region_figure``
    each region's value in one year, its named countries inside it, and the second opinions
    a year and full-time specialists that value buys.
``compare_figure``
    two documents side by side: their totals over the years, and the second opinions a year
    each implies.

Like :mod:`sim.outputs.figures`: plain :class:`~matplotlib.figure.Figure` objects on the Agg
canvas, never registered with ``pyplot`` (no window, no global state).

Example:
    >>> [ax.get_title() for ax in segments_figure(p, "source").axes]
    ['Value', 'Share of the total']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.market.projection import COUNTRY, Projection
from sim.market.report import pct
from sim.market.volumes import volume_table
from sim.outputs.plotting import new_figure as _figure
from sim.outputs.plotting import save_png as _save

__all__ = ["compare_figure", "region_figure", "save_market_figures", "segments_figure"]

PALETTE = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:olive", "tab:cyan", "tab:gray"]


def _label(p: Projection, dimension: str, segment: str) -> str:
    dims = p.market.dimensions
    if dimension in dims and segment in dims[dimension].segments:
        return dims[dimension].segments[segment].label or segment
    regions = dims["region"].segments.values() if "region" in dims else []
    for region in regions:
        if segment in region.countries:
            return region.countries[segment].label or segment
    return segment.replace("_", " ")


def _rate_labels(p: Projection, dimension: str) -> dict[str, str]:
    """``{segment: "8.10% stated"}`` / ``"6.19% implied"`` for the legend."""
    out = {}
    rows = p.implied_rates[p.implied_rates["dimension"] == dimension].to_dict("records")
    for row in rows:
        span = f"{row['from']}-{row['to']}"
        for s in str(row["segment"]).split(" + "):
            if np.isfinite(row["stated_cagr"]):
                out[s] = f"{pct(row['stated_cagr'])} a year {span}, stated"
            else:
                out[s] = f"{pct(row['implied_cagr'])} a year {span}, implied"
    return out


def segments_figure(p: Projection, dimension: str) -> Figure:
    """Stacked areas of one dimension's segments: values (left) and shares (right).

    Example:
        >>> fig = segments_figure(p, "region")
        >>> for area in fig.axes[0].collections:
        ...     print(area.get_label().replace("\\n", "; "))
        North America (38% → 37%); 6.48% a year 2026-2035, implied
        Europe (27% → 26%); 6.48% a year 2026-2035, implied
        Asia-Pacific (22% → 25%); 8.50% a year 2026-2035, stated
        Middle East & Africa (7% → 7%); 6.48% a year 2026-2035, implied
        Latin America (the rest) (6% → 6%); 6.48% a year 2026-2035, implied
        stated total
    """
    wide = p.wide(dimension)
    years = wide.index.to_numpy()
    total = wide.sum(axis=1).to_numpy()
    rates = _rate_labels(p, dimension)
    labels = [f"{_label(p, dimension, s)} ({pct(wide[s].iloc[0] / total[0], 0)} \u2192 "
              f"{pct(wide[s].iloc[-1] / total[-1], 0)})" + (f"\n{rates[s]}" if s in rates else "")
              for s in wide.columns]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(wide.columns))]
    fig = _figure(12.5, 5.0)
    left, right = fig.subplots(1, 2)
    left.stackplot(years, wide.to_numpy().T, colors=colours, alpha=0.85, labels=labels)
    left.plot(years, total, color="black", linewidth=1.2, label="_total")
    anchors = [(a.year, a.value) for a in p.market.total.values]
    left.scatter(*zip(*anchors, strict=True), color="black", zorder=5, s=22,
                 label="stated total")
    for y, v in anchors:
        ha, dx = ("left", 4) if y == years[0] else ("right", -4) if y == years[-1] else (
            "center", 0)
        left.annotate(f"{v:g}", (y, v), xytext=(dx, 6), textcoords="offset points", ha=ha,
                      fontsize="small")
    left.set_ylabel(f"Market value ({p.unit_label})")
    left.set_ylim(0, total.max() * 1.12)
    left.set_title("Value", fontsize="medium")
    right.stackplot(years, (wide.to_numpy() / total[:, None]).T, colors=colours, alpha=0.85)
    right.yaxis.set_major_formatter(PercentFormatter(1.0))
    right.set_ylim(0, 1)
    right.set_title("Share of the total", fontsize="medium")
    for ax in (left, right):
        ax.set_xlim(years[0], years[-1])
        ax.set_xticks(years[::max(1, len(years) // 5)])
        ax.grid(alpha=0.3)
    handles, names = left.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", fontsize="small",
               title="segment (share first \u2192 last year)", title_fontsize="small")
    name = p.market.dimensions[dimension].label or dimension
    fig.suptitle(f"Market by {name.lower()} \u2014 {p.name}, {years[0]}-{years[-1]}\n"
                 "segments without a stated rate share what the others leave, so the "
                 "stack always equals the total", fontsize="medium")
    return fig


def region_figure(p: Projection, year: int) -> Figure:
    """Horizontal bars of each region's value in ``year``, split into its named countries.

    Example:
        >>> print(region_figure(p, 2027).axes[0].get_title())
        Regions in 2027 — doc000_2026
        coloured: named countries (share of their region); grey: the rest of the region
        second opinions a year at the file's prices; full-time specialists (FTE) at 1,800 ...
    """
    wide = p.wide("region")
    regions = list(wide.columns)
    volumes = volume_table(p)
    v = volumes[(volumes["year"] == year) & (volumes["dimension"] == "region")]
    v = v.set_index("segment").loc[regions]
    fig = _figure(11.0, 1.6 + 0.75 * len(regions))
    ax = fig.subplots()
    y = np.arange(len(regions))
    values = wide.loc[year].to_numpy()
    ax.barh(y, values, color="0.85", edgecolor="0.4", height=0.7, label="region (rest)")
    t = p.table
    for i, r in enumerate(regions):
        countries = t[(t["dimension"] == COUNTRY) & (t["parent"] == r) & (t["year"] == year)
                      & ~t["segment"].str.startswith("rest_of_")]
        start, unlabelled = 0.0, []
        for j, row in enumerate(countries.itertuples()):
            colour = to_rgba(PALETTE[i % len(PALETTE)], 0.45 + 0.5 * (j % 2))
            ax.barh(i, row.value, left=start, color=colour, edgecolor="white", height=0.7)
            name = f"{_label(p, COUNTRY, row.segment)} {pct(row.share, 0)}"
            if row.value > values.max() * 0.012 * len(name):  # wide enough for its label
                ax.text(start + row.value / 2, i, name.replace(" ", "\n", 1) if " " in name
                        else name, ha="center", va="center", fontsize="x-small")
            else:
                unlabelled.append(name)
            start += row.value
        info = v.loc[r]
        text = (f"{values[i]:.2f} ({pct(values[i] / values.sum(), 0)})  \u2022  "
                f"{info['cases'] / 1e6:.2f} m opinions  \u2022  {info['fte']:,.0f} FTE")
        if unlabelled:
            text += f"\ncoloured: {', '.join(unlabelled)}"
        ax.annotate(text, (values[i], i), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize="small")
    ax.set_yticks(y, [_label(p, "region", r) for r in regions])
    ax.invert_yaxis()
    ax.set_xlim(0, values.max() * 1.75)
    ax.set_xlabel(f"Market value in {year} ({p.unit_label})")
    ax.grid(axis="x", alpha=0.3)
    hours = p.market.volumes.hours_per_fte_year
    ax.set_title(f"Regions in {year} \u2014 {p.name}\ncoloured: named countries (share of "
                 "their region); grey: the rest of the region\nsecond opinions a year at the "
                 f"file's prices; full-time specialists (FTE) at {hours:,.0f} review hours a "
                 "year", fontsize="medium")
    return fig


def compare_figure(a: Projection, b: Projection) -> Figure:
    """Two documents side by side: total value over the years, and opinions a year.

    Example:
        >>> [ax.get_title() for ax in compare_figure(p, p003).axes]
        ['Total market (dots: stated values)', "Second opinions a year at each file's prices \
(and full-time specialists)"]
    """
    from sim.market.compare import compare

    table = compare(a, b)
    na, nb = table.attrs["names"]
    years = table.index.to_numpy()
    fig = _figure(12.5, 5.0)
    left, right = fig.subplots(1, 2)
    series = ((a, na, nb, "tab:blue"), (b, nb, na, "tab:orange"))
    for p, name, rival, colour in series:
        growth = p.market.total.cagr
        stated_rate = f", stated CAGR {pct(growth.rate)}" if growth else ""
        left.plot(years, table[name], color=colour, linewidth=2, label=f"{name}{stated_rate}")
        stated = [(x.year, x.value) for x in p.market.total.values if x.year in set(years)]
        left.scatter(*zip(*stated, strict=True), color=colour, zorder=5, s=28)
        for yr, val in stated:
            below = val < table.loc[yr, rival]
            left.annotate(f"{val:g}", (yr, val), xytext=(0, -12 if below else 7),
                          textcoords="offset points", ha="center", fontsize="small",
                          color=colour)
    last = years[-1]
    left.annotate(f"\u00d7{table.loc[last, 'ratio']:.2f}\nin {last}",
                  (last, (table.loc[last, na] + table.loc[last, nb]) / 2), xytext=(8, 0),
                  textcoords="offset points", ha="left", va="center", fontsize="small")
    left.set_xlim(years[0] - 0.5, last + 1.5)
    left.set_ylabel(f"Market value ({table.attrs['unit']})")
    left.set_ylim(0, table[[na, nb]].to_numpy().max() * 1.12)
    left.set_title("Total market (dots: stated values)", fontsize="medium")
    left.legend(loc="upper left", fontsize="small")
    picks = sorted({int(years[0]), int(years[len(years) // 2]), int(last)})
    x = np.arange(len(picks))
    for k, (name, colour) in enumerate(((na, "tab:blue"), (nb, "tab:orange"))):
        cases = table.loc[picks, f"{name}_cases"].to_numpy() / 1e6
        bars = right.bar(x + (k - 0.5) * 0.38, cases, width=0.36, color=colour, label=name)
        fte = table.loc[picks, f"{name}_fte"].to_numpy()
        right.bar_label(bars, labels=[f"{c:.1f} m\n{f / 1e3:.1f}k FTE"
                                      for c, f in zip(cases, fte, strict=True)],
                        fontsize="small", padding=2)
    right.set_xticks(x, [str(y) for y in picks])
    right.set_ylabel("Second opinions a year (millions)")
    right.set_ylim(0, table[[f"{na}_cases", f"{nb}_cases"]].to_numpy().max() / 1e6 * 1.2)
    right.set_title("Second opinions a year at each file's prices (and full-time specialists)",
                    fontsize="medium")
    right.legend(loc="upper left", fontsize="small")
    for ax in (left, right):
        ax.grid(axis="y", alpha=0.3)
    left.set_xticks(years[::2])
    fig.suptitle(f"Two market documents side by side \u2014 {nb} / {na}: "
                 f"\u00d7{table['ratio'].iloc[0]:.3f} in {years[0]}, "
                 f"\u00d7{table['ratio'].iloc[-1]:.2f} in {last}", fontsize="medium")
    return fig


def save_market_figures(p: Projection, folder: str | os.PathLike[str], year: int,
                        other: Projection | None = None) -> list[Path]:
    """Write ``segments_<dimension>.png`` for every projected dimension, ``regions_<year>.png``
    (if regions are projected) and ``compare.png`` (with ``other``), at 120 dpi, atomically.

    Example:
        >>> p003.dimensions                          # doc003 projects only its total
        []
        >>> [f.name for f in save_market_figures(p003, "out/figures", 2027, other=p)]
        ['compare.png']

        (For ``p``, doc000, it adds ``segments_application.png``, ``segments_source.png``,
        ``segments_service.png``, ``segments_type.png``, ``segments_region.png`` and
        ``regions_2027.png``.)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [_save(segments_figure(p, d), folder / f"segments_{d}.png") for d in p.dimensions]
    if "region" in p.dimensions:
        written.append(_save(region_figure(p, year), folder / f"regions_{year}.png"))
    if other is not None:
        written.append(_save(compare_figure(p, other), folder / "compare.png"))
    return written
