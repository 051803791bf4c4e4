"""Money: accounting identities, hand-computed values, expected values, and isolation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.engine.records import TIMES
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError

FIXED = """
name: money
simulation: {start: 2026-01-05, horizon_days: 120, warmup_days: 10, seed: 3}
demand:
  cases_per_year: 3000
  mix:
    specialty: {orthopedics: 1.0}
    channel: {online_portal: 0.5, in_person: 0.5}
    payer: {insurer: 0.7, self_pay: 0.3}
    priority: {urgent: 0.2, routine: 0.8}
triage: {policy: ai, ai: {accuracy: 1.0, service: {dist: fixed, value: 6, unit: minutes}}}
payers:
  insurer:
    mandate: mandated
    mandated_procedures: [spine_fusion]
    reimbursement_usd: {outsourced: 600}
    reimbursement_by_channel_usd: {in_person: 800}
    copay_usd: 40
  self_pay: {reimbursement_usd: {outsourced: 700}, covers_channels: [in_person]}
pools:
  p:
    kind: outsourced
    calendar: 24x7
    specialists: {orthopedics: 3}
    review: {dist: fixed, value: 1.5, unit: hours}
    price_per_case_usd: 100
    specialist_rate_per_hour_usd: 200
outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2, treatment_changed: 1.0}}
economics:
  ai_fee_per_case_usd: 15
  records_cost_usd: {digital_usd: 10, paper_usd: 80}
  channel_cost_usd: {in_person: 20}
  procedures:
    spine_fusion:
      cost_usd: {dist: fixed, value: 30000}
      conservative_care_usd: {dist: fixed, value: 5000}
      avoided: 1.0
  procedure_share: {orthopedics: {spine_fusion: 0.25}}
  delay_cost_per_day_usd: {urgent: 100}
