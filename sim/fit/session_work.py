"""The work of a line on sessions, measured on its sessions.

A pool's reviews are first measured as working time on the pool's calendar
(:mod:`sim.fit.build`): a review started at 11:00 on a Tuesday and finished at 09:00 on
Friday is 25 hours of work on an 08:00-17:00 pool. A line found to work only in sessions
(:mod:`sim.fit.sessions`, oncology on four 4-hour sessions a week) did not work in between,
and the engine counts its reviews' work on the sessions alone (its queue's calendar is the
sessions', with the pool calendar's holidays), so the same review is 2 hours of work there:
measured on the pool's calendar a session line's work is inflated by the closed hours
between sessions, its expected wait too, and too many of its cases are routed out.

Once the sessions are read, the line's reviews are measured again on the sessions'
calendar, its review duration is refitted (``review_by_specialty``; a subspecialty line
keeps its specialty's), the pool's ``review`` is refitted from all its reviews, and the
sessions' calendars are returned for routing to count the line's expected wait on
(:func:`sim.fit.staffing.fit_staffing`).

Example (the baseline's log has no sessions: nothing to measure again):
    >>> session_work(log, stage_table(log), fitted.scenario, fitted, {}, None)
    {}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.fit.fitted import Fitted
from sim.fit.sessions import session_calendar
from sim.fit.staffing import LineCalendars, line_of
from sim.fit.stages import stage_table  # noqa: F401  (for the example)

Entry = Callable[[np.ndarray, str, float], Fitted]
"""(work in hours, duration key, share of starts estimated) -> the scenario's entry."""


def _lines(rows: pd.DataFrame) -> pd.Series:
    """Each review's line, the specialist's where the resource names it (as staffing)."""
    line = line_of(rows)
    return rows["resource_line"].fillna(line) if "resource_line" in rows else line


def session_work(log, t: pd.DataFrame, scenario: dict, fitted,  # noqa: ANN001
                 sessions: Mapping[str, Mapping[str, Fitted]], entry: Entry | None
                 ) -> LineCalendars:
    """Measure the session lines' work again (module docstring); (pool, line) -> calendar.

    ``t``'s ``review_effort_h`` is updated in place; ``entry`` makes a duration's entry.
    """
    out: LineCalendars = {}
    for pool, found in sessions.items():
        rows = t[t["review_end_h"].notna() & (t["pool"] == pool)]
        line = _lines(rows)
        for name, value in found.items():
            cal: WorkCalendar = session_calendar(value.value, fitted.calendars[pool],
                                                 log.start)
            out[(pool, name)] = cal
            mine = rows[(line == name).to_numpy()]
            work = np.asarray(cal.working_hours_between(
                mine["review_start_h"].to_numpy(), mine["review_end_h"].to_numpy()))
            t.loc[mine.index, "review_effort_h"] = work
            if "/" not in name and entry is not None:
                by_sp = scenario["pools"][pool].setdefault("review_by_specialty", {})
                by_sp[name] = entry(work, f"review.{pool}.{name}",
                                    float(mine["review_start_estimated"].mean()))
        if entry is not None:
            done = t.loc[rows.index]
            scenario["pools"][pool]["review"] = entry(
                done["review_effort_h"].to_numpy(), f"review.{pool}",
                float(done["review_start_estimated"].mean()))
    return out
