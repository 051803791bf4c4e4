"""Results of a run: the case table, the event log and the KPIs, built once at the end.

:class:`Results` is what :func:`sim.run` returns. Its tables are built lazily
from the replications' columnar records:

``cases``
    one row per case and replication: attributes, every stage's timestamp
    (clock hours), the pool, the specialist-queue wait, ``time_to_match_h``,
    ``time_to_opinion_h``, ``misrouted`` and the outcome. Cases still in the
    system at the horizon are kept with ``status == "in_system"`` and
    ``stage_at_end`` saying where they are; times after the horizon are ``NaN``.
``events``
    the event log in the process-mining convention (``case_id``, ``activity``,
    ``timestamp``, ``resource``, ``lifecycle``), one case id per replication
    and case (``"r0-17"``) so that runs never mix.
``kpis`` / ``summary()``
    KPIs per replication, and their mean with a 95% t-interval (:mod:`sim.outputs.kpis`).

Example:
    >>> import sim
    >>> res = sim.run(sim.load_scenario("scenarios/baseline.yaml", [
    ...     "simulation.horizon_days=14", "simulation.warmup_days=0"]), seed=7, replications=2)
    >>> res.cases["status"].value_counts().to_dict()
    {'delivered': 475, 'in_system': 391, 'abandoned': 39}
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from sim.engine.draws import OUTCOMES
from sim.engine.model import Replication
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
    MILESTONES,
    PREAUTH,
    RECORDS_REQUEST,
    REFERRAL,
    REQUESTED_AGAIN,
    REROUTING,
    RERQUEST,
    REVIEW,
    TEAM_ACTIVITIES,
    TIMES,
    TRIAGE,
)
from sim.outputs import kpis as kpi_module
from sim.outputs.access import case_columns as access_columns
from sim.outputs.access_invariants import check_access
from sim.outputs.contracts import contract_columns
from sim.outputs.economics import case_economics
from sim.outputs.invariants import check_run
from sim.scenario.abandonment import STAGES as DROPOUT_STAGES


def _categorical(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(names))


def specialist_names(plan: Plan) -> list[str]:
    """Every individual specialist, ``"<pool>/<line>#<k>"`` with k from 1, queue by queue."""
    return [f"{q.name}#{k + 1}" for q in plan.queues for k in range(q.servers)]


def _specialist_codes(plan: Plan, queue: np.ndarray, server: np.ndarray) -> np.ndarray:
    """Codes into :func:`specialist_names` of who worked each case (-1: nobody yet)."""
    first = np.cumsum([0] + [q.servers for q in plan.queues])[:-1].astype(np.int64)
    return np.where((queue >= 0) & (server >= 0),
                    first[np.maximum(queue, 0)] + server if len(first) else -1, -1)


def case_table(plan: Plan, rep: Replication) -> pd.DataFrame:
    """The case table of one replication."""
    c, d, r = rep.cases, rep.draws, rep.records
    times = _times(rep)
    delivered = ~np.isnan(times["review_end_h"])
    dropout = plan.scenario.abandonment is not None
    columns: dict[str, object] = {
        **_attributes(plan, rep),
        "status": _categorical(np.where(delivered, 0, np.where(r.abandon_stage >= 0, 2, 1)),
                               ("delivered", "in_system", "abandoned")[:3 if dropout else 2]),
        "stage_at_end": _stage_at_end(times, _waiting_for_slot(plan, rep, times)),
        **times,
        **_triage_and_routing(plan, rep, times),
        "specialist_wait_h": times["review_start_h"] - times["queue_h"],
        "time_to_match_h": times["match_h"] - c.arrival_h,
        "records_to_match_h": times["match_h"] - times["intake_end_h"],
        "time_to_opinion_h": times["review_end_h"] - c.arrival_h,
        "outcome": pd.Categorical.from_codes(
            np.where(delivered, d.outcome, -1).astype(np.int64), categories=list(OUTCOMES)),
    }
    if d.access is not None:  # incomplete records, appointment slots (sim.engine.access)
        columns["records_incomplete"] = d.access.incomplete
        columns["first_records_h"] = d.access.first_records_h.copy()
        columns["appointment_start_h"] = r.appointment_start_h
        columns["appointment_wait_h"] = times["queue_h"] - r.appointment_start_h
    columns.update(access_columns(plan, rep))  # records team, diaries
    if dropout:
        columns["abandoned_h"] = r.abandoned_h
        columns["abandoned_at"] = _categorical(r.abandon_stage, DROPOUT_STAGES)
    # built at once: a column inserted one by one costs pandas a copy of its block index
    df = pd.DataFrame(copy=False, data=columns)
    if any(p.contract and p.contract.sla for p in plan.scenario.pools.values()):
        for name, column in contract_columns(plan, df).items():  # before the money uses them
            df[name] = column
    if plan.scenario.economics is not None:
        money = case_economics(plan, rep, df)
        df = pd.concat([df, pd.DataFrame(copy=False, data=money, index=df.index)], axis=1)
    return df


def _times(rep: Replication) -> dict[str, np.ndarray]:
    """Every stage's timestamps, NaN where not reached by the horizon (the engine censored
    them where the run ended: :meth:`sim.engine.model.Model.run`). The table shares the
    arrays: a million-case table would otherwise copy 160 MB of times."""
    times = {"intake_end_h": rep.draws.intake_end_h}
    times.update({name: getattr(rep.records, name) for name in TIMES})
    return times


def _waiting_for_slot(plan: Plan, rep: Replication,
                      times: dict[str, np.ndarray]) -> np.ndarray | None:
    """Cases waiting for an appointment slot at the horizon (None: no appointments)."""
    a = rep.draws.access
    if a is None or not a.appointment_h.any():
        return None
    return (rep.records.appointment_start_h < plan.horizon_h) & np.isnan(times["queue_h"])


def _attributes(plan: Plan, rep: Replication) -> dict[str, object]:
    """Who the case is: identifiers, arrival and the attributes drawn for it."""
    c, n = rep.cases, len(rep.cases)
    return {
        "replication": np.full(n, rep.index, dtype=np.int32),
        "case": np.arange(n, dtype=np.int64),
        "arrival_h": c.arrival_h,
        "specialty": _categorical(c.specialty, plan.specialties),
        "service_line": _categorical(c.line, [ln.name for ln in plan.lines]),
        "channel": _categorical(c.channel, plan.channels),
        "payer": _categorical(c.payer, plan.payers),
        "priority": _categorical(c.priority, plan.priorities),
        "records": _categorical(np.where(rep.draws.digital, 0, 1), ("digital", "paper")),
        "warmup": c.arrival_h < plan.warmup_h,
    }


def _stage_at_end(times: dict[str, np.ndarray],
                  slot: np.ndarray | None = None) -> pd.Categorical:
    """Where each case is at the horizon: the state after the last milestone it reached
    (``slot``: cases waiting for an appointment slot, sim.engine.access)."""
    stages = list(dict.fromkeys(label for _, label in MILESTONES))
    stage = np.zeros(len(times["intake_end_h"]), dtype=np.int8)  # the last one reached wins
    for col, label in MILESTONES[1:]:
        stage[~np.isnan(times[col])] = stages.index(label)
    if slot is not None:
        stages.append("appointment")
        stage[slot] = len(stages) - 1
    return pd.Categorical.from_codes(stage, categories=stages)


def _triage_and_routing(plan: Plan, rep: Replication,
                        times: dict[str, np.ndarray]) -> dict[str, object]:
    """Who triaged the case, whether it was misrouted, and which pool reviewed it."""
    c, d, r, n = rep.cases, rep.draws, rep.records, len(rep.cases)
    pool = plan.pool_of(r.queue)
    screen_pool = plan.pool_of(r.screen_queue)
    misrouted = r.matched_line >= 0
    misrouted &= r.matched_line != c.line
    return {
        "triaged_by": _categorical(
            np.where(d.uses_ai, 0, 1 if plan.triage.triages else 2),
            ("ai", "coordinator", "none")),
        "misrouted": misrouted,
        "needs_preauth": d.auth_h > 0,
        "hybrid_checked": ~np.isnan(times["check_seize_h"]),
        "screen_pool": _categorical(np.where(screen_pool >= 0, screen_pool, -1), plan.pools)
        if (screen_pool >= 0).any() else pd.Categorical([None] * n, categories=list(plan.pools)),
        "pool": pd.Categorical.from_codes(pool, categories=list(plan.pools)),
        "specialist": pd.Categorical.from_codes(
            _specialist_codes(plan, r.queue, r.server), categories=specialist_names(plan)),
        "screen_specialist": pd.Categorical.from_codes(
            _specialist_codes(plan, r.screen_queue, r.screen_server),
            categories=specialist_names(plan)),
        "pool_kind": pd.Categorical.from_codes(
            np.asarray([0 if k == "in_house" else 1 for k in plan.pool_kinds] + [-1])[pool],
            categories=["in_house", "outsourced"]),
        "review_effort_h": np.where(pool >= 0, d.review_h[np.maximum(pool, 0), np.arange(n)],
                                    np.nan),
    }


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


class Results:
    """Everything a run produced, with tables built on first use."""

    def __init__(self, plan: Plan, replications: list[Replication], seed: int, *,
                 tables: list[pd.DataFrame] | None = None,
                 kpi_rows: list[dict[str, float]] | None = None, checked: bool = False):
        """``tables`` and ``kpi_rows``: each replication's case table and KPIs, when they were
        built already (by the process that simulated it, :func:`sim.outputs.runner.run`);
        ``checked``: that process also took the run invariants (:meth:`check`) on them."""
        self.plan = plan
        self.scenario = plan.scenario
        self.replications = replications
        self.seed = seed
        self.overrides: tuple[str, ...] = ()  # the --set overrides, named in titles
        self._checked = checked
        self._tables = tables
        self._kpi_rows = kpi_rows

    @cached_property
    def cases(self) -> pd.DataFrame:
        """The case table, all replications stacked.

        With one replication its columns share memory with the replication's records
        (a million cases would otherwise need their times twice): copy it
        (``results.cases.copy()``) before changing values in place.
        """
        tables = self._per_replication()
        if "kpis" in self.__dict__:  # both built: the stacked table holds them now
            self._tables = None
        return tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)

    def _per_replication(self) -> list[pd.DataFrame]:
        """Each replication's case table, built once; the invariants and KPIs read these (a
        study's tasks never need the stacked table), until the stacked table and the KPIs
        both exist."""
        if self._tables is None:
            self._tables = [case_table(self.plan, r) for r in self.replications]
        return self._tables

    @cached_property
    def events(self) -> pd.DataFrame:
        """The process-mining event log, all replications."""
        return event_log(self.plan, self.cases)

    def _by_replication(self) -> list[tuple[Replication, pd.DataFrame]]:
        if "cases" in self.__dict__ and self._tables is None:  # freed: split the stacked one
            by_rep = dict(iter(self.cases.groupby("replication", sort=True)))
            empty = self.cases.iloc[:0]
            return [(rep, by_rep.get(rep.index, empty)) for rep in self.replications]
        return list(zip(self.replications, self._per_replication(), strict=True))

    def check(self) -> None:
        """The run invariants of every replication, from its case table and the engine's
        counts (:func:`sim.outputs.invariants.check_run`, and for the records team and the
        diaries :func:`sim.outputs.access_invariants.check_access`); raises
        :class:`~sim.outputs.invariants.InvariantError` at the first broken one. A step of its
        own: the runner takes it before anything is measured, and :attr:`kpis` makes sure
        it was taken. Runs once."""
        if not self._checked:
            for rep, cases in self._by_replication():
                check_run(self.plan, rep, cases)
                check_access(self.plan, rep, cases)  # records team, diaries
            self._checked = True

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """One row per replication, one column per KPI (of a checked run: :meth:`check`)."""
        self.check()
        if self._kpi_rows is not None:  # measured by the processes that simulated them
            rows = self._kpi_rows
        else:
            rows = [kpi_module.replication_kpis(self.plan, rep, cases)
                    for rep, cases in self._by_replication()]
        if "cases" in self.__dict__:  # both built: the stacked table holds the tables now
            self._tables = None
        return pd.DataFrame(rows).set_index("replication")

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean, standard deviation and t-interval of every KPI across replications."""
        return kpi_module.summarise(self.kpis, confidence)

    @cached_property
    def capacity(self) -> pd.DataFrame:
        """The pre-run capacity check (offered work against available hours); a caller that
        made it before the run sets it (``results.capacity = report``), so it is made once."""
        from sim.capacity.network import capacity_report

        return capacity_report(self.plan)
