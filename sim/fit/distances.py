"""Distances between a real and a simulated event log (Chapela-Campa et al., 2023).

"Can I trust my simulation model? Measuring the quality of business process simulation
models" (BPM 2023) proposes measures that compare two logs of the same process; sosim
computes them with :func:`scipy.stats.wasserstein_distance` (the earth mover's distance,
EMD, in one dimension) on the stage-level logs (``case``, ``stage``, ``time_h``) that
:mod:`sim.fit.read` produces from both sides, so that names never differ:

- **cycle time distribution** (CTD): EMD between the cases' cycle times (arrival to their
  last event), in hours, over cases that completed;
- **absolute event distribution** (AED): EMD between the timestamps of all complete events,
  binned by the hour, in hours;
- **circadian event distribution** (CED): per weekday, EMD between the hour-of-day
  histograms of events, averaged over the weekdays present in both logs, in hours of the day;
- **case arrival distribution** (CAD): EMD between arrival times binned by the hour, in hours;
- **n-gram distance** (NGD, control flow): the total variation between the relative
  frequencies of the n-grams (n = 3) of the cases' activity sequences, padded with start and
  end markers: 0 for the same control flow, 1 for disjoint ones.

Each EMD is also given relative to a scale of the real log (the mean cycle time; the log's
span for AED and CAD; 24 h for CED), so that 0.05 reads as "5% of the scale".

Example:
    >>> from sim.fit.read import read_log
    >>> ev = results.events                           # replication 1 of the same run
    >>> ev[ev["case_id"].astype(str).str.startswith("r1-").to_numpy()].to_parquet("r1.parquet")
    >>> other = read_log("r1.parquet")
    >>> d = log_distances(log.events, other.events, start_weekday=0)
    >>> d.loc[["cycle_time_emd_rel", "n_gram_distance"]].round(3).to_dict()
    {'cycle_time_emd_rel': 0.068, 'n_gram_distance': 0.023}
    >>> float(log_distances(log.events, log.events, start_weekday=0).abs().max())  # itself
    0.0
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

N_GRAM = 3


def _hourly(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bins, counts = np.unique(np.floor(t), return_counts=True)
    return bins, counts.astype(float)


def _emd_hourly(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    ua, wa = _hourly(a)
    ub, wb = _hourly(b)
    return float(wasserstein_distance(ua, ub, wa, wb))


def cycle_times(ev: pd.DataFrame) -> np.ndarray:
    """Arrival to last complete event, per case that has an opinion or review end."""
    done = ev[ev["lifecycle"] == "complete"]
    g = done.groupby("case")["time_h"]
    finished = done.loc[done["stage"].isin(["opinion", "review"]), "case"].unique()
    span = (g.max() - g.min()).reindex(finished)
    return span.dropna().to_numpy()


def circadian(a: pd.DataFrame, b: pd.DataFrame, start_weekday: int) -> float:
    """Mean over weekdays of the EMD between hour-of-day histograms (hours of the day)."""
    out = []
    for d in range(7):
        xs = []
        for ev in (a, b):
            t = ev["time_h"].to_numpy()
            wd = (start_weekday + np.floor(t / 24).astype(int)) % 7
            xs.append(np.floor(t[wd == d] % 24))
        if len(xs[0]) and len(xs[1]):
            out.append(wasserstein_distance(*xs))
    return float(np.mean(out)) if out else float("nan")


def n_grams(ev: pd.DataFrame, n: int = N_GRAM) -> Counter:
    """Counts of the n-grams of every case's sequence of complete events."""
    done = ev[ev["lifecycle"] == "complete"].sort_values(["case", "time_h"], kind="stable")
    stage = done["stage"].astype(str).to_numpy()
    case = done["case"].to_numpy()
    cuts = np.flatnonzero(case[1:] != case[:-1]) + 1
    counts: Counter = Counter()
    for seq in np.split(stage, cuts):
        padded = ["^"] * (n - 1) + seq.tolist() + ["$"]
        counts.update(zip(*(padded[i:] for i in range(n)), strict=False))
    return counts


def n_gram_distance(a: pd.DataFrame, b: pd.DataFrame, n: int = N_GRAM) -> float:
    """Total variation between the two logs' n-gram frequency distributions (0 to 1)."""
    ca, cb = n_grams(a, n), n_grams(b, n)
    ta, tb = sum(ca.values()), sum(cb.values())
    if not ta or not tb:
        return float("nan")
    keys = set(ca) | set(cb)
    return 0.5 * sum(abs(ca[k] / ta - cb[k] / tb) for k in keys)


def log_distances(real: pd.DataFrame, sim: pd.DataFrame, start_weekday: int) -> pd.Series:
    """Every distance of the module docstring, raw and relative to the real log's scale."""
    ct_real, ct_sim = cycle_times(real), cycle_times(sim)
    done_r = real[real["lifecycle"] == "complete"]
    done_s = sim[sim["lifecycle"] == "complete"]
    arr_r = real.loc[real["stage"] == "arrival", "time_h"].to_numpy()
    arr_s = sim.loc[sim["stage"] == "arrival", "time_h"].to_numpy()
    span = float(real["time_h"].max() - real["time_h"].min()) or 1.0
    ctd = float(wasserstein_distance(ct_real, ct_sim)) if len(ct_real) and len(ct_sim) else \
        float("nan")
    out = {
        "cycle_time_emd_h": ctd,
        "cycle_time_emd_rel": ctd / ct_real.mean() if len(ct_real) else float("nan"),
        "absolute_event_emd_h": (aed := _emd_hourly(done_r["time_h"].to_numpy(),
                                                    done_s["time_h"].to_numpy())),
        "absolute_event_emd_rel": aed / span,
        "circadian_event_emd_h": (ced := circadian(done_r, done_s, start_weekday)),
        "circadian_event_emd_rel": ced / 24,
        "case_arrival_emd_h": (cad := _emd_hourly(arr_r, arr_s)),
        "case_arrival_emd_rel": cad / span,
        "n_gram_distance": n_gram_distance(real, sim),
    }
    return pd.Series(out, name="distance")
