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
from collections.abc import Callable

from sim.engine.policies.triage import compile_triage
from sim.loading import check_derived
from sim.market.demand import adoption_path
from sim.outputs.results import Results
from sim.outputs.runner import run
from sim.scenario.access import Slots
from sim.scenario.loader import Document
from sim.scenario.models import Scenario, Timeline
from sim.timeline.headcounts import head_counts, year_with_staff
from sim.timeline.report import (  # the text, figure and files of a multi-year run
    format_staff,
    format_timeline,
    timeline_figure,
    write_timeline,
)
from sim.timeline.results import HEADLINE, TimelineResults


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


__all__ = ["HEADLINE", "TimelineResults", "format_staff", "format_timeline", "run_timeline",
           "scale_staff", "timeline_figure", "write_timeline", "year_scenario"]
