"""Specialists' absences, read from days on which a specialist started nothing though work waited.

A pool's ``absences.rate`` is the probability that a specialist is away on a given day
(drawn per specialist and day). A log shows an absence where a line's specialist started no
review on a day whose queue held, at the line's opening, at least :data:`BACKLOG_PER_HEAD`
cases per specialist of the line: each specialist at work that day would have started one.
Twice the head-count, so that a reserve held for the first class, which yields under a
backlog, does not read as an absence. The backlog is counted at the opening, before that
day's absences act on it, so the days are chosen by the earlier days' work: a day chosen
because its queue never emptied would be chosen for its absences, and overstate them.

The rate is the absent specialist-days over the specialist-days of those days, summed over
the pool's lines (each on its own calendar: its sessions where it has them), and it is
written when at least :data:`MIN_ABSENT` absent specialist-days were seen; the note gives
its 95% Wilson interval.

**Dated blocks** (a summer when a share of the pool is away, ``absences.blocks``) are read
first, so that they do not inflate the daily rate: a scan over every run of consecutive
days seen (:func:`absence_blocks`) finds the run whose absent share stands highest above
the other days', by the likelihood ratio of two binomial rates against one; it is a block
when that ratio clears a Bonferroni bound over all the runs tried (:data:`BLOCK_ALPHA`),
and the scan repeats on the remaining days for up to :data:`MAX_BLOCKS`. A block's dates
are its first and last days seen (a day without a backlog shows nothing, so the true
block may start or end a little earlier), its share the absences beyond the daily rate,
``(inside - rate) / (1 - rate)``, as the engine draws them (the block's specialists away,
the rate on the others). The daily rate is then read on the days outside the blocks.
The log must name the specialist of each review.

Example (the baseline's log: nobody is away):
    >>> fit_absences(log, fitted.table, fitted.calendars, {})
    {}
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

from sim.core.calendar import WorkCalendar
from sim.fit.calendars import DetectedCalendar
from sim.fit.fitted import Fitted
from sim.fit.reserves import _episode_lines, review_episodes
from sim.fit.staffing import LineCalendars, line_of

BACKLOG_PER_HEAD = 2
"""Cases waiting at the opening, per specialist of the line, for a day to show absences."""
MIN_ABSENT = 5
"""Absent specialist-days needed before a pool's absence rate is written."""
MIN_BLOCK_DAYS = 5
"""Days seen (with a backlog) a dated block must span."""
MAX_BLOCKS = 3
"""Dated blocks looked for in a pool."""
BLOCK_ALPHA = 0.01
"""Chance of reading a block into a log with none: the likelihood-ratio test's level,
Bonferroni-corrected over the runs of days tried (conservative: the runs overlap)."""


def line_absences(starts: pd.DataFrame, cases: pd.DataFrame, cal: WorkCalendar,
                  heads: int, n_days: int) -> pd.DataFrame:
    """Per day with a backlog, a line's absent specialist-days and specialist-days
    (columns ``absent``, ``exposed``; index: the day, from 0).

    ``starts``: its review episodes (``resource``, ``start_h``); ``cases``: its cases'
    ``queue_h`` and ``review_start_h`` (NaN: never started).

    >>> cal = WorkCalendar.weekly(__import__("datetime").date(2026, 1, 5), range(5), [(8, 17)])
    >>> cases = pd.DataFrame({"queue_h": [1.0] * 4, "review_start_h": [8.5, 10, 30, 40]})
    >>> starts = pd.DataFrame({"resource": ["a"] * 4, "start_h": [8.5, 10, 30, 40]})
    >>> line_absences(starts, cases, cal, heads=2, n_days=3)   # day 0: b started nothing
         absent  exposed
    day
    0         1        2
    """
    rows: dict[int, tuple[int, int]] = {}
    begun = cases["review_start_h"].fillna(np.inf).to_numpy()
    joined = cases["queue_h"].to_numpy()
    day_of = np.floor(starts["start_h"].to_numpy() / 24)
    for d in range(n_days):
        opening = float(cal.next_open(24.0 * d))
        if opening >= 24.0 * (d + 1):
            continue  # closed that day
        if ((joined <= opening) & (begun > opening)).sum() < BACKLOG_PER_HEAD * heads:
            continue
        active = starts.loc[day_of == d, "resource"].nunique()
        rows[d] = (max(heads - active, 0), heads)
    return pd.DataFrame(list(rows.values()), columns=["absent", "exposed"],
                        index=pd.Index(list(rows), name="day", dtype="int64"), dtype="int64")


