"""The economics section of a scenario: what opinions cost and what they save.

Money is in the scenario's ``currency`` (USD by default); every amount's key
ends in ``_usd`` to say so. Prices and wages sit with whoever charges them:
a pool's ``price_per_case_usd`` and ``specialist_rate_per_hour_usd`` are in
``pools``, a payer's reimbursement, co-pay and mandate in ``payers``; what is
platform-wide (triage fees, records handling, the procedures an opinion may
avoid) is here. The arithmetic lives in :mod:`sim.outputs.economics`.

Example::

    economics:
      ai_fee_per_case_usd: 15
      coordinator_wage_per_hour_usd: 35
      records_cost_usd: {digital: 10, paper: 85}
      procedures:
        spine_fusion: {cost_usd: {dist: lognormal, mean: 60000, sd: 20000}, avoided: 0.25}
      procedure_share:
        orthopedics: {spine_fusion: 0.2}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.scenario.base import Name, Probability
from sim.scenario.base import Strict as _Strict
from sim.scenario.durations import Amount, Duration

Usd = Annotated[float, Field(ge=0, le=1e9)]


class Procedure(_Strict):
    """A recommended procedure that a second opinion may avoid."""

    cost_usd: Amount = Field(description="what the procedure would have cost the payer")
    avoided: Probability = Field(
        description="P(the opinion leads to the procedure being avoided or replaced by "
                    "conservative care); only a treatment change can avoid it, so it may not "
                    "exceed its specialties' treatment-change rate")
    conservative_care_usd: Amount | None = Field(
        default=None, description="cost of the care that replaces an avoided procedure (0 if "
                                  "omitted)")
    kind: Literal["surgery", "treatment_course"] = Field(
        default="surgery", description="an operation, or another course of treatment "
                                       "(chemotherapy, radiotherapy); KPIs count them apart")
    lead_time: Duration | None = Field(
        default=None, description="from the request to the procedure's scheduled date; an "
                                  "opinion after the date avoids nothing (none: no date)")


class RecordsCost(_Strict):
    """Collecting a case's records, imaging and pathology."""

    digital_usd: Usd = 0
    paper_usd: Usd = 0


def check_procedure_shares(shares: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per specialty, procedure shares are probabilities summing to at most 1."""
    for specialty, by_proc in shares.items():
        total = sum(by_proc.values())
        if total > 1 + 1e-6:
            listing = " + ".join(f"{k} {v:g}" for k, v in by_proc.items())
            raise ValueError(
                f"procedure shares of {specialty} must sum to at most 1 "
                f"(got {total:g} = {listing})")
    return shares


class Economics(_Strict):
    """Platform-wide costs, and the procedures second opinions may avoid."""

    currency: str = "USD"
    ai_fee_per_case_usd: Usd = Field(default=0, description="per case triaged by AI")
    coordinator_wage_per_hour_usd: Usd = Field(
        default=0,
        description="loaded wage of referral coordinators (legacy triage, hybrid checks)")
    records_cost_usd: RecordsCost = RecordsCost()
    channel_cost_usd: dict[Name, Usd] = Field(
        default={}, description="per channel, the cost of serving a case that way (a clinic "
                                "visit, a phone line, the portal)")
    rework_admin_usd: Usd = Field(
        default=0, description="administrative cost of re-routing a misrouted case")
    procedures: dict[Name, Procedure] = {}
    procedure_share: dict[Name, dict[Name, Probability]] = Field(
        default={}, description="per specialty, the share of cases that come with each "
                                "recommended procedure")
    delay_cost_per_day_usd: dict[Name, Usd] = Field(
        default={}, description="cost of each day from request to opinion, by priority")

    @field_validator("procedure_share")
    @classmethod
    def _shares(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return check_procedure_shares(v)


class Incentive(_Strict):
    """An ``incentivised`` payer's co-pay waiver and how much it raises uptake."""

    reference_copay_usd: Annotated[float, Field(gt=0, le=1e9)] = Field(
        description="the co-pay patients would pay without the incentive")
    price_elasticity: Annotated[float, Field(ge=-5, le=0)] = Field(
        description="relative change in uptake per relative change in the patient's price "
                    "(negative); uptake x (1 - elasticity x (reference - copay) / reference)")


class PayerEconomics(_Strict):
    """What a payer pays for, and why it funds second opinions."""

    mandate: Literal["none", "incentivised", "mandated"] = "none"
    mandated_procedures: list[Name] = Field(
        default=[], description="procedures for which a second opinion is a pre-authorisation "
                                "condition (mandate: mandated)")
    compliance: Probability = Field(
        default=1.0, description="mandated: share of the payer's cases with a mandated "
                                 "procedure whose pre-authorisation waits for the opinion")
    hold_cost_per_day_usd: Usd = Field(
        default=0, description="mandated: cost of each day a held procedure moves past its "
                               "date to wait for the opinion")
    incentive: Incentive | None = Field(
        default=None, description="incentivised: the co-pay waiver that raises uptake")
    procedure_share: dict[Name, dict[Name, Probability]] = Field(
        default={}, description="per specialty, overrides economics.procedure_share for this "
                                "payer's cases (a mandate brings cases scheduled for surgery)")
    reimbursement_usd: dict[Name, Usd] = Field(
        default={}, description="per opinion, by pool name or pool kind (in_house, outsourced)")
    reimbursement_by_channel_usd: dict[Name, Usd] = Field(
        default={}, description="per opinion, by channel; overrides reimbursement_usd")
    copay_usd: Usd = Field(default=0, description="the patient's share per opinion")
    covers_channels: Annotated[list[Name], Field(min_length=1)] | None = Field(
        default=None, description="channels it pays for (null = all); otherwise the patient "
                                  "pays the reimbursement amount out of pocket")

    @field_validator("procedure_share")
    @classmethod
    def _shares(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return check_procedure_shares(v)
