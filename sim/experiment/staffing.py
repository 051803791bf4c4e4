"""Staffing search: the fewest specialists per pool and service line that meet a target.

A planner asks "how many oncologists do we need in house so that 90% of opinions wait less
than a day for a specialist, without running anyone above 85%?". :func:`find_staffing`
answers it queue by queue (a *queue* is one pool's specialists for one service line,
``in_house/oncology``):

1. **Start from square-root staffing.** The capacity check
   (:func:`sim.capacity.network.capacity_report`) gives each queue's offered hours per week; divided
   by the hours one specialist works per week on the pool's calendar, that is the offered
   load ``a`` in specialists. ``c0 = square_root_staffing(a, 1, beta)`` = ``ceil(a + beta
   sqrt(a))`` (Halfin-Whitt). A queue the capacity check sends no first-choice work to
   (an overflow pool) starts at the scenario's count.
2. **Confirm by simulation.** Each staffing is simulated with the same seed and
   replications (common random numbers, so staffings are compared on the same cases), and
   every target is checked *per queue* on the cohort cases that queue served, with a
   Student-t interval across replications. **The rule:** a target ``metric <= x`` is met
   when the interval's *upper* bound is at most ``x`` (``>=``: the *lower* bound at least
   ``x``). So "met" means "met with at least 95% confidence"; few replications give wide
   intervals and a cautious answer, more narrow them and let smaller staffings pass. A case
   still waiting at the horizon counts with the time it has waited so far (a lower bound),
   so a queue cannot look good by leaving cases unfinished.
   Meeting a quantile target in every queue guarantees it for all cases together.
3. **Search, one specialist at a time.** *Up*: while a queue fails, add one specialist to
   the worst one (largest ``bound / target``). *Down*: then try removing one from the queue
   with the most slack; keep the removal if every queue still meets every target,
   otherwise undo it and leave that queue alone. Every step is recorded in ``path``.
4. **Say what binds.** Each queue's ``binds`` says what holds it at its count: the target
   one fewer specialist missed (its interval bound with one fewer), another queue that
   missed one, the scenario's own rules (a class reserve), one being the fewest, or why it
   was never tried (targets missed elsewhere, the step budget).

Levers are searched as queues too (:mod:`sim.experiment.levers`): navigators, diary slots
and contracts' weekly caps (:mod:`sim.experiment.contract_lever`, in units of 10% of the
cap). With ``economics``, full cost steers the search (:mod:`sim.experiment.staffing_cost`):
the scenario as given is simulated first and, if it meets the targets, is the start; the
down phase tries the unit saving most first and undoes a removal that raises the full cost
per opinion (a cap cut below its commitment), and the result reports the plan's full cost
per opinion next to the scenario's.

Time targets include waits staffing cannot shorten: records intake, referral and
pre-authorisation, and the nights and weekends a case spends waiting for a business-hours
pool to open. If even the *floor* (every case starting review the moment the pool's
calendar opens) misses a target at the lower end of its interval, the queue is reported
*unattainable by staffing* and left alone. And if :data:`PATIENCE` more specialists in a
row do not improve a queue's worst target by 1%, those additions are taken back and the
queue is reported as such (phase ``undo`` in the path), rather than staffed without end.

Example:
    >>> res = find_staffing(scenario, ["specialist_wait_h.p90<=24", "utilisation<=0.85"],
    ...                     pools=["in_house"], replications=2)
    >>> res.table[["queue", "start", "servers", "met"]]
                                         queue  start  servers    met
    0                        in_house/oncology      5        4   True
    1                      in_house/cardiology      3        2   True
    2                       in_house/neurology      3        3   True
    3                     in_house/orthopedics      3        2   True
    4                           in_house/other      3        3   True
    5  in_house/oncology/rare_tumour_pathology      1        1  False
    6    in_house/neurology/movement_disorders      1        3  False
    >>> res.overrides                # --set lines for sosim run
    ['pools.in_house.specialists.oncology=4', 'pools.in_house.specialists.cardiology=2',
    'pools.in_house.specialists.neurology=3', 'pools.in_house.specialists.orthopedics=2',
    'pools.in_house.specialists.other=3',
    'pools.in_house.subspecialists.oncology.rare_tumour_pathology=1',
    'pools.in_house.subspecialists.neurology.movement_disorders=3']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from sim.core.intervals import t_half_width
from sim.experiment.contract_lever import SUFFIX as CAP_SUFFIX
from sim.experiment.contract_lever import cap_key
from sim.experiment.levers import (
    TEAM_FILTER,
    lever_filters,
    lever_key,
    lever_load,
    levers,
)
from sim.experiment.staffing_cost import COST, UNIT_COST, costs_more
from sim.experiment.staffing_metrics import queue_key, queue_metrics
from sim.experiment.targets import (
    METRICS,
    STATS,
    Target,
    floor_note,
    missed_note,
    parse_target,
    stuck_note,
    unattainable,
)
from sim.scenario import Scenario, ScenarioError

__all__ = ["METRICS", "STATS", "PATIENCE", "StaffingResult", "Target", "fewest_no_worse",
           "find_staffing", "parse_target", "queue_key", "queue_metrics"]

PATIENCE = 3
"""Additions to one queue without its worst target improving by 1% before the search gives up."""



@dataclass(frozen=True)
class StaffingResult:
    """What :func:`find_staffing` found.

    ``table``: one row per searched queue: ``key``, offered load ``a``, square-root
    ``start``, final ``servers``, each target's mean and interval, ``met``, ``note``, and
    ``binds``: what holds the queue at its count (module docstring, step 4).
    ``path``: one row per simulated staffing (phase ``start``/``up``/``down``, the queue
    changed, accepted or not). ``staffing``: scenario key -> specialists. With economics:
    the full cost per opinion of the scenario as given and of the plan found (mean over the
    replications, :mod:`sim.experiment.staffing_cost`).
    """

    table: pd.DataFrame
    path: pd.DataFrame
    staffing: dict[str, int]
    scenario: Scenario
    met: bool
    given_cost_per_opinion_usd: float = math.nan
    cost_per_opinion_usd: float = math.nan

    @property
    def overrides(self) -> list[str]:
        """The final staffing as ``--set`` assignments."""
        return [f"{k}={v}" for k, v in self.staffing.items()]


def _summarise(frames: list[pd.DataFrame], metrics: Sequence[str],
               confidence: float) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    g = df.groupby("queue", sort=False)[list(metrics)]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = t_half_width(sd, n, confidence).fillna(0.0)  # one replication: no interval
    out = pd.concat({"mean": mean, "low": mean - half, "high": mean + half}, axis=1)
    out.columns = [f"{m}.{s}" for s, m in out.columns]
    return out


def find_staffing(scenario: Scenario, targets: Sequence[str | Target],
                  pools: Sequence[str] | None = None, replications: int = 5,
                  executor: Executor | None = None, seed: int | None = None,
                  beta: float = 1.0, confidence: float = 0.95,
                  max_steps: int = 200,
                  progress: Callable[[str], None] | None = None) -> StaffingResult:
    """Search the fewest specialists per queue meeting every target (module docstring).

    ``pools`` limits the search to those pools' queues (default: all); ``executor`` runs
    the replications (default: here, one after another); ``progress`` is told one line per
    simulated staffing (a search can take many).
    """
    from sim.capacity.network import capacity_report
    from sim.engine.plan import build_plan
    from sim.experiment.executors import SerialExecutor
    from sim.experiment.tasks import with_overrides

    goals = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    if not goals:
        raise ValueError("give at least one target, e.g. specialist_wait_h.p90<=24")
    if replications < 2:
        raise ValueError("the rule needs a confidence interval: replications must be >= 2")
    plan = build_plan(scenario)
    if pools is not None and (unknown := sorted(set(pools) - set(plan.pools)
                                                - lever_filters(plan))):
        raise ValueError(f"no pool {unknown[0]!r}; the pools are {', '.join(plan.pools)} "
                         f"(and {TEAM_FILTER} for the navigators, slots for the diaries, "
                         "contracts for the contracts' weekly caps)")
    queues = [q for q in plan.queues if pools is None or plan.pools[q.pool] in pools]
    queues += levers(plan, pools)  # navigators, appointment slots
    start, load = _square_root_start(queues, capacity_report(plan).set_index("resource"), beta)
    search = _Search(scenario, goals, dict(start), {q.name: getattr(q, "unit", 1) for q in queues},
                     replications,
                     executor if executor is not None else SerialExecutor(),
                     scenario.simulation.seed if seed is None else seed, confidence, max_steps)
    search.progress = progress
    given_cost, summary, ok = math.nan, None, False
    if scenario.economics is not None:  # the scenario as given: its cost, maybe the start
        search.state = {q.name: q.servers for q in queues}
        summary, ok = search.evaluate("given", None)
        given_cost = _cost(summary)
        if ok:  # it meets the targets: go down from it, so the plan costs no more
            start, search.ceiling = dict(search.state), given_cost
        else:
            search.state, search.stuck = dict(start), {}
    if not ok:
        summary, ok = search.evaluate("start", None)
    summary, ok = search.up(summary, ok)
    summary = search.down(summary, ok)
    table = _table(queues, load, start, search.state, summary, goals, search.stuck)
    table["binds"] = [search.binding(q.name, ok) for q in queues]
    staffing = {queue_key(q): c for q, c in search.state.items()}
    return StaffingResult(table, pd.DataFrame(search.history), staffing,
                          with_overrides(scenario, staffing), bool(table["met"].all()),
                          given_cost, _cost(summary))


def _cost(summary: pd.DataFrame) -> float:
    """The plan's mean full cost per opinion (NaN without economics)."""
    return float(summary[f"{COST}.mean"].iloc[0])


