"""Duration distributions as they are written in scenario files.

Every random duration in a scenario (records intake, triage handling, the
referral cycle, pre-authorisation, specialist review) is one of these specs,
chosen by its ``dist`` key::

    review: {dist: lognormal, mean: 1.5, sd: 0.7, unit: hours}
    paper:  {dist: uniform, low: 2, high: 5, unit: business_days, calendar: business}

Units are ``minutes``, ``hours``, ``days`` (24 elapsed hours) and
``business_days`` (working days counted on ``calendar``, by default the
scenario's ``simulation.business_calendar``). The same shapes without a unit
(:data:`Amount`) describe money, such as the cost of an avoided procedure. The
specs only describe; the arithmetic (quantiles, means) lives in
:mod:`sim.core.distributions`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Unit = Literal["minutes", "hours", "days", "business_days"]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FixedAmount(_Dist):
    """Always the same duration."""

    dist: Literal["fixed"]
    value: NonNegative


class ExponentialAmount(_Dist):
    """Exponential with the given mean (memoryless; the M in M/M/c)."""

    dist: Literal["exponential"]
    mean: Positive


class UniformAmount(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> UniformAmount:
        if self.high < self.low:
            raise ValueError(f"high must be >= low (got low={self.low}, high={self.high})")
        return self


class TriangularAmount(_Dist):
    """Triangular with minimum ``low``, most likely ``mode`` and maximum ``high``."""

    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> TriangularAmount:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                "need low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self


class LognormalAmount(_Dist):
    """Lognormal given by its own mean and standard deviation (not the log's)."""

    dist: Literal["lognormal"]
    mean: Positive
    sd: Positive


class GammaAmount(_Dist):
    """Gamma given by its mean and standard deviation (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]
    mean: Positive
    sd: Positive


class EmpiricalAmount(_Dist):
    """Resampled from observed ``values``, optionally with ``weights``."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNegative], Field(min_length=1)]
    weights: list[NonNegative] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> EmpiricalAmount:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights must have one entry per value "
                    f"(got {len(self.weights)} weights for {len(self.values)} values)"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self


Amount = Annotated[
    FixedAmount | ExponentialAmount | UniformAmount | TriangularAmount | LognormalAmount
    | GammaAmount | EmpiricalAmount,
    Field(discriminator="dist"),
]
"""A random quantity without a unit (money in the economics section)."""


class _Timed(_Dist):
    unit: Unit = "hours"
    calendar: str | None = Field(
        default=None,
        description="calendar business_days are counted on (default: simulation.business_calendar)",
    )


class Fixed(_Timed, FixedAmount):
    """A fixed duration."""


class Exponential(_Timed, ExponentialAmount):
    """An exponential duration."""


class Uniform(_Timed, UniformAmount):
    """A uniform duration."""


class Triangular(_Timed, TriangularAmount):
    """A triangular duration."""


class Lognormal(_Timed, LognormalAmount):
    """A lognormal duration."""


class Gamma(_Timed, GammaAmount):
    """A gamma duration."""


class Empirical(_Timed, EmpiricalAmount):
    """An empirical duration."""


Duration = Annotated[
    Fixed | Exponential | Uniform | Triangular | Lognormal | Gamma | Empirical,
    Field(discriminator="dist"),
]
"""Any duration spec; pydantic picks the class from the ``dist`` key."""
