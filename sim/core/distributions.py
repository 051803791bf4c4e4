"""Duration distributions, sampled by inverse transform.

Every duration is drawn as ``quantile(spec, u)`` from a uniform ``u`` taken
from a named random stream. Drawing through the quantile function (rather than
``rng.lognormal`` and friends) keeps common random numbers strong: the same
case gets the same ``u`` whichever pool or policy it meets, so a longer review
distribution lengthens every case's review rather than reshuffling them.

Example:
    >>> import numpy as np
    >>> from sim.scenario.durations import Exponential
    >>> spec = Exponential(dist="exponential", mean=2.0)
    >>> float(quantile(spec, np.array([0.5]))[0])  # the median, 2 ln 2
    1.3862943611198906
    >>> mean(spec), variance(spec)
    (2.0, 4.0)
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario import durations as d

# Every duration spec subclasses one of these unit-less shapes, so one match
# covers durations (hours of work or delay) and amounts (money) alike.
Spec = (d.FixedAmount | d.ExponentialAmount | d.UniformAmount | d.TriangularAmount
        | d.LognormalAmount | d.GammaAmount | d.EmpiricalAmount)


def _lognormal_params(spec: d.LognormalAmount) -> tuple[float, float]:
    sigma2 = math.log1p((spec.sd / spec.mean) ** 2)
    return math.log(spec.mean) - sigma2 / 2, math.sqrt(sigma2)


def quantile(spec: Spec, u: np.ndarray) -> np.ndarray:
    """Values of the distribution at probabilities ``u`` (in the spec's own unit)."""
    u = np.asarray(u, dtype=float)
    match spec:
        case d.FixedAmount():
            return np.full_like(u, spec.value)
        case d.ExponentialAmount():
            return -spec.mean * np.log1p(-u)
        case d.UniformAmount():
            return spec.low + u * (spec.high - spec.low)
        case d.TriangularAmount():
            a, c, b = spec.low, spec.mode, spec.high
            cut = (c - a) / (b - a)
            left = a + np.sqrt(u * (b - a) * (c - a))
            right = b - np.sqrt((1 - u) * (b - a) * (b - c))
            return np.where(u < cut, left, right)
        case d.LognormalAmount():
            from scipy import special  # here, not at import: loading a scenario needs no scipy

            mu, sigma = _lognormal_params(spec)
            return np.exp(mu + sigma * special.ndtri(u))
        case d.GammaAmount():
            from scipy import special

            shape = (spec.mean / spec.sd) ** 2
            scale = spec.sd**2 / spec.mean
            return scale * special.gammaincinv(shape, u)
        case d.EmpiricalAmount():
            values = np.asarray(spec.values, dtype=float)
            w = np.ones(len(values)) if spec.weights is None else np.asarray(spec.weights, float)
            cum = np.cumsum(w) / w.sum()
            idx = np.minimum(np.searchsorted(cum, u, side="right"), len(values) - 1)
            return values[idx]
    raise TypeError(f"not a duration spec: {spec!r}")


def mean(spec: Spec) -> float:
    """The distribution's mean (in the spec's own unit)."""
    match spec:
        case d.FixedAmount():
            return spec.value
        case d.ExponentialAmount() | d.LognormalAmount() | d.GammaAmount():
            return spec.mean
        case d.UniformAmount():
            return (spec.low + spec.high) / 2
        case d.TriangularAmount():
            return (spec.low + spec.mode + spec.high) / 3
        case d.EmpiricalAmount():
            w = np.ones(len(spec.values)) if spec.weights is None else np.asarray(spec.weights)
            return float(np.average(spec.values, weights=w))
    raise TypeError(f"not a duration spec: {spec!r}")


def variance(spec: Spec) -> float:
    """The distribution's variance (in the spec's own unit, squared)."""
    match spec:
        case d.FixedAmount():
            return 0.0
        case d.ExponentialAmount():
            return spec.mean**2
        case d.LognormalAmount() | d.GammaAmount():
            return spec.sd**2
        case d.UniformAmount():
            return (spec.high - spec.low) ** 2 / 12
        case d.TriangularAmount():
            a, c, b = spec.low, spec.mode, spec.high
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        case d.EmpiricalAmount():
            w = np.ones(len(spec.values)) if spec.weights is None else np.asarray(spec.weights)
            m = np.average(spec.values, weights=w)
            return float(np.average((np.asarray(spec.values) - m) ** 2, weights=w))
    raise TypeError(f"not a duration spec: {spec!r}")
