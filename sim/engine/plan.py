"""The compiled plan: a validated scenario turned into what the engine indexes.

A scenario (:class:`~sim.scenario.models.Scenario`) speaks in names (``in_house``,
``oncology``); the engine works with small integers and arrays. The plan holds
both: code tables for every attribute, the working calendars, the *service
lines* (a specialty, or a specialty's subspecialty such as
``oncology/sarcoma``), the specialist *queues* (one per pool and service line
that the pool staffs) and, for each service line, payer and channel, the queues
a case may be routed to (the pools that staff the line, that the payer covers and
that serve the payer and the channel). It is built once per run and never changes.

Example:
    >>> from sim import load_scenario
    >>> plan = build_plan(load_scenario("scenarios/baseline.yaml"))
    >>> [q.name for q in plan.queues][:3]
    ['in_house/oncology', 'in_house/cardiology', 'in_house/neurology']
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np

from sim.core import distributions
from sim.core.calendar import WorkCalendar
from sim.core.clock import to_hours
from sim.engine.access_specs import DiarySpec, Leads, TeamSpec, compile_diaries, compile_team
from sim.engine.mandates import Volume
from sim.engine.policies.capabilities import Capabilities, compile_capabilities
from sim.engine.policies.priority import ClassOrder, compile_priorities
from sim.engine.policies.routing import RoutingPolicy, compile_routing
from sim.engine.policies.triage import TriagePolicy, compile_triage
from sim.engine.policies.when_full import CapSpec
from sim.engine.specs import Inputs, compile_inputs
from sim.scenario.durations import Duration  # a type (what the plan compiles from: below)
from sim.scenario.models import ALWAYS, Pool, Scenario  # build_plan compiles the scenario
from sim.scenario.priorities import DEFAULT_CLASSES  # the default class names
from sim.scenario.triage import Misroute  # a type
from sim.scenario.zones import calendar_zones  # compiling calendars

PRIORITIES = DEFAULT_CLASSES
"""Priority codes of a scenario without a ``priorities`` section (see :attr:`Plan.priorities`)."""


@dataclass(frozen=True)
class Line:
    """A service line: what a specialist must be able to review."""

    specialty: str
    subspecialty: str | None = None

    @property
    def name(self) -> str:
        if self.subspecialty is None:
            return self.specialty
        return f"{self.specialty}/{self.subspecialty}"


@dataclass(frozen=True)
class QueueSpec:
    """One multi-server queue: the specialists of ``pool`` for service line ``line``."""

    index: int
    pool: int
    line: int
    servers: int
    name: str
    calendar: str = ""
    """Name of the calendar its specialists work (in :attr:`Plan.calendars`): the pool's,
    or the line's sessions (``<pool>/<line>@sessions``)."""


