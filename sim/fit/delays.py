"""Delays and durations as scenario entries: intake, pre-authorisation, any other delay.

A delay whose ends all keep office hours (paper records, an authorisation desk) pauses
off-calendar, so it is fitted as working time on the calendar detected from its ends, in
that calendar's business days (:func:`delay_entry`); otherwise it is elapsed hours. Delays
still running when the patient gave up or the log ended are censored observations
(:mod:`sim.fit.censored`). :func:`intake_section` splits records intake into paper and
digital where the records' resource says which; :func:`preauth_section` reads a
pre-authorisation wait between triage and assignment. Used by
:func:`sim.fit.build.fit_scenario` and, for the journey's delays, :mod:`sim.fit.journey`.

Example:
    >>> sorted(fitted.scenario["intake"])
    ['digital', 'digital_share', 'paper']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.fit.calendars import DetectedCalendar, detect_calendar
from sim.fit.censored import censored_spec, needs_censoring
from sim.fit.durations import FittedDuration, fit_duration
from sim.fit.fitted import Fitted
from sim.fit.fitted_scenario import FittedScenario
from sim.fit.read import Log

__all__ = ["add_calendar", "delay_entry", "duration_entry", "intake_section", "preauth_section"]


def duration_entry(fd: FittedDuration, estimated: float = 0.0,
                    heuristic: float | None = None) -> Fitted:
    """The scenario entry of a duration; ``estimated``: share of its starts estimated."""
    note, ci = fd.note, fd.mean_ci
    if estimated > 0:
        note += (f"; {100 * estimated:.0f}% of starts estimated from the previous completion, "
                 "so the mean is an upper bound")
        if heuristic is not None:
            ci = (ci[0] - heuristic * estimated * fd.mean, ci[1])
            note += (f" (interval widened to [{ci[0]:.4g}, {ci[1]:.4g}] by the heuristic's "
                     f"checked error, {100 * heuristic:.1f}%)")
    return Fitted({**fd.spec, "unit": "hours"}, note, fd.n, ci)


def add_calendar(scenario: dict, name: str, det: DetectedCalendar) -> str:
    scenario["calendars"][name] = Fitted(det.entry(), det.note, det.events)
    if det.time_zone is not None:  # a zoned calendar needs the platform clock's zone
        scenario["simulation"]["time_zone"] = Fitted(
            "UTC", "the log's wall clock, so that calendars can name their offset from it")
    return name


def delay_entry(log: Log, begin_h: np.ndarray, end_h: np.ndarray, key: str, scenario: dict,
                 fitted: FittedScenario, open_h: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> Fitted:
    """A delay from ``begin_h`` to ``end_h``; in business days when its ends keep office hours.

    A delay whose ends all fall in office hours (paper records, an authorisation desk) pauses
    off-calendar: it is fitted as working time on the calendar detected from its ends, in
    that calendar's business days. Otherwise it is elapsed hours. ``open_h``: (begin, stop)
    of the delays still running when the patient gave up or the log ended, censored
    observations (:mod:`sim.fit.censored`).
    """
    ok = np.isfinite(begin_h) & np.isfinite(end_h)
    censor = open_h is not None and needs_censoring(int(ok.sum()), len(open_h[0]))
    # Right censoring: a delay begun near the end of the log is only seen if it was short.
    # Keep the delays begun early enough for the longest one seen to have ended.
    if ok.any() and not censor:
        early = begin_h <= log.end_h - float(np.max((end_h - begin_h)[ok]))
        if (ok & early).sum() >= 0.5 * ok.sum():
            ok &= early
    begin_h, end_h = begin_h[ok], end_h[ok]
    # Days before most delays could have ended say nothing about holidays.
    settle = float(np.quantile(end_h - begin_h, 0.5)) + 24 if len(end_h) else 0.0
    det = detect_calendar(end_h, log.start, has_starts=False,
                          waiting=list(zip(begin_h, end_h, strict=True)), end_h=log.end_h,
                          holidays_from_h=float(begin_h.min()) + settle if len(begin_h) else 0)
    if det.spec is None:
        fd = fit_duration(end_h - begin_h)
        fitted.durations[key] = fd
        if censor:
            spec, note = censored_spec(end_h - begin_h, open_h[1] - open_h[0])
            return Fitted({**spec, "unit": "hours"}, note + " h", fd.n, fd.mean_ci)
        return duration_entry(fd)
    fitted.calendars[key] = det
    name = add_calendar(scenario, f"{key}_hours", det)
    cal = det.work_calendar(log.start)
    days = np.asarray(cal.working_hours_between(begin_h, end_h)) / cal.business_day_hours
    fd = fit_duration(days)
    fitted.durations[key] = fd
    if censor:
        spec, note = censored_spec(days, np.asarray(cal.working_hours_between(
            *open_h)) / cal.business_day_hours)
        return Fitted({**spec, "unit": "business_days", "calendar": name},
                      f"{note} business days; working time on {name}", fd.n, fd.mean_ci)
    lo, hi = fd.mean_ci
    note = (fd.note.split("; observed")[0] + f"; observed mean {fd.mean:.4g} business days "
            f"[{lo:.4g}, {hi:.4g}] 95% CI, sd {fd.sd:.3g}; its ends keep office hours, so it "
            f"is working time on {name}")
    return Fitted({**fd.spec, "unit": "business_days", "calendar": name}, note, fd.n, fd.mean_ci)


def _intake_delay(log: Log, rows: pd.DataFrame, key: str, scenario: dict,
                  fitted: FittedScenario) -> Fitted:
    return delay_entry(log, rows["arrival_h"].to_numpy(), rows["records_h"].to_numpy(), key,
                        scenario, fitted)


def intake_section(log: Log, t: pd.DataFrame, scenario: dict, fitted: FittedScenario,
                    channels: list[str]) -> None:
    """Intake; split into paper and digital when the records' resource says which."""
    ready = t.assign(records_h=t["first_records_h"].fillna(t["records_h"]))  # first batch
    # the kind of every case whose records the log names (complete or still awaited: paper
    # records, slower, are more often still awaited at the log's end)
    named = ready[ready["records_resource"].notna()]
    kind_all = named["records_resource"].astype(str).str.lower().str.contains("paper")
    ready = ready[ready["records_h"].notna()]
    kind = ready["records_resource"].fillna("").str.lower()
    paper = kind.str.contains("paper").to_numpy()
    if paper.any() and (~paper).sum() >= 20 and paper.sum() >= 20:
        digital = _intake_delay(log, ready[~paper], "intake_digital", scenario, fitted)
        paper_entry = _intake_delay(log, ready[paper], "intake_paper", scenario, fitted)
        share = {}
        for ch in channels:
            in_ch = (named["channel"] == ch).to_numpy() if "channel" in named else \
                np.ones(len(named), bool)
            n = int(in_ch.sum())
            share[ch] = Fitted(round(float((~kind_all.to_numpy()[in_ch]).mean()), 4)
                               if n else 1.0, f"n={n} cases; share whose records resource "
                               "is not paper (records in or still awaited)", n)
        scenario["intake"] = {"digital": digital, "paper": paper_entry, "digital_share": share}
        return
    entry = _intake_delay(log, ready, "intake", scenario, fitted)
    scenario["intake"] = {"digital": entry, "paper": entry,
                          "digital_share": dict.fromkeys(channels, 1.0)}


