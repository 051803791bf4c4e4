"""Channels as they are: the video channel of the shipped scenarios and the channel KPIs."""

from __future__ import annotations

import numpy as np
import pytest

import sim


@pytest.fixture(scope="module")
def run(baseline_60_days: sim.Results) -> sim.Results:
    return baseline_60_days


def test_channel_kpis_count_each_channel_and_add_up(run: sim.Results) -> None:
    k = run.kpis.iloc[0]
    cases = run.cases
    channels = ["online_portal", "in_person", "telephonic", "video"]
    assert sum(k[f"channel.{c}.cases"] for c in channels) == k["cohort_cases"]
    for c in channels:
        tto = cases.loc[cases["channel"] == c, "time_to_opinion_h"].dropna()
        assert k[f"channel.{c}.time_to_opinion_h.mean"] == pytest.approx(tto.mean())
        gave_up = (cases.loc[cases["channel"] == c, "status"] == "abandoned").mean()
        assert k[f"channel.{c}.abandoned_share"] == pytest.approx(gave_up)


def test_video_waits_for_its_own_slot_and_costs_its_own(run: sim.Results) -> None:
    c = run.cases
    video = c[c["channel"] == "video"]
    portal = c[c["channel"] == "online_portal"]
    # video cases wait for a slot (portal ones never do), shorter than in-person ones
    assert (video["appointment_wait_h"].dropna() > 0).all()
    assert portal["appointment_wait_h"].fillna(0).eq(0).all()
    in_person = c.loc[c["channel"] == "in_person", "appointment_wait_h"].dropna()
    assert video["appointment_wait_h"].dropna().mean() < in_person.mean()
    k = run.kpis.iloc[0]
    # the channel cost of the scenario (140) is in the video cases' opinion cost, and Medicare
    # pays its own video fee (200, no co-pay change) on them
    assert k["money.cost_per_opinion_usd.channel.video"] > 0
    done = video[video["status"] == "delivered"]
    medicare = done[done["payer"] == "medicare"]
    assert len(medicare) and np.allclose(medicare["paid_by_payer_usd"], 200.0)
    assert np.allclose(medicare["paid_by_patient_usd"], 70.0)
