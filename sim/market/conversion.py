"""From market value to opinions, honestly: the conversion as a stated range.

A market document counts money; a platform counts opinions. The conversion is the
average price of an opinion: document 000's prices (USD 750 hospital, 678 online portal,
by the type shares) give about USD 727 an opinion in 2025, so USD 6.89 bn is 9.5 million
opinions. That price is not known to better than a range: sourced fees run from USD 493
(in-person, top-30 US neuro hospitals) to 790 (online, academic centres). A market file
states it as ``volumes.value_per_opinion: {low, high}`` (the base year's market-wide
average, currency units), and every count of opinions is then given at both ends of it.

Prices of all segments are taken to move together: at the range's ``low`` every segment's
price is ``low / central`` times its stated one, so cases scale by ``central / low``
whatever the segment or year, and the shares and mixes do not change.

Example:
    >>> c = Conversion(central=727.0, low=493.0, high=790.0)
    >>> round(c.fewest(1000.0)), round(c.most(1000.0))
    (920, 1475)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.market.volumes import unit_rates

if TYPE_CHECKING:
    from sim.market.projection import Projection

__all__ = ["Conversion", "conversion"]


@dataclass(frozen=True)
class Conversion:
    """The average price per opinion in the base year: as projected, and its sourced range."""

    central: float
    low: float
    high: float

    def fewest(self, cases: float) -> float:
        """``cases`` (counted at the central price) recounted at the high price."""
        return cases * self.central / self.high

    def most(self, cases: float) -> float:
        """``cases`` (counted at the central price) recounted at the low price."""
        return cases * self.central / self.low

    def describe(self, currency: str) -> str:
        """One line for reports.

        >>> print(Conversion(727.0, 493.0, 790.0).describe("USD"))
        USD 727 an opinion (sourced range 493-790): opinions x 0.92-1.47
        """
        return (f"{currency} {self.central:,.0f} an opinion (sourced range {self.low:,.0f}-"
                f"{self.high:,.0f}): opinions x {self.central / self.high:.2f}-"
                f"{self.central / self.low:.2f}")


def conversion(projection: Projection) -> Conversion | None:
    """The projection's conversion, or ``None`` if its file states no ``value_per_opinion``."""
    stated = projection.market.volumes.value_per_opinion
    if stated is None:
        return None
    central = 1.0 / float(unit_rates(projection, {}).cases[0])
    return Conversion(central=central, low=stated.low, high=stated.high)
