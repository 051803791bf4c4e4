"""sosim's own log of a zoned scenario across a daylight-saving change, fitted (issue #22).

The baseline with its clock in New York (``simulation.time_zone: America/New_York``), 42 days
from Monday 16 February 2026, across the change to EDT on Sunday 8 March. The clock counts
elapsed hours (docs/scenario-reference.md, "Time zones"), so the event log's timestamps are
instants in the platform's zone: every in-house review starts within 08:00-17:00 local time
on both sides of the change, and the fit reads the business calendar back as 08:00-17:00
(it read 07:00-17:00 when the timestamps were ``start`` + clock hours, naive, an hour early
after the change), from the frame, from ``events.parquet`` and from ``events.csv`` alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.engine.stages import REVIEW
from sim.fit.api import _fit_text
from sim.fit.fitted import plain
from sim.fit.read import own_log, read_log
from sim.outputs.tables import read_results_table
from sim.outputs.writing import write_results

ZONE = "America/New_York"
OFFICE = {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["08:00", "17:00"]}


@pytest.fixture(scope="module")
def zoned_run():  # noqa: ANN201
    truth = sim.load_scenario("scenarios/baseline.yaml", overrides=[
        "simulation.start=2026-02-16", "simulation.horizon_days=42",
        "simulation.warmup_days=0", f"simulation.time_zone={ZONE}"])
    return sim.run(truth, seed=11, replications=1)


def _office_calendars(log) -> dict[str, dict]:  # noqa: ANN001
    fitted, _, _ = _fit_text(log, "own", 5, 1, "baseline", "own")
    cals = {k: plain(v) for k, v in fitted.scenario["calendars"].items()}
    return {k: {"days": c["days"], "hours": c["hours"]} for k, c in cals.items()
            if k in ("in_house_hours", "preauth_hours", "intake_paper_hours")}


def test_timestamps_are_local_instants(zoned_run):  # noqa: ANN001
    ev = zoned_run.events
    assert str(ev["timestamp"].dt.tz) == ZONE
    starts = ev[(ev["activity"] == REVIEW.name) & (ev["lifecycle"] == "start")
                & ev["resource"].astype(str).str.startswith("in_house/")]
    local = starts["timestamp"].dt.hour + starts["timestamp"].dt.minute / 60
    after = (starts["timestamp"] >= pd.Timestamp("2026-03-09", tz=ZONE)).to_numpy()
    assert after.sum() > 100 and (~after).sum() > 100  # both sides of the change
    assert local.between(8, 17).all(), local[~local.between(8, 17)].head()
    # the instant is the clock's: elapsed hours since local midnight of the start
    origin = pd.Timestamp("2026-02-16", tz=ZONE)
    elapsed = (ev["timestamp"] - origin) / pd.Timedelta(hours=1)
    assert (elapsed - ev["time_h"]).abs().max() < 1e-6


def test_fit_reads_the_office_hours_back(zoned_run):  # noqa: ANN001
    log = own_log(zoned_run)
    assert _office_calendars(log) == dict.fromkeys(
        ("in_house_hours", "preauth_hours", "intake_paper_hours"), OFFICE)


@pytest.mark.parametrize("parquet", [True, False])
def test_fit_of_the_written_log(zoned_run, tmp_path: Path, parquet: bool,  # noqa: ANN001
                                monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        if not parquet:  # CSV: the timestamps carry offsets, the manifest their zone
            m.setitem(sys.modules, "pyarrow", None)
            m.setitem(sys.modules, "pyarrow.parquet", None)
        out = write_results(zoned_run, tmp_path / "run", figures=False)
    events = read_results_table(out, "events")
    assert str(events["timestamp"].dt.tz) == ZONE
    pd.testing.assert_series_equal(events["timestamp"], zoned_run.events["timestamp"])
    path = out / ("events.parquet" if parquet else "events.csv")
    assert path.is_file()
    assert _office_calendars(read_log(path)) == dict.fromkeys(
        ("in_house_hours", "preauth_hours", "intake_paper_hours"), OFFICE)


def test_offsets_without_a_zone_are_refused(zoned_run, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "events.csv"  # no manifest beside it: the zone is unknown
    zoned_run.events.to_csv(path, index=False)
    with pytest.raises(sim.fit.read.LogError, match="names no time_zone"):
        read_log(path)
