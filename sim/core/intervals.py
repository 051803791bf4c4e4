"""Student-t confidence intervals: the one place sosim computes them.

Every interval sosim prints (KPI summaries, study tables, staffing targets,
replication analysis, paired and Welch comparisons) is a mean plus or minus
``t * sd / sqrt(n)``, with the critical value from :func:`scipy.special.stdtrit`, the
function :func:`scipy.stats.t` computes its quantiles with (the same numbers to the bit;
importing :mod:`scipy.stats` would cost most of a second of every run's start-up).

Example:
    >>> round(float(t_half_width(2.0, 5)), 4)      # sd 2 over 5 replications
    2.4833
    >>> t_half_width(2.0, 1)                       # one value: no interval
    array(nan)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["t_critical", "t_half_width"]


def t_critical(confidence: float, df: Any) -> Any:
    """The two-sided Student-t critical value for ``confidence`` with ``df`` degrees of freedom.

    ``scipy.stats.t.ppf(0.5 + confidence / 2, df)``, as an array (a float for a scalar
    ``df``), computed by the special function it calls.

    Example:
        >>> round(float(t_critical(0.95, 4)), 4)
        2.7764
    """
    from scipy import special  # lighter than scipy.stats; imported when an interval is asked

    return special.stdtrit(np.asarray(df, dtype=float), 0.5 + confidence / 2)[()]


def t_half_width(sd: Any, n: Any, confidence: float = 0.95) -> Any:
    """Half-width of the t-interval of the mean of ``n`` values of sample sd ``sd``.

    Scalars, arrays, Series or DataFrames (element by element); NaN where ``n < 2``.
    """
    half = t_critical(confidence, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    if hasattr(half, "where"):  # pandas: keep the index
        return half.where(n > 1)
    return np.where(np.asarray(n) > 1, half, np.nan)
