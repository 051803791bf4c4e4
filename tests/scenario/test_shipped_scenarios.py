"""The scenario files shipped in scenarios/: they load, run, keep up, and compare fairly.

Each scenario runs once on a short horizon (three weeks, no warm-up, one replication); the
runs are shared between tests so the whole file stays fast.
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


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def short_runs() -> dict[str, Any]:
    """Every shipped scenario, run once on the short horizon."""
    return {
        path.stem: sim.run(sim.load_scenario(path, overrides=SHORT), replications=1)
        for path in SCENARIOS
    }


def test_the_comparison_scenarios_are_shipped() -> None:
    assert {p.stem for p in SCENARIOS} >= set(COMPARED)


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
    assert k["arrivals"] == k["delivered"] + k["in_system_end"]
    rep = res.replications[0]
    assert rep.started == k["arrivals"] == len(res.cases)
    assert rep.finished == k["delivered"] == (res.cases["status"] == "delivered").sum()


@pytest.mark.parametrize("path", SCENARIOS, ids=_id)
def test_no_queue_is_overloaded(path: Path, short_runs: dict[str, Any]) -> None:
    cap = short_runs[path.stem].capacity
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

    from sim.scenario import durations, models

    text = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    classes = [c for mod in (models, durations) for c in vars(mod).values()
               if isinstance(c, type) and issubclass(c, BaseModel) and c.__module__ == mod.__name__]
    missing = sorted({f"{c.__name__}.{name}" for c in classes for name in c.model_fields
                      if not re.search(rf"`[^`]*\b{re.escape(name)}\b[^`]*`", text)})
    assert not missing, f"undocumented keys: {missing}"
