"""What the staffing search measures of one replication, per queue and lever.

Per specialist queue (one pool's specialists for one service line): its utilisation (busy
hours over the hours its specialists were at work, absences and sessions counted), and the
mean and quantiles of its cohort cases' wait for a specialist and time to opinion (a case
still waiting at the horizon counts with the time it has waited so far), with the *floor*
of each: what they would be if every case started review the moment the queue's calendar
next opened. Levers (navigators, diary slots, contract caps) add their rows
(:func:`sim.experiment.levers.lever_metrics`), and with economics every row carries the
run's full cost per opinion and the cost of one unit of its queue
(:mod:`sim.experiment.staffing_cost`). :mod:`sim.experiment.staffing` searches on these.

Example:
    >>> queue_key("in_house/oncology")
    'pools.in_house.specialists.oncology'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.levers import lever_key, lever_metrics
from sim.experiment.staffing_cost import COST, UNIT_COST, plan_costs
from sim.experiment.targets import STATS
from sim.scenario import Scenario

__all__ = ["queue_key", "queue_metrics"]


def queue_key(plan_queue_name: str) -> str:
    """The scenario key holding a queue's specialists.

    >>> queue_key("in_house/oncology")
    'pools.in_house.specialists.oncology'
    >>> queue_key("in_house/neurology/movement_disorders")
    'pools.in_house.subspecialists.neurology.movement_disorders'
    >>> queue_key("records team")   # a lever (sim.experiment.levers)
    'intake.team.navigators'
    """
    if (key := lever_key(plan_queue_name)) is not None:
        return key
    pool, *line = plan_queue_name.split("/")
    if len(line) == 1:
        return f"pools.{pool}.specialists.{line[0]}"
    return f"pools.{pool}.subspecialists.{line[0]}.{line[1]}"


def queue_metrics(scenario: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """Simulate one replication; per queue: utilisation and wait / time-to-opinion stats."""
    from sim.engine.rosters import available_hours
    from sim.outputs.busy import queue_busy_hours
    from sim.outputs.runner import run_replications

    res = run_replications(scenario, seed, (replication,))
    plan, rep = res.plan, res.replications[0]
    r, t0, t1 = rep.records, plan.warmup_h, plan.horizon_h
    arrival = rep.cases.arrival_h
    cohort = arrival >= t0
    rows = []
    for q in plan.queues:
        cal = plan.queue_calendar(q)  # the sessions' calendar if any
        rows_q = r.queue == q.index
        review, screening = queue_busy_hours(plan, rep, q.index, t0, t1)
        busy = review + screening
        by_day = rep.staff_days[q.index] if rep.staff_days else None
        available = q.servers * float(cal.working_hours_between(t0, t1)) if by_day is None \
            else available_hours(cal, by_day, t0, t1)  # absences: those at work
        row = {"replication": replication, "queue": q.name, "servers": q.servers,
               "utilisation": busy / available if available > 0 else np.nan}
        mine = rows_q & cohort & ~np.isnan(r.queue_h)
        # as in the case table: from joining the queue to the review starting (calendar
        # pauses included)
        # (a review under way at the horizon has its end, even its start, recorded beyond it:
        # count only up to the horizon, as for a case still waiting)
        started = np.fmin(r.review_start_h, t1)
        wait = np.where(np.isnan(started), t1, started)[mine] - r.queue_h[mine]
        tto = np.where(np.isnan(r.review_end_h), t1, np.fmin(r.review_end_h, t1))[mine] - \
            arrival[mine]
        # the least wait any staffing allows: until the pool's calendar next opens
        least = np.minimum(np.asarray(cal.next_open(r.queue_h[mine]), dtype=float), t1) - \
            r.queue_h[mine]
        row["cases"] = int(mine.sum())
        for name, x in (("specialist_wait_h", wait), ("time_to_opinion_h", tto),
                        ("floor.specialist_wait_h", least),
                        ("floor.time_to_opinion_h", tto - wait + least)):
            row[f"{name}.mean"] = float(x.mean()) if len(x) else np.nan
            for s in STATS[1:]:
                row[f"{name}.{s}"] = float(np.percentile(x, int(s[1:]))) if len(x) else np.nan
        rows.append(row)
    if plan.records_team is not None or plan.diaries or any(plan.caps):  # levers
        rows += lever_metrics(plan, rep, res.cases, replication)
    cost, units = plan_costs(res)  # full cost (with economics), and each unit's
    return pd.DataFrame(rows).assign(**{COST: cost}).assign(
        **{UNIT_COST: lambda d: d["queue"].map(units).fillna(0.0)})
