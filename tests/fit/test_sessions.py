"""In-house sessions read from a log (sim.fit.sessions).

sessions_and_contract's own log, 42 days from 2026-01-05 (seed 11, no warm-up; before the
clocks change in March, since sosim writes its log's times without daylight saving): the
fit gives in-house oncology its four sessions exactly (Tuesday, Wednesday and Friday
08:00-12:00, Thursday 13:00-17:00) and no other line any; the baseline's lines, on the
pool's hours, get none.
"""

from __future__ import annotations

import pytest

import sim
from sim.fit.build import fit_scenario
from sim.fit.read import own_log
from sim.fit.sessions import session_calendar


def _fit(name: str):  # noqa: ANN202
    truth = sim.load_scenario(f"scenarios/{name}.yaml", overrides=[
        "simulation.horizon_days=42", "simulation.warmup_days=0"])
    r = sim.run(truth, seed=11, replications=1)
    return truth, fit_scenario(own_log(r))


def _plain(v):  # noqa: ANN001, ANN202
    return getattr(v, "value", v)


@pytest.fixture(scope="module")
def sessions_fit():  # noqa: ANN201
    return _fit("sessions_and_contract")


def test_sessions_recovered(sessions_fit):
    truth, fitted = sessions_fit
    pools = fitted.scenario["pools"]
    found = {p: {line: _plain(v) for line, v in e.get("sessions", {}).items()}
             for p, e in pools.items() if e.get("sessions")}
    assert list(found) == ["in_house"] and list(found["in_house"]) == ["oncology"]
    det = fitted.calendars["in_house"]
    start = truth.simulation.start
    got = session_calendar(found["in_house"]["oncology"], det, start)
    want = session_calendar([s.model_dump(exclude={"holidays", "time_zone"})
                             for s in truth.pools["in_house"].sessions["oncology"]], det, start)
    week = [24.0 * d + h / 2 for d in range(7) for h in range(48)]
    assert [got.is_open(x) for x in week] == [want.is_open(x) for x in week]
    assert "16 of the pool's 45 open hours" in pools["in_house"]["sessions"]["oncology"].note


def test_no_sessions_on_pool_hours():
    _, fitted = _fit("baseline")
    assert not any(e.get("sessions") for e in fitted.scenario["pools"].values())
