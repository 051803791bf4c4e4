"""Execute the notebooks top to bottom (small mode) and save them with their outputs.

Run after a change that moves the notebooks' numbers or figures, then commit the notebooks:

    MPLBACKEND=Agg python tools/save-notebooks.py            # every notebook
    MPLBACKEND=Agg python tools/save-notebooks.py notebooks/01_quickstart.ipynb

Outputs are what a reader sees on GitHub without running anything: tables, printed
reports and figures as PNG. No timing metadata is stored, so re-running without a change in
the results leaves the files unchanged. CI still runs every notebook afresh (``pytest
--nbmake notebooks``); ``tests/test_notebooks.py`` checks that the saved outputs are there,
error-free and small.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def save(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "SOSIM_NOTEBOOK_SIZE": "small", "MPLBACKEND": "Agg"}
    os.environ.update(env)  # the kernel inherits this process's environment
    NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:  # outputs only: nothing that changes from run to run
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:,.0f} KiB", flush=True)


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]]
    paths = paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        save(p)
