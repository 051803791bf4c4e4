"""How closely the fitted scenario reproduces the log: KPIs side by side, and log distances.

The fitted scenario is simulated for a few replications (common seed). Each replication's
event log is read back through sosim's own map into the same stage table as the real log,
so both sides' KPIs come from one function (:func:`stage_kpis`) and can be compared
without translation. Only cases arriving after the scenario's warm-up count, on both sides.

For each KPI the report gives the log's value, the simulation's mean over replications and
its **run-to-run interval** (95% prediction interval of one replication:
mean +- t x sd x sqrt(1 + 1/R)); ``inside`` says whether the log's value falls in it, which is
what a faithful model should achieve for most KPIs.

Example:
    >>> from sim.fit.yaml_out import to_yaml
    >>> from sim.loading import scenario_from_text
    >>> fitted_scenario = scenario_from_text(to_yaml(fitted.scenario, []))
    >>> fid = fidelity(fitted_scenario, log, fitted, replications=2, seed=1)
    >>> fid.kpis.round(2)
                               log  simulated    low    high  inside
    kpi
    time_to_match_h.mean     24.87      24.28  -0.74   49.30    True
    time_to_opinion_h.mean   43.36      35.53  -7.10   78.16    True
    time_to_opinion_h.p50    20.54      19.85  14.16   25.53    True
    time_to_opinion_h.p90   134.87      99.06 -36.53  234.64    True
    specialist_wait_h.mean    5.35       8.91 -14.03   31.86    True
    throughput_per_week     119.54     182.00  39.80  324.20    True
    utilisation.in_house      0.36       0.57  -0.25    1.40    True
    utilisation.outsourced    0.04       0.00   0.00    0.00   False
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.distances import log_distances
from sim.fit.fitted_scenario import FittedScenario
from sim.fit.read import Log, log_from_frame
from sim.fit.stages import stage_table


@dataclass(frozen=True)
class Fidelity:
    """KPIs of log and simulation, distances, and the tables behind the overlays."""

    kpis: pd.DataFrame
    distances: pd.DataFrame
    real: pd.DataFrame
    simulated: list[pd.DataFrame]


def stage_kpis(t: pd.DataFrame, after_h: float, horizon_h: float,
               calendars: dict[str, WorkCalendar], staff: dict[str, int]) -> dict[str, float]:
    """KPIs of one stage table over the cases arriving in ``[after_h, horizon_h)``."""
    c = t[(t["arrival_h"] >= after_h) & (t["arrival_h"] < horizon_h)]
    done = c[c["opinion_h"].notna()]
    tto = (done["opinion_h"] - done["arrival_h"]).to_numpy()
    weeks = (horizon_h - after_h) / 168
    out = {
        "time_to_match_h.mean": float((c["match_h"] - c["arrival_h"]).mean()),
        "time_to_opinion_h.mean": float(tto.mean()) if len(tto) else math.nan,
        "time_to_opinion_h.p50": float(np.quantile(tto, 0.5)) if len(tto) else math.nan,
        "time_to_opinion_h.p90": float(np.quantile(tto, 0.9)) if len(tto) else math.nan,
        "specialist_wait_h.mean": float((c["review_start_h"] - c["queue_h"]).mean()),
        "throughput_per_week": len(done) / weeks,
    }
    # Utilisation over the window: review work done in it (by start time) on each pool.
    work = t[(t["review_start_h"] >= after_h) & (t["review_end_h"] < horizon_h)]
    for pool, cal in calendars.items():
        rows = work[work["pool"] == pool]
        hours = cal.working_hours_between(rows["review_start_h"].to_numpy(),
                                          rows["review_end_h"].to_numpy())
        capacity = float(cal.working_hours_between(after_h, horizon_h)) * staff.get(pool, 0)
        out[f"utilisation.{pool}"] = float(np.sum(hours)) / capacity if capacity else math.nan
    return out


def _interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    v = values[np.isfinite(values)]
    if len(v) < 2:
        return (float(v.mean()) if len(v) else math.nan, math.nan, math.nan)
    m, sd = float(v.mean()), float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1)) * sd * math.sqrt(1 + 1 / len(v))
    return m, m - half, m + half


def _arrived_in(ev: pd.DataFrame, after_h: float, before_h: float) -> pd.DataFrame:
    """The events of the cases that arrived in ``[after_h, before_h)``."""
    arrival = ev[ev["stage"] == "arrival"].groupby("case")["time_h"].min()
    keep = arrival[(arrival >= after_h) & (arrival < before_h)].index
    return ev[ev["case"].isin(keep)]


def simulate_fitted(scenario, log: Log, replications: int, seed: int  # noqa: ANN001
                    ) -> list[pd.DataFrame]:
    """Events of each replication of ``scenario``, read back on the log's clock."""
    from sim.outputs.runner import run

    res = run(scenario, seed=seed, replications=replications)
    ev = res.events
    rep = ev["case_id"].astype(str).str.extract(r"^r(\d+)-", expand=False).astype(int)
    out = []
    for k in range(replications):
        one = ev[(rep == k).to_numpy()]
        out.append(log_from_frame(one.reset_index(drop=True), file=f"replication {k}",
                                  start=log.start).events)
    return out


