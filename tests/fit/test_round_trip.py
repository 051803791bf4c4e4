"""Round trip: a log sosim wrote from a known scenario gives that scenario back.

Staff counts exact; volume, shares, profile and mean durations inside their 95% intervals;
the fitted scenario's simulated time to opinion inside the original's run-to-run interval.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.fit.fidelity import stage_kpis
from sim.fit.read import log_from_frame
from sim.fit.stages import stage_table


def test_staff_and_calendars_exact(round_trip):
    original, _, fitted = round_trip
    s = fitted.scenario
    for pool in ("in_house", "outsourced"):
        assert s.pools[pool].specialists == original.pools[pool].specialists
        assert s.pools[pool].kind == original.pools[pool].kind
    cal = s.calendars[s.pools["in_house"].calendar]
    truth = original.calendars["business"]
    assert (cal.days, cal.hours, cal.holidays) == (truth.days, truth.hours, truth.holidays)
    assert s.calendars[s.pools["outsourced"].calendar] == "24x7"
    assert s.triage.policy == "ai" and s.triage.ai.servers is None


def test_demand_inside_intervals(round_trip):
    original, _, fitted = round_trip
    d = fitted.fitted.demand
    lo, hi = d["cases_per_year"].ci
    assert lo <= original.demand.cases_per_year <= hi
    for sp, share in original.demand.mix.specialty.items():
        lo, hi = d["specialty"].ci[sp]
        assert lo <= share <= hi, (sp, share, lo, hi)
    wd = np.asarray(original.demand.profile.weekday)
    wd = wd / wd.mean()
    assert sum(lo <= w <= hi for w, (lo, hi) in zip(wd, d["weekday"].ci, strict=True)) >= 6


def test_durations_inside_intervals(round_trip):
    original, _, fitted = round_trip
    fd = fitted.fitted.durations
    for key, mean_h in (("intake", 8.0), ("triage", 5.5 / 60), ("review.in_house", 2.0),
                        ("review.outsourced", 1.0)):
        lo, hi = fd[key].mean_ci
        assert lo <= mean_h <= hi, (key, mean_h, lo, hi)


def _kpi_per_replication(scenario, results, fitted, kpi: str) -> np.ndarray:  # noqa: ANN001
    ev = results.events
    rep = ev["case_id"].astype(str).str.extract(r"^r(\d+)-", expand=False).astype(int)
    fs = fitted.scenario
    cals = {p: fitted.fitted.calendars[p].work_calendar(fitted.log.start) for p in fs.pools}
    staff = {p: sum(pool.specialists.values()) for p, pool in fs.pools.items()}
    out = []
    for k in sorted(rep.unique()):
        one = ev[(rep == k).to_numpy()].reset_index(drop=True)
        table = stage_table(log_from_frame(one, start=fitted.log.start))
        out.append(stage_kpis(table, fs.warmup_hours, fs.horizon_hours, cals, staff)[kpi])
    return np.asarray(out)


def test_resimulated_time_to_opinion_inside_run_to_run_interval(round_trip):
    original, results, fitted = round_trip
    kpi = "time_to_opinion_h.mean"
    runs = _kpi_per_replication(original, results, fitted, kpi)
    half = stats.t.ppf(0.975, len(runs) - 1) * runs.std(ddof=1) * math.sqrt(1 + 1 / len(runs))
    simulated = fitted.fidelity.kpis.loc[kpi, "simulated"]
    assert runs.mean() - half <= simulated <= runs.mean() + half, (runs, simulated)
    assert fitted.fidelity.kpis.loc[kpi, "inside"]


def test_engine_names_individual_specialists(round_trip):
    _, results, _ = round_trip
    ev = results.events
    review = ev[ev["activity"] == "specialist review"]
    names = set(review["resource"].astype(str))
    expected = ({f"in_house/oncology#{k}" for k in (1, 2, 3)}
                | {f"in_house/cardiology#{k}" for k in (1, 2)}
                | {f"outsourced/dermatology#{k}" for k in (1, 2)})
    assert names == expected
