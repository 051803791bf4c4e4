"""Every mechanism together: drawn combinations on the shipped scenarios, invariants on.

Each mechanism has its own tests; this one draws *combinations* of them on the shipped
scenarios (short horizons, one replication) and runs each with every run invariant checked
(:func:`sim.outputs.invariants.check_run`: capacity, work conservation, priority and first
come first served, calendar, contract caps, end state, case conservation):

- head-count changes: head-counts cut down, absences (a daily rate and dated blocks),
  attrition and hiring (a timeline year built the way ``sosim hiring`` builds it:
  :func:`~sim.timeline.headcounts.head_counts` then
  :func:`~sim.timeline.headcounts.year_with_staff`);
- sessions on an in-house line; reserves for urgent cases, strict or yielding at a drawn
  queue length; drop-out in the specialist queue; an outsourced contract with a weekly cap
  that overflows or queues; appointments (as shipped, none, or short) and the shipped
  diaries' slots a week scaled; the records team's navigators; the share of urgent cases;
  the volume.

A drawn combination the loader's own checks reject (a line left with no specialist a payer
can reach, a calendar with no working time) is not a valid scenario and is skipped.

On the engine before the fix in :meth:`sim.engine.pools.Staff._work` this test found the
``sosim hiring ... --attrition 0.07`` crash ("2 cases in service ... the queue has 1
specialists"): a review's end was recorded as the calendar's ``done`` while SimPy fired it at
``now + (done - now)``, one unit in the last place earlier, and the next case was seized then.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sim
from sim.loading import check_derived, scenario_from_document
from sim.scenario import ScenarioError
from sim.scenario.hiring import Hiring
from sim.scenario.loader import read_document
from sim.scenario.models import Timeline
from sim.timeline import year_scenario
from sim.timeline.headcounts import head_counts, year_with_staff

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("baseline", "hybrid", "legacy_referral", "payer_mandate", "sessions_and_contract",
           "platform_2026_2035")
DOCS = {name: read_document(ROOT / "scenarios" / f"{name}.yaml") for name in SHIPPED}
LINES = ("oncology", "cardiology", "neurology", "orthopedics", "other")
DAYS = ("mon", "tue", "wed", "thu", "fri")

# 25 combinations in about 10 s by default (the same ones every run: derandomized, so a
# failure is reproducible); HYPOTHESIS_PROFILE=thorough draws 500 fresh ones.
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
COMBINATIONS = settings(max_examples=500 if THOROUGH else 25, deadline=None,
                        derandomize=not THOROUGH, print_blob=True,
                        suppress_health_check=[HealthCheck.too_slow,
                                               HealthCheck.filter_too_much])

absence_blocks = st.lists(st.fixed_dictionaries({
    "day": st.integers(0, 20), "days": st.integers(1, 10),
    "share": st.sampled_from([0.3, 0.5, 1.0]),
    "lines": st.sampled_from([[], ["oncology"], ["orthopedics", "cardiology"]])}), max_size=2)

mechanisms = st.fixed_dictionaries({
    "scenario": st.sampled_from(SHIPPED),
    "horizon_days": st.integers(7, 21),
    "warmup_days": st.sampled_from([0, 2]),
    "seed": st.integers(0, 2**32 - 1),
    "volume": st.sampled_from([0.5, 1.0, 2.0, 4.0]),
    "staff_cap": st.none() | st.integers(1, 3),
    "absences": st.none() | st.fixed_dictionaries({
        "rate": st.sampled_from([0.0, 0.1, 0.3]), "blocks": absence_blocks}),
    "hiring": st.none() | st.fixed_dictionaries({
        "year": st.integers(2026, 2030),
        "attrition": st.sampled_from([0.0, 0.07, 0.2]),
        "lead_months": st.sampled_from([0, 3, 9]),
        "hires": st.dictionaries(st.sampled_from([f"in_house/{x}" for x in LINES]),
                                 st.integers(1, 2), max_size=2),
        "hire_year": st.integers(2026, 2029)}),
    "sessions": st.none() | st.tuples(st.sampled_from(LINES),
                                      st.lists(st.sampled_from(DAYS), min_size=1, max_size=3,
                                               unique=True)),
    "reserve": st.sampled_from(["shipped", 0, 1]),
    "yields_at": st.sampled_from(["shipped", None, 1, 8]),
    "navigators": st.sampled_from(["shipped", 1, 4]),
    "slots_scale": st.sampled_from([1.0, 0.5, 2.0]),
    "drop_out_h": st.none() | st.sampled_from([2.0, 24.0, 240.0]),
    "contract": st.none() | st.fixed_dictionaries({
        "cases_per_week": st.integers(1, 60), "when_full": st.sampled_from(["overflow", "queue"])}),
    "appointments": st.sampled_from(["shipped", "none", "short"]),
    "urgent_share": st.none() | st.sampled_from([0.0, 0.3, 0.7]),
})


def _start(data: dict[str, Any]) -> dt.date:
    start = data["simulation"]["start"]
    return start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))


def _edit(data: dict[str, Any], m: dict[str, Any]) -> None:
    """Apply the drawn mechanisms to a scenario's data (in place)."""
    data["simulation"].update(horizon_days=m["horizon_days"], warmup_days=m["warmup_days"],
                              replications=1)
    demand = data["demand"]
    if demand.get("cases_per_year"):
        demand["cases_per_year"] = demand["cases_per_year"] * m["volume"]
    if m["urgent_share"] is not None:
        demand["mix"]["priority"] = {"urgent": m["urgent_share"],
                                     "routine": 1 - m["urgent_share"]}
    pools = data["pools"]
    cap = m["staff_cap"]
    if cap is not None:
        for pool in pools.values():
            pool["specialists"] = {k: min(v, cap) for k, v in pool["specialists"].items()}
            pool["subspecialists"] = {k: {s: min(v, cap) for s, v in subs.items()}
                                      for k, subs in pool.get("subspecialists", {}).items()}
    house = pools["in_house"]
    if m["absences"] is not None:
        start = _start(data)
        house["absences"] = {"rate": m["absences"]["rate"], "blocks": [
            {"start": start + dt.timedelta(days=b["day"]),
             "end": start + dt.timedelta(days=b["day"] + b["days"] - 1),
             "share": b["share"], "lines": b["lines"]} for b in m["absences"]["blocks"]]}
    if m["sessions"] is not None:
        line, days = m["sessions"]
        house.setdefault("sessions", {})[line] = [{"days": days, "hours": ["09:00", "13:00"]}]
    reserve = m["reserve"]
    if cap == 1 and reserve != 0:
        reserve = 0  # a reserve of one on a line of one leaves later classes nobody
    if reserve != "shipped" and data.get("priorities"):
        for cls in data["priorities"].values():
            if "reserve" in cls:
                cls["reserve"] = {"in_house": reserve}
    if m["yields_at"] != "shipped" and data.get("priorities"):
        for cls in data["priorities"].values():
            cls.pop("reserve_yields_at", None)
            if cls.get("reserve") and m["yields_at"] is not None:
                cls["reserve_yields_at"] = m["yields_at"]
    team = data.get("intake", {}).get("team")
    if team is not None and m["navigators"] != "shipped":
        team["navigators"] = m["navigators"]
    for diary in (data.get("appointments") or {}).values():
        if isinstance(diary, dict) and "slots_per_week" in diary:
            diary["slots_per_week"] = {k: max(1, round(v * m["slots_scale"]))
                                       for k, v in diary["slots_per_week"].items()}
    if m["drop_out_h"] is not None:
        data.setdefault("abandonment", {})["specialist"] = {
            "default": {"dist": "exponential", "mean": m["drop_out_h"], "unit": "hours"}}
    if m["contract"] is not None:
        out = pools["outsourced"]
        contract = out.get("contract") or {"price_per_case_usd": out.pop("price_per_case_usd",
                                                                         675)}
        out["contract"] = {**contract, **m["contract"]}
    if m["appointments"] == "none":
        data.pop("appointments", None)
        data.get("abandonment", {}).pop("appointment", None)
    elif m["appointments"] == "short":
        data["appointments"] = {"in_person": {"dist": "exponential", "mean": 1, "unit": "days"}}


