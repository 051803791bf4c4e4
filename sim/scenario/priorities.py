"""The ``priorities`` section: priority classes, their service levels and what they get.

Without the section there are two classes, ``urgent`` before ``routine``,
that differ only in their place in the specialist queues (as before). With it,
the scenario names its own classes, **in service order** (the first is served
first: non-preemptive priority in every queue), and each class may get what
real programmes give urgent cases:

- ``time_to_opinion_hours``: its own service level (the KPIs report each class
  against it; default ``targets.time_to_opinion_hours``);
- ``records_speedup``: a fast-tracked records request, the intake delay
  divided by this factor (2 = records arrive in half the time);
- ``reserve``: per pool, specialists of each of the pool's service lines held
  back for this class and the classes before it (trunk reservation: a case of
  a later class takes a specialist only while more than the reserve are free; a line
  with fewer specialists keeps at most all but one for earlier classes);
- ``reserve_yields_at``: the reserve yields while at least this many cases of the
  later classes wait in the queue (they may then take the held specialists), so
  that under overload it does not leave specialists idle beside a growing queue;
  none (the default): it never yields.

Example::

    priorities:
      urgent: {time_to_opinion_hours: 72, records_speedup: 2, reserve: {in_house: 1},
               reserve_yields_at: 4}
      routine: {time_to_opinion_hours: 240}
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from sim.scenario.base import Count, Name, Strict

DEFAULT_CLASSES = ("urgent", "routine")
"""The classes of a scenario without a ``priorities`` section, in service order."""


class PriorityClass(Strict):
    """What one priority class gets."""

    time_to_opinion_hours: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="the class's own service level (default: "
                                  "targets.time_to_opinion_hours)")
    records_speedup: Annotated[float, Field(ge=1, le=100)] = Field(
        default=1.0, description="records intake delay divided by this (a fast-tracked "
                                 "request); 1 = no fast track")
    reserve: dict[Name, Count] = Field(
        default={}, description="per pool, specialists per service line held back for this "
                                "class and those before it")
    reserve_yields_at: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="the reserve yields while at least this many cases of the "
                                  "later classes wait in the queue; none = it never yields "
                                  "(and strands the held specialists under overload)")


def class_names(s: Any) -> tuple[str, ...]:  # noqa: ANN401
    """The priority classes of scenario ``s``, first served first."""
    return tuple(s.priorities) if s.priorities else DEFAULT_CLASSES


def priority_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Class names in the mix and elsewhere that the classes do not define; unknown pools."""
    names = class_names(s)
    out: list[tuple[tuple[str | int, ...], str]] = []
    listing = ", ".join(names)
    for p in s.demand.mix.priority:
        if p not in names:
            out.append((("demand", "mix", "priority", p),
                        f"unknown priority class {p!r} (classes: {listing})"))
    if s.economics is not None:
        for p in s.economics.delay_cost_per_day_usd:
            if p not in names:
                out.append((("economics", "delay_cost_per_day_usd", p),
                            f"unknown priority class {p!r} (classes: {listing})"))
    for name, cls in (s.priorities or {}).items():
        if cls.reserve_yields_at is not None and not any(cls.reserve.values()):
            out.append((("priorities", name, "reserve_yields_at"),
                        "only a class with a reserve has one to yield (give reserve too, or "
                        "drop reserve_yields_at)"))
        for pool, n in cls.reserve.items():
            if pool not in s.pools:
                out.append((("priorities", name, "reserve", pool),
                             f"unknown pool {pool!r} (pools: {', '.join(s.pools)})"))
                continue
            small = [sp for sp, k in s.pools[pool].specialists.items() if 0 < k <= n]
            if small:
                out.append((("priorities", name, "reserve", pool),
                            f"reserves {n} of {pool}'s specialists, leaving none for later "
                            f"classes on {', '.join(small)}"))
    return out
