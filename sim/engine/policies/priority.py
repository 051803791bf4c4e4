"""Priority policies: the order cases are served in, and what each class may hold back.

Every specialist queue serves its priority classes in order (non-preemptive priority, first
come first served within a class). The policy says, per class, how many of a queue's
specialists a case of that class must leave free for the classes before it
(:meth:`ClassOrder.reserve`), and carries each class's fast-tracked records and service
level. Registered in :data:`PRIORITY`:

- ``strict``: priority order only, no reserve (no ``priorities.<c>.reserve`` set);
- ``trunk_reservation``: a case of a later class takes a specialist only while more than
  the earlier classes' reserves are free (``priorities.<c>.reserve``).

Example:
    >>> from sim.scenario.priorities import PriorityClass
    >>> p = compile_priorities({"urgent": PriorityClass(reserve={"in_house": 1}),
    ...                         "routine": PriorityClass()}, 72.0)
    >>> p.name, p.reserve("in_house", 3), p.reserve("outsourced", 3)
    ('trunk_reservation', [0, 1], [0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.scenario.priorities import DEFAULT_CLASSES, PriorityClass


@dataclass(frozen=True)
class ClassOrder:
    """Priority classes in service order, compiled from the scenario's ``priorities``."""

    classes: dict[str, PriorityClass] = field(default_factory=dict)
    """The scenario's classes (empty: the default ``urgent``, ``routine``)."""
    default_sla_h: float = 72.0
    """``targets.time_to_opinion_hours``: the service level of a class without its own."""
    name: ClassVar[str] = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The classes, first served first: a case's priority code indexes this."""
        return tuple(self.classes) if self.classes else DEFAULT_CLASSES

    def reserve(self, pool: str, servers: int) -> list[int]:
        """Per class code, the specialists a case of that class must leave free."""
        return [0] * len(self.names)

    def records_speedup(self) -> np.ndarray:
        """Per class code, the factor records intake is divided by (1: no fast track)."""
        c = self.classes
        return np.asarray([c[n].records_speedup if n in c else 1.0 for n in self.names])

    def sla_hours(self) -> dict[str, float]:
        """Each class's time-to-opinion service level (its own, or the scenario target)."""
        c = self.classes
        return {n: (c[n].time_to_opinion_hours if n in c and c[n].time_to_opinion_hours
                    else self.default_sla_h) for n in self.names}


@dataclass(frozen=True)
class Strict(ClassOrder):
    """Priority order only: any case may take any free specialist."""

    name: ClassVar[str] = "strict"


@dataclass(frozen=True)
class TrunkReservation(ClassOrder):
    """Later classes leave the earlier classes' reserves free (trunk reservation)."""

    name: ClassVar[str] = "trunk_reservation"

    def reserve(self, pool: str, servers: int) -> list[int]:
        """The reserves of every class served before each class, summed, and never all
        ``servers`` of a queue (a one-specialist subspecialty line serves every class)."""
        c = self.classes
        held = [c[n].reserve.get(pool, 0) if n in c else 0 for n in self.names]
        return [min(sum(held[:k]), servers - 1) for k in range(len(held))]


PRIORITY: dict[str, type[ClassOrder]] = {p.name: p for p in (Strict, TrunkReservation)}
"""Priority policy name -> its class."""


def compile_priorities(classes: dict[str, PriorityClass] | None,
                       default_sla_h: float) -> ClassOrder:
    """The priority policy of a scenario's ``priorities`` (None: the default classes)."""
    reserves = any(c.reserve for c in (classes or {}).values())
    kind = PRIORITY["trunk_reservation" if reserves else "strict"]
    return kind(dict(classes or {}), default_sla_h)