def _run_llr(absent: np.ndarray, exposed: np.ndarray) -> np.ndarray:
    """Log-likelihood ratio of every run of days ``i..j`` (row ``i``, column ``j``): a rate
    of its own inside and one outside, against one rate for all; 0 where the run's rate is
    not the higher, or it is shorter than :data:`MIN_BLOCK_DAYS`."""
    a = np.concatenate([[0], np.cumsum(absent)])
    n = np.concatenate([[0], np.cumsum(exposed)])
    i, j = np.triu_indices(len(absent))
    a_in, n_in = a[j + 1] - a[i], n[j + 1] - n[i]
    a_out, n_out = a[-1] - a_in, n[-1] - n_in

    def loglik(k: np.ndarray, m: np.ndarray) -> np.ndarray:
        p = np.divide(k, m, out=np.zeros(len(k)), where=m > 0)
        return special.xlogy(k, p) + special.xlog1py(m - k, -p)

    llr = (loglik(a_in, n_in) + loglik(a_out, n_out)
           - loglik(np.full(len(i), a[-1]), np.full(len(i), n[-1])))
    higher = a_in * np.maximum(n_out, 1) > a_out * np.maximum(n_in, 1)
    out = np.zeros((len(absent), len(absent)))
    out[i, j] = np.where(higher & (j - i + 1 >= MIN_BLOCK_DAYS), llr, 0.0)
    return out


