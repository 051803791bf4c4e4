"""The run invariants on queue histories small enough to work out by hand.

The fault-injection tests (``test_invariants.py``, ``test_access_invariants.py``) show that
each check fires on a broken engine; these pin what it then says (which case, which
instant: the first one) and where its lines are drawn (a reserve that yields at exactly its
threshold, the tolerance of the calendar check, a wait that begins within float noise of a
sample instant). Mutation testing of the checks (docs/mutation-testing.md) found each of
these unpinned. Every expected value comes from the timeline drawn in the test, never from
the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.calendar import WorkCalendar
from sim.engine.contracts import WEEK_H
from sim.outputs.access_invariants import slot_times
from sim.outputs.contract_invariants import check_contract
from sim.outputs.invariants import (
    _allowed_idle,
    check_calendar,
    check_capacity_and_work,
    check_discipline,
    check_end_state,
    check_waiting,
)
from sim.outputs.queue_jobs import TOL_H, InvariantError, Jobs, occupancy, waiting_at

ALWAYS = WorkCalendar.always()
INF = np.inf


def jobs(case, join, seize, end, priority=None, leave=None, slot=None, effort=None) -> Jobs:  # noqa: ANN001
    """Visits from columns (lists); priority 1, no give-up, no contract slot by default."""
    n = len(case)
    a = {k: np.asarray(v, dtype=float) for k, v in
         (("join", join), ("seize", seize), ("end", end))}
    return Jobs(case=np.asarray(case), priority=np.asarray(priority or [1] * n),
                join_h=a["join"], seize_h=a["seize"], end_h=a["end"],
                effort_h=np.asarray(effort if effort is not None else a["end"] - a["seize"],
                                    dtype=float),
                leave_h=np.asarray(leave or [INF] * n, dtype=float),
                slot_h=np.asarray(slot or [np.nan] * n, dtype=float),
                review=np.ones(n, dtype=bool))


# ----------------------------------------------------------------------------- capacity
def test_capacity_names_the_first_instant_and_the_last_case_taken_by_then() -> None:
    """Two specialists. Case 14 ends at 1 h as cases 11 and 12 are taken: three in service
    from 1 h (10, 11, 12; not 14), four from 2 h."""
    j = jobs(case=[10, 11, 12, 13, 14], join=[0, 1, 1, 2, 0.2], seize=[0, 1, 1, 2, 0.2],
             end=[3, 3, 3, 3, 1])
    with pytest.raises(InvariantError) as caught:
        check_capacity_and_work("q", j, 2, ALWAYS, 10.0)
    assert str(caught.value) == ("q: 3 cases in service at t=1.0000 h but the queue has 2 "
                                 "specialists (capacity broken; first offending case 12)")


def test_work_conservation_names_the_first_idle_spell_and_its_longest_waiting_case() -> None:
    """Two specialists: case 1 busy 0-5 h, case 2 busy 0-1 h. Case 4 waits from 0.5 h and
    case 3 from 0.8 h; from 1 h one specialist idles beside both until case 4 is taken at
    2 h (1 h), and again from 3 h to 5 h beside case 3."""
    j = jobs(case=[1, 2, 3, 4], join=[0, 0, 0.8, 0.5], seize=[0, 0, 5, 2], end=[5, 1, 6, 3])
    with pytest.raises(InvariantError) as caught:
        check_capacity_and_work("q", j, 2, ALWAYS, 10.0)
    assert str(caught.value) == ("q: case 4 waited at t=1.0000 h during open hours while 1 "
                                 "of 2 specialists were idle (work conservation broken, for "
                                 "1 h)")


# ---------------------------------------------------------------- reserves (trunk reservation)
def _idle(j: Jobs, t: list[float], reserve: list[int], yield_at=None) -> list[int]:  # noqa: ANN001
    return _allowed_idle(j, np.asarray(t, dtype=float), reserve, yield_at).tolist()


def test_a_reserve_idles_beside_later_classes_only() -> None:
    """Reserve [0, 1]: one specialist held back from routine cases (class 1). Routine case 1
    waits 0-10 h, urgent case 2 waits 1-2 h: the reserve may idle beside case 1 alone, never
    while an urgent case waits (it is theirs). No yield thresholds given: never yields."""
    j = jobs(case=[1, 2], join=[0, 1], seize=[10, 2], end=[11, 3], priority=[1, 0])
    assert _idle(j, [0.5, 1.5, 2.5, 10.5], [0, 1]) == [1, 0, 1, 0]


def test_a_reserve_yields_from_exactly_its_threshold() -> None:
    """Yields while at least 3 routine cases wait: one, two, three, then four waiting."""
    j = jobs(case=[1, 2, 3, 4], join=[0, 1, 2, 3], seize=[10] * 4, end=[11] * 4)
    assert _idle(j, [0.5, 1.5, 2.5, 3.5], [0, 1], [None, 3]) == [1, 1, 0, 0]


def test_with_three_classes_the_first_class_waiting_settles_the_reserve() -> None:
    """Reserves [0, 1, 2]. A class-0 case waits 0-5 h beside a class-2 case (0-10 h): nothing
    may idle while class 0 waits, although class 1 does not wait; then 2 for class 2."""
    j = jobs(case=[1, 2], join=[0, 0], seize=[5, 10], end=[6, 11], priority=[0, 2])
    assert _idle(j, [1.0, 6.0], [0, 1, 2]) == [0, 2]


# ---------------------------------------------------------------------------- discipline
def test_first_come_first_served_names_the_first_case_taken_out_of_turn() -> None:
    """Joined 0, 1, 2, 3 h; taken 5, 4, 6, 5.5 h: case 2 jumps case 1, then case 4 case 3."""
    j = jobs(case=[1, 2, 3, 4], join=[0, 1, 2, 3], seize=[5, 4, 6, 5.5], end=[7, 5, 8, 6])
    with pytest.raises(InvariantError) as caught:
        check_discipline("q", j)
    assert str(caught.value) == ("q: case 2 was taken at 4.0000 h before case 1 of the same "
                                 "priority that joined earlier (or whose slot opened earlier; "
                                 "first come, first served broken)")


def test_priority_names_the_earliest_later_class_case_taken_over_a_waiting_one() -> None:
    """Urgent case 1 waits 5-8 h while routine case 3 is taken at 6 h; urgent case 2 waits
    1-3 h while routine case 4 is taken at 2 h: the first breach in time is case 4's."""
    j = jobs(case=[1, 2, 3, 4], join=[5, 1, 0, 0], seize=[8, 3, 6, 2], end=[9, 4, 7, 2.5],
             priority=[0, 0, 1, 1])
    with pytest.raises(InvariantError) as caught:
        check_discipline("q", j)
    assert str(caught.value) == ("q: case 4 of priority 1 was taken at 2.0000 h while case 2 "
                                 "of priority 0, served first, had been waiting since 1.0000 h "
                                 "(priority broken)")


