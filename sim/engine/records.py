"""Columnar records of one replication: one preallocated array per field.

The engine writes a case's timestamps into these arrays as the case moves
(``rec.match_h[i] = env.now``); nothing is appended and no per-event objects
are built, so memory grows with cases, not with events. Unreached stages stay
``NaN`` (times) or ``-1`` (queue indices). Tables are built from these arrays
once the run is over (:mod:`sim.outputs.results`). The timestamps are those the
stages declare (:mod:`sim.engine.stages`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.stages import TIMES

INDICES = ("matched_line", "screen_queue", "queue",
           "screen_server", "server")  # server: which specialist of the queue (0-based)


class Records:
    """Per-case arrays of one replication, all of length ``n``."""

    def __init__(self, n: int):
        self.n = n
        for name in TIMES:
            setattr(self, name, np.full(n, np.nan))
        for name in INDICES:
            setattr(self, name, np.full(n, -1, dtype=np.int32))
        # drop-out (sim.engine.abandonment): when a case gave up, and at which stage (a code
        # into the drop-out STAGES of the schema; -1 for a case that did not)
        self.abandoned_h = np.full(n, np.nan)
        self.abandon_stage = np.full(n, -1, dtype=np.int8)
        # appointments (sim.engine.access): when the wait for an appointment slot began
        self.appointment_start_h = np.full(n, np.nan)
        # contracts with a weekly cap (sim.engine.contracts): when the slot the case booked
        # opens (its queue_h when this week had room); the run invariants check work
        # conservation for a held case from then on (sim.outputs.invariants)
        self.slot_open_h = np.full(n, np.nan)
        # appointment diaries (sim.engine.slots), allocated only when the plan has some: the
        # diary each case booked (-1: none) and when its lead passed (it could take a slot);
        # its slot is its queue_h
        self.diary: np.ndarray | None = None
        self.appointment_ready_h: np.ndarray | None = None

    def with_diaries(self) -> None:
        """Allocate the appointment-diary columns."""
        self.diary = np.full(self.n, -1, dtype=np.int16)
        self.appointment_ready_h = np.full(self.n, np.nan)
