"""Access: incomplete records and appointment slots, drawn up front from their own stream.

A case whose records arrive incomplete (``incomplete_records.share`` of its
channel) waits a second time, for the missing parts, from the moment the first
batch is in; its records are complete only then (its triage starts then, and
records drop-out counts the whole wait). A case on a channel with an
appointment wait (``appointments``) waits for its slot after matching and
authorisation, before it joins the specialist queue. Both come from the
``access`` stream (three columns per case whatever the scenario sets), so they
move no other draw.

Example:
    >>> Access.__dataclass_fields__.keys() >= {"incomplete", "appointment_h"}
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.streams import Streams
from sim.engine.demand import Cases
from sim.engine.plan import Plan


@dataclass(frozen=True)
class Access:
    """Per-case access draws (arrays of length n cases)."""

    incomplete: np.ndarray  # records arrived incomplete and were requested again
    first_records_h: np.ndarray  # when the first batch of records was in
    appointment_h: np.ndarray  # the wait for an appointment slot (its duration, clock or work
    # hours on its calendar; 0: none); on a channel with a diary: the booking lead
    second_wait_h: np.ndarray | None = None  # the second request's wait in hours (on its
    # spec's calendar), for a records team's run to count from its navigator's request
    books_slot: np.ndarray | None = None  # the case's channel has a diary of slots


def draw_access(plan: Plan, cases: Cases, streams: Streams,
                intake_end_h: np.ndarray) -> tuple[np.ndarray, Access | None]:
    """(records complete, access draws): ``intake_end_h`` moved for incomplete records.

    With a records team ``intake_end_h`` is not known yet (NaN): the run computes it from
    the draws (:mod:`sim.engine.records_team`), and it is returned unchanged.
    """
    a = plan.inputs.access
    if a is None:
        return intake_end_h, None
    diaries = plan.leads is not None and any(x is not None for x in plan.leads.by_channel)
    n = len(cases)
    u = streams.rng("access").random((n, 3))
    incomplete = np.zeros(n, dtype=bool)
    complete = intake_end_h
    second = None
    if a.incomplete_share is not None:
        share = np.asarray(a.incomplete_share)
        incomplete = u[:, 0] < share[cases.channel]
        cal = plan.calendar_of(a.request)
        h = plan.hours(a.request, u[:, 1])
        second = np.where(incomplete, h, 0.0)
        if plan.records_team is None:
            done = intake_end_h + h if cal is None else cal.add_working_hours(intake_end_h, h)
            complete = np.where(incomplete, done, intake_end_h)
    appointment = np.zeros(n)
    books = np.zeros(n, dtype=bool)
    for ch, spec in enumerate(a.appointment):
        rows = cases.channel == ch
        leads = plan.leads.by_channel[ch] if diaries else None
        if leads is not None:  # a diary: every case books; the lead by class
            books |= rows
            for k, lead in enumerate(leads):
                sub = rows & (cases.priority == k)
                if sub.any():
                    appointment[sub] = plan.hours(lead, u[sub, 2])
            continue
        if spec is not None and rows.any():
            appointment[rows] = plan.hours(spec, u[rows, 2])
    first = intake_end_h if plan.records_team is None else np.full(n, np.nan)  # the run's
    return complete, Access(incomplete=incomplete, first_records_h=first,
                            appointment_h=appointment, second_wait_h=second,
                            books_slot=books if diaries else None)
