"""Hiring search: what to hire, and when, so that p90 time to opinion stays under a target.

The target is on ``time_to_opinion_h.p90`` of all cases, or of one channel's or one
priority class's cases (``kpi="channel.online_portal.time_to_opinion_h.p90"``, see
:func:`hiring_kpis`): in-person and video opinions wait for an appointment whose lead time
no specialist shortens, so a planner hiring for the specialists' part asks about the cases
that have none.

A planner whose volume doubles by 2030 asks "when must we start hiring?". With a
``timeline`` (and, optionally, ``timeline.hiring`` for the lead time, the attrition and hires
already decided), :func:`plan_hiring` walks the years in order:

1. simulate the year with the specialists the plan so far gives it (:mod:`sim.timeline.headcounts`:
   head-counts after lead times and attrition), ``replications`` times with the run's seed;
2. the year **meets** the target when the upper end of the 95% t-interval of the KPI
   (``time_to_opinion_h.p90`` by default) across replications is at most the target (the
   mean, with one replication);
3. if it does not, decide one more hire for the queue whose cases wait longest for a
   specialist (the largest p90 of the wait, cases still waiting counted with their wait so
   far; of the KPI's channel or class only), in the latest year that makes the hire
   productive by the start of the failing year: ``lead_time_months`` before it (never
   before the first year); then simulate again.

Earlier years only gain staff from a later decision, so a year once met stays met. If
:data:`PATIENCE` hires in a row do not lower the year's bound by 1%, they are taken back
and the year is reported *not attainable by hiring* (intake, triage, authorisation or
calendars dominate), rather than staffed without end.

Example:
    >>> platform = sim.load_scenario("scenarios/platform_2026_2035.yaml", [
    ...     "simulation.horizon_days=14", "simulation.warmup_days=0",
    ...     "timeline.last_year=2026", "timeline.scale_staff=false"])
    >>> res = plan_hiring(platform, target_h=120, replications=2)
    >>> print(res.text())
    Hiring plan: p90 time to opinion <= 120 h every year (lead time 6 months, attrition 0% a year)
      2026: decide no hires; p90 244.2 h (95% bound 381.5 h): NOT met, 261.5 h over (not
      attainable by hiring: 3 more specialists did not lower the bound by 1%; a hire decided in
      2026 is productive only 6 months later)
    <BLANKLINE>
    No plan offered: 1 of 1 years miss the 120 h target (worst 2026: 95% bound 381.5 h, 261.5 h
    over). The hires listed are what the search kept, not a plan that meets the target; when more
    specialists do not help, the time goes to other stages (records, appointments: see sosim run's
    'where the time goes').
    <BLANKLINE>
    Specialists per queue (start -> end of year; +hires decided that year, -leavers):
      queue                                              2026
      in_house/oncology                                  4->4
      in_house/cardiology                                2->2
      in_house/neurology                                 2->2
      in_house/orthopedics                               2->2
      in_house/other                                     3->3
      in_house/oncology/rare_tumour_pathology            1->1
      in_house/neurology/movement_disorders              1->1
      outsourced/oncology                                1->1
      outsourced/cardiology                              1->1
      outsourced/neurology                               1->1
      outsourced/orthopedics                             1->1
      outsourced/other                                   1->1

(Fourteen days of one year are only a quick look; there, waits for records, triage and
office hours dominate, so more specialists do not help.)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.outputs.runner import run
from sim.scenario.hiring import Hiring
from sim.scenario.models import Scenario
from sim.timeline.headcounts import head_counts, year_with_staff

__all__ = ["HiringPlan", "KPI", "PATIENCE", "hiring_kpis", "plan_hiring"]

KPI = "time_to_opinion_h.p90"
"""The KPI a hiring target is on; ``channel.<channel>.`` or ``class.<class>.`` before it
narrows it to one channel's or one priority class's cases."""

PATIENCE = 3
"""Hires in a row without a 1% gain in the year's bound before a year is given up."""


