"""Columnar records of one replication: one preallocated array per field.

The engine writes a case's timestamps into these arrays as the case moves
(``rec.match_h[i] = env.now``); nothing is appended and no per-event objects
are built, so memory grows with cases, not with events. Unreached stages stay
``NaN`` (times) or ``-1`` (queue indices). Tables are built from these arrays
once the run is over (:mod:`sim.outputs.results`).
"""

from __future__ import annotations

import numpy as np

TIMES = (
    "triage_seize_h",  # triage staff (AI service or coordinator) takes the case
    "triage_start_h",  # ... and starts working on it (calendar permitting)
    "triage_end_h",
    "check_seize_h",  # hybrid: a coordinator checks the AI's match
    "check_start_h",
    "check_end_h",
    "referral_end_h",  # legacy: end of the referral cycle
    "first_match_h",  # triage has matched the case to a line (maybe the wrong one)
    "auth_end_h",  # pre-authorisation done (equals first_match_h when none is needed)
    "screen_queue_h",  # misrouted: joins the wrong specialists' queue
    "screen_seize_h",
    "screen_start_h",
    "screen_end_h",  # ... who spot the mistake and hand it back
    "reroute_end_h",  # ... and it is re-routed
    "match_h",  # matched to the right line
    "queue_h",  # joins the right specialists' queue
    "seize_h",  # a specialist takes it
    "review_start_h",  # ... and starts work (calendar permitting)
    "review_end_h",  # opinion delivered
)
INDICES = ("matched_line", "screen_queue", "queue",
           "screen_server", "server")  # server: which specialist of the queue (0-based)


class Records:
    """Per-case arrays of one replication, all of length ``n``."""

    def __init__(self, n: int):
        self.n = n
        for name in TIMES:
            setattr(self, name, np.full(n, np.nan))
        for name in INDICES:
            setattr(self, name, np.full(n, -1, dtype=np.int32))
