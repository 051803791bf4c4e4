"""The market file schema: what a market file may say, checked field by field.

A market file restates a market-research document as numbers: the total market in a few
named years, the growth rate the document claims, and how it splits by segment
(application, source, type, service, region and countries), each with a base-year share or
value and, where the document gives one, its own growth rate. The models are frozen and
refuse unknown keys, so a typo (``shares:``) is an error, never a silently ignored figure.

Rates and shares are fractions: ``0.068`` is 6.8% a year, ``0.34`` is 34%.

Example:
    >>> m = Market.model_validate({
    ...     "name": "toy", "currency": "USD", "unit": "billion",
    ...     "base_year": 2025, "end_year": 2030,
    ...     "total": {"values": [{"year": 2025, "value": 10.0}], "cagr": 0.05},
    ...     "dimensions": {"source": {"segments": {
    ...         "in_house": {"share": 0.6}, "outsourced": {"cagr": 0.08}}}},
    ...     "volumes": {"price_per_case": {"default": 750},
    ...                 "hours_per_case": {"default": 1.5}}})
    >>> m.dimensions["source"].segments["outsourced"].cagr.rate
    0.08

Checks that tie several fields together (years inside the horizon, names that exist) live in
:mod:`sim.market.checks`, so that each can point at its own line of the file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

UNITS: dict[str, float] = {"one": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
"""What one unit of a market value is worth in currency: ``unit: billion`` means 1e9."""

_NAME = re.compile(r"[A-Za-z0-9_\-]+")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"names may use only letters, digits, _ and - (got {name!r})")
    return name


def _check_rate(rate: float) -> float:
    if rate <= -1:
        raise ValueError(f"a growth rate must be above -1 (-100% a year) (got {rate:g})")
    if rate >= 1:
        raise ValueError("rates are fractions, 0.068 for 6.8% a year; 1 (100% a year) or more "
                         f"is refused (got {rate:g})")
    return rate


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]
Year = Annotated[int, Field(ge=1900, le=2200)]
Share = Annotated[float, Field(ge=0, le=1)]
Amount = Annotated[float, Field(ge=0)]
Rate = Annotated[float, AfterValidator(_check_rate)]


class Strict(BaseModel):
    """Base for every section: frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Growth(Strict):
    """A compound annual growth rate and the years it is stated for.

    Written either as a bare rate (``cagr: 0.081``, from the base year) or as a mapping
    (``cagr: {rate: 0.081, from: 2026, to: 2035}``). A segment keeps its share of the
    total until ``from``, compounds at ``rate`` until ``to``, then keeps its share again.
    ``None`` for ``from``/``to`` means the base year / the end year.
    """

    rate: Rate
    from_: Year | None = Field(default=None, alias="from")
    to: Year | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_rate(cls, data: Any) -> Any:
        is_number = isinstance(data, int | float) and not isinstance(data, bool)
        return {"rate": data} if is_number else data

    def period(self, base_year: int, end_year: int) -> tuple[int, int]:
        """The (first, last) year of the rate, defaults filled in.

        Example:
            >>> Growth.model_validate(0.05).period(2025, 2035)
            (2025, 2035)
        """
        return (self.from_ if self.from_ is not None else base_year,
                self.to if self.to is not None else end_year)


class Anchor(Strict):
    """The market's value in one named year, as a document states it."""

    year: Year
    value: Annotated[float, Field(gt=0)]


class Total(Strict):
    """The whole market: anchor values (the base year's among them) and a stated CAGR.

    ``follow: values`` (the default) draws the path through the anchors, growing
    geometrically between them; the stated CAGR is then only checked against them (and used
    after the last anchor). ``follow: cagr`` compounds the CAGR from its ``from`` year and
    only checks the later anchors.
    """

    values: Annotated[list[Anchor], Field(min_length=1)]
    cagr: Growth | None = None
    follow: Literal["values", "cagr"] = "values"


class Country(Strict):
    """A country within a region: a share of its region or a value, and maybe a CAGR.

    A country with neither share nor value cannot be placed in money; it is listed in the
    report (with its CAGR, if any) and left out of the projection.
    """

    label: str | None = None
    share: Share | None = Field(default=None, description="base-year share of its region")
    value: Amount | None = Field(default=None, description="base-year value, market units")
    cagr: Growth | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_base(self) -> Country:
        if self.share is not None and self.value is not None:
            raise ValueError("give share or value, not both "
                             f"(got share {self.share:g} and value {self.value:g})")
        return self


class Segment(Country):
    """One segment of a dimension: its base-year share of the total (or value), maybe a CAGR.

    ``fastest: true`` records a document's claim that this segment grows fastest in its
    dimension; the consistency report checks it. ``countries`` (only under ``region``) break
    a region down; they need not cover it (the rest is ``rest_of_<region>``).
    """

    share: Share | None = Field(default=None, description="base-year share of the total")
    fastest: bool = False
    countries: dict[Name, Country] = {}


