"""Tests for sim.core.analytic: textbook values, independent closed forms and identities."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable

import pytest

from sim.core import analytic
from sim.core.analytic import (
    cobham_priority_wq,
    erlang_b,
    erlang_c,
    mg1_wq,
    min_servers_for_wait,
    mmc,
    square_root_staffing,
    tandem_sojourn,
)


def _erlang_b_direct(c: int, a: float) -> float:
    """Non-recursive Erlang B: (a^c / c!) / sum_{k=0..c} a^k / k!."""
    return (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))


def _erlang_c_direct(c: int, a: float) -> float:
    """Non-recursive Erlang C from the M/M/c stationary distribution."""
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_doctests() -> None:
    assert doctest.testmod(analytic).failed == 0


def test_mm1_textbook() -> None:
    r = mmc(lam=0.8, mu=1.0, c=1)
    assert r.rho == pytest.approx(0.8)
    assert r.p_wait == pytest.approx(0.8)
    assert r.wq == pytest.approx(4.0)
    assert r.w == pytest.approx(5.0)
    assert r.lq == pytest.approx(3.2)  # rho^2 / (1 - rho)
    assert r.l == pytest.approx(4.0)  # rho / (1 - rho)


def test_erlang_table_values() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-6)
    assert erlang_c(10, 8.0) == pytest.approx(0.409, abs=5e-4)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)


@pytest.mark.parametrize("c", [1, 2, 3, 5, 10, 20, 40])
@pytest.mark.parametrize("util", [0.1, 0.5, 0.8, 0.95, 0.999])
def test_erlang_matches_direct_formula(c: int, util: float) -> None:
    a = util * c
    assert erlang_b(c, a) == pytest.approx(_erlang_b_direct(c, a), rel=1e-10)
    assert erlang_c(c, a) == pytest.approx(_erlang_c_direct(c, a), rel=1e-10)


def test_large_c_is_stable() -> None:
    for c in (200, 500):
        b, p = erlang_b(c, 0.95 * c), erlang_c(c, 0.95 * c)
        assert 0 < b < p < 1 and math.isfinite(p)
    assert erlang_b(300, 400.0) == pytest.approx(0.25, abs=0.01)  # overload: B ~ 1 - c/a


def test_mmc_little_and_sojourn() -> None:
    r = mmc(lam=7.0, mu=1.5, c=6)
    assert r.wq == pytest.approx(r.p_wait / (6 * 1.5 - 7.0))
    assert r.w == pytest.approx(r.wq + 1 / 1.5)
    assert r.lq == pytest.approx(7.0 * r.wq)
    assert r.l == pytest.approx(r.lq + 7.0 / 1.5)


def test_wait_tail_and_quantile() -> None:
    r = mmc(lam=7.0, mu=1.5, c=6)
    assert r.wait_tail(0.0) == pytest.approx(r.p_wait)
    assert r.wait_tail(1.0) == pytest.approx(r.p_wait * math.exp(-(9.0 - 7.0)))
    for p in (0.5, 0.9, 0.95, 0.99, 0.999):
        q = r.wait_quantile(p)
        if p <= 1 - r.p_wait:
            assert q == 0.0
        else:
            assert q > 0
            assert r.wait_tail(q) == pytest.approx(1 - p)
    assert r.wait_quantile(0.0) == 0.0
    assert r.wait_quantile(1 - r.p_wait) == 0.0


def test_priority_single_class_equals_fcfs() -> None:
    assert cobham_priority_wq([2.5], mu=1.0, c=3) == pytest.approx([mmc(2.5, 1.0, 3).wq])


@pytest.mark.parametrize(
    ("lams", "mu", "c"),
    [([0.4, 0.4], 1.0, 1), ([1.0, 2.0, 3.5], 1.0, 8), ([0.3, 0.1, 0.2, 0.9], 0.25, 7)],
)
def test_priority_conservation_law(lams: list[float], mu: float, c: int) -> None:
    wq = cobham_priority_wq(lams, mu, c)
    weighted = sum(lam * w for lam, w in zip(lams, wq, strict=True)) / sum(lams)
    assert weighted == pytest.approx(mmc(sum(lams), mu, c).wq, rel=1e-12)
    assert wq == sorted(wq)  # higher priority never waits longer


def test_pk_deterministic_halves_mm1() -> None:
    lam, es = 0.8, 1.0
    assert mg1_wq(lam, es, 2 * es**2) == pytest.approx(mmc(lam, 1 / es, 1).wq)
    assert mg1_wq(lam, es, es**2) == pytest.approx(mmc(lam, 1 / es, 1).wq / 2)


def test_tandem() -> None:
    lam, mus = 1.0, [2.0, 1.5, 4.0]
    expected = sum(1 / (mu - lam) for mu in mus)
    assert tandem_sojourn(lam, [(mu, 1) for mu in mus]) == pytest.approx(expected)
    stations = [(1.0, 3), (0.5, 5)]
    assert tandem_sojourn(2.0, stations) == pytest.approx(mmc(2.0, 1.0, 3).w + mmc(2.0, 0.5, 5).w)


def test_square_root_staffing() -> None:
    assert square_root_staffing(100.0, 1.0) == 110
    assert square_root_staffing(100.0, 1.0, beta=2.0) == 120
    assert square_root_staffing(9.0, 3.0, beta=0.0) == 4  # floor(a)+1 keeps it stable
    assert square_root_staffing(2.5, 1.0, beta=-5.0) == 3


def test_min_servers_for_wait() -> None:
    lam, mu, target = 50.0, 1.0, 0.05
    c = min_servers_for_wait(lam, mu, target)
    assert mmc(lam, mu, c).wq <= target
    assert c == 51 or mmc(lam, mu, c - 1).wq > target
    assert min_servers_for_wait(0.8, 1.0, 10.0) == 1
    assert min_servers_for_wait(0.8, 1.0, 0.5) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(0, 1.0),
        lambda: erlang_b(2, 0.0),
        lambda: erlang_b(2.0, 1.0),  # type: ignore[arg-type]
        lambda: erlang_c(2, 2.0),
        lambda: erlang_c(2, -1.0),
        lambda: mmc(1.0, 1.0, 1),
        lambda: mmc(0.0, 1.0, 1),
        lambda: mmc(1.0, 0.0, 1),
        lambda: mmc(1.0, 1.0, 0),
        lambda: mmc(0.5, 1.0, 1).wait_tail(-1.0),
        lambda: mmc(0.5, 1.0, 1).wait_quantile(1.0),
        lambda: mmc(0.5, 1.0, 1).wait_quantile(-0.1),
        lambda: cobham_priority_wq([], 1.0, 1),
        lambda: cobham_priority_wq([0.6, 0.5], 1.0, 1),
        lambda: cobham_priority_wq([0.5, -0.1], 1.0, 1),
        lambda: mg1_wq(1.0, 1.0, 2.0),
        lambda: mg1_wq(0.5, 1.0, 0.5),
        lambda: mg1_wq(0.5, 0.0, 1.0),
        lambda: tandem_sojourn(1.0, []),
        lambda: tandem_sojourn(1.0, [(2.0, 1), (1.0, 1)]),
        lambda: square_root_staffing(-1.0, 1.0),
        lambda: square_root_staffing(1.0, 1.0, beta=math.inf),
        lambda: min_servers_for_wait(1.0, 1.0, 0.0),
        lambda: min_servers_for_wait(1.0, -1.0, 1.0),
    ],
)
def test_invalid_inputs_raise(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()


# ----------------------------------------------------------------- Erlang A (M/M/c+M)
def _ctmc_erlang_a(lam: float, mu: float, c: int, theta: float, states: int = 3000):
    """P(wait), P(abandon), Lq from the truncated CTMC's generator, solved numerically."""
    import numpy as np

    n = np.arange(states)
    death = np.minimum(n, c) * mu + np.maximum(n - c, 0) * theta
    q = np.zeros((states, states))
    q[n[:-1], n[:-1] + 1] = lam
    q[n[1:], n[1:] - 1] = death[1:]
    q[n, n] = -q.sum(axis=1)
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation
    a = q.T.copy()
    a[-1, :] = 1.0
    b = np.zeros(states)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    lq = float(np.sum(np.maximum(n - c, 0) * pi))
    return float(pi[c:].sum()), theta * lq / lam, lq


