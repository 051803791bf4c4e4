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

Power. Each check states the largest half-width it accepts, relative to the analytic
value (``HALF``): 2% for the mean wait, P(wait) and the mean sojourn, 1% for the mean
review. A relative error of that size is flagged about half the time, one of twice that
size with probability over 99%. Measured half-widths are printed with ``-s`` and given in
the README. The same procedure rejects an engine whose specialists idle 0.01 h before
taking a queued case and one whose reviews are 3% too long
(``test_validation_rejects_*``): the suite can fail.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.core.analytic import mmc
from sim.engine.model import simulate
from sim.engine.plan import build_plan
from sim.outputs.kpis import replication_kpis
from sim.outputs.results import case_table
from tests import faults

from .conftest import assert_in_ci, ci, run_reps, scenario, single_pool, window

pytestmark = pytest.mark.power  # long: run by CI (.ci/run), not by a bare `pytest`

MU = 1.0  # reviews per hour per specialist
DRAIN_H = 60.0  # cases arriving this close to the horizon are left out (see window())

# (servers, utilisation, customers per replication, replications, seed): sized so that the
# mean wait's 99% interval is at most 2% of Erlang C's value with a margin (the half-width
# itself is random: 10 x 100,000 M/M/1 cases gave 1.6% with one seed and 2.5% with
# another, 10 x 100,000 M/M/3 cases 2.6%): 2 and 3 million cases in 20 replications.
CASES = [
    pytest.param(1, 0.70, 100_000, 20, 101, id="c1-rho0.70"),
    pytest.param(3, 0.70, 150_000, 20, 303, id="c3-rho0.70"),
]
FIRST = CASES[0].values
# largest accepted 99% half-width, relative to the analytic value
HALF = {"Wq": 0.02, "P(wait)": 0.02, "W": 0.02, "E[S]": 0.01, "P(T <= W)": 0.02,
        "P(Wq > Wq)": 0.04, "P(Wq > 2 Wq)": 0.06}


def mmc_doc(c: int, rho: float, customers: int) -> dict:
    lam = rho * c * MU
    days = customers / lam / 24
    doc = single_pool(lam=lam, servers=c, mean_review_h=1 / MU, horizon_days=days,
                      warmup_days=0.02 * days)
    # targets do not change the simulation; the KPI share within target is checked below
    doc["targets"] = {"time_to_opinion_hours": float(mmc(lam, MU, c).w)}
    return doc


def mmc_run(c: int, rho: float, customers: int, reps: int, seed: int):  # noqa: ANN201
    return rho * c * MU, run_reps(mmc_doc(c, rho, customers), seed, reps)


def sojourn_cdf(lam: float, mu: float, c: int, t: float) -> float:
    """P(T <= t) for the M/M/c sojourn T = Wq + S (S ~ Exp(mu) independent of Wq)."""
    r = mmc(lam, mu, c)
    a = c * mu - lam  # Wq | wait ~ Exp(a)
    if abs(a - mu) < 1e-12:
        tail_wait = (1 + mu * t) * math.exp(-mu * t)
    else:
        tail_wait = (a * math.exp(-mu * t) - mu * math.exp(-a * t)) / (a - mu)
    return 1 - ((1 - r.p_wait) * math.exp(-mu * t) + r.p_wait * tail_wait)


def per_replication(reps, plan, fn) -> np.ndarray:  # noqa: ANN001
    """``fn(waits, sojourns)`` for each replication, over its measurement window."""
    out = []
    for rep in reps:
        m = window(rep, plan, DRAIN_H)
        r = rep.records
        wait = (r.seize_h - r.queue_h)[m]
        sojourn = (r.review_end_h - rep.cases.arrival_h)[m]
        assert len(wait) > 1000
        assert not np.isnan(wait).any() and not np.isnan(sojourn).any(), "censored cases"
        out.append(fn(wait, sojourn))
    return np.asarray(out)


def erlang_c_estimates(reps, plan, c: int, rho: float) -> dict[str, tuple[np.ndarray, float]]:  # noqa: ANN001
    """The validation procedure: per-replication estimates and the analytic value of each."""
    lam = rho * c * MU
    exact = mmc(lam, MU, c)
    est = {
        "Wq": (lambda w, s: w.mean(), exact.wq),
        "P(wait)": (lambda w, s: (w > 0).mean(), exact.p_wait),
        "W": (lambda w, s: s.mean(), exact.w),
        "E[S]": (lambda w, s: (s - w).mean(), 1 / MU),  # the review alone is Exp(MU)
        "P(Wq > Wq)": (lambda w, s: (w > exact.wq).mean(), exact.wait_tail(exact.wq)),
        "P(Wq > 2 Wq)": (lambda w, s: (w > 2 * exact.wq).mean(), exact.wait_tail(2 * exact.wq)),
    }
    return {k: (per_replication(reps, plan, fn), x) for k, (fn, x) in est.items()}


