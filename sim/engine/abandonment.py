"""Drop-out: each case's patience per waiting stage, drawn up front, and who leaves when.

Patience comes from its own named stream (``abandonment``), one column per
drop-out stage (``STAGES``: records, referral, appointment, specialist) whatever the
scenario sets,
so adding or changing drop-out moves no other draw (common random numbers).
A stage without a patience setting gives ``inf``: nobody leaves there.

Records intake is a pure delay computed up front, so who gives up waiting for
records is decided here, for all cases at once (:func:`leave_at_records`); the
referral cycle and the specialist queues decide in the event loop.

Example:
    >>> STAGES.index("specialist")
    3
"""

from __future__ import annotations

import numpy as np

from sim.core.streams import Streams
from sim.engine.demand import Cases
from sim.engine.plan import Plan
from sim.scenario.abandonment import STAGES  # the stages' names: codes into this tuple

RECORDS, REFERRAL, APPOINTMENT, SPECIALIST = (STAGES.index(s) for s in
                                              ("records", "referral", "appointment", "specialist"))


def draw_patience(plan: Plan, cases: Cases, streams: Streams) -> np.ndarray | None:
    """Patience in clock hours, shape (stages, cases); None when nobody ever abandons."""
    patience = plan.inputs.patience
    if patience is None:
        return None
    n = len(cases)
    u = streams.rng("abandonment").random((n, len(STAGES)))
    out = np.full((len(STAGES), n), np.inf)
    for k, by_channel in enumerate(patience):
        if by_channel is None:
            continue
        for ch in range(len(plan.channels)):
            for pr in range(len(plan.priorities)):
                spec = by_channel[ch][pr]
                rows = (cases.channel == ch) & (cases.priority == pr)
                if spec is not None and rows.any():
                    out[k, rows] = plan.hours(spec, u[rows, k])
    return out


def leave_at_records(arrival_h: np.ndarray, intake_end_h: np.ndarray,
                     patience_h: np.ndarray | None) -> np.ndarray:
    """Cases whose records would take longer than their patience for them (a mask)."""
    if patience_h is None:
        return np.zeros(len(arrival_h), dtype=bool)
    return intake_end_h - arrival_h > patience_h[RECORDS]
