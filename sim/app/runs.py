"""Runs made on the page: the size guard, progress with time left, a cache, downloads.

A run is :func:`sim.run` of the edited scenario with its own seed and replications,
cached under the canonical scenario's hash (:func:`sim.outputs.writing.scenario_hash`)
and the seed, so going back and forth between views, or back to an earlier edit, does
not run again. Its run folder is written by :func:`sim.outputs.writing.write_results`
(manifest included) into the session's temporary folder, and zipped for download, so
``sosim rerun <folder>/manifest.json`` reproduces it.

Example:
    >>> progress_text(2, 5, 4.0)
    'replication 2 of 5 done · 4 s elapsed · about 6 s left'
    >>> cache = ResultCache(max_entries=2)
    >>> cache.put("a", 1); cache.put("b", 2); cache.put("c", 3)
    >>> list(cache)
    ['b', 'c']
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sim.outputs.results import Results
    from sim.scenario.models import Scenario

__all__ = ["ResultCache", "RunEntry", "cache_key", "progress_text", "run_folder",
           "run_guard", "run_with_progress", "table_bytes", "zip_folder"]


def cache_key(scenario: Scenario, seed: int | None = None,
              replications: int | None = None) -> str:
    """The cache key of a run: canonical scenario hash, seed and replications.

    Example:
        >>> import sim
        >>> s = sim.load_scenario("scenarios/baseline.yaml")
        >>> cache_key(s) == cache_key(s, seed=7, replications=5), cache_key(s, seed=8)[-5:]
        (True, 's8-r5')
    """
    from sim.outputs.writing import scenario_hash

    seed = scenario.simulation.seed if seed is None else seed
    reps = scenario.simulation.replications if replications is None else replications
    return f"{scenario_hash(scenario)[:20]}-s{seed}-r{reps}"


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def progress_text(done: int, total: int, elapsed_s: float, unit: str = "replication") -> str:
    """What the progress bar says: done, elapsed and, once one is done, the time left.

    Example:
        >>> progress_text(0, 4, 0.0)
        'replication 1 of 4 running…'
        >>> progress_text(4, 4, 130.0)
        'replication 4 of 4 done · 2 min elapsed'
    """
    if done == 0:
        return f"{unit} 1 of {total} running…"
    text = f"{unit} {done} of {total} done · {_duration(elapsed_s)} elapsed"
    if done < total:
        text += f" · about {_duration(elapsed_s / done * (total - done))} left"
    return text


def run_guard(scenario: Scenario, replications: int | None = None) -> str | None:
    """Why a run needs confirmation (the run-size rule of ``sosim run``,
    :mod:`sim.outputs.size`), or ``None``. The page runs a scenario once, even one with a
    timeline (one year, not its years).

    Example:
        >>> import sim
        >>> s = sim.load_scenario("scenarios/baseline.yaml",
        ...                       ["simulation.replications=1000"])
        >>> run_guard(s).split(" and")[0]
        'This run would simulate about 12,000,000 cases (12,000 x 1000 replications)'
    """
    from sim.outputs.size import run_size

    size = run_size(scenario, replications)
    if not size.over_limit:
        return None
    return (f"This run would simulate {size.describe()} of `sosim run` (which asks for "
            "--yes). Shorten the horizon or run fewer replications, or confirm.")


def run_with_progress(scenario: Scenario, report: Callable[[int, int, float], None]
                      ) -> Results:
    """:func:`sim.run` with the scenario's seed and replications, one replication at a time.

    ``report(done, total, elapsed_s)`` is called once they have started and after each one.
    """
    from sim.outputs.runner import run

    start = time.monotonic()
    return run(scenario, progress=lambda done, n: report(done, n, time.monotonic() - start))


@dataclass
class RunEntry:
    """A cached run: its results, its run folder once written, its figures once drawn."""

    results: Results
    seconds: float = 0.0
    folder: Path | None = None
    figures: dict[str, bytes] = field(default_factory=dict)
    _summary: pd.DataFrame | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """``results.summary()``, computed once."""
        if self._summary is None:
            self._summary = self.results.summary()
        return self._summary


class ResultCache:
    """The most recently used entries, at most ``max_entries`` (a run holds its case table)."""

    def __init__(self, max_entries: int = 6) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
        return self._items.get(key)

    def put(self, key: str, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)


def run_folder(entry: RunEntry, parent: str | os.PathLike[str], key: str) -> Path:
    """Write the run's folder once (tables, figures, manifest) under ``parent/key``."""
    from sim.outputs.writing import write_results

    if entry.folder is None or not entry.folder.is_dir():
        out = Path(parent) / key / entry.results.scenario.name
        # the folder of the same key holds this very run (same scenario hash, seed and
        # replications), written by an earlier session: replacing it loses nothing
        entry.folder = write_results(entry.results, out, overwrite=True)
    return entry.folder


def zip_folder(folder: str | os.PathLike[str]) -> bytes:
    """A zip of ``folder`` whose entries start with the folder's name.

    Unzipped, ``sosim rerun <name>/manifest.json`` reproduces the run.
    """
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def table_bytes(df: pd.DataFrame, fmt: str, index: bool = False) -> bytes:
    """A table as Parquet or CSV bytes (categoricals and timestamps kept in Parquet).

    Example:
        >>> table_bytes(pd.DataFrame({"a": [1, 2]}), "csv")
        b'a\\n1\\n2\\n'
    """
    if fmt == "csv":
        return df.to_csv(index=index).encode()
    buffer = io.BytesIO()
    df.to_parquet(buffer, engine="pyarrow", index=index)
    return buffer.getvalue()
