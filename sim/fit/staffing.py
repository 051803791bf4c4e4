"""Staffing and routing fitted from who did the reviews, and where cases went.

- **Specialists** per pool and service line: the distinct resources that completed reviews
  of that pool and specialty. A resource seen on two lines is counted on each (the schema
  has no shared specialists) and the report says so. The most resources busy at once is a
  lower bound to check against.
- **Utilisation** per pool: working hours of review over the specialists' working hours on
  the pool's calendar in the log's window.
- **Channels** per pool (``serves.channels``): the channels a pool never reviewed, though at
  least :data:`MIN_EXPECTED_UNSEEN` of its cases were expected in them together at the
  pool's share of the log, are ones it does not serve (a remote company gives no in-person
  opinion, a network abroad only written ones); a channel with under one case expected is
  given the benefit of the doubt (served). Otherwise the pool serves every channel.
- **Routing**: where a line is served by both kinds of pool, the in-house queue's expected
  wait at the moment each case was routed is rebuilt from the log (cases waiting and in
  service, and the specialists a priority reserve holds from the case's class, as the
  engine's router estimates it: :mod:`sim.fit.held_back`); the overflow rule on that wait, rules by
  case attribute and the majority are compared by held-out likelihood
  (:mod:`sim.fit.routing`). When routing by channel wins, a channel a pool never saw is
  explained by the rule and no ``serves.channels`` is written (the log cannot tell "routed
  elsewhere" from "cannot serve").

Example:
    >>> kinds = {"in_house": "in_house", "outsourced": "outsourced"}
    >>> calendars = {p: fitted.calendars[p].work_calendar(log.start) for p in kinds}
    >>> staff = fit_staffing(fitted.table, calendars, kinds, log.end_h)
    >>> staff.specialists["in_house"]["oncology"].value   # and 1 on oncology/rare_tumour_pathology
    4
    >>> staff.specialists["in_house"]["oncology"].note
    '4 distinct specialists completed 62 reviews; at most 4 were busy at once'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.calendar import WorkCalendar
from sim.fit.demand import shares
from sim.fit.fitted import Fitted
from sim.fit.routing import RULE_ATTRIBUTES, Rule, fit_rules, never_sent, routing_entry

LineCalendars = dict[tuple[str, str], WorkCalendar]
"""(pool, line) -> the working calendar of a line on sessions."""
MayTake = Callable[[str, int, pd.DataFrame, np.ndarray, np.ndarray], np.ndarray]
"""(pool, specialists of the line, the line's reviews, instants, the routed cases' classes)
-> whether each case may take a free specialist then: a priority reserve's rule
(:meth:`sim.fit.held_back.HeldBack.may_take`)."""

MIN_EXPECTED_UNSEEN = 10.0
"""A pool's unseen channels are taken as not served when at least this many of its cases were
expected in them (P(none by chance) = exp(-10), about 5e-5)."""
MIN_EXPECTED_EACH = 1.0
"""An unseen channel with fewer of a pool's cases expected than this is kept as served."""


@dataclass(frozen=True)
class Staffing:
    """Fitted staffing and routing."""

    specialists: dict[str, dict[str, Fitted]]
    utilisation: dict[str, Fitted]
    routing: dict[str, object]
    pool_share: dict[str, Fitted]
    shared_resources: list[str]
    covers: dict[str, str] = field(default_factory=dict)
    """payer -> the pool kind its cases are restricted to (written as the payer's covers)."""
    rules: list[Rule] = field(default_factory=list)
    """The routing rules tried, best first, with their held-out evidence."""
    serves: dict[str, Fitted] = field(default_factory=dict)
    """Pool -> the channels it serves, for the pools that do not serve every channel."""


def max_concurrent(start: np.ndarray, end: np.ndarray) -> int:
    """The most intervals [start, end) open at once."""
    ok = np.isfinite(start) & np.isfinite(end) & (end > start)
    if not ok.any():
        return 0
    t = np.concatenate([start[ok], end[ok]])
    step = np.concatenate([np.ones(ok.sum()), -np.ones(ok.sum())])
    order = np.lexsort((step, t))  # at equal times, a finish before a start
    return int(np.cumsum(step[order]).max())


