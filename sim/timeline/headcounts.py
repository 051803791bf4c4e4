"""Growth that needs hiring: specialists year by year, from a hiring plan (``timeline.hiring``).

Each queue (``in_house/oncology``) starts the timeline with the scenario's head-count. A hire
decided in year Y (at the start of Y, the timeline's month and day) is productive
``lead_time_months`` later (a month is 365.25 / 12 days); the specialists leave at
``attrition_per_year``: each year the expected leavers (rate x head-count at the year's start)
accumulate, and whenever the total passes the next half a specialist leaves, spread evenly
over the year. So the counts are whole people and, on average, the rate holds; the same plan
gives the same counts (no random draw).

:func:`head_counts` builds that ledger day by day; :func:`year_with_staff` writes one year's
part of it into the year's scenario: each queue's ``specialists`` become the year's largest
head-count, and the days with fewer people become absence blocks of that line (those gaps
are vacancies, not leave), on top of the pool's own absences. The year's scenario is an
ordinary scenario, so its run is reproducible on its own.

Example:
    >>> from sim.scenario.hiring import Hiring
    >>> hiring = Hiring(lead_time_months=6, attrition_per_year=0.1,
    ...                 plan={2026: {"in_house/oncology": 2}})
    >>> ledger = head_counts(scenario, 2026, 2028, hiring)
    >>> ledger.table.query("queue == 'in_house/oncology'")[
    ...     ["year", "hires_decided", "arrived", "left", "heads_start", "heads_end"]]
       year  hires_decided  arrived  left  heads_start  heads_end
    0  2026              2        2     0            4          6
    1  2027              0        0     1            6          5
    2  2028              0        0     1            5          4
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario.hiring import Hiring
from sim.scenario.models import Scenario
from sim.scenario.rosters import AbsenceBlock, Absences

__all__ = ["Ledger", "head_counts", "queue_counts", "year_with_staff"]

DAYS_PER_MONTH = 365.25 / 12


def _shift(d: dt.date, year: int) -> dt.date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


def queue_counts(s: Scenario) -> dict[str, int]:
    """Head-count of every queue key ``pool/line`` of the scenario (zeros included)."""
    out: dict[str, int] = {}
    for pname, pool in s.pools.items():
        out.update({f"{pname}/{sp}": n for sp, n in pool.specialists.items()})
        out.update({f"{pname}/{sp}/{sub}": n for sp, subs in pool.subspecialists.items()
                    for sub, n in subs.items()})
    return out


@dataclass(frozen=True)
class Ledger:
    """Specialists at work per queue and day, from the first year's start.

    ``heads``: queue -> array over days; ``starts``: year -> index of its first day;
    ``table``: one row per year and queue: ``hires_decided``, ``arrived``, ``left``,
    ``heads_start``, ``heads_end``, ``heads_mean`` (over the year's days).
    """

    first_start: dt.date
    heads: dict[str, np.ndarray]
    starts: dict[int, int]
    table: pd.DataFrame


def head_counts(s: Scenario, first_year: int, last_year: int,
                hiring: Hiring | None = None) -> Ledger:
    """The day-by-day ledger of every queue over ``first_year..last_year``."""
    hiring = hiring or (s.timeline.hiring if s.timeline else None) or Hiring()
    first = _shift(s.simulation.start, first_year)
    starts = {y: (_shift(s.simulation.start, y) - first).days
              for y in range(first_year, last_year + 2)}
    n_days = starts[last_year + 1]
    lead_days = int(round(hiring.lead_time_months * DAYS_PER_MONTH))
    heads, rows = {}, []
    for q, base in queue_counts(s).items():
        change = np.zeros(n_days + 1, dtype=np.int64)
        for year, hires in hiring.plan.items():
            n = hires.get(q, 0)
            if n and first_year <= year <= last_year:
                change[min(starts[year] + lead_days, n_days)] += n
        expected = 0.0
        left_total = 0
        for y in range(first_year, last_year + 1):
            d0, d1 = starts[y], starts[y + 1]
            at_start = base + int(change[:d0 + 1].sum())
            expected += hiring.attrition_per_year * max(at_start, 0)
            leave = max(int(math.floor(expected + 0.5)) - left_total, 0)
            for k in range(leave):  # spread evenly over the year
                change[d0 + int((k + 0.5) / leave * (d1 - d0))] -= 1
            left_total += leave
        h = np.maximum(base + np.cumsum(change)[:n_days], 0)
        heads[q] = h
        for y in range(first_year, last_year + 1):
            d0, d1 = starts[y], starts[y + 1]
            arrived = int(change[d0:d1][change[d0:d1] > 0].sum())
            rows.append({"year": y, "queue": q,
                         "hires_decided": hiring.plan.get(y, {}).get(q, 0),
                         "arrived": arrived,
                         "left": int(-change[d0:d1][change[d0:d1] < 0].sum()),
                         "heads_start": int(h[d0]), "heads_end": int(h[d1 - 1]),
                         "heads_mean": float(h[d0:d1].mean())})
    return Ledger(first, heads, starts, pd.DataFrame(rows))


def _blocks(year_start: dt.date, h: np.ndarray, most: int, line: str) -> list[AbsenceBlock]:
    """Runs of days with fewer than ``most`` at work, as absence blocks of ``line``."""
    out = []
    edges = np.flatnonzero(np.diff(h)) + 1
    for a, b in zip(np.r_[0, edges], np.r_[edges, len(h)], strict=True):
        if h[a] < most:
            out.append(AbsenceBlock.model_validate({
                "start": year_start + dt.timedelta(days=int(a)),
                "end": year_start + dt.timedelta(days=int(b) - 1),
                "share": (most - int(h[a])) / most, "lines": [line]}))
    return out


def year_with_staff(s: Scenario, ledger: Ledger, year: int) -> Scenario:
    """The year's scenario ``s`` (already shifted to start in ``year``) with the ledger's
    head-counts: the year's largest count per queue, fewer on some days as absence blocks."""
    d0, d1 = ledger.starts[year], ledger.starts[year + 1]
    pools = {}
    for pname, pool in s.pools.items():
        specialists, subs, blocks = dict(pool.specialists), {}, []
        for sp in pool.specialists:
            h = ledger.heads[f"{pname}/{sp}"][d0:d1]
            specialists[sp] = int(h.max())
            if h.max() > 0:
                blocks += _blocks(s.simulation.start, h, int(h.max()), sp)
        for sp, by_sub in pool.subspecialists.items():
            subs[sp] = {}
            for sub in by_sub:
                h = ledger.heads[f"{pname}/{sp}/{sub}"][d0:d1]
                subs[sp][sub] = int(h.max())
                if h.max() > 0:
                    blocks += _blocks(s.simulation.start, h, int(h.max()), f"{sp}/{sub}")
        absences = pool.absences
        if blocks:
            own = absences or Absences()
            absences = own.model_copy(update={"blocks": [*own.blocks, *blocks]})
        pools[pname] = pool.model_copy(update={"specialists": specialists,
                                               "subspecialists": subs, "absences": absences})
    return s.model_copy(update={"pools": pools})
