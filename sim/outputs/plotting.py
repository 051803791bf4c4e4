"""What every figure of sosim shares: an Agg canvas of its own, and an atomic PNG file.

Figures are plain :class:`matplotlib.figure.Figure` objects on the Agg canvas,
never registered with ``pyplot``: nothing opens a window, nothing changes the
global backend, and a figure is freed as soon as it is no longer referenced.

Example:
    >>> fig = new_figure(6.0, 4.0)
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> png = save_png(fig, tmp / "line.png")
    >>> png.name, png.read_bytes()[:4]
    ('line.png', b'\\x89PNG')
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.outputs.files import atomic_write_bytes

if TYPE_CHECKING:
    from sim.outputs.results import Results

__all__ = ["DPI", "new_figure", "replications_label", "save_png"]

DPI = 120


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on its own Agg canvas (not pyplot's)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def replications_label(results: Results) -> str:
    """``"1 replication"``, ``"5 replications"``: for figure captions."""
    n = len(results.replications)
    return f"{n} replication{'s' if n != 1 else ''}"


def save_png(fig: Figure, path: str | os.PathLike[str], dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` as a PNG, atomically, and release the figure's contents."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    fig.clear()  # not registered with pyplot, so nothing else holds it
    return atomic_write_bytes(path, buffer.getvalue())
