"""The specialist queue's wait estimate and the router's choices, against values by hand.

Queue states are set directly (free specialists, cases waiting by class), so each
expected wait and each routing decision is a number worked out on paper. Fast: no run.
"""

from __future__ import annotations

import datetime

import pytest
import simpy

from sim.core.calendar import WorkCalendar
from sim.engine.plan import build_plan
from sim.engine.pools import Router, SpecialistQueue, Staff

START_MONDAY = datetime.date(2026, 1, 5)


def business() -> WorkCalendar:
    return WorkCalendar.weekly(START_MONDAY, days=range(5), hours=[(8, 17)])


def queue(servers: int = 2, mean_h: float = 1.5, cal: WorkCalendar | None = None,
          free: int = 0, waiting: tuple[int, int] = (0, 0)) -> SpecialistQueue:
    q = SpecialistQueue(simpy.Environment(), "p/x", servers, cal or WorkCalendar.always(), mean_h)
    q.free, q.waiting = free, list(waiting)
    return q


def test_expected_wait_counts_the_cases_ahead_by_class() -> None:
    q = queue(servers=2, mean_h=1.5, waiting=(1, 3))
    # urgent: 1 urgent ahead + the one in service, over 2 specialists: 2/2 x 1.5 h
    assert q.expected_wait_h(0.0, priority=0) == pytest.approx(1.5)
    # routine: 1 urgent + 3 routine ahead + 1: 5/2 x 1.5 h
    assert q.expected_wait_h(0.0, priority=1) == pytest.approx(3.75)
    assert queue(servers=4, mean_h=2.0).expected_wait_h(0.0, 1) == pytest.approx(0.5)


def test_expected_wait_follows_the_calendar() -> None:
    friday_16 = 4 * 24 + 16.0
    free = queue(cal=business(), free=1)
    assert free.expected_wait_h(friday_16, 1) == 0.0  # open, a specialist free: no wait
    assert free.expected_wait_h(friday_16 + 2, 1) == pytest.approx(7 * 24 + 8 - (friday_16 + 2))
    busy = queue(servers=1, mean_h=3.0, cal=business())
    # 3 working hours from Friday 16:00: 1 h on Friday, 2 h on Monday (until 10:00)
    assert busy.expected_wait_h(friday_16, 0) == pytest.approx(7 * 24 + 10 - friday_16)


def test_busy_is_servers_minus_free_and_unlimited_is_never_busy() -> None:
    q = queue(servers=3, free=1)
    assert q.busy == 2
    assert Staff(simpy.Environment(), None, WorkCalendar.always()).busy == 0


def _plan(make_scenario, *overrides: str):  # noqa: ANN001, ANN202
    return build_plan(make_scenario(*overrides))


def _router_with(plan, states):  # noqa: ANN001, ANN202
    """A router over queues in the given states: {queue name: (free, urgent, routine)}."""
    env = simpy.Environment()
    qs = []
    for spec in plan.queues:
        q = SpecialistQueue(env, spec.name, spec.servers, WorkCalendar.always(), 1.0)
        free, urgent, routine = states.get(spec.name, (spec.servers, 0, 0))
        q.free, q.waiting = free, [urgent, routine]
        qs.append(q)
    return Router(plan, qs), {q.name: i for i, q in enumerate(plan.queues)}


def _ids(plan, line: str, payer: str, channel: str):  # noqa: ANN001, ANN202
    lines = [ln.name for ln in plan.lines]
    return lines.index(line), plan.payers.index(payer), plan.channels.index(channel)


def test_overflow_routes_out_only_past_the_threshold(make_scenario) -> None:  # noqa: ANN001
    plan = _plan(make_scenario, "routing.policy=overflow", "routing.overflow_wait_hours=10")
    line, payer, ch = _ids(plan, "oncology", "commercial", "online_portal")
    # 6 oncologists in-house, mean 1 h on the test queues: 59 routine ahead -> 60/6 = 10 h
    router, idx = _router_with(plan, {"in_house/oncology": (0, 0, 59)})
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == "in_house/oncology"
    router, idx = _router_with(plan, {"in_house/oncology": (0, 0, 60)})  # 61/6 h > 10 h
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == "outsourced/oncology"
    # an urgent case sees only the urgent cases ahead: it stays in-house
    assert plan.queues[router.choose(line, payer, ch, 0, 0.0)].name == "in_house/oncology"
    # medicare covers in-house only: never sent out, however long the wait
    med = plan.payers.index("medicare")
    assert plan.queues[router.choose(line, med, ch, 1, 0.0)].name == "in_house/oncology"


@pytest.mark.parametrize(("policy", "channel", "want"), [
    ("in_house_first", "online_portal", "in_house"),
    ("outsourced_first", "in_person", "outsourced"),
    ("by_channel", "online_portal", "outsourced"),
    ("by_channel", "in_person", "in_house"),
])
def test_policies_pick_the_pool_kind(make_scenario, policy: str, channel: str,  # noqa: ANN001
                                     want: str) -> None:
    extra = ["routing.by_channel={online_portal: outsourced, in_person: in_house}"] \
        if policy == "by_channel" else []
    plan = _plan(make_scenario, f"routing.policy={policy}", *extra)
    line, payer, ch = _ids(plan, "cardiology", "commercial", channel)
    # the preferred kind is chosen even when its queue is far longer
    router, _ = _router_with(plan, {f"{want}/cardiology": (0, 5, 50)})
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == f"{want}/cardiology"


def test_falls_back_to_the_other_kind_when_the_preferred_lacks_the_line(make_scenario) -> None:  # noqa: ANN001
    plan = _plan(make_scenario, "routing.policy=outsourced_first")
    line, payer, ch = _ids(plan, "oncology/sarcoma", "commercial", "online_portal")
    router, _ = _router_with(plan, {})
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == "in_house/oncology/sarcoma"


def test_shortest_expected_wait_among_pools_of_a_kind(make_scenario) -> None:  # noqa: ANN001
    """Two outsourced pools staff cardiology: the one with the shorter expected wait wins."""
    plan = _plan(make_scenario, "routing.policy=outsourced_first",
                 "pools.second={kind: outsourced, calendar: 24x7, specialists: {cardiology: 2},"
                 " review: {dist: fixed, value: 1, unit: hours}}")
    line, payer, ch = _ids(plan, "cardiology", "commercial", "online_portal")
    # outsourced/cardiology: 2 specialists, 5 ahead -> 3 h; second: 2 specialists, 2 ahead -> 1.5
    router, _ = _router_with(plan, {"outsourced/cardiology": (0, 0, 5),
                                    "second/cardiology": (0, 0, 2)})
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == "second/cardiology"
    router, _ = _router_with(plan, {"outsourced/cardiology": (0, 0, 1),
                                    "second/cardiology": (0, 0, 2)})
    assert plan.queues[router.choose(line, payer, ch, 1, 0.0)].name == "outsourced/cardiology"
