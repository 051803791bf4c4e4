"""Deliberately broken engines, for tests that show a check can fail.

Each fault swaps one method of :class:`sim.engine.pools.SpecialistQueue` (or wraps the
draws, a contract's weekly cap, the records team's event loop or an appointment diary's
slot) with ``monkeypatch``; the run invariants
(``tests/outputs/test_invariants.py``) and the statistical validation (``tests/validation/``)
must reject each of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from heapq import heappop, heappush

import numpy as np
import pytest

from sim.engine import contracts, model, pools, records_team, slots


def broken_serve(*, idle_h: float = 0.0, lifo: bool = False, ignore_priority: bool = False,  # noqa: ANN201
                 swap: tuple[int, int] | None = None):
    """:meth:`Staff.serve` with one fault: idle before a hand-over, LIFO, no priority, or two
    priority classes served in each other's place (``swap``, two class codes)."""

    def serve(self, i: int, effort_h: float, priority: int, seize: np.ndarray,  # noqa: ANN001
              start: np.ndarray, end: np.ndarray, who: np.ndarray | None = None,
              patience_h: float | None = None) -> Generator:  # no drop-out in fault tests
        if self.free:
            self.free -= 1
            server = self._idle.pop()
        else:
            wake = self.env.event()
            self._order += 1
            key = 0 if ignore_priority else priority
            if swap and priority in swap:
                key = swap[1 - swap.index(priority)]
            heappush(self._queue, (key, -self._order if lifo else self._order, wake, priority))
            self.waiting[priority] += 1
            server = yield wake
            if idle_h:
                yield self.env.timeout(idle_h)  # the specialist dawdles before picking it up
        if who is not None:
            who[i] = server
        work = self._work(i, effort_h, seize, start, end)
        if work is not None:
            yield work
        if self._queue:
            *_, wake, p = heappop(self._queue)
            self.waiting[p] -= 1
            wake.succeed(server)
        else:
            self.free += 1
            self._idle.append(server)
        return True

    return serve


def idle_server(monkeypatch: pytest.MonkeyPatch, idle_h: float = 0.01) -> None:
    """Every specialist idles ``idle_h`` hours before taking a queued case (waits up 2-30%)."""
    monkeypatch.setattr(pools.SpecialistQueue, "serve", broken_serve(idle_h=idle_h))


def review_too_long(monkeypatch: pytest.MonkeyPatch, factor: float = 1.03) -> None:
    """Every review takes ``factor`` times its drawn effort (the review mean 3% too high)."""
    draw = model.draw

    def longer(plan, cases, streams):  # noqa: ANN001, ANN202
        d = draw(plan, cases, streams)
        d.review_h[...] = d.review_h * factor
        return d

    monkeypatch.setattr(model, "draw", longer)


def late_slot(monkeypatch: pytest.MonkeyPatch, late_h: float = 10.0) -> None:
    """A contract that keeps each held case waiting ``late_h`` hours after its weekly slot
    opened (the engine still records when the slot opened)."""
    wait = model.wait_for_slot

    def late(env, staff, until, *args):  # noqa: ANN001, ANN002, ANN202
        yield from wait(env, staff, until + late_h, *args)

    monkeypatch.setattr(model, "wait_for_slot", late)


def slot_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract that books a slot for next week but lets the case in at once."""

    def no_wait(env, staff, until, *args):  # noqa: ANN001, ANN002, ANN202
        yield from ()

    monkeypatch.setattr(model, "wait_for_slot", no_wait)


def cap_one_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's weekly cap is one case short of the contract's: a case is held for next
    week while this week still has room."""
    caps = pools.contract_caps

    def short(plan):  # noqa: ANN001, ANN202
        return [None if c is None else contracts.WeeklyCap(c.per_week - 1, c.queue_when_full)
                for c in caps(plan)]

    monkeypatch.setattr(pools, "contract_caps", short)


def slot_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A contract that keeps the slot of a held patient who gave up before it opened: the
    week stays full for the engine, so a later case is held although the week had room."""
    monkeypatch.setattr(contracts.WeeklyCap, "release", lambda self, slot_h: None)


def give_up_still_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue that lets a patient who gave up leave but keeps counting them as waiting."""
    expire = pools.Staff._expire

    def keep_count(self, now, rank):  # noqa: ANN001, ANN202
        before = list(self._waiting)
        expire(self, now, rank)
        self._waiting[:] = before

    monkeypatch.setattr(pools.Staff, "_expire", keep_count)


def gone_at_the_horizon_still_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue that, when the run stops, lets the patients who gave up since it last looked
    leave but still counts them as waiting (only the end state can see it: no sample of the
    queue length comes after the horizon)."""
    expire = pools.Staff.expire

    def keep_count(self, now):  # noqa: ANN001, ANN202
        before = list(self._waiting)
        expire(self, now)
        self._waiting[:] = before

    monkeypatch.setattr(pools.Staff, "expire", keep_count)


def waits_end_at_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measurement issue 21 found: a wait ends only when a specialist takes the case,
    so a patient who gave up counts as waiting until the horizon."""
    from sim.outputs import queue_jobs

    monkeypatch.setattr(queue_jobs, "waits", lambda jobs: (jobs.join_h, jobs.seize_h))


