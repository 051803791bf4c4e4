"""Absences in the engine: how many of a line's specialists are at work, day by day.

A pool's ``absences`` (the schema's ``rosters`` module) make its queues' server counts vary by
day. For each queue and simulated day (24 clock hours from hour 0), dated blocks send
``round(share x head-count)`` specialists away (overlapping blocks add up), and each
remaining specialist is away with probability ``rate``, drawn per specialist and day from
the queue's own child of the
``absences`` stream (``absences/<queue>``), so adding absences to one pool moves no other
draw. :func:`staff_by_day` gives the counts; :func:`roster_process` applies them to a
:class:`~sim.engine.pools.Staff` at the day boundaries where they change (a specialist
leaving finishes the case in hand first: nobody is pre-empted); :func:`available_hours`
counts the working hours they offer, for utilisation.

Example:
    >>> staff_by_day(servers=4, n_days=3, blocked=np.array([0, 2, 0]), rate=0.0,
    ...              rng=np.random.default_rng(0))
    array([4, 2, 4])
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.core.calendar import WorkCalendar
from sim.core.streams import stream_seed

if TYPE_CHECKING:
    from sim.engine.plan import Plan, QueueSpec
    from sim.engine.pools import Staff

__all__ = ["available_hours", "expected_presence", "roster_process", "schedules", "staff_by_day"]


def staff_by_day(servers: int, n_days: int, blocked: np.ndarray, rate: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Specialists at work each day: not blocked, and not away at ``rate`` that day."""
    heads = np.arange(servers)
    present = heads[None, :] >= blocked[:, None]  # the first `blocked` heads are away
    if rate > 0:
        present &= rng.random((n_days, servers)) >= rate
    return present.sum(axis=1)


def _blocked(plan: Plan, q: QueueSpec, n_days: int) -> np.ndarray:
    pool = plan.inputs.pools[q.pool]
    start = plan.start
    out = np.zeros(n_days, dtype=int)
    line = q.name.split("/", 1)[1]
    for b in pool.absences.blocks:
        if b.lines and line not in b.lines:
            continue
        d0 = max((b.start - start).days, 0)
        d1 = min((b.end - start).days + 1, n_days)
        if d1 > d0:  # overlapping blocks add up
            out[d0:d1] += int(math.floor(b.share * q.servers + 0.5))
    return np.minimum(out, q.servers)


def schedules(plan: Plan, seed: int, replication: int) -> tuple[np.ndarray | None, ...]:
    """Per queue, its specialists at work each day, or ``None`` if its pool has no absences."""
    n_days = math.ceil(plan.horizon_h / 24.0)
    out: list[np.ndarray | None] = []
    for q in plan.queues:
        a = plan.inputs.pools[q.pool].absences
        if a is None or (a.rate == 0 and not a.blocks):
            out.append(None)
            continue
        rng = np.random.Generator(np.random.PCG64(
            stream_seed(seed, replication, f"absences/{q.name}")))
        out.append(staff_by_day(q.servers, n_days, _blocked(plan, q, n_days), a.rate, rng))
    return tuple(out)


def roster_process(env: simpy.Environment, staff: Staff, by_day: np.ndarray
                   ) -> Generator[simpy.Event, None, None]:
    """Set ``staff``'s server count at each day boundary where it changes."""
    staff.set_servers(int(by_day[0]))
    changes = np.flatnonzero(np.diff(by_day)) + 1
    for d in changes.tolist():
        yield env.timeout(24.0 * d - env.now)
        staff.set_servers(int(by_day[d]))


def available_hours(cal: WorkCalendar, by_day: np.ndarray, t0: float, t1: float) -> float:
    """Specialist working hours offered in ``[t0, t1)``: each day's count x its open hours."""
    days = np.arange(len(by_day), dtype=float)
    lo = np.clip(24.0 * days, t0, t1)
    hi = np.clip(24.0 * days + 24.0, t0, t1)
    hours = np.asarray(cal.working_hours(hi)) - np.asarray(cal.working_hours(lo))
    return float((by_day * hours).sum())


def expected_presence(plan: Plan, q: QueueSpec) -> float:
    """Expected share of the queue's specialist-days at work over the horizon (for the
    capacity check, before any run): blocks by their days, the rate on the rest."""
    a = plan.inputs.pools[q.pool].absences
    if a is None or q.servers == 0:
        return 1.0
    n_days = math.ceil(plan.horizon_h / 24.0)
    blocked = _blocked(plan, q, n_days) if a.blocks else np.zeros(n_days, dtype=int)
    return float(((q.servers - blocked) * (1.0 - a.rate)).mean() / q.servers)
