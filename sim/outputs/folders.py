"""Where a command's outputs go: a folder of its own, never another run's.

Without ``--out`` every command that writes gets a new folder::

    results/<name>/<UTC timestamp>-<hash>/            sosim run, sosim run --years
    results/<kind>/<name>/<UTC timestamp>-<hash>/     market, staffing, warmup, replications
    results/<kind>/<name>-<hash>/                     compare, sweep (resumable studies)

``<hash>`` is the first 8 hex digits of the SHA-256 of what makes the outputs: the
canonical scenario(s), the seed, the ``--set`` overrides and the command's options
(:func:`run_id`). Studies carry no timestamp, so that the same command finds its folder
again and resumes it. After a successful write the parent folder gets a pointer to the
newest output: a ``latest`` symbolic link where the file system allows one, and always a
``latest.json`` file (``{"folder": ..., "manifest": ...}``) that works everywhere, so
``sosim rerun results/baseline/latest/manifest.json`` and
``sosim rerun results/baseline/latest.json`` both work.

With ``--out DIR`` the outputs go exactly into ``DIR``: a new or empty folder is used,
a folder an earlier sosim command wrote is replaced only with ``--overwrite``, and any
other non-empty folder is refused, ``--overwrite`` or not (it may be the user's own).

Example:
    >>> ident = run_id({"kind": "run", "scenario": "3f9c...", "seed": 7, "overrides": []})
    >>> len(ident)
    8
    >>> new_folder(Path("results") / "baseline", ident)
    PosixPath('results/baseline/2...T...Z-...')
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["LATEST", "LATEST_FILE", "OutputRefused", "check_overwrite", "choose_out",
           "follow_pointer",
           "new_folder", "point_latest", "run_id", "study_folder", "WHAT_IF"]

LATEST = "latest"
"""Name of the symbolic link to the newest output folder (where links are possible)."""
LATEST_FILE = "latest.json"
"""Name of the pointer file to the newest output folder (everywhere)."""
WHAT_IF = "latest-what-if"
"""What a run with ``--set`` overrides points at, leaving ``latest`` to the file as written."""


class OutputRefused(ValueError):
    """The output folder holds something this command may not replace."""


def run_id(identity: Any) -> str:
    """8 hex digits identifying what made an output (canonical JSON, SHA-256).

    Example:
        >>> run_id({"seed": 7}) == run_id({"seed": 7}) != run_id({"seed": 8})
        True
    """
    text = json.dumps(identity, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def utc_stamp(now: dt.datetime | None = None) -> str:
    """A compact UTC timestamp that sorts by time: ``20261130T081502Z``.

    >>> utc_stamp(dt.datetime(2026, 11, 30, 8, 15, 2, tzinfo=dt.UTC))
    '20261130T081502Z'
    """
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def new_folder(parent: str | os.PathLike[str], ident: str) -> Path:
    """``parent/<UTC timestamp>-<ident>``, with a suffix if that exists already.

    Example:
        >>> first = new_folder("results/baseline", "1a2b3c4d")
        >>> first.mkdir(parents=True)
        >>> second = new_folder("results/baseline", "1a2b3c4d")
        >>> second != first       # a later second, or the same one with the suffix "-2"
        True
    """
    base = Path(parent) / f"{utc_stamp()}-{ident}"
    path, k = base, 2
    while path.exists() or path.is_symlink():
        path, k = base.with_name(f"{base.name}-{k}"), k + 1
    return path


def study_folder(parent: str | os.PathLike[str], slug: str, ident: str) -> Path:
    """``parent/<slug>-<ident>``: a study's folder, found again by the same command.

    >>> study_folder("results/sweeps", "baseline sobol", "1a2b3c4d").name
    'baseline_sobol-1a2b3c4d'
    """
    slug = "".join(c if c.isalnum() or c in "._-=" else "_" for c in slug)[:80]
    return Path(parent) / f"{slug}-{ident}"


def _holds_sosim_output(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and (manifest.get("generator") == "sosim"
                                           or manifest.get("kind") == "sosim study")


def check_overwrite(out: str | os.PathLike[str], overwrite: bool, option: str = "--out") -> None:
    """Raise :class:`OutputRefused` unless writing into ``out`` destroys nothing unasked.

    A new or empty folder is fine; an earlier sosim output needs ``overwrite``; any other
    non-empty folder (or a file) is refused.

    Example:
        >>> check_overwrite("results/new", overwrite=False)          # a new folder: fine
        >>> _ = Path("mine").mkdir(), Path("mine/thesis.docx").write_text("years of work")
        >>> check_overwrite("mine", overwrite=True)
        Traceback (most recent call last):
        ...
        sim.outputs.folders.OutputRefused: mine is not empty and holds no sosim manifest.json; \
