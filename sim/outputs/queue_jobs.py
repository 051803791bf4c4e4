"""The visits of one specialist queue, rebuilt from the case table alone.

The run invariants (:mod:`sim.outputs.invariants`), the queue-length KPI
(:mod:`sim.outputs.kpis`) and the queue figure (:mod:`sim.outputs.figures`) all read a
queue's history the same way: each visit (a review, or a misroute screen) with when it
joined, was taken, ended and, if its patient gave up, left. This module builds that history
(:class:`Jobs`, :func:`queue_jobs`) and sweeps it (:func:`occupancy`, :func:`waits`), so
the KPIs measure exactly what the invariants check.

Example:
    >>> import numpy as np
    >>> join = np.array([0.0, 0.0, 1.0]); seize = np.array([0.0, 2.0, 3.0])
    >>> end = np.array([2.0, 3.0, 4.0])
    >>> t, waiting, busy = occupancy(join, seize, end)
    >>> t.tolist(), waiting.tolist(), busy.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0], [1, 2, 1, 0, 0], [1, 1, 1, 1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.engine.model import Replication

TOL_H = 1e-7  # clock hours: two instants closer than this are the same instant (float noise)


class InvariantError(RuntimeError):
    """A run broke a property every run must have: a bug in the engine, never a user error."""


class ConservationError(InvariantError):
    """Cases were lost or double-counted."""


@dataclass(frozen=True)
class Jobs:
    """The visits of one specialist queue, from the case table (reviews and misroute screens).

    Times not reached by the horizon are ``inf``; ``case`` is the case's row number.
    """

    case: np.ndarray
    priority: np.ndarray  # 0 urgent, 1 routine
    join_h: np.ndarray
    seize_h: np.ndarray
    end_h: np.ndarray
    effort_h: np.ndarray
    leave_h: np.ndarray  # when a waiting patient gave up (drop-out), else inf
    # when the slot the case booked in its contract's weekly cap opens (a case held for
    # next week's slot waits in the queue, but no specialist may take it before); NaN: no
    # cap, inf: after the horizon
    slot_h: np.ndarray
    review: np.ndarray  # True for a review, False for a misroute screen (which books no slot)

    @property
    def wait_end_h(self) -> np.ndarray:
        """When each wait ended: taken by a specialist or given up, whichever came first."""
        return np.minimum(self.seize_h, self.leave_h)

    @property
    def ready_h(self) -> np.ndarray:
        """When each case may be taken: when it joined, or its contract slot opened."""
        return np.where(np.isnan(self.slot_h), self.join_h, self.slot_h)

    @property
    def eligible_h(self) -> np.ndarray:
        """When each case began to wait for a specialist: its slot opened (or it gave up
        before that, then its wait for a specialist is empty)."""
        return np.minimum(self.ready_h, self.wait_end_h)

    def __len__(self) -> int:
        return len(self.case)


def _inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), np.inf, x)


_COLUMNS = ("queue_h", "seize_h", "review_end_h", "review_effort_h", "screen_queue_h",
            "screen_seize_h", "screen_end_h")
"""The case-table columns a queue's visits are read from."""


def _columns(cases: pd.DataFrame) -> dict[str, np.ndarray]:
    """The case-table columns :func:`queue_jobs` reads, each fetched once."""
    out = {name: cases[name].to_numpy() for name in _COLUMNS}
    out["priority"] = cases["priority"].cat.codes.to_numpy()
    # a patient who gives up leaves the queue it waits in (the review's, or the screen's)
    out["gave_up"] = (cases["abandoned_h"].to_numpy() if "abandoned_h" in cases
                      else np.full(len(cases), np.nan))
    return out


def queue_jobs(rep: Replication, cases: pd.DataFrame, queue: int,
               horizon_h: float = np.inf) -> Jobs:
    """Every visit to specialist queue ``queue`` in one replication, in case order."""
    return _queue_jobs(rep, _columns(cases), queue, horizon_h)


def every_queue_jobs(rep: Replication, cases: pd.DataFrame, queues: int,
                     horizon_h: float = np.inf) -> list[Jobs]:
    """:func:`queue_jobs` of queues ``0..queues-1``, the case table's columns read once.

    Example:
        >>> rep, plan = results.replications[0], results.plan
        >>> cases = results.cases[results.cases["replication"] == rep.index]
        >>> jobs = every_queue_jobs(rep, cases, len(plan.queues), plan.horizon_h)
        >>> len(jobs) == len(plan.queues), jobs[2].case.tolist() == queue_jobs(
        ...     rep, cases, 2, plan.horizon_h).case.tolist()
        (True, True)
    """
    columns = _columns(cases)
    return [_queue_jobs(rep, columns, q, horizon_h) for q in range(queues)]