@dataclass(frozen=True)
class Plan:
    """Everything the engine, the capacity check and the KPIs index by number.

    The simulation reads only the compiled fields (codes, calendars, policies, the
    :mod:`sim.engine.specs` inputs); ``scenario`` is kept for the outputs and the capacity
    check, which report in the scenario's own terms (money, targets, mixes).
    """

    scenario: Scenario
    calendars: dict[str, WorkCalendar]
    specialties: tuple[str, ...]
    channels: tuple[str, ...]
    payers: tuple[str, ...]
    pools: tuple[str, ...]
    pool_kinds: tuple[str, ...]
    lines: tuple[Line, ...]
    line_share: np.ndarray  # share of all cases on each service line
    queues: tuple[QueueSpec, ...]
    routes: dict[tuple[int, int, int], tuple[int, ...]] = field(repr=False)
    """(line, payer, channel) -> indices of the queues a case of that type may use: the
    pools that staff the line and that may serve the payer and the channel
    (:mod:`sim.engine.policies.capabilities`)."""
    priorities: tuple[str, ...]
    """Priority classes in service order: a case's priority code indexes this (0 first)."""
    routing: RoutingPolicy
    """The routing policy (:mod:`sim.engine.policies.routing`)."""
    triage: TriagePolicy
    """The triage policy (:mod:`sim.engine.policies.triage`)."""
    classes: ClassOrder
    """The priority policy: reserves, fast tracks, service levels
    (:mod:`sim.engine.policies.priority`)."""
    horizon_h: float
    warmup_h: float
    start: datetime.date
    """The first simulated day (hour 0 is its midnight)."""
    business_calendar: str
    """The calendar ``business_days`` are counted on when a duration names none."""
    misroute: Misroute
    """What a wrong match costs: screening by the wrong specialists, re-routing."""
    inputs: Inputs = field(repr=False)
    """Pools, payers, arrivals, mix, intake, access, patience, outcomes
    (:mod:`sim.engine.specs`)."""
    capabilities: Capabilities
    """Per pool, the channels and payers it serves (:mod:`sim.engine.policies.capabilities`)."""
    records_team: TeamSpec | None = None
    """The navigators who collect records (:mod:`sim.engine.access_specs`); None: delays."""
    diaries: tuple[DiarySpec, ...] = ()
    """Appointment diaries, one per (pool, channel) with slots."""
    leads: Leads | None = None
    """Per channel with a diary, the booking lead of each class."""

    @property
    def volume(self) -> Volume:
        """Cases a year, payer shares and per-payer mixes, incentives' uptake and mandates'
        cases included (:mod:`sim.engine.mandates`)."""
        return self.inputs.volume

    @property
    def caps(self) -> tuple[CapSpec | None, ...]:
        """Per pool, its contract's weekly cap (:mod:`sim.engine.policies.when_full`)."""
        return tuple(p.cap for p in self.inputs.pools)

    def diary_of(self, pool: int, channel: int) -> int:
        """The index of ``pool``'s diary for ``channel`` (-1: none)."""
        for d in self.diaries:
            if d.pool == pool and d.channel == channel:
                return d.index
        return -1

    def serves(self, pool: int, channel: int) -> bool:
        """Whether ``pool`` may take cases of ``channel``: always, unless the channel books
        slots and the pool has none for it."""
        if self.leads is None or self.leads.by_channel[channel] is None:
            return True
        return self.diary_of(pool, channel) >= 0

    def reserve(self, pool: int, servers: int) -> list[int]:
        """Per class code, the specialists a case of that class must leave free (trunk
        reservation): the reserves of every class served before it, summed, and never all
        ``servers`` of a queue (a one-specialist subspecialty line serves every class)."""
        return self.classes.reserve(self.pools[pool], servers)

    def yield_at(self, pool: int) -> list[int | None]:
        """Per class code, the waiting cases (it and later classes) from which the reserve
        held against it yields (None: never; :mod:`sim.engine.policies.priority`)."""
        return self.classes.yield_at(self.pools[pool])

    def reserve_under_load(self, pool: int, servers: int) -> list[int]:
        """Per class code, the specialists held back from it when the queue is long (what the
        capacity check counts: a reserve that yields holds none)."""
        return self.classes.reserve_under_load(self.pools[pool], servers)

    def records_speedup(self) -> np.ndarray:
        """Per class code, the factor records intake is divided by (1: no fast track)."""
        return self.classes.records_speedup()

    def sla_hours(self) -> dict[str, float]:
        """Each class's time-to-opinion service level (its own, or the scenario target)."""
        return self.classes.sla_hours()

    def pool_calendar(self, pool: int) -> WorkCalendar:
        return self.calendars[self.inputs.pools[pool].calendar]

    def queue_calendar(self, q: QueueSpec) -> WorkCalendar:
        """The calendar the queue's specialists work: their sessions', else the pool's."""
        return self.calendars[q.calendar] if q.calendar else self.pool_calendar(q.pool)

    def calendar_of(self, spec: Duration) -> WorkCalendar | None:
        """The calendar a delay pauses on: only ``business_days`` delays have one."""
        if spec.unit != "business_days":
            return None
        return self.calendars[spec.calendar or self.business_calendar]

    def pool_of(self, queue: np.ndarray) -> np.ndarray:
        """The pool index of each queue index in ``queue`` (-1, no queue, stays -1)."""
        return np.asarray([q.pool for q in self.queues] + [-1])[queue]

    def preauth_calendar(self, payer: int) -> WorkCalendar | None:
        """The calendar payer ``payer``'s pre-authorisation delay pauses on (``None``: none)."""
        pre = self.inputs.payers[payer].preauth
        return self.calendar_of(pre) if pre is not None else None

    def hours(self, spec: Duration, u: np.ndarray) -> np.ndarray:
        """Durations in clock hours at probabilities ``u`` (inverse transform)."""
        cal = self.calendar_of(spec)
        factor = to_hours(1.0, spec.unit, cal.business_day_hours if cal else None)
        return distributions.quantile(spec, u) * factor

    def mean_hours(self, spec: Duration) -> float:
        cal = self.calendar_of(spec)
        return distributions.mean(spec) * to_hours(
            1.0, spec.unit, cal.business_day_hours if cal else None
        )

    def review_spec(self, pool: int, specialty: str) -> Duration:
        return self.inputs.pools[pool].review_spec(specialty)


