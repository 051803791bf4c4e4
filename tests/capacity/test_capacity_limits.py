"""The capacity check counts drop-out, class reserves and contract caps (sim.capacity.reach,
sim.capacity.limits): each changes the check's answer for the right reason, and the drop-out
predictions are held against simulated figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.capacity.network import capacity_report, overload_warnings
from sim.engine.plan import build_plan
from sim.loading import scenario_from_text

BASE = """
name: limits
simulation: {{start: 2026-01-05, horizon_days: {days}, warmup_days: {warmup}, seed: 5}}
demand:
  cases_per_year: {per_year}
  mix:
    specialty: {{general: 1}}
    channel: {{online: 1}}
    payer: {{anyone: 1}}
    priority: {{urgent: {urgent}, routine: {routine}}}
triage: {{policy: direct}}
payers:
  anyone: {{}}
pools:
{pools}
outcomes:
  default: {{confirmed: 0.12, refined: 0.67, changed: 0.21}}
{extra}
"""

CLINIC = """  clinic:
    kind: in_house
    calendar: "24x7"
    specialists: {{general: {servers}}}
    review: {{dist: exponential, mean: 1, unit: hours}}
"""


def _scenario(per_year: float = 8760, servers: int = 2, extra: str = "", pools: str = "",
              urgent: float = 0.0, days: int = 120, warmup: int = 10):
    return scenario_from_text(BASE.format(
        per_year=per_year, urgent=urgent, routine=1 - urgent, days=days, warmup=warmup,
        pools=pools or CLINIC.format(servers=servers), extra=extra))


def _row(s, name: str = "clinic/general"):
    report = capacity_report(build_plan(s))
    return report.set_index("resource").loc[name], overload_warnings(report)


# --- drop-out before the queue -------------------------------------------------------

SLOT = """appointments:
  online: {dist: fixed, value: 10, unit: days}
abandonment:
  appointment: {default: {dist: exponential, mean: 10, unit: days}}
"""


def test_dropout_before_the_queue_takes_its_work_off_the_check():
    # 2.4 cases an hour at 1 h each on 2 specialists: overloaded (1.2) without drop-out;
    # a 10-day slot wait against exponential patience of mean 10 days keeps exp(-1) of them
    plain, warned = _row(_scenario(per_year=2.4 * 8760))
    assert plain.utilisation == pytest.approx(1.2, rel=1e-9) and plain.status == "OVERLOADED"
    assert warned
    row, warned = _row(_scenario(per_year=2.4 * 8760, extra=SLOT))
    assert row.reach_share == pytest.approx(math.exp(-1), rel=0.005)
    assert row.utilisation == pytest.approx(1.2 * math.exp(-1), rel=0.005)
    assert row.status == "ok" and not warned


def test_predicted_reach_matches_a_simulated_run():
    # slot wait uniform 5-15 days, patience exponential mean 20 days:
    # P(stay) = E[exp(-D/20)] = 2 (exp(-1/4) - exp(-3/4)) = 0.6128
    extra = SLOT.replace("{dist: fixed, value: 10, unit: days}",
                         "{dist: uniform, low: 5, high: 15, unit: days}").replace(
        "mean: 10", "mean: 20")
    s = _scenario(per_year=8760, servers=3, extra=extra, days=400, warmup=0)
    row, _ = _row(s)
    exact = 2 * (math.exp(-0.25) - math.exp(-0.75))
    assert row.reach_share == pytest.approx(exact, abs=0.002)
    c = sim.run(s, replications=1).cases
    decided = c[c["arrival_h"] < s.horizon_hours - 24 * 15]  # past their slot or gone by the end
    simulated = decided["queue_h"].notna().mean()
    n = len(decided)
    assert abs(simulated - exact) < 4 * math.sqrt(exact * (1 - exact) / n)


def test_a_saturated_queue_whose_patients_give_up_sheds_the_predicted_share():
    # M/M/30+M at utilisation 1.5 with patience of mean 2 reviews: the fluid limit says
    # 1 - 1/1.5 = 1/3 give up, and the report no longer says the queue grows without bound
    extra = "abandonment:\n  specialist: {default: {dist: exponential, mean: 2, unit: hours}}\n"
    s = _scenario(per_year=45 * 8760, servers=30, extra=extra, days=30, warmup=3)
    row, warned = _row(s)
    assert row.abandon_share == pytest.approx(1 / 3)
    assert any("give up waiting instead" in w for w in warned)
    assert not any("without bound" in w for w in warned)
    res = sim.run(s, replications=1)
    simulated = res.kpis.iloc[0]["abandoned_share.specialist"]
    assert simulated == pytest.approx(1 / 3, abs=0.03)  # fluid limit vs M/M/30+M


# --- class reserves ------------------------------------------------------------------

RESERVE = "priorities:\n  urgent: {reserve: {clinic: 1}}\n  routine: {}\n"


def test_a_reserve_the_later_class_cannot_keep_up_with_is_reported():
    # 3 specialists, 2.7 cases an hour of 1 h: utilisation 0.9 for everyone together;
    # routine cases (90%) bring 2.43 specialists' work to the 2 they may use: 1.215
    free, warned = _row(_scenario(per_year=2.7 * 8760, servers=3, urgent=0.1))
    assert free.status == "high" and math.isnan(free.reserve_utilisation) and not warned
    held, warned = _row(_scenario(per_year=2.7 * 8760, servers=3, urgent=0.1, extra=RESERVE))
    assert held.utilisation == pytest.approx(0.9, rel=1e-9)
    assert held.reserve_utilisation == pytest.approx(2.43 / 2, rel=1e-9)
    assert held.status == "OVERLOADED"
    assert any("reserved specialists" in w for w in warned)


# --- contract caps -------------------------------------------------------------------

VENDOR = """  vendor:
    kind: outsourced
    calendar: "24x7"
    specialists: {{general: 4}}
    review: {{dist: exponential, mean: 1, unit: hours}}
    contract: {{price_per_case_usd: 500, cases_per_week: 100, when_full: {when_full}}}
