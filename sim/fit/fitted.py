"""A fitted value with the evidence behind it, as written beside it in the scenario file.

Example:
    >>> Fitted(12.5, "n=300, 95% CI [11.1, 13.9]").note
    'n=300, 95% CI [11.1, 13.9]'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fitted:
    """``value`` (a number, text, list or mapping of plain values) and a one-line ``note``.

    ``ci`` is the 95% interval of a scalar value (or a mapping key -> interval for shares and
    profiles); ``n`` the sample size behind it.
    """

    value: Any
    note: str
    n: int | None = None
    ci: Any = None


def plain(x: Any) -> Any:
    """``x`` with every :class:`Fitted` replaced by its value (for validation)."""
    if isinstance(x, Fitted):
        return plain(x.value)
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [plain(v) for v in x]
    return x
