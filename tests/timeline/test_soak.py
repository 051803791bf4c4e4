"""Soak: a multi-year, million-case run keeps its memory bounded and its KPIs steady.

Not in the default suite (``pytest -m soak`` runs it; a few minutes): each run
happens in a fresh interpreter so that its peak memory is its own.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, resource, sys
sys.path.insert(0, {root!r})
import sim
years, per_year = {years}, {per_year}
from sim.timeline import scale_staff
base = sim.load_scenario("scenarios/baseline.yaml")
over = [f"demand.cases_per_year={{per_year}}", f"simulation.horizon_days={{365 * years}}",
        "simulation.warmup_days=28"]
scaled = sim.load_scenario("scenarios/baseline.yaml", overrides=over)
res = sim.run(scale_staff(scaled, per_year / base.demand.cases_per_year), replications=1)
k = res.kpis.iloc[0]
n_events = len(res.events)
out = {{key: float(k[key]) for key in ("arrivals", "time_to_opinion_h.mean", "time_to_match_h.mean",
                                      "utilisation.in_house", "within_target.opinion")}}
out["events"] = n_events
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _run(years: int, per_year: int) -> dict:
    code = CHILD.format(root=str(ROOT), years=years, per_year=per_year)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.soak
def test_four_year_million_case_run_is_steady_and_bounded():
    short = _run(1, 250_000)
    long = _run(4, 250_000)
    assert long["arrivals"] > 950_000
    # steady state: the long run's KPIs match the one-year run's within a few percent
    for key in ("time_to_opinion_h.mean", "time_to_match_h.mean", "utilisation.in_house",
                "within_target.opinion"):
        assert long[key] == pytest.approx(short[key], rel=0.05), key
    # memory: under 1 GB-ish per million cases with the event log, and growing linearly
    # (the fixed cost of the interpreter and libraries is about 150 MB)
    assert long["peak_rss_mb"] < 2500
    growth = (long["peak_rss_mb"] - 150) / max(short["peak_rss_mb"] - 150, 1)
    assert growth < 4.5 * 1.15, (short, long)
