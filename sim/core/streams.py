"""Named random streams: one generator per source of randomness.

Each stream's seed is derived from the run's seed, the replication number and
the stream's *name* (not its position), all children of one
:class:`numpy.random.SeedSequence`. Adding a stream, or drawing more from one,
never shifts another; so two scenarios that differ only in their triage policy
see identical arrivals and case attributes (common random numbers).

Example:
    >>> a = Streams(seed=7, replication=0).rng("arrivals").random()
    >>> b = Streams(seed=7, replication=0).rng("arrivals").random()
    >>> a == b
    True
"""

from __future__ import annotations

import hashlib

import numpy as np

NAMES = (
    "arrivals",  # arrival times (thinning)
    "attributes",  # specialty, subspecialty, channel, payer, priority
    "intake",  # digital or paper, and how long records take
    "triage",  # triage durations, AI accuracy, hybrid checks, referral cycle
    "adoption",  # which cases AI triages when only a share of them is
    "authorisation",  # which cases need pre-authorisation and its delay
    "review",  # specialist effort, misroute screening, re-routing delay
    "outcomes",  # confirmed / refined / changed
    "economics",  # recommended procedures, whether avoided, what they cost
    "absences",  # which specialists are away on which day (one child stream per queue)
    "abandonment",  # each case's patience at every stage where it may give up
    "procedure_dates",  # when each recommended procedure is scheduled
    "access",  # incomplete records and their second wait; appointment slot waits
    "records_team",  # navigators' hands-on effort per records request (intake.team)
)


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def stream_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` in ``replication`` of a run seeded ``seed``."""
    root = np.random.SeedSequence(seed)
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, replication, _name_key(name))
    )


class Streams:
    """The random generators of one replication, created on first use by name."""

    def __init__(self, seed: int, replication: int = 0):
        self.seed = seed
        self.replication = replication
        self._rngs: dict[str, np.random.Generator] = {}

    def rng(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (one of :data:`NAMES`)."""
        if name not in NAMES:
            raise KeyError(f"unknown random stream {name!r}; streams are {', '.join(NAMES)}")
        if name not in self._rngs:
            self._rngs[name] = np.random.Generator(
                np.random.PCG64(stream_seed(self.seed, self.replication, name))
            )
        return self._rngs[name]
