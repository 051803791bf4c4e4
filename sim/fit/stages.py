"""The per-case stage table: when each case arrived, was ready, triaged, waited and reviewed.

One row per case, built from a :class:`~sim.fit.read.Log`:

- ``arrival_h``, ``records_h`` (records complete; the arrival when the log has no such stage),
- ``triage_start_h``, ``triage_end_h``, ``triage_resource`` (NaN when no triage),
- ``referral_start_h``, ``referral_end_h`` (a legacy referral cycle, when logged),
- ``match_h``: when the case was matched and authorised (assigned, else the referral's or the
  triage's end, else records, else arrival), ``assigned_delay_h`` (from the match to
  assigned, when logged),
- ``booked_h``, ``held_h``: an appointment booked and held; ``queue_h``: when the case joined
  the specialists' queue (the appointment held, else ``match_h``; NaN while still waiting),
- ``first_records_h``: the first batch of records, when a second request followed;
  ``abandoned_h``: when the patient gave up,
- ``review_start_h``, ``review_end_h``, ``review_resource``, ``reviews`` (review episodes:
  more than one means the case was re-routed), ``opinion_h``; ``screen_start_h``,
  ``screen_end_h``, ``screen_pool``: the episode of a re-routed case with the wrong
  specialists (the first of several, or the only one when the case was matched again after
  it and not yet reviewed: it then has no review, :func:`_reviews_and_screening`),
- ``pool``, ``specialty`` and the other attributes present,
- ``triage_start_estimated`` / ``review_start_estimated``: the log had no start event, so the
  start is taken as the later of when the case was ready and when the same resource last
  completed something (the convention of process-mining tools): a resource works one case at
  a time, so the true start is never earlier and the estimated work is an upper bound.

Example:
    >>> from sim.fit.read import read_log
    >>> table = stage_table(read_log("events.parquet"))
    >>> len(table), round(float((table.review_end_h - table.queue_h).mean()), 2)
    (470, 9.32)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.fit.read import Log


def _last(ev: pd.DataFrame, stage: str, life: str, col: str = "time_h") -> pd.Series:
    sel = ev[(ev["stage"] == stage) & (ev["lifecycle"] == life)]
    return sel.groupby("case", sort=False)[col].last()


def _previous_completion(ev: pd.DataFrame) -> pd.Series:
    """For each complete event (by row), when its resource last completed something before."""
    done = ev[(ev["lifecycle"] == "complete") & (ev["resource"] != "")
              & ev["stage"].isin(["triage", "review"])]
    done = done.sort_values(["resource", "time_h"], kind="stable")
    prev = done.groupby("resource", sort=False)["time_h"].shift(1)
    return pd.Series(prev.to_numpy(), index=done["row"].to_numpy())


def _stage(ev: pd.DataFrame, stage: str, ready: pd.Series, prev: pd.Series) -> pd.DataFrame:
    """Start, end, resource and whether the start was estimated, for ``stage``."""
    done = ev[(ev["stage"] == stage) & (ev["lifecycle"] == "complete")]
    last = done.groupby("case", sort=False).last()
    out = pd.DataFrame(index=ready.index)
    out["end"] = last["time_h"]
    out["resource"] = last["resource"]
    out["episodes"] = done.groupby("case", sort=False).size()
    starts = ev[(ev["stage"] == stage) & (ev["lifecycle"] == "start")]
    out["start"] = starts.groupby("case", sort=False)["time_h"].last()
    out["first_start"] = starts.groupby("case", sort=False)["time_h"].first()
    out["first_end"] = done.groupby("case", sort=False)["time_h"].first()
    out["first_resource"] = done.groupby("case", sort=False)["resource"].first()
    # A start after the last completion opens an episode still under way (e.g. the right
    # specialist's review after a misrouted screening): the case is in review, not done.
    open_now = (out["start"] > out["end"]).to_numpy()
    out.loc[open_now, ["end", "resource"]] = np.nan
    missing = out["start"].isna() & out["end"].notna()
    before = pd.Series(last["row"].map(prev).to_numpy(), index=last.index).reindex(out.index)
    estimate = np.fmax(ready.to_numpy(), before.to_numpy())  # NaN previous: the ready time
    estimate = np.fmin(estimate, out["end"].to_numpy())
    out["estimated"] = missing.to_numpy()
    out["estimate"] = estimate  # for every case, to check the heuristic where starts are known
    out.loc[missing, "start"] = estimate[missing.to_numpy()]
    out["episodes"] = out["episodes"].fillna(0).astype(int)
    return out


def pool_of(log: Log, resources: pd.Series) -> pd.Series:
    """The pool of each resource by the map's pattern or prefixes (NaN where it says none)."""
    m = log.map
    res = resources.fillna("").astype(str)
    if m.resource_pattern:
        found = res.str.extract(re.compile(m.resource_pattern))
        if "pool" in found:
            return found["pool"]
    pool = pd.Series(np.nan, index=res.index, dtype=object)
    for prefix, name in (m.pools.resource_prefix or {}).items():
        pool[res.str.startswith(prefix) & pool.isna()] = name
    return pool


