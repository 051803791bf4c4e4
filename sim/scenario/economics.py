"""The economics section of a scenario: what opinions cost and what they save.

Money is in the scenario's ``currency`` (USD by default); every amount's key
ends in ``_usd`` to say so. Prices and wages sit with whoever charges them:
a pool's ``price_per_case_usd`` and ``specialist_rate_per_hour_usd`` are in
``pools``, a payer's reimbursement, co-pay and mandate in ``payers``; what is
platform-wide (triage fees, records handling, the procedures an opinion may
avoid) is here. The arithmetic lives in :mod:`sim.outputs.economics`.

Full cost: an in-house pool listed under ``specialist_pay`` pays its specialists for the
time they are contracted (their calendar or sessions, idle hours and paid leave included),
and referral coordinators are paid for their hours on their calendar
(``coordinators_paid_for``); outsourced pools are paid per case, plus any unused contract
commitment, less SLA credits. Cost per opinion divides all of it by the opinions delivered.

Example::

    economics:
      ai_fee_per_case_usd: 15
      coordinator_wage_per_hour_usd: 35
      records_cost_usd: {digital: 10, paper: 85}
      specialist_pay:
        in_house: {annual_compensation_usd: {oncology: 464000, default: 400000},
                   on_cost_share: 0.25}
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
HOURS_PER_YEAR = 8760.0


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


class SpecialistPay(_Strict):
    """What a pool's specialists are paid for the time they are contracted, idle or not.

    A specialist of the pool is a post on the pool's calendar (or on its line's sessions);
    each contracted hour costs ``annual_compensation_usd x (1 + on_cost_share) /
    full_time_hours_per_year``. With ``full_time_hours_per_year`` unset, a full year of the
    pool's calendar is one full-time post: a specialist on business hours costs one
    compensation a year, one giving two 4-hour sessions a week 8 / 45 of it.

    Example:
        >>> pay = SpecialistPay(annual_compensation_usd={"oncology": 464000, "default": 4e5},
        ...                     on_cost_share=0.25)
        >>> pay.annual_usd("oncology/rare_tumour_pathology"), pay.annual_usd("cardiology")
        (580000.0, 500000.0)
    """

    annual_compensation_usd: Annotated[dict[str, Usd], Field(min_length=1)] = Field(
        description="by line (specialty, or specialty/subspecialty; a subspecialty falls back "
                    "to its specialty), with 'default' for lines not listed")
    on_cost_share: Annotated[float, Field(ge=0, le=2)] = Field(
        default=0, description="benefits, malpractice and payroll taxes on top of the "
                               "compensation, as a share of it")
    full_time_hours_per_year: Annotated[float, Field(gt=0, le=HOURS_PER_YEAR)] | None = Field(
        default=None, description="contracted hours of one full-time post (none: a year of "
                                  "the pool's calendar). On a 24x7 calendar a specialist is "
                                  "a post covered round the clock: set it (e.g. 2,259) to pay "
                                  "that post as about four people")

    def annual_usd(self, line: str) -> float:
        """Loaded yearly cost of one full-time specialist of ``line``."""
        pay = self.annual_compensation_usd
        base = pay.get(line, pay.get(line.split("/", 1)[0], pay.get("default")))
        if base is None:
            raise KeyError(f"no annual_compensation_usd for line {line!r} and no 'default'")
        return float(base) * (1 + self.on_cost_share)


class Economics(_Strict):
    """Platform-wide costs, and the procedures second opinions may avoid."""

    currency: str = "USD"
    ai_fee_per_case_usd: Usd = Field(default=0, description="per case triaged by AI")
    coordinator_wage_per_hour_usd: Usd = Field(
        default=0,
        description="loaded wage of referral coordinators (legacy triage, hybrid checks)")
    coordinators_paid_for: Literal["contracted_hours", "handled_minutes"] = Field(
        default="contracted_hours",
        description="contracted_hours: every hour of the coordinators' calendar, idle or not; "
                    "handled_minutes: only the hands-on time per case (a marginal view)")
    specialist_pay: dict[Name, SpecialistPay] = Field(
        default={}, description="pool name -> its specialists' pay for contracted time, idle "
                                "hours included (a pool listed here has "
                                "specialist_rate_per_hour_usd 0)")
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
        default={}, description="cost of each day a patient waits (request to opinion, to "
                                "giving up, or to the horizon), by priority; none = off")

    @field_validator("procedure_share")
    @classmethod
    def _shares(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return check_procedure_shares(v)

    @property
    def self_paying(self) -> bool:
        """No third party pays anything: the patients pay and bear the procedure's cost."""
        return not (self.reimbursement_usd or self.reimbursement_by_channel_usd
                    or self.pmpm_usd is not None)


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
    members: Annotated[int, Field(ge=1, le=10**9)] | None = Field(
        default=None, description="covered lives (members) a per-member-per-month contract "
                                  "is priced on; the money table then shows each payer's "
                                  "fees and break-even price per member per month")
    pmpm_usd: Usd | None = Field(
        default=None, description="price per member per month (needs members): the payer "
                                  "pays members x pmpm_usd a month instead of per-case "
                                  "reimbursement; co-pays still apply")

    @field_validator("procedure_share")
    @classmethod
    def _shares(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return check_procedure_shares(v)

    @property
    def self_paying(self) -> bool:
        """No third party pays anything: the patients pay and bear the procedure's cost."""
        return not (self.reimbursement_usd or self.reimbursement_by_channel_usd
                    or self.pmpm_usd is not None)

