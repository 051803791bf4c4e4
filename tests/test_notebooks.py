"""The notebooks are saved with their outputs, so a reader sees the tables and plots at once.

Issue 11, bug 9: the notebooks were saved without outputs, so nobody saw a plot without
running them. ``tools/save-notebooks.py`` executes and saves them; CI also runs them afresh
(``pytest --nbmake notebooks``). This checks the saved files: every code cell ran, in order,
without an error or a traceback; the notebooks that draw figures carry them as PNG; and the
files stay small.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 600_000
"""A notebook's size limit: figures as PNG, short tables, nothing bulky."""


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_with_outputs_from_one_clean_run(path: Path) -> None:
    cells = code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: cells not executed; run tools/save-notebooks.py"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not one top-to-bottom run"
    outputs = [o for c in cells for o in c["outputs"]]
    assert sum(1 for c in cells if c["outputs"]) >= len(cells) // 2
    for o in outputs:
        assert o["output_type"] != "error", f"{path.name}: saved with an error ({o['ename']})"
        if o["output_type"] == "stream":
            assert "Traceback" not in "".join(o["text"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_are_saved_as_png_and_the_file_stays_small(path: Path) -> None:
    draws = sum(1 for c in code_cells(path) if "_figure(" in "".join(c["source"]))
    pngs = sum(1 for c in code_cells(path) for o in c["outputs"]
               if "image/png" in o.get("data", {}))
    assert pngs >= max(draws, 1), f"{path.name}: {draws} figures drawn, {pngs} saved"
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size:,} bytes"
    for c in code_cells(path):
        for o in c["outputs"]:
            html = "".join(o.get("data", {}).get("text/html", ""))
            assert html.count("<tr") <= 60, f"{path.name}: a table of {html.count('<tr')} rows"
