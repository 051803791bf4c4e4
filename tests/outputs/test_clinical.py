"""Outcomes as measured: correlated diagnosis and treatment changes, procedures with dates."""

import numpy as np
import pytest
from scipy import stats

import sim
from sim.loading import scenario_from_text
from sim.scenario import ScenarioError
from tests.outputs.test_economics import FIXED

MEYER = FIXED.replace(
    "outcomes: {default: {confirmed: 0.2, refined: 0.6, changed: 0.2, treatment_changed: 1.0}}",
    "outcomes: {default: {confirmed: 0.2, refined: 0.652, changed: 0.148, "
    "treatment_changed: 0.374, both_changed: 0.106}}").replace("avoided: 1.0", "avoided: 0.25")


def _binom_ok(k: int, n: int, p: float) -> bool:
    return stats.binomtest(k, n, p).pvalue > 0.001


def test_diagnosis_and_treatment_change_jointly_as_meyer_2015():
    s = scenario_from_text(MEYER, overrides=["demand.cases_per_year=30000",
                                              "simulation.horizon_days=200"])
    c = sim.run(s).cases
    c = c[c["status"] == "delivered"]
    n = len(c)
    d = (c["outcome"] == "changed").to_numpy()
    t = c["treatment_changed"].to_numpy()
    assert _binom_ok(int(d.sum()), n, 0.148)
    assert _binom_ok(int(t.sum()), n, 0.374)
    assert _binom_ok(int((d & t).sum()), n, 0.106)
    # an avoided procedure requires a treatment change, and the overall rate is the input's
    avoided = c["procedure_avoided"].to_numpy()
    assert t[avoided].all()
    proc = c["procedure"].notna().to_numpy()
    assert _binom_ok(int(avoided[proc].sum()), int(proc.sum()), 0.25)


def test_avoided_above_the_treatment_change_rate_is_refused():
    bad = MEYER.replace("avoided: 0.25", "avoided: 0.5")
    with pytest.raises(ScenarioError, match="exceeds the treatment-change rate"):
        scenario_from_text(bad)
    with pytest.raises(ScenarioError, match="both_changed must lie between"):
        scenario_from_text(MEYER.replace("both_changed: 0.106", "both_changed: 0.2"))


DATED = FIXED.replace("avoided: 1.0", "avoided: 1.0\n      lead_time: {dist: fixed, value: 3, "
                                      "unit: hours}")


def test_an_opinion_after_the_procedure_date_avoids_nothing():
    """Hand-computed: the procedure is 3 h after the request; only earlier opinions avoid it."""
    s = scenario_from_text(DATED, overrides=["pools.p.specialists.orthopedics=1",
                                              "demand.cases_per_year=5000"])
    res = sim.run(s, replications=1)
    c = res.cases[res.cases["status"] == "delivered"]
    proc = c["procedure"].notna().to_numpy()
    np.testing.assert_allclose(c.loc[proc, "procedure_date_h"], c.loc[proc, "arrival_h"] + 3)
    in_time = (c["time_to_opinion_h"] <= 3).to_numpy()
    assert (in_time & proc).any() and (~in_time & proc).any()  # both kinds occur
    # FIXED's insurer mandates the opinion (compliance 1): it holds its procedures, which a
    # late opinion can still avoid; the self-pay cases' procedures go ahead on their date
    held = c["procedure_held"].to_numpy()
    np.testing.assert_array_equal(held, proc & (c["payer"] == "insurer").to_numpy())
    assert (proc & ~held & ~in_time).any()
    np.testing.assert_array_equal(c["procedure_avoided"].to_numpy(), proc & (in_time | held))
    np.testing.assert_array_equal(c["opinion_too_late"].to_numpy(), proc & ~in_time & ~held)
    k = res.kpis.iloc[0]
    co = c[~c["warmup"]]
    late = co.loc[co["procedure"].notna(), "opinion_too_late"].mean()
    assert k["money.too_late_share"] == pytest.approx(late)


def test_dates_move_no_other_draw():
    plain = sim.run(scenario_from_text(FIXED), replications=1).cases
    dated = sim.run(scenario_from_text(DATED), replications=1).cases
    for col in ("time_to_opinion_h", "procedure", "treatment_changed", "outcome"):
        assert plain[col].equals(dated[col]), col
    assert "procedure_date_h" not in plain


def test_surgeries_and_treatment_courses_are_counted_apart():
    two = FIXED.replace(
        "  procedure_share: {orthopedics: {spine_fusion: 0.25}}",
        "    chemo:\n      kind: treatment_course\n      cost_usd: {dist: fixed, value: 9000}\n"
        "      avoided: 1.0\n  procedure_share: {orthopedics: {spine_fusion: 0.25, chemo: 0.25}}")
    res = sim.run(scenario_from_text(two), replications=2)
    k = res.kpis
    assert (k["money.surgeries_avoided"] > 0).all()
    assert (k["money.treatment_courses_avoided"] > 0).all()
    np.testing.assert_array_equal(k["money.surgeries_avoided"]
                                  + k["money.treatment_courses_avoided"],
                                  k["money.procedures_avoided"])
    c = res.cases
    assert (c.loc[c["procedure"] == "chemo", "procedure_kind"] == "treatment_course").all()
