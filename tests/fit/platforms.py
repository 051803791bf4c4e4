"""Two more platforms that are not sosim, with routing by case attribute and drop-out.

Plain numpy first-come-first-served recursions (no SimPy, no sosim engine), each writing
the log a case-management system would export, in its own vocabulary:

- :func:`channel_platform`: the **channel decides the pool**: every in-person case is
  reviewed by the hospital (business hours, start and complete events), every portal case
  by a remote reading service open around the clock (complete events only), whatever the
  queues. An AI service triages. Patients waiting for a specialist give up after an
  exponential patience (mean 4 days): ``Request withdrawn``.
- :func:`payer_platform`: the **payer decides the pool**: ``public`` cases stay in the
  university clinic (business hours), ``private`` ones go to a tele-opinion company (24x7).
  Two coordinators triage on business hours. Patients give up while waiting for their
  records (mean 12 days) and for a specialist (mean 5 days): ``Case closed - patient
  withdrew``.

A queue with drop-out is served in order of arrival at it; a patient whose turn would come
after their patience runs out leaves at that moment and takes no specialist's time, which
is exact for first-come-first-served with reneging. A patient gives up only while no
specialist has taken the case: once taken (also when it is taken outside office hours, to
be started when the office opens) they wait, as in sosim's engine.

Example:
    >>> df = channel_platform(seed=1, days=28)    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from tests.fit.generator import Truth, _arrivals

CHANNEL_MAP = """\
columns: {case_id: case_ref, activity: event, timestamp: at, lifecycle: phase,
          resource: by, specialty: service, channel: route_in, payer: insurer}
lifecycle_values: {start: begin, complete: end}
activities:
  arrival: "Request created"
  records_complete: "Records received"
  triage: "Matched"
  review: "Review"
  opinion: "Opinion sent"
  abandoned: "Request withdrawn"
pools:
  resource_prefix: {"HOSP-": hospital, "READ-": reading_service}
  kinds: {hospital: in_house, reading_service: outsourced}
time_zone: Europe/Berlin
"""

PAYER_MAP = """\
columns: {case_id: id, activity: what, timestamp: when, resource: who,
          specialty: area, payer: payer}
activities:
  arrival: "Case opened"
  records_complete: "Records complete"
  triage: "Case assigned"
  review: "Opinion written"
  abandoned: "Case closed - patient withdrew"
pools:
  resource_prefix: {"uni/": clinic, "tele/": teleopinion}
  kinds: {clinic: in_house, teleopinion: outsourced}
