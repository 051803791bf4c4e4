"""Appointment diaries read from a log: slots a week per pool, and the booking lead per class.

A diary (:mod:`sim.scenario.access`) offers ``slots_per_week`` slots per (channel, pool),
slot ``k`` at working hour ``(k + 0.5) * weekly_hours / slots_per_week`` of the pool's
calendar (:class:`sim.engine.access_specs.DiarySpec`); a case booked at ``b`` is eligible
from ``b + lead`` and each slot goes to the first eligible waiting case, unused slots being
lost. A log shows only the slots that were *held*, but those lie on the grid:

- **Slots a week.** Mapped to the working hours ``w`` of the pool's fitted calendar, held
  slots lie on a grid ``w = phase + k * spacing`` for whole ``k`` (the engine's phase is
  half a spacing from the simulation's start; a log that starts elsewhere shifts it, so the
  phase is read too, as the circular mean of ``w`` modulo the spacing). The most slots held
  in any one week (168 h from the log's start) is a lower bound on ``slots_per_week``; from
  it upward the first count whose grid holds at least 95% of the held slots within a minute
  is the diary's (finer grids fit as well: the first is the coarsest). The search stops at
  a spacing of ten minutes, so that continuous appointment times (a log from another
  system) fit no grid by chance: the channel then keeps a plain delay. Slot counts are
  whole numbers a week.
- **The lead is interval-censored.** A case held at slot ``t_k`` had ``b + lead <= t_k``;
  if a slot ``t_j`` of its diary between ``b`` and ``t_k`` went unused by anyone, the case
  was not yet eligible then: ``lead > t_j - b`` (the latest such slot). A case that gave up
  or was still waiting at the log's end says only ``lead > t_j - b`` for the latest unused
  slot before that (right-censored). The lead is fitted per priority class by maximum
  likelihood on these intervals (``scipy.stats.CensoredData``), lognormal in days and in
  business days of the pool's calendar, the unit with the higher likelihood kept (the
  likelihood of an interval is a probability, so the two compare). A class with fewer
  than :data:`MIN_SLOTS` informative cases in a channel is fitted on its cases of every
  channel with a diary, else shares the channel's largest class's lead.

Example (a 45-hour week of 75 slots, of which every other one held: 60 in eight weeks):
    >>> import datetime
    >>> from sim.core.calendar import WorkCalendar
    >>> cal = WorkCalendar.weekly(datetime.date(2026, 1, 5), range(5), [(8, 17)])
    >>> spacing_h = 45 / 75
    >>> held_h = cal.add_working_hours(np.zeros(60), (np.arange(0, 120, 2) + 0.5) * spacing_h)
    >>> grid = detect_grid(held_h, cal)
    >>> grid.per_week, round(grid.spacing_h, 3), round(grid.phase_h, 3)
    (75, 0.6, 0.3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.fitted import Fitted

__all__ = ["Grid", "detect_grid", "fit_diaries", "fit_lead", "lead_bounds", "slot_times"]

TOL_H = 1 / 60
"""How far (hours) a held slot may lie from its grid point: a minute (timestamps rounded)."""

MIN_SPACING_H = 10 * TOL_H
"""The finest grid searched: a random time lies within TOL_H of it at most 20% of the time."""

ON_GRID = 0.95
"""Share of the held slots that must lie on a grid for it to be the diary's."""

MIN_SLOTS = 20
"""Held slots needed to read a pool's grid, and informative cases to fit a class's lead."""


