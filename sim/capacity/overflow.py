"""Overflow routing in the capacity check: what a first-choice queue absorbs, what spills.

Under ``routing.policy: overflow`` a case goes to its line's in-house queue
unless the router's expected wait there exceeds ``routing.overflow_wait_hours``
(clock hours); then it goes to an outsourced queue of the line. The in-house
queue is therefore a queue with a *time-varying buffer*: a case joins only when
few enough cases are ahead of it, and at night or before a weekend even a free
specialist may be too far away. :func:`spill_share` predicts the share of the
cases that may overflow which do, with a Markov chain on the number of cases at
the queue (``0..N``), stepped hour by hour from an empty queue over the
horizon:

- cases arrive at the queue's rate shaped by ``demand.profile`` (weekday, hour);
- a case that may overflow joins when the router's estimate (the same formula as
  :meth:`sim.engine.pools.SpecialistQueue.expected_wait_h`: the time to the
  calendar's next opening when a specialist is free, else ``(ahead + 1) /
  servers`` mean reviews of working time) is at most the threshold, and spills
  otherwise; a case that cannot overflow (its payer covers no outsourced queue
  of the line, or no outsourced queue staffs it) always joins;
- the specialists work ``min(n, servers)`` cases at rate ``1 / mean effort``
  during the calendar's working time, and hold them while it is closed.

Approximations, stated: efforts are taken as exponential, all cases as one
priority class, the queue's visits as following the platform's arrival profile
(intake and triage delays are ignored), and several first-choice queues of one
line as sharing its cases evenly. ``tests/capacity/test_overflow.py`` holds the
prediction against simulated runs.

Example:
    >>> from sim.core.calendar import WorkCalendar
    >>> share = spill_share(WorkCalendar.always(), servers=1, effort_h=1.0,
    ...                     router_effort_h=1.0, must_per_h=0.0, may_per_h=1.0,
    ...                     threshold_h=0.0, horizon_h=2000.0)
    >>> round(float(share), 2)        # M/M/1/1: Erlang B(1, 1) = 1/2
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.core.calendar import WorkCalendar

_MARGIN = 12
"""States kept above the largest admitted count, for cases that join whatever the wait."""


def _hour_operator(q: np.ndarray) -> np.ndarray:
    """``exp(q)`` for a generator ``q``, as ``(I + q / m)^m`` by squaring (m a power of 2).

    Each factor is a stochastic matrix when ``rate / m <= 1``; with ``rate / m <= 1/16`` the
    result is within about ``rate^2 / 2m`` of the exponential, and every entry stays a
    probability (a Pade approximant costs ten times more here).
    """
    rate = float(-q.diagonal().min()) if len(q) else 0.0
    j = max(0, math.ceil(math.log2(max(16 * rate, 1.0))))
    out = np.eye(len(q)) + q / 2**j
    for _ in range(j):
        out = out @ out
    return out


def _admitted(calendar: WorkCalendar, servers: int, router_effort_h: float, threshold_h: float,
              t: np.ndarray, counts: np.ndarray, admit_servers: int | None = None) -> np.ndarray:
    """``[step, state]``: whether a case that may overflow joins at ``t`` with ``counts`` there.

    With a specialist free the wait is until the calendar opens; otherwise the router's
    ``(ahead + 1) / servers`` mean reviews of working time end within the threshold exactly
    when the calendar has that much working time in the next ``threshold_h`` clock hours.
    """
    free_ok = np.asarray(calendar.next_open(t), dtype=float) - t <= threshold_h
    window = np.asarray(calendar.working_hours_between(t, t + threshold_h), dtype=float)
    work = (counts - servers + 1) / (admit_servers or servers) * router_effort_h
    return np.where(counts[None, :] < servers, free_ok[:, None],
                    work[None, :] <= window[:, None] + 1e-9)


MAX_STATES = 50
"""Above this many states the chain counts cases in blocks (large pools: nearly a fluid)."""


def spill_share(calendar: WorkCalendar, servers: int, effort_h: float, router_effort_h: float,
                must_per_h: float, may_per_h: float, threshold_h: float, horizon_h: float,
                warmup_h: float = 0.0,
                profile: Callable[[np.ndarray], np.ndarray] | None = None,
                admit_servers: int | None = None) -> float:
    """Predicted share of the cases that may overflow which do (module docstring).

    ``admit_servers``: the specialists the router's estimate divides by, when the cases
    may use fewer (``servers``) because some are held back for earlier classes.

    ``effort_h``: mean working hours a visit takes (reviews and screenings together);
    ``router_effort_h``: the mean review the router's estimate uses; ``must_per_h`` and
    ``may_per_h``: mean arrivals per hour of cases that always join and that may overflow;
    ``profile(t)``: the arrival rate's factor at clock times ``t`` (mean 1; flat if None).
    The share is over the arrivals in ``[warmup_h, horizon_h)``.
    """
    if may_per_h <= 0 or horizon_h <= warmup_h:
        return 0.0
    # the chain runs through warm-up and one year: the calendar repeats yearly after that
    horizon_h = min(horizon_h, warmup_h + 365 * 24.0)
    steps = int(math.ceil(horizon_h))
    start = np.arange(steps, dtype=float)
    mid = start + 0.5
    window = float(np.max(calendar.working_hours_between(mid, mid + threshold_h)))
    # the most cases a case that may overflow can find there and still join
    bound = servers + math.floor(window * (admit_servers or servers) / router_effort_h) + 2
    if must_per_h > 0:  # room for the cases that join whatever the wait
        bound += max(_MARGIN, servers)
    block = max(1, math.ceil(bound / MAX_STATES))  # cases per state
    counts = np.arange(0, bound + block, block, dtype=float)
    admit = _admitted(calendar, servers, router_effort_h, threshold_h, mid, counts,
                      admit_servers)
    n_states = len(counts)
    admit[:, -1] = False  # the state space ends here
    open_frac = np.asarray(calendar.working_hours_between(start, start + 1.0), dtype=float)
    factor = np.ones(steps) if profile is None else np.asarray(profile(mid), dtype=float)
    death = np.minimum(counts, servers) / effort_h / block
    # one generator per distinct hour (who joins, how open, how busy): most hours repeat
    first, which = _distinct(admit.view(np.uint8),
                             np.column_stack([open_frac, factor]).view(np.uint8))
    ops = []
    for k in first:
        birth = (must_per_h + may_per_h * admit[k]) * factor[k] / block
        birth[-1] = 0.0
        q = np.diag(birth[:-1], 1) + np.diag(death[1:] * open_frac[k], -1)
        q -= np.diag(q.sum(axis=1))
        ops.append(_hour_operator(q))
    # the distribution at the start of every hour, hour by hour: the one serial part, and
    # the cost (np.dot of a row and a matrix: the same product as ``p @ step``, faster)
    p = np.zeros((steps + 1, n_states))
    p[0, 0] = 1.0
    rows, dot = list(p), np.dot
    for now, nxt, u in zip(rows, rows[1:], which.tolist(), strict=False):
        dot(now, ops[u], out=nxt)
    # spilled: the blocked share of the arrivals, by the trapezoid rule over each hour; the
    # blocked states of the hours that share an admission row, summed together
    measured = np.flatnonzero(mid >= warmup_h)
    rate = may_per_h * factor[measured]
    before, after = np.empty(len(measured)), np.empty(len(measured))
    patterns, pattern = _distinct(admit[measured].view(np.uint8))
    for u, k in enumerate(patterns):
        sel = pattern == u
        rows_u, blocked = measured[sel], np.flatnonzero(~admit[measured[k]])
        before[sel] = p[np.ix_(rows_u, blocked)].sum(axis=1)
        after[sel] = p[np.ix_(rows_u + 1, blocked)].sum(axis=1)
    spilled = offered = 0.0
    for r, term in zip(rate.tolist(), (rate * 0.5 * (before + after)).tolist(), strict=True):
        spilled += term  # in hour order, as the chain ran
        offered += r
    return float(spilled / offered) if offered > 0 else 0.0


def _distinct(*parts: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Rows of the byte arrays ``parts`` side by side: the first row of each distinct one,
    and each row's index into them (equal bytes: equal generators, equal blocked states)."""
    raw = np.ascontiguousarray(np.concatenate(parts, axis=1))
    rows = raw.view(np.dtype((np.void, raw.shape[1])))[:, 0]
    _, first, which = np.unique(rows, return_index=True, return_inverse=True)
    return first.tolist(), which.reshape(-1)
