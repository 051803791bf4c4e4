"""Running a list of tasks as a *study*: resumable, saved task by task, identical anywhere.

A study folder holds::

    manifest.json             what the study is: description, seed, code version, and per
                              task its key, scenario hash, replications and parameters
    scenarios/<hash>.json     every design point's scenario, as validated
    tasks/<key>.parquet       one file per finished task, written atomically
    results.parquet           the tidy table, once every task has finished

:func:`run_study` saves each task the moment it finishes (temporary name, then
``os.replace``, so a killed run never leaves half a file). Run it again with the
same tasks and it only runs what is missing; give it a different study (other
tasks, seed or scenarios) and it refuses rather than mixing two studies. The
table it returns is always read back from the task files and sorted by
``(point, replication)`` (or by the parameters, then replication, when there is no
``point``), so it is identical to the bit whatever the executor, the number of
workers or how often the study was interrupted.

Example:
    >>> from sim.experiment.executors import make_executor
    >>> from sim.experiment.study import run_study
    >>> from sim.experiment.tasks import make_tasks
    >>> tasks = make_tasks([({"policy": "ai"}, scenario)], seed=7, replications=2)
    >>> with make_executor("processes", workers=2) as ex:
    ...     table = run_study("runs/ai", tasks, ex, description="AI triage", progress=False)
    >>> table[["policy", "replication", "time_to_opinion_h.mean"]].round(2)
      policy  replication  time_to_opinion_h.mean
    0     ai            0                   46.03
    1     ai            1                   48.18
    >>> with make_executor("serial") as ex:           # run again: every task is saved already
    ...     again = run_study("runs/ai", tasks, ex, progress=False)
    >>> again.equals(table)
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, Future, as_completed
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim._version import __version__
from sim.core.progress import progress_display
from sim.experiment.tasks import Task, run_task
from sim.outputs.writing import atomic_write_bytes, atomic_write_text, scenario_hash

__all__ = ["MANIFEST", "StudyMismatch", "load_study", "run_study", "study_fingerprint",
           "task_path"]

MANIFEST = "manifest.json"
FORMAT = 1


class StudyMismatch(ValueError):
    """The folder holds a different study (other tasks, seed, scenarios or code version)."""


def _plain(x: Any) -> Any:
    """JSON-ready parameters: numpy scalars unwrapped, tuples as lists."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x.item() if hasattr(x, "item") and callable(x.item) else x


def _identity(tasks: Sequence[Task]) -> dict[str, Any]:
    hashes: dict[int, str] = {}
    rows = []
    for t in tasks:
        if id(t.scenario) not in hashes:  # tasks of a point share their scenario object
            hashes[id(t.scenario)] = scenario_hash(t.scenario)
        h = hashes[id(t.scenario)]
        rows.append({"key": t.key, "scenario_hash": h, "seed": t.seed,
                     "replications": list(t.replications), "params": _plain(dict(t.params))})
    return {"sosim_version": __version__, "tasks": rows}


def study_fingerprint(tasks: Sequence[Task], identity: dict[str, Any] | None = None) -> str:
    """SHA-256 of what makes a study: tasks (keys, scenarios, seeds, replications,
    parameters) and the sosim version. Equal fingerprints mean the same results.

    Example:
        >>> from sim.experiment.tasks import make_tasks
        >>> tasks = make_tasks([({}, scenario)], seed=7, replications=2)
        >>> f = study_fingerprint(tasks)
        >>> len(f), f == study_fingerprint(make_tasks([({}, scenario)], seed=7, replications=2))
        (64, True)
        >>> f == study_fingerprint(make_tasks([({}, scenario)], seed=8, replications=2))
        False
    """
    text = json.dumps(identity or _identity(tasks), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def task_path(folder: str | os.PathLike[str], task: Task | str) -> Path:
    """The file a finished task is saved to: ``folder/tasks/<key>.parquet``."""
    key = task if isinstance(task, str) else task.key
    return Path(folder) / "tasks" / f"{key}.parquet"


def _check(tasks: Sequence[Task]) -> None:
    if not tasks:
        raise ValueError("a study needs at least one task")
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"task keys must be unique; repeated: {', '.join(dup[:5])}")
    seen: set[tuple[str, int]] = set()
    for t in tasks:
        point = json.dumps(_plain(dict(t.params)), sort_keys=True, default=str)
        for r in t.replications:
            if (point, r) in seen:
                raise ValueError(f"task {t.key}: replication {r} of parameters {point} is "
                                 "already in another task")
            seen.add((point, r))


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    if old.get("sosim_version") != new["sosim_version"]:
        return f"sosim version {old.get('sosim_version')} (now {new['sosim_version']})"
    a, b = old.get("tasks", []), new["tasks"]
    if len(a) != len(b):
        return f"{len(a)} tasks (now {len(b)})"
    for x, y in zip(a, b, strict=True):
        for field in ("key", "seed", "scenario_hash", "replications", "params"):
            if x.get(field) != y[field]:
                return f"task {y['key']}: {field} {x.get(field)!r} (now {y[field]!r})"
    return "a different fingerprint"


