"""The scenario files shipped in scenarios/: they load, run, keep up, and compare fairly.

Each scenario runs once on a short horizon (three weeks, no warm-up, one replication); the
runs are shared between tests so the whole file stays fast. The payer-mandate comparison needs
more surgeries to tell payers apart, so baseline and payer_mandate also run once on half a year.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SHORT = ["simulation.horizon_days=21", "simulation.warmup_days=0"]
COMPARED = ("baseline", "legacy_referral", "hybrid")  # same platform, different triage
MANDATE = "payer_mandate"  # the baseline platform with a payer mandating second opinions
MANDATE_PAYER = "commercial_mandate"


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def short_runs() -> dict[str, Any]:
    """Every shipped scenario, run once on the short horizon."""
    return {
        path.stem: sim.run(sim.load_scenario(path, overrides=SHORT), replications=1)
        for path in SCENARIOS
    }


@pytest.fixture(scope="module")
def half_year_runs() -> dict[str, Any]:
    """baseline and payer_mandate over 182 days (no warm-up, one replication)."""
    over = ["simulation.horizon_days=182", "simulation.warmup_days=0"]
    return {
        stem: sim.run(sim.load_scenario(ROOT / "scenarios" / f"{stem}.yaml", overrides=over),
                      replications=1)
        for stem in ("baseline", MANDATE)
    }


def test_the_comparison_scenarios_are_shipped() -> None:
    assert {p.stem for p in SCENARIOS} >= {*COMPARED, MANDATE}


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_loads_and_is_named_after_its_file(path: Path) -> None:
    scenario = sim.load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_short_run_conserves_cases(path: Path, short_runs: dict[str, Any]) -> None:
    res = short_runs[path.stem]
    k = res.kpis.iloc[0]
    assert k["arrivals"] > 0
    assert k["arrivals"] == k["delivered"] + k.get("abandoned", 0) + k["in_system_end"]
    rep = res.replications[0]
    # three sources: the demand generator, the engine's count of journeys ended, the table
    assert len(rep.cases) == k["arrivals"] == len(res.cases)
    assert rep.counts.finished == k["delivered"] == (res.cases["status"] == "delivered").sum()
    assert rep.counts.abandoned == k.get("abandoned", 0) == (
        res.cases["status"] == "abandoned").sum()


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_no_queue_is_overloaded(path: Path) -> None:
    """The capacity check over the scenario's own horizon: a three-week smoke run ends before
    a first-choice queue fed to its overflow threshold (sessions_and_contract's oncology) has
    filled up, so it would count the filling as overload."""
    from sim.capacity.network import capacity_report
    from sim.engine.plan import build_plan

    cap = capacity_report(build_plan(sim.load_scenario(path)))
    overloaded = cap[cap["status"] == "OVERLOADED"]
    assert overloaded.empty, overloaded.to_string()


@pytest.mark.parametrize("stem", COMPARED)
def test_comparison_scenarios_leave_headroom(stem: str, short_runs: dict[str, Any]) -> None:
    """The platform scenarios run every queue below the capacity check's 'high' mark (0.85)."""
    cap = short_runs[stem].capacity
    assert (cap["utilisation"] < 0.85).all(), cap.to_string()


def test_legacy_matches_far_slower_than_ai(short_runs: dict[str, Any]) -> None:
    ai = short_runs["baseline"].kpis.iloc[0]["time_to_match_h.mean"]
    legacy = short_runs["legacy_referral"].kpis.iloc[0]["time_to_match_h.mean"]
    assert legacy > 5 * ai, (legacy, ai)
    # the paper referral cycle alone is 5-10 business days: over a week of clock time
    assert legacy > 7 * 24


def test_hybrid_misroutes_less_than_ai(short_runs: dict[str, Any]) -> None:
    ai = short_runs["baseline"].kpis.iloc[0]["misrouted_share"]
    hybrid = short_runs["hybrid"].kpis.iloc[0]["misrouted_share"]
    assert hybrid < ai


def _raw(stem: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "scenarios" / f"{stem}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("stem", COMPARED[1:])
def test_comparison_files_differ_only_in_name_description_and_triage(stem: str) -> None:
    base, other = _raw("baseline"), _raw(stem)
    ignore = {"name", "description", "triage"}
    assert {k: v for k, v in other.items() if k not in ignore} == \
        {k: v for k, v in base.items() if k not in ignore}
    assert other["triage"]["misroute"] == base["triage"]["misroute"]
    assert other["triage"]["policy"] != base["triage"]["policy"]


def test_every_schema_key_is_documented() -> None:
    """docs/scenario-reference.md names every field of every scenario model."""
    from pydantic import BaseModel

    from sim.scenario import (
        abandonment,
        access,
        calendars,
        contracts,
        durations,
        economics,
        hiring,
        models,
        priorities,
        rosters,
        triage,
        zones,
    )

    text = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    modules = (models, durations, economics, calendars, triage, abandonment, priorities,
               access, contracts, rosters, hiring, zones)
    classes = [c for mod in modules for c in vars(mod).values()
               if isinstance(c, type) and issubclass(c, BaseModel) and c.__module__ == mod.__name__]
    missing = sorted({f"{c.__name__}.{name}" for c in classes
                      for name, f in c.model_fields.items()
                      if not re.search(rf"`[^`]*\b{re.escape(f.alias or name)}\b[^`]*`", text)})
    assert not missing, f"undocumented keys: {missing}"


# ----------------------------------------------------------------------------- money


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_money_reconciles_and_is_plausible(path: Path, short_runs: dict[str, Any]) -> None:
    """Who-pays columns add up to the system's net savings; an opinion costs hundreds of USD."""
    res = short_runs[path.stem]
    assert sim.load_scenario(path).economics is not None, "every shipped scenario prices itself"
    co = res.cases[res.cases["status"] == "delivered"]
    lhs = co["net_savings_usd"]
    rhs = co["payer_net_usd"] - co["paid_by_patient_usd"] + co["platform_margin_usd"]
    assert (lhs - rhs).abs().max() < 1e-6
    assert ((co["program_cost_usd"] - co["records_cost_usd"] - co["triage_cost_usd"]
             - co["opinion_cost_usd"]).abs() < 1e-6).all()
    k = res.kpis.iloc[0]
    # a case's own cost is hundreds of USD; the full cost adds the salaries of the 21-day
    # start-up window, when few opinions are out yet, so it only has to be above that
    variable = k["money.variable_cost_per_opinion_usd"]
    assert 100 < variable < 2000, variable
    assert k["money.cost_per_opinion_usd"] >= variable


def test_mandate_scenario_differs_from_baseline_only_in_demand_and_payers() -> None:
    base, mandate = _raw("baseline"), _raw(MANDATE)
    ignore = {"name", "description", "demand", "payers"}
    assert {k: v for k, v in mandate.items() if k not in ignore} == \
        {k: v for k, v in base.items() if k not in ignore}
    # within demand, only the volume, the payer shares and the mandate payer's own specialty
    # mix change; every other payer keeps the baseline specialty mix
    changed = ("payer", "specialty_by_payer")
    same = {k: v for k, v in base["demand"].items() if k != "cases_per_year"}
    same["mix"] = {k: v for k, v in same["mix"].items() if k not in changed}
    assert {k: v for k, v in mandate["demand"].items() if k != "cases_per_year"} | \
        {"mix": {k: v for k, v in mandate["demand"]["mix"].items()
                 if k not in changed}} == same
    assert set(mandate["demand"]["mix"]["specialty_by_payer"]) == {MANDATE_PAYER}
    assert mandate["demand"]["cases_per_year"] > base["demand"]["cases_per_year"]
    # the baseline payers are kept unchanged; the mandate payer is added
    assert {k: v for k, v in mandate["payers"].items() if k != MANDATE_PAYER} == base["payers"]
    payer = sim.load_scenario(ROOT / "scenarios" / f"{MANDATE}.yaml").payers[MANDATE_PAYER]
    assert payer.mandate == "mandated"
    assert set(payer.mandated_procedures) == {"spine_fusion", "knee_replacement",
                                              "hip_replacement"}
    base_ortho = sum(sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
                     .economics.procedure_share["orthopedics"].values())
    assert sum(payer.procedure_share["orthopedics"].values()) > 2 * base_ortho


def test_mandate_payer_avoids_more_surgeries_per_case(half_year_runs: dict[str, Any]) -> None:
    """Mandated pre-surgery opinions avoid more surgeries per case than voluntary ones."""

    def per_case(stem: str, payer: str) -> float:
        k = half_year_runs[stem].kpis.iloc[0]
        return k[f"payer.{payer}.surgeries_avoided"] / k[f"payer.{payer}.cases"]

    mandated = per_case(MANDATE, MANDATE_PAYER)
    voluntary = per_case("baseline", "commercial")
    assert mandated > voluntary, (mandated, voluntary)
    # and its orthopaedic load sends more cases to the outsourced company than baseline
    kind = {stem: half_year_runs[stem].cases["pool_kind"].value_counts(normalize=True)
            for stem in half_year_runs}
    assert kind[MANDATE]["outsourced"] > kind["baseline"]["outsourced"]
    k = half_year_runs[MANDATE].kpis.iloc[0]
    assert {"money.outsourced_vs_in_house_pct", "money.cost_per_opinion_usd.pool.in_house",
            "money.cost_per_opinion_usd.pool.outsourced"} <= set(k.dropna().index)