def build_calendars(s: Scenario) -> dict[str, WorkCalendar]:
    """Every named calendar of the scenario, plus the built-in ``24x7``."""
    out = {ALWAYS: WorkCalendar.always()}
    for name, spec in s.calendars.items():
        if spec == ALWAYS:
            out[name] = WorkCalendar.always()
        else:
            out[name] = WorkCalendar.weekly(
                s.simulation.start, spec.weekday_numbers(), spec.intervals(), spec.holidays,
                zones=calendar_zones(s.simulation.time_zone, spec.time_zone),
            )
    return out


def session_calendar(s: Scenario, pool: Pool, line: str) -> WorkCalendar:
    """The calendar of a line's sessions, with the pool calendar's holidays."""
    by_day: dict[int, list[tuple[float, float]]] = {}
    for session in pool.sessions[line]:
        for wd in session.weekday_numbers():
            by_day.setdefault(wd, []).extend(session.intervals())
    spec = s.calendars.get(pool.calendar)
    weekly = spec is not None and spec != ALWAYS
    return WorkCalendar.sessions(s.simulation.start, {d: sorted(h) for d, h in by_day.items()},
                                 spec.holidays if weekly else [],
                                 calendar_zones(s.simulation.time_zone,
                                                spec.time_zone if weekly else None))


def build_plan(s: Scenario) -> Plan:
    """Compile a validated scenario (cross-checks already passed) into a :class:`Plan`."""
    mix = s.demand.mix
    specialties = tuple(mix.specialty)
    lines: list[Line] = []
    shares: list[float] = []
    for sp, share in mix.overall_specialty().items():
        subs = mix.subspecialty.get(sp, {})
        lines.append(Line(sp))
        shares.append(share * (1 - sum(subs.values())))
        for sub, sub_share in subs.items():
            lines.append(Line(sp, sub))
            shares.append(share * sub_share)
    line_index = {ln: i for i, ln in enumerate(lines)}

    pools = tuple(s.pools)
    calendars = build_calendars(s)
    queues: list[QueueSpec] = []
    for p, (pname, pool) in enumerate(s.pools.items()):
        staffed = {Line(sp): n for sp, n in pool.specialists.items()}
        for sp, subs in pool.subspecialists.items():
            staffed.update({Line(sp, sub): n for sub, n in subs.items()})
        for ln, n in staffed.items():
            if n > 0 and ln in line_index:
                name = f"{pname}/{ln.name}"
                cal = pool.calendar
                if ln.name in pool.sessions:
                    cal = f"{name}@sessions"
                    calendars[cal] = session_calendar(s, pool, ln.name)
                queues.append(QueueSpec(len(queues), p, line_index[ln], n, name, cal))

    classes = compile_priorities(s.priorities, s.targets.time_to_opinion_hours)
    diaries, leads = compile_diaries(s, calendars, tuple(mix.channel), pools, classes.names)
    payers = tuple(s.payers)
    capabilities = compile_capabilities(s)
    routes: dict[tuple[int, int, int], tuple[int, ...]] = {}
    for k, pname in enumerate(payers):
        for c, ch in enumerate(mix.channel):
            may = [capabilities.allows(p, pname, ch) for p in range(len(pools))]
            for li in range(len(lines)):
                routes[(li, k, c)] = tuple(q.index for q in queues
                                           if q.line == li and may[q.pool])
    return Plan(
        scenario=s,
        calendars=calendars,
        specialties=specialties,
        channels=tuple(mix.channel),
        payers=payers,
        pools=pools,
        pool_kinds=tuple(p.kind for p in s.pools.values()),
        lines=tuple(lines),
        line_share=np.asarray(shares, dtype=float),
        queues=tuple(queues),
        routes=routes,
        priorities=classes.names,
        routing=compile_routing(s.routing),
        triage=compile_triage(s.triage),
        classes=classes,
        horizon_h=s.horizon_hours,
        warmup_h=s.warmup_hours,
        start=s.simulation.start,
        business_calendar=s.simulation.business_calendar,
        misroute=s.triage.misroute,
        inputs=compile_inputs(s, tuple(mix.channel), classes.names),
        records_team=compile_team(s, calendars),
        diaries=diaries,
        leads=leads,
        capabilities=capabilities,
    )
