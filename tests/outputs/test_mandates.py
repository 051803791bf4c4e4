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
