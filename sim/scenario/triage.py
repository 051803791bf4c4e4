"""Triage settings: how a case with complete records is matched to a service line.

The policies themselves are explained in :mod:`sim.engine.triage`; these models say
what a scenario file may set for each.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Probability, Strict
from sim.scenario.calendars import ALWAYS
from sim.scenario.durations import Duration, Fixed


class AITriage(Strict):
    """An AI triage service: minutes per case, its own capacity and calendar."""

    service: Duration = Fixed(dist="fixed", value=2, unit="minutes")
    servers: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="parallel cases it can process; null = unlimited"
    )
    calendar: str = ALWAYS
    accuracy: Probability = Field(description="top-1 accuracy of the subspecialty match")


class LegacyTriage(Strict):
    """A referral coordinator pool followed by the paper referral cycle."""

    coordinators: Annotated[int, Field(ge=1)]
    calendar: str = "business"
    handling: Duration = Field(description="coordinator hands-on time per case")
    referral_cycle: Duration = Field(description="delay until the case reaches a subspecialist")
    accuracy: Probability = 1.0


class HybridCheck(Strict):
    """Which AI-triaged cases a human coordinator also checks."""

    urgent: bool = True
    low_confidence: bool = True
    fraction: Probability = Field(default=0.0, description="random share of the remaining cases")


class HybridTriage(Strict):
    """AI triage with a human check on some cases."""

    coordinators: Annotated[int, Field(ge=1)]
    calendar: str = "business"
    handling: Duration
    check: HybridCheck = HybridCheck()
    flag_sensitivity: Probability = Field(
        default=0.7, description="P(AI flags low confidence | its match is wrong)"
    )
    flag_rate: Probability = Field(
        default=0.1, description="P(AI flags low confidence | its match is right)"
    )
    correction: Probability = Field(
        default=0.95, description="P(the coordinator corrects a wrong match they check)"
    )


class Misroute(Strict):
    """What a wrong match costs: the wrong specialist screens it, then it is re-routed."""

    detection: Duration = Fixed(dist="fixed", value=15, unit="minutes")
    reroute_delay: Duration = Fixed(dist="fixed", value=4, unit="hours")


class Triage(Strict):
    """Triage and matching. ``direct`` means cases arrive already matched."""

    policy: Literal["direct", "legacy", "ai", "hybrid"]
    ai: AITriage | None = None
    legacy: LegacyTriage | None = None
    hybrid: HybridTriage | None = None
    misroute: Misroute = Misroute()
    ai_share: Probability | None = Field(
        default=None,
        description="with policy ai or hybrid: the share of cases triaged by AI (adoption); the "
                    "rest go through legacy referral. null = all of them")

    @model_validator(mode="after")
    def _policy_has_settings(self) -> Triage:
        need = {"legacy": ["legacy"], "ai": ["ai"], "hybrid": ["ai", "hybrid"]}.get(self.policy, [])
        if self.ai_share is not None and self.ai_share < 1 and self.policy in ("ai", "hybrid"):
            need = [*need, "legacy"]
        missing = [s for s in need if getattr(self, s) is None]
        if missing:
            raise ValueError(
                f"policy {self.policy!r} needs the section(s) {', '.join(missing)} under triage"
            )
        return self
