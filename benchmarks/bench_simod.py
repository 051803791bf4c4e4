"""sosim fit against Simod on the same event logs, judged by the reference distances.

Simod (Chapela-Campa, López-Pintado, Dumas et al.; ``pip install simod``) discovers a
business process simulation model (BPMN + Prosimos parameters) from an event log; it is
the best-known open tool for what ``sosim fit`` does. It pins pandas < 3 and Java, so it
lives in its own environment and is never a dependency of sosim::

    python3.11 -m venv /work/venvs/simod && /work/venvs/simod/bin/pip install simod
    python3.11 -m venv /work/venvs/ldm && /work/venvs/ldm/bin/pip install log-distance-measures
    python benchmarks/bench_simod.py --out benchmarks/simod_results

For each log (three generators that are not sosim, ``tests/fit/``):

- ``channel``: routing by channel (in person -> hospital, portal -> remote readers), drop-out;
- ``payer``: routing by payer, drop-out while waiting for records and for a specialist;
- ``hours``: a business-hours hospital with a holiday and a 24x7 tele-consult company
  (``tests/fit/generator.py``).

the log is cut in time: both tools fit the first 70% of its span; each fitted model is
simulated over the whole span and its cases arriving in the last 30% are compared with the
log's (as Simod's own evaluation does). sosim: ``sim.fit`` on the first part, then its
fidelity run. Simod: ``simod --one-shot`` on the first part as activity instances
(``case_id, activity, start_time, end_time, resource``), then Prosimos simulates the
discovered model from the log's start. The five distances of Chapela-Campa et al. (2023)
are computed by the reference package ``log-distance-measures`` in its own environment,
on activity instances of the held-out cases of both sides. The table goes to
``<out>/table.md`` (and docs/calibration.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SIMOD = Path("/work/venvs/simod/bin")
LDM = Path("/work/venvs/ldm/bin/python")
HOLDOUT = 0.3
MEASURES = ("cycle_time_emd_h", "absolute_event_emd_h", "circadian_event_emd_h",
            "case_arrival_emd_h", "n_gram_distance")

LOGS = {
    "channel": "attribute routing (channel) and drop-out",
    "payer": "attribute routing (payer) and drop-out while waiting for records",
    "hours": "business-hours in-house pool with a holiday, 24x7 outsourced pool",
}


def _log(name: str, days: int):  # noqa: ANN202
    """The log (events on sosim's clock) of generator ``name``."""
    sys.path.insert(0, str(ROOT))
    from sim.fit.mapping import load_map
    from sim.fit.read import log_from_frame
    from tests.fit.generator import MAP_YAML, Truth, generate
    from tests.fit.platforms import CHANNEL_MAP, PAYER_MAP, channel_platform, payer_platform

    df, text = {"channel": (lambda: channel_platform(seed=4, days=days), CHANNEL_MAP),
                "payer": (lambda: payer_platform(seed=4, days=days), PAYER_MAP),
                "hours": (lambda: generate(Truth(days=days), seed=4), MAP_YAML)}[name]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "map.yaml").write_text(text)
        return log_from_frame(df(), load_map(Path(tmp) / "map.yaml"), file=f"{name}.csv")


def instances(ev: pd.DataFrame, start, resources: bool = True) -> pd.DataFrame:  # noqa: ANN001
    """Activity instances with timestamps (Simod's and the reference package's format)."""
    from sim.fit.distances import activity_instances

    inst = activity_instances(ev)
    if resources:
        res = ev[ev["lifecycle"] == "complete"].groupby(["case", "stage"])["resource"].last()
        inst["resource"] = [res.get((c, s), "") or "system"
                            for c, s in zip(inst["case"], inst["stage"], strict=True)]
    t0 = pd.Timestamp(start, tz="UTC")
    inst["start_time"] = t0 + pd.to_timedelta(inst["start_h"], unit="h")
    inst["end_time"] = t0 + pd.to_timedelta(inst["end_h"], unit="h")
    return _journey_order(inst.rename(columns={"case": "case_id", "stage": "activity"}))


