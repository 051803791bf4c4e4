"""A case screened by the wrong specialists and re-routed, its right review not yet begun.

sosim's engine screens a misrouted case before it books the right pool's appointment slot:
``misroute screening`` (the ``review`` stage), ``re-routing`` (``assigned``), ``appointment
booked``, and the patient may give up (or the log end) before the slot. The stage table used
to take that screening for the case's review and its later match for the queue join: a
negative specialist wait (legacy_referral's own log at seed 12: -0.72 h on the hold-out;
the case table's, over the run, is +0.57 h for in-person cases) and an opinion at the
screening's end.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.fit.read import log_from_frame
from sim.fit.stages import stage_table

_DAY0 = pd.Timestamp("2026-01-05")


def _events() -> pd.DataFrame:
    rows = []

    def add(case: str, activity: str, life: str, h: float, resource: str) -> None:
        rows.append((case, activity, life, _DAY0 + pd.Timedelta(hours=h), h, resource))

    for case, t0 in (("r0-0", 0.0), ("r0-1", 1.0), ("r0-2", 2.0)):
        add(case, "case arrived", "complete", t0, "patient")
        add(case, "triage", "start", t0 + 1, "coordinator")
        add(case, "triage", "complete", t0 + 1.1, "coordinator")
    # r0-0: right first time, booked and held, reviewed 0.5 h after its slot
    add("r0-0", "appointment booked", "complete", 1.1, "appointments")
    add("r0-0", "appointment held", "complete", 50.0, "appointments")
    add("r0-0", "specialist review", "start", 50.5, "in_house/cardiology#0")
    add("r0-0", "specialist review", "complete", 51.5, "in_house/cardiology#0")
    # r0-1: screened by the wrong line, re-routed, booked, gave up before the slot
    add("r0-1", "misroute screening", "start", 2.1, "in_house/oncology#0")
    add("r0-1", "misroute screening", "complete", 2.3, "in_house/oncology#0")
    add("r0-1", "re-routing", "start", 2.3, "referral")
    add("r0-1", "re-routing", "complete", 9.0, "referral")
    add("r0-1", "appointment booked", "complete", 9.0, "appointments")
    add("r0-1", "case abandoned", "complete", 40.0, "patient")
    # r0-2: screened, re-routed, booked, held, reviewed
    add("r0-2", "misroute screening", "start", 3.1, "in_house/oncology#0")
    add("r0-2", "misroute screening", "complete", 3.3, "in_house/oncology#0")
    add("r0-2", "re-routing", "start", 3.3, "referral")
    add("r0-2", "re-routing", "complete", 10.0, "referral")
    add("r0-2", "appointment booked", "complete", 10.0, "appointments")
    add("r0-2", "appointment held", "complete", 60.0, "appointments")
    add("r0-2", "specialist review", "start", 61.0, "in_house/cardiology#0")
    add("r0-2", "specialist review", "complete", 62.0, "in_house/cardiology#0")
    add("r0-0", "opinion delivered", "complete", 51.5, "in_house")
    add("r0-2", "opinion delivered", "complete", 62.0, "in_house")
    return pd.DataFrame(rows, columns=["case_id", "activity", "lifecycle", "timestamp",
                                       "time_h", "resource"])


def test_screened_only_case_has_no_review_and_no_negative_wait():
    t = stage_table(log_from_frame(_events()))
    wait = (t["review_start_h"] - t["queue_h"]).dropna()
    assert (wait >= 0).all(), wait
    assert math.isclose(float(wait.mean()), 0.75)  # r0-0 0.5 h, r0-2 1 h; r0-1 never reviewed
    one = t.loc["r0-1"]
    assert np.isnan(one["review_start_h"]) and np.isnan(one["opinion_h"])
    assert (one["screen_start_h"], one["screen_end_h"]) == (2.1, 2.3)
    assert t.loc["r0-2", "screen_end_h"] == 3.3 and t.loc["r0-2", "review_start_h"] == 61.0
    assert np.isnan(t.loc["r0-0", "screen_end_h"])