def absence_blocks(days: pd.DataFrame) -> list[tuple[int, int]]:
    """Dated blocks in a pool's days (``absent``, ``exposed`` by day, as from
    :func:`line_absences` summed over the lines): the rows (positions) of the first and last
    day of each, in order.

    Example (twelve days, 1 of 10 away, then six days with 5 of 10 away):
        >>> days = pd.DataFrame({"absent": [1] * 12 + [5] * 6 + [1] * 6, "exposed": 10})
        >>> absence_blocks(days)
        [(12, 17)]
        >>> absence_blocks(days.assign(absent=1))
        []
    """
    found: list[tuple[int, int]] = []
    keep = np.ones(len(days), dtype=bool)
    for _ in range(MAX_BLOCKS):
        idx = np.flatnonzero(keep)
        if len(idx) < MIN_BLOCK_DAYS:
            break
        # a run may not straddle a block already found: scan each stretch between them
        best, where = 0.0, None
        for part in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
            llr = _run_llr(days["absent"].to_numpy()[part], days["exposed"].to_numpy()[part])
            k = int(np.argmax(llr))
            if llr.flat[k] > best:
                best = float(llr.flat[k])
                where = (int(part[k // len(part)]), int(part[k % len(part)]))
        runs = len(idx) * (len(idx) + 1) / 2
        if where is None or 2 * best < stats.chi2.isf(BLOCK_ALPHA / runs, 1):
            break
        found.append(where)
        keep[where[0]:where[1] + 1] = False
    return sorted(found)


def _pool_lines(log, t: pd.DataFrame, calendars: Mapping[str, DetectedCalendar],  # noqa: ANN001
                lines: LineCalendars) -> dict[str, list[tuple[int, pd.DataFrame]]]:
    """Pool -> (head-count, :func:`line_absences`) of each of its lines."""
    eps = review_episodes(log.events)
    if eps.empty or eps["resource"].replace("", np.nan).isna().all():
        return {}
    eps = _episode_lines(log, eps, t)
    queued = t[t["queue_h"].notna() & t["pool"].notna()]
    queued = queued.assign(line=line_of(queued))
    n_days = max(0, math.floor(log.end_h / 24))  # whole days only
    out: dict[str, list[tuple[int, pd.DataFrame]]] = {}
    for (pool, line), starts in eps.groupby(["pool", "line"]):
        if pool not in calendars:
            continue
        cal = lines.get((pool, line)) or calendars[pool].work_calendar(log.start)
        mine = queued[(queued["pool"] == pool) & (queued["line"] == line)]
        heads = starts["resource"].nunique()
        out.setdefault(pool, []).append((heads, line_absences(starts, mine, cal, heads, n_days)))
    return out


def block_share(lines: list[tuple[int, pd.DataFrame]], first: int, last: int,
                rate: float) -> float:
    """The block share that puts as many specialist-days away on days ``first`` to ``last``
    as the log shows, with the engine's rounding: ``share x heads`` rounded to whole heads
    on each line, and the daily ``rate`` on the others. Of the shares that match best, the
    one nearest the plain estimate ``(inside - rate) / (1 - rate)``.

    Example (one line of 6, 2 away on each of 10 days, no daily absences: a share of 0.3
    rounds to 2 heads, as 1/3 does; 0.423 would round to 3):
        >>> days = pd.DataFrame({"absent": [2] * 10, "exposed": [6] * 10})
        >>> block_share([(6, days)], 0, 9, 0.0)
        0.333
    """
    seen = [(h, d.loc[first:last]) for h, d in lines]
    absent = sum(int(d["absent"].sum()) for _, d in seen)
    exposed = sum(int(d["exposed"].sum()) for _, d in seen)
    plain = max(0.0, (absent / exposed - rate) / (1 - rate)) if exposed else 0.0
    shares = np.round(np.arange(0, 1001) / 1000, 3)
    predicted = np.zeros(len(shares))
    for heads, d in seen:
        away = np.floor(shares * heads + 0.5)  # as sim.engine.rosters rounds a block
        predicted += len(d) * (away + (heads - away) * rate)
    miss = np.abs(predicted - absent)
    best = np.flatnonzero(miss <= miss.min() + 1e-9)
    return float(shares[best[np.argmin(np.abs(shares[best] - plain))]])


def fit_absences(log, t: pd.DataFrame, calendars: Mapping[str, DetectedCalendar],  # noqa: ANN001
                 lines: LineCalendars) -> dict[str, dict[str, Fitted]]:
    """Pool -> its ``absences`` section (``rate``, and ``blocks`` where the log shows some),
    where the log shows absences (module docstring).

    ``lines``: (pool, line) -> the calendar of a line on sessions.
    """
    out = {}
    for pool, by_line in _pool_lines(log, t, calendars, lines).items():
        days = pd.concat([d for _, d in by_line]).groupby(level="day").sum().sort_index()
        if days["absent"].sum() < MIN_ABSENT:
            continue
        blocks = absence_blocks(days)
        inside = np.zeros(len(days), dtype=bool)
        for i, j in blocks:
            inside[i:j + 1] = True
        absent, exposed = (int(x) for x in days[~inside].sum())
        rate = absent / exposed if exposed else 0.0
        lo, hi = stats.binomtest(absent, exposed).proportion_ci(method="wilson") \
            if exposed else (0.0, 1.0)
        section = {"rate": Fitted(round(rate, 4), (
            f"{absent} of {exposed} specialist-days with no review started although the "
            f"line's queue held {BACKLOG_PER_HEAD} cases per specialist at the opening "
            f"(95% CI [{lo:.3f}, {hi:.3f}])" + (", outside the dated blocks" if blocks
                                                else "; no dated block seen")), exposed)}
        if blocks:
            section["blocks"] = _blocks_entry(log.start, days, by_line, blocks, rate)
        out[pool] = section
    return out


def _blocks_entry(start: dt.date, days: pd.DataFrame, by_line: list[tuple[int, pd.DataFrame]],
                  blocks: list[tuple[int, int]], rate: float) -> Fitted:
    """The ``blocks`` list: dates, and the share away beyond the daily ``rate``."""
    value, notes, n = [], [], 0
    for i, j in blocks:
        part = days.iloc[i:j + 1]
        a, m = int(part["absent"].sum()), int(part["exposed"].sum())
        lo, hi = stats.binomtest(a, m).proportion_ci(method="wilson")
        first, last = (start + dt.timedelta(days=int(d)) for d in (part.index[0], part.index[-1]))
        share = block_share(by_line, int(part.index[0]), int(part.index[-1]), rate)
        value.append({"start": first, "end": last, "share": share})
        notes.append(f"{first:%d %b}-{last:%d %b %Y}: {a} of {m} specialist-days away on the "
                     f"{len(part)} days seen with a backlog (95% CI [{lo:.3f}, {hi:.3f}])")
        n += m
    return Fitted(value, "dated blocks: " + "; ".join(notes) + "; first and last days seen "
                  "(a day without a backlog shows nothing); share beyond the daily rate, "
                  "rounded to whole heads on each line as the engine does", n)