def _journey_order(inst: pd.DataFrame) -> pd.DataFrame:
    """Rows by case and journey order: the reference package's stable sort by start and end
    then reads ties (an opinion sent as its review completes) in journey order."""
    from sim.fit.mapping import STAGE_ORDER

    rank = inst["activity"].map({a: k for k, a in enumerate(STAGE_ORDER)}).fillna(99)
    return inst.assign(_rank=rank.to_numpy()).sort_values(
        ["case_id", "_rank", "start_h"], kind="stable").drop(columns="_rank")


def _held_out(inst: pd.DataFrame, split_h: float) -> pd.DataFrame:
    first = inst.groupby("case_id")["start_h"].min()
    keep = first[first >= split_h].index
    return inst[inst["case_id"].isin(keep)]


def sosim_side(log, split_h: float, seed: int) -> pd.DataFrame:  # noqa: ANN001
    """sosim fitted on the first part, simulated over the whole span (one replication)."""
    import math

    from sim.fit.api import _fit_text
    from sim.fit.gate import truncate
    from sim.fit.read import log_from_frame
    from sim.outputs.runner import run

    _, _, scenario = _fit_text(truncate(log, split_h), "bench", 1, seed, log.file, "first")
    days = max(1, math.ceil(log.end_h / 24))
    scenario = scenario.model_copy(update={"simulation": scenario.simulation.model_copy(
        update={"horizon_days": days, "warmup_days": 0})})
    ev = run(scenario, seed=seed, replications=1).events
    sim_log = log_from_frame(ev.reset_index(drop=True), start=log.start)
    seen = set(log.events["stage"].astype(str))
    return sim_log.events[sim_log.events["stage"].astype(str).isin(seen)]


