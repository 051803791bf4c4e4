"""Fitting a duration to observed values: a schema family chosen by AIC, checked by KS.

Candidates are the schema's families (``fixed``, ``exponential``, ``uniform``,
``triangular``, ``lognormal``, ``gamma``), fitted by maximum likelihood with
:mod:`scipy.stats` (location fixed at 0 for the positive families, as the schema has no
shift). The family with the lowest AIC is kept if a Kolmogorov-Smirnov test does not reject
it at 1% (the p-value is optimistic, since the parameters were fitted on the same data);
families within 2 AIC points of the best count as equally supported and the one with
fewest parameters is kept; otherwise the duration is written ``empirical`` (up to 100
quantiles of the data). Every fit carries its sample size and a 95% t-interval of the mean.

Example:
    >>> import numpy as np
    >>> fd = fit_duration(np.random.default_rng(1).exponential(2.0, 2000))
    >>> fd.spec["dist"], fd.mean_ci[0] < 2.0 < fd.mean_ci[1]
    ('exponential', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

KS_ALPHA = 0.01
_PARAMS = {"exponential": 1, "uniform": 2, "lognormal": 2, "gamma": 2, "triangular": 3}
MIN_FOR_FAMILY = 20
"""Below this many values the duration is written ``empirical``."""


@dataclass(frozen=True)
class FittedDuration:
    """A fitted duration: the schema mapping (in hours), and the evidence for it."""

    spec: dict
    n: int
    mean: float
    mean_ci: tuple[float, float]
    sd: float
    aic: dict[str, float]
    ks_p: float | None

    @property
    def note(self) -> str:
        """The comment written beside the value in the scenario file."""
        lo, hi = self.mean_ci
        dist = self.spec["dist"]
        if dist == "empirical" and self.aic:
            fit = (f"empirical ({min(self.aic, key=self.aic.get)} best by AIC but rejected, "
                   f"KS p={self.ks_p:.2g})")
        elif self.ks_p is not None:
            fit = f"{dist} by AIC, KS p={self.ks_p:.2g}"
        else:
            fit = dist
        return (f"n={self.n}, {fit}; observed mean {self.mean:.4g} h "
                f"[{lo:.4g}, {hi:.4g}] 95% CI, sd {self.sd:.3g} h")


def _round(x: float) -> float:
    return float(f"{x:.5g}")


def _candidates(x: np.ndarray) -> dict[str, tuple[dict, object]]:
    """family -> (schema parameters, frozen scipy distribution)."""
    out: dict[str, tuple[dict, object]] = {}
    m, s = float(x.mean()), float(x.std(ddof=1))
    out["exponential"] = ({"mean": m}, stats.expon(scale=m))
    lo, hi = float(x.min()), float(x.max())
    if hi > lo:
        out["uniform"] = ({"low": lo, "high": hi}, stats.uniform(lo, hi - lo))
        # The triangular fit is a slow numerical search: fit it on at most 400 quantiles.
        sub = x if len(x) <= 400 else np.quantile(x, (np.arange(400) + 0.5) / 400)
        c, loc, scale = stats.triang.fit(sub, 0.5, loc=lo, scale=hi - lo)
        mode = loc + c * scale
        # The support must hold every value strictly inside (the density is 0 at its ends).
        pad = 1e-3 * (hi - lo)
        low, high = max(min(loc, lo - pad), 0.0), max(loc + scale, hi + pad)
        if high > low and low <= mode <= high:
            c = (mode - low) / (high - low)
            params = {"low": low, "mode": mode, "high": high}
            out["triangular"] = (params, stats.triang(c, low, high - low))
    if (x > 0).all() and s > 0:
        shape, _, scale = stats.lognorm.fit(x, floc=0)
        dist = stats.lognorm(shape, 0, scale)
        out["lognormal"] = ({"mean": float(dist.mean()), "sd": float(dist.std())}, dist)
        a, _, scale = stats.gamma.fit(x, floc=0)
        dist = stats.gamma(a, 0, scale)
        out["gamma"] = ({"mean": float(dist.mean()), "sd": float(dist.std())}, dist)
    return out


def fit_duration(values: np.ndarray) -> FittedDuration:
    """Fit a duration (hours) to ``values`` (NaN dropped, negatives refused)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        raise ValueError("no observed values to fit")
    if (x < -1e-9).any():
        raise ValueError(f"durations must not be negative (got min {x.min():g})")
    x = np.maximum(x, 0.0)
    n, m = len(x), float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else 0.0
    ci = (m - half, m + half)
    if sd <= 1e-9 * max(m, 1e-12):
        return FittedDuration({"dist": "fixed", "value": _round(m)}, n, m, ci, sd, {}, None)
    if n < MIN_FOR_FAMILY:
        return _empirical(x, n, m, ci, sd, {}, None)
    aic: dict[str, float] = {}
    fits = _candidates(x)
    for name, (_, dist) in fits.items():
        with np.errstate(divide="ignore"):
            ll = float(np.sum(dist.logpdf(x)))
        aic[name] = 2 * _PARAMS[name] - 2 * ll if np.isfinite(ll) else math.inf
    # Families within 2 AIC points of the best are equally supported: take the simplest
    # (an exponential is a gamma of shape 1, and should be written as one).
    lowest = min(aic.values())
    best = min((a for a in aic if aic[a] <= lowest + 2), key=lambda a: (_PARAMS[a], aic[a]))
    p = float(stats.kstest(x, fits[best][1].cdf).pvalue)
    if not np.isfinite(aic[best]) or p < KS_ALPHA:
        return _empirical(x, n, m, ci, sd, aic, p)
    spec = {"dist": best, **{k: _round(v) for k, v in fits[best][0].items()}}
    if best == "triangular":  # rounding must keep low <= mode <= high
        spec["mode"] = min(max(spec["mode"], spec["low"]), spec["high"])
    return FittedDuration(spec, n, m, ci, sd, aic, p)


def _empirical(x: np.ndarray, n: int, m: float, ci: tuple[float, float], sd: float,
               aic: dict[str, float], p: float | None) -> FittedDuration:
    k = min(n, 100)
    q = np.quantile(x, (np.arange(k) + 0.5) / k)
    spec = {"dist": "empirical", "values": [_round(v) for v in q]}
    return FittedDuration(spec, n, m, ci, sd, aic, p)
