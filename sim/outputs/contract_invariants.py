"""Run invariants of a contract's weekly cap, from the slots the engine recorded.

Every review sent to a capped pool booked a slot, at once or at the start of a later week;
no week has more bookings than the cap; a case is held only past weeks that are fully
booked; no case is taken before its slot opens. A step of :func:`sim.outputs.invariants.check_run`.

Example:
    >>> check_contract.__name__
    'check_contract'
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.engine.contracts import WEEK_H
from sim.outputs.queue_jobs import TOL_H, InvariantError, Jobs


def check_contract(where: str, jobs: Jobs, per_week: int, horizon_h: float) -> None:
    """A contract's weekly cap, from the slots the engine recorded (``jobs``: the reviews of
    every queue of one pool, which share the cap).

    Every review booked a slot: at once, or held until a later week's start; no week has
    more than ``per_week`` bookings; a case is held only past weeks that are fully booked;
    and no case is taken before its slot opens. (That the specialists then take held cases
    as soon as they may, :func:`check_capacity_and_work` checks.)
    """
    rows = np.flatnonzero(jobs.review & np.isfinite(jobs.join_h))
    if not len(rows):
        return
    join, slot, seize = jobs.join_h[rows], jobs.slot_h[rows], jobs.seize_h[rows]

    def fail(k: int, what: str) -> None:
        raise InvariantError(f"{where}: case {int(jobs.case[rows[k]])} {what}")

    if len(bad := np.flatnonzero(np.isnan(slot))):
        fail(bad[0], f"joined the queue at {join[bad[0]]:.4f} h without a slot (contract "
                     f"slots broken)")
    if len(bad := np.flatnonzero(slot < join - TOL_H)):
        fail(bad[0], f"joined at {join[bad[0]]:.4f} h but its slot opened at "
                     f"{slot[bad[0]]:.4f} h, before (contract slots broken)")
    held = slot > join + TOL_H
    week_of_slot = np.where(held, np.rint(slot / WEEK_H), np.floor(join / WEEK_H))
    off = held & np.isfinite(slot)
    off[off] = np.abs(slot[off] - week_of_slot[off] * WEEK_H) > TOL_H
    if len(bad := np.flatnonzero(off)):
        fail(bad[0], f"was held until {slot[bad[0]]:.4f} h, not the start of a week "
                     f"(contract slots broken)")
    weeks = int(np.ceil(horizon_h / WEEK_H))  # weeks begun by the horizon
    dated = np.isfinite(week_of_slot)
    # a held case whose patient gave up before its slot opened gave the booking back then
    leave = jobs.leave_h[rows]
    released = held & dated & np.isfinite(leave) & (leave <= slot + TOL_H)
    kept = dated & ~released
    booked = np.bincount(week_of_slot[kept].astype(np.int64), minlength=weeks)
    if len(over := np.flatnonzero(booked > per_week)):
        w = int(over[0])
        fail(int(np.flatnonzero(kept & (week_of_slot == w))[per_week]),
             f"is case {per_week + 1} booked into week {w} (from {w * WEEK_H:.0f} h) but the "
             f"contract takes {per_week} cases a week (weekly cap broken)")
    _check_held_past_full_weeks(fail, join, slot, week_of_slot, held, released, leave,
                                per_week, weeks)
    if len(bad := np.flatnonzero(seize < slot - TOL_H)):
        k = bad[0]
        fail(k, f"was taken at {seize[k]:.4f} h before its slot opened at {slot[k]:.4f} h "
                f"(weekly cap broken)")


def _check_held_past_full_weeks(fail: Callable[[int, str], None], join: np.ndarray,
                                slot: np.ndarray,
                                week_of_slot: np.ndarray, held: np.ndarray,
                                released: np.ndarray, leave: np.ndarray, per_week: int,
                                weeks: int) -> None:
    """Each held case was held only past weeks fully booked when it joined: bookings made
    by then (``join``), less those given back by then (``leave`` of a released one).

    Counted for every (held case, week it was held past) pair at once: bookings and
    releases are keyed ``week * span + time`` and sorted, so a count is two binary searches.
    Ties at one instant count in the engine's favour (a booking made at the same instant
    counts, a release at the same instant does not), so the check never fails a correct run.
    """
    hk = np.flatnonzero(held)
    if not len(hk):
        return
    first = np.minimum(np.floor(join[hk] / WEEK_H), weeks).astype(np.int64)
    last = np.minimum(np.where(np.isfinite(week_of_slot[hk]), week_of_slot[hk], weeks),
                      weeks).astype(np.int64)
    gap = np.maximum(last - first, 0)  # weeks each was held past
    case = np.repeat(np.arange(len(hk)), gap)
    week = first[case] + np.arange(gap.sum()) - np.repeat(np.cumsum(gap) - gap, gap)
    span = 2.0 * (weeks + 1) * WEEK_H  # beyond any time: keys of one week never overlap
    dated = np.isfinite(week_of_slot)
    booked_at = np.sort(week_of_slot[dated] * span + join[dated])
    given_back = np.sort(week_of_slot[released] * span + leave[released])
    base, t = week * span, join[hk][case]
    count = (np.searchsorted(booked_at, base + t + TOL_H, side="right")
             - np.searchsorted(booked_at, base, side="left")
             - (np.searchsorted(given_back, base + t - TOL_H, side="left")
                - np.searchsorted(given_back, base, side="left")))
    if len(bad := np.flatnonzero(count < per_week)):
        b = bad[0]
        k = hk[case[b]]
        fail(k, f"joined at {join[k]:.4f} h and was held until {slot[k]:.4f} h although week "
                f"{int(week[b])} had {int(count[b])} of {per_week} cases booked (contract held "
                f"a case with room in the cap)")