class _Search:
    """The state of one staffing search: the staffing tried, its history, queues given up on."""

    def __init__(self, scenario: Scenario, goals: Sequence[Target], state: dict[str, int],
                 units: dict[str, int], replications: int, executor: Executor, seed: int,
                 confidence: float, max_steps: int):
        self.scenario, self.goals, self.state, self.units = scenario, goals, state, units
        self.replications, self.executor, self.seed = replications, executor, seed
        self.confidence, self.max_steps = confidence, max_steps
        self.metrics = sorted({g.metric for g in goals} | {f"floor.{g.metric}" for g in goals
                                                           if g.metric != "utilisation"}
                              | {COST, UNIT_COST})
        self.history: list[dict] = []
        self.stuck: dict[str, str] = {}  # queue -> why staffing it further is pointless
        self.binds: dict[str, str] = {}  # queue -> what stopped one fewer specialist
        self.trend: dict[str, list[float]] = {}  # severity of each queue before each addition
        self.progress: Callable[[str], None] | None = None
        self.ceiling = math.inf  # the most the plan may cost per opinion (staffing_cost)

    def evaluate(self, phase: str, queue: str | None) -> tuple[pd.DataFrame, bool]:
        """Simulate the current staffing; its per-queue summary, and whether it is good enough."""
        from sim.experiment.tasks import with_overrides

        state, stuck, goals = self.state, self.stuck, self.goals
        trial = with_overrides(self.scenario, {queue_key(q): c for q, c in state.items()})
        futures = [self.executor.submit(queue_metrics, trial, self.seed, r)
                   for r in range(self.replications)]
        summary = _summarise([f.result() for f in futures], self.metrics, self.confidence)
        sev = {q: max(g.severity(summary.at[q, f"{g.metric}.low"],
                                 summary.at[q, f"{g.metric}.high"]) for g in goals)
               for q in state}
        for q in state:
            if q not in stuck and sev[q] > 1 and unattainable(summary, q, goals):
                stuck[q] = f"unattainable by staffing: {floor_note(summary, q, goals)}"
        ok = all(sev[q] <= 1 for q in state if q not in stuck)  # what staffing can reach
        self.history.append({"step": len(self.history), "phase": phase, "queue": queue,
                             "servers": queue and state[queue],
                             "total": sum(c for q, c in state.items() if cap_key(q) is None),
                             "met": all(s <= 1 for s in sev.values()),
                             "accepted": phase != "down" or ok,
                             "worst": max(state, key=sev.get)})
        if self.progress is not None:
            step = self.history[-1]
            # with levers the total adds navigators and slots a week to the specialists
            unit = ("specialists" if all(lever_key(q) is None for q in state)
                    else "units (specialists, navigators, slots a week)")
            self.progress(f"step {step['step']}: {phase}{f' {queue}' if queue else ''}, "
                          f"{step['total']} {unit}, "
                          f"{'every target met' if step['met'] else 'not every target met'}")
        return summary.assign(severity=pd.Series(sev)), ok

    def up(self, summary: pd.DataFrame, ok: bool) -> tuple[pd.DataFrame, bool]:
        """Until the targets are met: the worst failing queue gets one more specialist."""
        state, stuck = self.state, self.stuck
        while not ok and len(self.history) < self.max_steps:
            failing = summary.loc[[q for q in state if q not in stuck]]
            worst = self._relief(str(failing["severity"].idxmax()), summary)
            seen = self.trend.setdefault(worst, [])
            seen.append(float(summary.at[worst, "severity"]))
            state[worst] += self.units[worst]
            summary, ok = self.evaluate("up", worst)
            if len(seen) >= PATIENCE and summary.at[worst, "severity"] >= 0.99 * seen[-PATIENCE]:
                # take back every useless addition: the fewest within 1% of the best tried
                tried = [*seen, float(summary.at[worst, "severity"])]
                top = state[worst]
                state[worst] -= (len(tried) - 1 - fewest_no_worse(tried)) * self.units[worst]
                stuck[worst] = stuck_note(summary, worst, self.goals, state[worst], top)
                summary, ok = self.evaluate("undo", worst)
        return summary, ok

    def _relief(self, worst: str, summary: pd.DataFrame) -> str:
        """The lever to move for failing queue ``worst``: its pool's contract cap when that
        fails too (cases held for next week's slot wait on the cap, not on specialists)."""
        cap = f"{worst.split('/')[0]}{CAP_SUFFIX}"
        if "/" in worst and cap in self.state and cap not in self.stuck \
                and summary.at[cap, "severity"] > 1:
            return cap
        return worst

    def down(self, summary: pd.DataFrame, ok: bool) -> pd.DataFrame:
        """While the targets hold: the queue with the most slack gives up one specialist."""
        state = self.state
        frozen = set(self.stuck)
        while ok and len(self.history) < self.max_steps:
            free = [q for q in state if q not in frozen and state[q] > self.units[q]]
            if not free:
                break
            # the unit saving most full cost first; then (or without economics) most slack
            best = min(free, key=lambda q: (-summary.at[q, f"{UNIT_COST}.mean"],
                                            summary.at[q, "severity"]))
            state[best] -= self.units[best]
            stuck = dict(self.stuck)
            try:
                trial, trial_ok = self.evaluate("down", best)
            except ScenarioError as err:  # fewer breaks the scenario's rules (a reserve)
                trial, trial_ok = None, False
                self.binds[best] = (f"{state[best]} breaks the scenario's rules: "
                                    f"{err.problems[0].message}")
            if trial_ok and self.stuck.keys() != stuck.keys():
                # the removal made another queue's target unattainable (one navigator fewer
                # slows every case's records): not a removal that keeps the targets
                trial_ok = False
                self.history[-1]["accepted"] = False
                self.binds[best] = (f"{state[best]} makes "
                                    f"{', '.join(sorted(self.stuck.keys() - stuck.keys()))} "
                                    "unattainable by staffing")
            if trial_ok and costs_more(_cost(trial), _cost(summary), self.ceiling):
                trial_ok = False
                self.history[-1]["accepted"] = False
                self.binds[best] = (f"{state[best]} raises the full cost per opinion from "
                                    f"USD {_cost(summary):,.2f} to {_cost(trial):,.2f}"
                                    + (" (unused commitment)" if cap_key(best) else ""))
            if trial_ok:
                summary = trial
            else:
                self.stuck = stuck  # what the rejected trial found stuck was its own doing
                if trial is not None and best not in self.binds:
                    self.binds[best] = missed_note(trial, best, self.goals, state[best])
                state[best] += self.units[best]
                frozen.add(best)
        return summary

    def binding(self, q: str, ok: bool) -> str:
        """What holds queue ``q`` at its count, after the search (``ok``: targets met)."""
        if q in self.binds:
            return self.binds[q]
        if q in self.stuck:
            return self.stuck[q]
        if not ok:
            return "not tried lower: other queues miss their targets"
        if self.state[q] <= self.units[q]:
            return f"{self.state[q]} is the fewest"
        return "not tried lower: the search's step budget (max_steps) ran out"