def line_of(rows: pd.DataFrame) -> pd.Series:
    """Each case's service line: its specialty, or ``specialty/subspecialty``."""
    line = rows["specialty"].astype(str)
    if "subspecialty" in rows:
        sub = rows["subspecialty"]
        named = sub.notna() & (sub.astype(str) != "")
        line = line.where(~named, line + "/" + sub.astype(str))
    return line


def fit_staffing(table: pd.DataFrame, calendars: dict[str, WorkCalendar],
                 kinds: dict[str, str], end_h: float,
                 line_calendars: LineCalendars | None = None,
                 may_take: MayTake | None = None) -> Staffing:
    """Specialists, utilisation and routing from a stage table with ``review_effort_h``.

    ``line_calendars``: (pool, line) -> the calendar of a line on sessions, which its
    queue's expected wait is counted on (as the engine's router does); ``may_take``: a
    priority reserve's rule, so that a specialist held back from a later class is not free
    for its cases (:mod:`sim.fit.held_back`).
    """
    done = table[table["review_end_h"].notna() & table["pool"].notna()]
    specialists: dict[str, dict[str, Fitted]] = {}
    utilisation: dict[str, Fitted] = {}
    seen_lines = done.groupby("review_resource")["specialty"].nunique()
    shared = sorted(seen_lines[seen_lines > 1].index)
    for pool, rows in done.groupby("pool", sort=True):
        specialists[pool] = {}
        line = line_of(rows)
        if "resource_line" in rows:  # the resource names its line: count it there
            line = rows["resource_line"].fillna(line)
        for sp, r in rows.groupby(line, sort=True):
            ids = r["review_resource"].replace("", np.nan).dropna().unique()
            busy = max_concurrent(r["review_start_h"].to_numpy(), r["review_end_h"].to_numpy())
            if len(ids):
                specialists[pool][sp] = Fitted(
                    len(ids), f"{len(ids)} distinct specialists completed {len(r)} "
                    f"reviews; at most {busy} were busy at once", len(r))
            else:  # no resource column: the most reviews under way at once
                specialists[pool][sp] = Fitted(
                    max(busy, 1), f"the log names no resources: {len(r)} reviews, at most "
                    f"{busy} under way at once (each from queue entry to completion), so "
                    "the waits are inside the review work", len(r))
        cal = calendars[pool]
        staff = sum(f.value for f in specialists[pool].values())
        capacity = float(cal.working_hours(end_h)) * staff
        work = float(rows["review_effort_h"].sum())
        utilisation[pool] = Fitted(round(work / capacity, 4) if capacity else float("nan"),
                                   f"{work:.0f} review hours over {capacity:.0f} specialist "
                                   "working hours", len(rows))
    routing, covers, rules = _routing(done, calendars, kinds, specialists, line_calendars,
                                      may_take)
    # a channel a pool never saw is one it does not serve, unless routing by channel explains
    # it (the log cannot tell the two apart; the rule is what the held-out choices support)
    by_channel = getattr(routing.get("policy"), "value", None) == "by_channel"
    serves = {} if by_channel else served_channels(done)
    return Staffing(specialists, utilisation, routing, {"all": shares(done["pool"])}, shared,
                    covers, rules, serves)


def served_channels(done: pd.DataFrame) -> dict[str, Fitted]:
    """Pool -> the channels it reviewed, where an unseen channel cannot be chance.

    Example:
        >>> done = pd.DataFrame({"pool": ["a"] * 40 + ["b"] * 40,
        ...                      "channel": ["web", "visit"] * 20 + ["web"] * 40})
        >>> served_channels(done)["b"].value
        ['web']
        >>> few = pd.DataFrame({"pool": ["a"] * 60 + ["b"] * 40,  # 6 + 6 expected: jointly 12
        ...                     "channel": ["web", "web", "visit", "call"] * 15 + ["web"] * 40})
        >>> served_channels(few)["b"].value
        ['web']
    """
    if "channel" not in done or done["channel"].isna().all():
        return {}
    share = done["channel"].value_counts(normalize=True)
    out: dict[str, Fitted] = {}
    for pool, rows in done.groupby("pool", sort=True):
        seen = set(rows["channel"].dropna())
        missing = {ch: len(rows) * p for ch, p in share.items()
                   if ch not in seen and len(rows) * p >= MIN_EXPECTED_EACH}
        if missing and sum(missing.values()) >= MIN_EXPECTED_UNSEEN:
            listed = ", ".join(f"{ch} (~{n:.0f} expected)" for ch, n in sorted(missing.items()))
            out[pool] = Fitted(sorted(set(share.index) - set(missing)),
                               f"n={len(rows)} reviews; none in {listed}", len(rows))
    return out


