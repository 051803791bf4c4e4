"""A pool's kind, read from where its cases went.

sosim's kinds are about routing: in-house pools are the first choice, outsourced pools take
the cases the in-house pools are too busy for (``routing.policy: overflow``). A pool whose
kind the map or its name does not say (``in_house``/``outsourced`` in the name,
``pools.kinds`` in the map) is read from the in-house pools' expected wait when its cases
were routed (rebuilt as :mod:`sim.fit.staffing` does): when its cases came while the
in-house queue was markedly longer than when the in-house pools took theirs (one-sided
Mann-Whitney p < :data:`KIND_P`, and its median above the in-house cases' upper quartile),
it is an overflow destination, so outsourced. Otherwise it stays in-house. The log cannot
tell who employs the specialists, only how the platform routes to them.

A contract's weekly cap is not read: a reading from weekly maxima found false caps on logs
where no cap binds (a cap of 5 a week on sessions_and_contract's Bangalore pool, which has
none), and missed binding ones by the week-boundary noise of dropped-out and re-routed cases.

Example:
    >>> named_kind("abroad", {}) is None, named_kind("acme_outsourced", {})
    (True, 'outsourced')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from sim.core.calendar import WorkCalendar
from sim.fit.fitted import Fitted

if TYPE_CHECKING:
    from sim.fit.staffing import Staffing

KIND_P = 0.001
"""One-sided Mann-Whitney level for reading a pool as an overflow destination."""
MIN_KIND_CASES = 10
"""Reviews a pool needs before its kind is read from the log."""


def named_kind(pool: str, kinds: dict[str, str]) -> str | None:
    """The kind the map (``kinds``) or the pool's name says, or None."""
    if pool in kinds:
        return kinds[pool]
    low = pool.lower()
    if "outsourc" in low:
        return "outsourced"
    if "in_house" in low or "in-house" in low or "inhouse" in low:
        return "in_house"
    return None


def read_kinds(done: pd.DataFrame, calendars: dict[str, WorkCalendar],
               specialists: dict[str, dict[str, Fitted]], named: dict[str, str | None],
               line_calendars: dict[tuple[str, str], WorkCalendar] | None = None
               ) -> dict[str, Fitted]:
    """Pool -> its kind, with the evidence (see the module docstring).

    ``done``: reviewed cases (``pool``, ``specialty``, ``queue_h``, review times and work);
    ``named``: pool -> the kind the map or its name says (None where neither does);
    ``line_calendars``: (pool, line) -> a line's sessions calendar.
    """
    from sim.fit.staffing import _expected_inhouse_wait

    out = {p: Fitted(k, "named in the map or by the pool's name") for p, k in named.items()
           if k is not None}
    unknown = [p for p, k in named.items() if k is None]
    anchors = [p for p, k in named.items() if k == "in_house"]
    if not anchors and unknown:  # the pool with most reviews is the platform's own
        sizes = done["pool"].value_counts()
        anchors = [max(unknown, key=lambda p: sizes.get(p, 0))]
        out[anchors[0]] = Fitted("in_house", f"not named; the pool with most reviews "
                                 f"({sizes.get(anchors[0], 0)}), taken as the platform's own")
    inside = {p: ("in_house" if p in anchors else "outsourced") for p in named}
    lines = set(done.loc[done["pool"].isin(anchors), "specialty"])
    own = done[done["pool"].isin(anchors)]
    own_w, _ = _expected_inhouse_wait(done, own, calendars, inside, specialists,
                                      line_calendars)
    own_w = own_w[np.isfinite(own_w)]
    for pool in (p for p in unknown if p not in anchors):
        rows = done[(done["pool"] == pool) & done["specialty"].isin(lines)]
        w, _ = _expected_inhouse_wait(done, rows, calendars, inside, specialists,
                                      line_calendars)
        w = w[np.isfinite(w)]
        if len(w) < MIN_KIND_CASES or len(own_w) < MIN_KIND_CASES:
            out[pool] = Fitted("in_house", f"not named, and {len(w)} reviews on lines the "
                               "in-house pools staff: too few to read; taken as in-house", len(w))
            continue
        p = float(stats.mannwhitneyu(w, own_w, alternative="greater").pvalue)
        med, q3 = float(np.median(w)), float(np.quantile(own_w, 0.75))
        overflow = p < KIND_P and med > q3
        out[pool] = Fitted(
            "outsourced" if overflow else "in_house",
            f"not named; its {len(w)} cases were routed at a median in-house expected wait of "
            f"{med:.1f} h against {np.median(own_w):.1f} h (upper quartile {q3:.1f} h) for the "
            f"{len(own_w)} the in-house pools took (Mann-Whitney p={p:.2g}): "
            + ("it takes the overflow, so outsourced" if overflow else
               "not an overflow destination, so in-house"), len(w))
    return out


def kinds_and_staffing(log, t: pd.DataFrame, scenario: dict,  # noqa: ANN001
                       cals: dict[str, WorkCalendar],
                       lines: dict[tuple[str, str], WorkCalendar] | None = None
                       ) -> tuple[Staffing, dict[str, str]]:
    """Staffing and routing, with each pool's kind read (:mod:`sim.fit.kinds`); ``lines``:
    the calendars of lines on sessions. The scenario's pools get their kinds (a read one with
    its evidence). The routing is fitted with the reserve the log shows
    (:mod:`sim.fit.held_back`), as the engine's router sees the free specialists.

    Example:
        >>> staffing, kinds = kinds_and_staffing(log, fitted.table, fitted.scenario,
        ...     {p: c.work_calendar(log.start) for p, c in fitted.calendars.items()})
        >>> kinds
        {'in_house': 'in_house', 'outsourced': 'outsourced'}
    """
    from sim.fit.held_back import held_back
    from sim.fit.staffing import fit_staffing

    pools = scenario["pools"]
    named = {p: named_kind(p, log.map.pools.kinds) for p in pools}
    kinds = {p: getattr(e["kind"], "value", e["kind"]) for p, e in pools.items()}
    staffing = fit_staffing(t, cals, kinds, log.end_h, lines)
    if any(k is None for k in named.values()):
        done = t[t["review_end_h"].notna() & t["pool"].notna()]
        read = read_kinds(done, cals, staffing.specialists, named, lines)
        for p, f in read.items():
            pools[p]["kind"] = f if named[p] is None else f.value
        if {p: f.value for p, f in read.items()} != kinds:
            kinds = {p: f.value for p, f in read.items()}
            staffing = fit_staffing(t, cals, kinds, log.end_h, lines)
    held = held_back(log, t, staffing.specialists, cals, lines)
    if held is not None:  # the router's view: specialists held for urgent cases not free
        staffing = fit_staffing(t, cals, kinds, log.end_h, lines, held.may_take)
    return staffing, kinds
