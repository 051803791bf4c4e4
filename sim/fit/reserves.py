"""Specialists held back from the last priority class: strict, or yielding to a long queue.

A reserve keeps specialists of each line free for the earlier classes. The engine's rule
(:class:`sim.engine.pools.Staff`): a case of the last class may not take one of a line's
last ``reserve`` free specialists, unless the reserve yields: at least ``reserve_yields_at``
cases of that class wait in the line's queue (the one joining counted).

Two readings of a log:

- **strict** (:func:`strict_reserves`): on each line of two or more specialists, the most
  reviews of the last class under way at once; a pool whose every such line stayed the same
  number short of its specialists (and at least one short) held that many back;
- **yielding** (:func:`yielding_reserves`): the log's occupancy of each line, rebuilt from
  the review episodes (from the case's last step before the review, its queue entry, to
  the review's start: waiting; from the start to the completion: busy, screens of misrouted
  cases included, on the line of the specialist who did them), in the pool's open hours.
  With ``k`` cases of the last class waiting and none of an earlier class, a line whose
  specialists are all busy holds nothing back; a line with one free is holding it. A
  specialist counts as at work on a day only if they started a review that day: one away
  (``absences``) is not free, and counting them so made a line look held at every queue
  length (no threshold), so that a summer's absences hid the real reserve. A held
  specialist who started nothing all day is missed too, so the held shares are lower
  bounds (on the baseline's log 0.34-0.45 at 1-3 waiting, against 0.73-0.92 counting every
  name as at work), still far above the :data:`MIN_HELD_SHARE` a reserve needs. Without
  a reserve the share of such time with a specialist free is about nil at every ``k``
  (work conservation); a reserve that yields at ``Y`` holds specialists free through much
  of the time at ``k < Y`` and never at ``k >= Y``. The threshold is the smallest ``k``
  from which no held time is seen, and the reserve the number free while held. A reserve
  that yields at once when the queue reaches ``Y`` may leave ``k >= Y`` never seen at all:
  then, if the last class did have every specialist of a line at times (it yields), the
  threshold is the first count not seen held (:func:`_threshold`).

Only the time in open hours counts (a case taken when the pool is closed starts its review
at the opening, so its wait in the log is longer than the queue's), and only reviews with a
start event in the log (estimated starts say nothing about when a specialist was free).

Example (the baseline's 14-day log, with the case attributes from its case table):
    >>> from sim.fit.own import with_case_attributes
    >>> from sim.fit.read import log_from_frame
    >>> from sim.fit.stages import stage_table
    >>> ev = results.events[results.events["case_id"].astype(str).str.startswith("r0-")]
    >>> own = log_from_frame(with_case_attributes(ev, results.cases))
    >>> t, pools = stage_table(own), fitted.scenario["pools"]
    >>> strict_reserves(t, pools, "routine")  # routine cases took every specialist at times
    {}
    >>> cals = {p: fitted.calendars[p].work_calendar(own.start) for p in pools}
    >>> occupancy, reviews = pool_occupancy(own, t, pools, "routine", cals)["in_house"]
    >>> occupancy.share()[1:4].round(2), reviews  # held free with 1, 2, 3 waiting
    (array([0.34, 0.37, 0.45]), 227)
    >>> occupancy.share()[4:].round(2)  # 4 or more waiting: not long enough to tell
    array([nan, nan, nan, nan, nan, nan, nan, nan, nan])
    >>> occupancy.took_all  # yet routine cases had a whole line at times: the reserve yields
    True
    >>> reserve, yields = yielding_reserves(own, t, pools, "routine", cals)
    >>> reserve["in_house"].value, yields.value  # the baseline's: 1, yielding at 4
    (1, 4)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.fit.fitted import Fitted
from sim.fit.staffing import line_of, max_concurrent
from sim.fit.stages import pool_of

MIN_CASES = 20
"""Reviews of the last class a line needs before its occupancy is read."""
MIN_HELD_SHARE = 0.05
"""Share of the open hours with ``k`` waiting during which a specialist must be held free
for ``k`` to count as held (no reserve: work conservation leaves only instants)."""
MIN_EXPOSURE_H = 2.0
"""Open hours with ``k`` waiting needed to say whether a specialist was held at ``k``."""
MAX_WAITING = 12
"""Waiting counts read (a threshold above it would not be seen on most logs)."""


def _staffed(entry: Mapping) -> dict[str, int]:
    return {line: int(v.value if isinstance(v, Fitted) else v)
            for line, v in entry.get("specialists", {}).items() if v}


def strict_reserves(t: pd.DataFrame, pools: Mapping, last: str) -> dict[str, Fitted]:
    """Per pool, the specialists the last class never took on any line (trunk reservation)."""
    out = {}
    # reviewed once (a misrouted case's screening is on another line's specialists)
    done = t[t["review_end_h"].notna() & t["pool"].notna() & (t["reviews"] == 1)]
    for pool, entry in pools.items():
        rows = done[(done["pool"] == pool) & (done["priority"].astype(str) == last)]
        gaps, evidence = [], []
        lines = line_of(rows)
        if "resource_line" in rows:  # a misrouted case screened, then gone: the screener's
            lines = rows["resource_line"].fillna(lines)
        for line, r in rows.groupby(lines):
            n = _staffed(entry).get(str(line))
            if n is None or n < 2 or len(r) < MIN_CASES:
                continue
            busy = max_concurrent(r["review_start_h"].to_numpy(), r["review_end_h"].to_numpy())
            gaps.append(n - busy)
            evidence.append(f"{line} {busy} of {n}")
        staffed = list(_staffed(entry).values())
        if (gaps and min(gaps) >= 1 and len(set(gaps)) == 1
                and all(k > gaps[0] for k in staffed if k)):  # every line keeps one for all
            out[pool] = Fitted(gaps[0], f"{last} cases never held more than all but "
                               f"{gaps[0]} of a line's specialists at once ({', '.join(evidence)})",
                               len(rows))
    return out


def review_episodes(events: pd.DataFrame) -> pd.DataFrame:
    """Each review episode with a start event: ``case``, ``resource``, ``join_h`` (the case's
    last other step before it: its queue entry), ``start_h``, ``end_h`` (NaN: under way)."""
    rev = events[events["stage"] == "review"].sort_values(["case", "time_h", "row"])
    starts = rev[rev["lifecycle"] == "start"].copy()
    ends = rev[rev["lifecycle"] == "complete"].copy()
    starts["k"] = starts.groupby("case", sort=False).cumcount()
    ends["k"] = ends.groupby("case", sort=False).cumcount()
    eps = starts[["case", "k", "resource", "time_h"]].rename(columns={"time_h": "start_h"})
    eps = eps.merge(ends[["case", "k", "time_h"]].rename(columns={"time_h": "end_h"}),
                    on=["case", "k"], how="left")
    before = events[(events["lifecycle"] == "complete")
                    & ~events["stage"].isin(["review", "opinion", "abandoned"])]
    before = before[["case", "time_h"]].rename(columns={"time_h": "join_h"})
    eps["case"] = eps["case"].astype(str)
    before = before.assign(case=before["case"].astype(str)).sort_values("join_h")
    eps = pd.merge_asof(eps.sort_values("start_h"), before, left_on="start_h",
                        right_on="join_h", by="case", direction="backward")
    eps["join_h"] = eps["join_h"].fillna(eps["start_h"])
    return eps.drop(columns="k").reset_index(drop=True)


@dataclass(frozen=True)
class Occupancy:
    """Open hours of a pool's lines by cases of the last class waiting (index ``k``)."""

    exposure_h: np.ndarray
    """Open hours with ``k`` of the last class waiting and none of an earlier class."""
    held_h: np.ndarray
    """Of those, the hours with a specialist of the line free."""
    free_h: dict[int, float]
    """Held hours by the number of specialists free."""
    took_all: bool = False
    """Whether the last class had every specialist of a line at once (so a reserve yields)."""

    def share(self) -> np.ndarray:
        """Per ``k``, the share of the exposure held (NaN where too little exposure)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            s = self.held_h / self.exposure_h
        return np.where(self.exposure_h >= MIN_EXPOSURE_H, s, np.nan)


def line_occupancy(eps: pd.DataFrame, is_last: np.ndarray, n: int, cal: WorkCalendar,
                   end_h: float) -> Occupancy:
    """The open hours of one line (its episodes ``eps``, ``n`` specialists) by the number of
    last-class cases waiting, and how many of them had a specialist free."""
    end = eps["end_h"].fillna(end_h).to_numpy(dtype=float)
    join, start = eps["join_h"].to_numpy(dtype=float), eps["start_h"].to_numpy(dtype=float)
    last, earlier = is_last.astype(float), (~is_last).astype(float)
    times = np.concatenate([join, start, start, end])
    d_last = np.concatenate([last, -last, np.zeros(len(end) * 2)])
    d_early = np.concatenate([earlier, -earlier, np.zeros(len(end) * 2)])
    d_busy = np.concatenate([np.zeros(len(join) * 2), np.ones(len(start)), -np.ones(len(end))])
    order = np.argsort(times, kind="stable")
    times = times[order]
    at, first = np.unique(times, return_index=True)
    # the state after every change at one instant
    idx = np.append(first[1:], len(times)) - 1
    w_last = np.rint(np.cumsum(d_last[order])[idx]).astype(int)
    w_early = np.rint(np.cumsum(d_early[order])[idx]).astype(int)
    busy = np.rint(np.cumsum(d_busy[order])[idx]).astype(int)
    nxt = np.minimum(np.append(at[1:], end_h), end_h)
    ok = nxt > at
    open_h = np.zeros(len(at))
    open_h[ok] = cal.working_hours_between(at[ok], nxt[ok])
    sel = (w_early == 0) & (w_last >= 1) & (w_last <= MAX_WAITING) & (open_h > 0)
    at_work = np.minimum(n, _present(eps, at[sel]))
    k, free, hours = w_last[sel], at_work - busy[sel], open_h[sel]
    exposure = np.bincount(k, hours, MAX_WAITING + 1)
    held = np.bincount(k[free > 0], hours[free > 0], MAX_WAITING + 1)
    free_h = {int(f): float(hours[free == f].sum()) for f in np.unique(free[free > 0])}
    took_all = max_concurrent(start[is_last], end[is_last]) >= n
    return Occupancy(exposure, held, free_h, took_all)


def _present(eps: pd.DataFrame, at_h: np.ndarray) -> np.ndarray:
    """The line's specialists at work on the day of each instant ``at_h``: those who started
    a review that day. A specialist away (``absences``) is not free, and counting them so
    would read their absence as a reserve held."""
    day = np.floor(eps["start_h"].to_numpy(dtype=float) / 24).astype(np.int64)
    present = pd.Series(eps["resource"].to_numpy()).groupby(day).nunique()
    at_day = np.floor(at_h / 24).astype(np.int64)
    return present.reindex(at_day).fillna(0).to_numpy(dtype=np.int64)


def _add(a: Occupancy | None, b: Occupancy) -> Occupancy:
    if a is None:
        return b
    free = dict(a.free_h)
    for f, h in b.free_h.items():
        free[f] = free.get(f, 0.0) + h
    return Occupancy(a.exposure_h + b.exposure_h, a.held_h + b.held_h, free,
                     a.took_all or b.took_all)


def _episode_lines(log, eps: pd.DataFrame, t: pd.DataFrame) -> pd.DataFrame:  # noqa: ANN001
    """``pool`` and ``line`` of each episode: the reviewing specialist's, where the resource
    names them (sosim's own logs), else the case's."""
    res = eps["resource"].fillna("").astype(str)
    pool = pool_of(log, res)
    line = pd.Series(np.nan, index=eps.index, dtype=object)
    if log.map.resource_pattern:
        found = res.str.extract(re.compile(log.map.resource_pattern))
        if "specialty" in found:
            sub = found["subspecialty"].fillna("") if "subspecialty" in found else ""
            line = (found["specialty"] + np.where(sub != "", "/" + sub, "")).where(
                found["specialty"].notna())
    case_line = line_of(t).reindex(eps["case"]).to_numpy()
    return eps.assign(pool=pool.fillna(eps["case"].map(t["pool"])),
                      line=line.fillna(pd.Series(case_line, index=eps.index)))


def pool_occupancy(log, t: pd.DataFrame, pools: Mapping, last: str,  # noqa: ANN001
                   calendars: Mapping[str, WorkCalendar],
                   line_calendars: Mapping[tuple[str, str], WorkCalendar] | None = None
                   ) -> dict[str, tuple[Occupancy, int]]:
    """Per pool, the occupancy of its lines of two or more specialists (summed), and the
    last-class reviews read; a line's open hours are its sessions' where ``line_calendars``
    has them (keyed by pool and line), else the pool's."""
    if "priority" not in t:
        return {}
    eps = review_episodes(log.events)
    if eps.empty:
        return {}
    eps = _episode_lines(log, eps, t)
    prio = eps["case"].map(t["priority"].astype(str).where(t["priority"].notna()))
    eps = eps[prio.notna()].assign(last=(prio[prio.notna()] == last).to_numpy())
    out = {}
    for pool, entry in pools.items():
        if pool not in calendars:
            continue
        total, reviews = None, 0
        for line, r in eps[eps["pool"] == pool].groupby("line"):
            n = _staffed(entry).get(str(line))
            if n is None or n < 2 or r["last"].sum() < MIN_CASES:
                continue
            cal = (line_calendars or {}).get((pool, str(line)), calendars[pool])
            total = _add(total, line_occupancy(r, r["last"].to_numpy(), n, cal, log.end_h))
            reviews += int(r["last"].sum())
        if total is not None:
            out[pool] = (total, reviews)
    return out


def _most_free(occ: Occupancy) -> int:
    """The number of specialists free through most of the held hours."""
    return max(occ.free_h, key=occ.free_h.get)


def _threshold(occ: Occupancy) -> int | None:
    """The waiting count from which the reserve yields: held at every ``k`` below it, at
    none from it on (each with enough exposure to tell); None when that is not the shape.

    A threshold never seen (no count from it on, up to :data:`MAX_WAITING`, waited long
    enough in open hours to tell) is still read when the last class had all of a line's
    specialists at times: the reserve yields, and at the first count not seen held (a later
    threshold would have held a specialist free while that many waited, so that count would
    have been seen). Held at every count read is not a threshold.
    """
    share = occ.share()
    seen = np.flatnonzero(~np.isnan(share))
    held = seen[share[seen] >= MIN_HELD_SHARE]
    if not len(held) or held[0] != 1:
        return None
    y = int(held.max()) + 1
    if list(held) != list(range(1, y)):
        return None  # a count below not held (or not seen)
    if y in set(seen) or (occ.took_all and y < len(share) and not (seen > y).any()):
        return y
    return None  # the threshold not seen (or past the counts read), and no line yielded


def fit_reserve(log, t: pd.DataFrame, pools: Mapping, last: str,  # noqa: ANN001
                calendars: Mapping[str, WorkCalendar],
                line_calendars: Mapping[tuple[str, str], WorkCalendar] | None = None
                ) -> tuple[dict[str, Fitted], Fitted | None]:
    """Per pool the specialists held back from ``last``, and the count from which they yield
    (None: strict): the strict reading where it holds, else the yielding one ({} and None
    when neither does). Arguments as for :func:`yielding_reserves`.

    Example (the baseline's 14-day log, with its case attributes):
        >>> from sim.fit.own import with_case_attributes
        >>> from sim.fit.read import log_from_frame
        >>> from sim.fit.stages import stage_table
        >>> ev = results.events[results.events["case_id"].astype(str).str.startswith("r0-")]
        >>> own = log_from_frame(with_case_attributes(ev, results.cases))
        >>> pools = fitted.scenario["pools"]
        >>> cals = {p: fitted.calendars[p].work_calendar(own.start) for p in pools}
        >>> reserve, yields = fit_reserve(own, stage_table(own), pools, "routine", cals)
        >>> reserve["in_house"].value, yields.value
        (1, 4)
    """
    strict = strict_reserves(t, pools, last)
    if strict:
        return strict, None
    found = yielding_reserves(log, t, pools, last, calendars, line_calendars)
    return found if found is not None else ({}, None)


def yielding_reserves(log, t: pd.DataFrame, pools: Mapping, last: str,  # noqa: ANN001
                      calendars: Mapping[str, WorkCalendar],
                      line_calendars: Mapping[tuple[str, str], WorkCalendar] | None = None
                      ) -> tuple[dict[str, Fitted], Fitted] | None:
    """Per pool the specialists held back from the last class until enough of it waits,
    and that number (``reserve_yields_at``), with the occupancy that shows it; None when
    the log shows no such reserve (module docstring; ``line_calendars``: lines' sessions,
    :func:`pool_occupancy`)."""
    occ = pool_occupancy(log, t, pools, last, calendars, line_calendars)
    # a reserve leaves every line of the pool a specialist for the later classes (the
    # scenario's rule): more held free than that is not a reserve the pool can have
    holding = {p: o for p, o in occ.items() if _threshold(o[0]) is not None
               and _most_free(o[0]) < min(_staffed(pools[p]).values(), default=0)}
    if not holding:
        return None
    total = None
    for o, _ in holding.values():
        total = _add(total, o)
    y = _threshold(total)
    if y is None:
        return None
    reserve, n = {}, 0
    for pool, (o, reviews) in holding.items():
        free = _most_free(o)
        held = sum(o.free_h.values())
        reserve[pool] = Fitted(free, f"while {last} cases waited, {free} of a line's "
                               f"specialists stayed free in {o.free_h[free] / held:.0%} of "
                               f"the {held:.0f} open hours one was ({reviews} {last} reviews)",
                               reviews)
        n += reviews
    share = total.share()
    shown = ", ".join(f"{k}: {share[k]:.0%} of {total.exposure_h[k]:.0f} h"
                      for k in range(1, min(len(share), y + 3)) if not np.isnan(share[k]))
    note = (f"open hours with k {last} cases waiting in which a specialist was held free "
            f"({shown}): held below {y}, never from {y} on")
    if np.isnan(share[y]):
        note = (f"open hours with k {last} cases waiting in which a specialist was held free "
                f"({shown}): held at every count seen, below {y}; {y} or more never waited "
                f"long enough to tell, but {last} cases had all of a line's specialists at "
                f"times, so the reserve yields: at {y}, the first count not seen held")
    return reserve, Fitted(y, note, n)
