"""Channels as they are: appointment slots for in-person opinions, incomplete records.

``appointments`` gives, per channel, the wait for an appointment slot: after a
case is matched and authorised, a patient on that channel waits for the slot
before the specialist sees the case (new-patient specialist appointments in
US metro areas take 24-31 days on average; see ``docs/sources.md``). Channels
not listed (a portal, a video consult booked with the review) wait for none.

``incomplete_records`` makes a share of cases' records arrive incomplete: once
the first batch is in, the missing parts are requested and the case waits a
second time (``request``) before triage. Both sections are optional; without
them nothing changes.

Example::

    appointments:
      in_person: {dist: uniform, low: 12, high: 33, unit: days}
    incomplete_records:
      share: {in_person: 0.3, online_portal: 0.15}
      request: {dist: uniform, low: 2, high: 5, unit: business_days}
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.scenario.base import Name, Probability, Strict
from sim.scenario.durations import Duration


class IncompleteRecords(Strict):
    """Records that arrive incomplete and need a second request."""

    share: dict[Name, Probability] = Field(
        description="per channel, the share of cases whose records arrive incomplete "
                    "(channels not listed: none)")
    request: Duration = Field(description="the second wait, for the missing records")


def access_findings(s: Any) -> list[tuple[tuple[str | int, ...], str]]:  # noqa: ANN401
    """Channels named in ``appointments`` and ``incomplete_records`` that the mix lacks."""
    channels = set(s.demand.mix.channel)
    out: list[tuple[tuple[str | int, ...], str]] = []
    named = [(("appointments", ch), ch) for ch in (s.appointments or {})]
    if s.incomplete_records is not None:
        named += [(("incomplete_records", "share", ch), ch) for ch in s.incomplete_records.share]
    for path, ch in named:
        if ch not in channels:
            out.append((path, f"unknown channel {ch!r} (demand.mix.channel has "
                              f"{', '.join(sorted(channels))})"))
    return out
