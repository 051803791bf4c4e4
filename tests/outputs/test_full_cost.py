"""Full cost, by hand: salaried specialists (idle hours and sessions), coordinators' hours,
unused commitments, per-member pricing, self-pay, the savings drop-out loses, make-or-buy."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.loading import scenario_from_text
from sim.outputs.make_or_buy import make_or_buy_table
from sim.scenario import ScenarioError

FULL = """
name: full
simulation: {start: 2026-01-05, horizon_days: 70, warmup_days: 14, seed: 5}
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00", "17:00"], holidays: [2026-01-19]}
demand:
  cases_per_year: 3000
  mix:
    specialty: {oncology: 0.6, cardiology: 0.4}
    channel: {online_portal: 1.0}
    payer: {insurer: 0.6, employer: 0.2, self: 0.2}
    priority: {urgent: 0.1, routine: 0.9}
triage:
  policy: legacy
  legacy:
    coordinators: 2
    calendar: business
    handling: {dist: fixed, value: 5, unit: minutes}
    referral_cycle: {dist: fixed, value: 1, unit: business_days}
    accuracy: 1.0
payers:
  insurer: {reimbursement_usd: {in_house: 700, outsourced: 650}, copay_usd: 40}
  employer: {members: 50000, pmpm_usd: 2.0}
  self: {copay_usd: 750}
pools:
  in_house:
    kind: in_house
    calendar: business
    specialists: {oncology: 2, cardiology: 1}
    sessions: {cardiology: [{days: [tue], hours: ["08:00", "12:00"]}]}
    review: {dist: fixed, value: 1.5, unit: hours}
    price_per_case_usd: 100
  vendor:
    kind: outsourced
    calendar: 24x7
    specialists: {oncology: 1, cardiology: 1}
    review: {dist: fixed, value: 1, unit: hours}
    contract: {price_per_case_usd: 600, minimum_cases_per_year: 3000}
routing: {policy: overflow, overflow_wait_hours: 24}
abandonment:
  referral: {default: {dist: fixed, value: 40, unit: hours}}
  specialist: {default: {dist: fixed, value: 30, unit: hours}}
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2, treatment_changed: 0.5}}
economics:
  coordinator_wage_per_hour_usd: 30
  specialist_pay:
    in_house: {annual_compensation_usd: {oncology: 450000, default: 300000}, on_cost_share: 0.2}
  procedures: {op: {cost_usd: {dist: fixed, value: 20000}, avoided: 0.4}}
  procedure_share: {oncology: {op: 0.5}}
