"""Absences (``Staff.set_servers``) with main's reserve and patience (issues 13 and 14).

Returning specialists hand cases out as a finishing one would: a reserve is respected,
and a case that gave up waiting is skipped, never served.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.core.calendar import WorkCalendar
from sim.engine.pools import Staff


def _arrays(n: int) -> tuple[np.ndarray, ...]:
    return tuple(np.full(n, np.nan) for _ in range(3)) + (np.full(n, -1),)


def _run(env: simpy.Environment, staff: Staff, n: int, prio: list[int],
         patience: list[float | None]) -> tuple[list[bool | None], tuple[np.ndarray, ...]]:
    seize, start, end, who = arrs = _arrays(n)
    served: list[bool | None] = [None] * n

    def case(i: int):  # noqa: ANN202
        served[i] = yield from staff.serve(i, 10.0, prio[i], seize, start, end, who,
                                           patience[i])

    for i in range(n):
        env.process(case(i))
    return served, arrs


def test_returning_servers_respect_the_reserve_and_skip_cases_that_gave_up() -> None:
    env = simpy.Environment()
    staff = Staff(env, 2, WorkCalendar.always(), classes=2, reserve=[0, 1])
    staff.set_servers(0)  # everyone away
    served, (seize, _, _, who) = _run(env, staff, 3, prio=[1, 1, 1],
                                      patience=[1.0, None, None])
    env.run(until=2)  # case 0 gave up at t=1 (its process ends when the queue next looks)
    assert staff.waiting == [0, 2]
    staff.set_servers(1)  # one back: a routine case may not take the last free server
    env.run(until=3)
    assert np.isnan(seize[1]) and staff.free == 1
    staff.set_servers(2)  # two back: one routine case takes one, one stays free
    env.run(until=4)
    assert seize[1] == 3 and np.isnan(seize[2]) and staff.free == 1
    env.run()
    assert served == [False, True, True]
    assert set(who[1:]) <= {0, 1} and who[0] == -1


def test_a_busy_server_leaves_when_its_case_is_done() -> None:
    env = simpy.Environment()
    staff = Staff(env, 2, WorkCalendar.always())
    served, (seize, _, end, who) = _run(env, staff, 3, prio=[0, 0, 0],
                                        patience=[None, None, None])
    env.run(until=1)  # cases 0 and 1 in service, case 2 waits
    staff.set_servers(1)
    assert staff.free == -1
    env.run()
    assert served == [True, True, True]
    assert seize[2] == end[0] == 10.0  # only one of the two finishing servers stays
    assert staff.free == 1 and len(staff._idle) == 1 and len(staff._away) == 1
