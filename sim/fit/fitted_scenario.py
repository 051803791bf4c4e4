"""The result of fitting a scenario from a log: the scenario and what each value came from.

:func:`sim.fit.build.fit_scenario` returns a :class:`FittedScenario`; its ``scenario`` is a
mapping whose leaves are :class:`~sim.fit.fitted.Fitted` values (each with its note, sample
size and interval), and the other fields keep the evidence: the stage table, the calendars
detected, every duration fitted, the demand, the staffing and the notes.

Example:
    >>> sorted(fitted.calendars)[:2], fitted.staffing is not None
    (['in_house', 'outsourced'], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.fit.calendars import DetectedCalendar
from sim.fit.durations import FittedDuration
from sim.fit.fitted import Fitted
from sim.fit.staffing import Staffing

__all__ = ["FittedScenario"]


@dataclass
class FittedScenario:
    """The fitted scenario (a mapping with :class:`Fitted` leaves) and what it came from."""

    scenario: dict
    table: pd.DataFrame
    calendars: dict[str, DetectedCalendar]
    durations: dict[str, FittedDuration]
    demand: dict[str, Fitted]
    staffing: Staffing | None
    notes: list[str] = field(default_factory=list)
    patience: dict = field(default_factory=dict)
    """Drop-out: stage -> :class:`~sim.fit.patience.FittedPatience`."""
