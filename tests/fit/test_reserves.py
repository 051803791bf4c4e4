"""Reserves read from a log (sim.fit.reserves): strict, yielding, none.

The baseline (60 days, seed 5, no warm-up) with its urgent reserve of 1 yielding at 2, at 4
(as shipped), never (strict), and without a reserve: the yielding reading returns the
threshold where there is one, and nothing on the strict and the reserve-free logs (the
strict reading takes the former). The shape rules on made-up occupancies: held at every
count below the threshold, at none from it on, each seen.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.plan import build_plan
from sim.fit.read import own_log
from sim.fit.reserves import (
    MAX_WAITING,
    Occupancy,
    _threshold,
    strict_reserves,
    yielding_reserves,
)
from sim.fit.stages import stage_table


def _read(*overrides: str, staff: dict[str, int] | None = None):  # noqa: ANN202
    """The readings of the baseline's log; ``staff``: in-house lines to read it with."""
    truth = sim.load_scenario("scenarios/baseline.yaml", overrides=[
        "simulation.horizon_days=60", "simulation.warmup_days=0", *overrides])
    r = sim.run(truth, seed=5, replications=1)
    log = own_log(r)
    t = stage_table(log)
    pools = {p: {"specialists": dict(v.specialists)} for p, v in truth.pools.items()}
    pools["in_house"]["specialists"].update(staff or {})
    plan = build_plan(truth)
    cals = {p: plan.calendars[v.calendar] for p, v in truth.pools.items()}
    return (yielding_reserves(log, t, pools, "routine", cals),
            strict_reserves(t, pools, "routine"))


@pytest.mark.parametrize("yields_at", [2, 4])
def test_yielding_reserve_read(yields_at: int):
    found, strict = _read(f"priorities.urgent.reserve_yields_at={yields_at}")
    assert strict == {}  # routine cases took every specialist of a line at times
    reserve, threshold = found
    assert {p: f.value for p, f in reserve.items()} == {"in_house": 1}
    assert threshold.value == yields_at, threshold.note


def test_reserve_leaves_every_line_a_specialist():
    """A pool with a line of one specialist cannot hold one back (the scenario's rule): the
    same log, read as if a sixth line had one specialist, gives no reserve."""
    found, _ = _read(staff={"genetics": 1})
    assert found is None


def test_strict_reserve_not_read_as_yielding():
    found, strict = _read("priorities.urgent.reserve_yields_at=null")
    assert found is None
    assert strict["in_house"].value == 1


def test_no_reserve_read_as_none():
    found, strict = _read("priorities.urgent.reserve_yields_at=null",
                          "priorities.urgent.reserve={}")
    assert found is None and strict == {}


def _occ(share: list[float], exposure_h: float = 50.0) -> Occupancy:
    e = np.array([0.0] + [exposure_h] * len(share))
    return Occupancy(e, e * np.array([0.0, *share]), {1: 1.0})


def test_threshold_shape():
    assert _threshold(_occ([0.95, 0.95, 0.6, 0.0, 0.0])) == 4
    assert _threshold(_occ([0.6, 0.0, 0.0])) == 2
    assert _threshold(_occ([0.0, 0.0, 0.0])) is None  # no reserve
    assert _threshold(_occ([0.9, 0.9, 0.9])) is None  # held at every count seen: strict
    assert _threshold(_occ([0.9, 0.0, 0.9, 0.0])) is None  # not one threshold
    gap = _occ([0.9, 0.9, 0.0])
    gap.exposure_h[2] = 0.5  # too little seen at 2 to tell
    assert _threshold(gap) is None


def _unseen(held_to: int, took_all: bool, also_seen: int | None = None) -> Occupancy:
    """Held at 1..``held_to`` waiting, no open hours from there on (``also_seen``: one count
    past the gap seen, not held)."""
    e = np.zeros(MAX_WAITING + 1)
    e[1:held_to + 1] = 50.0
    held = e * 0.9
    if also_seen is not None:
        e[also_seen] = 50.0
    return Occupancy(e, held, {1: 1.0}, took_all)


def test_threshold_never_seen_read_where_the_last_class_took_a_whole_line():
    """A reserve that yields at once when the queue reaches 4 leaves 4 never waiting in open
    hours: it is read at the first count not seen held when the last class had every
    specialist of a line at times (legacy_referral's own log), else not at all."""
    assert _threshold(_unseen(3, took_all=True)) == 4
    assert _threshold(_unseen(3, took_all=False)) is None  # never yields: strict, or nothing
    assert _threshold(_unseen(3, took_all=True, also_seen=6)) is None  # 6 seen, not held
    assert _threshold(_unseen(MAX_WAITING, took_all=True)) is None  # held at every count read
