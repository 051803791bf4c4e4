"""What a multi-year run prints and writes: the per-year table, head-counts, figure, files.

:func:`format_timeline` is the table ``sosim run --years`` prints (with the market-scale
totals of a scenario whose volume is a share of a market), :func:`format_staff` the
head-count ledger of a hiring plan, :func:`timeline_figure` the year-by-year figure and
:func:`write_timeline` the run's folder. The runs themselves are :mod:`sim.timeline`'s.

Example:
    >>> _at_scale("specialist_hours", 2_439_952, 2_402_267, 2_477_636)
    'specialist hours 2.44 m [2.4, 2.48]'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.outputs.naming import results_label

if TYPE_CHECKING:
    from sim.timeline.results import TimelineResults


def format_timeline(tl: TimelineResults) -> str:
    """The per-year table ``sosim run`` prints for a multi-year run."""
    s = tl.summary()
    wide = s.pivot(index="year", columns="kpi", values="mean")
    half = s.pivot(index="year", columns="kpi", values="half_width")
    cols = [("cases/yr", "cases_per_year", "{:,.0f}"), ("AI share", "ai_share", "{:.0%}"),
            ("match h", "time_to_match_h.mean", "{:,.1f}"),
            ("records->match h", "records_to_match_h.mean", "{:,.1f}"),
            ("opinion h", "time_to_opinion_h.mean", "{:,.1f}"),
            ("opinion p90 h", "time_to_opinion_h.p90", "{:,.1f}"),
            ("cost/opinion", "money.cost_per_opinion_usd", "{:,.0f}"),
            ("net saving/case", "money.net_savings_per_case_usd", "{:,.0f}")]
    cols = [c for c in cols if c[1] in wide.columns]

    def cell(year: int, kpi: str, fmt: str) -> str:
        v, h = wide.loc[year, kpi], half.loc[year, kpi]
        text = fmt.format(v)
        return text if kpi in ("cases_per_year", "ai_share") or np.isnan(h) else \
            f"{text} ±{fmt.format(h)}"

    table = [["year", *(c[0] for c in cols)]]
    table += [[str(y), *(cell(y, k, f) for _, k, f in cols)] for y in wide.index]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    title = (f"{tl.scenario.name}: {tl.years[0]}-{tl.years[-1]}, one run a year "
             "(mean ±95% half-width)")
    lines = [title, "-" * len(title)]
    if tl.overrides:  # a what-if must not pass for the scenario it changed
        lines.insert(1, "with " + " ".join(f"--set {o}" for o in tl.overrides))
    lines += ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    scale = tl.market_scale()
    if scale is not None and len(scale):
        lines += ["", "At market scale (per-case results x the whole segment's cases a year):"]
        for year, part in scale.groupby("year"):
            bits = [_at_scale(q, r.total, r.ci_low, r.ci_high)
                    for q, r in zip(part["quantity"], part.itertuples(), strict=True)]
            lines.append(f"  {year}: {part['segment_cases'].iloc[0]:,.0f} cases; "
                         + "; ".join(bits))
    if tl.staff is not None:
        lines += ["", format_staff(tl.staff)]
    rng = tl.conversion_range()
    if rng is not None:
        lines += ["", "Market value to opinions (value_per_opinion's sourced range): "
                      "cases a year at the high / central / low price"]
        lines += [f"  {r.year}: {r.cases_low:,.0f} / {r.cases:,.0f} / {r.cases_high:,.0f}"
                  for r in rng.itertuples()]
    sens = tl.conversion_sensitivity()
    if sens is not None and len(sens):
        lines += ["", "... and what it does (same seed and staff): KPI at the fewest / central "
                      "/ most cases"]
        lines += [f"  {r.year} {r.kpi}: {r.at_fewest:,.1f} / {r.at_central:,.1f} / "
                  f"{r.at_most:,.1f}" for r in sens.itertuples()]
    return "\n".join(lines)


def _at_scale(quantity: str, total: float, low: float, high: float) -> str:
    """A market-scale total in readable units: ``opinion cost USD 1.05 bn [1.02, 1.08]``.

    >>> _at_scale("specialist_hours", 2_439_952, 2_402_267, 2_477_636)
    'specialist hours 2.44 m [2.4, 2.48]'
    >>> _at_scale("net_savings_usd", -486_260_039, -877_268_897, -95_251_181)
    'net savings USD -486 m [-877, -95.3]'
    """
    words = quantity.split("_")
    money = words[-1] == "usd"
    name = " ".join(words[:-1] if money else words)
    top = max(abs(total), abs(low), abs(high))
    div, unit = next(((d, u) for d, u in ((1e9, "bn"), (1e6, "m"), (1e3, "k")) if top >= d),
                     (1.0, ""))

    def num(x: float) -> str:
        x /= div
        return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"

    unit = f" {unit}" if unit else ""
    return (f"{name} {'USD ' if money else ''}{num(total)}{unit} "
            f"[{num(low)}, {num(high)}]")


def format_staff(staff: pd.DataFrame) -> str:
    """Year by year: specialists per queue at the year's start -> end, and the hires decided.

    ``staff`` is :attr:`TimelineResults.staff` (or a hiring search's table).
    """
    lines = ["Specialists per queue (start -> end of year; +hires decided that year, "
             "-leavers):"]
    queues = [q for q in dict.fromkeys(staff["queue"])
              if (staff.loc[staff["queue"] == q, ["heads_start", "heads_end", "hires_decided"]]
                  .to_numpy().any())]
    width = max((len(q) for q in queues), default=5)
    years = sorted(staff["year"].unique())
    lines.append("  " + "queue".ljust(width) + "".join(f"{y:>16}" for y in years))
    by = staff.set_index(["queue", "year"])
    for q in queues:
        cells = []
        for y in years:
            r = by.loc[(q, y)]
            txt = f"{int(r.heads_start)}->{int(r.heads_end)}"
            if r.hires_decided:
                txt += f" +{int(r.hires_decided)}"
            if r.left:
                txt += f" -{int(r.left)}"
            cells.append(f"{txt:>16}")
        lines.append("  " + q.ljust(width) + "".join(cells))
    return "\n".join(lines)


def timeline_figure(tl: TimelineResults):  # noqa: ANN201
    """Time to match and to opinion per year (95% CI), with the AI share on a second axis."""
    from sim.outputs.plotting import new_figure

    s = tl.summary()
    fig = new_figure(9, 5)
    ax = fig.subplots()
    for kpi, label in (("time_to_match_h.mean", "time to match"),
                       ("time_to_opinion_h.mean", "time to opinion")):
        part = s[s["kpi"] == kpi]
        ax.plot(part["year"], part["mean"], marker="o", label=label)
        ax.fill_between(part["year"], part["ci_low"], part["ci_high"], alpha=0.2)
    ax.set_xlabel("Year")
    ax.set_ylabel("Hours (mean per case)")
    ax.grid(alpha=0.3)
    share = s[s["kpi"] == "ai_share"]
    if len(share):
        ax2 = ax.twinx()
        ax2.plot(share["year"], share["mean"], color="0.4", linestyle="--", label="AI share")
        ax2.set_ylim(0, 1.05)
        ax2.set_ylabel("Share of cases triaged by AI")
        ax2.legend(loc="upper right")
    ax.legend(loc="upper left")
    ax.set_title(f"Year by year \u2014 scenario {results_label(tl)}", fontsize="medium")
    return fig


def write_timeline(tl: TimelineResults, out_dir, figures: bool = True,  # noqa: ANN001, ANN201
                   manifest: dict | None = None, *, overwrite: bool = False):
    """Write the per-year tables (and figure) into ``out_dir`` atomically.

    ``manifest`` adds fields to ``manifest.json`` (the command, for ``sosim rerun``); an
    earlier sosim folder is replaced only with ``overwrite=True``.
    """
    import io as _io

    from sim.outputs.tables import parquet_available
    from sim.outputs.writing import scenario_hash, write_folder

    def build(folder):  # noqa: ANN001, ANN202
        k = tl.kpis
        if parquet_available():
            k.to_parquet(folder / "timeline_kpis.parquet", index=False)
        else:
            k.to_csv(folder / "timeline_kpis.csv", index=False)
        tl.summary(list(k.columns.drop(["year", "replication"]))).to_csv(
            folder / "timeline_summary.csv", index=False)
        scale = tl.market_scale()
        if scale is not None:
            scale.to_csv(folder / "market_scale.csv", index=False)
        rng = tl.conversion_range()
        if rng is not None:
            rng.to_csv(folder / "conversion_range.csv", index=False)
        if tl.staff is not None:
            tl.staff.to_csv(folder / "staff.csv", index=False)
        sens = tl.conversion_sensitivity()
        if sens is not None:
            sens.to_csv(folder / "conversion_sensitivity.csv", index=False)
        if figures:
            (folder / "figures").mkdir()
            buffer = _io.BytesIO()
            timeline_figure(tl).savefig(buffer, format="png", dpi=120)
            (folder / "figures" / "timeline.png").write_bytes(buffer.getvalue())
        return {"kind": "timeline", "scenario_name": tl.scenario.name,
                "scenario_hash": scenario_hash(tl.scenario), "seed": tl.runs[0].seed,
                "years": [tl.years[0], tl.years[-1]],
                "replications": len(tl.runs[0].replications),
                "overrides": list(tl.overrides),
                "scenario": tl.scenario.model_dump(mode="json"), **(manifest or {})}

    return write_folder(out_dir, build, overwrite=overwrite)
