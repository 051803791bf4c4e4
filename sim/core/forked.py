"""Work in forked child processes that see this process's objects as they are.

A forked child starts in a few milliseconds with everything this process has imported
and built (a plan, a run's results): nothing is pickled on the way in, and only what the
child sends back is pickled on the way out. sosim uses it where a second core pays:
replications side by side (:func:`sim.outputs.runner.run`), and figures drawn while the
tables are written (:func:`sim.outputs.writing.write_results`).

:func:`fork_map` runs a function over items in children, each child a share of the
items, and hands each result to the caller as soon as it exists; :func:`in_background`
runs one call in a child while this process goes on, and :meth:`Background.wait`
returns its result. :class:`Importing` imports a module in a thread while this process
waits for its children, so that the wait goes on reading their results. An error in a
child is raised here (the same exception, if it can be pickled), after the other
children are stopped.

Forking is used only where it is safe and possible (:func:`can_fork`): a platform with
``fork``, no other Python thread running in this process (a forked child inherits
locks another thread may hold), and not inside another worker process (a study's
workers already fill the cores). Elsewhere the same calls run here, in order, with
the same results.

Example:
    >>> got = {}
    >>> fork_map(lambda x: x * x, [1, 2, 3, 4], workers=2,
    ...          on_result=lambda i, r: got.__setitem__(i, r))
    >>> [got[i] for i in range(4)]
    [1, 4, 9, 16]
    >>> in_background(sum, [1, 2, 3]).wait()
    6
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Background", "Importing", "can_fork", "fork_map", "in_background"]

_HEADER = struct.Struct("<Q")
_in_child = False  # set in every child this module forks


def can_fork() -> bool:
    """Whether work may go to forked children here (see the module docstring)."""
    if _in_child or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    import multiprocessing

    return multiprocessing.parent_process() is None  # not a pool's or a cluster's worker


def _send(fd: int, message: tuple[str, Any]) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if message[0] == "error":
            pickle.loads(data)  # an exception whose class cannot be rebuilt from its args
    except Exception:  # an exception that cannot be pickled: its text instead
        if message[0] != "error":
            raise
        text = "".join(traceback.format_exception(message[1]))
        data = pickle.dumps(("error", RuntimeError(f"in a forked child: {text}")))
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _child(fd: int, fn: Callable[[Any], Any], items: Sequence[tuple[int, Any]]) -> None:
    """In the child: run ``fn`` on each item, send ``(index, result)``, then exit at once."""
    global _in_child
    _in_child = True
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it
        for index, item in items:
            _send(fd, ("item", (index, fn(item))))
    except BaseException as err:  # noqa: BLE001 - everything goes back to the parent
        code = 1
        with contextlib.suppress(BaseException):
            _send(fd, ("error", err))
    finally:
        for stream in (sys.stdout, sys.stderr):  # what the child itself printed
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)  # no atexit handlers, nothing else copied from the parent


class _Children:
    """Forked children, each running ``fn`` over its own items, read as results come."""

    def __init__(self, fn: Callable[[Any], Any], shares: list[list[tuple[int, Any]]]) -> None:
        sys.stdout.flush()  # a buffer copied into a child would otherwise be written twice
        sys.stderr.flush()
        self.pids: list[int] = []
        self.fds: dict[int, bytearray] = {}
        # The children's garbage collector leaves alone what they inherit: scanning it would
        # write to every object's header, so copy the parent's pages (copy-on-write) for
        # nothing (about 0.1 s of CPU in a `sosim run` of the baseline, issue #24).
        gc.freeze()
        try:
            for share in shares:
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child never returns
                    os.close(read)
                    _child(write, fn, share)
                os.close(write)
                self.pids.append(pid)
                self.fds[read] = bytearray()
        finally:
            gc.unfreeze()

    def messages(self) -> Any:
        """Yield ``(kind, payload)`` as the children send them, until every one is done."""
        with selectors.DefaultSelector() as sel:
            for fd in self.fds:
                sel.register(fd, selectors.EVENT_READ)
            while sel.get_map():
                for key, _ in sel.select():
                    fd = key.fd
                    chunk = os.read(fd, 1 << 20)
                    buf = self.fds[fd]
                    if not chunk:
                        sel.unregister(fd)
                        os.close(fd)
                        if buf:
                            raise RuntimeError("a forked child ended in the middle of a message")
                        continue
                    buf += chunk
                    while len(buf) >= _HEADER.size:
                        (size,) = _HEADER.unpack_from(buf)
                        if len(buf) < _HEADER.size + size:
                            break
                        with memoryview(buf) as view:
                            message = pickle.loads(view[_HEADER.size:_HEADER.size + size])
                        del buf[:_HEADER.size + size]
                        yield message

    def reap(self, kill: bool = False) -> list[int]:
        """Wait for every child (stopping them first if ``kill``); their exit statuses."""
        codes = []
        for pid in self.pids:
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        self.pids = []
        for fd in list(self.fds):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = {}
        return codes


def fork_map(fn: Callable[[Any], Any], items: Sequence[Any], workers: int,
             on_result: Callable[[int, Any], None],
             started: Callable[[], None] | None = None) -> None:
    """``on_result(i, fn(items[i]))`` for every item, as soon as each result exists.

    ``workers`` children (at most one per item) each take every ``workers``-th item, in
    order; with ``workers <= 1``, or where :func:`can_fork` says no, everything runs here,
    in order. Results are whatever ``fn`` returns (pickled back from a child).
    ``started()`` is called once the children exist (before any work, if none): the
    moment to start anything that runs a thread, such as a progress bar.
    """
    indexed = list(enumerate(items))
    workers = min(workers, len(indexed))
    if workers <= 1 or not can_fork():
        if started:
            started()
        for i, item in indexed:
            on_result(i, fn(item))
        return
    children = _Children(fn, [indexed[k::workers] for k in range(workers)])
    if started:
        try:
            started()
        except BaseException:
            children.reap(kill=True)
            raise
    try:
        for kind, payload in children.messages():
            if kind == "error":
                raise payload
            on_result(*payload)
    except BaseException:
        children.reap(kill=True)
        raise
    codes = children.reap()
    if any(codes):
        raise RuntimeError(f"a forked child exited with status {max(codes, key=abs)}")


class Background:
    """One call running in a forked child (or already done, where forking is not possible)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._children: _Children | None = None
        self._result: Any = None
        if can_fork():
            self._children = _Children(lambda a: fn(*a), [[(0, args)]])
        else:
            self._result = fn(*args)

    def wait(self) -> Any:
        """The call's result; its exception, raised here, if it failed."""
        if self._children is None:
            return self._result
        children, self._children = self._children, None
        try:
            for kind, payload in children.messages():
                if kind == "error":
                    raise payload
                self._result = payload[1]
        except BaseException:
            children.reap(kill=True)
            raise
        codes = children.reap()
        if any(codes):
            raise RuntimeError(f"a forked child exited with status {max(codes, key=abs)}")
        return self._result

    def cancel(self) -> None:
        """Stop the child, if it is still running (its result is lost)."""
        if self._children is not None:
            self._children.reap(kill=True)
            self._children = None


def in_background(fn: Callable[..., Any], *args: Any) -> Background:
    """Start ``fn(*args)`` in a forked child and return at once (see :class:`Background`)."""
    return Background(fn, args)


class Importing:
    """A module imported by a thread of this process while its main thread waits for forked
    children.

    A child's result reaches this process through a pipe of 64 KB, and a replication's is
    about 12 MB: a child that finishes while this process is busy importing (matplotlib,
    for the figures, about 0.4 s) waits for it, its core idle. Imported in a thread, the
    main thread goes on reading (issue #24). :meth:`done` waits for the import and raises
    its error, if any; call it before forking again, since a process with another thread
    never forks (:func:`can_fork`).

    Example:
        >>> importing = Importing("json")
        >>> importing.done().__name__
        'json'
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._import, name=f"import {name}",
                                        daemon=True)
        self._thread.start()

    def _import(self) -> None:
        try:
            importlib.import_module(self._name)
        except BaseException as err:  # noqa: BLE001 - raised again by done()
            self._error = err

    def done(self) -> Any:
        """The imported module, once the thread has ended; its import error, raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return sys.modules[self._name]
