"""Contract overflow policies: what a pool whose contract's week is full does to routing.

A pool with ``contract.cases_per_week`` takes at most that many cases a week
(:class:`sim.engine.contracts.WeeklyCap`). Once the week is full, the policy
(``contract.when_full``, registered in :data:`WHEN_FULL`) says:

- ``overflow``: the router leaves the pool out while another pool staffs the line; the
  capacity check moves the work beyond the cap to those pools;
- ``queue``: the case books next week's slot and waits for it; the capacity check holds the
  pool's cases a week against the cap.

Example:
    >>> WHEN_FULL["queue"]().overflows, WHEN_FULL["overflow"]().overflows
    (False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class WhenFull:
    """What a full week of a contract does."""

    name: ClassVar[str] = ""
    overflows: ClassVar[bool] = False
    """Whether cases go to another pool that staffs the line instead of waiting."""


@dataclass(frozen=True)
class QueueWhenFull(WhenFull):
    """The case waits for the next week with room."""

    name: ClassVar[str] = "queue"


@dataclass(frozen=True)
class OverflowWhenFull(WhenFull):
    """The case goes to another pool of its line (waits only when there is none)."""

    name: ClassVar[str] = "overflow"
    overflows: ClassVar[bool] = True


WHEN_FULL: dict[str, type[WhenFull]] = {p.name: p for p in (QueueWhenFull, OverflowWhenFull)}
"""``contract.when_full`` -> its class."""


@dataclass(frozen=True)
class CapSpec:
    """A pool's weekly cap: at most ``per_week`` cases for review a week, then ``when_full``."""

    per_week: int
    when_full: WhenFull


def compile_cap(cases_per_week: int | None, when_full: str) -> CapSpec | None:
    """A contract's cap (None: the contract sets no weekly cap)."""
    if cases_per_week is None:
        return None
    return CapSpec(cases_per_week, WHEN_FULL[when_full]())