"""
START = dt.date(2026, 1, 5)
HOLIDAY = dt.date(2026, 1, 19)


def business_hours(first_day: int, last_day: int, hours=(8, 17), weekdays=range(5)) -> float:
    """Open hours on days ``[first_day, last_day)`` since the start, written out by hand."""
    total = 0.0
    for d in range(first_day, last_day):
        day = START + dt.timedelta(days=d)
        if day.weekday() in weekdays and day != HOLIDAY:
            total += hours[1] - hours[0]
    return total


# per test, not per module (a fraction of a second each): mutmut credits the calls a
# fixture makes to the first test that used it only (docs/mutation-testing.md)
@pytest.fixture
def res():
    return sim.run(scenario_from_text(FULL), replications=2)


def test_salaried_specialists_cost_their_contracted_hours_idle_included(res) -> None:
    window = business_hours(14, 70)  # 2026-01-19 (a holiday) to 2026-03-15
    year = business_hours(0, 365)
    tuesdays = business_hours(14, 70, hours=(8, 12), weekdays=[1])
    oncology = 2 * window * 450000 * 1.2 / year
    cardiology = 1 * tuesdays * 300000 * 1.2 / year  # paid for its sessions only
    for _, k in res.kpis.iterrows():
        assert k["money.staff_cost.total_usd"] == pytest.approx(oncology + cardiology, rel=1e-9)
        busy = k["utilisation.in_house"]
        assert 0 < k["money.staff_idle_cost.total_usd"] < k["money.staff_cost.total_usd"]
        assert busy < 1


def test_coordinators_are_paid_for_their_calendar_not_their_minutes(res) -> None:
    hours = 2 * business_hours(14, 70)
    for _, k in res.kpis.iterrows():
        assert k["money.coordinator_cost.total_usd"] == pytest.approx(30 * hours, rel=1e-9)
    assert (res.cases["triage_cost_usd"].dropna() == 0).all()  # nothing per case on top


def test_unused_commitment_is_in_the_cost_per_opinion(res) -> None:
    for _, k in res.kpis.iterrows():
        unused = k["money.contracts.unused_commitment_usd"]
        assert unused == pytest.approx((3000 * 56 / 365 - k["contract.vendor.cases"]) * 600)
        assert unused > 0
        full = (k["money.variable_cost.total_usd"] + k["money.staff_cost.total_usd"]
                + k["money.coordinator_cost.total_usd"] + unused)
        assert k["money.program_cost.total_usd"] == pytest.approx(full, rel=1e-12)


def test_member_pricing_self_pay_and_margin_per_opinion(res) -> None:
    months = 56 * 24 / (8766 / 12)
    c = res.cases
    for rep, k in res.kpis.iterrows():
        part = c[(c["replication"] == rep) & ~c["warmup"] & (c["status"] == "delivered")]
        employer = part[part["payer"] == "employer"]
        assert (employer["paid_by_payer_usd"] == 0).all()  # nothing per case ...
        assert k["payer.employer.paid_usd"] == pytest.approx(50000 * 2.0 * months)  # ... a lump
        assert k["payer.employer.pmpm_paid_usd"] == pytest.approx(2.0)
        assert k["payer.employer.opinions_per_1000_members_year"] == pytest.approx(
            1000 * len(employer) / 50000 / (56 * 24 / 8766))
        # self-pay: the patients are the payer; what they pay is its outlay
        own = part[part["payer"] == "self"]
        gone = c[(c["replication"] == rep) & ~c["warmup"] & (c["status"] == "abandoned")
                 & (c["payer"] == "self")]
        assert k["payer.self.paid_usd"] == 0
        assert k["payer.self.patient_paid_usd"] == pytest.approx(750 * len(own))
        net = (own["avoided_cost_usd"].sum() - 750 * len(own) - own["delay_cost_usd"].sum()
               - gone["delay_cost_usd"].sum())
        assert k["payer.self.net_savings_usd"] == pytest.approx(net)
        assert k["payer.self.roi"] == pytest.approx(net / (750 * len(own)))
        n = (c["replication"].eq(rep) & ~c["warmup"] & c["status"].eq("delivered")).sum()
        assert k["money.platform_margin_per_opinion_usd"] == pytest.approx(
            k["money.platform_margin.total_usd"] / n)


def test_a_patient_who_gives_up_loses_the_saving(res) -> None:
    c = res.cases
    gone = c[(c["status"] == "abandoned") & c["procedure"].notna()]
    assert len(gone) > 30
    lost = gone["savings_lost_usd"].to_numpy()
    assert set(np.unique(lost)) <= {0.0, 20000.0}
    k = int((lost == 20000).sum())
    assert stats.binomtest(k, len(gone), 0.4).pvalue > 0.001  # what an opinion would avoid
    assert (gone["avoided_cost_usd"] == 0).all()
    done = c[c["status"] == "delivered"]
    assert (done["savings_lost_usd"] == 0).all()  # no procedure dates: none came too late
    for rep, kp in res.kpis.iterrows():
        part = c[(c["replication"] == rep) & ~c["warmup"] & (c["status"] == "abandoned")]
        assert kp["money.savings_lost.abandoned_usd"] == pytest.approx(
            part["savings_lost_usd"].sum())


def test_make_or_buy_by_hand(res) -> None:
    c = res.cases
    for rep, k in res.kpis.iterrows():
        part = c[(c["replication"] == rep) & ~c["warmup"] & (c["status"] == "delivered")]
        mine = part[(part["pool"] == "in_house") & (part["service_line"] == "oncology")]
        staff = 2 * business_hours(14, 70) * 450000 * 1.2 / business_hours(0, 365)
        assert k["make_or_buy.in_house/oncology.cost_per_opinion_usd"] == pytest.approx(
            100 + staff / len(mine))
        vendor = part[part["pool"] == "vendor"]
        bought = vendor[vendor["service_line"] == "oncology"]
        unused = k["money.contracts.unused_commitment_usd"]
        buy = 600 + unused / len(vendor)
        assert k["make_or_buy.vendor/oncology.cost_per_opinion_usd"] == pytest.approx(buy)
        assert k["make_or_buy.in_house/oncology.buy_usd"] == pytest.approx(buy)
        hourly = 450000 * 1.2 / business_hours(0, 365)
        busy = k["make_or_buy.in_house/oncology.utilisation"] * 2 * business_hours(14, 70)
        assert k["make_or_buy.in_house/oncology.break_even_utilisation"] == pytest.approx(
            hourly * busy / len(mine) / (buy - 100))
        assert len(bought) > 0
    table = make_or_buy_table(res.summary(), res.scenario)
    assert set(table["pool"]) == {"in_house", "vendor"}
    assert table.loc[table["pool"] == "in_house", "break_even_price_usd"].notna().all()


def test_idle_specialists_raise_cost_per_opinion_to_the_cent() -> None:
    """Two more oncologists who take no case (routing sends nothing new to them) cost
    exactly two more salaries over the window."""
    s = scenario_from_text(FULL, overrides=["abandonment=null", "routing.policy=in_house_first"])
    more = scenario_from_text(FULL, overrides=["abandonment=null",
                                               "routing.policy=in_house_first",
                                               "pools.in_house.specialists.oncology=4"])
    a, b = (sim.run(x, replications=1).kpis.iloc[0] for x in (s, more))
    two = 2 * business_hours(14, 70) * 450000 * 1.2 / business_hours(0, 365)
    assert b["money.staff_cost.total_usd"] - a["money.staff_cost.total_usd"] == \
        pytest.approx(two)
    assert b["money.cost_per_opinion_usd"] > a["money.cost_per_opinion_usd"]


@pytest.mark.parametrize("override, path, phrase", [
    ("pools.in_house.specialist_rate_per_hour_usd=200",
     "pools.in_house.specialist_rate_per_hour_usd",
     "paid twice"),
    ("economics.specialist_pay.clinic.annual_compensation_usd.oncology=1",
     "economics.specialist_pay.clinic", "unknown pool"),
    ("economics.specialist_pay.in_house.annual_compensation_usd={oncology: 1}",
     "economics.specialist_pay.in_house.annual_compensation_usd", "no compensation for cardiology"),
    ("economics.specialist_pay.in_house.annual_compensation_usd.dermatology=1",
     "economics.specialist_pay.in_house.annual_compensation_usd.dermatology", "unknown line"),
    ("payers.employer.members=null", "payers.employer.pmpm_usd", "needs payers.<name>.members"),
])
def test_bad_pay_input_is_named(override, path, phrase) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from_text(FULL, overrides=[override], file="full.yaml")
    assert any(p.path == path and phrase in p.message for p in err.value.problems), \
        str(err.value)


def test_a_staffed_line_with_no_opinion_is_paid_for_by_every_opinion() -> None:
    """A neurologist on the payroll and no neurology case: the salary still lands in the full
    cost of the opinions delivered, so the shares add up to every fixed cost of the window."""
    from sim.engine.model import simulate
    from sim.engine.plan import build_plan
    from sim.outputs.busy import every_queue_busy_hours
    from sim.outputs.full_cost import fixed_costs
    from sim.outputs.money_kpis import Cohort, allocated_fixed
    from sim.outputs.results import case_table

    plan = build_plan(scenario_from_text(FULL, overrides=[
        "demand.mix.specialty={oncology: 0.6, cardiology: 0.4, neurology: 0.0}",
        "pools.in_house.specialists.neurology=1"]))
    rep = simulate(plan, 5)
    cases = case_table(plan, rep)
    fixed = fixed_costs(plan, rep, cases)
    idle = fixed.staff[fixed.staff["line"] == "neurology"]
    assert len(idle) == 1 and idle["cost_usd"].iloc[0] > 50_000 and idle["busy_h"].iloc[0] == 0
    shares = allocated_fixed(Cohort(cases), fixed)
    assert shares.sum() == pytest.approx(fixed.total_usd, rel=1e-12)
    # the busy hours it measures itself are the window's, as the KPIs pass them
    window = every_queue_busy_hours(plan, rep, plan.warmup_h, plan.horizon_h)
    pd.testing.assert_frame_equal(fixed.staff, fixed_costs(plan, rep, cases, window).staff)


def test_a_payer_that_pays_nothing_has_no_return() -> None:
    """Nothing paid by the payer or its patients: its net saving is what its opinions avoided,
    and a return on nothing is undefined (NaN), not infinite."""
    s = scenario_from_text(FULL, overrides=[
        "demand.mix.payer={insurer: 0.4, employer: 0.2, self: 0.2, charity: 0.2}",
        "payers.charity={}"])
    k = sim.run(s, replications=1).kpis.iloc[0]
    assert k["payer.charity.paid_usd"] == 0 and k["payer.charity.patient_paid_usd"] == 0
    assert k["payer.charity.net_savings_usd"] > 0
    assert np.isnan(k["payer.charity.roi"])


def test_navigators_paid_for_their_minutes_charge_each_case_its_hands_on_hours() -> None:
    """With ``coordinators_paid_for: handled_minutes`` a case's records cost is the records'
    price plus its navigators' hands-on hours at their wage (USD 40 an hour here)."""
    from tests.outputs.test_access_invariants import LOADED

    s = scenario_from_text(LOADED, overrides=["economics={coordinators_paid_for: handled_minutes}",
                                             "intake.team.wage_per_hour_usd=40"])
    res = sim.run(s, replications=1)
    c = res.cases
    price = np.where(c["records"] == "digital", s.economics.records_cost_usd.digital_usd,
                     s.economics.records_cost_usd.paper_usd)
    hands_on = np.nan_to_num(c["navigator_hours"].to_numpy())
    cost = c["records_cost_usd"].to_numpy()
    billed = ~np.isnan(cost)  # (a case still in the system at the horizon is not billed)
    assert (hands_on[billed] > 0).sum() > 100
    np.testing.assert_allclose(cost[billed], (price + 40 * hands_on)[billed], rtol=1e-12)