def _scenario(m: dict[str, Any]) -> sim.Scenario:
    doc = DOCS[m["scenario"]]
    data = copy.deepcopy(doc.data)
    _edit(data, m)
    s = scenario_from_document(dataclasses.replace(doc, data=data))
    if m["hiring"] is None:
        return s
    h = m["hiring"]
    year = h["year"]
    hiring = Hiring(lead_time_months=h["lead_months"], attrition_per_year=h["attrition"],
                    plan={h["hire_year"]: h["hires"]} if h["hires"] else {})
    tl = Timeline(first_year=2026, last_year=max(year, 2026), hiring=hiring)
    s = s.model_copy(update={"timeline": None})  # the year's own run, as sosim hiring does
    shifted, _ = year_scenario(s, tl, year)
    return year_with_staff(shifted, head_counts(s, tl.first_year, tl.last_year, hiring), year)


@COMBINATIONS
@given(m=mechanisms)
def test_combined_mechanisms_keep_every_invariant(m: dict[str, Any], example_counter) -> None:
    example_counter["engine: combined mechanisms"] += 1
    try:
        s = check_derived(_scenario(m))
    except ScenarioError:
        assume(False)  # not a valid scenario: the loader says why, nothing to run
        raise
    res = sim.run(s, seed=m["seed"], replications=1)
    kpis = res.kpis  # computing the KPIs checks every run invariant (raises InvariantError)
    assert len(kpis) == 1
