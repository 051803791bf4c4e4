"""Student-t confidence intervals: the one place sosim computes them.

Every interval sosim prints (KPI summaries, study tables, staffing targets,
replication analysis, paired and Welch comparisons) is a mean plus or minus
``t * sd / sqrt(n)``, with the critical value from :func:`scipy.stats.t`.

Example:
    >>> round(float(t_half_width(2.0, 5)), 4)      # sd 2 over 5 replications
    2.4833
    >>> t_half_width(2.0, 1)                       # one value: no interval
    array(nan)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

__all__ = ["t_critical", "t_half_width"]


def t_critical(confidence: float, df: Any) -> Any:
    """The two-sided Student-t critical value for ``confidence`` with ``df`` degrees of freedom."""
    return stats.t.ppf(0.5 + confidence / 2, df)


def t_half_width(sd: Any, n: Any, confidence: float = 0.95) -> Any:
    """Half-width of the t-interval of the mean of ``n`` values of sample sd ``sd``.

    Scalars, arrays, Series or DataFrames (element by element); NaN where ``n < 2``.
    """
    half = t_critical(confidence, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    if hasattr(half, "where"):  # pandas: keep the index
        return half.where(n > 1)
    return np.where(np.asarray(n) > 1, half, np.nan)
