"""Fitting a whole scenario from a stage table: calendars first, then work, demand, staffing.

Order matters: a review's work is the *working* time between its start and its end on the
pool's calendar (a review started at 16:00 and finished at 09:00 next morning on an
08:00-17:00 pool is two hours of work), so calendars are detected before durations are
fitted. Queue waits (queue -> start) are kept apart from work (start -> end), so that the
fitted staffing, not a longer review, reproduces the waits.

What is not in a log is not invented: outcomes (confirmed/refined/changed) are sosim's
default shares, marked as an assumption; there is no economics section.

Example:
    >>> from sim.fit.read import read_log
    >>> fitted = fit_scenario(read_log("events.parquet"), name="fitted")
    >>> {line: f.value for line, f in fitted.scenario["pools"]["in_house"]["specialists"].items()}
    {'cardiology': 2, 'neurology': 2, 'oncology': 4, 'orthopedics': 2, 'other': 3}
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.absences import fit_absences
from sim.fit.calendars import DetectedCalendar, detect_calendar
from sim.fit.delays import (
    add_calendar,
    delay_entry,
    duration_entry,
    intake_section,
    preauth_section,
)
from sim.fit.demand import fit_demand
from sim.fit.durations import fit_duration
from sim.fit.fitted import Fitted
from sim.fit.fitted_scenario import FittedScenario
from sim.fit.journey import journey_sections, subspecialty_mix
from sim.fit.kinds import kinds_and_staffing, named_kind
from sim.fit.read import Log
from sim.fit.session_work import session_work
from sim.fit.sessions import fit_sessions
from sim.fit.staffing import LineCalendars, Staffing, max_concurrent
from sim.fit.stages import stage_table

__all__ = ["FittedScenario", "fit_scenario"]

MIN_PER_SPECIALTY = 30
"""Reviews of a specialty needed before it gets its own review duration."""
DEFAULT_OUTCOMES = {"confirmed": 0.12, "refined": 0.67, "changed": 0.21}


def _detect(rows: pd.DataFrame, prefix: str, ready: str, start_date, end_h: float
            ) -> DetectedCalendar:  # noqa: ANN001
    recorded = rows[f"{prefix}_start_h"][~rows[f"{prefix}_start_estimated"]]
    times = np.concatenate([recorded.dropna().to_numpy(), rows[f"{prefix}_end_h"].dropna()])
    waiting = list(zip(rows[ready].to_numpy(),
                       rows[f"{prefix}_end_h"].fillna(np.inf).to_numpy(), strict=True))
    return detect_calendar(times, start_date, has_starts=len(recorded.dropna()) > 0,
                           waiting=waiting, end_h=end_h)


def _heuristic_check(t: pd.DataFrame, cals: dict[str, WorkCalendar],
                     fitted: FittedScenario) -> float | None:
    """Relative error of the start heuristic on the reviews whose start the log records.

    The heuristic (start = later of queue entry and the specialist's previous completion) is
    applied to reviews that do have a start event and their work compared with the recorded
    one: the relative difference of the means is how much the heuristic may add to the work
    of the stages where it had to be used. None when nothing can be checked.
    """
    rows = t[t["review_end_h"].notna() & ~t["review_start_estimated"] & t["pool"].notna()]
    estimated = t.loc[t["review_end_h"].notna(), "review_start_estimated"]
    est_tri = t.loc[t["triage_end_h"].notna(), "triage_start_estimated"]
    if not estimated.any() and not est_tri.any():
        return None
    fitted.notes.append(
        f"{100 * estimated.mean():.1f}% of reviews and "
        f"{100 * est_tri.mean() if len(est_tri) else 0:.1f}% of triages have no start event: "
        "their start is the later of queue entry and the resource's previous completion, so "
        "their work is an upper bound and their wait a lower bound")
    if rows.empty:
        fitted.notes.append("no review records its start, so the heuristic cannot be checked on "
                            "this log: treat the fitted work of complete-only stages as upper "
                            "bounds")
        return None
    true_h, est_h = [], []
    for pool, r in rows.groupby("pool"):
        cal = cals[pool]
        true_h.append(cal.working_hours_between(r["review_start_h"].to_numpy(),
                                                r["review_end_h"].to_numpy()))
        est_h.append(cal.working_hours_between(r["review_start_heuristic_h"].to_numpy(),
                                               r["review_end_h"].to_numpy()))
    true_h, est_h = np.concatenate(true_h), np.concatenate(est_h)
    rel = float((est_h.mean() - true_h.mean()) / true_h.mean())
    mae = float(np.mean(np.abs(est_h - true_h)))
    fitted.notes.append(
        f"the heuristic, applied to the {len(rows)} reviews that do record their start, gives a "
        f"mean work {100 * rel:+.1f}% off the recorded one (mean absolute error {mae:.3g} h per "
        "case); the 95% intervals of complete-only durations are widened downwards by that "
        "share of the mean")
    return abs(rel)


def _fit_work(table: pd.DataFrame, prefix: str, cal: WorkCalendar) -> np.ndarray:
    return np.asarray(cal.working_hours_between(
        table[f"{prefix}_start_h"].to_numpy(), table[f"{prefix}_end_h"].to_numpy()))


def _triage_section(log: Log, t: pd.DataFrame, scenario: dict, fitted: FittedScenario,
                    heuristic: float | None, cals: dict[str, WorkCalendar]) -> None:
    done = t[t["triage_end_h"].notna()]
    if done.empty:
        scenario["triage"] = {"policy": Fitted("direct", "no triage events in the log")}
        return
    det = _detect(done, "triage", "records_h", log.start, log.end_h)
    fitted.calendars["triage"] = det
    cal = det.work_calendar(log.start)
    work = _fit_work(done, "triage", cal)
    t.loc[done.index, "triage_effort_h"] = work
    fd = fit_duration(work)
    fitted.durations["triage"] = fd
    cal_name = add_calendar(scenario, "triage_hours", det)
    reviewed = t["screen_end_h"][t["reviews"] > 0]  # screened: re-routed (stage_table)
    misrouted = float(reviewed.notna().mean()) if len(reviewed) else 0.0
    accuracy = Fitted(round(1 - misrouted, 4), f"n={len(reviewed)} reviewed cases, "
                      f"{100 * misrouted:.1f}% re-routed after a first review" if misrouted
                      else f"n={len(reviewed)} reviewed cases; no re-routing in the log",
                      len(reviewed))
    misroute = _misroute(log, t, scenario, fitted, cals)
    ids = done["triage_resource"].replace("", np.nan).dropna().unique()
    busy = max(max_concurrent(r["triage_start_h"].to_numpy(), r["triage_end_h"].to_numpy())
               for _, r in done.groupby(done["triage_resource"].fillna("")))
    service = duration_entry(fd, float(done["triage_start_estimated"].mean()), heuristic)
    # One name for several people (sosim's log says "coordinator"): cases waited for triage
    # in working time while it was busy, so it has a capacity: as many people as at once.
    known = done[~done["triage_start_estimated"].astype(bool)]
    queued = int((np.asarray(cal.working_hours_between(
        known["records_h"].to_numpy(), known["triage_start_h"].to_numpy())) > 1 / 60).sum())
    people, who = len(ids), f"{len(ids)} distinct triage resources"
    if len(ids) == 1 and busy > 1 and queued >= MIN_MISROUTED:
        people, who = busy, (f"one name, at most {busy} cases at once and {queued} cases "
                             "waited for triage: that many people")
    if busy > people or not people:  # a service working many cases at once: AI triage
        scenario["triage"] = {"policy": Fitted("ai", f"one resource works up to {busy} cases "
                                               "at once and no case waited for it: an "
                                               "automated service"),
                              "ai": {"service": service, "servers": None,
                                     "calendar": cal_name, "accuracy": accuracy}}
    else:  # people, one case each: coordinators; the case then goes straight to a specialist
        scenario["triage"] = {"policy": Fitted("legacy", f"{people} people triage one case "
                                               "at a time: coordinators"),
                              "legacy": {"coordinators": Fitted(people, who, len(done)),
                                         "calendar": cal_name, "handling": service,
                                         "referral_cycle": {"dist": "fixed", "value": 0},
                                         "accuracy": accuracy}}
    if misroute:
        scenario["triage"]["misroute"] = misroute

MIN_MISROUTED = 20
"""Re-routed cases needed before the screening and re-routing times are fitted."""


def _misroute(log: Log, t: pd.DataFrame, scenario: dict, fitted: FittedScenario,
              cals: dict[str, WorkCalendar]) -> dict:
    """Screening work and re-routing delay of the cases reviewed twice (else the defaults)."""
    again = t[t["screen_end_h"].notna()]
    if len(again) < MIN_MISROUTED:
        return {}
    out = {}
    timed = again[again["screen_start_h"].notna()]
    if len(timed) >= MIN_MISROUTED:
        # Working time on the screening pool's calendar where the resource names the pool.
        work = (timed["screen_end_h"] - timed["screen_start_h"]).to_numpy().copy()
        for pool, cal in cals.items():
            on = (timed["screen_pool"] == pool).to_numpy()
            work[on] = cal.working_hours_between(timed["screen_start_h"].to_numpy()[on],
                                                 timed["screen_end_h"].to_numpy()[on])
        fd = fit_duration(work)
        fitted.durations["misroute_screening"] = fd
        out["detection"] = duration_entry(fd)
    back = again[again["match_h"] > again["screen_end_h"]]
    if len(back) >= MIN_MISROUTED:
        out["reroute_delay"] = delay_entry(log, back["screen_end_h"].to_numpy(),
                                            back["match_h"].to_numpy(), "reroute", scenario,
                                            fitted)
    return out


def _pool_calendars(log: Log, t: pd.DataFrame, scenario: dict,
                    fitted: FittedScenario) -> dict[str, WorkCalendar]:
    reviewed = t[t["review_end_h"].notna() & t["pool"].notna()]
    cals: dict[str, WorkCalendar] = {}
    for pool, rows in reviewed.groupby("pool", sort=True):
        det = _detect(rows, "review", "queue_h", log.start, log.end_h)
        fitted.calendars[pool] = det
        add_calendar(scenario, f"{pool}_hours", det)
        cals[pool] = det.work_calendar(log.start)
    return cals


def _pools_section(log: Log, t: pd.DataFrame, scenario: dict, fitted: FittedScenario,
                   cals: dict[str, WorkCalendar], heuristic: float | None) -> None:
    reviewed = t[t["review_end_h"].notna() & t["pool"].notna()]
    pools: dict[str, dict] = {}
    for pool, rows in reviewed.groupby("pool", sort=True):
        t.loc[rows.index, "review_effort_h"] = _fit_work(rows, "review", cals[pool])
        rows = t.loc[rows.index]
        fd = fit_duration(rows["review_effort_h"].to_numpy())
        fitted.durations[f"review.{pool}"] = fd
        estimated = float(rows["review_start_estimated"].mean())
        entry = {"kind": named_kind(pool, log.map.pools.kinds) or "in_house",
                 "calendar": f"{pool}_hours", "specialists": {},
                 "review": duration_entry(fd, estimated, heuristic)}
        by_sp = _review_by_specialty(rows, fitted, pool, estimated, heuristic)
        if by_sp:
            entry["review_by_specialty"] = by_sp
        pools[pool] = entry
    scenario["pools"] = pools


def _review_by_specialty(rows: pd.DataFrame, fitted: FittedScenario, pool: str,
                         estimated: float, heuristic: float | None) -> dict[str, Fitted]:
    groups = {sp: r["review_effort_h"].to_numpy() for sp, r in rows.groupby("specialty")
              if len(r) >= MIN_PER_SPECIALTY}
    if len(groups) < 2:
        return {}
    # Separate durations only when the specialties' work differs (Kruskal-Wallis at 1%).
    if stats.kruskal(*groups.values()).pvalue >= 0.01:
        return {}
    out = {}
    for sp, x in groups.items():
        fd = fit_duration(x)
        fitted.durations[f"review.{pool}.{sp}"] = fd
        out[sp] = duration_entry(fd, estimated, heuristic)
    return out


def _covers(scenario: dict, staffing: Staffing, kinds: dict[str, str]) -> None:
    """Restrict a payer to the pools of the kind all its cases went to (and, for a line no
    pool of that kind staffs, to the pools that do)."""
    pools = scenario["pools"]
    for payer, kind in staffing.covers.items():
        if payer not in scenario["payers"]:
            continue
        mine = [p for p in pools if kinds[p] == kind]
        lines = {ln for p in mine for ln in pools[p]["specialists"]}
        extra = [p for p in pools if kinds[p] != kind
                 and set(pools[p]["specialists"]) - lines]
        scenario["payers"][payer]["covers"] = Fitted(
            mine + extra, f"its cases on lines both kinds staff all went to {kind} pools"
            + (f" ({', '.join(extra)} only for lines no {kind} pool staffs)" if extra else ""))


def _entry_maker(fitted: FittedScenario, heuristic: float | None):  # noqa: ANN202
    """A review duration's entry from its work (for :func:`sim.fit.session_work.session_work`)."""
    def make(work: np.ndarray, key: str, estimated: float) -> Fitted:
        fd = fit_duration(work)
        fitted.durations[key] = fd
        return duration_entry(fd, estimated, heuristic)
    return make


def fit_scenario(log: Log, name: str = "fitted", replications: int = 5,
                 seed: int = 1) -> FittedScenario:
    """Fit a scenario to ``log``; see the module docstring for what is fitted and how."""
    t = stage_table(log)
    days = max(1, math.ceil(log.end_h / 24))
    scenario: dict = {
        "name": name,
        "description": f"Fitted by sosim fit from {Path(log.file).name} ({len(t)} cases, "
                       f"{days} days).",
        "simulation": {"start": log.start, "horizon_days": days,
                       "warmup_days": max(1, round(days / 10)), "seed": seed,
                       "replications": replications},
        "calendars": {},
    }
    fitted = FittedScenario(scenario, t, {}, {}, {}, None)
    demand = fit_demand(t, log.start)
    fitted.demand = demand
    mix = {"specialty": demand.get("specialty", Fitted({"general": 1.0}, "no specialty in the "
                                                       "log: one service line"))}
    for attr in ("channel", "payer"):
        mix[attr] = demand.get(attr, Fitted({"all": 1.0}, f"no {attr} in the log"))
    if "priority" in demand:
        mix["priority"] = demand["priority"]
    if subspecialty_mix(t):
        mix["subspecialty"] = Fitted(subspecialty_mix(t), "per specialty, the share of its "
                                     "cases that name a subspecialty")
    scenario["demand"] = {"cases_per_year": demand["cases_per_year"],
                          "profile": {"weekday": demand["weekday"],
                                      "hour_of_day": demand["hour_of_day"]},
                          "mix": mix}
    if t["has_records_stage"].any():
        intake_section(log, t, scenario, fitted, list(mix["channel"].value))
    cals = _pool_calendars(log, t, scenario, fitted)
    heuristic = _heuristic_check(t, cals, fitted)
    _triage_section(log, t, scenario, fitted, heuristic, cals)
    payers = list(mix["payer"].value)
    preauth = preauth_section(log, t, scenario, fitted, payers)
    scenario["payers"] = {p: dict(preauth.get(p, {})) for p in payers}
    _pools_section(log, t, scenario, fitted, cals, heuristic)
    staffing, kinds = kinds_and_staffing(log, t, scenario, cals)
    sessions = fit_sessions(log, t, fitted.calendars, staffing.specialists)
    lines: LineCalendars = {}
    if sessions:  # a session line works only in them: its work and waits are counted there
        lines = session_work(log, t, scenario, fitted, sessions,
                             _entry_maker(fitted, heuristic))
        staffing, kinds = kinds_and_staffing(log, t, scenario, cals, lines)
    fitted.staffing = staffing
    for pool, absences in fit_absences(log, t, fitted.calendars, lines).items():
        scenario["pools"][pool]["absences"] = absences
    for pool, lines in staffing.specialists.items():
        scenario["pools"][pool]["specialists"] = {k: v for k, v in lines.items() if "/" not in k}
        subs: dict[str, dict] = {}
        for k, v in lines.items():
            if "/" in k:
                sp, sub = k.split("/", 1)
                subs.setdefault(sp, {})[sub] = v
        if subs:
            scenario["pools"][pool]["subspecialists"] = subs
    for pool, found in sessions.items():
        scenario["pools"][pool]["sessions"] = found
    for pool, channels in staffing.serves.items():
        scenario["pools"][pool]["serves"] = {"channels": channels}
    scenario["routing"] = staffing.routing
    _covers(scenario, staffing, kinds)
    scenario["outcomes"] = {"default": Fitted(DEFAULT_OUTCOMES, "not in the log: sosim's "
                                              "default shares (assumption); they change no time")}
    journey_sections(log, t, scenario, fitted, lambda b, e, key, open_h=None: delay_entry(
        log, b, e, key, scenario, fitted, open_h))
    if staffing.shared_resources:
        fitted.notes.append(f"{len(staffing.shared_resources)} specialists reviewed more than "
                            "one specialty and are counted on each line")
    return fitted
