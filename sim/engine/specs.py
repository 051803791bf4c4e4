"""What the simulation reads, compiled once from the validated scenario.

The plan (:mod:`sim.engine.plan`) hands the engine these frozen objects instead of the
scenario: names become codes (a channel's digital share sits at the channel's code), a
payer's incentive or mandate becomes the arrival volume and payer mix it brings
(:mod:`sim.engine.mandates`), and a stage's
patience setting becomes the distribution of each channel and class. The engine imports
nothing from the schema beyond the types of its settings (:class:`Duration`,
:class:`Absences`, :class:`Demand`).

Example:
    >>> from sim import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> inputs = compile_inputs(s, channels=tuple(s.demand.mix.channel),
    ...                         classes=("urgent", "routine"))
    >>> [p.name for p in inputs.pools], inputs.payers[0].preauth_share
    (['in_house', 'outsourced'], 0.3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.engine.mandates import Volume, compile_volume
from sim.engine.policies.when_full import CapSpec, compile_cap
from sim.scenario.abandonment import STAGES  # the schema's names: types and codes only
from sim.scenario.access import Slots  # a type: a channel's diary of slots
from sim.scenario.durations import Duration  # a type: distributions' settings
from sim.scenario.models import Demand, Scenario  # types: compile_inputs reads the scenario
from sim.scenario.rosters import Absences  # a type: a pool's absences

Patience = tuple[tuple[tuple[Duration | None, ...], ...] | None, ...]
"""Per drop-out stage (codes into ``STAGES``): None (nobody leaves there), or per channel
and priority class the patience distribution (None: that case never leaves)."""


@dataclass(frozen=True)
class PoolSpec:
    """A specialist pool as the engine sees it."""

    name: str
    kind: str
    calendar: str
    review: Duration
    review_by_specialty: Mapping[str, Duration]
    absences: Absences | None
    cap: CapSpec | None

    def review_spec(self, specialty: str) -> Duration:
        """The review effort of a case of ``specialty`` in this pool."""
        return self.review_by_specialty.get(specialty, self.review)


@dataclass(frozen=True)
class PayerSpec:
    """A payer as the engine sees it: its pre-authorisation."""

    name: str
    preauth: Duration | None  # the delay (None: no pre-authorisation)
    preauth_share: float  # share of the payer's cases that need it (0 without)


@dataclass(frozen=True)
class CaseMix:
    """Shares of cases by attribute (the payer shares with incentives' extra uptake and
    mandates' cases; a mandated payer's specialty mix blended with its mandated cases')."""

    specialty: Mapping[str, float]
    specialty_by_payer: Mapping[str, Mapping[str, float]]
    channel: Mapping[str, float]
    payer: Mapping[str, float]
    priority: Mapping[str, float]


@dataclass(frozen=True)
class IntakeSpec:
    """Records intake: digital and paper delays, the digital share per channel code."""

    digital: Duration
    paper: Duration
    digital_share: tuple[float, ...]


@dataclass(frozen=True)
class AccessSpec:
    """Incomplete records (per channel code, share; None: none) and appointment waits."""

    incomplete_share: tuple[float, ...] | None
    request: Duration | None
    appointment: tuple[Duration | None, ...]  # per channel code (None: no slot wait, or a
    # diary of slots: sim.engine.access_specs)


@dataclass(frozen=True)
class Inputs:
    """Everything :func:`compile_inputs` hands the plan."""

    pools: tuple[PoolSpec, ...]
    payers: tuple[PayerSpec, ...]
    arrivals: Demand  # the arrival process, at the volume incentives bring
    mix: CaseMix
    intake: IntakeSpec | None
    access: AccessSpec | None
    patience: Patience | None
    outcomes: tuple[tuple[float, float, float], ...]  # per specialty: confirmed, refined, changed
    volume: Volume  # per payer: voluntary and mandated cases, procedure mix, held share


def _patience(s: Scenario, channels: tuple[str, ...], classes: tuple[str, ...]
              ) -> Patience | None:
    a = s.abandonment
    if a is None:
        return None
    out = []
    for stage in STAGES:
        setting = a.stage(stage)
        out.append(None if setting is None else tuple(
            tuple(setting.spec(ch, pr) for pr in classes) for ch in channels))
    return tuple(out)


def _access(s: Scenario, channels: tuple[str, ...]) -> AccessSpec | None:
    if s.incomplete_records is None and not s.appointments:
        return None
    ir = s.incomplete_records
    return AccessSpec(
        incomplete_share=None if ir is None else tuple(ir.share.get(ch, 0.0) for ch in channels),
        request=None if ir is None else ir.request,
        # a channel with a diary of slots has no delay (sim.engine.access_specs compiles it)
        appointment=tuple(None if isinstance(a := (s.appointments or {}).get(ch), Slots) else a
                          for ch in channels))


def compile_inputs(s: Scenario, channels: tuple[str, ...], classes: tuple[str, ...]) -> Inputs:
    """The engine's inputs from a validated scenario, codes in the order of ``channels``
    and priority ``classes``."""
    mix = s.demand.mix
    volume = compile_volume(s)  # incentives' uptake and mandates' cases (sim.engine.mandates)
    arrivals = s.demand if volume.cases_per_year == s.demand.cases_per_year else \
        s.demand.model_copy(update={"cases_per_year": volume.cases_per_year})
    specialties = tuple(mix.specialty)
    return Inputs(
        pools=tuple(PoolSpec(
            name, p.kind, p.calendar, p.review, dict(p.review_by_specialty), p.absences,
            compile_cap(p.contract.cases_per_week, p.contract.when_full)
            if p.contract is not None else None) for name, p in s.pools.items()),
        payers=tuple(PayerSpec(name, p.preauth.delay if p.preauth else None,
                               p.preauth.share if p.preauth else 0.0)
                     for name, p in s.payers.items()),
        arrivals=arrivals,
        mix=CaseMix(dict(mix.specialty), dict(volume.specialty_by_payer), dict(mix.channel),
                    dict(volume.payer_share), dict(mix.priority)),
        volume=volume,
        intake=None if s.intake is None else IntakeSpec(
            s.intake.digital, s.intake.paper,
            tuple(s.intake.digital_share[ch] for ch in channels)),
        access=_access(s, channels),
        patience=_patience(s, channels, classes),
        outcomes=tuple(_rates(s, sp) for sp in specialties),
    )


def _rates(s: Scenario, specialty: str) -> tuple[float, float, float]:
    r = s.outcomes.get(specialty) or s.outcomes["default"]
    return (r.confirmed, r.refined, r.changed)