class Dimension(Strict):
    """A way of splitting the market (application, source, type, service, region).

    Every segment gives a share or a value, except at most one, which is the rest. A dimension
    whose segments give no figures at all is *named only*: listed, not projected.
    """

    label: str | None = None
    segments: Annotated[dict[Name, Segment], Field(min_length=1)]

    @property
    def quantified(self) -> bool:
        """True if any segment gives a share, value or growth rate."""
        return any(s.share is not None or s.value is not None or s.cagr is not None
                   for s in self.segments.values())


class PerCase(Strict):
    """A per-case quantity (price, review hours) with a default and values by segment.

    ``segments`` name segments of ``dimension``; others use ``default``. ``annual_change``
    compounds from the base year (``-0.02`` = 2% cheaper every year).
    """

    default: Annotated[float, Field(gt=0)]
    dimension: Name | None = None
    segments: dict[Name, Annotated[float, Field(gt=0)]] = {}
    annual_change: Rate = 0.0

    @model_validator(mode="after")
    def _segments_need_dimension(self) -> PerCase:
        if self.segments and self.dimension is None:
            raise ValueError("segments need a dimension: name the dimension they belong to")
        return self


class Bounds(Strict):
    """A stated range ``[low, high]`` (``low <= high``)."""

    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.high < self.low:
            raise ValueError(f"high must not be below low (got low {self.low:g}, "
                             f"high {self.high:g})")
        return self


class ShareBounds(Bounds):
    """A range of shares (fractions, 0-1)."""

    low: Share
    high: Share


class PriceBounds(Bounds):
    """A range of prices (currency units, above 0)."""

    low: Annotated[float, Field(gt=0)]
    high: Annotated[float, Field(gt=0)]


class Volumes(Strict):
    """Turning money into work: price per case, specialist hours per case, hours per FTE.

    ``value_per_opinion`` is the sourced range of the market's average price per opinion
    in the base year (currency units); the volumes are recomputed at both ends of it, so
    every count of opinions carries the conversion's uncertainty (:mod:`sim.market.conversion`).
    """

    price_per_case: PerCase = Field(description="currency units (not market units) per case")
    hours_per_case: PerCase = Field(description="specialist review hours per case")
    hours_per_fte_year: Annotated[float, Field(gt=0, le=8760)] = 1800.0
    value_per_opinion: PriceBounds | None = Field(
        default=None, description="sourced range of the average price per opinion in the "
                                  "base year (currency units): the conversion's sensitivity")


class Concentration(Strict):
    """What a document says about the players: top-n share, the largest share, the HHI.

    The consistency report computes what these figures allow together
    (:mod:`sim.market.implications`); none of them changes the projection.
    """

    top_n: Annotated[int, Field(ge=1, le=10)] = 5
    top_share: ShareBounds | None = Field(default=None,
                                          description="combined share of the top_n players")
    max_share: Share | None = Field(default=None, description="no player's share exceeds it")
    hhi: Bounds | None = Field(default=None, description="Herfindahl-Hirschman Index, "
                                                         "0-10,000 (shares in percent)")
    players: dict[Name, ShareBounds] = Field(
        default={}, description="named players (among the top_n) and their share ranges")

    @model_validator(mode="after")
    def _fits(self) -> Concentration:
        if len(self.players) > self.top_n:
            raise ValueError(f"at most top_n ({self.top_n}) players can be named "
                             f"(got {len(self.players)})")
        if self.hhi is not None and self.hhi.high > 10_000:
            raise ValueError(f"an HHI is at most 10,000 (got {self.hhi.high:g})")
        return self


class Checks(Strict):
    """Tolerances of the consistency report.

    ``rate_tolerance``: a stated CAGR this close to the implied one (0.0005 = 0.05 percentage
    points) is consistent. ``share_tolerance``: shares summing this close to 1 are rounding.
    """

    rate_tolerance: Annotated[float, Field(ge=0, le=0.1)] = 0.0005
    share_tolerance: Annotated[float, Field(ge=0, le=0.1)] = 0.005


class Market(Strict):
    """A market file: one document's figures, ready to project."""

    name: Name
    title: str | None = None
    source: str | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    unit: Literal["one", "thousand", "million", "billion"] = "billion"
    base_year: Year
    end_year: Year
    total: Total
    dimensions: dict[Name, Dimension] = {}
    specialty_dimension: Name | None = Field(
        default=None, description="the dimension whose segments are specialties "
        "(default: 'application' or 'specialty' if present)")
    volumes: Volumes
    concentration: Concentration | None = None
    checks: Checks = Checks()

    _origin: Any = PrivateAttr(default=None)  # the parsed Document, to locate report findings

    @property
    def file(self) -> str | None:
        """The file this market was read from (``None`` if built in Python)."""
        return getattr(self._origin, "file", None)

    @property
    def years(self) -> list[int]:
        """Every projected year, base year to end year."""
        return list(range(self.base_year, self.end_year + 1))

    @property
    def scale(self) -> float:
        """Currency per market unit (1e9 for ``billion``)."""
        return UNITS[self.unit]

    @property
    def specialties(self) -> str | None:
        """The specialty dimension's name, if the file has one."""
        if self.specialty_dimension is not None:
            return self.specialty_dimension
        return next((d for d in ("application", "specialty") if d in self.dimensions), None)
