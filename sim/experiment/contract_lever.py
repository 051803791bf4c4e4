"""A contract's weekly cap as a lever of the staffing search (``<pool> contract cap``).

For each outsourced pool whose ``contract`` sets ``cases_per_week``, the staffing search
(:mod:`sim.experiment.staffing`) may move the cap (scenario key
``pools.<pool>.contract.cases_per_week``) as it moves specialists. **One unit is 10% of the
scenario's cap, at least 1 case a week** (:func:`cap_unit`: a cap of 60 moves by 6), so a
search takes as many steps over a cap of 60 as over one of 600. The commitment
(``minimum_cases_per_year``) is a number of its own in the schema, not tied to the cap, so
it does not follow the cap: a smaller cap that sends fewer cases than were committed costs
the unused commitment, which the search's full cost counts.

Its metrics, over the cohort cases assigned to the pool: ``utilisation`` is the cap's use
(cases whose slot opened in the measured weeks over those weeks' caps; unlike
``contract.<pool>.cap_used_share``, which counts cases assigned, a case held for a week
after the horizon is not counted);
``specialist_wait_h`` the wait for the week's slot (from joining the pool until the week
with room opens: 0 unless the case was held for next week), and ``time_to_opinion_h`` that
of the pool's cases; the floor is no wait. Also reported: ``held_cases`` (held for a later
week), ``full_weeks_share`` (measured weeks whose cap was reached) and ``overflow_cases``
(cases of the pool's lines routed to another pool while its week was full: an upper bound
on the cases the cap sent elsewhere, since some would have gone elsewhere anyway).

A ``pools`` filter naming the pool, or ``contracts``, searches its cap.

Example:
    >>> cap_unit(60), cap_unit(5), cap_key("outsourced contract cap")
    (6, 1, 'pools.outsourced.contract.cases_per_week')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.experiment.targets import stats_row

SUFFIX = " contract cap"
CONTRACTS_FILTER = "contracts"
WEEK_H = 168.0


def cap_unit(cases_per_week: int) -> int:
    """One step of a cap: 10% of the scenario's cap, at least one case a week."""
    return max(1, round(0.1 * cases_per_week))


def cap_key(name: str) -> str | None:
    """The scenario key of a cap lever (``None``: not one)."""
    if name.endswith(SUFFIX):
        return f"pools.{name.removesuffix(SUFFIX)}.contract.cases_per_week"
    return None


def cap_levers(plan, pools: Sequence[str] | None) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """(name, cap now, unit) of each capped pool the filter selects (module docstring)."""
    out = []
    for name, cap in zip(plan.pools, plan.caps, strict=True):
        if cap is not None and (pools is None or CONTRACTS_FILTER in pools or name in pools):
            out.append((f"{name}{SUFFIX}", cap.per_week, cap_unit(cap.per_week)))
    return out


def _full_from(queue_h: np.ndarray, slot_h: np.ndarray, per_week: int) -> dict[int, float]:
    """Per week whose cap was reached: when the booking that filled it was made."""
    week = (slot_h // WEEK_H).astype(int)
    out = {}
    for w in np.unique(week):
        booked = np.sort(queue_h[week == w])
        if len(booked) >= per_week:
            out[int(w)] = float(booked[per_week - 1])
    return out


def cap_metrics(plan, rep, tto: np.ndarray, replication: int) -> list[dict]:  # noqa: ANN001
    """One row per capped pool of one replication (module docstring); ``tto``: each case's
    time to opinion so far."""
    t0, t1 = plan.warmup_h, plan.horizon_h
    r = rep.records
    cohort = rep.cases.arrival_h >= t0
    pool_of = np.array([q.pool for q in plan.queues] + [-1])
    line_of = np.array([q.line for q in plan.queues] + [-1])
    queue = np.where(r.queue >= 0, r.queue, len(plan.queues))
    rows = []
    for p, (name, cap) in enumerate(zip(plan.pools, plan.caps, strict=True)):
        if cap is None:
            continue
        in_pool = pool_of[queue] == p
        booked = in_pool & ~np.isnan(r.slot_open_h)
        full = _full_from(r.queue_h[booked], r.slot_open_h[booked], cap.per_week)
        inside = booked & (r.slot_open_h >= t0) & (r.slot_open_h < t1)
        weeks = (t1 - t0) / WEEK_H
        measured = range(int(t0 // WEEK_H), int(np.ceil(t1 / WEEK_H)))
        mine = cohort & in_pool & ~np.isnan(r.queue_h)
        wait = np.fmin(np.nan_to_num(r.slot_open_h[mine], nan=t1), t1) - r.queue_h[mine]
        when = np.nan_to_num(r.queue_h, nan=-1.0)
        week = (when // WEEK_H).astype(int)
        filled = np.array([full.get(w, np.inf) for w in week]) <= when
        elsewhere = cohort & (pool_of[queue] != p) & (pool_of[queue] >= 0) & np.isin(
            line_of[queue], line_of[:-1][pool_of[:-1] == p]) & filled
        rows.append(stats_row(
            {"replication": replication, "queue": f"{name}{SUFFIX}", "servers": cap.per_week,
             "utilisation": float(inside.sum()) / (cap.per_week * weeks),
             "cases": int(mine.sum()), "held_cases": int((wait > 0).sum()),
             "full_weeks_share": float(np.mean([w in full for w in measured])),
             "overflow_cases": int(elsewhere.sum())},
            {"specialist_wait_h": wait, "time_to_opinion_h": tto[mine],
             "floor.specialist_wait_h": np.zeros(len(wait)),
             "floor.time_to_opinion_h": tto[mine] - wait}))
    return rows