def _pool_and_specialty(log: Log, table: pd.DataFrame) -> None:
    m = log.map
    res = table["review_resource"].fillna("")
    if m.resource_pattern:
        found = res.str.extract(re.compile(m.resource_pattern))
        for key in ("pool", "specialty", "subspecialty"):
            if key in found and key not in table:
                table[key] = found[key].replace("", np.nan)
        if "specialty" in found:  # the line of the specialist who did the (last) review
            sub = found["subspecialty"].fillna("") if "subspecialty" in found else ""
            table["resource_line"] = (found["specialty"] + np.where(sub != "", "/" + sub, "")
                                      ).where(found["specialty"].notna())
    if m.pools.resource_prefix and "pool" not in table:
        pool = pd.Series(np.nan, index=table.index, dtype=object)
        for prefix, name in m.pools.resource_prefix.items():
            pool[res.str.startswith(prefix) & pool.isna()] = name
        table["pool"] = pool
    if "pool" not in table:  # nothing names the pool: every reviewed case is one pool's
        table["pool"] = pd.Series(np.where(table["review_end_h"].notna(), "pool", None),
                                  index=table.index, dtype=object)


def _reviews_and_screening(log: Log, t: pd.DataFrame, rev: pd.DataFrame) -> None:
    """The review columns of ``t`` and the screening by the wrong specialists (in place).

    A case reviewed twice was screened by the wrong specialists first, then re-routed. A
    case whose last review episode began before its last match (re-routed after it, the
    second review not begun: waiting for the right queue or its appointment slot, or gone)
    was screened only: that episode is its screening, and it has no review yet.
    """
    screened = (rev["start"] < t["match_h"]).to_numpy() & rev["end"].notna().to_numpy()
    again = (rev["episodes"] >= 2).to_numpy() & ~screened
    for col, name in (("start", "review_start_h"), ("end", "review_end_h"),
                      ("resource", "review_resource")):
        t[name] = rev[col].mask(screened)
    t["review_start_estimated"] = rev["estimated"] & ~screened
    t["review_start_heuristic_h"] = rev["estimate"].mask(screened)
    t["reviews"] = rev["episodes"]
    t["screen_start_h"] = rev["first_start"].where(again, rev["start"].where(screened))
    t["screen_end_h"] = rev["first_end"].where(again, rev["end"].where(screened))
    t["screen_pool"] = pool_of(log, rev["first_resource"].where(
        again, rev["resource"].where(screened)))


def stage_table(log: Log) -> pd.DataFrame:
    """One row per case with every stage's times (see the module docstring)."""
    ev = log.events
    arrival = ev[ev["stage"] == "arrival"].groupby("case", sort=False)["time_h"].min()
    t = pd.DataFrame({"arrival_h": arrival})
    t.index.name = "case"
    records = _last(ev, "records_complete", "complete").reindex(t.index)
    # Without a records stage in the log, records are complete on arrival.
    t["records_h"] = records if records.notna().any() else t["arrival_h"]
    t["has_records_stage"] = records.notna()
    # the resource (paper or digital) from the completion, else from the start: a case whose
    # records are still awaited at the log's end says its kind too
    t["records_resource"] = _last(ev, "records_complete", "complete", "resource").reindex(
        t.index).fillna(_last(ev, "records_complete", "start", "resource").reindex(t.index))
    prev = _previous_completion(ev)
    tri = _stage(ev, "triage", t["records_h"], prev)
    t["triage_start_h"], t["triage_end_h"] = tri["start"], tri["end"]
    t["triage_resource"], t["triage_start_estimated"] = tri["resource"], tri["estimated"]
    t["triage_start_heuristic_h"] = tri["estimate"]
    t["referral_start_h"] = _last(ev, "referral", "start").reindex(t.index)
    t["referral_end_h"] = _last(ev, "referral", "complete").reindex(t.index)
    matched = t["referral_end_h"].fillna(t["triage_end_h"]).fillna(t["records_h"])
    matched[t["referral_start_h"].notna() & t["referral_end_h"].isna()] = np.nan
    assigned = _last(ev, "assigned", "complete").reindex(t.index)
    t["assigned_delay_h"] = (assigned - matched).clip(lower=0)
    if assigned.notna().any():  # the log records assignments: a case without one had no delay
        t.loc[assigned.isna() & matched.notna(), "assigned_delay_h"] = 0.0
    t["booked_h"] = _last(ev, "appointment_booked", "complete").reindex(t.index)
    t["held_h"] = _last(ev, "appointment_held", "complete").reindex(t.index)
    t["match_h"] = assigned.fillna(matched)
    t["queue_h"] = t["held_h"].fillna(t["match_h"])
    t.loc[t["booked_h"].notna() & t["held_h"].isna(), "queue_h"] = np.nan  # still waiting
    t["first_records_h"] = _last(ev, "records_again", "start").reindex(t.index)
    t["abandoned_h"] = ev[ev["stage"] == "abandoned"].groupby("case", sort=False)[
        "time_h"].min().reindex(t.index)
    rev = _stage(ev, "review", t["queue_h"], prev)
    _reviews_and_screening(log, t, rev)
    # reviewed without its appointment held (a re-routed case's later slot): queued when matched
    t["queue_h"] = t["queue_h"].where(t["review_end_h"].isna() | t["queue_h"].notna(),
                                      t["match_h"])
    opinion = _last(ev, "opinion", "complete").reindex(t.index)
    t["opinion_h"] = opinion.fillna(t["review_end_h"])
    for col in log.cases.columns:
        t[col] = log.cases[col].reindex(t.index)
    _pool_and_specialty(log, t)
    if "specialty" not in t:  # no specialty in the log: one line for every case
        t["specialty"] = "general"
    return t
