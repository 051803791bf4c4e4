"""Priority policies: the order cases are served in, and what each class may hold back.

Every specialist queue serves its priority classes in order (non-preemptive priority, first
come first served within a class). The policy says, per class, how many of a queue's
specialists a case of that class must leave free for the classes before it
(:meth:`ClassOrder.reserve`), and carries each class's fast-tracked records and service
level. Registered in :data:`PRIORITY`:

- ``strict``: priority order only, no reserve (no ``priorities.<c>.reserve`` set);
- ``trunk_reservation``: a case of a later class takes a specialist only while more than
  the earlier classes' reserves are free (``priorities.<c>.reserve``). Under overload the
  held specialists idle beside a queue of later cases that grows (and gives up);
- ``yielding_reservation``: the same reserve, but it yields while at least
  ``priorities.<c>.reserve_yields_at`` cases of the later classes wait in the queue: then
  they may take the held specialists, so the reserve costs the later classes a short wait at
  normal load and strands nothing under overload (:meth:`ClassOrder.yield_at`).

Example:
    >>> from sim.scenario.priorities import PriorityClass
    >>> p = compile_priorities({"urgent": PriorityClass(reserve={"in_house": 1}),
    ...                         "routine": PriorityClass()}, 72.0)
    >>> p.name, p.reserve("in_house", 3), p.reserve("outsourced", 3)
    ('trunk_reservation', [0, 1], [0, 0])
    >>> y = compile_priorities({"urgent": PriorityClass(reserve={"in_house": 1},
    ...                                                 reserve_yields_at=4),
    ...                         "routine": PriorityClass()}, 72.0)
    >>> y.name, y.reserve("in_house", 3), y.yield_at("in_house")
    ('yielding_reservation', [0, 1], [None, 4])
    >>> y.reserve_under_load("in_house", 3)   # what the capacity check counts
    [0, 0]
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

    def yield_at(self, pool: str) -> list[int | None]:
        """Per class code, the cases of it and later classes waiting in a queue of ``pool``
        from which the reserve held against it yields (None: it never yields)."""
        return [None] * len(self.names)

    def reserve_under_load(self, pool: str, servers: int) -> list[int]:
        """Per class code, the specialists held back from it when its queue is long: what the
        capacity check counts (a reserve that yields holds none then)."""
        return self.reserve(pool, servers)

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


@dataclass(frozen=True)
class YieldingReservation(TrunkReservation):
    """Trunk reservation that yields while enough later cases wait (no stranded specialists).

    The reserve held against a class yields while at least the smallest
    ``reserve_yields_at`` of the classes before it that hold one wait in the queue (that class
    and later ones counted); a reserve without a threshold beside one with a threshold never
    yields for the classes after both.
    """

    name: ClassVar[str] = "yielding_reservation"

    def yield_at(self, pool: str) -> list[int | None]:
        c = self.classes
        out: list[int | None] = []
        for k in range(len(self.names)):
            holders = [c[n] for n in self.names[:k] if n in c and c[n].reserve.get(pool, 0)]
            limits = [h.reserve_yields_at for h in holders]
            out.append(min(limits) if holders and None not in limits else None)
        return out

    def reserve_under_load(self, pool: str, servers: int) -> list[int]:
        held = self.reserve(pool, servers)
        return [0 if y is not None else r for r, y in zip(held, self.yield_at(pool), strict=True)]


PRIORITY: dict[str, type[ClassOrder]] = {
    p.name: p for p in (Strict, TrunkReservation, YieldingReservation)}
"""Priority policy name -> its class."""


def compile_priorities(classes: dict[str, PriorityClass] | None,
                       default_sla_h: float) -> ClassOrder:
    """The priority policy of a scenario's ``priorities`` (None: the default classes)."""
    given = (classes or {}).values()
    reserves = any(c.reserve for c in given)
    yields = any(c.reserve_yields_at is not None for c in given)
    kind = PRIORITY["strict" if not reserves else
                    "yielding_reservation" if yields else "trunk_reservation"]
    return kind(dict(classes or {}), default_sla_h)
