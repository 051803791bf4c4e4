"""Payers' mandates and incentives: the volume they make, and the rules of their settings.

``incentivised`` acts through ``incentive``: a co-pay waiver raises its members' uptake by
the price elasticity (:func:`uptake_factor`). ``mandated`` acts through
``mandated_procedures`` (pre-authorisation of those procedures waits for the opinion) and,
with ``mandate_volume``, on volume: of ``covered_lives``, ``eligible_per_1000_per_year``
per 1,000 are scheduled for a mandated procedure a year, a ``compliance`` share of them take
part, and those not already among the payer's voluntary cases (its cases a year with a
mandated procedure) are new cases (:func:`payer_volume`). ``demand.cases_per_year`` and
``demand.mix.payer`` are the voluntary volumes at the usual co-pay; mandate none or
compliance 0 brings nothing more. A mandate without its settings would be recorded but not
simulated, so it is refused; settings without their mandate likewise.

Example:
    >>> uptake_factor(copay_usd=0.0, reference_usd=40.0, elasticity=-0.2)
    1.2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def uptake_factor(copay_usd: float, reference_usd: float, elasticity: float) -> float:
    """Uptake with a co-pay waiver over uptake without it (constant elasticity, linearised).

    >>> uptake_factor(copay_usd=0.0, reference_usd=40.0, elasticity=-0.2)
    1.2
    """
    return 1.0 - elasticity * (reference_usd - copay_usd) / reference_usd


def payer_uptake(payer: Any) -> float:  # noqa: ANN401
    """The uptake factor of a payer's incentive (1 without one)."""
    i = payer.incentive
    return 1.0 if i is None else uptake_factor(payer.copay_usd, i.reference_copay_usd,
                                               i.price_elasticity)


@dataclass(frozen=True)
class PayerVolume:
    """A payer's cases a year: voluntary (with its incentive's uptake) and mandated."""

    voluntary: float
    """Cases a year at the demand mix's share, times the incentive's uptake factor."""
    mandated: float = 0.0
    """New cases a year the mandate brings (0 without ``mandate_volume``)."""
    already: float = 0.0
    """Voluntary cases a year that come with a mandated procedure (already asking)."""
    eligible: float = 0.0
    """Members a year scheduled for a mandated procedure."""
    held_share: float = 1.0
    """Share of the payer's arriving cases with a mandated procedure whose pre-authorisation
    waits for the opinion: all mandated ones, ``compliance`` of the voluntary ones."""

    @property
    def total(self) -> float:
        return self.voluntary + self.mandated


def procedure_shares(s: Any, payer: str, specialty: str) -> dict[str, float]:  # noqa: ANN401
    """The voluntary cases' procedure shares for ``payer`` and ``specialty``: the payer's own
    ``procedure_share``, else the platform's (``economics.procedure_share``)."""
    platform = s.economics.procedure_share.get(specialty, {}) if s.economics else {}
    return s.payers[payer].procedure_share.get(specialty, platform)


def payer_volume(s: Any, name: str) -> PayerVolume:  # noqa: ANN401
    """Payer ``name``'s voluntary and mandated cases a year in scenario ``s``.

    Mandated = ``max(0, compliance x eligible - already)``, eligible = covered lives / 1,000 x
    ``eligible_per_1000_per_year``, already = its voluntary cases with a mandated procedure.
    """
    p = s.payers[name]
    voluntary = (s.demand.cases_per_year or 0.0) * s.demand.mix.payer.get(name, 0.0) \
        * payer_uptake(p)
    mv = getattr(p, "mandate_volume", None)
    if p.mandate != "mandated" or mv is None:
        return PayerVolume(voluntary, held_share=p.compliance)
    spec = s.demand.mix.specialty_of(name)
    per_case = sum(share * sum(v for proc, v in procedure_shares(s, name, sp).items()
                               if proc in p.mandated_procedures)
                   for sp, share in spec.items())
    already = voluntary * per_case
    eligible = mv.covered_lives / 1000 * mv.eligible_per_1000_per_year
    mandated = max(0.0, p.compliance * eligible - already)
    held = ((p.compliance * already + mandated) / (already + mandated)
            if already + mandated > 0 else p.compliance)
    return PayerVolume(voluntary, mandated, already, eligible, held)


def total_cases_per_year(s: Any) -> float:  # noqa: ANN401
    """Every payer's voluntary and mandated cases a year."""
    return sum(payer_volume(s, name).total if name in s.payers
               else (s.demand.cases_per_year or 0.0) * share
               for name, share in s.demand.mix.payer.items())


def mandate_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Mandates without the settings through which they act, and settings without mandate."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for name, p in s.payers.items():
        path = ("payers", name)
        if p.mandate == "mandated" and not p.mandated_procedures:
            out.append((path + ("mandated_procedures",),
                        "a mandated payer must name the procedures whose pre-authorisation "
                        "waits for the opinion"))
        if p.mandate == "incentivised" and p.incentive is None:
            out.append((path + ("incentive",),
                        "an incentivised payer needs an incentive (reference_copay_usd, "
                        "price_elasticity) for the waiver to act on uptake"))
        if p.incentive is not None and p.mandate != "incentivised":
            out.append((path + ("incentive",),
                        f"only an incentivised payer has an incentive (got mandate: "
                        f"{p.mandate})"))
        if p.incentive is not None and p.copay_usd > p.incentive.reference_copay_usd:
            out.append((path + ("incentive", "reference_copay_usd"),
                        f"the co-pay with the incentive ({p.copay_usd:g}) is above the "
                        f"reference co-pay ({p.incentive.reference_copay_usd:g})"))
        out += _volume_findings(s, name, p)
        if p.mandate != "mandated" and (p.compliance != 1.0 or p.hold_cost_per_day_usd):
            out.append((path, "compliance and hold_cost_per_day_usd apply only to a payer "
                              f"with mandate: mandated (got mandate: {p.mandate})"))
    return out


def _volume_findings(s: Any, name: str, p: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """A mandate's volume: only for a mandated payer in the demand mix, with known names."""
    mv = getattr(p, "mandate_volume", None)
    if mv is None:
        return []
    path = ("payers", name, "mandate_volume")
    if p.mandate != "mandated":
        return [(path, f"only a mandated payer brings mandated cases (got mandate: "
                       f"{p.mandate})")]
    out: list[tuple[tuple[str | int, ...], str]] = []
    if name not in s.demand.mix.payer:
        out.append((path, f"payer {name!r} is not in demand.mix.payer: give it a share (0 if "
                          "all its cases are mandated)"))
    for sp in mv.specialty:
        if sp not in s.demand.mix.specialty:
            out.append((path + ("specialty", sp), f"unknown specialty {sp!r} (demand.mix."
                        f"specialty has {', '.join(sorted(s.demand.mix.specialty))})"))
    for proc in mv.procedures:
        if proc not in p.mandated_procedures:
            out.append((path + ("procedures", proc), f"{proc!r} is not one of the payer's "
                        f"mandated_procedures ({', '.join(p.mandated_procedures) or 'none'})"))
    return out
