"""How payers' mandates act on demand: an incentivised payer's co-pay waiver raises uptake.

A payer with ``mandate: incentivised`` and an ``incentive`` waives (part of)
the co-pay; with price elasticity ``e`` (negative) and a relative price cut
``(reference - copay) / reference``, its patients ask for
``1 - e x cut`` times as many opinions as the demand mix says. The arrival rate
grows by the extra cases and the payer mix shifts toward that payer; with no
incentive anywhere nothing changes. (A ``mandated`` payer acts on its cases'
procedures, after the run: :mod:`sim.outputs.clinical`.)

Example:
    >>> from sim.scenario.mandates import uptake_factor
    >>> uptake_factor(copay_usd=0.0, reference_usd=40.0, elasticity=-0.2)
    1.2
"""

from __future__ import annotations

import numpy as np

from sim.engine.plan import Plan
from sim.scenario.mandates import payer_uptake


def payer_uptakes(plan: Plan) -> np.ndarray | None:
    """Per payer, the uptake factor of its incentive (None: no payer has one)."""
    payers = [plan.scenario.payers[p] for p in plan.payers]
    if not any(p.incentive for p in payers):
        return None
    return np.asarray([payer_uptake(p) for p in payers])


def incentivised_demand(plan: Plan) -> tuple[float, dict[str, float]] | None:
    """(cases per year, payer shares) with the incentives' extra uptake; None if none."""
    factor = payer_uptakes(plan)
    if factor is None:
        return None
    mix = plan.scenario.demand.mix.payer
    weight = np.asarray([mix.get(p, 0.0) for p in plan.payers]) * factor
    return (plan.scenario.demand.cases_per_year * float(weight.sum()),
            {p: float(w / weight.sum()) for p, w in zip(plan.payers, weight, strict=True)})
