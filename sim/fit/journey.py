"""What sosim simulates around the queues, fitted where the log shows it.

- **appointments**: per channel whose cases (at least half of those matched) waited for a
  slot (``appointment_booked`` to ``appointment_held``), a diary where the held slots lie on
  a grid of the pool's calendar (slots a week per pool, the lead per class:
  :mod:`sim.fit.diaries`), else the wait fitted as a delay by censored maximum likelihood
  (slots not held when the patient gave up or the log ended are censored);
- **second records requests**: per channel, the share of cases whose first batch of
  records was followed by a second request (``records_again``), and the second wait;
- **referral cycle** (legacy triage): from the referral's start to its end, as a delay;
- **priority classes**: when the log names a priority, the classes in service order (the
  class with the shortest mean specialist wait first) and a records fast track
  (``records_speedup``) where its records came significantly faster (Mann-Whitney at 1%);
  a reserve held back from the last class, strict or yielding to a long queue
  (:mod:`sim.fit.reserves`);
- **subspecialty lines**: a specialty's cases that name a subspecialty (a column, or the
  resource pattern's ``subspecialty`` group), its share, and who reviewed them.

Delays are fitted by :func:`sim.fit.delays.delay_entry` (elapsed hours, or business days
where their ends keep office hours). What a log cannot show stays at sosim's default and
is listed by :func:`defaults_note`.

Example:
    >>> from sim.fit.read import read_log
    >>> t = stage_table(read_log("events.parquet"))
    >>> subspecialty_mix(t)
    {'neurology': {'movement_disorders': 0.102564}, 'oncology': {'rare_tumour_pathology': 0.057143}}
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.diaries import fit_diaries
from sim.fit.fitted import Fitted
from sim.fit.stages import stage_table  # noqa: F401  (for the example)

MIN_CASES = 20
"""Cases needed before a channel's appointment wait or second-request share is fitted."""

Delay = Callable[..., Fitted]
"""(begin hours, end hours, key, open_h=(begin, stop) of delays cut short) -> a fitted delay
entry."""


def _channels(t: pd.DataFrame) -> pd.Series:
    return (t["channel"].astype(str) if "channel" in t
            else pd.Series("all", index=t.index))


def appointments(t: pd.DataFrame, end_h: float, delay: Delay,
                 cals: dict[str, WorkCalendar] | None = None
                 ) -> tuple[dict[str, Fitted | dict], list[str]]:
    """Per channel, the wait for an appointment slot (channels without one are left out),
    and notes on how each was read.

    Where the held slots lie on a grid of the pools' calendars ``cals``, a diary: slots a
    week per pool and the booking lead per class (:mod:`sim.fit.diaries`). Otherwise a delay
    from booking to the slot held, a slot not held when the patient gave up or the log ended
    being a censored observation; in business days on the calendar the slots keep when
    they keep office hours, else in hours."""
    if not t["booked_h"].notna().any():
        return {}, []
    out: dict[str, Fitted | dict] = {}
    ch = _channels(t)
    names = []
    for name, rows in t.groupby(ch):
        matched = rows[rows["match_h"].notna()]
        booked = matched[matched["booked_h"].notna()]
        if len(booked) >= MIN_CASES and len(booked) >= 0.5 * len(matched):
            names.append(str(name))
    diaries, notes = fit_diaries(t, end_h, cals or {}, names)
    out.update(diaries)
    for name, rows in t.groupby(ch):
        if str(name) not in names or str(name) in diaries:
            continue
        booked = rows[rows["match_h"].notna() & rows["booked_h"].notna()]
        held = booked["held_h"].notna()
        still = booked[~held]
        stop = still["abandoned_h"].fillna(end_h).clip(upper=end_h).to_numpy()
        out[str(name)] = delay(booked.loc[held, "booked_h"].to_numpy(),
                               booked.loc[held, "held_h"].to_numpy(), f"appointment_{name}",
                               open_h=(still["booked_h"].to_numpy(), stop))
    return out, notes


def incomplete_records(t: pd.DataFrame, delay: Delay) -> dict | None:
    """``incomplete_records``: per channel the share asked again, and the second wait."""
    again = t["first_records_h"].notna()
    if again.sum() < MIN_CASES:
        return None
    ch = _channels(t)
    first = t["first_records_h"].notna() | t["records_h"].notna()
    share = {}
    for name in sorted(ch.unique()):
        on = (ch == name) & first
        n = int(on.sum())
        k = int((again & on).sum())
        share[str(name)] = Fitted(round(k / n, 4) if n else 0.0, f"{k} of {n} cases whose "
                                  "first records came in were asked for more", n)
    done = t[again & t["records_h"].notna()]
    request = delay(done["first_records_h"].to_numpy(), done["records_h"].to_numpy(),
                    "records_again")
    return {"share": share, "request": request}


def referral_cycle(t: pd.DataFrame, delay: Delay, end_h: float) -> Fitted | None:
    """The legacy referral cycle, from its start to its end, as a delay; a cycle still
    running when the patient gave up or the log ended is a censored observation."""
    done = t[t["referral_start_h"].notna() & t["referral_end_h"].notna()]
    if len(done) < MIN_CASES:
        return None
    still = t[t["referral_start_h"].notna() & t["referral_end_h"].isna()]
    stop = still["abandoned_h"].fillna(end_h).clip(upper=end_h).to_numpy()
    return delay(done["referral_start_h"].to_numpy(), done["referral_end_h"].to_numpy(),
                 "referral", open_h=(still["referral_start_h"].to_numpy(), stop))


