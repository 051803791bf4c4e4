"""Demand: when cases arrive and what kind of case each one is.

Arrivals are a non-stationary Poisson process with rate

    lambda(t) = cases_per_year / 8760 h  x  weekday(t) / mean(weekday)  x  hour(t) / mean(hour)

so the weekly average rate is exactly the yearly volume. They are sampled by
thinning (Lewis and Shedler): candidates come at the peak rate ``lambda_max``
and a candidate at time ``t`` is kept with probability ``lambda(t) / lambda_max``,
using the *candidate's own* time (looking up the rate at the previous arrival's
time is a known bug in several DES templates). Arrivals depend on nothing the
simulation does, so the whole horizon is drawn up front in numpy blocks.

Each case then draws its attributes from the scenario's mix, one row of
uniforms per case from the ``attributes`` stream: the same case gets the same
attributes whatever the triage or routing policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.clock import HOURS_PER_DAY, HOURS_PER_YEAR
from sim.engine.plan import Plan
from sim.scenario.models import Demand  # a type: the arrival process's settings

_BLOCK = 65_536  # candidates per numpy draw; fixed so that streams never depend on volume


def _profile(weights: str | list[float], n: int) -> np.ndarray:
    w = np.ones(n) if weights == "flat" else np.asarray(weights, dtype=float)
    return w / w.mean()


def rate_per_hour(demand: Demand, t: np.ndarray, start_weekday: int) -> np.ndarray:
    """The arrival rate (cases per hour) at clock times ``t``."""
    wd = _profile(demand.profile.weekday, 7)
    hd = _profile(demand.profile.hour_of_day, 24)
    day = (start_weekday + np.floor(t / HOURS_PER_DAY).astype(np.int64)) % 7
    hour = np.floor(np.mod(t, HOURS_PER_DAY)).astype(np.int64)
    return demand.cases_per_year / HOURS_PER_YEAR * wd[day] * hd[hour]


def arrival_times(
    demand: Demand, horizon_h: float, start_weekday: int, rng: np.random.Generator
) -> np.ndarray:
    """Arrival times in ``[0, horizon_h)`` by thinning, sorted.

    Example:
        >>> d = Demand(cases_per_year=8760, mix={"specialty": {"a": 1}, "channel": {"c": 1},
        ...                                       "payer": {"p": 1}})
        >>> t = arrival_times(d, 1000.0, 0, np.random.default_rng(1))
        >>> 900 < len(t) < 1100      # about one an hour
        True
    """
    lam_max = demand.cases_per_year / HOURS_PER_YEAR * (
        _profile(demand.profile.weekday, 7).max() * _profile(demand.profile.hour_of_day, 24).max()
    )
    kept: list[np.ndarray] = []
    t0 = 0.0
    while t0 < horizon_h:
        candidates = t0 + np.cumsum(rng.standard_exponential(_BLOCK)) / lam_max
        accept = rng.random(_BLOCK) * lam_max <= rate_per_hour(demand, candidates, start_weekday)
        kept.append(candidates[accept & (candidates < horizon_h)])
        t0 = candidates[-1]
    return np.concatenate(kept)


@dataclass(frozen=True)
class Cases:
    """The arrivals of one replication and their attributes, as parallel arrays.

    Codes index the plan's tables: ``line`` into ``plan.lines``, ``channel``
    into ``plan.channels``, ``payer`` into ``plan.payers``, ``priority`` into
    ``plan.priorities`` (0 = served first).
    """

    arrival_h: np.ndarray
    line: np.ndarray
    specialty: np.ndarray
    channel: np.ndarray
    payer: np.ndarray
    priority: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_h)


def _pick(shares: dict[str, float], names: tuple[str, ...], u: np.ndarray) -> np.ndarray:
    p = np.asarray([shares.get(n, 0.0) for n in names], dtype=float)
    cum = np.cumsum(p) / p.sum()
    return np.minimum(np.searchsorted(cum, u, side="right"), len(names) - 1).astype(np.int32)


def draw_cases(plan: Plan, arrivals: np.ndarray, rng: np.random.Generator) -> Cases:
    """Attributes for each arrival, one row of uniforms per case."""
    mix = plan.inputs.mix
    u = rng.random((len(arrivals), 5))
    payer = _pick(mix.payer, plan.payers, u[:, 3])  # co-pay waivers shift it (specs)
    specialty = _pick(mix.specialty, plan.specialties, u[:, 0])
    for k, name in enumerate(plan.payers):  # payers with a specialty mix of their own
        if name in mix.specialty_by_payer:  # (mandated cases blended in: sim.engine.mandates)
            rows = payer == k
            specialty[rows] = _pick(mix.specialty_by_payer[name], plan.specialties, u[rows, 0])
    # A case's service line: its specialty's general line, or one of the specialty's
    # subspecialties with the shares given in mix.subspecialty.
    line = np.empty(len(arrivals), dtype=np.int32)
    for s, name in enumerate(plan.specialties):
        rows = specialty == s
        idx = [i for i, ln in enumerate(plan.lines) if ln.specialty == name]
        if not rows.any():
            continue
        sub_shares = np.asarray([plan.line_share[i] for i in idx])
        cum = np.cumsum(sub_shares) / sub_shares.sum()
        k = np.minimum(np.searchsorted(cum, u[rows, 1], side="right"), len(idx) - 1)
        line[rows] = np.asarray(idx, dtype=np.int32)[k]
    return Cases(
        arrival_h=arrivals,
        line=line,
        specialty=specialty,
        channel=_pick(mix.channel, plan.channels, u[:, 2]),
        payer=payer,
        priority=_pick(mix.priority, plan.priorities, u[:, 4]),
    )


def generate_cases(plan: Plan, rng_arrivals: np.random.Generator,
                   rng_attributes: np.random.Generator) -> Cases:
    """Arrival times and attributes of one replication."""
    # co-pay waivers raise uptake: the plan's arrivals carry the volume they bring (specs)
    times = arrival_times(plan.inputs.arrivals, plan.horizon_h, plan.start.weekday(),
                          rng_arrivals)
    return draw_cases(plan, times, rng_attributes)
