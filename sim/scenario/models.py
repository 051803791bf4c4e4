"""The scenario schema: what a scenario file may say, checked field by field.

These pydantic models are the single definition of a scenario. They are
frozen and refuse unknown keys, so a typo (``specalists:``) is an error rather
than a silently ignored setting. Checks that need more than one field (does the
pool's calendar exist? does every channel have a digital share?) live in
:mod:`sim.scenario.checks`; the full reference for users is
``docs/scenario-reference.md``.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.scenario.abandonment import Abandonment
from sim.scenario.access import Appointment, IncompleteRecords, RecordsTeam
from sim.scenario.base import Count, Name, Probability, Strict, check_shares
from sim.scenario.calendars import ALWAYS, WEEKDAYS, CalendarSpec
from sim.scenario.capabilities import Serves
from sim.scenario.contracts import Contract
from sim.scenario.durations import Duration
from sim.scenario.economics import Economics, PayerEconomics
from sim.scenario.hiring import Hiring
from sim.scenario.mandates import total_cases_per_year
from sim.scenario.priorities import PriorityClass
from sim.scenario.rosters import Absences, Session
from sim.scenario.triage import Triage
from sim.scenario.zones import TimeZone

__all__ = ["ALWAYS", "WEEKDAYS", "CalendarSpec", "Count", "Name", "Probability", "Scenario",
           "Strict", "Triage"]

# --------------------------------------------------------------------- simulation


class Simulation(Strict):
    """Run settings: when the simulated period starts, how long it lasts, the seed."""

    start: datetime.date = Field(description="first simulated day; hour 0 is its midnight")
    horizon_days: Annotated[float, Field(gt=0, le=36_500)] = 365
    warmup_days: Annotated[float, Field(ge=0)] = 0
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    replications: Annotated[int, Field(ge=1, le=10_000)] = 1
    business_calendar: str = Field(
        default="business",
        description="calendar on which business_days are counted when a duration names none",
    )
    time_zone: TimeZone | None = Field(
        default=None, description="IANA zone of the platform clock: hour 0 is midnight of "
                                  "start there; null = no zones (naive wall clock)")

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside(cls, warmup: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")  # absent if horizon_days itself is invalid
        if horizon is not None and warmup >= horizon:
            raise ValueError(
                f"must be shorter than horizon_days (got {warmup:g}; horizon_days is {horizon:g})"
            )
        return warmup


# ------------------------------------------------------------------------- demand


class Profile(Strict):
    """How arrivals spread over the week and the day (relative weights, any scale)."""

    weekday: Literal["flat"] | Annotated[list[Annotated[float, Field(ge=0)]], Field(
        min_length=7, max_length=7)] = "flat"
    hour_of_day: Literal["flat"] | Annotated[list[Annotated[float, Field(ge=0)]], Field(
        min_length=24, max_length=24)] = "flat"

    @field_validator("weekday", "hour_of_day")
    @classmethod
    def _some_weight(cls, v: str | list[float]) -> str | list[float]:
        if isinstance(v, list) and not any(w > 0 for w in v):
            raise ValueError("at least one weight must be positive (got all zero)")
        return v


class Mix(Strict):
    """Shares of cases by attribute. Each mapping's shares must sum to 1.

    ``subspecialty`` gives, per specialty, the share of its cases that need a
    named subspecialty (rare-tumour pathology, movement disorders); those shares
    sum to at most 1 and the rest of the specialty's cases are general.
    ``specialty_by_payer`` gives a payer its own specialty shares (a payer that
    mandates opinions before spine surgery brings orthopaedic cases); the other
    payers' cases follow ``specialty``.
    """

    specialty: dict[Name, Probability]
    channel: dict[Name, Probability]
    payer: dict[Name, Probability]
    priority: dict[Name, Probability] = {"routine": 1.0}
    subspecialty: dict[Name, dict[Name, Probability]] = {}
    specialty_by_payer: dict[Name, dict[Name, Probability]] = {}

    @field_validator("specialty_by_payer")
    @classmethod
    def _each_sums_to_one(cls, by_payer: dict[str, dict[str, float]]
                          ) -> dict[str, dict[str, float]]:
        for payer, shares in by_payer.items():
            check_shares(shares, f"specialty shares of {payer}")
        return by_payer

    def specialty_of(self, payer: str) -> dict[str, float]:
        """The specialty shares of ``payer``'s cases."""
        return self.specialty_by_payer.get(payer, self.specialty)

    def overall_specialty(self) -> dict[str, float]:
        """Specialty shares of all cases: the payers' own mixes weighted by payer share."""
        if not self.specialty_by_payer:
            return self.specialty
        out = dict.fromkeys(self.specialty, 0.0)
        for payer, weight in self.payer.items():
            for sp, share in self.specialty_of(payer).items():
                out[sp] = out.get(sp, 0.0) + weight * share
        return out

    @field_validator("specialty", "channel", "payer", "priority")
    @classmethod
    def _sum_to_one(cls, shares: dict[str, float], info) -> dict[str, float]:  # noqa: ANN001
        check_shares(shares, "shares")
        return shares

    @field_validator("subspecialty")
    @classmethod
    def _at_most_one(cls, subs: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for specialty, shares in subs.items():
            check_shares(shares, f"subspecialty shares of {specialty}", total=None)
        return subs


class MarketDemand(Strict):
    """Demand taken from a market file: a platform's share of a market segment in a year."""

    file: str = Field(description="market file, relative to the scenario file")
    year: Annotated[int, Field(ge=1900, le=2200)]
    share: Annotated[float, Field(gt=0, le=1)] = Field(
        description="the platform's share of the segment's second opinions")
    segment: dict[Name, Name] = Field(
        default={}, description="dimension -> segment, e.g. {source: outsourced, "
                                "region: north_america}; {} is the whole market")
    specialty_mix: bool = Field(
        default=True, description="take the specialty shares from the market where its "
                                  "application segments name the scenario's specialties")


class Demand(Strict):
    """Case arrivals: a yearly volume shaped by weekday and hour-of-day profiles.

    Give ``cases_per_year``, or ``market`` to derive it (and the specialty mix)
    from a market file; when both are given, ``market`` wins and the file's
    ``cases_per_year`` is only a fallback for reading.
    """

    cases_per_year: Annotated[float, Field(gt=0, le=1e8)] | None = None
    market: MarketDemand | None = None
    profile: Profile = Profile()
    mix: Mix

    @model_validator(mode="after")
    def _volume_given(self) -> Demand:
        if self.cases_per_year is None and self.market is None:
            raise ValueError("give cases_per_year, or market to derive it from a market file")
        return self


# ------------------------------------------------------------------------- intake


class Intake(Strict):
    """Collecting records, imaging and pathology before triage."""

    digital: Duration
    paper: Duration
    digital_share: dict[Name, Probability] = Field(
        description="per channel, the share of cases whose records arrive digitally"
    )
    team: RecordsTeam | None = Field(
        default=None, description="navigators who collect the records (sim.scenario.access); "
                                  "none = digital and paper are pure delays from arrival")


# ------------------------------------------------------------------ payers, pools


class Preauth(Strict):
    """A payer's pre-authorisation: a delay before the case may be routed."""

    delay: Duration
    share: Probability = Field(default=1.0, description="share of the payer's cases that need it")


class Payer(PayerEconomics):
    """A payer: its pre-authorisation rule, which pools it covers, and what it pays."""

    preauth: Preauth | None = None
    covers: Annotated[list[Name], Field(min_length=1)] | None = Field(
        default=None, description="pool names it pays for; null = every pool"
    )


class Pool(Strict):
    """A specialist pool: in-house (hospital) or outsourced (second-opinion company)."""

    kind: Literal["in_house", "outsourced"]
    calendar: str
    specialists: dict[Name, Count]
    subspecialists: dict[Name, dict[Name, Count]] = {}
    review: Duration = Field(description="specialist work per case (working time)")
    review_by_specialty: dict[Name, Duration] = {}
    price_per_case_usd: Annotated[float, Field(ge=0, le=1e9)] = Field(
        default=0, description="what an opinion from this pool costs per case: the outsourced "
                               "company's price, or the in-house overhead per case")
    specialist_rate_per_hour_usd: Annotated[float, Field(ge=0, le=1e9)] = Field(
        default=0, description="paid per hour of specialist work actually simulated")
    contract: Contract | None = Field(
        default=None, description="outsourced pools: price, weekly cap, SLA, commitment "
                                  "(sim.scenario.contracts)")
    sessions: dict[str, Annotated[list[Session], Field(min_length=1)]] = Field(
        default={}, description="line (specialty or specialty/subspecialty) -> the weekly "
                                "sessions its specialists give (sim.scenario.rosters)")
    absences: Absences | None = None
    serves: Serves = Field(
        default=Serves(), description="channels and payers the pool may serve "
                                      "(sim.scenario.capabilities); default: every one")


class Routing(Strict):
    """How a matched case picks a pool among those that staff its (sub)specialty."""

    policy: Literal["in_house_first", "outsourced_first", "overflow", "by_channel", "by_payer"]
    overflow_wait_hours: Annotated[float, Field(ge=0)] = 48
    by_channel: dict[Name, Literal["in_house", "outsourced"]] = {}
    by_payer: dict[Name, Literal["in_house", "outsourced"]] = Field(
        default={}, description="by_payer only: payer -> the pool kind its cases try first; "
                                "a payer not listed is routed as under overflow")


class OutcomeRates(Strict):
    """Shares of opinions that confirm, refine or change the diagnosis."""

    confirmed: Probability
    refined: Probability
    changed: Probability
    treatment_changed: Probability = Field(
        default=0.0, description="P(the opinion changes the treatment plan); only a treatment "
                                 "change can avoid a procedure")
    both_changed: Probability | None = Field(
        default=None, description="P(diagnosis changed and treatment changed): makes the two "
                                  "correlated (Meyer 2015: 0.106); none = independent")

    @model_validator(mode="after")
    def _sum_to_one(self) -> OutcomeRates:
        shares = {"confirmed": self.confirmed, "refined": self.refined, "changed": self.changed}
        check_shares(shares, "outcome rates")
        if self.both_changed is not None:
            low = max(0.0, self.changed + self.treatment_changed - 1)
            high = min(self.changed, self.treatment_changed)
            if not low - 1e-9 <= self.both_changed <= high + 1e-9:
                raise ValueError(
                    f"both_changed must lie between {low:g} and {high:g} given changed "
                    f"{self.changed:g} and treatment_changed {self.treatment_changed:g} "
                    f"(got {self.both_changed:g})")
        return self

    def treatment_change_given(self) -> tuple[float, float]:
        """P(treatment changed | diagnosis changed), P(treatment changed | not changed)."""
        t, d = self.treatment_changed, self.changed
        if self.both_changed is None:
            return t, t
        given_d = self.both_changed / d if d > 0 else t
        given_not = (t - self.both_changed) / (1 - d) if d < 1 else t
        return given_d, given_not


class Timeline(Strict):
    """A multi-year run: each year simulated with that year's volume and AI adoption."""

    first_year: Annotated[int, Field(ge=1900, le=2200)]
    last_year: Annotated[int, Field(ge=1900, le=2200)]
    ai_adoption: dict[int, Probability] = Field(
        default={}, description="year -> share of cases triaged by AI (triage.ai_share), "
                                "linear between the years given, flat beyond them")
    scale_staff: bool = Field(
        default=False, description="grow specialists, coordinators, navigators and "
                                   "appointment slots with the volume (relative to the "
                                   "first year, rounded up)")
    hiring: Hiring | None = Field(
        default=None, description="specialists follow a hiring plan with lead times and "
                                  "attrition (sim.scenario.hiring)")

    @model_validator(mode="after")
    def _ordered(self) -> Timeline:
        if self.last_year < self.first_year:
            raise ValueError(f"last_year must not be before first_year "
                             f"(got {self.first_year}-{self.last_year})")
        if self.last_year - self.first_year > 50:
            raise ValueError(f"at most 51 years (got {self.first_year}-{self.last_year})")
        return self


class Targets(Strict):
    """Service-level targets: KPIs report the share of cases within them."""

    time_to_match_hours: Annotated[float, Field(gt=0)] = 24
    time_to_opinion_hours: Annotated[float, Field(gt=0)] = 72


# ----------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A whole validated scenario: the only thing the rest of sosim reads.

    Build one with :func:`sim.load_scenario`, which also runs the cross-field
    checks and reports every problem at once.
    """

    name: Name
    description: str = ""
    simulation: Simulation
    calendars: dict[Name, Literal["24x7"] | CalendarSpec] = {}
    demand: Demand
    intake: Intake | None = None
    triage: Triage
    payers: Annotated[dict[Name, Payer], Field(min_length=1)]
    pools: Annotated[dict[Name, Pool], Field(min_length=1)]
    routing: Routing = Routing(policy="in_house_first")
    outcomes: dict[Name, OutcomeRates] = Field(
        description="per specialty; the key 'default' covers specialties not listed"
    )
    targets: Targets = Targets()
    economics: Economics | None = None
    timeline: Timeline | None = None
    abandonment: Abandonment | None = None
    appointments: dict[Name, Appointment] | None = Field(
        default=None, description="per channel, the wait for an appointment slot before the "
                                  "specialist sees the case: a delay, or a diary of slots per "
                                  "pool (sim.scenario.access)")
    incomplete_records: IncompleteRecords | None = None
    priorities: Annotated[dict[Name, PriorityClass], Field(min_length=1)] | None = Field(
        default=None, description="priority classes in service order (first served first); "
                                  "none = urgent, routine")

    @property
    def horizon_hours(self) -> float:
        return self.simulation.horizon_days * 24

    @property
    def warmup_hours(self) -> float:
        return self.simulation.warmup_days * 24

    @property
    def expected_cases(self) -> float:
        """Expected arrivals over the horizon (for run-size checks), co-pay waivers' uptake and
        mandates' volume included (:mod:`sim.scenario.mandates`)."""
        return total_cases_per_year(self) * self.simulation.horizon_days / 365
