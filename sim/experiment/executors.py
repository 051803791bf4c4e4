"""Where tasks run: in this process, in a local process pool, or on a Dask cluster.

:func:`make_executor` returns a :class:`concurrent.futures.Executor` whatever the
kind, so experiment code only ever calls ``submit`` and waits on futures. Use it as
a context manager: leaving the block shuts the pool down (and closes a Dask client
and any local cluster it started).

=============  ==========================================================================
``serial``     :class:`SerialExecutor`: runs each call in this process when submitted.
               No parallelism; easiest to debug (breakpoints, tracebacks).
``processes``  a :class:`~concurrent.futures.ProcessPoolExecutor` with ``workers``
               processes (default: every core this process may use), forked (on Linux)
               all at once on the first ``submit``; :func:`~sim.experiment.study.run_study`
               submits before it starts its progress bar, so no thread is copied.
``dask``       ``distributed.Client(scheduler).get_executor()``; without ``scheduler`` a
               ``LocalCluster`` of ``workers`` single-threaded worker processes.
=============  ==========================================================================

SimPy holds the GIL, so threads would not help: parallelism is by processes.
Results never depend on the executor: each replication has its own random streams.

Example:
    >>> from sim.experiment.executors import make_executor
    >>> with make_executor("serial") as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    >>> address = "tcp://10.0.0.5:8786"       # a Dask scheduler running there (none here)
    >>> with make_executor("dask", scheduler=address) as ex:  # needs a scheduler  # doctest: +SKIP
    ...     run_study("runs/sweep", tasks, ex)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

__all__ = ["KINDS", "DaskExecutor", "SerialExecutor", "available_cores", "executor_workers",
           "make_executor"]

KINDS = ("serial", "processes", "dask")


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, e.g. in containers)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class SerialExecutor(Executor):
    """An executor that runs each call at once, in this process, inside ``submit``.

    The returned future is already done (holding the result or the exception).

    Example:
        >>> SerialExecutor().submit(divmod, 7, 2).result()
        (3, 1)
    """

    inline = True  # run_study submits one task at a time, so each is saved as it ends

    def __init__(self) -> None:
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:  # a KeyboardInterrupt is not caught: it stops the caller at once
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True


def _exit_with_parent(parent: int, every_s: float = 0.5) -> None:
    """Pool-worker initializer: exit once ``parent`` is gone.

    A pool's workers otherwise outlive a parent killed with ``kill -9`` (they wait
    forever on a queue whose other end they themselves keep open).
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    if os.getppid() == parent:  # forked by the parent itself (not via a forkserver)
        threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class DaskExecutor(Executor):
    """A Dask client's executor that also closes the client (and its own cluster) on shutdown.

    ``workers`` is the number of Dask worker threads, for sizing; calls are
    submitted with ``pure=False`` (every task runs, no hashing of arguments).
    """

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self.client, self.cluster = client, cluster
        self._executor = client.get_executor(pure=False)
        self._closed = False

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return max(1, sum(w.get("nthreads", 1) for w in info.values()))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def make_executor(
    kind: str = "processes", workers: int | None = None, scheduler: str | None = None,
    *, start_method: str | None = None,
) -> Executor:
    """An executor of ``kind`` (``serial``, ``processes`` or ``dask``); see the module docstring.

    ``workers`` defaults to every available core; ``scheduler`` (Dask only) is the
    address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``. ``start_method``
    (process pools only) defaults to ``fork`` where it exists: workers start at
    once with sosim already imported, and scripts need no ``__main__`` guard.
    ``forkserver`` (with sosim preloaded) or ``spawn`` avoid copying a parent's
    threads, at the cost of re-importing the main script in each worker.

    Example:
        >>> with make_executor("processes", workers=2) as ex:
        ...     [f.result() for f in [ex.submit(pow, 2, k) for k in range(4)]]
        [1, 2, 4, 8]
        >>> make_executor("threads")
        Traceback (most recent call last):
        ...
        ValueError: unknown executor 'threads'; choose one of serial, processes, dask
    """
    if kind not in KINDS:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(KINDS)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    if scheduler is not None and kind != "dask":
        raise ValueError("a scheduler address only applies to the dask executor")
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        method = start_method or ("fork" if "fork" in multiprocessing.get_all_start_methods()
                                  else None)
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.experiment.tasks"])
        return ProcessPoolExecutor(max_workers=workers or available_cores(), mp_context=ctx,
                                   initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask[distributed] is a dependency
        raise RuntimeError("the dask executor needs dask[distributed] installed") from err
    if scheduler is not None:
        return DaskExecutor(Client(scheduler))
    import dask

    # forkserver starts workers several times faster than Dask's default (spawn), and
    # like spawn copies no thread of this process.
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        cluster = LocalCluster(n_workers=workers or available_cores(), threads_per_worker=1,
                               processes=True, dashboard_address=None)
    try:
        client = Client(cluster)
    except BaseException:
        cluster.close()
        raise
    return DaskExecutor(client, cluster)


def executor_workers(executor: Executor) -> int | None:
    """How many tasks ``executor`` runs at once, if it can tell (``None`` otherwise)."""
    if isinstance(executor, SerialExecutor):
        return 1
    if isinstance(executor, DaskExecutor):
        return executor.workers
    return getattr(executor, "_max_workers", None)
