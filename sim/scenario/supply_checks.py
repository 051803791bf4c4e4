"""Cross-field checks of the supply-side sections: contracts, sessions, absences, zones, hiring.

Like :mod:`sim.scenario.checks` (which calls :func:`supply_findings`), each check returns
``(path, message)`` pairs so that the loader can attach file lines to them. The sections'
schema is in :mod:`sim.scenario.contracts`, :mod:`sim.scenario.rosters`,
:mod:`sim.scenario.zones` and :mod:`sim.scenario.hiring`.
"""

from __future__ import annotations

from sim.scenario.calendars import ALWAYS
from sim.scenario.models import Scenario

Finding = tuple[tuple[str | int, ...], str]


def supply_findings(s: Scenario) -> list[Finding]:
    """Every supply-side cross-field problem in ``s``."""
    return contract_findings(s) + session_findings(s) + zone_findings(s) + hiring_findings(s)


def contract_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems of the pools' contracts, as ``(path, message)`` pairs."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    calendars = set(s.calendars) | {ALWAYS}
    for name, pool in s.pools.items():
        c = pool.contract
        if c is None:
            continue
        path: tuple[str | int, ...] = ("pools", name, "contract")
        if pool.kind != "outsourced":
            out.append((path, f"only an outsourced pool can have a contract (got kind: "
                              f"{pool.kind})"))
        if pool.price_per_case_usd:
            out.append((("pools", name, "price_per_case_usd"),
                        "give the price once: the contract's price_per_case_usd replaces the "
                        f"pool's (got {pool.price_per_case_usd:g} and "
                        f"{c.price_per_case_usd:g})"))
        if c.sla is not None:
            cal = c.sla.calendar or s.simulation.business_calendar
            if cal not in calendars:
                out.append(((*path, "sla", "calendar"),
                            f"business days are counted on calendar {cal!r}, which is not "
                            f"defined (defined: {', '.join(sorted(calendars))})"))
    return out


def session_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Sessions that name lines the pool does not staff, or overlap on a day."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for name, pool in s.pools.items():
        staffed = {sp for sp, n in pool.specialists.items() if n > 0}
        staffed |= {f"{sp}/{sub}" for sp, subs in pool.subspecialists.items()
                    for sub, n in subs.items() if n > 0}
        for line, sessions in pool.sessions.items():
            path: tuple[str | int, ...] = ("pools", name, "sessions", line)
            if line not in staffed:
                out.append((path, f"the pool has no specialists for {line!r} (staffed: "
                                  f"{', '.join(sorted(staffed)) or 'none'})"))
            by_day: dict[str, list[tuple[float, float]]] = {}
            for sess in sessions:
                for d in sess.days:
                    by_day.setdefault(d, []).extend(sess.intervals())
            for d, spans in by_day.items():
                spans.sort()
                if any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False)):
                    out.append((path, f"sessions overlap on {d} (got {spans})"))
        for i, block in enumerate(pool.absences.blocks if pool.absences else []):
            for line in block.lines:
                if line not in staffed:
                    out.append((("pools", name, "absences", "blocks", i, "lines"),
                                f"the pool has no specialists for {line!r} (staffed: "
                                f"{', '.join(sorted(staffed)) or 'none'})"))
    return out


def zone_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """A calendar in a zone needs the platform's zone to convert it."""
    if s.simulation.time_zone is not None:
        return []
    return [(("calendars", name, "time_zone"),
             f"a calendar in a time zone needs simulation.time_zone, the platform clock's "
             f"zone (got {spec.time_zone!r} and no simulation.time_zone)")
            for name, spec in s.calendars.items()
            if not isinstance(spec, str) and spec.time_zone is not None]


def hiring_findings(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Hiring plans naming queues that do not exist or years outside the timeline."""
    t = s.timeline
    if t is None or t.hiring is None:
        return []
    out: list[tuple[tuple[str | int, ...], str]] = []
    if t.scale_staff:
        out.append((("timeline", "scale_staff"), "scale_staff and hiring both set the "
                    "specialists; use one (got scale_staff: true and a hiring section)"))
    queues = set()
    for pname, pool in s.pools.items():
        queues |= {f"{pname}/{sp}" for sp in pool.specialists}
        queues |= {f"{pname}/{sp}/{sub}" for sp, subs in pool.subspecialists.items()
                   for sub in subs}
    for year, hires in t.hiring.plan.items():
        if not t.first_year <= year <= t.last_year:
            out.append((("timeline", "hiring", "plan", year),
                        f"year outside the timeline {t.first_year}-{t.last_year} (got {year})"))
        for q in hires:
            if q not in queues:
                out.append((("timeline", "hiring", "plan", year, q),
                            f"unknown queue {q!r}: write pool/specialty or "
                            f"pool/specialty/subspecialty (queues: {', '.join(sorted(queues))})"))
    return out