# ------------------------------------------------------------ records team and diaries
def navigators_ignore_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records team serves everyone first come, first served (urgent cases not first)."""
    simulate_team = records_team.simulate_team

    def fifo(arrival, priority, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        return simulate_team(arrival, np.zeros_like(priority), *args, **kwargs)

    monkeypatch.setattr(records_team, "simulate_team", fifo)


def _team_run(monkeypatch: pytest.MonkeyPatch, index: int, new) -> None:  # noqa: ANN001
    """The records team's event loop run with its argument ``index`` replaced by
    ``new(the argument)``."""
    simulate_team = records_team.simulate_team

    def changed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        args = list(args)
        args[index] = new(args[index])
        return simulate_team(*args, **kwargs)

    monkeypatch.setattr(records_team, "simulate_team", changed)


_SERVERS, _CALENDAR = 9, 10  # simulate_team's positional arguments


def one_navigator_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records team works with one navigator more than the scenario has."""
    _team_run(monkeypatch, _SERVERS, lambda navigators: navigators + 1)


def one_navigator_too_few(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records team works with one navigator fewer than the scenario has."""
    _team_run(monkeypatch, _SERVERS, lambda navigators: navigators - 1)


def navigators_around_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records team works through the nights and weekends its calendar closes."""
    from sim.core.calendar import WorkCalendar

    _team_run(monkeypatch, _CALENDAR, lambda _: WorkCalendar.always())


def records_wait_from_pickup(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records' external wait is counted from when a navigator picks the request up, not
    from when the navigator is done: records arrive before the request is finished."""
    simulate_team = records_team.simulate_team

    def early(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        log = simulate_team(*args, **kwargs)
        done = ~np.isnan(log.end_h[0]) & np.isfinite(log.first_records_h)
        shift = np.where(done, log.end_h[0] - log.seize_h[0], 0.0)
        return dataclasses.replace(log, first_records_h=log.first_records_h - shift,
                                   complete_h=log.complete_h - shift)

    monkeypatch.setattr(records_team, "simulate_team", early)


def broken_slot(*, skip_every: int = 0, twice: bool = False):  # noqa: ANN201
    """:meth:`Diary._slot` with one fault: every ``skip_every``-th slot is lost although a case
    waits for it, or each slot goes to ``twice`` two cases."""

    def _slot(self, gen: int) -> None:  # noqa: ANN001
        if gen != self._gen:
            return
        now, k = self.env.now, self._wake_k
        self.last_k = k
        self._wake_k, self._wake_t = -1, float("inf")
        self._admit(now)
        self._fault_n = getattr(self, "_fault_n", 0) + 1
        give = 0 if skip_every and self._fault_n % skip_every == 0 else 2 if twice else 1
        while self._waiting and give:
            _, _, _, i, q, give_up = heappop(self._waiting)
            if give_up < now:
                self.on_give_up(i, give_up)
                continue
            self.given += 1
            self.start(i, q)
            give -= 1
        nxt = now if self._waiting else self._next_eligible()
        if nxt < float("inf"):
            self._schedule(nxt)

    return _slot


def diary_loses_slots(monkeypatch: pytest.MonkeyPatch, every: int = 3) -> None:
    """Every third slot of a diary lapses although cases wait for one."""
    monkeypatch.setattr(slots.Diary, "_slot", broken_slot(skip_every=every))


def diary_double_books(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each slot of a diary goes to two waiting cases."""
    monkeypatch.setattr(slots.Diary, "_slot", broken_slot(twice=True))


def diary_ignores_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    """A diary gives its slots in the order cases became eligible, urgent or not."""
    book, ahead = slots.Diary.book, slots.Diary.book_ahead

    def book0(self, i, queue, priority, eligible_h, give_up_h):  # noqa: ANN001, ANN202
        return book(self, i, queue, 0, eligible_h, give_up_h)

    def ahead0(self, eligible, case, queue, priority, give_up):  # noqa: ANN001, ANN202
        return ahead(self, eligible, case, queue, np.zeros_like(priority), give_up)

    monkeypatch.setattr(slots.Diary, "book", book0)
    monkeypatch.setattr(slots.Diary, "book_ahead", ahead0)


def diary_off_the_grid(monkeypatch: pytest.MonkeyPatch, late_h: float = 0.25) -> None:
    """A diary gives each slot ``late_h`` hours after the slot's time."""
    time = slots.Diary._time
    monkeypatch.setattr(slots.Diary, "_time", lambda self, k: time(self, k) + late_h)


def diary_ignores_the_lead(monkeypatch: pytest.MonkeyPatch, early_h: float = 12.0) -> None:
    """A diary lets a case take a slot up to ``early_h`` hours before its lead has passed."""
    admit = slots.Diary._admit
    monkeypatch.setattr(slots.Diary, "_admit", lambda self, now: admit(self, now + early_h))


def diary_counts_the_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the horizon a diary tells of the patients who gave up, but counts them as still
    waiting for a slot."""
    expire = slots.Diary.expire

    def count_all(self, horizon_h):  # noqa: ANN001, ANN202
        self._admit(float("inf"))
        listed = len(self._waiting)
        expire(self, horizon_h)
        return listed

    monkeypatch.setattr(slots.Diary, "expire", count_all)