@dataclass(frozen=True)
class HiringPlan:
    """What :func:`plan_hiring` found.

    ``plan``: year -> queue -> hires decided. ``years``: one row per year: ``p90_h`` (mean),
    ``bound_h`` (upper 95% bound), ``met``, ``note``. ``staff``: the ledger's table (heads
    per year and queue). ``path``: every simulated step.
    """

    target_h: float
    plan: dict[int, dict[str, int]]
    years: pd.DataFrame
    staff: pd.DataFrame
    path: pd.DataFrame
    hiring: Hiring
    kpi: str = KPI

    @property
    def what(self) -> str:
        """The KPI in words: ``p90 time to opinion`` (of ``online_portal`` cases)."""
        return "p90 time to opinion" + ("" if self.kpi == KPI else
                                        f" of {self.kpi.split('.')[1]} cases")

    @property
    def met(self) -> bool:
        return bool(self.years["met"].all())

    def text(self) -> str:
        """The year-by-year plan as terminal text."""
        from sim.timeline import format_staff

        lines = [f"Hiring plan: {self.what} <= {self.target_h:g} h every year "
                 f"(lead time {self.hiring.lead_time_months:g} months, attrition "
                 f"{100 * self.hiring.attrition_per_year:g}% a year)"]
        for r in self.years.itertuples():
            hires = self.plan.get(r.year, {})
            decided = ", ".join(f"{q} +{n}" for q, n in hires.items() if n) or "no hires"
            verdict = "met" if r.met else (f"NOT met, {r.bound_h - self.target_h:,.1f} h over"
                                           + (f" ({r.note})" if r.note else ""))
            lines.append(f"  {r.year}: decide {decided}; p90 {r.p90_h:,.1f} h "
                         f"(95% bound {r.bound_h:,.1f} h): {verdict}")
        lines += ["", self.verdict(), "", format_staff(self.staff)]
        return "\n".join(lines)

    def verdict(self) -> str:
        """One sentence: the plan meets the target every year, or which years miss it and by
        how much (then the hires shown are what was tried, not a plan to follow)."""
        if self.met:
            return (f"This plan keeps the {self.what} within {self.target_h:g} h every year: "
                    "hire as listed ('decide').")
        missed = self.years[~self.years["met"]]
        worst = missed.loc[missed["bound_h"].idxmax()]
        return textwrap.fill(
            f"No plan offered: {len(missed)} of {len(self.years)} years miss the "
            f"{self.target_h:g} h target (worst {int(worst['year'])}: 95% bound "
            f"{worst['bound_h']:,.1f} h, {worst['bound_h'] - self.target_h:,.1f} h over). "
            "The hires listed are what the search kept, not a plan that meets the target; "
            "when more specialists do not help, the time goes to other stages (records, "
            "appointments: see sosim run's 'where the time goes').", 96)


def _bound(values: pd.Series) -> tuple[float, float]:
    """(mean, upper end of the 95% t-interval) of one KPI across replications."""
    x = values.dropna().to_numpy(dtype=float)
    if len(x) == 0:
        return math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, mean
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return mean, mean + float(half)


def hiring_kpis(scenario: Scenario) -> list[str]:
    """The KPIs a hiring target may be on: :data:`KPI`, and per channel and priority class.

    >>> hiring_kpis(sim.load_scenario("scenarios/baseline.yaml"))[:2]
    ['time_to_opinion_h.p90', 'channel.online_portal.time_to_opinion_h.p90']
    """
    mix = scenario.demand.mix
    return [KPI, *(f"channel.{c}.{KPI}" for c in mix.channel),
            *(f"class.{c}.{KPI}" for c in (mix.priority or {}))]


