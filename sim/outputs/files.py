"""Files written atomically: a reader sees the old file or the new one, never half of it.

The primitives every output of sosim is written with (run folders, studies, market
outputs, figures): a fresh temporary name next to the target, ``fsync``, then
``os.replace``. :mod:`sim.outputs.writing` builds whole output folders on them.

Example:
    >>> atomic_write_text(tmp / "notes.txt", "hello\\n").read_text()
    'hello\\n'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST", "atomic_write_bytes", "atomic_write_text", "fresh", "fsync", "sha256_file"]

MANIFEST = "manifest.json"
"""The file that lists every file of an output folder, written last (sim.outputs.writing)."""


def fresh(parent: Path, prefix: str, make: Callable[[Path], Any]) -> tuple[Path, Any]:
    """A new entry ``parent/prefix<random>`` made by ``make`` (which fails if it exists)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            return path, make(path)
        except FileExistsError:
            continue


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Example:
        >>> atomic_write_bytes(tmp / "x.bin", b"abc").read_bytes()
        b'abc'
        >>> [p.name for p in tmp.iterdir() if p.name.startswith(".x.bin")]  # no temporary left
        []
    """
    path = Path(path)
    tmp, fd = fresh(path.parent, f".{path.name}.tmp-",  # mode 0o666 less the umask
                    lambda p: os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync(path.parent)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Text version of :func:`atomic_write_bytes`.

    Example:
        >>> atomic_write_text(tmp / "notes.txt", "hello again\\n").read_text()
        'hello again\\n'
    """
    return atomic_write_bytes(path, text.encode(encoding))


def fsync(*paths: Path) -> None:
    """Flush files, and directory entries (renames), to disk where the OS allows it."""
    for path in paths:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
