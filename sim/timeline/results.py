"""The results of a multi-year run: one :class:`~sim.outputs.results.Results` per year.

:func:`sim.timeline.run_timeline` builds a :class:`TimelineResults`; its
:attr:`~TimelineResults.kpis` and :meth:`~TimelineResults.summary` put the years side by
side, and a scenario whose volume is a share of a market also gets the market-scale
totals and the volume's sensitivity to the market's value per opinion.
:mod:`sim.timeline.report` prints and writes it.

Example:
    >>> HEADLINE[:3]
    ('cases_per_year', 'ai_share', 'time_to_match_h.mean')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from sim.market.demand import market_scale
from sim.outputs.kpis import summarise
from sim.outputs.results import Results
from sim.scenario.models import Scenario

HEADLINE = ("cases_per_year", "ai_share", "time_to_match_h.mean", "records_to_match_h.mean",
            "time_to_opinion_h.mean", "time_to_opinion_h.p90", "within_target.opinion",
            "money.cost_per_opinion_usd", "money.net_savings_per_case_usd")


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