def test_classes_are_first_come_first_served_each_on_its_own() -> None:
    """Three classes: case 3 (class 0) is taken at 1 h; case 2 (class 1), which joined at
    1 h, an hour after case 1 (class 2), is taken before it, as it should be."""
    j = jobs(case=[1, 2, 3], join=[0, 1, 0.5], seize=[4, 2, 1], end=[5, 3, 2],
             priority=[2, 1, 0])
    check_discipline("q", j)


# ------------------------------------------------------------------------------ calendar
def test_calendar_names_the_earliest_case_worked_wrong() -> None:
    """Case 7 (taken at 5 h) and case 8 (taken at 2 h) both worked an hour against their
    drawn effort: case 8 is named."""
    j = jobs(case=[7, 8], join=[5, 2], seize=[5, 2], end=[7, 3], effort=[1.0, 2.0])
    with pytest.raises(InvariantError) as caught:
        check_calendar("q", j, ALWAYS)
    assert str(caught.value) == ("q: case 8 was worked from 2.0000 h to 3.0000 h, 1.0000 "
                                 "working hours on the pool's calendar, for an effort of "
                                 "2.0000 h (work outside calendar hours)")


@pytest.mark.parametrize(("effort", "off_h", "broken"), [
    (1.0, 0.5e-6, False), (1.0, 1.5e-6, True),  # a millionth of an hour, at least
    (4.0, 3e-6, False), (4.0, 5e-6, True),  # a millionth of the effort, above an hour
])
def test_calendar_tolerance_is_a_millionth(effort: float, off_h: float, broken: bool) -> None:
    j = jobs(case=[1], join=[0], seize=[0], end=[effort + off_h], effort=[effort])
    if broken:
        with pytest.raises(InvariantError, match="work outside calendar hours"):
            check_calendar("q", j, ALWAYS)
    else:
        check_calendar("q", j, ALWAYS)


