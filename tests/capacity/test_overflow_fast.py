"""The overflow chain computed fast gives the numbers of the hour-by-hour loop, to the bit.

:func:`sim.capacity.overflow.spill_share` builds one generator per distinct hour, steps the
distribution through every hour into one array and sums the blocked shares afterwards
(issue #24: the loop cost 0.1 s a call, ten calls a capacity check). The same floating
point operations in the same order: here it is held to the loop as first written
(:func:`_loop`, copied from before the change), on random chains and on every call the
shipped scenarios' capacity checks make.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.capacity import overflow
from sim.capacity.network import capacity_report
from sim.core.calendar import WorkCalendar
from sim.engine.plan import build_plan

ROOT = Path(__file__).resolve().parents[2]


def _loop(calendar, servers, effort_h, router_effort_h, must_per_h, may_per_h,  # noqa: ANN001
          threshold_h, horizon_h, warmup_h=0.0, profile=None, admit_servers=None) -> float:
    """spill_share as it was before issue #24 (hour by hour, a dict of generators)."""
    if may_per_h <= 0 or horizon_h <= warmup_h:
        return 0.0
    horizon_h = min(horizon_h, warmup_h + 365 * 24.0)
    steps = int(math.ceil(horizon_h))
    start = np.arange(steps, dtype=float)
    mid = start + 0.5
    window = float(np.max(calendar.working_hours_between(mid, mid + threshold_h)))
    bound = servers + math.floor(window * (admit_servers or servers) / router_effort_h) + 2
    if must_per_h > 0:
        bound += max(overflow._MARGIN, servers)
    block = max(1, math.ceil(bound / overflow.MAX_STATES))
    counts = np.arange(0, bound + block, block, dtype=float)
    admit = overflow._admitted(calendar, servers, router_effort_h, threshold_h, mid, counts,
                               admit_servers)
    n_states = len(counts)
    admit[:, -1] = False
    open_frac = np.asarray(calendar.working_hours_between(start, start + 1.0), dtype=float)
    factor = np.ones(steps) if profile is None else np.asarray(profile(mid), dtype=float)
    death = np.minimum(counts, servers) / effort_h / block
    cache: dict[bytes, np.ndarray] = {}
    p = np.zeros(n_states)
    p[0] = 1.0
    spilled = offered = 0.0
    for k in range(steps):
        key = admit[k].tobytes() + np.asarray([open_frac[k], factor[k]]).tobytes()
        step = cache.get(key)
        if step is None:
            birth = (must_per_h + may_per_h * admit[k]) * factor[k] / block
            birth[-1] = 0.0
            q = np.diag(birth[:-1], 1) + np.diag(death[1:] * open_frac[k], -1)
            q -= np.diag(q.sum(axis=1))
            step = cache[key] = overflow._hour_operator(q)
        nxt = p @ step
        if mid[k] >= warmup_h:
            rate = may_per_h * factor[k]
            blocked = ~admit[k]
            spilled += rate * 0.5 * (p[blocked].sum() + nxt[blocked].sum())
            offered += rate
        p = nxt
    return float(spilled / offered) if offered > 0 else 0.0


def _calendars() -> list[WorkCalendar]:
    plan = build_plan(sim.load_scenario(ROOT / "scenarios" / "sessions_and_contract.yaml"))
    return [WorkCalendar.always(), *plan.calendars.values()]


@pytest.mark.parametrize("seed", range(8))
def test_random_chains_give_the_loops_numbers_to_the_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cals = _calendars()
    cal = cals[seed % len(cals)]
    servers = int(rng.integers(1, 40))
    args = dict(servers=servers, effort_h=float(rng.uniform(0.3, 4)),
                router_effort_h=float(rng.uniform(0.3, 4)),
                must_per_h=float(rng.choice([0.0, rng.uniform(0, servers / 2)])),
                may_per_h=float(rng.uniform(0.01, servers)),
                threshold_h=float(rng.choice([0.0, 2.0, 24.0, 72.0])),
                horizon_h=float(rng.choice([200.0, 2000.0, 9000.0])),
                warmup_h=float(rng.choice([0.0, 24.0 * 14])),
                admit_servers=None if seed % 3 else servers + 1)
    weekly = lambda t: 1.0 + 0.5 * np.sin(2 * np.pi * t / 168.0)  # noqa: E731
    for profile in (None, weekly):
        fast = overflow.spill_share(cal, profile=profile, **args)
        assert fast == _loop(cal, profile=profile, **args)
        assert math.isfinite(fast)


@pytest.mark.parametrize("name", ["baseline", "legacy_referral", "hybrid", "payer_mandate",
                                  "sessions_and_contract"])
def test_every_call_of_the_shipped_capacity_checks_is_the_loops(name: str,
                                                                monkeypatch) -> None:
    calls: list[tuple[tuple, dict, float]] = []
    fast = overflow.spill_share

    def recording(*args: object, **kwargs: object) -> float:
        out = fast(*args, **kwargs)
        calls.append((args, kwargs, out))
        return out

    monkeypatch.setattr(overflow, "spill_share", recording)
    capacity_report(build_plan(sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml")))
    for args, kwargs, out in calls:
        assert out == _loop(*args, **kwargs)


@pytest.mark.parametrize("name", ["baseline", "sessions_and_contract"])
def test_the_chains_side_by_side_give_the_same_check(name: str, monkeypatch) -> None:
    """A year's capacity check runs its chains in forked workers (all_class_spills): the
    report is the one the chains give one after the other."""
    import pandas as pd

    from sim.capacity import network, spill
    from sim.core.forked import can_fork

    if not can_fork():
        pytest.skip("needs fork and a single thread")
    plan = build_plan(sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
    forked = capacity_report(plan)
    every = spill.all_class_spills
    monkeypatch.setattr(network, "all_class_spills",
                        lambda plan, visits, workers=None: every(plan, visits, 1))
    pd.testing.assert_frame_equal(capacity_report(plan), forked, check_exact=True)
