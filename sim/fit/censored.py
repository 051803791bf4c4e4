"""Delays cut short: a delay still running when the patient gave up or the log ended.

A delay that the patient can leave (the legacy referral cycle: patients give up waiting for
it) or that the log's end cuts (begun late) is only *seen* when it was short enough to end
first: fitted on the completed ones alone it comes out short. Every begun delay is one
observation: a completed one gives its length, one still running when the patient gave up
or the log ended says only that it was longer (right-censored). The delay is then fitted by
censored maximum likelihood (:func:`sim.fit.patience.fit_patience`: exponential, gamma,
lognormal, lowest AIC) in the same unit as the completed ones (elapsed hours, or business
days on the calendar its ends keep).

Example:
    >>> import numpy as np
    >>> done = np.array([5.5, 6.0, 7.2, 5.1, 6.6, 8.0, 5.9, 6.4])
    >>> spec, note = censored_spec(done, np.array([6.5, 7.0, 7.5]))
    >>> spec["dist"], note.split(" (")[0]
    ('lognormal', 'n=11 delays, 8 completed, 3 censored')
"""

from __future__ import annotations

import numpy as np

from sim.fit.patience import fit_patience

MIN_CENSORED_SHARE = 0.05
"""Censored delays, as a share of all begun, above which the delay is fitted with them."""


def censored_spec(done: np.ndarray, still_open: np.ndarray) -> tuple[dict, str]:
    """The delay's distribution (no unit) from completed lengths ``done`` and the lengths
    ``still_open`` had reached when the patient gave up or the log ended; and its note."""
    done = np.asarray(done, dtype=float)
    still_open = np.asarray(still_open, dtype=float)
    values = np.concatenate([done, np.maximum(still_open, 0.0)])
    ended = np.concatenate([np.ones(len(done), bool), np.zeros(len(still_open), bool)])
    fp = fit_patience(values, ended)
    spec = {k: v for k, v in fp.spec.items() if k != "unit"}
    aics = ", ".join(f"{k} {v:.1f}" for k, v in sorted(fp.aic.items(), key=lambda x: x[1]))
    note = (f"n={fp.n} delays, {fp.gave_up} completed, {fp.n - fp.gave_up} censored (the "
            f"patient gave up or the log ended first); {spec['dist']} by censored maximum "
            f"likelihood (AIC {aics}); completed ones alone: mean {done.mean():.4g}")
    return spec, note


def needs_censoring(n_done: int, n_open: int) -> bool:
    """Whether enough delays were cut short for the completed ones alone to mislead."""
    return n_open > 0 and n_open >= MIN_CENSORED_SHARE * (n_done + n_open)