@pytest.mark.parametrize(("lam", "mu", "c", "theta"), [
    (0.8, 1.0, 1, 0.5), (3.0, 1.0, 3, 0.5), (12.0, 1.0, 10, 0.1), (30.0, 2.0, 20, 1.5),
    (5.0, 1.0, 8, 0.05),
])
def test_erlang_a_matches_ctmc(lam: float, mu: float, c: int, theta: float) -> None:
    from sim.core.analytic import erlang_a

    r = erlang_a(lam, mu, c, theta)
    p_wait, p_ab, lq = _ctmc_erlang_a(lam, mu, c, theta)
    assert r.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert r.p_abandon == pytest.approx(p_ab, rel=1e-9)
    assert r.lq == pytest.approx(lq, rel=1e-9)
    assert r.wq == pytest.approx(lq / lam, rel=1e-12)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    from sim.core.analytic import erlang_a

    exact = mmc(2.5, 1.0, 3)
    r = erlang_a(2.5, 1.0, 3, 1e-6)
    assert r.p_wait == pytest.approx(exact.p_wait, rel=1e-4)
    assert r.wq == pytest.approx(exact.wq, rel=1e-4)
    assert r.p_abandon == pytest.approx(1e-6 * exact.wq, rel=1e-3)


def test_erlang_a_refuses_bad_input() -> None:
    from sim.core.analytic import erlang_a

    for bad in [(1.0, 1.0, 1, 0.0), (0.0, 1.0, 1, 1.0), (1.0, 1.0, 0, 1.0)]:
        with pytest.raises(ValueError):
            erlang_a(*bad)
