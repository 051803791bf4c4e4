"""Contracts with outsourced pools: weekly caps in routing, SLA credits to the cent, commitments.

The SLA lateness of every case is recounted here without :mod:`sim.core.calendar`: working
minutes are counted by walking the calendar day by day with :mod:`datetime`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.contracts import WeeklyCap
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text
from sim.outputs.contracts import contract_columns
from sim.scenario.errors import ScenarioError

START = dt.datetime(2026, 1, 5)  # a Monday

SCENARIO = """
name: contract
simulation: {start: 2026-01-05, horizon_days: 56, warmup_days: 7, seed: 3, replications: 1}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"],
             holidays: [2026-01-19]}
demand:
  cases_per_year: 5200
  mix: {specialty: {general: 1}, channel: {online: 1}, payer: {anyone: 1}}
triage: {policy: direct}
payers: {anyone: {}}
routing: {policy: outsourced_first}
pools:
  clinic:
    kind: in_house
    calendar: "24x7"
    specialists: {general: 3}
    review: {dist: exponential, mean: 2, unit: hours}
    price_per_case_usd: 100
  vendor:
    kind: outsourced
    calendar: business
    specialists: {general: 6}
    review: {dist: exponential, mean: 3.5, unit: hours}
    contract:
      price_per_case_usd: 612.37
      cases_per_week: 60
      sla: {business_days: 1, credit_per_late_case_usd: 137.45}
      minimum_cases_per_year: 4000
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2}}
economics: {}
"""


def working_hours_by_hand(t0_h: float, t1_h: float) -> float:
    """Working hours of Mon-Fri 08:00-17:00 minus 19 Jan 2026 between two clock times."""
    a, b = START + dt.timedelta(hours=t0_h), START + dt.timedelta(hours=t1_h)
    day, total = a.date(), 0.0
    while day <= b.date():
        if day.weekday() < 5 and day != dt.date(2026, 1, 19):
            open_ = dt.datetime.combine(day, dt.time(8))
            close = dt.datetime.combine(day, dt.time(17))
            lo, hi = max(a, open_), min(b, close)
            total += max((hi - lo).total_seconds(), 0.0) / 3600
        day += dt.timedelta(days=1)
    return total


@pytest.fixture(scope="module")
def res():
    return sim.run(scenario_from_text(SCENARIO))


def test_sla_credits_to_the_cent(res) -> None:
    cases = res.cases
    vendor = cases[(cases["pool"] == "vendor") & (cases["status"] == "delivered")]
    late_by_hand = np.array([working_hours_by_hand(a, b) > 9.0 + 1e-9
                             for a, b in zip(vendor["queue_h"], vendor["review_end_h"],
                                             strict=True)])
    assert late_by_hand.sum() > 20 and (~late_by_hand).sum() > 20  # both kinds occur
    np.testing.assert_array_equal(vendor["sla_late"].to_numpy(), late_by_hand)
    cohort = ~vendor["warmup"].to_numpy()
    credits_cents = int(late_by_hand[cohort].sum()) * 13745
    kpi = res.kpis.iloc[0]["money.contract.vendor.sla_credits_usd"]
    assert round(kpi * 100) == credits_cents
    # each late opinion costs the price minus the credit, to the cent
    cost = vendor["opinion_cost_usd"].to_numpy()
    np.testing.assert_allclose(cost[late_by_hand], 612.37 - 137.45, atol=5e-3)
    np.testing.assert_allclose(cost[~late_by_hand], 612.37, atol=5e-3)


def test_sla_by_hand_on_one_case() -> None:
    """Assigned Friday 16:00, 1 business day = 9 working hours: due Monday 16:00."""
    plan = build_plan(scenario_from_text(SCENARIO))
    friday_16 = 4 * 24 + 16.0
    due = friday_16 + 24 * 3  # Monday 16:00 (1 h on Friday, 8 h on Monday)
    cases = pd.DataFrame({
        "pool": pd.Categorical(["vendor", "vendor", "clinic"], categories=["clinic", "vendor"]),
        "status": ["delivered"] * 3, "queue_h": [friday_16] * 3,
        "review_end_h": [due, due + 0.01, due + 100]})
    cols = contract_columns(plan, cases)
    assert cols["sla_late"].tolist() == [False, True, False]  # the in-house pool has no SLA
    assert cols["sla_credit_usd"].tolist() == [0.0, 137.45, 0.0]


def test_weekly_cap_overflows_to_the_clinic(res) -> None:
    cases = res.cases
    vendor = cases[cases["pool"] == "vendor"]
    per_week = np.bincount((vendor["queue_h"].to_numpy() // 168).astype(int))
    assert per_week.max() == 60  # the cap binds (about 100 cases a week arrive) ...
    assert (cases["pool"] == "clinic").sum() > 200  # ... and the rest overflow
    k = res.kpis.iloc[0]
    assigned = ((vendor["queue_h"] >= 7 * 24) & (vendor["queue_h"] < 56 * 24)).sum()
    assert k["contract.vendor.cases"] == assigned
    assert k["contract.vendor.cap_used_share"] == pytest.approx(assigned / (60 * 7))


def test_unused_commitment_by_hand(res) -> None:
    k = res.kpis.iloc[0]
    committed = 4000 * 49 / 365  # cases a year x the measured years (days 7-56)
    short = committed - k["contract.vendor.cases"]
    assert short > 0
    assert k["money.contract.vendor.unused_commitment_usd"] == pytest.approx(short * 612.37)
    # the full cost includes the commitment paid and never used, so the ROI counts it
    paid = short * 612.37
    program = k["money.program_cost.total_usd"]
    assert program == pytest.approx(k["money.variable_cost.total_usd"] + paid
                                     + k.get("money.staff_cost.total_usd", 0.0))
    assert k["money.roi"] == pytest.approx(k["money.net_savings.total_usd"] / program)


def test_queue_when_full_waits_for_next_weeks_slot() -> None:
    s = scenario_from_text(SCENARIO, overrides=["pools.vendor.contract.when_full=queue",
                                                "simulation.horizon_days=21"])
    res = sim.run(s)
    cases = res.cases
    assert (cases["pool"] == "clinic").sum() == 0  # nobody overflows
    vendor = cases[cases["pool"] == "vendor"]
    # no case seizes a specialist before its week's slot: by the end of week w, at most
    # 60 x (w + 1) cases have been taken, and the cap binds
    seized = vendor["seize_h"].dropna().to_numpy()
    cumulative = np.cumsum(np.bincount((seized // 168).astype(int), minlength=3))
    assert (cumulative <= 60 * np.arange(1, len(cumulative) + 1)).all()
    assert cumulative[-1] == 180
    assert len(vendor) > 200  # more than the cap arrived: the rest wait, still in the system
    assert res.kpis.iloc[0]["in_system_end"] > 0


def test_weekly_cap_books_the_earliest_week_with_room() -> None:
    cap = WeeklyCap(2)
    assert [cap.reserve(t) for t in (0.0, 1.0, 2.0, 3.0, 170.0)] == [0.0, 1.0, 168.0, 168.0,
                                                                      336.0]
    assert cap.full(169.0) and not cap.full(340.0 + 168)


def test_a_cap_of_one_is_full_only_once_booked() -> None:
    cap = WeeklyCap(1)
    assert not cap.full(5.0)  # nobody booked this week yet
    assert cap.reserve(5.0) == 5.0 and cap.full(6.0) and not cap.full(170.0)
    cap.release(0.0)  # the week's booking given back
    assert not cap.full(7.0) and cap.reserve(7.0) == 7.0


@pytest.mark.parametrize("override, message", [
    ("pools.clinic.contract={price_per_case_usd: 1}", "only an outsourced pool"),
    ("pools.vendor.price_per_case_usd=5", "give the price once"),
    ("pools.vendor.contract.sla.calendar=nope", "which is not defined"),
    ("pools.vendor.contract.cases_per_week=0", "greater than or equal to 1"),
])
def test_bad_contracts_are_refused(override: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(SCENARIO, overrides=[override])