time_zone: UTC
"""

START = dt.date(2026, 2, 2)  # a Monday


def _business(start: dt.date) -> WorkCalendar:
    return WorkCalendar.weekly(start, range(5), [(8.0, 17.0)], [])


def serve_with_patience(ready: np.ndarray, effort: np.ndarray, patience: np.ndarray,
                        servers: int, cal: WorkCalendar
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """FCFS with reneging on a calendar: start, end, server (-1 if gone), time gone (NaN)."""
    n = len(ready)
    start, end, gone = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    who = np.full(n, -1)
    free = np.zeros(servers)
    for i in np.argsort(ready, kind="stable"):
        k = int(np.argmin(free))
        taken = max(ready[i], free[k])  # a specialist takes the case (maybe while closed)
        if taken > ready[i] + patience[i]:
            gone[i] = ready[i] + patience[i]
            continue
        s = float(cal.next_open(taken))
        start[i], end[i], who[i] = s, float(cal.add_working_hours(s, effort[i])), k
        free[k] = end[i]
    return start, end, who, gone


def _stamp(df: pd.DataFrame, start: dt.date, days: int, zone: str) -> pd.DataFrame:
    df = df[df["t"] < days * 24.0].sort_values(["t", "seq"], kind="stable")
    local = pd.Timestamp(start) + pd.to_timedelta(df["t"], unit="h")
    aware = local.dt.tz_localize(zone, nonexistent="shift_forward", ambiguous=False)
    return df.assign(t=aware.dt.strftime("%Y-%m-%dT%H:%M:%S%z")).reset_index(drop=True)


def _lognormal(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    s2 = np.log1p((sd / mean) ** 2)
    return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)


def channel_platform(seed: int = 1, days: int = 112, cases_per_year: float = 5000.0
                     ) -> pd.DataFrame:
    """The log of the channel-routed platform (see the module docstring)."""
    rng = np.random.default_rng(seed)
    arrival = _arrivals(Truth(start=START, days=days, cases_per_year=cases_per_year), rng)
    n = len(arrival)
    service = rng.choice(["oncology", "cardiology"], n, p=[0.55, 0.45])
    channel = rng.choice(["in_person", "portal"], n, p=[0.4, 0.6])
    insurer = rng.choice(["statutory", "private"], n, p=[0.8, 0.2])
    records = arrival + _lognormal(rng, 10.0, 8.0, n)
    matched = records + rng.uniform(5, 20, n) / 60
    patience = rng.exponential(96.0, n)
    pools = {"in_person": ("HOSP-", _business(START), {"oncology": 3, "cardiology": 2},
                           lambda k: rng.gamma(4.0, 0.5, k), True),
             "portal": ("READ-", WorkCalendar.always(), {"oncology": 2, "cardiology": 1},
                        lambda k: _lognormal(rng, 1.2, 0.6, k), False)}
    rows: list[dict] = []
    for ch, (prefix, cal, staff, effort, with_start) in pools.items():
        for line, servers in staff.items():
            idx = np.flatnonzero((channel == ch) & (service == line))
            s, e, who, gone = serve_with_patience(matched[idx], effort(len(idx)),
                                                  patience[idx], servers, cal)
            for j, i in enumerate(idx):
                base = {"case_ref": f"C-{i:05d}", "service": service[i], "route_in": ch,
                        "insurer": insurer[i]}
                ev = [("Request created", "end", arrival[i], "web"),
                      ("Records received", "end", records[i], "records"),
                      ("Matched", "end", matched[i], "match-ai")]
                if np.isnan(gone[j]):
                    res = f"{prefix}{line[:3]}{who[j] + 1}"
                    if with_start:
                        ev.append(("Review", "begin", s[j], res))
                    ev += [("Review", "end", e[j], res), ("Opinion sent", "end", e[j], res)]
                else:
                    ev.append(("Request withdrawn", "end", gone[j], "patient"))
                rows += [{**base, "event": a, "phase": p, "t": t, "by": r, "seq": k}
                         for k, (a, p, t, r) in enumerate(ev)]
    df = _stamp(pd.DataFrame(rows), START, days, "Europe/Berlin").rename(columns={"t": "at"})
    return df[["case_ref", "event", "phase", "at", "by", "service", "route_in", "insurer"]]


def payer_platform(seed: int = 1, days: int = 112, cases_per_year: float = 4500.0
                   ) -> pd.DataFrame:
    """The log of the payer-routed platform (see the module docstring)."""
    rng = np.random.default_rng(seed)
    arrival = _arrivals(Truth(start=START, days=days, cases_per_year=cases_per_year), rng)
    n = len(arrival)
    area = rng.choice(["orthopedics", "neurology"], n, p=[0.6, 0.4])
    payer = rng.choice(["public", "private"], n, p=[0.55, 0.45])
    business = _business(START)
    records = arrival + _lognormal(rng, 30.0, 30.0, n)
    records_patience = rng.exponential(288.0, n)
    lost_early = records - arrival > records_patience
    ok = np.flatnonzero(~lost_early)
    t_start = np.full(n, np.nan)
    t_end = np.full(n, np.nan)
    t_who = np.full(n, -1)
    s, e, who, _ = serve_with_patience(records[ok], rng.exponential(0.25, len(ok)),
                                       np.full(len(ok), np.inf), 2, business)
    t_start[ok], t_end[ok], t_who[ok] = s, e, who
    patience = rng.exponential(120.0, n)
    pools = {"public": ("uni/", business, {"orthopedics": 3, "neurology": 2},
                        lambda k: rng.gamma(3.0, 0.7, k)),
             "private": ("tele/", WorkCalendar.always(), {"orthopedics": 2, "neurology": 1},
                         lambda k: _lognormal(rng, 1.5, 0.7, k))}
    rows: list[dict] = []
    review = {}
    for py, (prefix, cal, staff, effort) in pools.items():
        for line, servers in staff.items():
            idx = np.flatnonzero((payer == py) & (area == line) & ~lost_early)
            rs, re_, rw, gone = serve_with_patience(t_end[idx], effort(len(idx)),
                                                    patience[idx], servers, cal)
            for j, i in enumerate(idx):
                review[i] = (rs[j], re_[j], f"{prefix}{line}/{rw[j] + 1}", gone[j])
    for i in range(n):
        ev = [("Case opened", arrival[i], "intake")]
        if lost_early[i]:
            ev.append(("Case closed - patient withdrew", arrival[i] + records_patience[i],
                       "patient"))
        else:
            ev += [("Records complete", records[i], "records"),
                   ("Case assigned", t_end[i], f"coordinator {t_who[i] + 1}")]
            _, end, res, gone = review[i]
            ev.append(("Opinion written", end, res) if np.isnan(gone)
                      else ("Case closed - patient withdrew", gone, "patient"))
        rows += [{"id": f"{i}", "what": a, "t": t, "who": r, "area": area[i],
                  "payer": payer[i], "seq": k} for k, (a, t, r) in enumerate(ev)]
    df = _stamp(pd.DataFrame(rows), START, days, "UTC").rename(columns={"t": "when"})
    return df[["id", "what", "when", "who", "area", "payer"]]