@dataclass(frozen=True)
class Grid:
    """A pool's diary for one channel: ``per_week`` slots in its calendar's week, slot ``k``
    at working hour ``phase_h + k * spacing_h`` (the engine's phase is half a spacing)."""

    per_week: int
    weekly_hours: float
    phase_h: float
    held: int
    busiest_week: int
    on_grid: float

    @property
    def spacing_h(self) -> float:
        """Working hours between two slots."""
        return self.weekly_hours / self.per_week

    @property
    def note(self) -> str:
        shift_h = self.phase_h - 0.5 * self.spacing_h
        shift = ("" if abs(shift_h) <= TOL_H else
                 f"; the log's slots sit {shift_h:+.3g} working hours from sosim's (which "
                 "start half a spacing into the calendar), a phase the scenario cannot say")
        return (f"{self.held} held slots, {100 * self.on_grid:.0f}% on a grid every "
                f"{self.spacing_h:.3g} working hours of the pool's calendar "
                f"({self.weekly_hours:.4g} h a week); at most {self.busiest_week} held in one "
                f"week (a lower bound){shift}")


def _offsets_h(w: np.ndarray, spacing_h: float, phase_h: float) -> np.ndarray:
    """Working hours from each of ``w`` to the nearest grid point ``phase + k * spacing``."""
    r = (w - phase_h) / spacing_h
    return np.abs(r - np.round(r)) * spacing_h


def _phase_h(w: np.ndarray, spacing_h: float) -> float:
    """Where in each spacing the grid's points lie: the circular mean of ``w`` modulo the
    spacing, taken again over the points near it (so that a few off the grid move it not)."""
    phase = float(stats.circmean(w % spacing_h, high=spacing_h, low=0.0))
    near = _offsets_h(w, spacing_h, phase) <= 3 * TOL_H
    if near.any():
        phase = float(stats.circmean(w[near] % spacing_h, high=spacing_h, low=0.0))
    return phase


