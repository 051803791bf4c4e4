"""How big a study is and about how long it will take, said before it starts.

The time comes from a quick pilot: two short replications of the base scenario
(:data:`PILOT_DAYS`) are timed, which gives the seconds a run and a simulated case take on
this machine, KPIs included; the study's runs x (a run + expected cases x a case), shared
among the workers, is the estimate. It ignores the start-up of worker processes, other
programs sharing the cores and that design points differ in cost: a guide, not a promise.

Example:
    >>> print(study_size_line(scenario, runs=1920, workers=2))   # the times: this machine's
    1,920 runs of about 460 cases each; about ... on 2 workers (pilot: ... ms a case + ... s a run)
"""

from __future__ import annotations

import time

from sim.scenario import Scenario

PILOT_DAYS = (7.0, 21.0)
"""Simulated days of the two pilot replications (short: a second or two together)."""


def _timed(scenario: Scenario, days: float, seed: int | None) -> tuple[float, float]:
    """(seconds, cases) of one pilot replication run as a study task is (KPIs included)."""
    from sim.experiment.tasks import Task, run_task

    sim_ = scenario.simulation
    days = min(sim_.horizon_days, days)
    pilot = scenario.model_copy(update={"simulation": sim_.model_copy(update={
        "horizon_days": days, "warmup_days": min(sim_.warmup_days, days / 4)})})
    start = time.perf_counter()
    run_task(Task("pilot", pilot, sim_.seed if seed is None else seed, (0,), {}))
    return time.perf_counter() - start, pilot.expected_cases


def run_cost(scenario: Scenario, seed: int | None = None) -> tuple[float, float]:
    """(seconds per run, seconds per case) on this machine, KPIs included.

    Two pilot replications of different lengths separate the fixed cost of a run (building
    the plan, computing KPIs) from the cost of each simulated case.
    """
    (t1, n1), (t2, n2) = (_timed(scenario, d, seed) for d in PILOT_DAYS)
    per_case = max(t2 - t1, 0.0) / (n2 - n1) if n2 > n1 else t2 / max(n2, 1.0)
    return max(t1 - per_case * n1, 0.0), per_case


def duration_text(seconds: float) -> str:
    """``about 40 s``, ``about 8 min``, ``about 2.5 h``.

    >>> duration_text(30), duration_text(510), duration_text(9000)
    ('about 30 s', 'about 8 min', 'about 2.5 h')
    """
    if seconds < 90:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


def study_size_line(scenario: Scenario, runs: int, workers: int | None,
                    seed: int | None = None) -> str:
    """``N runs of about C cases each; about T on W workers (pilot: R ms a case)``."""
    per_run, per_case = run_cost(scenario, seed)
    workers = max(workers or 1, 1)
    cases = scenario.expected_cases
    total = runs * (per_run + cases * per_case) / min(workers, runs)
    return (f"{runs:,} runs of about {cases:,.0f} cases each; {duration_text(total)} on "
            f"{workers} worker{'s' if workers != 1 else ''} (pilot: {per_case * 1e3:.2g} ms a "
            f"case + {per_run:.2g} s a run)")
