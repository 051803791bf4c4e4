"""Building blocks shared by every part of the scenario schema.

``Strict`` is the base of every section (frozen, unknown keys refused, no NaN
or infinity); ``Name``, ``Probability`` and ``Count`` are the constrained
scalar types the sections use; :func:`check_shares` is the one rule for shares
that must add up.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
_NAME = re.compile(r"[A-Za-z0-9_\-]+")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"names may use only letters, digits, _ and - (got {name!r})")
    return name


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]

_SUM_TOLERANCE = 1e-6


class Strict(BaseModel):
    """Base for every scenario section: frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def check_shares(shares: dict[str, float], what: str, total: float | None = 1.0) -> None:
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
