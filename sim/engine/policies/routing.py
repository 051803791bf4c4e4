"""Routing policies: which pools a matched case tries first, and whether it may spill.

Each policy is one class answering one question, :meth:`RoutingPolicy.preference`: for a
case of a payer and a channel, the pool kind it tries first (``in_house`` or
``outsourced``) and whether it may go to the other kind when the expected wait at its first
choice exceeds ``routing.overflow_wait_hours``. Everything else is shared:

- the simulation's router (:class:`sim.engine.pools.Router`) compiles
  :meth:`RoutingPolicy.candidates` once per (line, payer, channel) and, per case, takes the
  queue with the shortest expected wait among the first choices (spilling past the
  threshold when allowed); a kind that does not staff the line (or whose contracts' weekly
  caps are used up) gives way to the other;
- the capacity check (:mod:`sim.capacity.network`) asks :meth:`RoutingPolicy.first_choice`
  which queues receive a case type's work first and where it may spill.

Policies (``routing.policy``), registered in :data:`ROUTING`:

- ``in_house_first`` / ``outsourced_first``: a pool of the preferred kind if one staffs the
  line, else the other kind;
- ``overflow``: in-house, unless the in-house expected wait exceeds ``overflow_wait_hours``,
  then outsourced;
- ``by_channel``: the pool kind named for the case's channel (``routing.by_channel``), else
  the other;
- ``by_payer``: the pool kind named for the case's payer (``routing.by_payer``: a payer's
  contract sends its cases to its own hospital or to an outsourced company), else the other;
  a payer not listed is routed as under ``overflow`` (in-house, outsourced past
  ``overflow_wait_hours``).

Example:
    >>> from sim.scenario.models import Routing
    >>> policy = compile_routing(Routing(policy="overflow", overflow_wait_hours=24))
    >>> policy.preference("medicare", "online_portal"), policy.overflow_wait_h
    (('in_house', True), 24.0)
    >>> policy.first_choice((0,), (1,), "medicare", "online_portal")
    ((0,), (1,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from sim.scenario.checks import Finding
from sim.scenario.models import Routing, Scenario

Kind = Literal["in_house", "outsourced"]
Queues = tuple[int, ...]


@dataclass(frozen=True)
class RoutingPolicy:
    """A routing rule, compiled from the scenario's ``routing`` section.

    Subclasses set :attr:`name` (the ``routing.policy`` value) and answer
    :meth:`preference`; :meth:`findings` adds cross-field checks of their settings.
    """

    settings: Routing
    name: ClassVar[str] = ""

    @property
    def overflow_wait_h(self) -> float:
        """The expected wait (clock hours) past which a case that may spill does."""
        return float(self.settings.overflow_wait_hours)

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        """(the pool kind tried first, whether the case may spill to the other kind)."""
        raise NotImplementedError

    def candidates(self, in_house: Queues, outsourced: Queues, payer: str, channel: str
                   ) -> tuple[Queues, Queues, bool]:
        """(preferred queues, the others, may spill): what the router compiles per case type.

        The router leaves out queues whose contract's week is full, then falls back to the
        others when no preferred queue remains, and spills to them only when allowed.
        """
        kind, spills = self.preference(payer, channel)
        if kind == "outsourced":
            return outsourced, in_house, spills
        return in_house, outsourced, spills

    def first_choice(self, in_house: Queues, outsourced: Queues, payer: str, channel: str
                     ) -> tuple[Queues, Queues]:
        """(first-choice queues, queues its cases may spill to): the capacity check's view.

        When no queue of the preferred kind staffs the line, the others are the first
        choice and nothing spills.
        """
        first, second, spills = self.candidates(in_house, outsourced, payer, channel)
        if not first:
            return second, ()
        return first, second if spills else ()

    @classmethod
    def findings(cls, scenario: Scenario) -> list[Finding]:
        """Problems with this policy's settings that need the rest of the scenario."""
        return []


@dataclass(frozen=True)
class InHouseFirst(RoutingPolicy):
    """In-house pools first; outsourced ones only when no in-house pool staffs the line."""

    name: ClassVar[str] = "in_house_first"

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        return "in_house", False


@dataclass(frozen=True)
class OutsourcedFirst(RoutingPolicy):
    """Outsourced pools first; in-house ones only when no outsourced pool staffs the line."""

    name: ClassVar[str] = "outsourced_first"

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        return "outsourced", False


@dataclass(frozen=True)
class Overflow(RoutingPolicy):
    """In-house, unless the in-house expected wait exceeds ``overflow_wait_hours``."""

    name: ClassVar[str] = "overflow"

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        return "in_house", True


@dataclass(frozen=True)
class ByChannel(RoutingPolicy):
    """The pool kind named for the case's channel (``routing.by_channel``), else the other."""

    name: ClassVar[str] = "by_channel"

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        return self.settings.by_channel.get(channel, "in_house"), False

    @classmethod
    def findings(cls, scenario: Scenario) -> list[Finding]:
        """Every channel of the demand mix needs a pool kind."""
        missing = sorted(set(scenario.demand.mix.channel) - set(scenario.routing.by_channel))
        return [(("routing", "by_channel"), f"no pool kind for channel {ch!r}")
                for ch in missing]


@dataclass(frozen=True)
class ByPayer(RoutingPolicy):
    """The pool kind named for the case's payer (``routing.by_payer``), else the other; a
    payer not listed is routed as under ``overflow``."""

    name: ClassVar[str] = "by_payer"

    def preference(self, payer: str, channel: str) -> tuple[Kind, bool]:
        kind = self.settings.by_payer.get(payer)
        return ("in_house", True) if kind is None else (kind, False)

    @classmethod
    def findings(cls, scenario: Scenario) -> list[Finding]:
        """Every payer named must be one of the scenario's payers."""
        known = ", ".join(sorted(scenario.payers))
        return [(("routing", "by_payer", name),
                 f"unknown payer {name!r}: by_payer names the scenario's payers (payers: "
                 f"{known}); a payer not listed is routed as under overflow")
                for name in scenario.routing.by_payer if name not in scenario.payers]


ROUTING: dict[str, type[RoutingPolicy]] = {
    p.name: p for p in (InHouseFirst, OutsourcedFirst, Overflow, ByChannel, ByPayer)}
"""``routing.policy`` -> its class."""


def compile_routing(settings: Routing) -> RoutingPolicy:
    """The routing policy a scenario's ``routing`` section names."""
    return ROUTING[settings.policy](settings)


def routing_findings(scenario: Scenario) -> list[Finding]:
    """Cross-field problems of the scenario's routing policy."""
    return ROUTING[scenario.routing.policy].findings(scenario)


def kinds_split(queues: Sequence[int], kind_of: Sequence[str]) -> tuple[Queues, Queues]:
    """(in-house queues, outsourced queues) among ``queues``, in their order."""
    return (tuple(q for q in queues if kind_of[q] == "in_house"),
            tuple(q for q in queues if kind_of[q] == "outsourced"))
