"""Writing a run's outputs to disk, all at once or not at all.

A run folder holds the case table, the event log, the KPIs, a summary, the
capacity check, figures and a ``manifest.json`` that lists every file with its
size and SHA-256, the scenario that produced them and the software versions.

**Why atomic?** A folder that is half written (the run crashed, the disk filled
up, someone pressed Ctrl-C) looks just like a finished one to a notebook or a
dashboard. So :func:`write_results` never writes into ``out_dir`` itself. It
builds everything in a fresh sibling folder ``.{name}.tmp-<random>`` (same
parent, hence same file system, so renames are atomic), flushes it to disk, and
then swaps it into place with two renames: the previous ``out_dir`` (if any)
becomes ``.{name}.old-<random>``, the new folder becomes ``out_dir``, and the
old one is deleted. If anything fails before the swap, the temporary folder is
removed and the previous outputs are left untouched. A reader therefore sees
the previous complete outputs or the new complete ones (or, for the instant
between the two renames, no folder at all), never a partial folder.
A hard crash (power loss, ``kill -9``) can leave a ``.tmp-`` or ``.old-``
sibling behind; it is never mistaken for ``out_dir`` and can be deleted.

Figures are drawn in two forked child processes (:mod:`sim.core.forked`), and the event
log written in a third, into the same temporary folder while this process writes the other
tables; the manifest is written, and the folder swapped in, only once the children have
finished, and an error in one is raised here like any other (where forking is not possible
the same work is done here, in turn).

Single files get the same guarantee from :func:`atomic_write_text` and
:func:`atomic_write_bytes` (temporary file, ``fsync``, ``os.replace``).

Tables are Parquet (via pyarrow: categoricals become dictionary columns and
timestamps stay timestamps). Without pyarrow they are CSV, the manifest says
``"table_format": "csv"`` and records each column's dtype, so that
:func:`sim.outputs.tables.read_results_table` restores categoricals and timestamps either way.

Example (``results`` is a small run, ``sim.run(scenario, replications=2)``):
    >>> folder = write_results(results, "runs/baseline", figures=False)
    >>> folder
    PosixPath('/.../runs/baseline')
    >>> from sim.outputs.tables import read_results_table
    >>> kpis = read_results_table(folder, "kpis")
    >>> kpis.index.name, len(kpis), kpis["arrivals"].tolist() == results.kpis["arrivals"].tolist()
    ('replication', 2, True)
    >>> verify_output(folder)
    []
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim._version import __version__
from sim.outputs.files import MANIFEST, atomic_write_bytes, atomic_write_text, sha256_file
from sim.outputs.files import fresh as _fresh
from sim.outputs.files import fsync as _fsync
from sim.outputs.tables import parquet_available, write_events, write_table

if TYPE_CHECKING:
    from sim.core.forked import Background
    from sim.outputs.results import Results
    from sim.scenario.models import Scenario

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_out_dir", "scenario_hash",
           "write_results"]

GENERATOR = "sosim"
DEPENDENCIES = ("numpy", "pandas", "simpy", "scipy", "pydantic", "pyarrow", "networkx",
                "matplotlib")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: equal hashes mean identical scenarios.

    Example:
        >>> from sim.loading import load_scenario
        >>> h = scenario_hash(load_scenario("scenarios/baseline.yaml"))
        >>> len(h), h == scenario_hash(load_scenario("scenarios/baseline.yaml"))
        (64, True)
        >>> h == scenario_hash(load_scenario("scenarios/baseline.yaml", ["simulation.seed=8"]))
        False
    """
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dependency_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"sosim": __version__, "python": sys.version.split()[0]}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _jsonable(x: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinity as null."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    bad = (isinstance(x, float) and not math.isfinite(x)) or x is pd.NA or x is pd.NaT
    return None if bad else x


def _dump_json(obj: Any) -> str:
    return json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n"


def _summary(results: Results, created: str, warnings: list[str]) -> dict[str, Any]:
    summary = results.summary()
    cols = ["mean", "sd", "ci_low", "ci_high", "n"]
    return {
        "scenario": results.scenario.name, "seed": results.seed,
        "replications": len(results.replications), "created": created,
        "kpis": {k: dict(zip(cols, row, strict=True))
                 for k, row in zip(summary.index, summary[cols].itertuples(index=False),
                                   strict=True)},
        "capacity": results.capacity.to_dict(orient="records"),
        "warnings": warnings,
    }


def _is_sosim_output(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == GENERATOR


def check_out_dir(out_dir: str | os.PathLike[str], overwrite: bool = False) -> None:
    """Raise :class:`~sim.outputs.folders.OutputRefused` (a :class:`ValueError`) unless
    :func:`write_results` may write ``out_dir``.

    A new or empty folder is fine; a folder sosim wrote before needs ``overwrite=True``
    (the CLI's ``--overwrite``); anything else is refused. Call it before a long run to
    fail early.

    Example:
        >>> check_out_dir("runs/new")
        >>> _ = write_folder("runs/x", lambda folder: {})
        >>> check_out_dir("runs/x")
        Traceback (most recent call last):
        ...
        sim.outputs.folders.OutputRefused: .../runs/x holds the outputs ...; pass overwrite=True...
        >>> check_out_dir("runs/x", overwrite=True)
    """
    from sim.outputs.folders import OutputRefused

    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputRefused(f"{out_dir} exists and is not a directory; choose another output "
                            "folder")
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    if not _is_sosim_output(out_dir):
        raise OutputRefused(
            f"{out_dir} is not empty and holds no sosim {MANIFEST}; refusing to replace it. "
            "Choose a new or empty folder, or one written earlier by sosim.")
    if not overwrite:
        raise OutputRefused(
            f"{out_dir} holds the outputs of an earlier sosim command; pass overwrite=True to "
            "replace them (the CLI's --overwrite), or write to a new folder")


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` to ``out_dir``, moving any previous ``out_dir`` aside first."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{secrets.token_hex(8)}")
        os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        if old is not None:
            os.rename(old, out_dir)
        raise
    _fsync(out_dir.parent)
    if old is not None and old.is_symlink():  # out_dir was a link: drop the link only
        old.unlink()
    elif old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _draw_figures(results: Results, folder: Path, only: list[str] | None = None) -> list[Path]:
    from sim.outputs import figures as figure_module  # matplotlib: only where figures are drawn

    return figure_module.save_figures(results, folder, only)


FIGURE_SHARES = (("time_to_opinion", "payers"), ("queue_length", "savings_waterfall",
                                                  "utilisation"))
"""The figures each of the two children draws (about half the drawing each)."""


def _build(results: Results, folder: Path, events: bool, figures: bool) -> dict[str, Any]:
    from sim.capacity.network import overload_warnings
    from sim.core.forked import in_background

    fmt = "parquet" if parquet_available() else "csv"
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results.cases, results.kpis, results.capacity  # noqa: B018 - built once, for every process
    # forked children (sim.core.forked) draw the figures and write the event log while this
    # process writes the other tables
    jobs: list[Background] = []
    events_job: Background | None = None
    try:
        for share in FIGURE_SHARES if figures else ():
            jobs.append(in_background(_draw_figures, results, folder / "figures", list(share)))
        events_job = in_background(write_events, results, folder, fmt) if events else None
        tables = {"cases": write_table(results.cases, folder, "cases", fmt, [])}
        if events_job:
            tables["events"] = {}  # its place in the manifest; filled in below
        tables["kpis"] = write_table(results.kpis, folder, "kpis", fmt, ["replication"])
        tables["summary"] = write_table(results.summary().rename_axis("kpi"), folder,
                                         "summary", "csv", ["kpi"])
        tables["capacity"] = write_table(results.capacity, folder, "capacity", "csv", [])
        warnings = overload_warnings(results.capacity)
        (folder / "summary.json").write_text(_dump_json(_summary(results, created, warnings)))
        for job in jobs:
            job.wait()  # an error, if any, is raised here: the folder is not swapped in
        if events_job:
            tables["events"] = events_job.wait()  # what the manifest records of it
    except BaseException:
        for job in jobs + ([events_job] if events_job else []):
            job.cancel()
        raise
    return {"created": created, "scenario_name": results.scenario.name,
            "scenario_hash": scenario_hash(results.scenario), "seed": results.seed,
            "replications": len(results.replications), "table_format": fmt, "tables": tables,
            "warnings": warnings, "scenario": results.scenario.model_dump(mode="json")}


def write_folder(out_dir: str | os.PathLike[str],
                 build: Callable[[Path], dict[str, Any]], *, overwrite: bool = False) -> Path:
    """Create ``out_dir`` atomically: the one way sosim writes an output folder.

    ``build(folder)`` writes the files into a fresh temporary folder next to
    ``out_dir`` and returns the manifest's own fields; this adds the generator,
    versions and every file's size and SHA-256, writes ``manifest.json`` last
    with ``"complete": true``, flushes to disk and swaps the folder into place.
    A reader sees the previous complete folder or the new one, never a mixture;
    on any error (or Ctrl-C) the temporary folder is removed. An earlier sosim folder
    is replaced only with ``overwrite=True`` (:func:`check_out_dir`).

    Example:
        >>> folder = write_folder("out/x", lambda f: {"note": (f / "a.txt").write_text("hi")})
        >>> sorted(p.name for p in folder.iterdir())
        ['a.txt', 'manifest.json']
        >>> import json
        >>> m = json.loads((folder / "manifest.json").read_text())
        >>> m["complete"], m["note"], m["files"][0]["path"], m["files"][0]["bytes"]
        (True, 2, 'a.txt', 2)
    """
    out_dir = Path(out_dir).absolute()
    check_out_dir(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp, _ = _fresh(out_dir.parent, f".{out_dir.name}.tmp-", os.mkdir)  # 0o777 less umask
    try:
        fields = build(tmp)
        versions = dependency_versions()
        files = [{"path": p.relative_to(tmp).as_posix(), "bytes": p.stat().st_size,
                  "sha256": sha256_file(p)} for p in sorted(tmp.rglob("*")) if p.is_file()]
        manifest = {"generator": GENERATOR, "sosim_version": versions["sosim"],
                    "versions": versions, **fields, "files": files, "complete": True}
        (tmp / MANIFEST).write_text(_dump_json(manifest))
        _fsync(*tmp.rglob("*"), tmp)
        check_out_dir(out_dir, overwrite)  # it may have changed while we were writing
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def write_results(results: Results, out_dir: str | os.PathLike[str], *, events: bool = True,
                  figures: bool = True, manifest: dict[str, Any] | None = None,
                  overwrite: bool = False) -> Path:
    """Write all outputs of ``results`` into ``out_dir``, atomically; return its absolute path.

    ``out_dir`` may be new or empty; a folder sosim wrote before is replaced as a
    whole only with ``overwrite=True`` (as the CLI's ``--overwrite``). Anything else
    is refused with :class:`~sim.outputs.folders.OutputRefused` (a :class:`ValueError`),
    so a user's own folder is never deleted. ``manifest`` adds fields to
    ``manifest.json`` (the command that made the run, for ``sosim rerun``).

    Example:
        >>> write_results(results, "runs/write", events=False, figures=False)
        PosixPath('/.../runs/write')
        >>> write_results(results, "runs/write", figures=False)
        Traceback (most recent call last):
        ...
        sim.outputs.folders.OutputRefused: ... pass overwrite=True to replace them ...
        >>> write_results(results, "runs/write", figures=False, overwrite=True)
        PosixPath('/.../runs/write')
    """
    own = {"kind": "run", "overrides": list(results.overrides), **(manifest or {})}
    return write_folder(out_dir, lambda folder: {**_build(results, folder, events, figures),
                                                 **own}, overwrite=overwrite)


def verify_output(out_dir: str | os.PathLike[str]) -> list[str]:
    """Problems with a finished output folder: an empty list means complete and intact.

    Checks that ``manifest.json`` says the run completed and that every file it
    lists exists with the recorded size and SHA-256.

    Example:
        >>> folder = write_results(results, "runs/verify", events=False, figures=False)
        >>> verify_output(folder)
        []
        >>> _ = (folder / "kpis.parquet").write_bytes(b"edited")
        >>> verify_output(folder)
        ['kpis.parquet: size or checksum differs from the manifest']
    """
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return [f"no readable manifest.json ({err})"]
    problems = [] if manifest.get("complete") is True else ["manifest does not say complete"]
    for f in manifest.get("files", []):
        path = out_dir / f["path"]
        if not path.is_file():
            problems.append(f"{f['path']}: missing")
        elif path.stat().st_size != f["bytes"] or sha256_file(path) != f["sha256"]:
            problems.append(f"{f['path']}: size or checksum differs from the manifest")
    return problems
