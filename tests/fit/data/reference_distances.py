"""Compute the reference distances of the stored log pairs with ``log-distance-measures``.

The reference implementation of Chapela-Campa et al. (2023) pins pandas < 3, so it runs in
its own environment and is never a dependency of sosim::

    python3.11 -m venv /work/venvs/ldm && /work/venvs/ldm/bin/pip install log-distance-measures
    /work/venvs/ldm/bin/python tests/fit/data/reference_distances.py

This script imports nothing from sosim. It turns each stored event log (``case``,
``stage``, ``lifecycle``, ``time_s``) into activity instances the way the package reads a
log (a complete closes the latest start of its case and stage; a complete without a start
starts when it ends; unfinished starts are dropped), lists each case's instances in
journey order (so that the package's stable sort by start and end reads ties in that
order), and writes the package's five distances with its default settings (Wasserstein,
hourly bins, cycle times in 1-hour bins, n = 3) to ``reference_distances.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from log_distance_measures.absolute_event_distribution import (
    absolute_event_distribution_distance,
)
from log_distance_measures.case_arrival_distribution import case_arrival_distribution_distance
from log_distance_measures.circadian_event_distribution import (
    circadian_event_distribution_distance,
)
from log_distance_measures.config import EventLogIDs
from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
from log_distance_measures.n_gram_distribution import n_gram_distribution_distance

HERE = Path(__file__).parent
JOURNEY = ["arrival", "records_complete", "triage", "assigned", "review", "opinion"]
IDS = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")


def instances(ev: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    rows = []
    ev = ev.assign(done=ev["lifecycle"] == "complete")
    for (case, stage), g in ev.groupby(["case", "stage"], sort=False):
        g = g.sort_values(["time_s", "done"], kind="stable")
        opened = None
        for t, done in zip(g["time_s"], g["done"], strict=True):
            if not done:
                opened = t
                continue
            rows.append((case, stage, t if opened is None else opened, t))
            opened = None
    out = pd.DataFrame(rows, columns=["case", "activity", "start_s", "end_s"])
    rank = {s: k for k, s in enumerate(JOURNEY)}
    out["rank"] = out["activity"].map(rank).fillna(len(JOURNEY))
    out = out.sort_values(["case", "rank", "start_s"], kind="stable").reset_index(drop=True)
    out["start"] = start + pd.to_timedelta(out["start_s"], unit="s")
    out["end"] = start + pd.to_timedelta(out["end_s"], unit="s")
    return out[["case", "activity", "start", "end"]]


def main() -> None:
    starts = json.loads((HERE / "distance_logs.json").read_text())
    out = {}
    for name, start in starts.items():
        df = pd.read_csv(HERE / f"distance_logs_{name}.csv.gz", dtype={"case": str})
        t0 = pd.Timestamp(start)
        real = instances(df[df["pair"] == "real"], t0)
        sim = instances(df[df["pair"] == "sim"], t0)
        out[name] = {
            "cycle_time_emd_h": cycle_time_distribution_distance(
                real, IDS, sim, IDS, bin_size=dt.timedelta(hours=1)),
            "absolute_event_emd_h": absolute_event_distribution_distance(real, IDS, sim, IDS),
            "circadian_event_emd_h": circadian_event_distribution_distance(real, IDS, sim, IDS),
            "case_arrival_emd_h": case_arrival_distribution_distance(real, IDS, sim, IDS),
            "n_gram_distance": n_gram_distribution_distance(real, IDS, sim, IDS, n=3),
            "instances": [len(real), len(sim)],
        }
        print(name, out[name])
    (HERE / "reference_distances.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