def fidelity(scenario, log: Log, fitted: FittedScenario, replications: int = 5,  # noqa: ANN001
             seed: int = 1, window: tuple[float, float] | None = None,
             real_table: pd.DataFrame | None = None, family: bool = False) -> Fidelity:
    """Simulate the fitted ``scenario`` and compare it with ``log`` (see the module docstring).

    ``window``: judge only the cases arriving in ``[start, end)`` hours (default: after the
    scenario's warm-up); ``real_table``: the log's stage table (default: the fit's own).
    Each KPI's interval is a 95% one; with ``family`` they are family-wise, each at
    ``1 - 0.05 / k`` for ``k`` KPIs (Bonferroni), so that a faithful model has them all
    inside with 95% probability (the gate's).
    """
    sims = simulate_fitted(scenario, log, replications, seed)
    cals = {p: fitted.calendars[p].work_calendar(log.start) for p in scenario.pools}
    staff = {p: sum(pool.specialists.values()) for p, pool in scenario.pools.items()}
    after, horizon = window or (scenario.warmup_hours, scenario.horizon_hours)
    real_t = fitted.table if real_table is None else real_table
    real = stage_kpis(real_t, after, horizon, cals, staff)
    sim_tables = [stage_table(_as_log(log, ev)) for ev in sims]
    per_rep = pd.DataFrame([stage_kpis(t, after, horizon, cals, staff) for t in sim_tables])
    rows = []
    level = 1 - 0.05 / len(real) if family else 0.95
    for kpi, value in real.items():
        m, lo, hi = _interval(per_rep[kpi].to_numpy(dtype=float), level)
        rows.append({"kpi": kpi, "log": value, "simulated": m, "low": lo, "high": hi,
                     "inside": bool(lo <= value <= hi) if np.isfinite(lo) else False})
    kpis = pd.DataFrame(rows).set_index("kpi")
    weekday = log.start.weekday()
    seen = set(log.events["stage"].astype(str))  # compare only what the log can show
    mine = _arrived_in(log.events, after, horizon) if window else log.events
    dist = pd.DataFrame([log_distances(
        mine, (_arrived_in(ev, after, horizon) if window else ev).pipe(
            lambda e: e[e["stage"].astype(str).isin(seen)]), weekday) for ev in sims])
    distances = pd.DataFrame({"mean": dist.mean(), "sd": dist.std(ddof=1)})
    return Fidelity(kpis, distances, real_t, sim_tables)


def _as_log(log: Log, events: pd.DataFrame) -> Log:
    from sim.fit.mapping import SOSIM_MAP

    return Log("simulated", events, pd.DataFrame(index=pd.Index(
        sorted(events["case"].unique()), name="case")), log.start,
        float(events["time_h"].max()), SOSIM_MAP)
