"""Mandates act: a mandated payer holds procedures for the opinion; a waiver raises uptake."""

import numpy as np
import pytest

import sim
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from tests.outputs.test_economics import FIXED

# FIXED's insurer mandates opinions before spine fusion; procedures are 3 h after the request,
# so many opinions come after the date: only held procedures can still be avoided.
HELD = FIXED.replace(
    "avoided: 1.0", "avoided: 1.0\n      lead_time: {dist: fixed, value: 3, unit: hours}").replace(
    "    mandated_procedures: [spine_fusion]",
    "    mandated_procedures: [spine_fusion]\n    compliance: 0.5\n"
    "    hold_cost_per_day_usd: 240")


@pytest.fixture(scope="module")
def held():
    s = scenario_from_text(HELD, overrides=["pools.p.specialists.orthopedics=1",
                                             "demand.cases_per_year=5000"])
    return sim.run(s, replications=1)


def test_held_procedures_wait_for_the_opinion(held):
    c = held.cases[held.cases["status"] == "delivered"]
    proc = c["procedure"].notna().to_numpy()
    insurer = (c["payer"] == "insurer").to_numpy()
    h = c["procedure_held"].to_numpy()
    assert not h[~(proc & insurer)].any()  # only the mandating payer's procedures are held
    share = h[proc & insurer].mean()
    assert 0.4 < share < 0.6  # compliance 0.5
    late = (c["time_to_opinion_h"] > 3).to_numpy()
    # held: avoided even when the opinion comes after the date; not held: only in time
    np.testing.assert_array_equal(c["procedure_avoided"].to_numpy(), proc & (h | ~late))
    moved = np.where(h & late, (c["time_to_opinion_h"].to_numpy() - 3) / 24, 0.0)
    np.testing.assert_allclose(c["procedure_moved_days"], moved, atol=1e-9)
    # the payer pays for the moved surgery: delay cost = urgent waiting + 240 per moved day
    urgent = (c["priority"] == "urgent").to_numpy()
    delay = np.where(urgent, 100 * c["time_to_opinion_h"] / 24, 0) + 240 * moved
    np.testing.assert_allclose(c["delay_cost_usd"], delay, atol=1e-6)
    k = held.kpis.iloc[0]
    co = c[~c["warmup"]]
    assert k["payer.insurer.held_cases"] == co["procedure_held"].sum()


WAIVED = FIXED.replace(
    "  self_pay: {reimbursement_usd: {outsourced: 700}, covers_channels: [in_person]}",
    "  self_pay:\n    mandate: incentivised\n    incentive: {reference_copay_usd: 50, "
    "price_elasticity: -0.4}\n    reimbursement_usd: {outsourced: 700}\n"
    "    covers_channels: [in_person]\n    copay_usd: 10")


def test_a_copay_waiver_raises_uptake_by_its_elasticity():
    over = ["demand.cases_per_year=40000", "simulation.horizon_days=100"]
    plain = sim.run(scenario_from_text(FIXED, overrides=over), replications=1).cases
    waived = sim.run(scenario_from_text(WAIVED, overrides=over), replications=1).cases
    factor = 1 + 0.4 * (50 - 10) / 50  # 1.32
    n_plain = (plain["payer"] == "self_pay").sum()
    n_waived = (waived["payer"] == "self_pay").sum()
    assert n_waived / n_plain == pytest.approx(factor, rel=0.05)
    other = (waived["payer"] == "insurer").sum() / (plain["payer"] == "insurer").sum()
    assert other == pytest.approx(1.0, rel=0.04)
    s = scenario_from_text(WAIVED, overrides=over)
    assert s.expected_cases == pytest.approx(40000 * (0.7 + 0.3 * factor) * 100 / 365)


@pytest.mark.parametrize(("text", "message"), [
    (FIXED.replace("    mandated_procedures: [spine_fusion]\n", ""), "must name the procedures"),
    (FIXED.replace("  self_pay: {", "  self_pay: {mandate: incentivised, "), "needs an incentive"),
    (FIXED.replace("  self_pay: {", "  self_pay: {compliance: 0.5, "), "apply only to a payer"),
])
def test_a_mandate_without_its_settings_is_refused(text, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(text)


# FIXED's insurer (2,100 voluntary cases a year, a quarter with spine fusion: 525) covers
# 200,000 lives, 5 per 1,000 a year scheduled for spine fusion: 1,000 eligible members.
VOLUME = ("payers.insurer.mandate_volume={covered_lives: 200000, eligible_per_1000_per_year: 5, "
          "specialty: {orthopedics: 1}, procedures: {spine_fusion: 1}}")
LONG = ["demand.cases_per_year=3000", "simulation.horizon_days=200", "simulation.warmup_days=0"]


@pytest.mark.parametrize("compliance", [0.0, 0.5, 0.8, 1.0])
def test_a_mandate_makes_volume(compliance):
    """Mandated cases = compliance x eligible - already voluntary = max(0, c x 1000 - 525)."""
    s = scenario_from_text(FIXED, overrides=[*LONG, VOLUME,
                                             f"payers.insurer.compliance={compliance}"])
    mandated = max(0.0, compliance * 1000 - 525)
    assert s.expected_cases == pytest.approx((3000 + mandated) * 200 / 365)
    cases = sim.run(s, replications=1).cases
    insurer = (cases["payer"] == "insurer").sum()
    assert insurer == pytest.approx((2100 + mandated) * 200 / 365, rel=0.06)
    assert (cases["payer"] == "self_pay").sum() == pytest.approx(900 * 200 / 365, rel=0.1)
    # every mandated case comes with the mandated procedure, and is held; the voluntary ones
    # with it are held at the compliance share
    c = cases[cases["status"] == "delivered"]
    rows = c[(c["payer"] == "insurer") & c["procedure"].notna()]
    want = (compliance * 525 + mandated) / (525 + mandated)
    held = rows["procedure_held"] if "procedure_held" in rows else np.zeros(len(rows))
    assert np.mean(held) == pytest.approx(want, abs=0.06)


def test_no_mandate_no_mandated_cases():
    """Mandate none (its settings gone) leaves the voluntary volume only."""
    none = scenario_from_text(FIXED, overrides=[
        *LONG, "payers.insurer.mandate=none", "payers.insurer.mandated_procedures=[]"])
    mandated = scenario_from_text(FIXED, overrides=[*LONG, VOLUME])
    assert none.expected_cases == pytest.approx(3000 * 200 / 365)
    assert mandated.expected_cases == pytest.approx(3475 * 200 / 365)


@pytest.mark.parametrize(("override", "message"), [
    ("payers.self_pay.mandate_volume={covered_lives: 1000, eligible_per_1000_per_year: 1, "
     "specialty: {orthopedics: 1}, procedures: {spine_fusion: 1}}", "only a mandated payer"),
    (VOLUME.replace("procedures: {spine_fusion: 1}", "procedures: {knee: 1}"),
     "'knee' is not one of the payer's mandated_procedures"),
    (VOLUME.replace("specialty: {orthopedics: 1}", "specialty: {cardiology: 1}"),
     "unknown specialty 'cardiology'"),
    (VOLUME.replace("procedures: {spine_fusion: 1}", "procedures: {spine_fusion: 0.5}"),
     "shares must sum to 1"),
])
def test_bad_mandate_volume_is_refused(override, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_text(FIXED, overrides=[override])
