"""The ``abandonment`` section: how long patients wait before they give up.

A case can be abandoned while it waits at four stages: for its records
(``records``), in the legacy referral cycle (``referral``), for an in-person
appointment slot (``appointment``) and in a specialist queue (``specialist``).
Each stage that is given has a *patience* distribution: a case that would wait
longer than its patience at that stage leaves at the moment its patience runs
out, and is counted as abandoned (its own outcome, never delivered). The clock
restarts at each stage. A stage left out never loses a case, and without the
section nobody abandons (the textbook validation scenarios are unchanged).

Patience may differ by channel and by priority; the most specific setting wins:
``by_priority`` over ``by_channel`` over ``default``. Patience runs in elapsed
time, so ``business_days`` is refused.

Example::

    abandonment:
      specialist:
        default: {dist: exponential, mean: 20, unit: days}
        by_priority: {urgent: {dist: exponential, mean: 5, unit: days}}
      referral:
        default: {dist: exponential, mean: 30, unit: days}
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from sim.scenario.base import Name, Strict
from sim.scenario.durations import Duration

STAGES = ("records", "referral", "appointment", "specialist")
"""Where a case can be abandoned, in journey order (codes into this tuple)."""


class Patience(Strict):
    """How long a case waits at one stage before it gives up."""

    default: Duration | None = Field(
        default=None, description="patience of cases no override below matches; none = never")
    by_channel: dict[Name, Duration] = Field(
        default={}, description="per channel, overrides default")
    by_priority: dict[Name, Duration] = Field(
        default={}, description="per priority class, overrides by_channel and default")

    @model_validator(mode="after")
    def _elapsed(self) -> Patience:
        specs = [self.default, *self.by_channel.values(), *self.by_priority.values()]
        if any(s is not None and s.unit == "business_days" for s in specs):
            raise ValueError("patience runs in elapsed time: use minutes, hours or days "
                             "(got business_days)")
        if not any(s is not None for s in specs):
            raise ValueError("give a default, by_channel or by_priority patience (got none)")
        return self

    def spec(self, channel: str, priority: str) -> Duration | None:
        """The patience of a case of ``channel`` and ``priority`` (None: it never gives up)."""
        if priority in self.by_priority:
            return self.by_priority[priority]
        return self.by_channel.get(channel, self.default)


class Abandonment(Strict):
    """Patience per waiting stage; a stage left out loses no case."""

    records: Patience | None = Field(default=None, description="waiting for records")
    referral: Patience | None = Field(default=None, description="in the legacy referral cycle")
    appointment: Patience | None = Field(
        default=None, description="waiting for an in-person appointment slot")
    specialist: Patience | None = Field(
        default=None, description="waiting in a specialist queue (also a misrouted case's "
                                  "wait for the wrong specialists; the clock restarts)")

    def stage(self, name: str) -> Patience | None:
        """The patience setting of stage ``name`` (one of :data:`STAGES`)."""
        return getattr(self, name)


def abandonment_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Channels and priorities named in ``s.abandonment`` that the demand mix does not have."""
    a = s.abandonment
    out: list[tuple[tuple[str | int, ...], str]] = []
    if a is None:
        return out
    channels, priorities = set(s.demand.mix.channel), set(s.demand.mix.priority)
    for stage in STAGES:
        p = a.stage(stage)
        if p is None:
            continue
        for ch in p.by_channel:
            if ch not in channels:
                out.append((("abandonment", stage, "by_channel", ch),
                            f"unknown channel {ch!r} (demand.mix.channel has "
                            f"{', '.join(sorted(channels))})"))
        for pr in p.by_priority:
            if pr not in priorities:
                out.append((("abandonment", stage, "by_priority", pr),
                            f"unknown priority {pr!r} (demand.mix.priority has "
                            f"{', '.join(sorted(priorities))})"))
    return out