def test_each_salaried_line_is_paid_for_by_its_own_opinions() -> None:
    """A line's salaries land on that line's opinions (by review effort), and what no
    opinion can carry (coordinators, the idle neurologist) is shared by all. The salaried
    pool is listed second here, so a queue's code must be built from both indices."""
    from sim.engine.model import simulate
    from sim.engine.plan import build_plan
    from sim.outputs.full_cost import fixed_costs
    from sim.outputs.money_kpis import Cohort, allocated_fixed
    from sim.outputs.results import case_table

    head, rest = FULL.split("pools:\n", 1)
    in_house, rest = rest.split("  vendor:\n", 1)
    vendor, tail = rest.split("routing:", 1)
    vendor_first = f"{head}pools:\n  vendor:\n{vendor}{in_house}routing:{tail}"
    plan = build_plan(scenario_from_text(vendor_first, overrides=[
        "demand.mix.specialty={oncology: 0.6, cardiology: 0.4, neurology: 0.0}",
        "pools.in_house.specialists.neurology=1"]))
    assert plan.pools.index("in_house") == 1
    rep = simulate(plan, 5)
    cases = case_table(plan, rep)
    fixed = fixed_costs(plan, rep, cases)
    cohort = Cohort(cases)
    shares = allocated_fixed(cohort, fixed)
    pools, pool = cohort.groups("pool")
    lines, line = cohort.groups("service_line")
    served = {(pools[p], lines[k]) for p, k in zip(pool, line, strict=True)}
    shared = fixed.coordinators_usd + fixed.navigators_usd + sum(
        r.cost_usd for r in fixed.staff_rows if (r.pool, r.line) not in served)
    checked = 0
    for r in fixed.staff_rows:
        if r.pool == "in_house" and (r.pool, r.line) in served:
            mine = (pool == pools.index("in_house")) & (line == lines.index(r.line))
            own = shares[mine].sum() - shared * mine.sum() / cohort.n
            assert own == pytest.approx(r.cost_usd, rel=1e-9), r.line
            checked += 1
    assert checked == 2  # oncology and cardiology


