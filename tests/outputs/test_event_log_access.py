"""The event log shows appointment slots and second records requests (sim.engine.access)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.fit.read import log_from_frame
from sim.fit.stages import stage_table


@pytest.fixture(scope="module")
def run(baseline_60_days: sim.Results) -> sim.Results:
    return baseline_60_days


def _count(events, activity: str, lifecycle: str) -> int:  # noqa: ANN001
    return int(((events["activity"] == activity) & (events["lifecycle"] == lifecycle)).sum())


def test_access_events_match_the_case_table(run: sim.Results) -> None:
    c, ev = run.cases, run.events
    booked = c["appointment_start_h"].notna()
    assert _count(ev, "appointment booked", "complete") == booked.sum() > 0
    assert _count(ev, "appointment held", "complete") == (booked & c["queue_h"].notna()).sum()
    held = ev[ev["activity"] == "appointment held"]
    assert (held["resource"] == "appointments").all()
    asked = c["records_incomplete"] & c["first_records_h"].notna()
    asked &= ~(c["abandoned_h"] < c["first_records_h"])
    assert _count(ev, "records requested again", "start") == asked.sum() > 0
    assert _count(ev, "records requested again", "complete") == (
        asked & c["intake_end_h"].notna()).sum()
    # the held slot is when the case joins the specialists' queue, the booking when it started
    # waiting: their difference is the appointment wait of the case table
    ids = "r0-" + c.loc[booked & c["queue_h"].notna(), "case"].astype(str)
    wait = (held.set_index("case_id")["time_h"]
            - ev[ev["activity"] == "appointment booked"].set_index("case_id")["time_h"])
    expected = c.loc[booked & c["queue_h"].notna(), "appointment_wait_h"].to_numpy()
    assert np.allclose(wait.loc[ids.to_numpy()].to_numpy(), expected)


def test_log_stays_in_journey_order(run: sim.Results) -> None:
    ev = run.events
    codes = ev["case_id"].cat.codes.to_numpy()
    t = ev["time_h"].to_numpy()
    same = codes[1:] == codes[:-1]
    assert (np.diff(codes) >= 0).all()
    assert (t[1:][same] >= t[:-1][same]).all()


def test_fit_reads_the_log_and_ignores_the_access_events(run: sim.Results) -> None:
    log = log_from_frame(run.events)
    table = stage_table(log)
    assert len(table) == run.cases["arrival_h"].notna().sum()