def priorities(t: pd.DataFrame) -> tuple[dict, str] | None:
    """``priorities`` in service order, with each class's records fast track."""
    if "priority" not in t or t["priority"].nunique() < 2:
        return None
    wait = (t["review_start_h"] - t["queue_h"]).groupby(t["priority"]).mean()
    order = list(wait.sort_values().index.astype(str))
    intake = (t["first_records_h"].fillna(t["records_h"]) - t["arrival_h"])
    slowest = intake[t["priority"].astype(str) == order[-1]].dropna()
    out, notes = {}, []
    for name in order:
        mine = intake[t["priority"].astype(str) == name].dropna()
        entry: dict = {}
        if name != order[-1] and len(mine) >= MIN_CASES and len(slowest) >= MIN_CASES:
            p = float(stats.mannwhitneyu(mine, slowest, alternative="less").pvalue)
            if p < 0.01 and mine.mean() > 0:
                ratio = round(float(slowest.mean() / mine.mean()), 3)
                entry["records_speedup"] = Fitted(max(ratio, 1.0), (
                    f"mean records wait {mine.mean():.3g} h against {slowest.mean():.3g} h for "
                    f"{order[-1]} (Mann-Whitney p={p:.2g}, n={len(mine)})"), len(mine))
        out[name] = entry
        notes.append(f"{name} mean specialist wait {wait[name]:.3g} h")
    return out, ("classes in service order by mean specialist wait (" + "; ".join(notes)
                 + ")")


def subspecialty_mix(t: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per specialty, the share of its cases that name each subspecialty."""
    if "subspecialty" not in t or not t["subspecialty"].notna().any():
        return {}
    out = {}
    for sp, rows in t.groupby("specialty"):
        subs = rows["subspecialty"].dropna().astype(str)
        subs = subs[subs != ""]
        if len(subs):
            out[str(sp)] = {k: round(v / len(rows), 6)
                            for k, v in subs.value_counts().sort_index().items()}
    return out


def _plain(value):  # noqa: ANN001, ANN202
    return value.value if isinstance(value, Fitted) else value


def _reserve_section(log, t: pd.DataFrame, scenario: dict, fitted,  # noqa: ANN001
                     order: list[str]) -> None:
    """The first class's reserve against the last: strict where the last class never took
    a line's held specialists, else one that yields where the occupancy shows it."""
    from sim.fit.reserves import fit_reserve
    from sim.fit.sessions import session_calendar

    pools = scenario["pools"]
    cals = {p: fitted.calendars[p].work_calendar(log.start) for p in pools
            if p in fitted.calendars}
    lines = {(p, line): session_calendar(_plain(v), fitted.calendars[p], log.start)
             for p, e in pools.items() if p in fitted.calendars
             for line, v in e.get("sessions", {}).items()}
    reserve, yields = fit_reserve(log, t, pools, order[-1], cals, lines)
    if not reserve:
        return
    first = scenario["priorities"][order[0]]
    if isinstance(first, Fitted):
        first = scenario["priorities"][order[0]] = {}
    first["reserve"] = reserve
    held = ", ".join(f"{p} {f.value} ({f.note})" for p, f in reserve.items())
    if yields is not None:
        first["reserve_yields_at"] = yields
        held += f"; yields from {yields.value} {order[-1]} cases waiting: {yields.note}"
    fitted.notes.append(f"reserve held for {order[0]} against {order[-1]}: {held}")


def defaults_note(scenario: dict) -> str:
    """What the log could not show and so keeps sosim's defaults."""
    missing = ["outcomes (confirmed/refined/changed)", "economics",
               "patience by channel or priority (one patience per stage)"]
    for key, what in (("appointments", "appointment slots"),
                      ("incomplete_records", "second records requests"),
                      ("abandonment", "drop-out"), ("priorities", "priority classes")):
        if key not in scenario:
            missing.append(what)
    return ("not in the log, so at sosim's default (none, or the default shares): "
            + ", ".join(missing))


def journey_sections(log, t: pd.DataFrame, scenario: dict, fitted, delay: Delay  # noqa: ANN001
                     ) -> None:
    """Add drop-out, appointments, second requests, the referral cycle and priorities."""
    from sim.fit.patience import abandonment_section

    mapped = bool(log.map.activities.names("abandoned"))
    section, notes, fits = abandonment_section(t, log.end_h, mapped)
    fitted.notes.extend(notes)
    fitted.patience = fits
    if section:
        scenario["abandonment"] = section
    cals = {p: det.work_calendar(log.start) for p, det in fitted.calendars.items()
            if p in scenario.get("pools", {})}
    slots, slot_notes = appointments(t, log.end_h, delay, cals)
    fitted.notes.extend(slot_notes)
    if slots:
        scenario["appointments"] = slots
    again = incomplete_records(t, delay)
    if again:
        scenario["incomplete_records"] = again
    referral = referral_cycle(t, delay, log.end_h)
    legacy = scenario.get("triage", {}).get("legacy")
    if referral is not None and legacy is not None:
        legacy["referral_cycle"] = referral
    classes = priorities(t)
    mix = scenario["demand"]["mix"]
    if classes is not None:
        order, note = classes
        scenario["priorities"] = {k: (v or Fitted({}, note)) for k, v in order.items()}
        _reserve_section(log, t, scenario, fitted, list(order))
    elif "priority" in mix and not set(mix["priority"].value) <= {"urgent", "routine"}:
        scenario["priorities"] = {k: {} for k in mix["priority"].value}
    fitted.notes.append(defaults_note(scenario))