def test_make_or_buy_table_has_a_row_per_queue_subspecialty_lines_included() -> None:
    """One row per (line, pool) that reviewed, named as the queues are: a subspecialty line
    keeps its slash ("oncology/rare", in house only), and nothing else joins the columns."""
    s = scenario_from_text(FULL, overrides=[
        "demand.mix.subspecialty={oncology: {rare: 0.2}}",
        "pools.in_house.subspecialists={oncology: {rare: 1}}"])
    res = sim.run(s, replications=1)
    table = make_or_buy_table(res.summary(), res.scenario)
    c = res.cases
    reviewed = c[~c["warmup"] & (c["status"] == "delivered")]
    queues = set(zip(reviewed["service_line"].astype(str), reviewed["pool"].astype(str),
                     strict=True))
    assert ("oncology/rare", "in_house") in queues
    assert set(zip(table["line"], table["pool"], strict=True)) == queues
    assert list(table.columns[:2]) == ["line", "pool"] and table.columns[-1] == "kind"
    assert "index" not in table.columns and table.index.tolist() == list(range(len(table)))
    assert table["cost_per_opinion_usd"].notna().all()


def test_navigators_and_coordinators_paid_for_their_minutes_are_no_fixed_cost() -> None:
    """Paid for handled minutes, their hours are charged to the cases, none to the window."""
    from sim.engine.model import simulate
    from sim.engine.plan import build_plan
    from sim.outputs.full_cost import fixed_costs
    from sim.outputs.results import case_table
    from tests.outputs.test_access_invariants import LOADED

    plan = build_plan(scenario_from_text(LOADED, overrides=[
        "economics={coordinators_paid_for: handled_minutes, coordinator_wage_per_hour_usd: 30}",
        "intake.team.wage_per_hour_usd=40"]))
    rep = simulate(plan, 1)
    fixed = fixed_costs(plan, rep, case_table(plan, rep))
    assert (fixed.coordinators_usd, fixed.coordinator_h) == (0.0, 0.0)
    assert (fixed.navigators_usd, fixed.navigator_h) == (0.0, 0.0)


