"""Progress bars on stderr for long runs: rich, with the time left; silent when not wanted.

A bar shows only on a terminal and never when the ``CI`` environment variable is set,
so logs stay clean; ``--quiet`` turns it off everywhere.

Example:
    >>> with progress_bar(False, "replications", total=5) as advance:
    ...     advance(1)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def interactive(progress: bool = True) -> bool:
    """Whether a live progress bar belongs on stderr now."""
    return progress and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar(enabled: bool, description: str, total: int, done: int = 0,
                 unit: str = "replications") -> Iterator[Callable[[int], None]]:
    """A rich progress bar with ETA on stderr; yields ``advance(n)``; a no-op if disabled."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        job = bar.add_task(description or "run", total=total, completed=done)
        yield lambda n: bar.advance(job, n)
