"""Overflow by priority class in the capacity check: which share of each class spills.

Under ``routing.policy: overflow`` a first-choice queue keeps what its wait threshold lets
in (:func:`sim.capacity.overflow.spill_share`, a Markov chain on the queue's length). With a
class ``reserve`` the classes kept off the reserved specialists see fewer of them than the
router divides by, so they get a chain of their own (:func:`class_spills`).

Example:
    >>> Visit(cases=10.0, effort_h=1.5, second=(), screening=False).classes
    (1.0,)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from sim.core.clock import HOURS_PER_WEEK, HOURS_PER_YEAR
from sim.engine.plan import Plan
from sim.engine.rosters import expected_presence


@dataclass(frozen=True)
class Visit:
    """Cases per week reaching a first-choice queue, their effort there, where they may spill.

    ``cases`` counts only those expected to get there (drop-out before the queue), of which
    ``classes`` gives each priority class's share; ``potential`` counts them all.
    """

    cases: float
    effort_h: float
    second: tuple[int, ...]
    screening: bool
    classes: tuple[float, ...] = (1.0,)
    potential: float = 0.0


def _chains(plan: Plan, q: int) -> list[tuple[np.ndarray, int, int | None]]:
    """(classes, servers, admit_servers) of each chain :func:`class_spills` runs for ``q``:
    everyone's first, then one per class a reserve keeps off some specialists."""
    spec = plan.queues[q]
    reserve = plan.reserve(spec.pool, spec.servers)
    n = len(plan.priorities)
    out: list[tuple[np.ndarray, int, int | None]] = [(np.ones(n), spec.servers, None)]
    for k in range(n):
        if reserve[k] > 0:
            later = np.zeros(n)
            later[k:] = 1.0
            out.append((later, spec.servers - reserve[k], spec.servers))
    return out


def class_spills(plan: Plan, q: int, visits: list[Visit],
                 chains: list[float] | None = None) -> np.ndarray:
    """Per priority class, the share of queue ``q``'s overflowable visits that spill.

    Without reserves every class shares one chain over all the queue's work. A class kept
    off the specialists held back for earlier classes (``reserve``) has its own: its and
    later classes' work on the specialists it may use, the router still dividing by all of
    them (:meth:`sim.engine.pools.SpecialistQueue.expected_wait_h`); the earlier classes'
    work is taken to fit on the specialists held back for it (a stated approximation), and
    the earlier classes themselves spill as the whole queue's chain says. ``chains``: the
    chains' values if already computed (:func:`all_class_spills`), in :func:`_chains` order.
    """
    if chains is None:
        chains = [spill_chain(plan, q, visits, *c) for c in _chains(plan, q)]
    spec = plan.queues[q]
    reserve = plan.reserve(spec.pool, spec.servers)
    out = np.zeros(len(plan.priorities))
    later = iter(chains[1:])
    for k in range(len(out)):
        # (a cheaper "spill only when the calendar is closed too long" for them predicted
        # 27% against 36% simulated in sessions_and_contract's oncology; this chain, 84%
        # overall as simulated)
        out[k] = chains[0] if reserve[k] <= 0 else next(later)
    return out


CHAIN_STEP_S = 3e-6
"""Seconds an hour of a chain costs (a 50-state vector times a matrix; ``spill_share``)."""
MIN_FORKED_S = 0.1
"""Chains side by side in forked workers only for at least this much estimated work."""


def all_class_spills(plan: Plan, visits: dict[int, list[Visit]],
                     workers: int | None = None) -> dict[int, np.ndarray]:
    """:func:`class_spills` of every queue in ``visits``, the chains side by side.

    The chains are independent: with several cores and enough work (:data:`MIN_FORKED_S`
    estimated at :data:`CHAIN_STEP_S` an hour of a chain) they run in forked workers
    (:mod:`sim.core.forked`; ``workers`` 1 runs them here), with the same results.

    Example:
        >>> from sim.engine.plan import build_plan
        >>> import sim.capacity.network as network
        >>> plan = build_plan(scenario)
        >>> visits = network._first_choice_visits(plan, 100.0)
        >>> here, forked = all_class_spills(plan, visits, 1), all_class_spills(plan, visits, 2)
        >>> all((here[q] == forked[q]).all() for q in here)
        True
    """
    from sim.core.forked import fork_map

    jobs = [(q, c) for q, vs in visits.items() for c in _chains(plan, q)
            if any(v.second for v in vs)]  # a queue none may leave spills nothing: no chain
    if workers is None:
        hours = min(plan.horizon_h, plan.warmup_h + 365 * 24.0)
        try:
            cores = len(os.sched_getaffinity(0)) or 1
        except AttributeError:  # macOS, Windows
            cores = os.cpu_count() or 1
        workers = cores if len(jobs) * hours * CHAIN_STEP_S >= MIN_FORKED_S else 1
    values: list[float] = [0.0] * len(jobs)
    fork_map(lambda job: spill_chain(plan, job[0], visits[job[0]], *job[1]), jobs, workers,
             values.__setitem__)
    chains: dict[int, list[float]] = {}
    for (q, _), value in zip(jobs, values, strict=True):
        chains.setdefault(q, []).append(value)
    return {q: class_spills(plan, q, vs, chains.get(q) or [0.0] * len(_chains(plan, q)))
            for q, vs in visits.items()}


def spill_chain(plan: Plan, q: int, visits: list[Visit], classes: np.ndarray, servers: int,
                 admit_servers: int | None, others_join: bool = False) -> float:
    """:func:`sim.capacity.overflow.spill_share` for the cases of ``classes`` (a 0/1 mask).

    The other classes' cases are left out (they take the specialists held back for them), or
    with ``others_join`` always join the same specialists: the two bounds of what the earlier
    classes take from the later ones (the check reports the first; the tests hold a run
    between the two).
    """
    def load(v: Visit) -> float:
        return v.cases if others_join else v.cases * float(np.dot(v.classes, classes))

    may = sum(v.cases * float(np.dot(v.classes, classes)) for v in visits if v.second)
    if may <= 0:
        return 0.0
    from sim.capacity.overflow import spill_share
    from sim.engine.demand import rate_per_hour

    s = plan.scenario
    spec = plan.queues[q]
    total = sum(load(v) for v in visits)
    # the profile is the arrival rate's shape (mean 1): scaled by the rate it is drawn at,
    # not by the incentivised volume (the must/may loads already carry that)
    mean_rate = s.demand.cases_per_year / HOURS_PER_YEAR
    weekday = s.simulation.start.weekday()
    present = expected_presence(plan, spec)  # absences: the same work on fewer people
    return spill_share(
        plan.queue_calendar(spec), servers,
        effort_h=sum(load(v) * v.effort_h for v in visits) / total / present,
        router_effort_h=plan.mean_hours(plan.review_spec(spec.pool,
                                                         plan.lines[spec.line].specialty))
        / present,
        must_per_h=(total - may) / HOURS_PER_WEEK, may_per_h=may / HOURS_PER_WEEK,
        threshold_h=s.routing.overflow_wait_hours, horizon_h=plan.horizon_h,
        warmup_h=plan.warmup_h,
        profile=lambda t: rate_per_hour(s.demand, t, weekday) / mean_rate,
        admit_servers=admit_servers)
