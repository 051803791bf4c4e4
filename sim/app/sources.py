"""Where the page's files come from and go: shipped files, uploads, the session folder.

An upload is written into the session's temporary folder under a plain name and read
back by :func:`sim.scenario.loader.read_document`, exactly as ``sosim run`` reads a file:
the same 2 MiB limit, UTF-8 check, safe YAML (no tags, no alias bombs, bounded depth)
and ``file:line: field: reason`` messages. Nothing the page writes goes anywhere but that
folder, which is deleted with the session.

Example:
    >>> folder = SessionFolder()
    >>> upload_source("my.yaml", b"name: !!python/object x\\n", folder)
    Traceback (most recent call last):
    ...
    sim.scenario.errors.ScenarioError: my.yaml:1: tag !!python/object is not allowed; ...
    >>> upload_source("my.yaml", b"name: x\\n", folder).label
    'my'
    >>> folder.close()
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.errors import Problem, ScenarioError

__all__ = ["SessionFolder", "Source", "file_source", "repository_folder", "shipped",
           "upload_source"]


def repository_folder(name: str) -> Path:
    """The repository's ``scenarios`` folder (next to the package), else ``./name``."""
    import sim

    here = Path(sim.__file__).resolve().parent.parent / name
    return here if here.is_dir() else Path.cwd() / name


def shipped(kind: str = "scenario") -> dict[str, Path]:
    """Shipped scenario files (``kind="scenario"``) or market files (``"market"``), by label.

    Example:
        >>> list(shipped())[0], list(shipped("market"))[0]
        ('baseline', 'doc000_2026')
    """
    folder = repository_folder("scenarios")
    if kind == "market":
        folder = folder / "market"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    out = {p.stem: p for p in files}
    if "baseline" in out:  # the default scenario first
        out = {"baseline": out.pop("baseline"), **out}
    return out


class SessionFolder:
    """A temporary folder for one browser session, removed when closed or collected."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="sosim-app-")
        self.path = Path(self._tmp.name)

    def sub(self, name: str) -> Path:
        path = self.path / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        self._tmp.cleanup()


@dataclass(frozen=True)
class Source:
    """A scenario or market file's text, as the loader reads it, and how to name it."""

    label: str
    file: str
    text: str
    fmt: str


_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def file_source(path: str | Path, label: str | None = None) -> Source:
    """Read a file through the loader's checks (size, UTF-8, safe YAML); keep its text."""
    from sim.scenario.loader import read_document

    path = Path(path)
    read_document(path)  # raises ScenarioError with the loader's own messages
    text = path.read_bytes().decode("utf-8-sig")
    return Source(label or path.stem, str(path), text, _SUFFIXES[path.suffix.lower()])


def upload_source(name: str, data: bytes, folder: SessionFolder) -> Source:
    """An uploaded file, saved in the session folder and read like a file given to the CLI.

    Problems are reported against the uploaded file's own name.
    """
    clean = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(name).name).lstrip(".") or "upload.yaml"
    path = folder.sub("uploads") / clean
    path.write_bytes(data)
    try:
        source = file_source(path, Path(clean).stem)
    except ScenarioError as err:
        raise ScenarioError([Problem(name if p.file == str(path) else p.file, p.line, p.path,
                                     p.message) for p in err.problems]) from None
    return Source(source.label, source.file, source.text, source.fmt)