def simod_side(log, split_h: float, work: Path,  # noqa: ANN001
               reuse: bool = False) -> tuple[pd.DataFrame | None, str]:
    """Simod fitted on the first part, simulated by Prosimos from the log's start."""
    from sim.fit.gate import truncate

    first = truncate(log, split_h)
    inst = instances(first.events, log.start)
    train = work / "train.csv"
    fmt = "%Y-%m-%dT%H:%M:%S.%f%z"
    inst.assign(start_time=inst["start_time"].dt.strftime(fmt),
                end_time=inst["end_time"].dt.strftime(fmt))[
        ["case_id", "activity", "start_time", "end_time", "resource"]].to_csv(train, index=False)
    out = work / "simod"
    if reuse and (work / "simod_log.csv").is_file():
        return pd.read_csv(work / "simod_log.csv"), "ok (reused)"
    done = subprocess.run([str(SIMOD / "simod"), "--one-shot", "--event-log", str(train),
                           "--output", str(out)], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        return None, "simod failed: " + (done.stderr or done.stdout)[-800:]
    bpmn = next(out.glob("best_result/*.bpmn"), None)
    params = None if bpmn is None else bpmn.with_suffix(".json")  # not canonical_model.json
    if bpmn is None or not params.is_file():
        return None, f"simod wrote no model under {out}/best_result"
    n_cases = int(log.events.loc[log.events["stage"] == "arrival", "case"].nunique())
    start = (pd.Timestamp(log.start, tz="UTC")).isoformat()
    script = (
        "import sys\nfrom prosimos.simulation_engine import run_simulation\n"
        f"run_simulation({str(bpmn)!r}, {str(params)!r}, {n_cases}, "
        f"stat_out_path=None, log_out_path={str(work / 'simod_log.csv')!r}, "
        f"starting_at={start!r})\n")
    done = subprocess.run([str(SIMOD / "python"), "-c", script], capture_output=True,
                          text=True, timeout=3600)
    if done.returncode != 0:
        return None, "prosimos failed: " + (done.stderr or done.stdout)[-800:]
    sim = pd.read_csv(work / "simod_log.csv")
    return sim, "ok"


def _simod_instances(sim: pd.DataFrame, start, end_h: float) -> pd.DataFrame:  # noqa: ANN001
    t0 = pd.Timestamp(start, tz="UTC")
    out = pd.DataFrame({
        "case_id": sim["case_id"].astype(str),
        "activity": sim["activity"].astype(str),
        "start_h": (pd.to_datetime(sim["start_time"], utc=True, format="ISO8601") - t0)
        / pd.Timedelta(hours=1),
        "end_h": (pd.to_datetime(sim["end_time"], utc=True, format="ISO8601") - t0)
        / pd.Timedelta(hours=1)})
    out = out[out["end_h"] < end_h]
    out["start_time"] = t0 + pd.to_timedelta(out["start_h"], unit="h")
    out["end_time"] = t0 + pd.to_timedelta(out["end_h"], unit="h")
    return _journey_order(out)


def reference_distances(pairs: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
                        work: Path) -> dict[str, dict[str, float]]:
    """The five distances of each (log, simulation) pair, by the reference package."""
    for key, (a, b) in pairs.items():
        for side, df in (("real", a), ("sim", b)):
            df[["case_id", "activity", "start_time", "end_time"]].to_csv(
                work / f"{key}.{side}.csv", index=False)
    script = f"""
import datetime as dt, json, pandas as pd
from log_distance_measures.config import EventLogIDs
from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
from log_distance_measures.absolute_event_distribution import absolute_event_distribution_distance
from log_distance_measures.circadian_event_distribution import circadian_event_distribution_distance
from log_distance_measures.case_arrival_distribution import case_arrival_distribution_distance
from log_distance_measures.n_gram_distribution import n_gram_distribution_distance
ids = EventLogIDs(case="case_id", activity="activity", start_time="start_time", end_time="end_time")
out = {{}}
for key in {list(pairs)!r}:
    a, b = (pd.read_csv(f"{work}/{{key}}.{{s}}.csv", parse_dates=["start_time", "end_time"])
            for s in ("real", "sim"))
    out[key] = {{
        "cycle_time_emd_h": cycle_time_distribution_distance(a, ids, b, ids, dt.timedelta(hours=1)),
        "absolute_event_emd_h": absolute_event_distribution_distance(a, ids, b, ids),
        "circadian_event_emd_h": circadian_event_distribution_distance(a, ids, b, ids),
        "case_arrival_emd_h": case_arrival_distribution_distance(a, ids, b, ids),
        "n_gram_distance": n_gram_distribution_distance(a, ids, b, ids, n=3)}}
print(json.dumps(out))
"""
    done = subprocess.run([str(LDM), "-c", script], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "simod_results")
    p.add_argument("--days", type=int, default=84)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--logs", nargs="*", default=list(LOGS))
    p.add_argument("--reuse", action="store_true",
                   help="reuse Simod's simulated logs already in --out (skip Simod)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pairs, notes, timings = {}, {}, {}
    for name in args.logs:
        log = _log(name, args.days)
        split = float(np.floor(log.end_h * (1 - HOLDOUT)))
        real = _held_out(instances(log.events, log.start, resources=False), split)
        t0 = time.time()
        ours = _held_out(instances(sosim_side(log, split, args.seed), log.start, False), split)
        timings[(name, "sosim")] = time.time() - t0
        pairs[f"{name}.sosim"] = (real, ours)
        work = args.out / name
        work.mkdir(exist_ok=True)
        t0 = time.time()
        sim, status = simod_side(log, split, work, args.reuse)
        timings[(name, "simod")] = time.time() - t0
        notes[name] = status
        if sim is not None:
            pairs[f"{name}.simod"] = (real, _held_out(_simod_instances(sim, log.start, log.end_h),
                                                      split))
        print(f"{name}: sosim {timings[(name, 'sosim')]:.0f} s, simod "
              f"{timings[(name, 'simod')]:.0f} s ({status[:200]})", flush=True)
    dist = reference_distances(pairs, args.out)
    rows = ["| log | tool | " + " | ".join(MEASURES) + " | fit time (s) |",
            "|---|---|" + "---|" * len(MEASURES) + "---|"]
    for name in args.logs:
        for tool in ("sosim", "simod"):
            d = dist.get(f"{name}.{tool}")
            cells = [f"{d[m]:.3f}" for m in MEASURES] if d else ["n/a"] * len(MEASURES)
            rows.append(f"| {name} | {tool} | " + " | ".join(cells)
                        + f" | {timings[(name, tool)]:.0f} |")
    table = "\n".join(rows)
    (args.out / "table.md").write_text(table + "\n\n" + json.dumps(notes, indent=1) + "\n")
    (args.out / "distances.json").write_text(json.dumps(dist, indent=1) + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
