"""Multi-year runs: each year simulated with that year's volume and AI adoption.

A scenario with a ``timeline:`` section (or ``sosim run --years 2026-2035``)
is simulated once per year. For year Y the scenario is shifted to start in Y
(same month and day; calendar holidays and absence blocks keep their month and
day), its volume comes from its market file for Y when ``demand.market`` is set,
its AI triage share from ``timeline.ai_adoption`` (linear between the years
given, flat beyond them), and, with ``scale_staff: true``, every pool's
specialists, the coordinators and the records team's navigators grow with the volume
(rounded up), and so do the diaries' appointment slots, so that a growing platform keeps
its staffing ratio; with ``timeline.hiring`` they follow
a hiring plan instead (:mod:`sim.timeline.headcounts`). Every year uses the same seed: the
years differ by their inputs, not by their luck (common random numbers).

Example:
    >>> platform = sim.load_scenario("scenarios/platform_2026_2035.yaml",
    ...                              ["simulation.horizon_days=14", "simulation.warmup_days=0"])
    >>> tl = run_timeline(platform, years=(2026, 2028), replications=2)
    >>> tl.summary(["time_to_match_h.mean", "money.variable_cost_per_opinion_usd"])[
    ...     ["kpi", "year", "mean", "n"]].round(1)
                                       kpi  year   mean  n
    0                 time_to_match_h.mean  2026  103.9  2
    1  money.variable_cost_per_opinion_usd  2026  280.6  2
    2                 time_to_match_h.mean  2027   77.6  2
    3  money.variable_cost_per_opinion_usd  2027  269.1  2
    4                 time_to_match_h.mean  2028   60.3  2
    5  money.variable_cost_per_opinion_usd  2028  266.7  2
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.engine.policies.triage import compile_triage
from sim.loading import check_derived
from sim.market.demand import adoption_path, market_scale
from sim.outputs.kpis import summarise
from sim.outputs.naming import results_label
from sim.outputs.results import Results
from sim.outputs.runner import run
from sim.scenario.access import Slots
from sim.scenario.loader import Document
from sim.scenario.models import Scenario, Timeline
from sim.timeline.headcounts import head_counts, year_with_staff

HEADLINE = ("cases_per_year", "ai_share", "time_to_match_h.mean", "records_to_match_h.mean",
            "time_to_opinion_h.mean", "time_to_opinion_h.p90", "within_target.opinion",
            "money.cost_per_opinion_usd", "money.net_savings_per_case_usd")


def _shift(d: dt.date, year: int) -> dt.date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


def _shift_absences(s: Scenario, shift: int) -> dict:
    """Pools with their dated absence blocks moved by ``shift`` years, like holidays."""
    pools = dict(s.pools)
    for name, pool in s.pools.items():
        if pool.absences is None or not pool.absences.blocks or not shift:
            continue
        blocks = [b.model_copy(update={"start": _shift(b.start, b.start.year + shift),
                                       "end": _shift(b.end, b.end.year + shift)})
                  for b in pool.absences.blocks]
        pools[name] = pool.model_copy(update={
            "absences": pool.absences.model_copy(update={"blocks": blocks})})
    return pools


def year_scenario(scenario: Scenario, timeline: Timeline, year: int) -> tuple[Scenario, object]:
    """The scenario of ``year`` and, when demand comes from a market, its derivation."""
    s = scenario
    shift = year - s.simulation.start.year
    sim_ = s.simulation.model_copy(update={"start": _shift(s.simulation.start, year)})
    calendars = {name: c if isinstance(c, str) else c.model_copy(update={
        "holidays": [_shift(h, h.year + shift) for h in c.holidays]})
        for name, c in s.calendars.items()}
    s = s.model_copy(update={"simulation": sim_, "calendars": calendars,
                             "pools": _shift_absences(s, shift)})
    derived = None
    if s.demand.market is not None:
        from sim.market.link import with_market_demand

        s, derived = with_market_demand(s, year)
    if timeline.ai_adoption and compile_triage(s.triage).has_ai:
        share = adoption_path(timeline.ai_adoption, [year])[year]
        s = s.model_copy(update={"triage": s.triage.model_copy(update={"ai_share": share})})
    return s, derived


def scale_staff(s: Scenario, factor: float) -> Scenario:
    """``s`` with every pool's specialists, the coordinators and the navigators times
    ``factor``, rounded up, and every diary's slots a week times ``factor``.

    Example:
        >>> import sim
        >>> scenario = sim.load_scenario("scenarios/baseline.yaml")
        >>> big = scale_staff(scenario, 10.0)   # for ten times the volume
        >>> [s.pools["in_house"].specialists["oncology"] for s in (scenario, big)]
        [4, 40]
    """
    def up(n: int) -> int:
        return n if n == 0 else max(1, math.ceil(n * factor - 1e-9))

    pools = {name: p.model_copy(update={
        "specialists": {sp: up(n) for sp, n in p.specialists.items()},
        "subspecialists": {sp: {sub: up(n) for sub, n in subs.items()}
                           for sp, subs in p.subspecialists.items()}})
        for name, p in s.pools.items()}
    t = s.triage
    triage = t.model_copy(update={
        k: getattr(t, k).model_copy(update={"coordinators": up(getattr(t, k).coordinators)})
        for k in ("legacy", "hybrid") if getattr(t, k) is not None})
    update: dict[str, object] = {"pools": pools, "triage": triage}
    if s.intake is not None and s.intake.team is not None:  # navigators, like coordinators
        team = s.intake.team
        update["intake"] = s.intake.model_copy(update={
            "team": team.model_copy(update={"navigators": up(team.navigators)})})
    if s.appointments:  # a diary's slots a week, in the same proportion
        update["appointments"] = {
            ch: a.model_copy(update={"slots_per_week": {
                p: n * factor for p, n in a.slots_per_week.items()}})
            if isinstance(a, Slots) else a for ch, a in s.appointments.items()}
    return s.model_copy(update=update)


@dataclass
class TimelineResults:
    """Per-year results of a multi-year run."""

    scenario: Scenario
    years: list[int]
    runs: list[Results]
    derived: list[object] = field(default_factory=list)
    overrides: tuple[str, ...] = ()
    """The ``--set`` overrides, named in the table's and figure's titles."""
    staff: pd.DataFrame | None = None
    """With ``timeline.hiring``: per year and queue, hires decided, arrived, left, heads."""
    ends: dict[str, list[Results]] = field(default_factory=dict)
    """With ``conversion_ends``: the years' runs at the ``fewest`` and ``most`` cases."""

    def conversion_sensitivity(self, kpis: Sequence[str] = (
            "time_to_opinion_h.mean", "time_to_opinion_h.p90", "money.cost_per_opinion_usd")
            ) -> pd.DataFrame | None:
        """Per year and KPI: the mean at the fewest, the central and the most cases.

        ``None`` unless :func:`run_timeline` ran with ``conversion_ends``.
        """
        if not self.ends:
            return None
        rows = []
        for i, (year, res) in enumerate(zip(self.years, self.runs, strict=True)):
            runs = {"central": res, **{k: v[i] for k, v in self.ends.items()}}
            for kpi in kpis:
                if kpi not in res.kpis.columns:
                    continue
                row = {"year": year, "kpi": kpi}
                row.update({f"at_{k}": float(r.kpis[kpi].mean()) for k, r in runs.items()})
                row.update({f"cases_{k}": r.scenario.demand.cases_per_year
                            for k, r in runs.items()})
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def kpis(self) -> pd.DataFrame:
        """One row per year and replication: the year's inputs and every KPI."""
        frames = []
        for year, res in zip(self.years, self.runs, strict=True):
            k = res.kpis.reset_index()
            inputs = pd.DataFrame({"year": year,
                                   "cases_per_year": res.scenario.demand.cases_per_year,
                                   "ai_share": res.plan.triage.ai_share}, index=k.index)
            frames.append(pd.concat([inputs, k], axis=1))  # one block, not three inserts
        out = pd.concat(frames, ignore_index=True)
        rng = self.conversion_range()
        if rng is not None:  # the volume at both ends of the market's value per opinion
            low, high = (rng.set_index("year")[c] for c in ("cases_low", "cases_high"))
            ends = pd.DataFrame({"cases_per_year_low": out["year"].map(low),
                                 "cases_per_year_high": out["year"].map(high)})
            out = pd.concat([out.iloc[:, :2], ends, out.iloc[:, 2:]], axis=1)
        return out

    def conversion_range(self) -> pd.DataFrame | None:
        """Per year: the platform's cases at the central conversion and at both ends of the
        market file's ``value_per_opinion`` range; ``None`` without such a range.

        The volume is what the conversion moves; rerun a year at ``cases_low`` or
        ``cases_high`` (``--set demand.cases_per_year=...``) to see what it does to the times.
        """
        rows = [{"year": y, "cases": d.cases_per_year, "cases_low": d.cases_range[0],
                 "cases_high": d.cases_range[1]}
                for y, d in zip(self.years, self.derived, strict=False)
                if d is not None and getattr(d, "cases_range", None) is not None]
        return pd.DataFrame(rows) if rows else None

    def summary(self, kpis: Sequence[str] = HEADLINE) -> pd.DataFrame:
        """Mean and 95% interval per year of the chosen KPIs (long table)."""
        k = self.kpis
        rows = []
        for year, part in k.groupby("year"):
            s = summarise(part[[c for c in kpis if c in part.columns]])
            s.insert(0, "year", year)
            rows.append(s.rename_axis("kpi").reset_index())
        return pd.concat(rows, ignore_index=True)

    def market_scale(self) -> pd.DataFrame | None:
        """Per-case results scaled to each year's whole market segment, intervals carried.

        ``None`` unless the demand comes from a market file.
        """
        if not self.derived or self.derived[0] is None:
            return None
        per_case = {"review_effort_h.mean": "specialist_hours",
                    "money.cost_per_opinion_usd": "opinion_cost_usd",
                    "money.net_savings_per_case_usd": "net_savings_usd"}
        frames = []
        for year, res, d in zip(self.years, self.runs, self.derived, strict=True):
            s = res.summary()
            kpis = [k for k in per_case if k in s.index]
            scaled = market_scale(s.loc[kpis].rename_axis("kpi"), {year: d.segment_cases})
            frame = pd.DataFrame({
                "year": year, "quantity": scaled["kpi"].map(per_case),
                "segment_cases": d.segment_cases, "per_case": scaled["per_case_mean"],
                "total": scaled["mean"], "ci_low": scaled["ci_low"],
                "ci_high": scaled["ci_high"]})
            rng = getattr(d, "cases_range", None)
            if rng is not None:  # the conversion's range, beside the simulation's CI
                frame["total_low"] = frame["total"] * rng[0] / d.cases_per_year
                frame["total_high"] = frame["total"] * rng[1] / d.cases_per_year
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_timeline(scenario: Scenario, years: tuple[int, int] | None = None,
                 seed: int | None = None, replications: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 doc: Document | None = None,
                 conversion_ends: bool = False) -> TimelineResults:
    """Simulate every year of the scenario's timeline (or of ``years``, first and last).

    Each year's scenario is validated like a file (:func:`sim.loading.check_derived`);
    ``doc``, the file the scenario was read from, locates a problem at its line.
    ``conversion_ends``: when the demand comes from a market file with a
    ``value_per_opinion`` range, also simulate each year at the volumes of both ends of
    that range (same seed and staff), so :meth:`TimelineResults.conversion_sensitivity`
    shows what the conversion's uncertainty does to the times, not only to the volume.
    """
    tl = scenario.timeline
    if years is not None:
        tl = (tl or Timeline(first_year=years[0], last_year=years[1])).model_copy(
            update={"first_year": years[0], "last_year": years[1]})
    if tl is None:
        raise ValueError("the scenario has no timeline section; give years=(first, last)")
    span = list(range(tl.first_year, tl.last_year + 1))
    years, derived = [], []
    ends: dict[str, list[Results]] = {}
    base_volume = None
    ledger = head_counts(scenario, tl.first_year, tl.last_year, tl.hiring) if tl.hiring \
        else None
    for year in span:  # every year is built and validated before any is simulated
        s, d = year_scenario(scenario, tl, year)
        base_volume = base_volume or s.demand.cases_per_year
        if tl.scale_staff:
            s = scale_staff(s, s.demand.cases_per_year / base_volume)
        if ledger is not None:  # specialists follow the hiring plan
            s = year_with_staff(s, ledger, year)
        years.append(check_derived(s, doc, f"in year {year}: "))
        derived.append(d)
    runs = []
    for k, s in enumerate(years):
        runs.append(run(s, seed=seed, replications=replications))
        d = derived[k]
        if conversion_ends and getattr(d, "cases_range", None) is not None:
            for label, cases in zip(("fewest", "most"), d.cases_range, strict=True):
                at_end = s.model_copy(update={"demand": s.demand.model_copy(
                    update={"cases_per_year": cases})})
                ends.setdefault(label, []).append(run(at_end, seed=seed,
                                                      replications=replications))
        if progress:
            progress(k + 1, len(span))
    return TimelineResults(scenario, span, runs, derived,
                           staff=None if ledger is None else ledger.table, ends=ends)


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

    from sim.outputs.writing import parquet_available, scenario_hash, write_folder

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
