"""Demand fitted from the arrivals: volume, weekday and hour-of-day profile, attribute mix.

- **Volume**: arrivals per 365 days over the log's window (whole days from hour 0 to the day
  of the last arrival), with an exact Poisson 95% interval.
- **Profiles**: arrivals per weekday (per hour of the day) divided by the number of such
  weekdays (days) in the window, scaled to mean 1 as the schema reads them; each weight has a
  Poisson interval on the same scale.
- **Mix**: the share of cases with each value of each attribute present, with Clopper-Pearson
  intervals (:func:`scipy.stats.binomtest`); shares are rounded so that they sum to 1.

Example:
    >>> d = fit_demand(fitted.table, log.start)     # 470 cases in 14 days
    >>> d["cases_per_year"].value, [round(x) for x in d["cases_per_year"].ci]
    (12253.6, [11171, 13413])
    >>> scenario.demand.cases_per_year                # what the run was given
    11500.0
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.fit.fitted import Fitted


def poisson_ci(k: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean from one count ``k``."""
    a = 1 - level
    lo = 0.0 if k == 0 else stats.chi2.ppf(a / 2, 2 * k) / 2
    return float(lo), float(stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2)


def shares(values: pd.Series) -> Fitted:
    """Shares of each value (sum exactly 1 after rounding) with Clopper-Pearson intervals."""
    counts = values.dropna().astype(str).value_counts().sort_index()
    n = int(counts.sum())
    raw = {str(k): int(v) for k, v in counts.items()}
    rounded = {k: round(v / n, 6) for k, v in raw.items()}
    top = max(rounded, key=rounded.get)
    rounded[top] = round(1 - sum(v for k, v in rounded.items() if k != top), 6)
    ci = {k: tuple(float(x) for x in stats.binomtest(v, n).proportion_ci()) for k, v in raw.items()}
    text = ", ".join(f"{k} {rounded[k]:.3f} [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" for k in rounded)
    return Fitted(rounded, f"n={n} cases; share [95% CI]: {text}", n, ci)


def _profile(counts: np.ndarray, exposure: np.ndarray, what: str) -> Fitted:
    rate = counts / np.maximum(exposure, 1)
    scale = rate.mean()
    weights = [round(float(r / scale), 4) for r in rate]
    ci = [tuple(x / max(e, 1) / scale for x in poisson_ci(int(k)))
          for k, e in zip(counts, exposure, strict=True)]
    return Fitted(weights, f"n={int(counts.sum())} arrivals; {what} rate / mean rate "
                  "(95% Poisson intervals in the fit report)", int(counts.sum()), ci)


def fit_demand(table: pd.DataFrame, start: dt.date) -> dict[str, Fitted]:
    """Volume, profiles and mix of the cases in ``table`` (a stage table)."""
    arrival = table["arrival_h"].to_numpy()
    days = max(1, math.ceil(float(arrival.max()) / 24 + 1e-9))
    n = len(arrival)
    lo, hi = poisson_ci(n)
    per_year = 365 / days
    volume = Fitted(round(n * per_year, 1), f"n={n} arrivals in {days} days; 95% CI "
                    f"[{lo * per_year:.0f}, {hi * per_year:.0f}] (Poisson)", n,
                    (lo * per_year, hi * per_year))
    day = np.floor(arrival / 24).astype(int)
    weekday = (start.weekday() + day) % 7
    exposure_wd = np.bincount((start.weekday() + np.arange(days)) % 7, minlength=7)
    hour = np.floor(arrival - 24 * day).astype(int).clip(0, 23)
    out = {
        "cases_per_year": volume,
        "weekday": _profile(np.bincount(weekday, minlength=7), exposure_wd, "weekday"),
        "hour_of_day": _profile(np.bincount(hour, minlength=24), np.full(24, days),
                                "hour-of-day"),
    }
    for attr in ("specialty", "channel", "payer", "priority"):
        if attr in table and table[attr].notna().any():
            out[attr] = shares(table[attr])
    return out
