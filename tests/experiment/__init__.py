"""Tests of sim.experiment; shared helpers for its test modules live here.

The other engineer's tests (test_design*, test_sensitivity*, test_staffing*) are
independent of these helpers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sim
from sim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@cache
def short(name: str = "baseline", days: int = 30, *overrides: str) -> Scenario:
    """A shipped scenario cut to ``days`` (few replications run in well under a second)."""
    return sim.load_scenario(SCENARIOS / f"{name}.yaml",
                             [f"simulation.horizon_days={days}", "simulation.warmup_days=3",
                              *overrides])
