"""Cross-field rules of payers' mandates: each mandate says how it acts.

``mandated`` acts through ``mandated_procedures`` (pre-authorisation of those
procedures waits for the opinion, for a ``compliance`` share of the cases);
``incentivised`` through ``incentive`` (a co-pay waiver that raises uptake).
A mandate without its settings would be recorded but not simulated, so it is
refused; settings without their mandate likewise.

Example:
    >>> mandate_findings.__name__
    'mandate_findings'
"""

from __future__ import annotations

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
        if p.mandate != "mandated" and (p.compliance != 1.0 or p.hold_cost_per_day_usd):
            out.append((path, "compliance and hold_cost_per_day_usd apply only to a payer "
                              f"with mandate: mandated (got mandate: {p.mandate})"))
    return out