def rejected(reps, plan, c: int, rho: float) -> list[str]:  # noqa: ANN001
    """The quantities whose analytic value falls outside the 99% interval."""
    return [k for k, (values, exact) in erlang_c_estimates(reps, plan, c, rho).items()
            if exact not in ci(values)]


@pytest.mark.parametrize(("c", "rho", "customers", "reps", "seed"), CASES)
def test_erlang_c(c: int, rho: float, customers: int, reps: int, seed: int) -> None:
    """Every check of one configuration in one test: its runs are made once per process
    (pytest-xdist spreads tests, not module caches, over workers)."""
    lam, run = mmc_run(c, rho, customers, reps, seed)
    for what, (values, exact) in erlang_c_estimates(run.reps, run.plan, c, rho).items():
        iv = assert_in_ci(values, exact, f"M/M/{c} rho={rho} {what}", max_rel_half=HALF[what])
        print(f"M/M/{c} rho={rho} {what}: half-width {iv.half / exact:.2%} of {exact:.4g}")
    check_kpi_table(c, rho, lam, run)
    if c == 1:
        check_warmup_does_not_matter(lam, run)


def check_warmup_does_not_matter(lam: float, run) -> None:  # noqa: ANN001
    """The M/M/1 estimate with the warm-up trimmed to 1% or lengthened to 20% of the run."""
    exact = mmc(lam, MU, 1)
    for share in (0.01, 0.20):
        cut = share * run.plan.horizon_h
        waits = []
        for rep in run.reps:
            a = rep.cases.arrival_h
            m = (a >= cut) & (a < run.plan.horizon_h - DRAIN_H)
            waits.append(np.mean((rep.records.seize_h - rep.records.queue_h)[m]))
        assert_in_ci(waits, exact.wq, f"M/M/1 Wq with warm-up {share:.0%}", max_rel_half=0.025)


def check_kpi_table(c: int, rho: float, lam: float, run) -> None:  # noqa: ANN001
    """The user-facing KPIs of the same runs: share within target, mean and utilisation.

    The target is the mean sojourn W; the share of cases within it is the M/M/c
    sojourn distribution at W (the wait is 0 with probability 1 - C, else
    Exp(c mu - lam), plus an Exp(mu) review).
    """
    # one replication's case table at a time: ten of a million cases would not fit twice
    kpis = pd.DataFrame([replication_kpis(run.plan, rep, case_table(run.plan, rep))
                         for rep in run.reps])
    exact = mmc(lam, MU, c)
    assert_in_ci(kpis["within_target.opinion"], sojourn_cdf(lam, MU, c, exact.w),
                 f"M/M/{c} P(T <= W)", max_rel_half=HALF["P(T <= W)"])
    assert_in_ci(kpis["time_to_opinion_h.mean"], exact.w, f"M/M/{c} W (KPI)",
                 max_rel_half=HALF["W"])
    assert_in_ci(kpis["stage_h.specialist_wait"], exact.wq, f"M/M/{c} Wq (KPI)",
                 max_rel_half=HALF["Wq"])
    assert_in_ci(kpis["utilisation.p"], rho, f"M/M/{c} utilisation", max_rel_half=0.01)
    assert_in_ci(kpis["queue_length.p"], exact.lq, f"M/M/{c} Lq", max_rel_half=HALF["Wq"])


def _broken_run(c: int, rho: float, customers: int, reps: int, seed: int):  # noqa: ANN202
    plan = build_plan(scenario(mmc_doc(c, rho, customers)))
    return plan, [simulate(plan, seed, r) for r in range(reps)]


def test_validation_rejects_idle_server_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Specialists idling 0.01 h before each queued case: the waits' checks must fail."""
    c, rho, customers, reps, seed = FIRST
    faults.idle_server(monkeypatch)
    plan, reps_ = _broken_run(c, rho, customers, reps, seed)
    assert {"Wq", "W"} <= set(rejected(reps_, plan, c, rho))


def test_validation_rejects_review_mean_3_percent_high(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviews 3% longer than drawn: the review, wait and sojourn checks must fail."""
    c, rho, customers, reps, seed = FIRST
    faults.review_too_long(monkeypatch, 1.03)
    plan, reps_ = _broken_run(c, rho, customers, reps, seed)
    assert {"E[S]", "Wq", "W", "P(wait)"} <= set(rejected(reps_, plan, c, rho))
