"""Progress on stderr for long runs: a rich bar on a terminal, plain lines in a log.

A bar shows only on a terminal and never when the ``CI`` environment variable is set; it
fits the terminal's width (80 columns included: the bar shrinks, the count and the time
left stay). Otherwise (output to a file, a pipe, CI) :func:`progress_display` prints a
plain line every :data:`LINE_INTERVAL_S` seconds and at the end, so a long study is never
silent. ``--quiet`` turns both off.

Example:
    >>> with progress_bar(False, "replications", total=5) as advance:
    ...     advance(1)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

LINE_INTERVAL_S = 30.0
"""Seconds between progress lines when stderr is not a terminal."""


def interactive(progress: bool = True) -> bool:
    """Whether a live progress bar belongs on stderr now."""
    return progress and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_display(progress: bool, description: str, total: int, done: int = 0,
                     unit: str = "runs", stream: IO[str] | None = None,
                     interval_s: float = LINE_INTERVAL_S) -> Iterator[Callable[[int], None]]:
    """A bar on a terminal, else progress lines; yields ``advance(n)``; nothing if not wanted.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> with progress_display(True, "sweep", 4, stream=out, interval_s=0) as advance:
        ...     advance(4)
        >>> out.getvalue().splitlines()[-1][:26]
        'sweep: 4/4 runs (100%) in '
    """
    if not progress:
        yield lambda n: None
    elif stream is None and interactive(progress):
        with progress_bar(True, description, total, done, unit) as advance:
            yield advance
    else:
        with progress_lines(description, total, done, unit, stream or sys.stderr,
                            interval_s) as advance:
            yield advance


@contextmanager
def progress_reports(progress: bool, description: str, total: int, unit: str = "runs",
                     stream: IO[str] | None = None) -> Iterator[Callable[[int, int], None]]:
    """:func:`progress_display` for work that reports ``report(done, total)`` itself.

    The display starts at the first report (``done`` 0 when the work has started), not
    before: work that forks worker processes first (:func:`sim.outputs.runner.run`) forks
    before a bar's thread exists.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> with progress_reports(True, "run", 2, unit="replications", stream=out) as report:
        ...     report(0, 2); report(1, 2); report(2, 2)
        >>> out.getvalue().splitlines()[-1][:31]
        'run: 2/2 replications (100%) in'
    """
    with ExitStack() as stack:
        advance: Callable[[int], None] | None = None
        shown = 0

        def report(done: int, _total: int) -> None:
            nonlocal advance, shown
            if advance is None:
                advance = stack.enter_context(progress_display(
                    progress, description, total, unit=unit, stream=stream))
            if done > shown:
                advance(done - shown)
                shown = done

        yield report


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@contextmanager
def progress_lines(description: str, total: int, done: int = 0, unit: str = "runs",
                   stream: IO[str] | None = None,
                   interval_s: float = LINE_INTERVAL_S) -> Iterator[Callable[[int], None]]:
    """Plain progress lines (count, share, elapsed, time left) every ``interval_s`` seconds."""
    out = stream or sys.stderr
    start = last = time.monotonic()
    state = {"done": done, "first": done}

    def say(final: bool = False) -> None:
        n, elapsed = state["done"], time.monotonic() - start
        rate = (n - state["first"]) / elapsed if elapsed > 0 else 0.0
        left = f", about {_clock((total - n) / rate)} left" if rate > 0 and n < total else ""
        took = f" in {_clock(elapsed)}" if final else f", {_clock(elapsed)} elapsed{left}"
        share = n / total if total else 1.0
        print(f"{description or 'run'}: {n:,}/{total:,} {unit} ({share:.0%}){took}", file=out,
              flush=True)

    def advance(n: int) -> None:
        nonlocal last
        state["done"] += n
        now = time.monotonic()
        if now - last >= interval_s and state["done"] < total:
            last = now
            say()

    yield advance
    if state["done"] > state["first"]:
        say(final=True)


@contextmanager
def progress_bar(enabled: bool, description: str, total: int, done: int = 0,
                 unit: str = "replications", console: Any = None
                 ) -> Iterator[Callable[[int], None]]:
    """A rich progress bar with ETA on stderr; yields ``advance(n)``; a no-op if disabled.

    The bar's length is what the terminal's width leaves after the other columns (the
    description is cut to 24 characters), so the count and the time left always show.
    """
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

    console = console or Console(stderr=True)
    label = description or "run"
    label = label if len(label) <= 24 else label[:23] + "\u2026"
    # description, count, unit, elapsed, "ETA", time left, and the gaps between the 7 columns
    fixed = len(label) + 2 * len(str(total)) + 1 + len(unit) + 7 + 3 + 7 + 6
    columns = (TextColumn(label), BarColumn(bar_width=max(5, min(40, console.width - fixed))),
               MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        job = bar.add_task(label, total=total, completed=done)
        yield lambda n: bar.advance(job, n)