def _square_root_start(queues, capacity: pd.DataFrame,  # noqa: ANN001
                       beta: float) -> tuple[dict[str, int], dict[str, float]]:
    from sim.core.analytic import square_root_staffing

    start, load = {}, {}
    for q in queues:
        if cap_key(q.name) is not None:  # a contract's cap: from the contract as written
            start[q.name], load[q.name] = q.servers, math.nan
            continue
        row = capacity.loc[q.name]
        if row["kind"] in ("records", "appointments"):  # levers: navigators, slots a week
            a = lever_load(row)[0]
        else:
            per_server = row["available_h_per_week"] / max(int(row["servers"]), 1)
            a = float(row["offered_h_per_week"] / per_server) if per_server > 0 else 0.0
        load[q.name] = a
        start[q.name] = square_root_staffing(a, 1.0, beta) if a > 0 else q.servers
    return start, load


def fewest_no_worse(severities: Sequence[float]) -> int:
    """Index of the fewest specialists whose severity is within 1% of the best one tried.

    ``severities[j]``: the queue's worst target severity with ``j`` more specialists than
    at first. A level the search found no better than a smaller one is never recommended.

    >>> fewest_no_worse([1.30, 1.295, 1.29, 1.30, 1.29])   # one more: within 1% of the best
    0
    >>> fewest_no_worse([2.0, 1.5, 1.49, 1.49])
    1
    """
    best = min(severities)
    return min(j for j, v in enumerate(severities) if v * 0.99 <= best)


def _table(queues, load, start, state, summary, goals, stuck) -> pd.DataFrame:  # noqa: ANN001
    rows = []
    for q in queues:
        row = {"queue": q.name, "key": queue_key(q.name), "offered_load": load[q.name],
               "start": start[q.name], "servers": state[q.name]}
        met = True
        for g in goals:
            lo, hi = summary.at[q.name, f"{g.metric}.low"], summary.at[q.name, f"{g.metric}.high"]
            row[f"{g.metric}"] = summary.at[q.name, f"{g.metric}.mean"]
            row[f"{g.metric}.ci"] = f"[{lo:.3g}, {hi:.3g}]"
            row[f"{g.metric}.bound"] = g.bound(lo, hi)
            met &= g.severity(lo, hi) <= 1
        row["met"] = bool(met)
        note = stuck.get(q.name, "")
        row["cause"] = "" if met else next(
            (c for c in ("office hours", "other stages") if f"{c}:" in note), "staffing")
        row["note"] = note
        rows.append(row)
    return pd.DataFrame(rows)