# -------------------------------------------------------------------------- queue length
def test_waiting_at_counts_and_flags_instants_beside_an_event() -> None:
    """Waits 1-3 h, 2-5 h and from 2.2 h on; instants on, just beside and clear of each
    event, against a count and a nearness worked out one wait and one event at a time."""
    begin, end = [1.0, 2.0, 2.2], [3.0, 5.0, INF]
    j = jobs(case=[1, 2, 3], join=begin, seize=end, end=[INF] * 3, effort=[1.0] * 3)
    t = np.array([0.5, 1.0, 1.0 + 5e-8, 1.5, 2.0 - 5e-8, 2.2 + 5e-8, 2.5, 3.0, 4.0,
                  5.0 + 2e-7])
    waiting, near = waiting_at(j, t)
    assert waiting.tolist() == [sum(b <= x < e for b, e in zip(begin, end, strict=True))
                                for x in t]
    events = [*begin, *end[:2]]
    assert near.tolist() == [any(abs(e - x) <= TOL_H for e in events) for x in t]
    assert near.tolist() == [False, True, True, False, True, True, False, True, False, False]


def test_queue_length_check_names_the_first_instant_that_differs() -> None:
    j = jobs(case=[1], join=[1.0], seize=[3.0], end=[4.0])
    with pytest.raises(InvariantError) as caught:
        check_waiting("q", j, np.array([0.5, 1.5, 2.5, 3.5]), np.array([0, 2, 3, 0]))
    assert str(caught.value).startswith("q: at 1.5000 h the case table's waits show 1 cases "
                                        "waiting (joined, not yet taken or given up), but the "
                                        "engine's queue held 2 (queue length broken;")


def test_occupancy_of_a_single_visit() -> None:
    t, waiting, busy = occupancy(np.array([0.0]), np.array([1.0]), np.array([2.0]))
    assert (t.tolist(), waiting.tolist(), busy.tolist()) == ([0.0, 1.0, 2.0], [1, 0, 0],
                                                             [0, 1, 0])


# ------------------------------------------------------------------------------ contracts
def test_a_slot_that_opened_before_the_case_joined_is_named() -> None:
    """Case 5 joined at 10 h with its slot at 10 h; case 6 joined at 20 h but its slot says
    12 h; so does case 7's (30 h, 14 h): case 6 is named."""
    j = jobs(case=[5, 6, 7], join=[10, 20, 30], seize=[10, 20, 30], end=[11, 21, 31],
             slot=[10, 12, 14])
    with pytest.raises(InvariantError) as caught:
        check_contract("pool", j, 5, 200.0)
    assert str(caught.value) == ("pool: case 6 joined at 20.0000 h but its slot opened at "
                                 "12.0000 h, before (contract slots broken)")


def test_the_weekly_cap_names_the_week_and_when_it_began() -> None:
    """One case a week: cases 1 and 2 both booked into week 1 (they joined at 170 h and 171 h
    with no wait for a slot); case 2 is the one too many."""
    j = jobs(case=[1, 2], join=[170, 171], seize=[170, 171], end=[172, 173], slot=[170, 171])
    with pytest.raises(InvariantError) as caught:
        check_contract("pool", j, 1, 3 * WEEK_H)
    assert str(caught.value) == ("pool: case 2 is case 2 booked into week 1 (from 168 h) but "
                                 "the contract takes 1 cases a week (weekly cap broken)")


# ------------------------------------------------------------------------------ end state
def test_end_state_with_no_open_case_says_so() -> None:
    """The engine holds a case the timestamps closed before the horizon: no case to name."""
    j = jobs(case=[1], join=[1.0], seize=[2.0], end=[3.0])
    with pytest.raises(InvariantError) as caught:
        check_end_state("q", j, (1, 0), 10.0)
    assert str(caught.value) == ("q: at the horizon the timestamps show 0 cases waiting and 0 "
                                 "in service, but the engine's queue held 1 and 0 (first open "
                                 "case -1)")


# ----------------------------------------------------------------------- diary slot times
@pytest.mark.parametrize(("t0", "t1", "want"), [
    (0.0, 300.0, [42.0, 126.0, 210.0, 294.0]),  # mid-slot of every 84 h: 42, 126, ...
    (100.0, 300.0, [126.0, 210.0, 294.0]),  # a window opening inside a slot
    (126.0, 294.0, [126.0, 210.0]),  # from a slot time (in), to a slot time (out)
])
def test_slot_times_of_an_always_open_diary(t0: float, t1: float, want: list[float]) -> None:
    """Two slots a week around the clock: one each 84 working hours, at its middle."""
    assert slot_times(ALWAYS, 84.0, t0, t1).tolist() == want