def _prepare(folder: Path, tasks: Sequence[Task], description: str) -> None:
    """Write the manifest and scenarios of a new study, or check they match an old one."""
    identity = _identity(tasks)
    fingerprint = study_fingerprint(tasks, identity)
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise StudyMismatch(f"{manifest_path} is not a study manifest ({err})") from None
        if old.get("fingerprint") != fingerprint:
            raise StudyMismatch(
                f"{folder} holds a different study: it has {_difference(old, identity)}. "
                "Use another folder, or delete this one to start over.")
        return
    if folder.exists() and any(folder.iterdir()):
        raise StudyMismatch(f"{folder} is not empty and has no {MANIFEST}; "
                            "choose an empty or new folder for the study")
    (folder / "scenarios").mkdir(parents=True, exist_ok=True)
    points: dict[str, dict[str, Any]] = {}
    for t, row in zip(tasks, identity["tasks"], strict=True):
        h = row["scenario_hash"]
        scen_file = folder / "scenarios" / f"{h[:16]}.json"
        if not scen_file.exists():
            # keys in the scenario's own order: mappings (payers, channels) order KPI columns,
            # so sosim rerun rebuilds the very same scenario from this file
            atomic_write_text(scen_file, json.dumps(t.scenario.model_dump(mode="json"),
                                                    indent=1) + "\n")
        key = json.dumps(row["params"], sort_keys=True, default=str)
        points.setdefault(key, {"params": row["params"], "scenario": t.scenario.name,
                                "scenario_hash": h, "scenario_file": scen_file.name})
    seeds = sorted({t.seed for t in tasks})
    versions = {"sosim": __version__, "python": sys.version.split()[0]}
    for name in ("numpy", "pandas", "simpy", "scipy"):
        versions[name] = metadata.version(name)
    manifest = {
        "kind": "sosim study", "format": FORMAT, "description": description,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint, "seed": seeds[0] if len(seeds) == 1 else seeds,
        "sosim_version": __version__, "versions": versions,
        "replications": sum(len(t.replications) for t in tasks),
        "points": list(points.values()), "tasks": identity["tasks"],
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=1, default=str) + "\n")


def _save(folder: Path, task: Task, df: pd.DataFrame) -> None:
    path = task_path(folder, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", index=False)
    atomic_write_bytes(path, buf.getvalue())


def _table(folder: Path, tasks: Sequence[Task]) -> pd.DataFrame:
    frames = [pd.read_parquet(task_path(folder, t)) for t in tasks
              if task_path(folder, t).exists()]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    return _sorted(table, list(tasks[0].params))


def _sorted(table: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    by = ["point", "replication"] if "point" in table.columns else \
        [p for p in params if p in table.columns] + ["replication"]
    try:
        return table.sort_values(by, kind="stable", ignore_index=True)
    except TypeError:  # parameters of mixed, unorderable types: keep the tasks' order
        return table


def run_study(
    folder: str | os.PathLike[str],
    tasks: Sequence[Task],
    executor: Executor,
    *,
    progress: bool = True,
    description: str = "",
) -> pd.DataFrame:
    """Run every task not yet saved in ``folder`` on ``executor``; return the tidy table.

    One row per (design point, replication): parameter columns, ``replication``,
    ``seed``, then every KPI. Raises :class:`StudyMismatch` (a ``ValueError``) if
    ``folder`` holds another study. ``progress`` shows a bar with an ETA on stderr
    (only on a terminal, and never when the ``CI`` environment variable is set).
    If a task fails, tasks not yet started are cancelled, the finished ones stay
    saved, and the error is raised with the task's key; run again to resume.

    Example:
        >>> from sim.experiment.executors import make_executor
        >>> from sim.experiment.tasks import make_tasks
        >>> tasks = make_tasks([({}, scenario)], seed=7, replications=2)
        >>> with make_executor("serial") as ex:
        ...     df = run_study("runs/s", tasks, ex, progress=False)
        >>> df[["point", "replication", "seed"]].to_numpy().tolist()
        [[0, 0, 7], [0, 1, 7]]
        >>> with make_executor("serial") as ex:
        ...     run_study("runs/s", make_tasks([({}, scenario)], seed=8, replications=2), ex)
        Traceback (most recent call last):
        ...
        sim.experiment.study.StudyMismatch: ...
    """
    folder = Path(folder)
    tasks = list(tasks)
    _check(tasks)
    _prepare(folder, tasks, description)
    todo = [t for t in tasks if not task_path(folder, t).exists()]
    total = sum(len(t.replications) for t in tasks)
    left = sum(len(t.replications) for t in todo)
    inline = getattr(executor, "inline", False)  # runs in submit: save each as it ends
    pending: dict[Future, Task] = {}
    try:
        if not inline:  # before the bar's thread starts: a forking pool copies no thread
            pending = {executor.submit(run_task, task): task for task in todo}
        with progress_display(progress, description, total, total - left) as advance:
            if inline:
                for task in todo:
                    _finish(folder, task, executor.submit(run_task, task), advance)
            for future in as_completed(pending):
                _finish(folder, pending[future], future, advance)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    table = _table(folder, tasks)
    buf = io.BytesIO()
    table.to_parquet(buf, engine="pyarrow", index=False)
    atomic_write_bytes(folder / "results.parquet", buf.getvalue())
    return table


def _finish(folder: Path, task: Task, future: Future, advance: Any) -> None:
    try:
        df = future.result()
    except Exception as err:
        err.add_note(f"while running task {task.key} of the study in {folder}")
        raise
    _save(folder, task, df)
    advance(len(task.replications))


def load_study(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows saved so far in a study folder (complete or not), sorted like :func:`run_study`.

    Example:
        >>> from sim.experiment.executors import make_executor
        >>> from sim.experiment.tasks import make_tasks
        >>> tasks = make_tasks([({}, scenario), ({}, scenario)], seed=7, replications=2)
        >>> with make_executor("serial") as ex:
        ...     _ = run_study("runs/two", tasks, ex, progress=False)
        >>> load_study("runs/two").groupby("point").size().to_dict()
        {0: 2, 1: 2}
    """
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    frames = [pd.read_parquet(task_path(folder, row["key"])) for row in manifest["tasks"]
              if task_path(folder, row["key"]).exists()]
    if not frames:
        return pd.DataFrame()
    return _sorted(pd.concat(frames, ignore_index=True), list(manifest["tasks"][0]["params"]))
