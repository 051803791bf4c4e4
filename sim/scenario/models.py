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
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.durations import Duration, Fixed
from sim.scenario.economics import Economics, PayerEconomics

Probability = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
_NAME = re.compile(r"[A-Za-z0-9_\-]+")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"names may use only letters, digits, _ and - (got {name!r})")
    return name


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24x7"
"""The calendar name that is always defined: every hour of every day is working time."""

_SUM_TOLERANCE = 1e-6


class Strict(BaseModel):
    """Base for every scenario section: frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _check_shares(shares: dict[str, float], what: str, total: float | None = 1.0) -> None:
    """Shares must sum to ``total`` (or to at most 1 when ``total`` is None)."""
    if not shares:
        raise ValueError(f"{what} must name at least one entry")
    s = sum(shares.values())
    listing = " + ".join(f"{k} {v:g}" for k, v in shares.items())
    if total is None:
        if s > 1 + _SUM_TOLERANCE:
            raise ValueError(f"{what} must sum to at most 1 (got {s:g} = {listing})")
    elif abs(s - total) > _SUM_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (got {s:g} = {listing})")


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

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside(cls, warmup: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")  # absent if horizon_days itself is invalid
        if horizon is not None and warmup >= horizon:
            raise ValueError(
                f"must be shorter than horizon_days (got {warmup:g}; horizon_days is {horizon:g})"
            )
        return warmup


# ---------------------------------------------------------------------- calendars

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_hhmm(text: str) -> float:
    m = _HHMM.match(text.strip())
    if not m or int(m[2]) >= 60 or int(m[1]) > 24 or (int(m[1]) == 24 and int(m[2]) != 0):
        raise ValueError(f"times are written HH:MM between 00:00 and 24:00 (got {text!r})")
    return int(m[1]) + int(m[2]) / 60


class CalendarSpec(Strict):
    """A weekly working calendar: worked weekdays, opening hours, holidays.

    ``hours`` is either one interval written as two times (``["08:00", "17:00"]``)
    or several intervals written ``"HH:MM-HH:MM"`` (``["08:00-12:00", "13:00-17:00"]``).
    """

    days: Annotated[list[Literal[WEEKDAYS]], Field(min_length=1)]  # type: ignore[valid-type]
    hours: Annotated[list[str], Field(min_length=1)]
    holidays: list[datetime.date] = []

    @field_validator("days")
    @classmethod
    def _unique_days(cls, days: list[str]) -> list[str]:
        if len(set(days)) != len(days):
            raise ValueError(f"days must not repeat (got {days})")
        return days

    @field_validator("hours", mode="before")
    @classmethod
    def _quoted_times(cls, hours: object) -> object:
        for h in hours if isinstance(hours, list) else []:
            if isinstance(h, int | float) and not isinstance(h, bool):
                raise ValueError(
                    'write times in quotes, e.g. ["08:00", "17:00"]; YAML reads an unquoted '
                    f"17:00 as the number 1020 (got {h!r})"
                )
        return hours

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, hours: list[str]) -> list[str]:
        intervals = _intervals_of(hours)
        for (_, b), (c, _) in zip(intervals, intervals[1:], strict=False):
            if c < b:
                raise ValueError(f"opening intervals overlap or are out of order (got {hours})")
        for a, b in intervals:
            if b <= a:
                raise ValueError(
                    f"each interval must close after it opens, within one day (got {hours})"
                )
        return hours

    def intervals(self) -> list[tuple[float, float]]:
        """Open intervals within a working day, in hours of the day."""
        return _intervals_of(self.hours)

    def weekday_numbers(self) -> list[int]:
        """Worked weekdays as numbers, Monday = 0."""
        return sorted(WEEKDAYS.index(d) for d in self.days)


def _intervals_of(hours: list[str]) -> list[tuple[float, float]]:
    if all("-" not in h for h in hours):
        if len(hours) != 2:
            raise ValueError(
                'write one interval as ["08:00", "17:00"] or several as '
                f'["08:00-12:00", "13:00-17:00"] (got {hours})'
            )
        return [(_parse_hhmm(hours[0]), _parse_hhmm(hours[1]))]
    out = []
    for h in hours:
        parts = h.split("-")
        if len(parts) != 2:
            raise ValueError(f'write each interval as "HH:MM-HH:MM" (got {h!r})')
        out.append((_parse_hhmm(parts[0]), _parse_hhmm(parts[1])))
    return out


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
    """

    specialty: dict[Name, Probability]
    channel: dict[Name, Probability]
    payer: dict[Name, Probability]
    priority: dict[Literal["urgent", "routine"], Probability] = {"routine": 1.0}
    subspecialty: dict[Name, dict[Name, Probability]] = {}

    @field_validator("specialty", "channel", "payer", "priority")
    @classmethod
    def _sum_to_one(cls, shares: dict[str, float], info) -> dict[str, float]:  # noqa: ANN001
        _check_shares(shares, "shares")
        return shares

    @field_validator("subspecialty")
    @classmethod
    def _at_most_one(cls, subs: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for specialty, shares in subs.items():
            _check_shares(shares, f"subspecialty shares of {specialty}", total=None)
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


# ------------------------------------------------------------------------- triage


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


class Routing(Strict):
    """How a matched case picks a pool among those that staff its (sub)specialty."""

    policy: Literal["in_house_first", "outsourced_first", "overflow", "by_channel"]
    overflow_wait_hours: Annotated[float, Field(ge=0)] = 48
    by_channel: dict[Name, Literal["in_house", "outsourced"]] = {}


class OutcomeRates(Strict):
    """Shares of opinions that confirm, refine or change the diagnosis."""

    confirmed: Probability
    refined: Probability
    changed: Probability
    treatment_changed: Probability = Field(
        default=0.0, description="P(the opinion changes the treatment plan); an avoided "
                                 "procedure always counts as a treatment change")

    @model_validator(mode="after")
    def _sum_to_one(self) -> OutcomeRates:
        shares = {"confirmed": self.confirmed, "refined": self.refined, "changed": self.changed}
        _check_shares(shares, "outcome rates")
        return self


class Timeline(Strict):
    """A multi-year run: each year simulated with that year's volume and AI adoption."""

    first_year: Annotated[int, Field(ge=1900, le=2200)]
    last_year: Annotated[int, Field(ge=1900, le=2200)]
    ai_adoption: dict[int, Probability] = Field(
        default={}, description="year -> share of cases triaged by AI (triage.ai_share), "
                                "linear between the years given, flat beyond them")
    scale_staff: bool = Field(
        default=False, description="grow specialists and coordinators with the volume "
                                   "(relative to the first year, rounded up)")

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

    @property
    def horizon_hours(self) -> float:
        return self.simulation.horizon_days * 24

    @property
    def warmup_hours(self) -> float:
        return self.simulation.warmup_days * 24

    @property
    def expected_cases(self) -> float:
        """Expected arrivals over the horizon (for run-size checks)."""
        return self.demand.cases_per_year * self.simulation.horizon_days / 365
