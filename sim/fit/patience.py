"""Drop-out: how long patients wait at each stage before they give up, from censored waits.

sosim's patience runs per waiting stage (``records``, ``referral``, ``appointment``,
``specialist``; the clock restarts at each). From the stage table, every case that waited
at a stage gives one observation of its patience there:

- **given up** (an abandonment event while it waited): the patience is the wait;
- **served** (its wait ended with the next step), or **still waiting at the log's end**:
  the patience is *at least* the wait: a right-censored observation.

A mean over the given-up cases alone would say only how long the impatient waited; the
censored observations carry the rest. The survival function is estimated by Kaplan-Meier
(:func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData`), and exponential, gamma and
lognormal patience are fitted by censored maximum likelihood (``scipy.stats.<family>.fit``
on the same data, location 0); the lowest AIC wins (the simplest within 2 points). A stage
with fewer than :data:`MIN_GIVE_UPS` give-ups is left without drop-out and the report says
so.

Example:
    >>> waits = np.random.default_rng(2).exponential(30.0, 400)     # patience, hours
    >>> served = np.random.default_rng(3).exponential(20.0, 400)    # when service came
    >>> fp = fit_patience(np.minimum(waits, served), waits <= served)
    >>> fp.spec["dist"], 25 < fp.spec["mean"] < 36
    ('exponential', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.fit.fitted import Fitted

MIN_GIVE_UPS = 5
"""Give-ups at a stage needed before a patience is fitted for it."""
_PARAMS = {"exponential": 1, "gamma": 2, "lognormal": 2}


@dataclass(frozen=True)
class FittedPatience:
    """A patience fitted from censored waits (hours) and the evidence for it."""

    spec: dict
    n: int
    gave_up: int
    km_median_h: float | None
    aic: dict[str, float]

    @property
    def note(self) -> str:
        km = (f"Kaplan-Meier median {self.km_median_h:.4g} h" if self.km_median_h is not None
              else "Kaplan-Meier survival stays above 1/2 over the waits seen")
        aics = ", ".join(f"{k} {v:.1f}" for k, v in sorted(self.aic.items(), key=lambda x: x[1]))
        return (f"n={self.n} waits, {self.gave_up} gave up, {self.n - self.gave_up} censored "
                f"(served or still waiting at the log's end); {self.spec['dist']} by censored "
                f"maximum likelihood (AIC {aics}); {km}")


def _families(data: stats.CensoredData) -> dict[str, tuple[dict, object]]:
    out: dict[str, tuple[dict, object]] = {}
    (scale,) = stats.expon.fit(data, floc=0)[1:]
    out["exponential"] = ({"mean": scale}, stats.expon(0, scale))
    for name, family in (("gamma", stats.gamma), ("lognormal", stats.lognorm)):
        try:
            shape, _, sc = family.fit(data, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):  # pragma: no cover
            continue
        dist = family(shape, 0, sc)
        if np.isfinite(dist.mean()) and np.isfinite(dist.std()):
            out[name] = ({"mean": float(dist.mean()), "sd": float(dist.std())}, dist)
    return out


def fit_patience(waits_h: np.ndarray, gave_up: np.ndarray) -> FittedPatience:
    """Fit a patience to waits (hours), ``gave_up`` True where the wait ended by giving up."""
    w = np.maximum(np.asarray(waits_h, dtype=float), 1e-6)
    g = np.asarray(gave_up, dtype=bool)
    ok = np.isfinite(w)
    w, g = w[ok], g[ok]
    data = stats.CensoredData(uncensored=w[g], right=w[~g])
    km = stats.ecdf(data).sf
    below = np.flatnonzero(km.probabilities <= 0.5)
    median = float(km.quantiles[below[0]]) if len(below) else None
    aic = {}
    fits = _families(data)
    for name, (_, dist) in fits.items():
        ll = float(np.sum(dist.logpdf(w[g])) + np.sum(dist.logsf(w[~g])))
        aic[name] = 2 * _PARAMS[name] - 2 * ll if np.isfinite(ll) else math.inf
    lowest = min(aic.values())
    best = min((a for a in aic if aic[a] <= lowest + 2), key=lambda a: (_PARAMS[a], aic[a]))
    params = {k: float(f"{v:.5g}") for k, v in fits[best][0].items()}
    return FittedPatience({"dist": best, **params, "unit": "hours"}, len(w), int(g.sum()),
                          median, aic)


def stage_waits(t: pd.DataFrame, end_h: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per sosim abandonment stage: (waits in hours, gave up) of the cases that waited there.

    A case that gave up is charged to the stage it was waiting at: records (no records yet),
    referral (referral begun, not ended), appointment (booked, not held), specialist (in the
    queue, no review begun).
    """
    left = t["abandoned_h"]
    gone = left.notna().to_numpy()
    stop = left.fillna(end_h).to_numpy()
    spans = {
        "records": (t["arrival_h"], t["records_h"].where(t["has_records_stage"])),
        "referral": (t["referral_start_h"], t["referral_end_h"]),
        "appointment": (t["booked_h"], t["held_h"]),
        "specialist": (t["queue_h"], t["review_start_h"]),
    }
    out = {}
    for stage, (begin, end) in spans.items():
        b, e = begin.to_numpy(dtype=float), end.to_numpy(dtype=float)
        if stage == "records" and not t["has_records_stage"].any():
            continue
        waited = np.isfinite(b)
        open_ = waited & ~np.isfinite(e)  # never left this wait by service
        wait = np.where(open_, stop - b, e - b)
        gave_up = open_ & gone
        keep = waited & np.isfinite(wait) & (wait >= 0)
        if keep.any():
            out[stage] = (wait[keep], gave_up[keep])
    return out


def abandonment_section(t: pd.DataFrame, end_h: float, mapped: bool
                        ) -> tuple[dict[str, dict], list[str], dict[str, FittedPatience]]:
    """The scenario's ``abandonment`` section, report notes, and the fits by stage."""
    if not mapped:
        return {}, ["drop-out: the map names no abandonment activity, so none is modelled "
                    "(sosim's default: nobody gives up)"], {}
    section, notes, fits = {}, [], {}
    for stage, (wait, gave_up) in stage_waits(t, end_h).items():
        k = int(gave_up.sum())
        if k < MIN_GIVE_UPS:
            notes.append(f"drop-out at {stage}: {k} of {len(wait)} waiting cases gave up "
                         f"(under {MIN_GIVE_UPS}): no patience fitted, nobody gives up there")
            continue
        fp = fit_patience(wait, gave_up)
        fits[stage] = fp
        section[stage] = {"default": Fitted(fp.spec, fp.note, fp.n)}
        notes.append(f"drop-out at {stage}: {fp.note}")
    unplaced = int(t["abandoned_h"].notna().sum()) - sum(f.gave_up for f in fits.values())
    if unplaced > 0:
        notes.append(f"{unplaced} give-ups happened outside sosim's four waiting stages or at "
                     "a stage without a fit (e.g. during triage or pre-authorisation)")
    return section, notes, fits
