"""Market figures draw without pyplot and are written as PNG files."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sim.market.figures import (
    compare_figure,
    region_figure,
    save_market_figures,
    segments_figure,
)
from sim.market.projection import Projection

PNG = b"\x89PNG\r\n\x1a\n"


def test_segments_figure_has_values_and_shares(doc000: Projection) -> None:
    fig = segments_figure(doc000, "source")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "8.10% a year 2026-2035, stated" in legend
    assert "6.19% a year 2026-2035, implied" in legend


def test_region_and_compare_figures(doc000: Projection, doc003: Projection) -> None:
    assert "Regions in 2030" in region_figure(doc000, 2030).axes[0].get_title()
    fig = compare_figure(doc000, doc003)
    assert "\u00d71.84 in 2035" in fig.get_suptitle()


def test_save_market_figures_writes_pngs(doc000: Projection, doc003: Projection,
                                         tmp_path: Path) -> None:
    written = save_market_figures(doc000, tmp_path, 2027, other=doc003)
    names = sorted(p.name for p in written)
    assert names == sorted([f"segments_{d}.png" for d in doc000.dimensions]
                           + ["regions_2027.png", "compare.png"])
    assert all(p.read_bytes().startswith(PNG) for p in written)


def test_toy_figures_and_an_unknown_dimension(toy: Projection, tmp_path) -> None:
    assert "regions_2026.png" in {p.name for p in save_market_figures(toy, tmp_path, 2026)}
    with pytest.raises(KeyError, match="no projected dimension"):
        segments_figure(toy, "service")
