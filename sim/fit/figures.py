"""Overlays of the log and the simulation: one ECDF per stage, and time to opinion.

Example:
    >>> from sim.fit.fidelity import fidelity
    >>> from sim.fit.yaml_out import to_yaml
    >>> from sim.loading import scenario_from_text
    >>> fid = fidelity(scenario_from_text(to_yaml(fitted.scenario, [])), log, fitted, 2)
    >>> fig = overlay_figure(fid.real, fid.simulated)
    >>> [ax.get_title() for ax in fig.axes]
    ['records intake (h)', 'wait for triage (h)', 'triage (h, clock)', \
'wait for a specialist (h)', 'specialist review (h, clock)', 'time to opinion (h)']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PANELS = (
    ("records intake (h)", "arrival_h", "records_h"),
    ("wait for triage (h)", "records_h", "triage_start_h"),
    ("triage (h, clock)", "triage_start_h", "triage_end_h"),
    ("wait for a specialist (h)", "queue_h", "review_start_h"),
    ("specialist review (h, clock)", "review_start_h", "review_end_h"),
    ("time to opinion (h)", "arrival_h", "opinion_h"),
)


def stage_values(t: pd.DataFrame, a: str, b: str) -> np.ndarray:
    """Durations ``b - a`` of the cases that have both."""
    x = (t[b] - t[a]).to_numpy(dtype=float)
    return x[np.isfinite(x)]


def overlay_figure(real: pd.DataFrame, simulated: list[pd.DataFrame]):  # noqa: ANN201
    """A grid of ECDFs, log (black) against every replication pooled (colour)."""
    import matplotlib.pyplot as plt

    panels = [p for p in PANELS if len(stage_values(real, p[1], p[2]))]
    cols = 3
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, (title, a, b) in zip(axes.ravel(), panels, strict=False):
        x_real = np.sort(stage_values(real, a, b))
        x_sim = np.sort(np.concatenate([stage_values(t, a, b) for t in simulated]))
        for x, label, style in ((x_real, f"log (n={len(x_real)})", "k-"),
                                (x_sim, f"simulated (n={len(x_sim)})", "C1--")):
            if len(x):
                ax.step(x, np.arange(1, len(x) + 1) / len(x), style, where="post", label=label)
        top = np.quantile(np.concatenate([x_real, x_sim]), 0.99) if len(x_sim) else None
        if top and top > 0:
            ax.set_xlim(0, top)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.suptitle("Log against the fitted model (ECDFs)")
    fig.tight_layout()
    return fig
