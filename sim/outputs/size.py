"""The run-size rule: how many cases a run would simulate, and when that needs confirming.

One rule for every place that starts a run (``sosim run``, the web page): the expected
cases of one replication (co-pay waivers included), times the replications, times the
years of a multi-year run, against :data:`RUN_LIMIT_CASES`. Light on purpose (no SimPy, no
pandas): ``sosim --help`` reads the limit.

Example:
    >>> size = RunSize(per_run=12_000, replications=500, years=1)
    >>> size.over_limit
    True
    >>> for part in size.describe().split(" and "):
    ...     print(part)
    about 6,000,000 cases (12,000 x 500 replications)
    need about 6.6 GB of memory, over the 5,000,000-case limit
    >>> RunSize(per_run=12_000, replications=5, years=10).describe().split(" and")[0]
    'about 600,000 cases (12,000 x 5 replications x 10 years)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

__all__ = ["BYTES_PER_CASE", "RUN_LIMIT_CASES", "RunSize", "run_size"]

RUN_LIMIT_CASES = 5_000_000
"""Runs simulating more cases than this (all replications and years) need confirming."""
BYTES_PER_CASE = 1_100
"""Rough peak memory per simulated case with the event log on (benchmarks/bench_engine.py)."""


@dataclass(frozen=True)
class RunSize:
    """The cases a run would simulate: per replication (and year), replications, years."""

    per_run: float
    replications: int
    years: int = 1

    @property
    def total(self) -> float:
        return self.per_run * self.replications * self.years

    @property
    def over_limit(self) -> bool:
        return self.total > RUN_LIMIT_CASES

    def describe(self) -> str:
        """The run's size, its memory and the limit, in words."""
        years = f" x {self.years} years" if self.years > 1 else ""
        return (f"about {self.total:,.0f} cases ({self.per_run:,.0f} x {self.replications} "
                f"replications{years}) and need about {self.total * BYTES_PER_CASE / 1e9:,.1f} "
                f"GB of memory, over the {RUN_LIMIT_CASES:,}-case limit")


def run_size(scenario: Scenario, replications: int | None = None,
             years: tuple[int, int] | None = None) -> RunSize:
    """The size of running ``scenario`` with ``replications`` (default: the scenario's) over
    the years ``(first, last)`` (None: one run, as :func:`sim.run` does)."""
    reps = scenario.simulation.replications if replications is None else replications
    n_years = years[1] - years[0] + 1 if years else 1
    return RunSize(scenario.expected_cases, reps, n_years)