def detect_grid(held_h: np.ndarray, cal: WorkCalendar) -> Grid | None:
    """The coarsest grid of whole slots a week that holds the held slots, or None."""
    held_h = np.unique(np.asarray(held_h, dtype=float))
    if len(held_h) < MIN_SLOTS:
        return None
    week_h = cal.weekly_hours
    w = np.asarray(cal.working_hours(held_h), dtype=float)
    busiest = int(np.bincount((held_h // 168).astype(int)).max())
    for per_week in range(max(busiest, 1), int(week_h / MIN_SPACING_H) + 1):
        spacing_h = week_h / per_week
        phase = _phase_h(w, spacing_h)
        share = float(np.mean(_offsets_h(w, spacing_h, phase) <= TOL_H))
        if share >= ON_GRID:
            return Grid(per_week, week_h, phase, len(held_h), busiest, share)
    return None


def on_grid(times_h: np.ndarray, grid: Grid, cal: WorkCalendar) -> np.ndarray:
    """Whether each time lies on ``grid`` (within :data:`TOL_H`)."""
    w = np.asarray(cal.working_hours(np.asarray(times_h, dtype=float)), dtype=float)
    return _offsets_h(w, grid.spacing_h, grid.phase_h) <= TOL_H


def slot_times(grid: Grid, cal: WorkCalendar, end_h: float) -> np.ndarray:
    """Every slot of ``grid`` from 0 to ``end_h``, as the log's diary placed them."""
    n = int(np.floor((float(cal.working_hours(end_h)) - grid.phase_h) / grid.spacing_h)) + 1
    k = np.arange(max(n, 0), dtype=float)
    times = np.asarray(cal.add_working_hours(np.zeros(len(k)), grid.phase_h
                                             + k * grid.spacing_h), dtype=float)
    return times[times <= end_h]


def lead_bounds(booked_h: np.ndarray, stop_h: np.ndarray, held: np.ndarray,
                unused_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each case's lead interval ``(lo, hi]`` in hours.

    ``stop_h``: the slot held, else when the patient gave up or the log ended; ``held``:
    whether the case held its slot; ``unused_h``: the diary's unused slots, sorted. ``lo``
    is the latest unused slot after booking and before the stop, less the booking (0 when
    none); ``hi`` is the held slot less the booking, infinite for a case not held.

    >>> lead_bounds(np.array([0.0, 0.0]), np.array([10.0, 12.0]), np.array([True, False]),
    ...             np.array([3.0, 11.0]))
    (array([ 3., 11.]), array([10., inf]))
    """
    i = np.searchsorted(unused_h, stop_h, side="left") - 1
    last = np.where(i >= 0, unused_h[np.clip(i, 0, None)] if len(unused_h) else 0.0, -np.inf)
    lo = np.where(last > booked_h, last - booked_h, 0.0)
    hi = np.where(held, stop_h - booked_h, np.inf)
    return lo, hi


def _lognormal(lo: np.ndarray, hi: np.ndarray) -> tuple[float, float, float]:
    """Lognormal (shape, scale) by maximum likelihood on intervals, and its log-likelihood."""
    data = stats.CensoredData.interval_censored(low=lo, high=hi)
    with np.errstate(divide="ignore"):  # the optimiser's trial points may give P = 0
        shape, _, scale = stats.lognorm.fit(data, floc=0)
    d = stats.lognorm(shape, scale=scale)
    p = np.where(np.isinf(hi), d.sf(lo), d.cdf(hi) - d.cdf(lo))
    return float(shape), float(scale), float(np.sum(np.log(np.maximum(p, 1e-300))))


def _mean(lo: np.ndarray, hi: np.ndarray) -> float:
    shape, scale, _ = _lognormal(lo, hi)
    return float(stats.lognorm(shape, scale=scale).mean())


def fit_lead(lo_h: np.ndarray, hi_h: np.ndarray, booked_h: np.ndarray, cal: WorkCalendar,
             calendar_name: str) -> Fitted:
    """A class's lead from its cases' intervals ``(lo_h, hi_h]`` (hours after booking):
    lognormal in days or in business days on ``cal``, whichever is likelier."""
    units = {"days": (lo_h / 24, hi_h / 24)}
    if not cal.is_24x7:
        bd = cal.business_day_hours
        work = [np.asarray(cal.working_hours_between(booked_h, booked_h + x), dtype=float) / bd
                for x in (lo_h, np.where(np.isinf(hi_h), 0.0, hi_h))]
        units["business_days"] = (work[0], np.where(np.isinf(hi_h), np.inf, work[1]))
    fits = {u: _lognormal(*x) for u, x in units.items()}
    unit = max(fits, key=lambda u: fits[u][2])
    shape, scale, _ = fits[unit]
    d = stats.lognorm(shape, scale=scale)
    lo, hi = units[unit]
    ci = stats.bootstrap((lo, hi), _mean, paired=True, vectorized=False, n_resamples=39,
                         method="percentile", rng=np.random.default_rng(0)).confidence_interval
    spec = {"dist": "lognormal", "mean": round(float(d.mean()), 4),
            "sd": round(float(d.std()), 4), "unit": unit}
    if unit == "business_days":
        spec["calendar"] = calendar_name
    others = ", ".join(f"{u} {v[2]:.1f}" for u, v in fits.items())
    n_right = int(np.isinf(hi).sum())
    note = (f"n={len(lo)} cases: {len(lo) - n_right} held (lead between the latest unused "
            f"slot after booking and the slot held), {n_right} gave up or still waiting "
            f"(right-censored); lognormal by interval-censored maximum likelihood "
            f"(log-likelihood {others}); mean 95% CI [{ci.low:.3g}, {ci.high:.3g}] {unit} "
            "(bootstrap)")
    return Fitted(spec, note, len(lo), (round(float(ci.low), 4), round(float(ci.high), 4)))


def _grids(held: pd.DataFrame, cals: dict[str, WorkCalendar]
           ) -> tuple[dict[str, Grid], list[str]]:
    """Per pool that held at least :data:`MIN_SLOTS` of the channel's slots, its grid; and
    why not, for each pool that held that many but fits none (then no diary is written)."""
    grids, failed = {}, []
    for pool, rows in held.groupby(held["pool"].fillna("")):
        if pool not in cals or len(rows) < MIN_SLOTS:
            continue
        grid = detect_grid(rows["held_h"].to_numpy(), cals[pool])
        if grid is None:
            failed.append(f"{pool}'s {len(rows)} held slots lie on no grid of whole slots a "
                          f"week (spacing {MIN_SPACING_H * 60:.0f} min or more)")
        else:
            grids[str(pool)] = grid
    return grids, failed


def _pool_of_held(held: pd.DataFrame, grids: dict[str, Grid],
                  cals: dict[str, WorkCalendar]) -> pd.Series:
    """The pool of each held slot: the reviewing pool, else the one whose grid it is on."""
    pool = held["pool"].where(held["pool"].isin(list(grids)))
    for name, grid in grids.items():
        free = pool.isna() & ~held["pool"].notna()
        hit = on_grid(held.loc[free, "held_h"].to_numpy(), grid, cals[name])
        pool.loc[free[free].index[hit]] = name
    return pool


def _used(slots_h: np.ndarray, held_h: np.ndarray) -> np.ndarray:
    """Whether each slot was held (a held time within :data:`TOL_H` of it)."""
    used = np.zeros(len(slots_h), bool)
    if len(slots_h) == 0:
        return used
    k = np.clip(np.searchsorted(slots_h, held_h), 1, len(slots_h) - 1)
    k = np.where(np.abs(slots_h[k - 1] - held_h) < np.abs(slots_h[k] - held_h), k - 1, k)
    used[k[np.abs(slots_h[k] - held_h) <= TOL_H]] = True
    return used


def _bounds(rows: pd.DataFrame, grids: dict[str, Grid], cals: dict[str, WorkCalendar],
            end_h: float) -> pd.DataFrame:
    """Per informative booked case, its lead interval (hours) on its pool's diary.

    A case not held names no pool: with several diaries its bound is the smallest of
    theirs (true of whichever it booked with)."""
    held_rows = rows[rows["held_h"].notna()]
    pool = _pool_of_held(held_rows, grids, cals)
    still = rows[rows["held_h"].isna()]
    stop = still["abandoned_h"].fillna(end_h).clip(upper=end_h).to_numpy()
    out = []
    for name, grid in grids.items():
        slots = slot_times(grid, cals[name], end_h)
        mine = held_rows[pool == name]
        # a slot is used if any of the channel's held slots is on it: a case reviewed by
        # another pool than its slot's must not leave that slot looking unused
        unused = slots[~_used(slots, np.sort(held_rows["held_h"].to_numpy()))]
        lo, hi = lead_bounds(mine["booked_h"].to_numpy(), mine["held_h"].to_numpy(),
                             np.ones(len(mine), bool), unused)
        out.append(pd.DataFrame({"lo_h": lo, "hi_h": hi}, index=mine.index))
        lo_open, _ = lead_bounds(still["booked_h"].to_numpy(), stop,
                                 np.zeros(len(still), bool), unused)
        out.append(pd.DataFrame({"lo_h": lo_open, "hi_h": np.inf}, index=still.index))
    both = pd.concat(out)
    both = both.groupby(level=0)[["lo_h", "hi_h"]].min()
    return both[(both["lo_h"] > 0) | np.isfinite(both["hi_h"])]


@dataclass(frozen=True)
class _Channel:
    """One channel's diaries as read: per pool its grid, per informative case its lead
    interval (``lo_h``, ``hi_h``, with ``booked_h`` and ``priority``), the busiest pool."""

    grids: dict[str, Grid]
    bounds: pd.DataFrame
    main: str


def _read_channel(rows: pd.DataFrame, end_h: float, cals: dict[str, WorkCalendar]
                  ) -> tuple[_Channel | None, str]:
    """A channel's grids and lead intervals from its booked cases ``rows``, or None and
    why not (then the channel keeps a plain delay); and a note on what was read."""
    held = rows[rows["held_h"].notna()]
    grids, failed = _grids(held, cals)
    if failed or not grids:
        return None, "; ".join(failed) or f"no pool held {MIN_SLOTS} of its slots"
    bounds = _bounds(rows, grids, cals, end_h)
    if len(bounds) < MIN_SLOTS:
        return None, f"only {len(bounds)} cases bound the lead"
    prio = rows["priority"].astype(str) if "priority" in rows else "all"
    bounds = bounds.assign(booked_h=rows["booked_h"], priority=prio)
    note = ", ".join(f"{p} {g.per_week} a week" for p, g in sorted(grids.items()))
    left_out = sorted(set(held["pool"].dropna().astype(str)) - set(grids))
    if left_out:
        note += (f"; no slots at {', '.join(left_out)} (under {MIN_SLOTS} held there, too few "
                 "to read a grid)")
    return _Channel(grids, bounds, max(grids, key=lambda p: grids[p].held)), note


def _fit(b: pd.DataFrame, cal: WorkCalendar, calendar_name: str, what: str) -> Fitted:
    lead = fit_lead(b["lo_h"].to_numpy(), b["hi_h"].to_numpy(), b["booked_h"].to_numpy(),
                    cal, calendar_name)
    return Fitted(lead.value, f"{what}: {lead.note}", lead.n, lead.ci)


def _leads(name: str, read: dict[str, _Channel], cals: dict[str, WorkCalendar]) -> dict:
    """Channel ``name``'s ``lead`` (its largest class's) and ``lead_by_priority``: a class
    with at least :data:`MIN_SLOTS` informative cases is fitted on them, one with fewer on
    the class's cases of every channel with a diary when they are that many (a class's
    notice is more alike across channels than across classes), else it shares ``lead``."""
    mine = read[name]
    cal, cal_name = cals[mine.main], f"{mine.main}_hours"
    sizes = mine.bounds["priority"].value_counts()
    top = str(sizes.index[0])
    out: dict = {"lead": _fit(mine.bounds[mine.bounds["priority"] == top], cal, cal_name,
                              f"{top} cases")}
    own, shared = {}, []
    for c, n in sizes.items():
        if c == top:
            continue
        if n >= MIN_SLOTS:
            own[str(c)] = _fit(mine.bounds[mine.bounds["priority"] == c], cal, cal_name,
                               f"{c} cases")
            continue
        pooled = pd.concat([r.bounds[r.bounds["priority"] == c] for r in read.values()])
        if len(pooled) >= MIN_SLOTS:
            own[str(c)] = _fit(pooled, cal, cal_name, f"{c} cases of every channel with a "
                               f"diary ({n} of them {name}'s, too few alone)")
        else:
            shared.append(f"{c} ({n} cases)")
    if own:
        out["lead_by_priority"] = own
    if shared:
        lead = out["lead"]
        out["lead"] = Fitted(lead.value, lead.note + "; shared by " + ", ".join(shared)
                             + f", too few to fit apart (under {MIN_SLOTS})", lead.n, lead.ci)
    return out


def fit_diaries(t: pd.DataFrame, end_h: float, cals: dict[str, WorkCalendar],
                channels: list[str]) -> tuple[dict[str, dict], list[str]]:
    """Per channel of ``channels`` whose held slots lie on a grid, its diary in the
    scenario's form; and a note per channel (a diary read, or why it stays a delay)."""
    ch = t["channel"].astype(str) if "channel" in t else pd.Series("all", index=t.index)
    read, notes = {}, []
    for name in channels:
        found, why = _read_channel(t[(ch == name) & t["booked_h"].notna()], end_h, cals)
        if found is None:
            notes.append(f"appointments {name}: no diary read ({why}), so a plain delay "
                         "from booking to the slot held")
            continue
        read[name] = found
        notes.append(f"appointments {name}: a diary ({why}), the lead per class by "
                     "interval-censored maximum likelihood")
    out = {}
    for name, found in read.items():
        out[name] = {**_leads(name, read, cals),
                     "slots_per_week": {p: Fitted(g.per_week, g.note, g.held)
                                        for p, g in sorted(found.grids.items())}}
    return out, notes
