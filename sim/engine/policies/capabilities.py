"""Pool capabilities, compiled: which pools may take a case of a payer and a channel.

A pool may serve a case when the case's payer covers it (``payers.<p>.covers``) and the pool
serves the case's channel and payer (``pools.<p>.serves``). The plan
(:func:`sim.engine.plan.build_plan`) asks :meth:`Capabilities.allows` once per case type
(service line, payer, channel) to compile the queues a case may use (:attr:`Plan.routes`);
the router (:class:`sim.engine.pools.Router`), the screening of misrouted cases and the
capacity check (:mod:`sim.engine.network`) read those routes only, so a pool that cannot
serve a case's channel or payer is never a candidate for it, whatever the routing policy
(:mod:`sim.engine.policies.routing`) prefers.

Example:
    >>> from sim.scenario.capabilities import Serves
    >>> caps = Capabilities(("in_house", "abroad"),
    ...                     (Serves(), Serves(channels=["online_portal"])),
    ...                     {"medicare": ("in_house",), "commercial": None})
    >>> caps.allows(1, "commercial", "online_portal"), caps.allows(1, "commercial", "in_person")
    (True, False)
    >>> caps.allows(1, "medicare", "online_portal"), caps.why_not(1, "medicare", "video")
    (False, "medicare does not cover it; it does not serve channel 'video'")
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.capabilities import Serves
from sim.scenario.models import Scenario


@dataclass(frozen=True)
class Capabilities:
    """Per pool, what it serves; per payer, the pools it covers (None: every pool)."""

    pools: tuple[str, ...]
    serves: tuple[Serves, ...]
    covers: dict[str, tuple[str, ...] | None]

    def allows(self, pool: int, payer: str, channel: str) -> bool:
        """Whether pool ``pool`` may take a case of ``payer`` in ``channel``."""
        covered = self.covers.get(payer)
        return ((covered is None or self.pools[pool] in covered)
                and self.serves[pool].allows(channel, payer))

    def why_not(self, pool: int, payer: str, channel: str) -> str:
        """Why pool ``pool`` may not take such a case ('' when it may)."""
        covered, s = self.covers.get(payer), self.serves[pool]
        reasons = []
        if covered is not None and self.pools[pool] not in covered:
            reasons.append(f"{payer} does not cover it")
        if s.channels is not None and channel not in s.channels:
            reasons.append(f"it does not serve channel {channel!r}")
        if s.payers is not None and payer not in s.payers:
            reasons.append(f"it does not serve {payer} patients")
        return "; ".join(reasons)


def compile_capabilities(s: Scenario) -> Capabilities:
    """The pools' ``serves`` and the payers' ``covers`` of a scenario."""
    return Capabilities(
        tuple(s.pools), tuple(p.serves for p in s.pools.values()),
        {name: tuple(p.covers) if p.covers is not None else None
         for name, p in s.payers.items()})
