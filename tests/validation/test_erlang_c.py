"""M/M/c against Erlang C: mean wait, P(wait), the wait's tail and the mean sojourn.

Configuration alone reduces sosim to M/M/c: direct triage (cases arrive
matched), no intake or pre-authorisation, one pool on the 24x7 calendar with
``c`` specialists and exponential review. The specialist-queue wait of a case
is ``seize_h - queue_h``; its sojourn is ``time_to_opinion`` (arrival to
opinion, since every earlier stage takes no time).

Each replication gives one estimate of each quantity over the cases that
arrived after the warm-up and early enough to be served before the horizon
(none is censored: checked); the analytic value must lie in the 99% Student-t
interval over replications, and the interval must be narrow enough to matter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.analytic import mmc

from .conftest import assert_in_ci, run_reps, single_pool, window

MU = 1.0  # reviews per hour per specialist
DRAIN_H = 60.0  # cases arriving this close to the horizon are left out (see window())

# (servers, utilisation, customers per replication, replications, seed, max relative
# half-width of the Wq interval): sized so that each interval is a few percent wide
# while the whole suite stays fast.
CASES = [
    pytest.param(1, 0.70, 20_000, 10, 101, 0.10, id="c1-rho0.70"),
    pytest.param(3, 0.80, 20_000, 10, 303, 0.12, id="c3-rho0.80"),
    pytest.param(10, 0.85, 30_000, 10, 1010, 0.18, id="c10-rho0.85"),
]


def mmc_run(c: int, rho: float, customers: int, reps: int, seed: int):  # noqa: ANN201
    lam = rho * c * MU
    days = customers / lam / 24
    doc = single_pool(lam=lam, servers=c, mean_review_h=1 / MU, horizon_days=days,
                      warmup_days=0.05 * days)
    # targets do not change the simulation; the KPI share within target is checked below
    doc["targets"] = {"time_to_opinion_hours": float(mmc(lam, MU, c).w)}
    return lam, run_reps(doc, seed, reps)


def sojourn_cdf(lam: float, mu: float, c: int, t: float) -> float:
    """P(T <= t) for the M/M/c sojourn T = Wq + S (S ~ Exp(mu) independent of Wq)."""
    r = mmc(lam, mu, c)
    a = c * mu - lam  # Wq | wait ~ Exp(a)
    if abs(a - mu) < 1e-12:
        tail_wait = (1 + mu * t) * math.exp(-mu * t)
    else:
        tail_wait = (a * math.exp(-mu * t) - mu * math.exp(-a * t)) / (a - mu)
    return 1 - ((1 - r.p_wait) * math.exp(-mu * t) + r.p_wait * tail_wait)


def per_replication(run, fn) -> np.ndarray:  # noqa: ANN001
    """``fn(waits, sojourns)`` for each replication, over its measurement window."""
    out = []
    for rep in run.reps:
        m = window(rep, run.plan, DRAIN_H)
        r = rep.records
        wait = (r.seize_h - r.queue_h)[m]
        sojourn = (r.review_end_h - rep.cases.arrival_h)[m]
        assert len(wait) > 1000
        assert not np.isnan(wait).any() and not np.isnan(sojourn).any(), "censored cases"
        out.append(fn(wait, sojourn))
    return np.asarray(out)


@pytest.mark.parametrize(("c", "rho", "customers", "reps", "seed", "tol"), CASES)
def test_mean_wait_and_p_wait(c: int, rho: float, customers: int, reps: int, seed: int,
                              tol: float) -> None:
    lam, run = mmc_run(c, rho, customers, reps, seed)
    exact = mmc(lam, MU, c)
    assert_in_ci(per_replication(run, lambda w, s: w.mean()), exact.wq,
                 f"M/M/{c} rho={rho} Wq", max_rel_half=tol)
    assert_in_ci(per_replication(run, lambda w, s: (w > 0).mean()), exact.p_wait,
                 f"M/M/{c} rho={rho} P(wait)", max_rel_half=0.05)


@pytest.mark.parametrize(("c", "rho", "customers", "reps", "seed", "tol"), CASES)
def test_mean_sojourn(c: int, rho: float, customers: int, reps: int, seed: int,
                      tol: float) -> None:
    lam, run = mmc_run(c, rho, customers, reps, seed)
    exact = mmc(lam, MU, c)
    assert_in_ci(per_replication(run, lambda w, s: s.mean()), exact.w,
                 f"M/M/{c} rho={rho} W", max_rel_half=0.08)
    # The review itself is Exp(MU): the sojourn is the wait plus it, case by case.
    assert_in_ci(per_replication(run, lambda w, s: (s - w).mean()), 1 / MU,
                 f"M/M/{c} rho={rho} E[S]", max_rel_half=0.02)


@pytest.mark.parametrize(("c", "rho", "customers", "reps", "seed", "tol"), CASES)
def test_wait_tail(c: int, rho: float, customers: int, reps: int, seed: int,
                   tol: float) -> None:
    """P(Wq > t) = C exp(-(c mu - lam) t), at t = the mean wait and at twice it."""
    lam, run = mmc_run(c, rho, customers, reps, seed)
    exact = mmc(lam, MU, c)
    for t in (exact.wq, 2 * exact.wq):
        assert_in_ci(per_replication(run, lambda w, s, t=t: (w > t).mean()),
                     exact.wait_tail(t), f"M/M/{c} rho={rho} P(Wq > {t:.3g})",
                     max_rel_half=0.15)


def test_conclusion_does_not_depend_on_warmup() -> None:
    """The M/M/1 estimate with the warm-up trimmed to 1% or lengthened to 20% of the run."""
    lam, run = mmc_run(1, 0.70, 20_000, 10, 101)
    exact = mmc(lam, MU, 1)
    for share in (0.01, 0.20):
        cut = share * run.plan.horizon_h
        waits = []
        for rep in run.reps:
            a = rep.cases.arrival_h
            m = (a >= cut) & (a < run.plan.horizon_h - DRAIN_H)
            waits.append(np.mean((rep.records.seize_h - rep.records.queue_h)[m]))
        assert_in_ci(waits, exact.wq, f"M/M/1 Wq with warm-up {share:.0%}", max_rel_half=0.10)


@pytest.mark.parametrize(("c", "rho", "customers", "reps", "seed", "tol"), CASES)
def test_kpi_table_agrees(c: int, rho: float, customers: int, reps: int, seed: int,
                          tol: float) -> None:
    """The user-facing KPIs of the same runs: share within target, mean and utilisation.

    The target is the mean sojourn W; the share of cases within it is the M/M/c
    sojourn distribution at W (the wait is 0 with probability 1 - C, else
    Exp(c mu - lam), plus an Exp(mu) review).
    """
    lam, run = mmc_run(c, rho, customers, reps, seed)
    kpis = run.results().kpis
    exact = mmc(lam, MU, c)
    assert_in_ci(kpis["within_target.opinion"], sojourn_cdf(lam, MU, c, exact.w),
                 f"M/M/{c} P(T <= W)", max_rel_half=0.03)
    assert_in_ci(kpis["time_to_opinion_h.mean"], exact.w, f"M/M/{c} W (KPI)",
                 max_rel_half=0.08)
    assert_in_ci(kpis["stage_h.specialist_wait"], exact.wq, f"M/M/{c} Wq (KPI)",
                 max_rel_half=tol)
    assert_in_ci(kpis["utilisation.p"], rho, f"M/M/{c} utilisation", max_rel_half=0.02)
    assert_in_ci(kpis["queue_length.p"], exact.lq, f"M/M/{c} Lq", max_rel_half=tol)
