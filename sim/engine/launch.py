"""Starting a case's journey: a SimPy process without a process's two bookkeeping events.

``env.process(generator)`` costs two events besides those the generator waits for: an
``Initialize`` event that takes its first step, and, when the generator returns, the
process itself, scheduled as an event so that others may wait for it to end. A journey
is started at the instant it is due, so its first step need not wait for an event, and
nothing ever waits for a journey to end. Both events are pure cost: on the baseline
scenario they were 1.8 of the 4.2 events a case cost (2.4 with :func:`launch`; steps of
``env.run`` counted on 100,000 cases).

:func:`launch` takes the first step at once and resumes the generator from each event
it yields, as :meth:`simpy.events.Process._resume` does: in the same step of the event
loop, with the event's value (``server = yield wake``). Nothing else changes: the events
a journey waits for are ordinary SimPy events, scheduled and fired by ``env.run``.

Example:
    >>> import simpy
    >>> env = simpy.Environment()
    >>> def case(name, hours):
    ...     yield env.timeout(hours)
    ...     print(name, "done at", env.now)
    >>> launch(case("a", 2.0)); launch(case("b", 1.0))
    >>> env.run()
    b done at 1.0
    a done at 2.0
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

__all__ = ["launch"]


def launch(journey: Generator[simpy.Event, object, object]) -> None:
    """Run ``journey`` now up to its first ``yield``, then on from each event it waits for.

    What a journey does not use is left out: interrupts, and waiting for its end. An
    exception inside it propagates out of ``env.run``, as it would from a process. A
    yielded event that has already been processed resumes the journey at once, as in
    SimPy.
    """
    _Running(journey).resume(_START)


class _Running:
    """A journey between two of its events.

    Each wait subscribes a fresh bound method, so no object refers to itself: a finished
    journey is freed by reference counting at once, even while the engine pauses the
    cyclic garbage collector (:meth:`sim.engine.model.Model.run`). A closure that
    re-subscribed itself would be a cycle, kept until the next collection.
    """

    __slots__ = ("journey",)

    def __init__(self, journey: Generator[simpy.Event, object, object]):
        self.journey = journey

    def resume(self, event: simpy.Event) -> None:
        """Send ``event``'s value into the journey; subscribe to the next event it yields."""
        journey = self.journey
        # SimPy's own Process._resume reads the private _ok/_value the same way. The public
        # properties (ok, value, defused) cost 0.29 us more per event, 5% of a run's CPU
        # (2.4 events a case, 13 us a case on baseline): pyproject.toml bounds simpy < 4.2
        # and tests/engine/test_launch.py checks the attributes still mean this.
        while True:
            try:
                if event._ok:
                    event = journey.send(event._value)
                else:  # a failed event: the journey handles it or fails
                    event._defused = True
                    event = journey.throw(event._value)
            except StopIteration:
                return
            if event.callbacks is not None:  # not yet processed: wait for it
                event.callbacks.append(self.resume)
                return


class _Start:
    """Stands for the event that starts a journey: ``send(None)``, as SimPy's Initialize."""

    _ok, _value = True, None


_START = _Start()
