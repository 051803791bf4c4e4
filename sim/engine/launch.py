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

    def resume(event: simpy.Event) -> None:
        # SimPy's own Process._resume reads the private _ok/_value the same way.
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
                event.callbacks.append(resume)
                return

    try:
        first = next(journey)
    except StopIteration:
        return
    if first.callbacks is not None:
        first.callbacks.append(resume)
    else:
        resume(first)
