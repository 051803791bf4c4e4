"""Limits on a queue's capacity in the capacity check: class reserves and contract caps.

**Reserves** (``priorities.<c>.reserve``): a case of a later class takes a specialist only
while more than the earlier classes' reserves are free (trunk reservation, the engine's
:meth:`sim.engine.plan.Plan.reserve`). The work of classes ``k`` and later can therefore
use at most ``servers - reserve_k`` specialists: :func:`reserve_utilisation` sets it
against that many, and reports the worst class. The first class uses every specialist,
so the queue's own utilisation covers it. A reserve that yields once enough later cases wait
(``priorities.<c>.reserve_yields_at``) holds nothing when the queue is long, which is when
the check matters: it counts no reserve (:meth:`sim.engine.plan.Plan.reserve_under_load`).

**Contract caps** (``pools.<p>.contract.cases_per_week``): a pool takes at most so many
cases for review a week, over all its lines. :func:`apply_caps` sets each capped pool's
cases a week against its cap; what is beyond it either goes to the other pools that staff
the line (``when_full: overflow``, evenly, at their own review effort) or waits for next
week's slot (``when_full: queue``, or no other pool staffs the line): then the cap, not the
specialists, is what the queue must keep up with, and ``cap_utilisation`` >= 1 means it
falls behind without bound. One step only: work a cap sends back is not re-checked against
the overflow threshold of the pool that receives it (a stated approximation).

Example:
    >>> import numpy as np
    >>> # 3 specialists, 1 held back for urgent cases: routine work of 2.4 specialists' worth
    >>> round(_worst([0, 1], 3, np.array([0.3, 2.4])), 2)
    1.2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.plan import Plan


def _worst(reserve: list[int], servers: int, by_class: np.ndarray) -> float:
    """Worst utilisation of the later classes on the specialists they may use (NaN: none)."""
    worst = np.nan
    for k in range(1, len(reserve)):
        if reserve[k] <= 0:
            continue
        usable = servers - reserve[k]
        load = float(by_class[k:].sum())
        u = load / usable if usable > 0 else np.inf
        worst = u if np.isnan(worst) else max(worst, u)
    return worst


def reserve_utilisation(plan: Plan, by_class_h: np.ndarray, available_h: np.ndarray) -> np.ndarray:
    """Per queue, the worst utilisation of a class a reserve keeps out (NaN: no reserve).

    ``by_class_h[q, k]``: offered hours a week of class ``k`` at queue ``q``;
    ``available_h[q]``: the queue's working hours a week (all its specialists).
    """
    out = np.full(len(plan.queues), np.nan)
    for q in plan.queues:
        per_server = available_h[q.index] / q.servers if q.servers else 0.0
        if per_server <= 0:
            continue
        out[q.index] = _worst(plan.reserve_under_load(q.pool, q.servers), q.servers,
                              by_class_h[q.index] / per_server)
    return out


@dataclass(frozen=True)
class Capped:
    """What contract caps do to the offered work (per queue, NaN where no cap)."""

    cap_cases_per_week: np.ndarray  # the pool's cap (shared by its lines)
    capped_share: np.ndarray  # share of the queue's cases beyond the cap
    cap_utilisation: np.ndarray  # the pool's cases a week / cap, where the excess waits
    offered_h: np.ndarray  # offered hours a week after the cap moved work


def apply_caps(plan: Plan, offered_h: np.ndarray, cases: np.ndarray) -> Capped:
    """Contract caps on ``offered_h`` (hours a week) for ``cases`` (reviews a week), per queue."""
    n = len(plan.queues)
    cap = np.full(n, np.nan)
    share = np.full(n, np.nan)
    waits = np.full(n, np.nan)
    out = offered_h.copy()
    for p, c in enumerate(plan.caps):
        if c is None:
            continue
        mine = [q for q in plan.queues if q.pool == p]
        total = float(sum(cases[q.index] for q in mine))
        beyond = max(0.0, 1.0 - c.per_week / total) if total > 0 else 0.0
        for q in mine:
            cap[q.index], share[q.index] = c.per_week, beyond
            others = [t for t in plan.queues if t.line == q.line and t.pool != p]
            spills = c.when_full.overflows and bool(others)
            if not spills:  # what is beyond the cap waits: the cap is what must keep up
                waits[q.index] = total / c.per_week
            if beyond <= 0:
                continue
            if spills:
                moved = cases[q.index] * beyond
                out[q.index] -= offered_h[q.index] * beyond
                for t in others:
                    spec = plan.review_spec(t.pool, plan.lines[t.line].specialty)
                    out[t.index] += moved / len(others) * plan.mean_hours(spec)
    return Capped(cap, share, waits, out)
