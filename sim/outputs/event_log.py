"""The process-mining event log of a run: one row per event, start and complete per activity.

:func:`event_log` turns a case table (:func:`sim.outputs.results.case_table`) into the log
that process-mining tools and ``sosim fit`` read: ``case_id`` (``"r0-17"``: replication and
case, so that runs never mix), ``activity``, ``lifecycle``, ``timestamp`` (the platform's
clock, :func:`event_timestamps`), ``time_h`` and ``resource`` (:func:`event_resources`).
It is built by :attr:`sim.outputs.results.Results.events` and written as ``events.parquet``.

Example:
    >>> log = results.events
    >>> log.columns.tolist()
    ['case_id', 'activity', 'lifecycle', 'timestamp', 'time_h', 'resource']
    >>> str(log["activity"].iloc[0]), str(log["lifecycle"].iloc[0])
    ('case arrived', 'complete')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.plan import Plan
from sim.engine.stages import (
    ABANDONED,
    ACCESS_ACTIVITIES,
    ACTIVITIES,
    ARRIVED,
    BOOKED,
    DELIVERED,
    HELD,
    INTAKE,
    PREAUTH,
    RECORDS_REQUEST,
    REFERRAL,
    REQUESTED_AGAIN,
    REROUTING,
    RERQUEST,
    REVIEW,
    TEAM_ACTIVITIES,
    TRIAGE,
)

__all__ = ["event_log", "event_resources", "event_timestamps", "specialist_names"]


def specialist_names(plan: Plan) -> list[str]:
    """Every individual specialist, ``"<pool>/<line>#<k>"`` with k from 1, queue by queue."""
    return [f"{q.name}#{k + 1}" for q in plan.queues for k in range(q.servers)]


def event_resources(plan: Plan) -> list[str]:
    """Every resource name the event log can show, in a fixed order (its categories)."""
    return ["patient", "records:digital", "records:paper", "ai", "coordinator", "none",
            "coordinators", "referral", "appointments", "navigators", *plan.payers,
            *(p for p in plan.pools if p not in plan.payers), *specialist_names(plan)]


def event_log(plan: Plan, cases: pd.DataFrame) -> pd.DataFrame:
    """The process-mining event log of a case table (start/complete per activity).

    Each case has a fixed slot per event, in journey order, and its timestamps
    never decrease along the journey; so the log comes out sorted by case and
    time by flattening a (cases x slots) table, with no sort. Columns are
    numeric codes and categoricals: a year of a national platform is millions
    of events, and a string per event would cost gigabytes.
    """
    n = len(cases)
    resources = {name: k for k, name in enumerate(event_resources(plan))}
    slots = _event_slots(plan, cases)
    activities = [ARRIVED, *(a.name for a in ACTIVITIES), DELIVERED]
    if "first_records_h" in cases:
        activities += ACCESS_ACTIVITIES
    if "records_seize_h" in cases:
        activities += TEAM_ACTIVITIES
    if "abandoned_h" in cases:  # drop-out: the patient gave up (after every event it reached)
        slots.append((ABANDONED, 1, "abandoned_h", "=patient",
                      cases["abandoned_h"].notna().to_numpy()))
        activities.append(ABANDONED)
    present = np.column_stack([mask for *_, mask in slots])  # (cases, slots)
    keep = present.ravel()
    counts = present.sum(axis=1)
    del present

    def flat(values_of_slot, dtype) -> np.ndarray:  # noqa: ANN001
        table = np.empty((n, len(slots)), dtype=dtype)
        for k, slot in enumerate(slots):
            table[:, k] = values_of_slot(slot)
        return table.ravel()[keep]

    time_h = flat(lambda s: cases[s[2]].to_numpy(), np.float64)
    resource = flat(lambda s: _resource_codes(cases, resources, s[3]), np.int16)
    activity = np.tile(np.asarray([activities.index(s[0]) for s in slots], np.int8), n)[keep]
    lifecycle = np.tile(np.asarray([s[1] for s in slots], np.int8), n)[keep]
    case_id = "r" + cases["replication"].astype(str) + "-" + cases["case"].astype(str)
    return pd.DataFrame({
        "case_id": pd.Categorical.from_codes(np.repeat(np.arange(n, dtype=np.int32), counts),
                                             categories=case_id.to_numpy()),
        "activity": pd.Categorical.from_codes(activity, categories=activities),
        "lifecycle": pd.Categorical.from_codes(lifecycle, categories=["start", "complete"]),
        "timestamp": event_timestamps(plan, time_h),
        "time_h": time_h,
        "resource": pd.Categorical.from_codes(resource, categories=list(resources)),
    })


def event_timestamps(plan: Plan, time_h: np.ndarray) -> pd.DatetimeIndex:
    """The instants of clock hours ``time_h`` (docs/scenario-reference.md, "Time zones").

    Without ``simulation.time_zone`` the clock is the naive wall clock of ``start`` and so
    are the timestamps. With it the clock counts elapsed hours from midnight of ``start``
    in that zone, and the timestamps are zone-aware in it: after a daylight-saving change
    they read the local wall time (08:00 EDT, not 07:00), and a log reader sees the true
    instant and offset.

    Example (New York platform from Monday 2 March 2026; 8 March springs forward):
        >>> from sim.engine.plan import build_plan
        >>> plan = build_plan(sim.load_scenario("scenarios/baseline.yaml", [
        ...     "simulation.start=2026-03-02", "simulation.time_zone=America/New_York"]))
        >>> [str(t) for t in event_timestamps(plan, np.array([8.0, 175.0]))]
        ['2026-03-02 08:00:00-05:00', '2026-03-09 08:00:00-04:00']
    """
    clock = plan.scenario.simulation
    start = pd.Timestamp(clock.start, tz=clock.time_zone)  # local midnight (naive: no zone)
    return start + pd.to_timedelta(time_h, unit="h")


_Slot = tuple[str, int, str, str, np.ndarray]
"""(activity, lifecycle 0 start / 1 complete, time column, resource spec, which cases)."""


def _event_slots(plan: Plan, cases: pd.DataFrame) -> list[_Slot]:
    """Every event a case can have, in journey order, with the cases that have it."""
    n = len(cases)
    everyone = np.ones(n, dtype=bool)
    applies = {  # which cases go through each activity at all
        INTAKE.name: everyone if plan.scenario.intake is not None else ~everyone,
        TRIAGE.name: everyone if plan.triage.triages else ~everyone,
        REFERRAL.name: (cases["triaged_by"] == "coordinator").to_numpy(),
        PREAUTH.name: cases["needs_preauth"].to_numpy(),
        REROUTING.name: cases["misrouted"].to_numpy(),
    }
    slots: list[_Slot] = [(ARRIVED, 1, "arrival_h", "=patient", everyone)]
    for a in ACTIVITIES:
        began = cases[a.start].notna().to_numpy() & applies.get(a.name, everyone)
        slots.append((a.name, 0, a.start, a.resource, began))
        slots.append((a.name, 1, a.end, a.resource, began & cases[a.end].notna().to_numpy()))
    slots.append((DELIVERED, 1, "review_end_h", "pool",
                  cases["review_end_h"].notna().to_numpy()))
    if "first_records_h" in cases:  # incomplete records, appointment slots (sim.engine.access)
        _access_slots(cases, slots)
    if "records_seize_h" in cases:  # a records team (sim.engine.records_team)
        _team_slots(cases, slots)
    return slots


def _team_slots(cases: pd.DataFrame, slots: list[_Slot]) -> None:
    """Insert the navigators' work into ``slots`` in journey order (in place): the first
    request right after records intake starts, a second one after it is asked for."""
    names = [(s[0], s[1]) for s in slots]
    for name, prefix, after in ((RECORDS_REQUEST, "records", (INTAKE.name, 0)),
                                (RERQUEST, "rerequest", (REQUESTED_AGAIN, 0))):
        if after not in names:
            continue
        began = cases[f"{prefix}_start_h"].notna().to_numpy()
        done = began & cases[f"{prefix}_end_h"].notna().to_numpy()
        at = names.index(after) + 1
        slots[at:at] = [(name, 0, f"{prefix}_start_h", "=navigators", began),
                        (name, 1, f"{prefix}_end_h", "=navigators", done)]
        names = [(s[0], s[1]) for s in slots]


def _access_slots(cases: pd.DataFrame, slots: list[_Slot]) -> None:
    """Insert the access events into ``slots`` in journey order (in place).

    ``records requested again``: the first batch of records is in but incomplete, the rest
    is requested (start) until the records are complete (complete), inside ``records
    intake``. ``appointment booked``: the matched, authorised case starts waiting for its
    slot; ``appointment held``: the slot, when the case joins the specialists' queue.
    """
    first = cases["first_records_h"].to_numpy()
    asked = cases["records_incomplete"].to_numpy() & ~np.isnan(first)
    if "abandoned_h" in cases:  # gave up before the first batch came: nothing was requested
        left = cases["abandoned_h"].to_numpy()
        asked &= ~(left < first)
    complete = asked & cases["intake_end_h"].notna().to_numpy()
    names = [(s[0], s[1]) for s in slots]
    at = names.index((INTAKE.name, 0)) + 1
    slots[at:at] = [(REQUESTED_AGAIN, 0, "first_records_h", "records", asked),
                    (REQUESTED_AGAIN, 1, "intake_end_h", "records", complete)]
    booked = cases["appointment_start_h"].notna().to_numpy()
    held = booked & cases["queue_h"].notna().to_numpy()
    names = [(s[0], s[1]) for s in slots]
    at = names.index((REVIEW.name, 0))
    slots[at:at] = [(BOOKED, 1, "appointment_start_h", "=appointments", booked),
                    (HELD, 1, "queue_h", "=appointments", held)]


def _resource_codes(cases: pd.DataFrame, resources: dict[str, int], spec: str) -> np.ndarray:
    """Codes into ``resources`` of each case's resource for ``spec`` (column or ``=name``)."""
    if spec.startswith("="):
        return np.full(len(cases), resources[spec[1:]], dtype=np.int16)
    col = cases[spec]
    prefix = "records:" if spec == "records" else ""
    lookup = np.asarray([resources[prefix + str(c)] for c in col.cat.categories] + [-1],
                        np.int16)
    return lookup[col.cat.codes.to_numpy()]
