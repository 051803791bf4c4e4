"""Dated absence blocks read from a log (sim.fit.absences, issue #22).

sessions_and_contract sends 30% of its in-house specialists away for four weeks in August
(2026-08-03 to 08-28) on top of a daily rate of 8%. Fitted from a log that spans the
summer, the block must come back with its dates and as many heads away on each line, and
the daily rate from the other days: read as one daily rate, the summer made it 21% all
year, and the gate rejected the fit on the autumn (utilisation in house or abroad outside
its interval). Absent specialists must not read as specialists held free either: that hid
the urgent reserve (sim.fit.reserves).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from sim.engine.plan import build_plan
from sim.fit.absences import absence_blocks, block_share
from sim.fit.api import _fit_text
from sim.fit.gate import holdout_split, judge, truncate
from sim.fit.stages import stage_table
from tests.fit.shipped import shipped_log

SUMMER = ["simulation.start=2026-06-01"]
"""sessions_and_contract from June, over 150 days: its August block inside."""


def _days(rng: np.random.Generator, n: int, heads: int, rate: float,
          block: tuple[int, int, float] | None = None) -> pd.DataFrame:
    p = np.full(n, rate)
    if block is not None:
        first, last, extra = block
        p[first:last + 1] = rate + extra * (1 - rate)
    return pd.DataFrame({"absent": rng.binomial(heads, p), "exposed": heads},
                        index=pd.Index(range(n), name="day"))


def test_no_block_is_read_into_days_without_one() -> None:
    """The scan's level: 50 logs of 150 days with a daily rate alone give at most one block
    (BLOCK_ALPHA is 1%, Bonferroni over the runs: conservative)."""
    rng = np.random.default_rng(1)
    found = sum(bool(absence_blocks(_days(rng, 150, 12, 0.08))) for _ in range(50))
    assert found <= 1


def test_a_block_is_found_where_it_is() -> None:
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(20):
        got = absence_blocks(_days(rng, 150, 12, 0.08, block=(60, 79, 0.3)))
        hits += len(got) == 1 and abs(got[0][0] - 60) <= 2 and abs(got[0][1] - 79) <= 2
    assert hits >= 18


def test_block_share_puts_the_same_heads_away_as_the_log() -> None:
    """Lines of 6, 2 and 1 heads, 2 + 1 + 0 away on every day: any share in [0.25, 0.417)
    does that; 0.45 would send 3 of the 6 away."""
    lines = [(6, pd.DataFrame({"absent": [2] * 10, "exposed": [6] * 10})),
             (2, pd.DataFrame({"absent": [1] * 10, "exposed": [2] * 10})),
             (1, pd.DataFrame({"absent": [0] * 10, "exposed": [1] * 10}))]
    share = block_share(lines, 0, 9, 0.0)
    assert [math.floor(share * h + 0.5) for h in (6, 2, 1)] == [2, 1, 0]


@pytest.fixture(scope="module")
def summer():  # noqa: ANN201
    return shipped_log("sessions_and_contract", 11, 150, SUMMER)


def test_the_summer_block_comes_back(summer) -> None:  # noqa: ANN001
    truth, log = summer
    _, _, fitted = _fit_text(log, "own", 5, 1, "summer", "own")
    want, got = truth.pools["in_house"].absences, fitted.pools["in_house"].absences
    [block] = got.blocks
    [true] = want.blocks
    assert abs((block.start - true.start).days) <= 2 and abs((block.end - true.end).days) <= 2
    assert got.rate == pytest.approx(want.rate, abs=0.035)
    for q in build_plan(truth).queues:  # as many heads away on each line (engine rounding)
        if q.name.startswith("in_house/"):
            assert math.floor(block.share * q.servers + 0.5) == \
                math.floor(true.share * q.servers + 0.5), q.name
    assert all(p.absences is None for name, p in fitted.pools.items() if name != "in_house")
    assert isinstance(block.start, dt.date)


@pytest.mark.power
def test_the_gate_accepts_the_summer_fit(summer) -> None:  # noqa: ANN001
    """Fitted on June-September (the block inside), judged on the autumn: every KPI inside."""
    _, log = summer
    split = holdout_split(log, 0.3)
    first, _, scenario = _fit_text(truncate(log, split), "own", 5, 1, "summer", "first part")
    verdict = judge(scenario, log, first, stage_table(log), split, 5, 1)
    assert not verdict.outside, verdict.line


def test_absent_specialists_do_not_hide_the_reserve() -> None:
    """Seed 13's summer log: counting every named specialist as at work, the absent ones
    looked free at every queue length and the urgent reserve (1, yielding at 4) was not
    read; counting only those who started a review that day, it is (sim.fit.reserves)."""
    truth, log = shipped_log("sessions_and_contract", 13, 150, SUMMER)
    _, _, fitted = _fit_text(truncate(log, holdout_split(log, 0.3)), "own", 5, 1, "summer",
                             "first part")
    want, got = truth.priorities["urgent"], fitted.priorities["urgent"]
    assert (got.reserve, got.reserve_yields_at) == (want.reserve, want.reserve_yields_at)
