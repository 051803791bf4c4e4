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
from sim.engine.stages import MILESTONES, TIMES
from sim.outputs import kpis as kpi_module
from sim.outputs.access import case_columns as access_columns
from sim.outputs.access_invariants import check_access
from sim.outputs.categories import categorical
from sim.outputs.contracts import contract_columns
from sim.outputs.economics import case_economics
from sim.outputs.event_log import event_log, specialist_names
from sim.outputs.invariants import check_run
from sim.scenario.abandonment import STAGES as DROPOUT_STAGES


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
        "status": categorical(np.where(delivered, 0, np.where(r.abandon_stage >= 0, 2, 1)),
                               ("delivered", "in_system", "abandoned")[:3 if dropout else 2]),
        "stage_at_end": _stage_at_end(times, _waiting_for_slot(plan, rep, times)),
        **times,
        **_triage_and_routing(plan, rep, times),
        "specialist_wait_h": times["review_start_h"] - times["queue_h"],
        "time_to_match_h": times["match_h"] - c.arrival_h,
        "records_to_match_h": times["match_h"] - times["intake_end_h"],
        "time_to_opinion_h": times["review_end_h"] - c.arrival_h,
        "outcome": categorical(np.where(delivered, d.outcome, -1), OUTCOMES),
    }
    if d.access is not None:  # incomplete records, appointment slots (sim.engine.access)
        columns["records_incomplete"] = d.access.incomplete
        columns["first_records_h"] = d.access.first_records_h.copy()
        columns["appointment_start_h"] = r.appointment_start_h
        columns["appointment_wait_h"] = times["queue_h"] - r.appointment_start_h
    columns.update(access_columns(plan, rep))  # records team, diaries
    if dropout:
        columns["abandoned_h"] = r.abandoned_h
        columns["abandoned_at"] = categorical(r.abandon_stage, DROPOUT_STAGES)
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
        "specialty": categorical(c.specialty, plan.specialties),
        "service_line": categorical(c.line, [ln.name for ln in plan.lines]),
        "channel": categorical(c.channel, plan.channels),
        "payer": categorical(c.payer, plan.payers),
        "priority": categorical(c.priority, plan.priorities),
        "records": categorical(np.where(rep.draws.digital, 0, 1), ("digital", "paper")),
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
    return categorical(stage, stages)


def _triage_and_routing(plan: Plan, rep: Replication,
                        times: dict[str, np.ndarray]) -> dict[str, object]:
    """Who triaged the case, whether it was misrouted, and which pool reviewed it."""
    c, d, r, n = rep.cases, rep.draws, rep.records, len(rep.cases)
    pool = plan.pool_of(r.queue)
    screen_pool = plan.pool_of(r.screen_queue)
    misrouted = r.matched_line >= 0
    misrouted &= r.matched_line != c.line
    return {
        "triaged_by": categorical(
            np.where(d.uses_ai, 0, 1 if plan.triage.triages else 2),
            ("ai", "coordinator", "none")),
        "misrouted": misrouted,
        "needs_preauth": d.auth_h > 0,
        "hybrid_checked": ~np.isnan(times["check_seize_h"]),
        "screen_pool": categorical(np.where(screen_pool >= 0, screen_pool, -1), plan.pools),
        "pool": categorical(pool, plan.pools),
        "specialist": categorical(_specialist_codes(plan, r.queue, r.server),
                                  specialist_names(plan)),
        "screen_specialist": categorical(_specialist_codes(plan, r.screen_queue, r.screen_server),
                                         specialist_names(plan)),
        "pool_kind": categorical(
            np.asarray([0 if k == "in_house" else 1 for k in plan.pool_kinds] + [-1])[pool],
            ("in_house", "outsourced")),
        "review_effort_h": np.where(pool >= 0, d.review_h[np.maximum(pool, 0), np.arange(n)],
                                    np.nan),
    }


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
