"""Key performance indicators, per replication and across replications.

Time KPIs are measured on the *cohort*: cases that arrive after the warm-up.
Utilisation, queue length and throughput are measured over the *window* from
the end of the warm-up to the horizon. Every KPI is a flat, dotted name
(``time_to_opinion_h.p90``, ``utilisation.in_house``) so that replications
stack into one table and comparisons line up.

- ``time_to_match_h.*`` / ``time_to_opinion_h.*``: mean, p50, p90, p95 over
  cohort cases that reached the milestone;
- ``records_to_match_h.*``: the same from complete records to the right match,
  the span the seeds' "30 minutes vs 5-10 business days" claim is about;
- ``within_target.match`` / ``within_target.opinion``: share of cohort cases
  that met the target, among those whose result is known (a case still open
  but already past the target counts as a miss; one still open and within it
  is left out);
- ``stage_h.*``: mean hours of each stage over delivered cohort cases; the
  stages add up exactly to ``time_to_opinion_h.mean``, which shows where the
  time goes;
- ``utilisation.<pool>``: specialist working hours spent on cases over
  working hours available on the pool's calendar (calendar-aware);
- ``queue_length.<pool>``: time-average number of cases waiting for a
  specialist of the pool (a wait ends when a specialist takes the case or its patient gives
  up);
- ``outsourced_share``, ``misrouted_share``, ``throughput_per_week``,
  ``arrivals``, ``delivered``, ``in_system_end``;
- with an ``abandonment`` section: ``abandoned``, ``abandoned_share`` and its split by stage
  (``abandoned_share.<stage>``) and by triage (``abandoned_share.triaged_by.<who>``);
- with a ``priorities`` section: ``class.<c>.*``, each class against its own service level;
- with more than one channel: ``channel.<c>.*``, each channel's cases, time to opinion, share
  within the opinion target and (with drop-out) abandoned share.

Example:
    >>> import pandas as pd
    >>> s = summarise(pd.DataFrame({"time_to_opinion_h.mean": [50.0, 54.0, 52.0]}))
    >>> s.loc["time_to_opinion_h.mean", ["mean", "half_width"]].round(2).tolist()
    [52.0, 4.97]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.core.clock import HOURS_PER_WEEK
from sim.core.intervals import t_half_width
from sim.engine.model import Replication
from sim.engine.plan import Plan
from sim.engine.rosters import available_hours
from sim.engine.stages import SPANS
from sim.outputs.busy import every_queue_busy_hours
from sim.outputs.contracts import contract_kpis
from sim.outputs.economics import economics_kpis
from sim.outputs.queue_jobs import ConservationError, InvariantError, every_queue_jobs, waits

__all__ = ["ConservationError", "InvariantError", "replication_kpis", "summarise"]

QUANTILES = {"p50": 50, "p90": 90, "p95": 95}


def _describe(prefix: str, x: np.ndarray) -> dict[str, float]:
    x = x[~np.isnan(x)]
    if not len(x):
        return {f"{prefix}.mean": np.nan, **{f"{prefix}.{k}": np.nan for k in QUANTILES}}
    out = {f"{prefix}.mean": float(x.mean())}
    # one partition for all three (each value as np.percentile(x, q) alone gives it)
    for name, value in zip(QUANTILES, np.percentile(x, list(QUANTILES.values())), strict=True):
        out[f"{prefix}.{name}"] = float(value)
    return out


def _within(elapsed: np.ndarray, age_at_end: np.ndarray, target: float) -> float:
    """Share within target among cases whose result is known at the horizon."""
    met = elapsed <= target
    missed = (elapsed > target) | (np.isnan(elapsed) & (age_at_end > target))
    known = met.sum() + missed.sum()
    return float(met.sum() / known) if known else np.nan


def _overlap(start: np.ndarray, end: np.ndarray, t0: float, t1: float) -> float:
    ok = ~np.isnan(start)
    a = np.clip(start[ok], t0, t1)
    b = np.clip(np.where(np.isnan(end[ok]), t1, end[ok]), t0, t1)
    return float(np.sum(b - a))


def replication_kpis(plan: Plan, rep: Replication, cases: pd.DataFrame) -> dict[str, float]:
    """All KPIs of one replication, from its case table, records and the engine's counts.

    Measuring only: the run invariants are a step of their own, before this one
    (:meth:`sim.outputs.results.Results.check`).
    """
    out: dict[str, float] = {"replication": rep.index}
    out.update(_time_kpis(plan, cases))
    # counted by the engine (journeys begun and not ended, cases not yet ready), not as
    # arrivals - delivered: check_run holds the three counts to each other
    out["in_system_end"] = float(rep.counts.in_system)
    out.update(_flow_kpis(plan, cases))
    busy = every_queue_busy_hours(plan, rep, plan.warmup_h, plan.horizon_h)  # read twice
    out.update(_pool_kpis(plan, rep, cases, busy))
    if plan.records_team is not None or plan.diaries:  # sim.outputs.access
        from sim.outputs.access import access_kpis

        out.update(access_kpis(plan, rep, cases))
    if plan.scenario.economics is not None:
        out.update(economics_kpis(plan, cases, rep, busy))
    if any(p.contract for p in plan.scenario.pools.values()):
        out.update(contract_kpis(plan, cases))
    return out


def _time_kpis(plan: Plan, cases: pd.DataFrame) -> dict[str, float]:
    """Counts, times to match and to opinion, targets met and stage means (the cohort)."""
    s, t1 = plan.scenario, plan.horizon_h
    cohort = ~cases["warmup"].to_numpy()
    delivered = cases["status"].cat.codes.to_numpy() == 0
    done = cohort & delivered

    def col(name: str, rows: np.ndarray = cohort) -> np.ndarray:
        # one column's rows at a time: a million-case table is never copied whole
        return cases[name].to_numpy()[rows]

    def codes(name: str) -> pd.Categorical:  # a categorical's cohort rows, as categorical
        return cases[name].array[cohort]

    gave_up = cases["status"].cat.codes.to_numpy() == 2  # drop-out (abandonment section)
    age = np.where(gave_up[cohort], np.nan, t1 - col("arrival_h"))  # abandoned: no verdict
    out: dict[str, float] = {}
    out["arrivals"] = float(len(cases))
    out["delivered"] = float(delivered.sum())
    out["cohort_cases"] = float(cohort.sum())
    if s.abandonment is not None:
        out.update(abandonment_kpis(cases, cohort, gave_up))
    if s.priorities is not None:
        out.update(class_kpis(plan, codes("priority"), col("time_to_opinion_h"), age))
    if len(plan.channels) > 1:
        out.update(channel_kpis(plan, codes("channel"), col("time_to_opinion_h"), age,
                                gave_up[cohort] if s.abandonment is not None else None))
    for kpi in ("time_to_match_h", "records_to_match_h", "time_to_opinion_h"):
        out.update(_describe(kpi, col(kpi)))
    out["within_target.match"] = _within(col("time_to_match_h"), age,
                                         s.targets.time_to_match_hours)
    out["within_target.opinion"] = _within(col("time_to_opinion_h"), age,
                                           s.targets.time_to_opinion_hours)
    if done.any():
        out.update(stage_means(lambda name: col(name, done)))
    out["review_effort_h.mean"] = float(col("review_effort_h", done).mean()) if done.any() \
        else np.nan
    return out


def _flow_kpis(plan: Plan, cases: pd.DataFrame) -> dict[str, float]:
    """Where cohort cases went (outsourced, misrouted) and opinions a week in the window."""
    t0, t1 = plan.warmup_h, plan.horizon_h
    cohort = ~cases["warmup"].to_numpy()
    out: dict[str, float] = {}
    kind = cases["pool_kind"].cat.codes.to_numpy()[cohort]  # -1 not routed yet, 1 outsourced
    out["outsourced_share"] = float((kind[kind >= 0] == 1).mean()) if (kind >= 0).any() \
        else np.nan
    out["misrouted_share"] = float(cases["misrouted"].to_numpy()[cohort].mean()) \
        if cohort.any() else np.nan
    window_weeks = (t1 - t0) / HOURS_PER_WEEK
    ends = cases["review_end_h"].to_numpy()
    out["throughput_per_week"] = float(np.sum((ends >= t0) & (ends < t1)) / window_weeks)
    return out


def _pool_kpis(plan: Plan, rep: Replication, cases: pd.DataFrame,
               busy_hours: list[tuple[float, float]]) -> dict[str, float]:
    """Each pool's utilisation (calendar-aware) and time-average queue length in the window.

    The queue length adds up the waits (:func:`sim.outputs.queue_jobs.waits`: from joining
    to service or give-up, the waits the run invariants held to the engine's counts).
    """
    t0, t1 = plan.warmup_h, plan.horizon_h
    out: dict[str, float] = {}
    jobs = every_queue_jobs(rep, cases, len(plan.queues), t1)
    for p, pool in enumerate(plan.pools):
        qs = [q for q in plan.queues if q.pool == p]
        busy = 0.0
        waiting = 0.0
        available = 0.0
        for q in qs:
            cal = plan.queue_calendar(q)  # the pool's, or the line's sessions
            review, screening = busy_hours[q.index]
            busy += review
            busy += screening
            waiting += _overlap(*waits(jobs[q.index]), t0, t1)
            by_day = rep.staff_days[q.index] if rep.staff_days else None
            available += q.servers * float(cal.working_hours_between(t0, t1)) \
                if by_day is None else available_hours(cal, by_day, t0, t1)
        out[f"utilisation.{pool}"] = busy / available if available > 0 else np.nan
        out[f"queue_length.{pool}"] = waiting / (t1 - t0)
    return out


def _codes(values: pd.Categorical | np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Codes of ``values`` into ``names`` (a categorical of these very categories: its own)."""
    if isinstance(values, pd.Categorical) and values.categories.tolist() == list(names):
        return values.codes
    return pd.Categorical(values, categories=list(names)).codes


def class_kpis(plan: Plan, priority: pd.Categorical | np.ndarray, tto: np.ndarray,
               age: np.ndarray) -> dict[str, float]:
    """Each priority class against its own service level (``priorities.<c>.time_to_opinion_hours``).

    ``class.<c>.within_sla`` counts like ``within_target.opinion`` (cases whose result is
    known at the horizon; abandoned ones left out).
    """
    out: dict[str, float] = {}
    codes = _codes(priority, plan.priorities)
    for k, (name, sla) in enumerate(plan.sla_hours().items()):
        rows = codes == k
        out[f"class.{name}.cases"] = float(rows.sum())
        out[f"class.{name}.sla_hours"] = sla
        out.update(_describe(f"class.{name}.time_to_opinion_h", tto[rows]))
        out[f"class.{name}.within_sla"] = _within(tto[rows], age[rows], sla)
    return out


def channel_kpis(plan: Plan, channel: pd.Categorical | np.ndarray, tto: np.ndarray,
                 age: np.ndarray, gave_up: np.ndarray | None) -> dict[str, float]:
    """Each channel's cohort cases, time to opinion, opinions within target and drop-out.

    ``channel.<c>.within_target`` counts like ``within_target.opinion``;
    ``channel.<c>.abandoned_share`` (with drop-out) is over the channel's cohort arrivals.
    """
    out: dict[str, float] = {}
    codes = _codes(channel, plan.channels)
    target = plan.scenario.targets.time_to_opinion_hours
    for k, name in enumerate(plan.channels):
        rows = codes == k
        out[f"channel.{name}.cases"] = float(rows.sum())
        out.update(_describe(f"channel.{name}.time_to_opinion_h", tto[rows]))
        out[f"channel.{name}.within_target"] = _within(tto[rows], age[rows], target)
        if gave_up is not None:
            out[f"channel.{name}.abandoned_share"] = (float(gave_up[rows].mean())
                                                       if rows.any() else np.nan)
    return out


def abandonment_kpis(cases: pd.DataFrame, cohort: np.ndarray,
                     gave_up: np.ndarray) -> dict[str, float]:
    """Drop-out among cohort cases: overall, by the stage where it happened, by triage.

    ``abandoned_share`` is over all cohort arrivals (cases still in the system at the
    horizon count in the denominator: they have not abandoned yet);
    ``abandoned_share.<stage>`` splits it by stage, so the stages add up to it.
    """
    from sim.scenario.abandonment import STAGES

    out = {"abandoned": float(gave_up.sum())}
    n = cohort.sum()
    stage = cases["abandoned_at"].cat.codes.to_numpy()[cohort]
    out["abandoned_share"] = float(gave_up[cohort].mean()) if n else np.nan
    for k, name in enumerate(STAGES):
        out[f"abandoned_share.{name}"] = float((stage == k).mean()) if n else np.nan
    triaged_by = cases["triaged_by"].cat
    by = triaged_by.codes.to_numpy()[cohort]
    for name in ("ai", "coordinator"):
        rows = by == triaged_by.categories.get_loc(name)
        if rows.any():
            out[f"abandoned_share.triaged_by.{name}"] = float(gave_up[cohort][rows].mean())
    return out


def stage_means(column: Callable[[str], np.ndarray]) -> dict[str, float]:
    """Mean hours per stage of delivered cases; the stages sum to the mean time to opinion.

    ``column(name)`` gives the delivered cases' values of a case-table column. The
    stages are :data:`sim.engine.stages.SPANS`; a stage a case skipped (no triage)
    takes no time.
    """
    out = {}
    before = column("arrival_h")
    for name, end_column in SPANS:
        end = column(end_column)
        end = np.where(np.isnan(end), before, end)
        out[f"stage_h.{name}"] = float((end - before).mean())
        before = end
    return _appointment_span(column, out)


def _appointment_span(column: Callable[[str], np.ndarray],
                      spans: dict[str, float]) -> dict[str, float]:
    """Split the wait for an appointment slot (sim.engine.access) out of the misroute span.

    The slot wait lies between the right match and the specialist queue; without an
    ``appointments`` section the case table has no ``appointment_start_h`` and nothing changes.
    """
    try:
        slot = column("appointment_start_h")
    except KeyError:
        return spans
    queue = column("queue_h")
    appointment = float(np.mean(queue - np.where(np.isnan(slot), queue, slot)))
    out = {}
    for key, value in spans.items():
        if key == "stage_h.misroute_rework":
            out[key] = value - appointment
            out["stage_h.appointment"] = appointment
        else:
            out[key] = value
    return out


def summarise(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd and t-interval of each KPI column across replications (rows)."""
    n = kpis.count()
    mean = kpis.mean()
    with np.errstate(invalid="ignore"):  # an infinite KPI (a salaried line's cost per
        sd = kpis.std(ddof=1)            # opinion with no opinion) has no sd: NaN, silently
    half = t_half_width(sd, n, confidence)
    return pd.DataFrame({"mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half,
                         "half_width": half, "n": n})
