"""Distances between a real and a simulated event log (Chapela-Campa et al., 2023).

"Can I trust my simulation model? Measuring the quality of business process simulation
models" (BPM 2023) proposes measures that compare two logs of the same process; their
reference implementation is the ``log-distance-measures`` package. sosim computes the same
five with :func:`scipy.stats.wasserstein_distance` (the earth mover's distance, EMD, in one
dimension), with the package's default settings, so that its values agree with the
package's (tests/fit/test_distances_reference.py checks them against stored reference
values on logs with ties and shuffled rows; the package itself pins pandas < 3 and is not a
dependency).

Both logs are first turned into **activity instances** (:func:`activity_instances`), as
the package reads them: one row per stage a case went through, with its start and end
(hours since the log's hour 0); a stage with a complete event only starts when it ends;
an instance still open at the end of the log is left out. Then:

- **cycle time distribution** (CTD): per case, last end minus first start, in 1-hour bins
  counted from the shortest cycle of both logs; EMD in hours;
- **absolute event distribution** (AED): every start and end, in hourly bins; EMD in hours;
- **circadian event distribution** (CED): the hour of the day (0-23) of every start and end,
  per weekday; EMD per weekday (0 if neither log has events that day, 23 if only one
  has), averaged over the seven weekdays; in hours of the day;
- **case arrival distribution** (CAD): each case's first start, in hourly bins; EMD in hours;
- **n-gram distance** (NGD, control flow): each case's activities ordered by start, then end,
  then **the stage order** (so ties are read in journey order, whatever the rows' order),
  padded with ``n - 1`` markers at both ends; the sum of the absolute differences of the
  two logs' n-gram counts (n = 3) over the sum of both logs' counts: 0 for the same control
  flow, 1 for disjoint ones.

Each EMD is also given relative to a scale of the real log (``_rel``: the mean cycle time;
the log's span for AED and CAD; 23 h for CED, the package's normalisation), so that 0.05
reads as "5% of the scale".

Example:
    >>> from sim.fit.read import read_log
    >>> ev = results.events                           # replication 1 of the same run
    >>> ev[ev["case_id"].astype(str).str.startswith("r1-").to_numpy()].to_parquet("r1.parquet")
    >>> other = read_log("r1.parquet")
    >>> d = log_distances(log.events, other.events, start_weekday=0)
    >>> d.loc[["cycle_time_emd_rel", "n_gram_distance"]].round(3).to_dict()
    {'cycle_time_emd_rel': 0.114, 'n_gram_distance': 0.066}
    >>> float(log_distances(log.events, log.events, start_weekday=0).abs().max())  # itself
    0.0
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

from sim.fit.mapping import STAGE_ORDER

N_GRAM = 3
CIRCADIAN_MAX_H = 23.0
"""The circadian EMD of a weekday that only one log has events on (the package's)."""


def activity_instances(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per completed stage of a case: ``case``, ``stage``, ``start_h``, ``end_h``.

    Each complete event closes the latest start of the same case and stage before it (a
    restart replaces an earlier unfinished start); without one, the instance starts when it
    ends. Starts that nothing completes (work under way at the log's end) are left out.

    Example:
        >>> ev = pd.DataFrame({"case": ["a"] * 3, "stage": ["arrival", "review", "review"],
        ...                    "lifecycle": ["complete", "start", "complete"],
        ...                    "time_h": [1.0, 2.0, 3.5]})
        >>> activity_instances(ev).to_dict("records")
        [{'case': 'a', 'stage': 'arrival', 'start_h': 1.0, 'end_h': 1.0}, \
{'case': 'a', 'stage': 'review', 'start_h': 2.0, 'end_h': 3.5}]
    """
    e = ev[["case", "stage", "lifecycle", "time_h"]].copy()
    e["stage"] = e["stage"].astype(str)
    e["done"] = (e["lifecycle"].astype(str) == "complete").to_numpy()
    # at equal times a start opens before a complete closes
    e = e.sort_values(["case", "stage", "time_h", "done"], kind="stable")
    key = [e["case"].to_numpy(), e["stage"].to_numpy()]
    # the instance an event belongs to: completes seen before it in its (case, stage)
    e["k"] = e.groupby(key, sort=False)["done"].cumsum() - e["done"]
    starts = e[~e["done"]].groupby(["case", "stage", "k"], sort=False)["time_h"].last()
    ends = e[e["done"]].set_index(["case", "stage", "k"])["time_h"]
    start = starts.reindex(ends.index).to_numpy()
    out = pd.DataFrame({"case": ends.index.get_level_values(0),
                        "stage": ends.index.get_level_values(1),
                        "start_h": np.where(np.isnan(start), ends.to_numpy(), start),
                        "end_h": ends.to_numpy()})
    return out.reset_index(drop=True)


def _ordered(inst: pd.DataFrame) -> pd.DataFrame:
    rank = inst["stage"].map({s: k for k, s in enumerate(STAGE_ORDER)}).fillna(len(STAGE_ORDER))
    return inst.assign(rank=rank.to_numpy()).sort_values(
        ["case", "start_h", "end_h", "rank"], kind="stable")


def _bins_h(t: np.ndarray, origin: float) -> np.ndarray:
    return np.floor(t - origin + 1e-9)


def cycle_times(inst: pd.DataFrame) -> np.ndarray:
    """Per case, its last end minus its first start (hours)."""
    g = inst.groupby("case", sort=False)
    return (g["end_h"].max() - g["start_h"].min()).to_numpy()


def _times(inst: pd.DataFrame) -> np.ndarray:
    return np.concatenate([inst["start_h"].to_numpy(), inst["end_h"].to_numpy()])


def circadian(a: pd.DataFrame, b: pd.DataFrame, start_weekday: int) -> float:
    """Mean over the 7 weekdays of the EMD between hour-of-day samples of starts and ends."""
    out = []
    for d in range(7):
        xs = []
        for inst in (a, b):
            t = _times(inst)
            wd = (start_weekday + np.floor(t / 24 + 1e-12).astype(int)) % 7
            xs.append(np.floor(t[wd == d] % 24 + 1e-9) % 24)
        if len(xs[0]) and len(xs[1]):
            out.append(wasserstein_distance(*xs))
        else:
            out.append(0.0 if not len(xs[0]) and not len(xs[1]) else CIRCADIAN_MAX_H)
    return float(np.mean(out))


def n_grams(inst: pd.DataFrame, n: int = N_GRAM) -> Counter:
    """Counts of the n-grams of every case's activity sequence, padded at both ends."""
    done = _ordered(inst)
    stage = done["stage"].astype(str).to_numpy()
    case = done["case"].to_numpy()
    cuts = np.flatnonzero(case[1:] != case[:-1]) + 1
    counts: Counter = Counter()
    pad = [None] * (n - 1)
    for seq in np.split(stage, cuts) if len(stage) else []:
        padded = pad + seq.tolist() + pad
        counts.update(zip(*(padded[i:] for i in range(n)), strict=False))
    return counts


def n_gram_distance(a: pd.DataFrame, b: pd.DataFrame, n: int = N_GRAM) -> float:
    """Sum of absolute n-gram count differences over both logs' total (0 to 1).

    ``a`` and ``b`` are event logs (``case``, ``stage``, ``lifecycle``, ``time_h``).
    """
    ca, cb = n_grams(activity_instances(a), n), n_grams(activity_instances(b), n)
    total = sum(ca.values()) + sum(cb.values())
    if not total:
        return float("nan")
    return sum(abs(ca[k] - cb[k]) for k in set(ca) | set(cb)) / total


def _emd(x: np.ndarray, y: np.ndarray) -> float:
    return float(wasserstein_distance(x, y)) if len(x) and len(y) else float("nan")


def log_distances(real: pd.DataFrame, sim: pd.DataFrame, start_weekday: int) -> pd.Series:
    """Every distance of the module docstring, raw and relative to the real log's scale.

    ``real`` and ``sim`` are event logs on one clock (``case``, ``stage``, ``lifecycle``,
    ``time_h``); ``start_weekday`` is the weekday of hour 0 (Monday 0).
    """
    ir, is_ = activity_instances(real), activity_instances(sim)
    ct_r, ct_s = cycle_times(ir), cycle_times(is_)
    low = min(ct_r.min(initial=np.inf), ct_s.min(initial=np.inf))
    ctd = _emd(_bins_h(ct_r, low), _bins_h(ct_s, low))
    t_r, t_s = _times(ir), _times(is_)
    origin = np.floor(min(t_r.min(initial=np.inf), t_s.min(initial=np.inf)))
    aed = _emd(_bins_h(t_r, origin), _bins_h(t_s, origin))
    first_r = ir.groupby("case", sort=False)["start_h"].min().to_numpy()
    first_s = is_.groupby("case", sort=False)["start_h"].min().to_numpy()
    origin = np.floor(min(first_r.min(initial=np.inf), first_s.min(initial=np.inf)))
    cad = _emd(_bins_h(first_r, origin), _bins_h(first_s, origin))
    ced = circadian(ir, is_, start_weekday)
    span = float(t_r.max() - t_r.min()) if len(t_r) else 1.0
    ca, cb = n_grams(ir), n_grams(is_)
    total = sum(ca.values()) + sum(cb.values())
    out = {
        "cycle_time_emd_h": ctd,
        "cycle_time_emd_rel": ctd / ct_r.mean() if len(ct_r) and ct_r.mean() else float("nan"),
        "absolute_event_emd_h": aed,
        "absolute_event_emd_rel": aed / (span or 1.0),
        "circadian_event_emd_h": ced,
        "circadian_event_emd_rel": ced / CIRCADIAN_MAX_H,
        "case_arrival_emd_h": cad,
        "case_arrival_emd_rel": cad / (span or 1.0),
        "n_gram_distance": (sum(abs(ca[k] - cb[k]) for k in set(ca) | set(cb)) / total
                            if total else float("nan")),
    }
    return pd.Series(out, name="distance")
