"""Demand volume, compiled: what payers' incentives and mandates add to ``demand``.

``demand.cases_per_year`` and ``demand.mix.payer`` are the voluntary volumes at the usual
co-pay. An ``incentivised`` payer's co-pay waiver multiplies its voluntary cases by its
uptake factor; a ``mandated`` payer with ``mandate_volume`` adds covered lives x eligibility
x compliance, less the voluntary cases it already has with a mandated procedure
(:func:`sim.scenario.mandates.payer_volume`). :func:`compile_volume` turns that into what the
arrivals (:mod:`sim.engine.demand`), the capacity check (:mod:`sim.capacity.network`) and the
clinical outputs read from the plan (:mod:`sim.engine.specs`,
:attr:`sim.engine.plan.Plan.volume`):

- the total arrival rate and the payer shares;
- each payer's specialty mix: its own (``demand.mix.specialty_by_payer``) or the platform's,
  blended with its mandated cases' specialties;
- its procedure shares per specialty, blended likewise (mandated cases come with one of the
  mandated procedures, in ``mandate_volume.procedures``' shares);
- the share of its arriving cases with a mandated procedure whose pre-authorisation waits.

Mandate none, or compliance 0, brings no mandated case: arrivals fall to the voluntary ones.

Example:
    >>> from sim import load_scenario
    >>> v = compile_volume(load_scenario("scenarios/payer_mandate.yaml"))
    >>> round(v.cases_per_year), round(v.payers["commercial_mandate"].mandated)
    (12935, 935)
    >>> v.specialty_of("commercial_mandate")["orthopedics"] > 0.4
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario.mandates import PayerVolume, payer_uptake, payer_volume, procedure_shares
from sim.scenario.models import Scenario


@dataclass(frozen=True)
class Volume:
    """Cases a year, payer shares, and per payer its specialty and procedure mix."""

    cases_per_year: float
    payer_share: dict[str, float]
    payers: dict[str, PayerVolume]
    specialty_by_payer: dict[str, dict[str, float]] = field(default_factory=dict)
    """Payers whose specialty mix is their own (given, or blended with mandated cases)."""
    platform_specialty: dict[str, float] = field(default_factory=dict)
    procedure_share_by_payer: dict[str, dict[str, dict[str, float]]] = field(
        default_factory=dict)
    """payer -> specialty -> procedure -> share, for every payer and specialty."""

    def specialty_of(self, payer: str) -> dict[str, float]:
        """The specialty shares of ``payer``'s cases."""
        return self.specialty_by_payer.get(payer, self.platform_specialty)

    def procedure_share(self, payer: str, specialty: str) -> dict[str, float]:
        """P(procedure) for a case of ``payer`` and ``specialty``."""
        return self.procedure_share_by_payer.get(payer, {}).get(specialty, {})

    def held_share(self, payer: str) -> float:
        """Share of the payer's arriving cases with a mandated procedure that are held."""
        return self.payers[payer].held_share


def compile_volume(s: Scenario) -> Volume:
    """The arrivals' volume and mixes, incentives' uptake and mandates' cases included."""
    mix = s.demand.mix
    payers = {name: payer_volume(s, name) for name in s.payers}
    # per unit of demand.cases_per_year, as a share x its uptake (+ mandated cases): without
    # incentives or mandated cases the shares and the rate are the scenario's own, exactly
    cpy = s.demand.cases_per_year or 0.0
    weight = {name: share * payer_uptake(s.payers[name])
              + (payers[name].mandated / cpy if cpy > 0 else 0.0)
              if name in payers else share for name, share in mix.payer.items()}
    unchanged = all(w == mix.payer[n] for n, w in weight.items())
    weight_sum = sum(weight.values())
    total = cpy if unchanged else cpy * weight_sum
    specialty = {name: dict(shares) for name, shares in mix.specialty_by_payer.items()}
    procedures: dict[str, dict[str, dict[str, float]]] = {}
    for name, v in payers.items():
        own = mix.specialty_of(name)
        procedures[name] = {sp: dict(procedure_shares(s, name, sp)) for sp in mix.specialty}
        if v.mandated <= 0:
            continue
        mv = s.payers[name].mandate_volume
        blended = {sp: (v.voluntary * own.get(sp, 0.0) + v.mandated * mv.specialty.get(sp, 0.0))
                   / v.total for sp in mix.specialty}
        specialty[name] = blended
        for sp in mix.specialty:
            vol, man = v.voluntary * own.get(sp, 0.0), v.mandated * mv.specialty.get(sp, 0.0)
            if vol + man <= 0:
                continue
            base = procedures[name][sp]
            procedures[name][sp] = {
                proc: (vol * base.get(proc, 0.0) + man * mv.procedures.get(proc, 0.0))
                / (vol + man) for proc in {*base, *mv.procedures}}
    shares = dict(mix.payer) if unchanged or weight_sum <= 0 else \
        {n: w / weight_sum for n, w in weight.items()}
    return Volume(total, shares, payers, specialty, dict(mix.specialty), procedures)
