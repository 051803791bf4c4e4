"""The baseline every engine figure is compared with: a bare SimPy tandem.

Idiomatic SimPy, no calendars, no records beyond the sojourn time: Poisson
arrivals, then each stage is either a pure delay (a timeout) or a multi-server
FCFS resource. ``stages`` mirrors the baseline scenario's journey (intake delay,
AI triage delay, pre-authorisation delay, specialist review on a resource), so
the ratio of sosim's per-case time to this one says what the model's features
cost over the bare minimum.
"""

from __future__ import annotations

import numpy as np
import simpy


def bare_tandem(n_cases: int, rate_per_h: float = 100.0, servers: int = 140,
                review_h: float = 1.2, seed: int = 1) -> float:
    """Simulate ``n_cases`` through the bare tandem; return the mean sojourn (hours)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / rate_per_h, n_cases)
    intake = rng.lognormal(1.5, 0.8, n_cases)
    triage = rng.uniform(1 / 60, 0.5, n_cases)
    auth = np.where(rng.random(n_cases) < 0.1, rng.uniform(9, 27, n_cases), 0.0)
    review = rng.exponential(review_h, n_cases)
    env = simpy.Environment()
    specialists = simpy.Resource(env, servers)
    sojourn = np.zeros(n_cases)

    def case(i: int):  # noqa: ANN202
        t0 = env.now
        yield env.timeout(intake[i])
        yield env.timeout(triage[i])
        if auth[i]:
            yield env.timeout(auth[i])
        with specialists.request() as req:
            yield req
            yield env.timeout(review[i])
        sojourn[i] = env.now - t0

    def source():  # noqa: ANN202
        for i in range(n_cases):
            yield env.timeout(gaps[i])
            env.process(case(i))

    env.process(source())
    env.run()
    return float(sojourn.mean())
