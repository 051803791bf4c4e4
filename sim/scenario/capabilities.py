"""Pool capabilities: which channels and which payers' patients a pool may serve.

A pool's ``serves`` section says what it can deliver: a remote second-opinion company gives
written, telephone and video opinions but no in-person ones; an overnight network abroad
gives written ones only; a pool not enrolled with a payer cannot bill it. Routing and the
capacity check leave a pool out of a case's candidates when it does not serve the case's
channel or payer (:mod:`sim.engine.policies.capabilities`); a case type with demand that no
pool serves is refused when the scenario is loaded.

``payers`` is the pool's side of the contract (enrolment, licensing); a payer's ``covers`` is
the payer's side (the pools it pays for). A case may use a pool only when both allow it.

Example:
    >>> Serves(channels=["online_portal", "video"]).allows("video", "medicare")
    True
    >>> Serves(channels=["online_portal"]).allows("in_person", "medicare")
    False
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.scenario.base import Name, Strict

Finding = tuple[tuple[str | int, ...], str]


class Serves(Strict):
    """What a pool may deliver: channels and payers (null: every one)."""

    channels: Annotated[list[Name], Field(min_length=1)] | None = Field(
        default=None, description="channels the pool delivers opinions in (null = every "
                                  "channel of demand.mix.channel)")
    payers: Annotated[list[Name], Field(min_length=1)] | None = Field(
        default=None, description="payers whose patients the pool may serve (null = every "
                                  "payer)")

    def allows(self, channel: str, payer: str) -> bool:
        """Whether the pool may serve a case of ``payer`` in ``channel``."""
        return ((self.channels is None or channel in self.channels)
                and (self.payers is None or payer in self.payers))


def capability_findings(pools: dict, channels: set[str], payers: set[str],
                        slots: dict | None = None) -> list[Finding]:
    """``serves`` names only channels of the demand mix and defined payers, and no pool has
    appointment slots for a channel it does not serve.

    ``pools``: pool name -> :class:`~sim.scenario.models.Pool`; ``slots``: channel -> its
    diary (:class:`~sim.scenario.access.Slots`), for the channels that book slots.
    """
    out: list[Finding] = []
    for ch, diary in (slots or {}).items():
        for name in diary.slots_per_week:
            served = pools[name].serves.channels if name in pools else None
            if served is not None and ch not in served:
                out.append((("appointments", ch, "slots_per_week", name),
                            f"{name} has {ch} slots but does not serve channel {ch!r} "
                            f"(pools.{name}.serves.channels: {', '.join(served)})"))
    for name, pool in pools.items():
        s = pool.serves
        for field, given, known, where in (("channels", s.channels, channels,
                                            "demand.mix.channel has"),
                                           ("payers", s.payers, payers, "defined:")):
            for k, value in enumerate(given or []):
                if value not in known:
                    out.append((("pools", name, "serves", field, k),
                                f"unknown {field[:-1]} {value!r} ({where} "
                                f"{', '.join(sorted(known)) or 'none'})"))
    return out