def preauth_section(log: Log, t: pd.DataFrame, scenario: dict, fitted: FittedScenario,
                    payers: list[str]) -> dict[str, dict]:
    """Per payer of ``payers``, its pre-authorisation where the log shows a wait between
    triage and assignment: one delay (one desk) and, where the log names the payer, each
    payer's own share of cases that waited (a payer none of whose cases waited gets none)."""
    single = t[t["screen_end_h"].isna() & t["assigned_delay_h"].notna()]  # not re-routed
    delays = single["assigned_delay_h"].to_numpy()
    if len(delays) == 0 or not (delays > 1e-9).any():
        return {}
    waited = single[delays > 1e-9]
    matched = waited["match_h"].to_numpy() - waited["assigned_delay_h"].to_numpy()
    delay = delay_entry(log, matched, waited["match_h"].to_numpy(), "preauth", scenario, fitted)
    by = (single["payer"].astype(str) if "payer" in single
          else pd.Series("", index=single.index))
    out = {}
    for payer in payers:
        mine = delays[(by == payer).to_numpy()] if "payer" in single else delays
        n_waited = int((mine > 1e-9).sum())
        if n_waited == 0:
            continue
        lo, hi = stats.binomtest(n_waited, len(mine)).proportion_ci(method="wilson")
        whose = f"{payer}'s " if "payer" in single else ""
        out[payer] = {"preauth": {"delay": delay, "share": Fitted(
            round(n_waited / len(mine), 4), f"{n_waited} of {len(mine)} of {whose}cases "
            f"waited between triage and assignment (95% CI [{lo:.3f}, {hi:.3f}])",
            len(mine), (round(lo, 4), round(hi, 4)))}}
    return out