refusing to replace it. Choose a new or empty folder
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"{out} exists and is not a folder; choose another {option}")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not _holds_sosim_output(out):
        raise OutputRefused(f"{out} is not empty and holds no sosim manifest.json; refusing to "
                            "replace it. Choose a new or empty folder")
    if not overwrite:
        raise OutputRefused(f"{out} holds the outputs of an earlier sosim command; pass "
                            f"--overwrite to replace them, or leave out {option} and every "
                            "run gets a folder of its own")


def point_latest(folder: str | os.PathLike[str], kind: str,
                 overrides: Sequence[str] = ()) -> None:
    """Point ``folder.parent/latest`` (link) and ``latest.json`` (file) at ``folder``.

    Both are replaced atomically; a file system without symbolic links keeps the file. A
    what-if (``sosim run`` with ``--set`` ``overrides``) points ``latest-what-if`` instead, so
    that ``latest`` stays the scenario as written and ``sosim rerun .../latest/manifest.json``
    reproduces it, not the last what-if.

    Example:
        >>> folder = Path("results/baseline/20261130T081502Z-1a2b3c4d")
        >>> folder.mkdir(parents=True)
        >>> point_latest(folder, "run")
        >>> Path("results/baseline/latest").resolve() == folder.resolve()
        True
        >>> print(Path("results/baseline/latest.json").read_text())
        {
         "folder": "20261130T081502Z-1a2b3c4d",
         "manifest": "20261130T081502Z-1a2b3c4d/manifest.json",
         "kind": "run",
         "written": "..."
        }
    """
    from sim.outputs.files import atomic_write_text

    folder = Path(folder)
    parent = folder.parent
    name = WHAT_IF if overrides else LATEST
    pointer = {"folder": folder.name, "manifest": f"{folder.name}/manifest.json", "kind": kind,
               "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if overrides:
        pointer["overrides"] = list(overrides)
    atomic_write_text(parent / f"{name}.json", json.dumps(pointer, indent=1) + "\n")
    link = parent / name
    if link.exists() and not link.is_symlink():
        return  # someone's own folder called "latest": leave it
    tmp = parent / f".{name}.tmp-{secrets.token_hex(4)}"
    try:
        os.symlink(folder.name, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except (OSError, NotImplementedError):  # e.g. Windows without the privilege
        with contextlib.suppress(OSError):
            tmp.unlink()


def follow_pointer(path: str | os.PathLike[str]) -> Path:
    """The manifest a path names: a manifest, an output folder, or a ``latest.json`` pointer.

    Example:
        >>> folder = Path("results/pointed/20261130T081502Z-1a2b3c4d")
        >>> folder.mkdir(parents=True)
        >>> point_latest(folder, "run")
        >>> follow_pointer("results/pointed/latest.json")
        PosixPath('results/pointed/20261130T081502Z-1a2b3c4d/manifest.json')
        >>> follow_pointer(folder)
        PosixPath('results/pointed/20261130T081502Z-1a2b3c4d/manifest.json')
    """
    path = Path(path)
    if path.is_dir():
        return path / "manifest.json"
    if path.name == LATEST_FILE and path.is_file():
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
            return path.parent / pointer["manifest"]
        except (OSError, ValueError, KeyError, TypeError):
            return path
    return path


def choose_out(out: str | os.PathLike[str] | None, overwrite: bool,
               parent: str | os.PathLike[str], identity: Any) -> tuple[Path, bool]:
    """The folder a command writes into, and whether sosim chose it (then point ``latest``).

    ``out`` (the user's ``--out``) is checked with :func:`check_overwrite`; without it
    the folder is a new ``parent/<UTC timestamp>-<run_id(identity)>``.

    Example:
        >>> choose_out(None, False, "results/baseline", {"seed": 7})
        (PosixPath('results/baseline/2...T...Z-...'), True)
        >>> choose_out("my_run", False, "results/baseline", {"seed": 7})
        (PosixPath('my_run'), False)
    """
    if out is not None:
        check_overwrite(out, overwrite)
        return Path(out), False
    return new_folder(parent, run_id(identity)), True


def restart_study(out: str | os.PathLike[str], overwrite: bool) -> None:
    """With ``--overwrite``, delete an earlier sosim study in ``out`` so it starts over.

    Without it nothing happens: the study resumes if it is the same one and refuses if
    not. A folder sosim did not write is never deleted (:class:`OutputRefused`).

    Example:
        >>> study = Path("results/compare/a-vs-b-1a2b3c4d")
        >>> study.mkdir(parents=True)
        >>> _ = (study / "manifest.json").write_text('{"kind": "sosim study"}')
        >>> restart_study(study, overwrite=False)               # resumes: kept
        >>> study.exists()
        True
        >>> restart_study(study, overwrite=True)                # starts over
        >>> study.exists()
        False
    """
    import shutil

    out = Path(out)
    if not overwrite or not out.is_dir() or not any(out.iterdir()):
        return
    if not _holds_sosim_output(out):
        raise OutputRefused(f"{out} is not empty and holds no sosim manifest.json; refusing to "
                            "replace it. Choose a new or empty folder")
    shutil.rmtree(out)
