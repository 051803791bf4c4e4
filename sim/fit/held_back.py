"""The reserve as the router sees it: which free specialists a case may take.

The engine's router (:meth:`sim.engine.pools.SpecialistQueue.expected_wait_h`) gives a case
only the wait to the calendar's next opening when it may take a free specialist now, and a
queue's share of work otherwise. A reserve held for the first priority class
(:mod:`sim.fit.reserves`) decides which free specialists a later class may take
(:class:`sim.engine.policies.priority.YieldingReservation`): a case of a later class leaves
the line's last ``held`` free (never all of a line's specialists), unless the reserve
yields: ``yields_at`` or more cases of its class and the later ones wait, it counted. The
routing fit (:mod:`sim.fit.staffing`) rebuilds each routing decision's expected in-house
wait with this rule, so that a routine case that saw a specialist free but held, and was
sent out, is not rebuilt as one that could have started at once.

The reserve is fitted before the routing (:func:`held_back`, from the staffing fitted
without it), by the same reading that writes ``priorities.<first>.reserve``.

Example:
    >>> held = HeldBack(("urgent", "routine"), {"in_house": 1}, 4)
    >>> q = pd.DataFrame({"priority": ["routine"] * 3, "queue_h": [0.0, 1.0, 2.0],
    ...                   "review_start_h": [0.0, 5.0, 6.0], "review_end_h": [9.0, 9.0, 9.0]})
    >>> at = np.array([3.0, 3.0])  # one of two busy, two routine cases waiting
    >>> held.may_take("in_house", 2, q, at, np.array(["urgent", "routine"])).tolist()
    [True, False]
    >>> HeldBack(("urgent", "routine"), {"in_house": 1}, 3).may_take(
    ...     "in_house", 2, q, at, np.array(["routine", "routine"])).tolist()  # 2 + 1 >= 3
    [True, True]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.fit.fitted import Fitted


def _between(q: pd.DataFrame, at: np.ndarray, begin: str, end: str) -> np.ndarray:
    """Per instant, the cases of ``q`` past ``begin`` (strictly before it) and not yet at
    ``end``: waiting (queue entry to start) or busy (start to end)."""
    left = "left" if begin == "queue_h" else "right"  # a case joining now is not yet waiting
    return (np.searchsorted(np.sort(q[begin].to_numpy()), at, left)
            - np.searchsorted(np.sort(q[end].to_numpy()), at, "right"))


@dataclass(frozen=True)
class HeldBack:
    """A fitted reserve: classes in service order, pool -> specialists held back from the
    classes after the first, and the waiting count from which it yields (None: never)."""

    order: tuple[str, ...]
    held: dict[str, int]
    yields_at: int | None = None

    def may_take(self, pool: str, servers: int, q: pd.DataFrame, at: np.ndarray,
                 priority: np.ndarray) -> np.ndarray:
        """Whether a case of class ``priority`` routed at ``at`` may take a free specialist
        of a line of ``servers`` whose reviews are ``q`` (``priority``, ``queue_h``,
        ``review_start_h``, ``review_end_h``)."""
        free = servers - _between(q, at, "review_start_h", "review_end_h")
        out = free > 0
        held = min(self.held.get(pool, 0), servers - 1)
        if held <= 0:
            return out
        classes = q["priority"].astype(str)
        for i, name in enumerate(self.order[1:], 1):
            mine = priority == name
            ok = free > held
            if self.yields_at is not None:
                later = q[classes.isin(self.order[i:]).to_numpy()]
                ok |= _between(later, at, "queue_h", "review_start_h") + 1 >= self.yields_at
            out[mine] &= ok[mine]
        return out


def held_back(log, t: pd.DataFrame, specialists: Mapping[str, Mapping[str, Fitted]],  # noqa: ANN001
              calendars: Mapping[str, WorkCalendar],
              line_calendars: Mapping[tuple[str, str], WorkCalendar] | None = None
              ) -> HeldBack | None:
    """The reserve the log shows (:func:`sim.fit.reserves.fit_reserve`, on the lines as the
    scenario writes them: subspecialty lines apart), or None.

    Example (the baseline's 14-day log, with its case attributes: priorities):
        >>> from sim.fit.own import with_case_attributes
        >>> from sim.fit.read import log_from_frame
        >>> from sim.fit.stages import stage_table
        >>> ev = results.events[results.events["case_id"].astype(str).str.startswith("r0-")]
        >>> own = log_from_frame(with_case_attributes(ev, results.cases))
        >>> cals = {p: c.work_calendar(own.start) for p, c in fitted.calendars.items()}
        >>> held_back(own, stage_table(own), fitted.staffing.specialists, cals)
        HeldBack(order=('urgent', 'routine'), held={'in_house': 1}, yields_at=4)
        >>> held_back(log, fitted.table, fitted.staffing.specialists, cals) is None  # no classes
        True
    """
    from sim.fit.journey import priorities
    from sim.fit.reserves import fit_reserve

    classes = priorities(t)
    if classes is None:
        return None
    order = tuple(classes[0])
    pools = {p: {"specialists": {k: v for k, v in lines.items() if "/" not in k}}
             for p, lines in specialists.items()}
    reserve, yields = fit_reserve(log, t, pools, order[-1], calendars, line_calendars)
    if not reserve:
        return None
    return HeldBack(order, {p: int(f.value) for p, f in reserve.items()},
                    None if yields is None else int(yields.value))
