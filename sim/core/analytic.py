"""Closed-form queueing results used as oracles for validation and capacity checks.

All rates share one time unit (per hour in sosim); waits come back in that unit's inverse.
The formulas are textbook (Gross & Harris, *Fundamentals of Queueing Theory*; Kleinrock,
*Queueing Systems* vol. 1 and 2; Halfin & Whitt 1981 for square-root staffing):

* Erlang B / Erlang C via the numerically stable recursion (no factorials), fine for
  c up to several hundred servers.
* M/M/c means, the waiting-time tail and quantiles.
* M/M/c with non-preemptive priority classes (Cobham 1954).
* M/G/1 mean wait (Pollaczek-Khinchine).
* Open Jackson tandem of M/M/c stations.
* Erlang A: M/M/c+M, customers who abandon after an exponential patience (Palm 1943;
  Garnett, Mandelbaum & Reiman 2002), from the birth-death product form.
* Staffing rules: square-root staffing and the fewest servers meeting a mean-wait target.

Invalid inputs (c < 1, non-positive rates) and unstable systems (rho >= 1) raise ValueError.

>>> round(mmc(lam=0.8, mu=1.0, c=1).wq, 6)
4.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MMcResult",
    "cobham_priority_wq",
    "ErlangAResult",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "min_servers_for_wait",
    "mg1_wq",
    "mmc",
    "square_root_staffing",
    "tandem_sojourn",
]


def _check_servers(c: int) -> None:
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise ValueError(f"number of servers c must be an integer >= 1, got {c!r}")


def _check_positive(name: str, x: float) -> None:
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a finite positive number, got {x!r}")


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of an M/M/c/c loss system with offered load ``a``.

    ``a = lam / mu`` (erlangs). Computed with the stable recursion
    ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``, equivalent to
    ``(a^c / c!) / sum_{k<=c} a^k / k!`` without overflow. No stability condition:
    a loss system is stable for any load.

    >>> round(erlang_b(10, 5.0), 6)
    0.018385
    """
    _check_servers(c)
    _check_positive("offered load a", a)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability an arrival waits in an M/M/c queue with offered load ``a``.

    ``C = B / (1 - rho (1 - B))`` with ``B = erlang_b(c, a)`` and ``rho = a / c``
    (Gross & Harris, sec. 2.3). Requires ``rho < 1``.

    >>> round(erlang_c(2, 1.0), 6)
    0.333333
    """
    _check_servers(c)
    _check_positive("offered load a", a)
    rho = a / c
    if rho >= 1:
        raise ValueError(f"unstable M/M/c: rho = a/c = {rho:.6g} >= 1 (c={c}, a={a})")
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class MMcResult:
    """Steady-state metrics of an M/M/c queue (FCFS, infinite buffer).

    Attributes: arrival rate ``lam``, service rate per server ``mu``, servers ``c``,
    utilisation ``rho = lam / (c mu)``, ``p_wait`` (Erlang C), mean queueing delay
    ``wq = C / (c mu - lam)``, mean sojourn ``w = wq + 1/mu``, and by Little's law
    ``lq = lam wq`` and ``l = lam w``.
    """

    lam: float
    mu: float
    c: int
    rho: float
    p_wait: float
    wq: float
    w: float
    lq: float
    l: float  # noqa: E741 - standard queueing notation

    @property
    def _decay(self) -> float:
        return self.c * self.mu - self.lam

    def wait_tail(self, t: float) -> float:
        """``P(Wq > t) = C exp(-(c mu - lam) t)`` for ``t >= 0``.

        >>> round(mmc(0.8, 1.0, 1).wait_tail(0.0), 6)
        0.8
        """
        if not t >= 0:
            raise ValueError(f"t must be >= 0, got {t!r}")
        return self.p_wait * math.exp(-self._decay * t)

    def wait_quantile(self, p: float) -> float:
        """The p-quantile of the queueing delay Wq, for ``0 <= p < 1``.

        Wq has an atom of mass ``1 - C`` at zero, so the quantile is 0 when
        ``p <= 1 - C``; otherwise it inverts the tail: ``t = ln(C / (1 - p)) / (c mu - lam)``.

        >>> round(mmc(0.8, 1.0, 1).wait_quantile(0.9), 4)  # ln(8) / 0.2
        10.3972
        """
        if not 0 <= p < 1:
            raise ValueError(f"quantile level p must satisfy 0 <= p < 1, got {p!r}")
        if p <= 1.0 - self.p_wait:
            return 0.0
        return math.log(self.p_wait / (1.0 - p)) / self._decay


def mmc(lam: float, mu: float, c: int) -> MMcResult:
    """Solve the M/M/c queue with arrival rate ``lam`` and per-server rate ``mu``.

    ``Wq = C(c, a) / (c mu - lam)``, ``a = lam / mu``; requires ``lam < c mu``.

    >>> r = mmc(lam=0.8, mu=1.0, c=1)
    >>> round(r.p_wait, 6), round(r.wq, 6), round(r.w, 6), round(r.l, 6)
    (0.8, 4.0, 5.0, 4.0)
    """
    _check_servers(c)
    _check_positive("arrival rate lam", lam)
    _check_positive("service rate mu", mu)
    p_wait = erlang_c(c, lam / mu)
    wq = p_wait / (c * mu - lam)
    w = wq + 1.0 / mu
    return MMcResult(
        lam=lam, mu=mu, c=c, rho=lam / (c * mu), p_wait=p_wait, wq=wq, w=w, lq=lam * wq, l=lam * w
    )


def cobham_priority_wq(lams: Sequence[float], mu: float, c: int) -> list[float]:
    """Mean queueing delay per class in M/M/c with non-preemptive priorities (Cobham 1954).

    Classes are ordered highest priority first and share service rate ``mu``:
    ``Wq_k = (C / (c mu)) / ((1 - sigma_{k-1}) (1 - sigma_k))`` with
    ``sigma_k = sum_{i<=k} lam_i / (c mu)`` and ``C = erlang_c(c, sum(lams) / mu)``.
    The lam-weighted mean of the ``Wq_k`` equals the FCFS ``mmc(...).wq`` (conservation law).

    >>> [round(x, 6) for x in cobham_priority_wq([0.4, 0.4], 1.0, 1)]
    [1.333333, 6.666667]
    """
    _check_servers(c)
    _check_positive("service rate mu", mu)
    if len(lams) == 0:
        raise ValueError("lams must contain at least one class arrival rate")
    for lam_k in lams:
        _check_positive("class arrival rate", lam_k)
    total = math.fsum(lams)
    w0 = erlang_c(c, total / mu) / (c * mu)
    out: list[float] = []
    sigma_prev = 0.0
    cum = 0.0
    for lam_k in lams:
        cum += lam_k
        sigma = cum / (c * mu)
        out.append(w0 / ((1.0 - sigma_prev) * (1.0 - sigma)))
        sigma_prev = sigma
    return out


def mg1_wq(lam: float, mean_s: float, second_moment_s: float) -> float:
    """Pollaczek-Khinchine mean wait in M/G/1: ``Wq = lam E[S^2] / (2 (1 - rho))``.

    ``rho = lam E[S]``; requires ``rho < 1`` and ``E[S^2] >= E[S]^2``.
    Exponential service (``E[S^2] = 2 E[S]^2``) recovers M/M/1; deterministic halves it.

    >>> round(mg1_wq(0.8, 1.0, 1.0), 6)  # M/D/1: half the M/M/1 value 4.0
    2.0
    """
    _check_positive("arrival rate lam", lam)
    _check_positive("mean service time", mean_s)
    _check_positive("second moment of service time", second_moment_s)
    if second_moment_s < mean_s * mean_s * (1.0 - 1e-12):
        raise ValueError(
            f"second moment {second_moment_s!r} < mean^2 {mean_s * mean_s!r}: negative variance"
        )
    rho = lam * mean_s
    if rho >= 1:
        raise ValueError(f"unstable M/G/1: rho = lam E[S] = {rho:.6g} >= 1")
    return lam * second_moment_s / (2.0 * (1.0 - rho))


def tandem_sojourn(lam: float, stations: Sequence[tuple[float, int]]) -> float:
    """Mean end-to-end sojourn through an open Jackson tandem of M/M/c stations.

    Poisson(``lam``) arrivals visit each station ``(mu_i, c_i)`` in turn; by Burke's theorem
    each station's departures are Poisson(``lam``), so the mean sojourn is the sum of the
    stations' M/M/c sojourns ``W_i``. Every station must satisfy ``lam < c_i mu_i``.

    >>> round(tandem_sojourn(1.0, [(2.0, 1), (3.0, 1)]), 6)  # 1/(2-1) + 1/(3-1)
    1.5
    """
    if len(stations) == 0:
        raise ValueError("stations must contain at least one (mu, c) pair")
    return math.fsum(mmc(lam, mu_i, c_i).w for mu_i, c_i in stations)


def square_root_staffing(lam: float, mu: float, beta: float = 1.0) -> int:
    """Square-root staffing rule (Halfin & Whitt 1981): ``c = ceil(a + beta sqrt(a))``.

    ``a = lam / mu``; the result is never below ``floor(a) + 1`` so the queue is stable.
    ``beta`` is the quality-of-service margin (larger means fewer waits).

    >>> square_root_staffing(lam=100.0, mu=1.0, beta=1.0)
    110
    """
    _check_positive("arrival rate lam", lam)
    _check_positive("service rate mu", mu)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta!r}")
    a = lam / mu
    return max(math.ceil(a + beta * math.sqrt(a)), math.floor(a) + 1)


def min_servers_for_wait(lam: float, mu: float, target_wq: float) -> int:
    """Fewest servers ``c`` with M/M/c mean queueing delay ``mmc(lam, mu, c).wq <= target_wq``.

    Searches upward from the smallest stable ``c = floor(a) + 1``; ``wq`` decreases in ``c``.

    >>> min_servers_for_wait(lam=0.8, mu=1.0, target_wq=0.5)
    2
    """
    _check_positive("arrival rate lam", lam)
    _check_positive("service rate mu", mu)
    _check_positive("target_wq", target_wq)
    c = math.floor(lam / mu) + 1
    while mmc(lam, mu, c).wq > target_wq:
        c += 1
    return c



@dataclass(frozen=True)
class ErlangAResult:
    """Steady state of M/M/c+M (Erlang A): ``c`` servers, patience ~ Exp(``theta``).

    ``p_wait`` is P(an arrival finds every server busy) (PASTA), ``p_abandon`` the share of
    arrivals who give up before service, ``wq`` the mean time in queue over *all* arrivals
    (served or not; 0 for those served at once) and ``lq`` the mean number waiting. Little's
    law gives ``lq = lam wq``, and the abandonment flow ``theta lq = lam p_abandon``.
    """

    lam: float
    mu: float
    c: int
    theta: float
    p_wait: float
    p_abandon: float
    wq: float
    lq: float


def erlang_a(lam: float, mu: float, c: int, theta: float) -> ErlangAResult:
    """Solve M/M/c+M: Poisson(``lam``) arrivals, ``c`` Exp(``mu``) servers, Exp(``theta``) patience.

    The number in system is a birth-death process with birth rate ``lam`` and death rate
    ``min(n, c) mu + max(n - c, 0) theta``, stable at every load when ``theta > 0``. Its
    product form: ``pi_n = pi_0 a^n / n!`` for ``n <= c`` (``a = lam / mu``) and
    ``pi_{c+j} = pi_c r_j`` with ``r_j = prod_{k=1..j} lam / (c mu + k theta)``. With
    ``S = sum_{j>=1} r_j`` and the Erlang B value ``B`` of the first ``c + 1`` states,
    ``pi_c = 1 / (1/B + S)``; the balance ``theta j r_j = lam r_{j-1} - c mu r_j`` gives the
    mean queue without a second series: ``Lq = pi_c (lam (1 + S) - c mu S) / theta``.

    >>> r = erlang_a(lam=1.0, mu=1.0, c=1, theta=1.0)   # M/M/1+M, all rates equal
    >>> round(r.p_abandon, 6), round(r.wq, 6)
    (0.367879, 0.367879)
    """
    _check_servers(c)
    _check_positive("arrival rate lam", lam)
    _check_positive("service rate mu", mu)
    _check_positive("abandonment rate theta", theta)
    cmu = c * mu
    s1, r, j = 0.0, 1.0, 0
    peak = max(0.0, (lam - cmu) / theta)  # the terms grow until here, then fall off fast
    while True:
        j += 1
        r *= lam / (cmu + j * theta)
        s1 += r
        if j > peak and r < 1e-18 * (1.0 + s1):
            break
        if j > 10_000_000:
            raise ValueError(f"Erlang A series did not converge (theta={theta!r} too small)")
    pi_c = 1.0 / (1.0 / erlang_b(c, lam / mu) + s1)
    lq = pi_c * (lam * (1.0 + s1) - cmu * s1) / theta
    return ErlangAResult(lam=lam, mu=mu, c=c, theta=theta, p_wait=pi_c * (1.0 + s1),
                         p_abandon=theta * lq / lam, wq=lq / lam, lq=lq)
