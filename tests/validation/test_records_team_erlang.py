"""The records team against Erlang C: navigators as an M/M/c queue.

Configuration alone reduces the records team to M/M/c: every case's records are on paper
(``digital_share`` 0), the external wait after the request is 0, the navigators work on the
24x7 calendar with exponential hands-on effort of mean 1 h, and nobody gives up. A case's
wait for a navigator is ``records_seize_h - arrival_h``.

Two runs of the same check:

- ``test_team_loop_reproduces_erlang_c`` (default run): the team's event loop
  (:func:`sim.engine.records_team.simulate_team`) on Poisson arrivals, 20 replications of
  100,000 requests: the mean wait and P(wait) of M/M/2 at utilisation 0.7 must lie in the 99%
  Student-t interval across replications, whose half-width must be at most 2% of the
  analytic value (a 2% error is flagged about half the time, 4% almost always). The same
  procedure rejects navigators whose effort is 3% longer than drawn.
- ``test_records_team_in_the_model_reproduces_erlang_c`` (``power``, run by CI): the same
  through the whole model (``sim.engine.model.simulate`` on a scenario), 20 replications of
  200,000 cases.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.analytic import mmc
from sim.core.calendar import WorkCalendar
from sim.engine.records_team import simulate_team

from .conftest import assert_in_ci, ci, run_reps, single_pool

SERVERS, RHO, MU = 2, 0.7, 1.0
LAM = RHO * SERVERS * MU
HALF = 0.02


def _loop_waits(seed: int, n: int, slower: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    arrival = np.cumsum(rng.exponential(1 / LAM, n))
    effort = np.vstack([rng.exponential(1 / MU, n) * slower, np.zeros(n)])
    log = simulate_team(arrival, np.zeros(n, dtype=np.int64), effort, np.zeros(n),
                        np.zeros(n, dtype=bool), (None, None), np.zeros(n), None,
                        np.full(n, np.inf), SERVERS, WorkCalendar.always(), np.inf)
    keep = slice(n // 50, None)  # a 2% warm-up from empty
    return (log.seize_h[0] - arrival)[keep]


def _estimates(slower: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    waits = [_loop_waits(1000 + r, 100_000, slower) for r in range(20)]
    return np.asarray([w.mean() for w in waits]), np.asarray([(w > 0).mean() for w in waits])


def test_team_loop_reproduces_erlang_c() -> None:
    exact = mmc(LAM, MU, SERVERS)
    wq, p_wait = _estimates()
    assert_in_ci(wq, exact.wq, "records team M/M/2 Wq", max_rel_half=HALF)
    assert_in_ci(p_wait, exact.p_wait, "records team M/M/2 P(wait)", max_rel_half=HALF)


def test_slower_navigators_are_rejected() -> None:
    """Efforts 3% longer than drawn: the mean wait's interval leaves Erlang C's value."""
    wq, _ = _estimates(slower=1.03)
    assert mmc(LAM, MU, SERVERS).wq not in ci(wq)


def _team_doc(customers: int) -> dict:
    days = customers / LAM / 24
    doc = single_pool(lam=LAM, servers=50, horizon_days=days, warmup_days=0.02 * days)
    doc["intake"] = {
        "digital": {"dist": "fixed", "value": 0, "unit": "hours"},
        "paper": {"dist": "fixed", "value": 0, "unit": "hours"},
        "digital_share": {"online": 0.0},
        "team": {"navigators": SERVERS, "calendar": "24x7",
                 "handling": {"paper": {"dist": "exponential", "mean": 1 / MU,
                                        "unit": "hours"}}},
    }
    return doc


@pytest.mark.power
def test_records_team_in_the_model_reproduces_erlang_c() -> None:
    run = run_reps(_team_doc(200_000), 77, 20)
    exact = mmc(LAM, MU, SERVERS)
    wq, p_wait = [], []
    for rep in run.reps:
        a = rep.cases.arrival_h
        m = (a >= run.plan.warmup_h) & (a < run.plan.horizon_h - 60)
        w = (rep.records_team.seize_h[0] - a)[m]
        assert not np.isnan(w).any(), "censored cases"
        wq.append(w.mean())
        p_wait.append((w > 0).mean())
    assert_in_ci(wq, exact.wq, "records team in the model Wq", max_rel_half=HALF)
    assert_in_ci(p_wait, exact.p_wait, "records team in the model P(wait)", max_rel_half=HALF)
