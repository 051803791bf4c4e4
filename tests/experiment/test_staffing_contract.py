"""The staffing search moves a contract's weekly cap as a lever (sim.experiment.contract_lever).

One outsourced pool on the 24x7 calendar reviews one line (Exp(1 h) reviews, about 168 cases
a week) under a contract whose cap, 120 a week, holds the surplus for next week
(``when_full: queue``): the backlog grows week by week, and no number of specialists shortens
a wait for next week's slot. Only a larger cap meets the wait target.
"""

from __future__ import annotations

import datetime

import pytest
import yaml

from sim.experiment.contract_lever import cap_unit
from sim.experiment.staffing import find_staffing, parse_target, queue_key, queue_metrics
from sim.loading import scenario_from_text
from sim.scenario import Scenario

CAP_KEY = "pools.p.contract.cases_per_week"


def capped_scenario(cap: int, minimum_cases_per_year: float = 0, days: float = 35,
                    lam: float = 1.0) -> Scenario:
    doc = {
        "name": "capped",
        "simulation": {"start": datetime.date(2026, 1, 5), "horizon_days": days,
                       "warmup_days": 7, "seed": 3},
        "demand": {"cases_per_year": lam * 8760, "mix": {
            "specialty": {"onc": 1.0}, "channel": {"online": 1.0}, "payer": {"self": 1.0}}},
        "triage": {"policy": "direct"},
        "payers": {"self": {}},
        "pools": {"p": {"kind": "outsourced", "calendar": "24x7", "specialists": {"onc": 3},
                        "review": {"dist": "exponential", "mean": 1.0, "unit": "hours"},
                        "contract": {"price_per_case_usd": 500, "cases_per_week": cap,
                                     "when_full": "queue",
                                     "minimum_cases_per_year": minimum_cases_per_year}}},
        "outcomes": {"default": {"confirmed": 0.2, "refined": 0.6, "changed": 0.2}},
    }
    return scenario_from_text(yaml.safe_dump(doc))


def test_the_cap_lever_and_its_metrics() -> None:
    assert queue_key("p contract cap") == CAP_KEY
    assert (cap_unit(120), cap_unit(3), cap_unit(600)) == (12, 1, 60)
    df = queue_metrics(capped_scenario(120), 1, 0).set_index("queue")
    row = df.loc["p contract cap"]
    assert row["servers"] == 120
    assert row["utilisation"] == pytest.approx(1.0, abs=0.02)  # every week's cap is used
    assert row["full_weeks_share"] == 1.0
    assert row["held_cases"] > 0.2 * row["cases"]
    assert row["specialist_wait_h.p90"] > 48  # held for a later week
    # the queue's own wait includes the wait for the slot
    assert df.loc["p/onc", "specialist_wait_h.p90"] >= row["specialist_wait_h.p90"]
    wide = queue_metrics(capped_scenario(400), 1, 0).set_index("queue").loc["p contract cap"]
    assert (wide["held_cases"], wide["full_weeks_share"], wide["specialist_wait_h.p90"]) == \
        (0, 0.0, 0.0)
    assert wide["utilisation"] == pytest.approx(168 / 400, rel=0.1)


def test_a_target_only_a_larger_cap_meets_raises_the_cap() -> None:
    res = find_staffing(capped_scenario(120), ["specialist_wait_h.p90<=24"], replications=2)
    assert res.met
    cap = res.staffing[CAP_KEY]
    assert cap >= 156 and (cap - 120) % 12 == 0  # about the demand, in units of 12
    table = res.table.set_index("queue")
    assert table.at["p/onc", "servers"] == table.at["p/onc", "start"]  # not chased
    assert table.at["p contract cap", "start"] == 120
    assert table.at["p contract cap", "binds"].startswith(f"{cap - 12} misses")
    assert "p contract cap" in set(res.path["queue"])
    assert f"{CAP_KEY}={cap}" in res.overrides


def committed_scenario() -> Scenario:
    """The capped pool p, its cap (150 a week) equal to its commitment (7,800 a year) and
    the surplus overflowing to a pool q without a contract, at USD 400 a case."""
    doc = yaml.safe_load(yaml.safe_dump(capped_scenario(150, 7800).model_dump(
        mode="json", exclude_none=True)))
    doc["pools"]["p"]["contract"]["when_full"] = "overflow"
    doc["pools"]["q"] = {"kind": "outsourced", "calendar": "24x7", "specialists": {"onc": 3},
                         "price_per_case_usd": 400,
                         "review": {"dist": "exponential", "mean": 1.0, "unit": "hours"}}
    doc["economics"] = {}
    doc["routing"] = {"policy": "in_house_first"}
    return scenario_from_text(yaml.safe_dump(doc))


def test_full_cost_is_reported_and_a_cap_is_not_cut_below_its_commitment(tmp_path) -> None:
    from sim.experiment.staffing_report import staffing_text

    target = "specialist_wait_h.p90<=24"
    res = find_staffing(committed_scenario(), [target], replications=2)
    assert res.met
    given, found = res.given_cost_per_opinion_usd, res.cost_per_opinion_usd
    assert 400 < found <= given < 600  # the start met the targets: the plan costs no more
    assert res.path["phase"].iloc[0] == "given"
    # 135 a week would send 15 cases a week to q: each saves USD 100 but leaves USD 500 of
    # commitment unused
    assert res.staffing[CAP_KEY] == 150
    binds = res.table.set_index("queue").at["p contract cap", "binds"]
    assert binds.startswith("135 raises the full cost per opinion from USD ")
    assert binds.endswith("(unused commitment)")
    text = staffing_text(res, [parse_target(target)], committed_scenario(), tmp_path)
    assert "Staffing found (start: the scenario as given, which meets the targets)" in text
    assert f"full cost per opinion: USD {found:,.2f} (the scenario as given: USD {given:,.2f})" \
        in text


def test_the_unit_that_saves_most_goes_first() -> None:
    """Salaried specialists in house cost their hours; outsourced ones paid per case nothing:
    the down phase tries the in-house queue first although the other has more slack."""
    doc = yaml.safe_load(yaml.safe_dump(committed_scenario().model_dump(
        mode="json", exclude_none=True)))
    doc["pools"]["q"]["kind"] = "in_house"
    doc["pools"]["q"]["calendar"] = "24x7"
    doc["pools"]["q"]["specialists"] = {"onc": 4}
    doc["economics"] = {"specialist_pay": {"q": {"annual_compensation_usd": {"onc": 300_000}}}}
    res = find_staffing(scenario_from_text(yaml.safe_dump(doc)), ["specialist_wait_h.p90<=24"],
                        replications=2)
    downs = res.path[res.path["phase"] == "down"]
    assert downs["queue"].iloc[0] == "q/onc"
    assert res.cost_per_opinion_usd <= res.given_cost_per_opinion_usd