def _cohort(cases: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The cases ``kpi`` is measured on (its channel's or class's, else all)."""
    group, name = kpi.split(".")[:2]
    if group in ("channel", "class"):
        return cases[cases["channel" if group == "channel" else "priority"].astype(str) == name]
    return cases


def _worst_queue(cases: pd.DataFrame, horizon_h: float, candidates: set[str]) -> str | None:
    """The queue (``pool/line``) whose cohort cases wait longest for a specialist (p90)."""
    routed = cases[~cases["warmup"] & cases["queue_h"].notna()]
    if routed.empty:
        return None
    start = routed["review_start_h"].to_numpy(dtype=float)
    wait = np.where(np.isnan(start), horizon_h, start) - routed["queue_h"].to_numpy(dtype=float)
    queue = routed["pool"].astype(str).to_numpy() + "/" + \
        routed["service_line"].astype(str).to_numpy()
    frame = pd.DataFrame({"queue": queue, "wait": wait})
    p90 = frame.groupby("queue")["wait"].quantile(0.9).sort_values(ascending=False)
    return next((q for q in p90.index if q in candidates), None)


def plan_hiring(scenario: Scenario, target_h: float, replications: int = 3,
                seed: int | None = None, max_hires: int = 200,
                progress: Callable[[str], None] | None = None, kpi: str = KPI) -> HiringPlan:
    """Find a hiring plan keeping ``kpi`` (one of :func:`hiring_kpis`) under ``target_h``
    hours every year."""
    from sim.timeline import year_scenario

    if kpi not in (allowed := hiring_kpis(scenario)):
        from sim.scenario.suggest import unknown

        raise ValueError(f"{unknown('hiring KPI', kpi, allowed)}; a hiring target is on one "
                         f"of {', '.join(allowed)}")
    tl = scenario.timeline
    if tl is None:
        raise ValueError("a hiring search needs a timeline section (first_year, last_year)")
    if tl.scale_staff:
        raise ValueError("scale_staff grows the staff by itself; turn it off to plan hiring")
    base = tl.hiring or Hiring()
    plan = {y: dict(v) for y, v in base.plan.items()}
    lead_years = math.ceil(base.lead_time_months / 12)
    queues = set(head_counts(scenario, tl.first_year, tl.first_year, base).heads)
    years, path = [], []
    added = 0

    def simulate(year: int) -> tuple[float, float, pd.DataFrame, float]:
        hiring = base.model_copy(update={"plan": plan})
        ledger = head_counts(scenario, tl.first_year, tl.last_year, hiring)
        s, _ = year_scenario(scenario, tl, year)
        res = run(year_with_staff(s, ledger, year), seed=seed, replications=replications)
        mean, bound = _bound(res.kpis[kpi])
        if progress:
            progress(f"  {year}, {added} hire(s) decided so far: p90 {mean:,.1f} h "
                     f"(bound {bound:,.1f} h)")
        return mean, bound, _cohort(res.cases, kpi), s.horizon_hours

    for year in range(tl.first_year, tl.last_year + 1):
        mean, bound, cases, horizon = simulate(year)
        path.append({"year": year, "step": "start", "queue": "", "p90_h": mean,
                     "bound_h": bound})
        recent: list[tuple[int, str]] = []
        best = bound
        note = ""
        while not bound <= target_h:
            if added >= max_hires:
                note = f"stopped after {max_hires} hires"
                break
            q = _worst_queue(cases, horizon, queues)
            if q is None:
                note = "no queue to hire into"
                break
            when = max(tl.first_year, year - lead_years)
            plan.setdefault(when, {})
            plan[when][q] = plan[when].get(q, 0) + 1
            added += 1
            recent.append((when, q))
            mean, bound, cases, horizon = simulate(year)
            path.append({"year": year, "step": f"hire in {when}", "queue": q, "p90_h": mean,
                         "bound_h": bound})
            if bound < best * 0.99:
                best, recent = bound, []
            elif len(recent) >= PATIENCE:  # hiring does not help: take these back
                for w, rq in recent:
                    plan[w][rq] -= 1
                added -= len(recent)
                mean, bound, cases, horizon = simulate(year)
                path.append({"year": year, "step": "undo", "queue": "", "p90_h": mean,
                             "bound_h": bound})
                note = (f"not attainable by hiring: {PATIENCE} more specialists did not lower "
                        "the bound by 1%")
                if year - lead_years < tl.first_year and base.lead_time_months > 0:
                    note += (f"; a hire decided in {tl.first_year} is productive only "
                             f"{base.lead_time_months:g} months later")
                break
        years.append({"year": year, "p90_h": mean, "bound_h": bound,
                      "met": bool(bound <= target_h), "note": note})
        if progress:
            progress(f"{year}: p90 {mean:,.1f} h (bound {bound:,.1f} h)")
    plan = {y: {q: n for q, n in v.items() if n} for y, v in sorted(plan.items())}
    hiring = base.model_copy(update={"plan": plan})
    ledger = head_counts(scenario, tl.first_year, tl.last_year, hiring)
    return HiringPlan(target_h=target_h, plan=plan, years=pd.DataFrame(years),
                      staff=ledger.table, path=pd.DataFrame(path), hiring=hiring, kpi=kpi)
