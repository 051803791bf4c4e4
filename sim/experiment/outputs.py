"""Output folders of the experiment commands: study manifests sealed, small results written.

A study (``sosim compare``, ``sosim sweep``) keeps its folder resumable; once it has
finished, :func:`seal_study` adds to its ``manifest.json`` what ``sosim rerun`` needs:
the command that made it, every output file with its SHA-256, and ``"complete": true``.
The staffing search, the replications table and the warm-up analysis are written as
one atomic folder each (:func:`write_small_output`), with the same kind of manifest.

Example:
    >>> from sim.experiment.executors import make_executor
    >>> from sim.experiment.study import run_study
    >>> from sim.experiment.tasks import make_tasks
    >>> from sim.outputs.naming import command_record
    >>> tasks = make_tasks([({}, scenario), ({}, scenario)], seed=7, replications=2)
    >>> with make_executor("serial") as ex:
    ...     _ = run_study("results/compare/a-vs-b", tasks, ex, progress=False)
    >>> seal_study("results/compare/a-vs-b", command_record("compare", ["compare"], seed=7))
    PosixPath('results/compare/a-vs-b/manifest.json')
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["SEALED_SKIP", "seal_study", "series_by_replication", "warmup_files",
           "write_small_output"]

SEALED_SKIP = ("manifest.json",)
"""Files of a study folder not listed in its sealed manifest (the manifest itself)."""


def seal_study(folder: str | os.PathLike[str], command: Mapping[str, Any]) -> Path:
    """Add the command, every file's SHA-256 and ``complete`` to a finished study's manifest.

    The study's own fields (fingerprint, tasks, points) are kept, so running the same
    command again still resumes (and re-seals) the study. Returns the manifest's path.

    Example:
        >>> import json
        >>> from sim.experiment.executors import make_executor
        >>> from sim.experiment.study import run_study
        >>> from sim.experiment.tasks import make_tasks
        >>> with make_executor("serial") as ex:
        ...     _ = run_study("runs/study", make_tasks([({}, scenario)], seed=7, replications=2),
        ...                   ex, progress=False)
        >>> path = seal_study("runs/study", {"kind": "sweep", "argv": ["sosim", "sweep"]})
        >>> manifest = json.loads(path.read_text())
        >>> manifest["complete"], manifest["command"]["kind"], manifest["generator"]
        (True, 'sweep', 'sosim')
        >>> from sim.outputs.writing import verify_output
        >>> verify_output("runs/study")
        []
    """
    from sim.outputs.files import atomic_write_text, sha256_file
    from sim.outputs.writing import GENERATOR, dependency_versions

    folder = Path(folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    files = [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
              "sha256": sha256_file(p)} for p in sorted(folder.rglob("*"))
             if p.is_file() and p.relative_to(folder).as_posix() not in SEALED_SKIP
             and not p.name.startswith(".")]
    manifest.update({"generator": GENERATOR, "command": dict(command),
                     "versions": {**manifest.get("versions", {}), **dependency_versions()},
                     "files": files, "complete": True})
    atomic_write_text(path, json.dumps(manifest, indent=1, default=str) + "\n")
    return path


def write_small_output(out_dir: str | os.PathLike[str], files: Mapping[str, str | bytes],
                       fields: Mapping[str, Any],
                       extra: Callable[[Path], None] | None = None, *,
                       overwrite: bool = False) -> Path:
    """Write ``files`` (name -> text or bytes) and a manifest with ``fields``, atomically.

    ``extra(folder)`` may write more files (a figure); an earlier sosim folder is replaced
    only with ``overwrite=True``. Returns the folder's absolute path.

    Example:
        >>> folder = write_small_output("results/x", {"staffing.csv": "a,b\\n"},
        ...                             {"kind": "staffing"})
        >>> sorted(p.name for p in folder.iterdir())
        ['manifest.json', 'staffing.csv']
    """
    from sim.outputs.writing import write_folder

    def build(folder: Path) -> dict[str, Any]:
        for name, data in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8")
        if extra is not None:
            extra(folder)
        return dict(fields)

    return write_folder(out_dir, build, overwrite=overwrite)


def series_by_replication(scenario: Any, seed: int, replications: int, measure: str,
                  period_h: float, executor: Any) -> Any:
    """The warm-up analysis's series: one row per replication, one column per period.

    Example:
        >>> from sim.experiment.executors import make_executor
        >>> with make_executor("serial") as ex:
        ...     series = series_by_replication(scenario, 7, 2, "in_system", 24.0, ex)
        >>> series.shape, series.index.name, series.columns.name
        ((2, 14), 'replication', 'period')
    """
    import pandas as pd

    from sim.experiment.stats import replication_series, trim_censored

    futures = [executor.submit(replication_series, scenario, seed, r, measure, period_h)
               for r in range(replications)]
    series = trim_censored(pd.DataFrame([f.result() for f in futures]))
    series.index.name, series.columns.name = "replication", "period"
    return series


def warmup_files(series: Any, window: int) -> dict[str, str]:
    """The data files of a warm-up folder: the series and Welch's moving average.

    Example:
        >>> from sim.experiment.stats import warmup_series
        >>> series = warmup_series(results.cases, results.plan.horizon_h, "in_system")
        >>> sorted(warmup_files(series, 3))
        ['series.csv', 'welch.csv']
    """
    import pandas as pd

    from sim.experiment.stats import welch

    smooth = pd.Series(welch(series, window), name="welch")
    return {"series.csv": series.to_csv(), "welch.csv": smooth.rename_axis("period").to_csv()}