def _routing(done: pd.DataFrame, calendars: dict[str, WorkCalendar], kinds: dict[str, str],
             specialists: dict[str, dict[str, Fitted]], line_calendars: LineCalendars | None,
             may_take: MayTake | None = None
             ) -> tuple[dict[str, object], dict[str, str], list[Rule]]:
    """The routing section, payer -> pool kind to write as covers, and the rules tried."""
    from sim.scenario.models import Routing

    kind_of = done["pool"].map(kinds)
    mixed = done.groupby("specialty")["pool"].nunique()
    mixed_lines = list(mixed[mixed > 1].index)
    outsourced_share = float((kind_of == "outsourced").mean()) if len(done) else 0.0
    base = "outsourced_first" if outsourced_share > 0.5 else "in_house_first"
    if not mixed_lines or set(kinds.values()) != {"in_house", "outsourced"}:
        return {"policy": Fitted(base, "every service line is reviewed by one pool kind "
                                 "only; the policy changes nothing", len(done))}, {}, []
    rows = done[done["specialty"].isin(mixed_lines)]
    waits, sent_out = _expected_inhouse_wait(done, rows, calendars, kinds, specialists,
                                             line_calendars, may_take)
    rows = rows.assign(sent_out=sent_out)
    attributes = [a for a in RULE_ATTRIBUTES if a in rows]
    rules = fit_rules(rows, waits, attributes)
    note = (f"n={len(rows)} cases on lines served by both kinds "
            f"({', '.join(mixed_lines)}); {100 * sent_out.mean():.1f}% outsourced")
    routing, covers = routing_entry(rules[0], rules, rows, note, set(Routing.model_fields))
    for payer, kind in never_sent(rows, "payer").items():
        covers.setdefault(payer, kind)
    return routing, covers, rules


def _expected_inhouse_wait(done: pd.DataFrame, rows: pd.DataFrame,
                           calendars: dict[str, WorkCalendar], kinds: dict[str, str],
                           specialists: dict[str, dict[str, Fitted]],
                           line_calendars: LineCalendars | None = None,
                           may_take: MayTake | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    waits = np.full(len(rows), np.nan)
    sent_out = (rows["pool"].map(kinds) == "outsourced").to_numpy()
    inside = [p for p, k in kinds.items() if k == "in_house" and p in specialists]
    for sp, idx in rows.groupby("specialty").indices.items():
        best = np.full(len(idx), np.inf)
        for pool in inside:
            if sp not in specialists[pool]:
                continue
            q = done[(done["pool"] == pool) & (done["specialty"] == sp)]
            servers = specialists[pool][sp].value
            mean_h = float(q["review_effort_h"].mean())
            t = rows["queue_h"].to_numpy()[idx]
            joined = np.sort(q["queue_h"].to_numpy())
            started = np.sort(q["review_start_h"].to_numpy())
            ended = np.sort(q["review_end_h"].to_numpy())
            waiting = np.searchsorted(joined, t, "left") - np.searchsorted(started, t, "right")
            busy = np.searchsorted(started, t, "right") - np.searchsorted(ended, t, "right")
            cal = (line_calendars or {}).get((pool, sp), calendars[pool])
            free = busy < servers
            if may_take is not None:  # a specialist held for an earlier class is not free
                free = may_take(pool, servers, q, t, rows["priority"].astype(str).to_numpy()[idx])
            w = np.where(free, cal.next_open(t) - t,
                         cal.add_working_hours(t, (np.maximum(waiting, 0) + 1) / servers * mean_h)
                         - t)
            best = np.minimum(best, w)
        waits[idx] = best
    return waits, sent_out
