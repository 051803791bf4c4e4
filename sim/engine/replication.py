"""What one replication produced: :class:`Replication`, and the engine's own :class:`Counts`.

A replication's cases, their random inputs (drawn before the run), their columnar records
(every stage's clock hours; NaN where the horizon came first), and what the engine counted
as it ran, independently of those timestamps, so that the run invariants
(:mod:`sim.outputs.invariants`) have a second source to hold the records to.
:func:`sim.engine.model.simulate` makes one.

Example:
    >>> c = Counts(started=10, pending=2, finished=6, abandoned=1)
    >>> c.in_system
    5
    >>> sample_times(3.0).round(3).tolist()
    [0.618, 1.618, 2.618]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.demand import Cases
from sim.engine.draws import Draws
from sim.engine.records import Records
from sim.engine.records_team import TeamLog

__all__ = ["Counts", "Replication", "SAMPLE_OFFSET_H", "SAMPLE_STEP_H", "sample_times"]


SAMPLE_STEP_H = 1.0
SAMPLE_OFFSET_H = 0.6180339887498949
"""The engine counts each queue's waiting cases every hour, at this many hours past it: off
every whole minute, so that no case's event (calendar openings are whole minutes, the rest
continuous) falls on a sample instant and the order of same-time events never matters."""


def sample_times(horizon_h: float) -> np.ndarray:
    """The instants at which the engine counts the cases waiting in each queue."""
    return np.arange(SAMPLE_OFFSET_H, horizon_h, SAMPLE_STEP_H)


@dataclass(frozen=True)
class Counts:
    """What the engine counted while it ran, independently of the timestamps: the run
    invariants (:mod:`sim.outputs.invariants`) hold the case table to these."""

    started: int  # journeys begun before the horizon
    pending: int  # cases that arrived but were not ready for their journey by the horizon
    finished: int  # cases whose opinion was delivered before the horizon
    abandoned: int = 0  # cases that gave up before the horizon
    # per specialist queue: (cases waiting, cases in service) when the run stopped, as the
    # engine's queues hold them
    end_state: tuple[tuple[int, int], ...] = ()
    # the cases waiting in each queue (columns) at each of sample_times (rows), as the
    # engine's queues held them: the queue-length process the waits must add up to (an
    # array has no single truth value, so == on Counts leaves it out; compare it with numpy)
    waiting: np.ndarray | None = field(default=None, repr=False, compare=False)
    # per appointment diary: the cases still waiting for a slot when the run stopped
    diary_end: tuple[int, ...] = ()

    @property
    def in_system(self) -> int:
        """Cases in the system at the horizon: journeys begun and not ended, and not ready."""
        return self.started - self.finished - self.abandoned + self.pending


@dataclass(frozen=True)
class Replication:
    """What one replication produced: its cases, their random inputs, their records (times
    not reached by the horizon are NaN) and the engine's own counts."""

    index: int
    seed: int
    cases: Cases
    draws: Draws
    records: Records
    counts: Counts
    staff_days: tuple[np.ndarray | None, ...] = ()  # per queue: specialists at work each day
    # with a records team: what its navigators did (sim.engine.records_team)
    records_team: TeamLog | None = None
