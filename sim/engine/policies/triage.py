"""Triage policies: who matches a case with complete records to a service line.

Each policy is one class (registered in :data:`TRIAGE`) that says what the simulation and
the capacity check need to know of it:

- :attr:`TriagePolicy.triages`: whether cases go through a triage stage at all;
- :attr:`TriagePolicy.has_ai` / :attr:`TriagePolicy.ai_share`: whether AI triages cases
  (drawn from the ``adoption`` stream) and which share of them;
- :attr:`TriagePolicy.checks`: whether a coordinator checks some AI matches (hybrid);
- :meth:`TriagePolicy.computed_up_front`: whether no triage stage waits for anyone, so that
  :func:`sim.engine.triage.front_end` computes it for all cases at once;
- :meth:`TriagePolicy.accuracy` and :meth:`TriagePolicy.loads`: the share matched right and
  the work each triage resource receives, for the capacity check.

Policies (``triage.policy``); :mod:`sim.engine.triage` describes the stages:

- ``direct``: cases arrive already matched, no triage stage;
- ``legacy``: a referral coordinator, then the paper referral cycle;
- ``ai``: an AI service (for ``ai_share`` of the cases; the rest go the legacy way);
- ``hybrid``: AI triage, and a coordinator checks some of its matches.

Example:
    >>> from sim.scenario.triage import Triage
    >>> p = compile_triage(Triage(policy="ai", ai={"accuracy": 0.9}))
    >>> p.triages, p.has_ai, p.ai_share, p.coordinator_share, p.accuracy()
    (True, True, 1.0, 0.0, 0.9)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.scenario.triage import Triage

Load = tuple[str, object, float]
"""(resource label, its settings, share of all cases it triages or checks)."""


@dataclass(frozen=True)
class TriagePolicy:
    """A triage rule, compiled from the scenario's ``triage`` section."""

    settings: Triage
    name: ClassVar[str] = ""
    triages: ClassVar[bool] = True
    has_ai: ClassVar[bool] = False
    checks: ClassVar[bool] = False

    @property
    def ai_share(self) -> float:
        """The share of cases AI triages."""
        if not self.has_ai:
            return 0.0
        return 1.0 if self.settings.ai_share is None else self.settings.ai_share

    @property
    def coordinator_share(self) -> float:
        """The share of cases coordinators triage (and send through the referral cycle)."""
        return 1.0 - self.ai_share if self.triages else 0.0

    def computed_up_front(self, uses_ai: np.ndarray) -> bool:
        """Whether triage contends for nothing and is not skipped, so that it can be computed
        for all cases at once (only an AI service of unlimited capacity for every case)."""
        return False

    def accuracy(self) -> float:
        """The share of cases triage matches to the right line."""
        return 1.0

    def loads(self, first_class_share: float) -> list[Load]:
        """The triage resources this policy uses and the share of cases each one works.

        ``first_class_share``: the share of cases in the first priority class (those a
        hybrid check looks at when ``check.urgent``).
        """
        return []

    def _legacy_rest(self) -> list[Load]:
        """The coordinators of the cases AI does not triage (adoption below 1)."""
        ai = self.ai_share
        return [("triage/coordinators", self.settings.legacy, 1 - ai)] if ai < 1 else []


@dataclass(frozen=True)
class Direct(TriagePolicy):
    """No triage: cases arrive matched to their line."""

    name: ClassVar[str] = "direct"
    triages: ClassVar[bool] = False


@dataclass(frozen=True)
class Legacy(TriagePolicy):
    """A referral coordinator, then the paper referral cycle."""

    name: ClassVar[str] = "legacy"

    def accuracy(self) -> float:
        return self.settings.legacy.accuracy

    def loads(self, first_class_share: float) -> list[Load]:
        return [("triage/coordinators", self.settings.legacy, 1.0)]


@dataclass(frozen=True)
class AI(TriagePolicy):
    """An AI service matches the case (the cases it does not triage go the legacy way)."""

    name: ClassVar[str] = "ai"
    has_ai: ClassVar[bool] = True

    def computed_up_front(self, uses_ai: np.ndarray) -> bool:
        return self.settings.ai.servers is None and bool(uses_ai.all())

    def accuracy(self) -> float:
        ai, t = self.ai_share, self.settings
        return ai * t.ai.accuracy + (1 - ai) * t.legacy.accuracy if ai < 1 else t.ai.accuracy

    def loads(self, first_class_share: float) -> list[Load]:
        return [("triage/ai", self.settings.ai, self.ai_share), *self._legacy_rest()]


@dataclass(frozen=True)
class Hybrid(AI):
    """AI triage, and a coordinator checks urgent, low-confidence and a random share of it."""

    name: ClassVar[str] = "hybrid"
    checks: ClassVar[bool] = True

    def computed_up_front(self, uses_ai: np.ndarray) -> bool:
        return False

    def loads(self, first_class_share: float) -> list[Load]:
        t = self.settings
        h, acc = t.hybrid, t.ai.accuracy
        flagged = acc * h.flag_rate + (1 - acc) * h.flag_sensitivity
        urgent = first_class_share if h.check.urgent else 0.0
        low = flagged if h.check.low_confidence else 0.0
        not_checked = (1 - urgent) * (1 - low) * (1 - h.check.fraction)
        ai = self.ai_share
        return [("triage/ai", t.ai, ai), ("triage/check", h, ai * (1 - not_checked)),
                *self._legacy_rest()]


TRIAGE: dict[str, type[TriagePolicy]] = {p.name: p for p in (Direct, Legacy, AI, Hybrid)}
"""``triage.policy`` -> its class."""


def compile_triage(settings: Triage) -> TriagePolicy:
    """The triage policy a scenario's ``triage`` section names."""
    return TRIAGE[settings.policy](settings)