def _queue_jobs(rep: Replication, cols: dict[str, np.ndarray], queue: int,
                horizon_h: float) -> Jobs:
    r = rep.records
    rev = np.flatnonzero(r.queue == queue)
    scr = np.flatnonzero(r.screen_queue == queue)
    prio, gave_up = cols["priority"], cols["gave_up"]

    def col(name: str, rows: np.ndarray) -> np.ndarray:
        return cols[name][rows]

    leave = np.concatenate([
        np.where(np.isnan(col("seize_h", rev)), gave_up[rev], np.nan),
        np.where(np.isnan(col("screen_seize_h", scr)) & np.isnan(col("queue_h", scr)),
                 gave_up[scr], np.nan)])

    join = _inf(np.concatenate([col("queue_h", rev), col("screen_queue_h", scr)]))
    # a contract's weekly cap: the slot each review booked (the engine's record; checked
    # against the cap by check_contract), not reached by the horizon: never
    slot = rep.records.slot_open_h[rev]
    slot = np.where(slot < horizon_h, slot, np.where(np.isnan(slot), np.nan, np.inf))
    return Jobs(
        case=np.concatenate([rev, scr]),
        priority=np.concatenate([prio[rev], prio[scr]]),
        join_h=join,
        seize_h=_inf(np.concatenate([col("seize_h", rev), col("screen_seize_h", scr)])),
        end_h=_inf(np.concatenate([col("review_end_h", rev), col("screen_end_h", scr)])),
        effort_h=np.concatenate([col("review_effort_h", rev), rep.draws.screen_h[scr]]),
        leave_h=_inf(leave),
        slot_h=np.concatenate([slot, np.full(len(scr), np.nan)]),
        review=np.arange(len(rev) + len(scr)) < len(rev),
    )


def occupancy(join_h: np.ndarray, seize_h: np.ndarray, end_h: np.ndarray,
              wait_end_h: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cases waiting and in service just after each distinct event time (a sweep).

    Returns the sorted distinct finite event times and, for the interval that starts at
    each, the number of cases waiting and the number held by a server. A wait ends at
    ``wait_end_h`` (default: when the case is taken; earlier if its patient gave up).
    """
    wait_end_h = seize_h if wait_end_h is None else wait_end_h
    times = np.concatenate([join_h, wait_end_h, seize_h, end_h])
    n = len(join_h)
    finite = np.flatnonzero(np.isfinite(times))
    order = finite[np.argsort(times[finite])]  # ties: only the state after them all is kept
    times, step = times[order], order // max(n, 1)  # step: joined, wait ended, seized, ended
    waiting = np.cumsum(np.array([1, -1, 0, 0])[step])
    busy = np.cumsum(np.array([0, 0, 1, -1])[step])
    last = np.ones(len(times), dtype=bool)  # the state after all the events at a time
    last[:-1] = times[1:] != times[:-1]
    return times[last], waiting[last], busy[last]


def waits(jobs: Jobs) -> tuple[np.ndarray, np.ndarray]:
    """Each wait for a specialist of the queue: (when it began, when it ended), ``inf`` when
    not by the horizon. A wait ends when a specialist takes the case or its patient gives
    up, whichever comes first; the queue-length KPI and figure are built from these."""
    return jobs.join_h, jobs.wait_end_h


def waiting_at(jobs: Jobs, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cases waiting at each instant ``t`` according to :func:`waits`, and whether a wait
    begins or ends within :data:`TOL_H` of it (where a count is a matter of float noise).

    Example:
        >>> rep = results.replications[0]
        >>> cases = results.cases[results.cases["replication"] == rep.index]
        >>> waiting, near = waiting_at(queue_jobs(rep, cases, 0), np.array([0.5, 1e6]))
        >>> waiting.tolist(), near.tolist()
        ([0, 3], [False, False])
    """
    begin, end = (np.append(np.sort(x), np.inf) for x in waits(jobs))
    begun = np.searchsorted(begin, t, "right")  # waits begun by each instant ...
    ended = np.searchsorted(end, t, "right")  # ... and ended by it
    near = np.zeros(len(t), dtype=bool)  # the nearest event either side of each instant
    for events, after in ((begin, begun), (end, ended)):
        near |= np.abs(events[np.maximum(after - 1, 0)] - t) <= TOL_H
        near |= np.abs(events[after] - t) <= TOL_H
    return begun - ended, near


def concat_jobs(parts: list[Jobs]) -> Jobs:
    """The visits of several queues as one (a contract's cap is shared by its pool's queues)."""
    return Jobs(*(np.concatenate([getattr(p, f.name) for p in parts])
                  for f in fields(Jobs)))
