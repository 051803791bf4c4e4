"""A journey started with launch() runs exactly as a SimPy process would, minus two events."""

from __future__ import annotations

import math

import pytest
import simpy

from sim.engine.launch import launch


def _story(env: simpy.Environment, log: list, shared: simpy.Event) -> list:
    """Generators that use every way a journey waits, logging what they see and when."""

    def helper(name: str, hours: float):  # noqa: ANN202  (a nested generator with a result)
        yield env.timeout(hours)
        return f"{name} helped"

    def case(name: str, start: float):  # noqa: ANN202
        log.append((env.now, name, "start"))
        if start:
            yield env.timeout(start)
        got = yield shared  # a value handed over by another case
        log.append((env.now, name, got))
        done = env.event().succeed("ready")  # triggered before it is yielded
        got = yield done
        log.append((env.now, name, got))
        got = yield from helper(name, 0.5)
        log.append((env.now, name, got))
        yield env.timeout(0.0)  # ties at one instant keep their order

    def giver():  # noqa: ANN202
        yield env.timeout(2.0)
        shared.succeed("server 3")
        log.append((env.now, "giver", "gave"))

    return [case("a", 1.0), case("b", 0.0), giver(), case("c", 3.0)]


def _run(start: str) -> list:
    env = simpy.Environment()
    log: list = []
    for g in _story(env, log, env.event()):
        if start == "process":
            env.process(g)
        else:
            launch(g)
    env.run()
    return log


def test_launch_runs_journeys_as_simpy_processes_do() -> None:
    log = _run("launch")
    assert log == _run("process")
    assert log == [
        (0, "a", "start"), (0, "b", "start"), (0, "c", "start"),
        (2.0, "giver", "gave"), (2.0, "b", "server 3"), (2.0, "a", "server 3"),
        (2.0, "b", "ready"), (2.0, "a", "ready"),
        (2.5, "b", "b helped"), (2.5, "a", "a helped"),
        (3.0, "c", "server 3"), (3.0, "c", "ready"), (3.5, "c", "c helped"),
    ]


def test_launch_schedules_no_event_of_its_own() -> None:
    env = simpy.Environment()

    def waits_forever():  # noqa: ANN202
        yield env.event()

    launch(waits_forever())
    assert env.peek() == math.inf  # a process would have scheduled its Initialize at 0
    env.process(waits_forever())
    assert env.peek() == 0.0


def test_an_error_in_a_journey_stops_the_run() -> None:
    env = simpy.Environment()

    def broken():  # noqa: ANN202
        yield env.timeout(1.0)
        raise RuntimeError("journey bug")

    launch(broken())
    with pytest.raises(RuntimeError, match="journey bug"):
        env.run()


def test_a_failed_event_is_thrown_into_the_journey() -> None:
    env = simpy.Environment()
    seen = []

    def careful():  # noqa: ANN202
        try:
            yield env.timeout(1.0, value=None) & env.event().fail(ValueError("no slot"))
        except ValueError as e:
            seen.append((env.now, str(e)))

    launch(careful())
    env.run()
    assert seen == [(0.0, "no slot")]


def test_the_private_attributes_launch_reads_still_mean_what_it_assumes() -> None:
    """launch reads Event._ok, _value and sets _defused (as Process._resume does); a SimPy
    release that renames or changes them fails here, not in a run (pyproject bounds simpy)."""
    env = simpy.Environment()
    good, bad = env.event().succeed("v"), env.event().fail(ValueError("x"))
    assert (good._ok, good._value) == (good.ok, good.value) == (True, "v")
    assert bad._ok is False and isinstance(bad._value, ValueError)
    bad._defused = True
    assert bad.defused  # the public property reads what launch sets
    env.run()  # a defused failure is not raised by the environment
