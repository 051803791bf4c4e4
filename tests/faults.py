"""Deliberately broken engines, for tests that show a check can fail.

Each fault swaps one method of :class:`sim.engine.pools.SpecialistQueue` (or wraps the
draws, or a contract's weekly cap) with ``monkeypatch``; the run invariants
(``tests/outputs/test_invariants.py``) and the statistical validation (``tests/validation/``)
must reject each of them.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappop, heappush

import numpy as np
import pytest

from sim.engine import contracts, model, pools


def broken_serve(*, idle_h: float = 0.0, lifo: bool = False, ignore_priority: bool = False):  # noqa: ANN201
    """:meth:`Staff.serve` with one fault: idle before a hand-over, LIFO, or no priority."""

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


def waits_end_at_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measurement issue 21 found: a wait ends only when a specialist takes the case,
    so a patient who gave up counts as waiting until the horizon."""
    from sim.outputs import invariants

    monkeypatch.setattr(invariants, "waits", lambda jobs: (jobs.join_h, jobs.seize_h))