"""


# per test, not per module (a fraction of a second each): mutmut credits the calls a
# fixture makes to the first test that used it only (docs/mutation-testing.md)
@pytest.fixture
def fixed():
    return sim.run(scenario_from_text(FIXED), replications=2)


def test_hand_computed_values_to_the_cent(fixed):
    c = fixed.cases[fixed.cases["status"] == "delivered"]
    in_person = (c["channel"] == "in_person").to_numpy()
    opinion = 100 + 200 * 1.5 + np.where(in_person, 20, 0)
    np.testing.assert_allclose(c["opinion_cost_usd"], opinion, atol=0.005)
    np.testing.assert_allclose(c["records_cost_usd"], 10, atol=0.005)  # no intake: digital
    np.testing.assert_allclose(c["triage_cost_usd"], 15, atol=0.005)
    np.testing.assert_allclose(c["program_cost_usd"], opinion + 25, atol=0.005)
    proc = c["procedure"].notna().to_numpy()
    np.testing.assert_allclose(c["avoided_cost_usd"], np.where(proc, 25000, 0), atol=0.005)
    urgent = (c["priority"] == "urgent").to_numpy()
    delay = np.where(urgent, 100 * c["time_to_opinion_h"] / 24, 0)
    np.testing.assert_allclose(c["delay_cost_usd"], delay, atol=0.005)
    insurer = (c["payer"] == "insurer").to_numpy()
    paid = np.where(insurer, np.where(in_person, 800, 600), np.where(in_person, 700, 0))
    np.testing.assert_allclose(c["paid_by_payer_usd"], paid, atol=0.005)
    patient = np.where(insurer, 40, np.where(in_person, 0, 700))
    np.testing.assert_allclose(c["paid_by_patient_usd"], patient, atol=0.005)
    assert c["procedure_avoided"].eq(c["procedure"].notna()).all()
    assert c.loc[c["procedure_avoided"], "treatment_changed"].all()


def _waiting_delay(res, part):
    """Delay cost of cohort cases still waiting at the horizon, by hand."""
    per_day = res.scenario.economics.delay_cost_per_day_usd
    waiting = part[~part["warmup"] & (part["status"] == "in_system")]
    rate = waiting["priority"].astype(str).map(lambda p: per_day.get(p, 0.0)).to_numpy()
    return float((rate * (res.plan.horizon_h - waiting["arrival_h"]) / 24).sum())


def _check_identities(res):
    c = res.cases
    done = c[c["status"] != "in_system"]  # delivered and abandoned cases both have a bill
    np.testing.assert_allclose(
        done["program_cost_usd"],
        done["records_cost_usd"] + done["triage_cost_usd"] + done["opinion_cost_usd"])
    np.testing.assert_allclose(
        done["net_savings_usd"],
        done["avoided_cost_usd"] - done["program_cost_usd"] - done["delay_cost_usd"])
    np.testing.assert_allclose(  # who bears what reconciles with the system view
        done["net_savings_usd"],
        done["payer_net_usd"] - done["paid_by_patient_usd"] + done["platform_margin_usd"])
    assert c.loc[c["status"] == "in_system", "program_cost_usd"].isna().all()
    for rep, part in c.groupby("replication"):
        k = res.kpis.loc[rep]
        billed = part[~part["warmup"] & (part["status"] != "in_system")]
        co = billed[billed["status"] == "delivered"]
        for col in ("avoided_cost_usd", "paid_by_patient_usd"):
            total = k[f"money.{col.removesuffix('_usd')}.total_usd"]
            assert total == pytest.approx(billed[col].sum(), rel=1e-12, abs=1e-6)
        # the full cost: the cases' own costs plus the capacity paid whether used or not
        variable = billed["program_cost_usd"].sum()
        fixed = sum(k.get(key, 0.0) for key in (
            "money.staff_cost.total_usd", "money.coordinator_cost.total_usd",
            "money.navigator_cost.total_usd",  # a records team paid for its hours
            "money.contracts.unused_commitment_usd"))
        assert k["money.variable_cost.total_usd"] == pytest.approx(variable, rel=1e-12)
        program = k["money.program_cost.total_usd"]
        assert program == pytest.approx(variable + fixed, rel=1e-12)
        assert k["money.cost_per_opinion_usd"] == pytest.approx(program / len(co), rel=1e-12)
        delay = billed["delay_cost_usd"].sum() + _waiting_delay(res, part)
        assert k["money.delay_cost.total_usd"] == pytest.approx(delay, rel=1e-12, abs=1e-6)
        avoided = k["money.avoided_cost.total_usd"]
        assert k["money.net_savings.total_usd"] == pytest.approx(
            avoided - program - delay, rel=1e-9, abs=1e-6)
        paid = k["money.paid_by_payer.total_usd"]
        assert paid == pytest.approx(billed["paid_by_payer_usd"].sum(), rel=1e-12)
        margin = k["money.platform_margin.total_usd"]
        assert margin == pytest.approx(paid + billed["paid_by_patient_usd"].sum() - program,
                                       rel=1e-9, abs=1e-6)
        assert k["money.platform_margin_per_opinion_usd"] == pytest.approx(margin / len(co))
        assert k["money.net_savings.total_usd"] == pytest.approx(
            k["money.payer_net.total_usd"] - k["money.paid_by_patient.total_usd"]
            + k["money.platform_margin.total_usd"], rel=1e-9, abs=1e-6)
        gone = billed[billed["status"] == "abandoned"]
        if len(gone):
            assert k["money.abandoned_cost.total_usd"] == pytest.approx(
                gone["program_cost_usd"].sum(), rel=1e-12)
        payers = [p for p in res.plan.payers if f"payer.{p}.paid_usd" in k.index]
        assert sum(k[f"payer.{p}.paid_usd"] for p in payers) == pytest.approx(
            k["money.paid_by_payer.total_usd"], rel=1e-12)
        assert sum(k[f"payer.{p}.cases"] for p in payers) == len(co)
        assert sum(k[f"payer.{p}.surgeries_avoided"] for p in payers) == \
            k["money.surgeries_avoided"]
        # cost per opinion by pool and by channel share the full cost out exactly
        for key in ("pool", "channel"):
            prefix = f"money.cost_per_opinion_usd.{key}."
            n = co[key].astype(str).value_counts()
            shared = sum(k[f"{prefix}{g}"] * n[g] for g in n.index if f"{prefix}{g}" in k)
            assert shared == pytest.approx(program, rel=1e-9)


def test_accounting_identities_fixed(fixed):
    _check_identities(fixed)


def test_accounting_identities_baseline():
    s = sim.load_scenario("scenarios/baseline.yaml",
                          overrides=["simulation.horizon_days=40", "simulation.warmup_days=5"])
    assert s.economics is not None, "the baseline's money table needs its economics section"
    _check_identities(sim.run(s, replications=2))


RANDOM = FIXED.replace(
    "cost_usd: {dist: fixed, value: 30000}",
    "cost_usd: {dist: lognormal, mean: 60000, sd: 20000}").replace(
    "avoided: 1.0", "avoided: 0.3").replace("spine_fusion: 0.25", "spine_fusion: 0.6")


def test_avoided_rate_and_cost_match_inputs():
    s = scenario_from_text(RANDOM, overrides=["demand.cases_per_year=20000",
                                               "simulation.horizon_days=200"])
    c = sim.run(s).cases
    with_proc = c[c["procedure"].notna() & (c["status"] == "delivered")]
    n, k = len(with_proc), int(with_proc["procedure_avoided"].sum())
    assert stats.binomtest(k, n, 0.3).pvalue > 0.01
    cost = with_proc.loc[with_proc["procedure_avoided"], "avoided_cost_usd"] + 5000
    mean, sem = cost.mean(), cost.std(ddof=1) / np.sqrt(len(cost))
    assert abs(mean - 60000) < 3 * sem
    share = c.loc[c["status"] == "delivered", "procedure"].notna().mean()
    assert abs(share - 0.6) < 0.02


def test_prices_do_not_move_any_timeline():
    a = sim.run(scenario_from_text(RANDOM), replications=1).cases
    cheaper = scenario_from_text(RANDOM, overrides=[
        "pools.p.price_per_case_usd=5", "economics.ai_fee_per_case_usd=1",
        "economics.procedures.spine_fusion.avoided=0.9"])
    b = sim.run(cheaper, replications=1).cases
    cols = ["arrival_h", "intake_end_h", *TIMES, "pool", "priority", "payer"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert not np.allclose(a["program_cost_usd"].fillna(0), b["program_cost_usd"].fillna(0))


@pytest.mark.parametrize("override, path, phrase", [
    ("pools.p.price_per_case_usd=-5", "pools.p.price_per_case_usd", "greater than or equal"),
    ("economics.procedures.spine_fusion.avoided=1.5", "economics.procedures.spine_fusion.avoided",
     "less than or equal"),
    ("economics.procedure_share.orthopedics.knee=0.2", "economics.procedure_share.orthopedics.knee",
     "unknown procedure"),
    ("payers.insurer.reimbursement_usd.clinic=5", "payers.insurer.reimbursement_usd.clinic",
     "neither a pool nor a pool kind"),
    ("economics.procedure_share.orthopedics.spine_fusion=1.2",
     "economics.procedure_share.orthopedics.spine_fusion", "less than or equal"),
    ("payers.insurer.covers_channels=[fax]", "payers.insurer.covers_channels", "unknown channel"),
])
def test_bad_economics_input_is_named(override, path, phrase):
    with pytest.raises(ScenarioError) as err:
        scenario_from_text(FIXED, overrides=[override], file="money.yaml")
    assert any(p.path == path and phrase in p.message for p in err.value.problems), \
        str(err.value)


ABANDON = FIXED.replace("""triage: {policy""", """intake:
  digital: {dist: fixed, value: 2, unit: hours}
  paper: {dist: fixed, value: 30, unit: hours}
  digital_share: {online_portal: 1.0, in_person: 0.0}
abandonment:
  records: {default: {dist: fixed, value: 24, unit: hours}}
  specialist: {default: {dist: fixed, value: 3, unit: hours}}
triage: {policy""").replace("cases_per_year: 3000", "cases_per_year: 6000").replace(
    "{dist: fixed, value: 1.5, unit: hours}", "{dist: fixed, value: 2.5, unit: hours}").replace(
    "specialists: {orthopedics: 3}", "specialists: {orthopedics: 1}")


# per test, not per module (a fraction of a second each): mutmut credits the calls a
# fixture makes to the first test that used it only (docs/mutation-testing.md)
@pytest.fixture
def abandoning():
    return sim.run(scenario_from_text(ABANDON), replications=2)


def test_abandoned_cases_cost_what_was_done_to_the_cent(abandoning):
    c = abandoning.cases
    gone = c[c["status"] == "abandoned"]
    urgent = (gone["priority"] == "urgent").to_numpy()
    # paper records (30 h) outlast the 24 h patience: the request was paid (80), no triage,
    # and an urgent case's day of waiting costs 100
    at_records = gone[gone["abandoned_at"] == "records"]
    assert len(at_records) and (at_records["channel"] == "in_person").all()
    np.testing.assert_allclose(at_records["records_cost_usd"], 80, atol=0.005)
    np.testing.assert_allclose(at_records["triage_cost_usd"], 0, atol=0.005)
    np.testing.assert_allclose(at_records["program_cost_usd"], 80, atol=0.005)
    u = (at_records["priority"] == "urgent").to_numpy()
    np.testing.assert_allclose(at_records["delay_cost_usd"], np.where(u, 100, 0), atol=0.005)
    # a portal case that gave up in the specialist queue: digital records (10) and the AI fee (15)
    at_queue = gone[gone["abandoned_at"] == "specialist"]
    assert len(at_queue) and (at_queue["channel"] == "online_portal").all()
    np.testing.assert_allclose(at_queue["program_cost_usd"], 25, atol=0.005)
    np.testing.assert_allclose(at_queue["opinion_cost_usd"], 0, atol=0.005)
    # it waited 2 h for records, 0.1 h for triage and 3 h in the queue: 5.1 h
    u = (at_queue["priority"] == "urgent").to_numpy()
    np.testing.assert_allclose(at_queue["delay_cost_usd"], np.where(u, 100 * 5.1 / 24, 0),
                               atol=0.005)
    # nothing paid, nothing avoided: the platform bears the program cost, the payer the delay
    for col in ("paid_by_payer_usd", "paid_by_patient_usd", "avoided_cost_usd"):
        np.testing.assert_allclose(gone[col], 0, atol=0.005)
    np.testing.assert_allclose(gone["platform_margin_usd"], -gone["program_cost_usd"])
    np.testing.assert_allclose(gone["payer_net_usd"], -gone["delay_cost_usd"])
    assert urgent.any()


def test_accounting_identities_with_abandoned_cases(abandoning):
    _check_identities(abandoning)
