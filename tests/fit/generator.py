"""A small platform simulator that is not sosim, to test ``sosim fit`` on a foreign log.

It is a plain first-come-first-served recursion (no SimPy, no sosim engine): cases arrive by
thinning a weekday x hour-of-day rate, their records take a lognormal time, one of two
coordinators triages them (business hours), then the specialist pool of their specialty
reviews them: a hospital on business hours (with a holiday) for cardiology, a tele-consult
company open around the clock for dermatology. Each pool's specialists have their own ids.
The log it writes is what a case-management system exports: its own column and activity
names, timestamps with a UTC offset (America/Chicago), start and complete events for the
hospital's reviews, complete events only for triage and for the tele-consult reviews.

Example:
    >>> truth = Truth()
    >>> log = generate(truth, seed=1)        # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar

MAP_YAML = """\
columns: {case_id: case, activity: step, timestamp: time, lifecycle: transition,
          resource: who, specialty: specialty, channel: channel}
activities:
  arrival: "Request received"
  records_complete: "Records complete"
  triage: "Case triaged"
  review: "Specialist review"
  opinion: "Opinion sent"
pools:
  resource_prefix: {"H-": hospital, "X-": teleconsult}
  kinds: {hospital: in_house, teleconsult: outsourced}
time_zone: America/Chicago
"""


@dataclass(frozen=True)
class Truth:
    """What the generator is given (the fit should recover it)."""

    start: dt.date = dt.date(2026, 3, 2)  # a Monday
    days: int = 112
    cases_per_year: float = 6500.0
    weekday: tuple[float, ...] = (1.3, 1.2, 1.1, 1.0, 1.0, 0.25, 0.15)
    hour_of_day: tuple[float, ...] = (0.2,) * 7 + (0.8, 1.6, 2.0, 2.0, 1.8, 1.5, 1.8, 1.9,
                                                    1.7, 1.2, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3,
                                                    0.2)
    specialty: dict = field(default_factory=lambda: {"cardiology": 0.45, "dermatology": 0.55})
    channel: dict = field(default_factory=lambda: {"portal": 0.7, "phone": 0.3})
    records_mean_h: float = 10.0
    records_sd_h: float = 8.0
    coordinators: tuple[str, ...] = ("C-anna", "C-ben")
    triage_mean_h: float = 0.2  # exponential, working hours
    hospital: tuple[str, ...] = ("H-07", "H-12", "H-31")  # cardiology
    hospital_mean_h: float = 2.0  # gamma
    hospital_sd_h: float = 1.0
    holiday: dt.date = dt.date(2026, 4, 3)
    business_hours: tuple[tuple[float, float], ...] = ((8, 17),)  # e.g. ((8, 12), (13, 17))
    tele: tuple[str, ...] = ("X-lee", "X-ng")  # dermatology
    tele_mean_h: float = 0.75  # lognormal
    tele_sd_h: float = 0.4

    def business(self) -> WorkCalendar:
        return WorkCalendar.weekly(self.start, range(5), list(self.business_hours),
                                   [self.holiday])


def _arrivals(truth: Truth, rng: np.random.Generator) -> np.ndarray:
    wd = np.asarray(truth.weekday) / np.mean(truth.weekday)
    hod = np.asarray(truth.hour_of_day) / np.mean(truth.hour_of_day)
    base = truth.cases_per_year / 8760
    peak = base * wd.max() * hod.max()
    horizon = truth.days * 24.0
    t = np.cumsum(rng.exponential(1 / peak, int(peak * horizon * 1.3) + 100))
    t = t[t < horizon]
    day = (t // 24).astype(int)
    rate = base * wd[(truth.start.weekday() + day) % 7] * hod[(t % 24).astype(int)]
    return t[rng.random(len(t)) < rate / peak]


def _serve(ready: np.ndarray, effort: np.ndarray, servers: int,
           cal: WorkCalendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FCFS multi-server queue on a calendar: start, end and server of each case."""
    order = np.argsort(ready, kind="stable")
    free = np.zeros(servers)
    start, end = np.empty(len(ready)), np.empty(len(ready))
    who = np.empty(len(ready), dtype=int)
    for i in order:
        k = int(np.argmin(free))
        s = float(cal.next_open(max(ready[i], free[k])))
        start[i], end[i], who[i] = s, float(cal.add_working_hours(s, effort[i])), k
        free[k] = end[i]
    return start, end, who


def generate(truth: Truth, seed: int = 1) -> pd.DataFrame:
    """The event log, one row per event, in the generator's own vocabulary."""
    rng = np.random.default_rng(seed)
    arrival = _arrivals(truth, rng)
    n = len(arrival)
    sp = rng.choice(list(truth.specialty), n, p=list(truth.specialty.values()))
    ch = rng.choice(list(truth.channel), n, p=list(truth.channel.values()))
    s2 = np.log1p((truth.records_sd_h / truth.records_mean_h) ** 2)
    records = arrival + rng.lognormal(np.log(truth.records_mean_h) - s2 / 2, np.sqrt(s2), n)
    business = truth.business()
    t_start, t_end, t_who = _serve(records, rng.exponential(truth.triage_mean_h, n),
                                   len(truth.coordinators), business)
    rows = []
    shape = (truth.hospital_mean_h / truth.hospital_sd_h) ** 2
    s2 = np.log1p((truth.tele_sd_h / truth.tele_mean_h) ** 2)
    pools = {"cardiology": (truth.hospital, business,
                            rng.gamma(shape, truth.hospital_mean_h / shape, n), True),
             "dermatology": (truth.tele, WorkCalendar.always(),
                             rng.lognormal(np.log(truth.tele_mean_h) - s2 / 2, np.sqrt(s2), n),
                             False)}
    for specialty, (ids, cal, effort, with_start) in pools.items():
        idx = np.flatnonzero(sp == specialty)
        r_start, r_end, r_who = _serve(t_end[idx], effort[idx], len(ids), cal)
        for j, i in enumerate(idx):
            case, who = f"K{i:05d}", ids[r_who[j]]
            base = {"case": case, "specialty": specialty, "channel": ch[i]}
            rows += [
                {**base, "step": "Request received", "transition": "complete",
                 "t": arrival[i], "who": "portal"},
                {**base, "step": "Records complete", "transition": "complete",
                 "t": records[i], "who": ""},
                {**base, "step": "Case triaged", "transition": "complete", "t": t_end[i],
                 "who": truth.coordinators[t_who[i]]},
            ]
            if with_start:
                rows.append({**base, "step": "Specialist review", "transition": "start",
                             "t": r_start[j], "who": who})
            rows += [{**base, "step": "Specialist review", "transition": "complete",
                      "t": r_end[j], "who": who},
                     {**base, "step": "Opinion sent", "transition": "complete",
                      "t": r_end[j], "who": who}]
    df = pd.DataFrame(rows)
    horizon = truth.days * 24.0
    df = df[df["t"] < horizon].sort_values(["t", "case"], kind="stable")
    local = pd.Timestamp(truth.start) + pd.to_timedelta(df["t"], unit="h")
    aware = local.dt.tz_localize("America/Chicago", nonexistent="shift_forward",
                                 ambiguous=False)
    df["time"] = aware.map(lambda x: x.isoformat())
    return df.drop(columns="t").reset_index(drop=True)[
        ["case", "step", "transition", "time", "who", "specialty", "channel"]]