def test_make_or_buy_counts_each_opinion_s_paid_hours_and_credit() -> None:
    """A vendor also paid USD 20 an hour of its two-hour reviews, crediting USD 50 for an
    opinion later than 0.5 business days: a bought oncology opinion costs its price, its
    hours and its share of the unused commitment, less its credit (means over the line's
    opinions)."""
    s = scenario_from_text(FULL, overrides=[
        "pools.vendor.specialist_rate_per_hour_usd=20",
        "pools.vendor.review={dist: fixed, value: 2, unit: hours}",
        "pools.vendor.contract.sla={business_days: 0.5, credit_per_late_case_usd: 50}"])
    res = sim.run(s, replications=1)
    k, c = res.kpis.iloc[0], res.cases
    part = c[~c["warmup"] & (c["status"] == "delivered")]
    vendor = part[part["pool"] == "vendor"]
    oncology = vendor[vendor["service_line"] == "oncology"]
    credit = oncology["sla_credit_usd"].fillna(0.0)
    assert (credit > 0).sum() >= 3 and (credit == 0).sum() >= 3  # late and on time
    want = (600 + 20 * oncology["review_effort_h"].mean() - credit.mean()
            + k["money.contracts.unused_commitment_usd"] / len(vendor))
    assert k["make_or_buy.vendor/oncology.cost_per_opinion_usd"] == pytest.approx(want,
                                                                                  rel=1e-12)