"""
ROUTE = "routing: {policy: outsourced_first}\n"


def test_a_weekly_cap_sends_the_rest_on_or_makes_it_wait():
    per_week = 150.0  # cases a week, 1 h each; 4 vendor specialists have 672 h a week
    per_year = per_week / 168 * 8760
    alone = VENDOR.format(when_full="queue")
    row, warned = _row(_scenario(per_year=per_year, pools=alone, extra=ROUTE), "vendor/general")
    assert row.utilisation < 0.3  # the specialists could do it ...
    assert row.cap_utilisation == pytest.approx(1.5, rel=1e-9)  # ... the contract cannot
    assert row.status == "OVERLOADED" and any("next week's slot" in w for w in warned)
    both = VENDOR.format(when_full="overflow") + CLINIC.format(servers=1)
    report = capacity_report(build_plan(_scenario(per_year=per_year, pools=both, extra=ROUTE)))
    r = report.set_index("resource")
    assert r.loc["vendor/general", "capped_share"] == pytest.approx(1 / 3, rel=1e-9)
    assert r.loc["vendor/general", "offered_h_per_week"] == pytest.approx(100, rel=1e-9)
    assert r.loc["clinic/general", "offered_h_per_week"] == pytest.approx(50, rel=1e-9)
    assert math.isnan(r.loc["vendor/general", "cap_utilisation"])
    assert r.loc["vendor/general", "status"] == "ok"


def test_a_capped_vendor_takes_what_the_check_says_in_a_run():
    both = VENDOR.format(when_full="overflow") + CLINIC.format(servers=1)
    per_year = 150.0 / 168 * 8760
    s = _scenario(per_year=per_year, pools=both, extra=ROUTE, days=140, warmup=0)
    c = sim.run(s, replications=1).cases
    weeks = np.floor(c["queue_h"] / 168)
    vendor = c[c["pool"] == "vendor"].groupby(weeks[c["pool"] == "vendor"]).size()
    assert vendor.max() <= 100
    full = weeks.value_counts().sort_index().iloc[1:-1]  # whole weeks
    sent_on = (c["pool"] == "clinic").groupby(weeks).mean().loc[full.index]
    assert sent_on.mean() == pytest.approx(1 / 3, abs=0.05)


OUTSOURCED = """  vendor:
    kind: outsourced
    calendar: "24x7"
    specialists: {general: 10}
    review: {dist: exponential, mean: 1, unit: hours}
"""


@pytest.mark.parametrize("reserve", [False, True], ids=["no reserve", "reserve"])
def test_overflow_with_a_reserve_spills_what_a_run_spills(reserve):
    # 2.4 cases an hour of 1 h on 3 in-house specialists, overflow past a 2-hour wait; with one
    # specialist held back for urgent cases (10%), routine cases may use 2: far more spill
    extra = "routing: {policy: overflow, overflow_wait_hours: 2}\n" + (RESERVE if reserve else "")
    s = _scenario(per_year=2.4 * 8760, pools=CLINIC.format(servers=3) + OUTSOURCED, urgent=0.1,
                  extra=extra, days=120, warmup=5)
    row, _ = _row(s)
    c = sim.run(s, replications=1).cases
    c = c[~c["warmup"] & c["pool"].notna()]
    simulated = (c["pool"] == "vendor").mean()
    if not reserve:
        assert row.spill_share == pytest.approx(simulated, abs=0.03)
        return
    # routine cases may use 2 specialists, and urgent ones take some of those too: the check
    # (urgent work left to the reserved specialist) is a lower bound, the chain in which urgent
    # cases always join the same 2 an upper one, and the run falls between them
    from sim.capacity.network import _first_choice_visits
    from sim.capacity.spill import class_spills, spill_chain

    plan = build_plan(s)
    visits = _first_choice_visits(plan, 2.4 * 168)[0]
    routine = spill_chain(plan, 0, visits, np.array([0.0, 1.0]), 2, 3, others_join=True)
    upper = 0.9 * routine + 0.1 * class_spills(plan, 0, visits)[0]
    assert row.spill_share < simulated < upper
    assert simulated - row.spill_share < 0.07
