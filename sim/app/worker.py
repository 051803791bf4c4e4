"""A warm worker for the page: a process that keeps sosim imported between runs.

A what-if on the page should cost what its simulation costs, not a fresh start. The
server therefore keeps one worker process (:class:`WarmWorker`, one per server, shared by
its sessions), started when the page first loads and warmed up at once (sosim, pandas,
SimPy imported; two days of the default scenario run), so that by the time someone
clicks Run it is ready. For each run the worker forks one child per core it uses
(:func:`sim.outputs.runner.run_replications`, :mod:`sim.core.forked`): the children start
with everything imported, simulate the replications side by side and build each one's
case table and KPIs (the invariants included). Each replication comes back to the page as
soon as it is done, so the first KPI cards show before the last replication is
(:func:`partial_results`).

The worker is a plain ``python -m sim.app.worker`` process talking over its stdin and
stdout (length-prefixed pickles), not a :mod:`multiprocessing` pool: the server runs
threads, which a fork must not copy, and a spawned pool would import the server's own
main module in every worker. It exits when the server closes its stdin (or dies). The
results are the same to the bit as :func:`sim.run` in one process (replication ``r``
draws from its own streams wherever it runs; ``tests/app/test_logic.py``).

Example:
    >>> import sim
    >>> s = sim.load_scenario("scenarios/baseline.yaml", ["simulation.horizon_days=14",
    ...                       "simulation.warmup_days=0", "simulation.replications=2"])
    >>> with WarmWorker() as worker:
    ...     res = worker.run(s)
    >>> res.kpis["delivered"].tolist() == sim.run(s, workers=1).kpis["delivered"].tolist()
    True
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.outputs.results import Results
    from sim.scenario.models import Scenario

__all__ = ["WarmWorker", "main", "partial_results", "serve"]

_HEADER = struct.Struct("<Q")


def _write(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the warm worker closed its pipe")
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the warm worker closed its pipe in the middle of a message")
    return pickle.loads(data)


def partial_results(scenario: Scenario, seed: int, done: dict[int, tuple[Any, Any, Any]],
                    plan: Any = None) -> Results:
    """:class:`~sim.outputs.results.Results` of the replications done so far (by number),
    with the case tables and KPIs the worker built and the invariants it took."""
    from sim.engine.plan import build_plan
    from sim.outputs.results import Results

    got = [done[r] for r in sorted(done)]
    built = all(g[1] is not None for g in got)
    return Results(plan or build_plan(scenario), [g[0] for g in got], seed,
                   tables=[g[1] for g in got] if built else None,
                   kpi_rows=[g[2] for g in got] if built else None, checked=built)


# ------------------------------------------------------------------------ in the worker


def _warm_up() -> None:
    """Import what a run needs and run two days of the default scenario (a process's first
    run fills caches that later runs reuse)."""
    import sim
    from sim.app.sources import shipped
    from sim.outputs.runner import _replicate  # noqa: F401  (the KPIs, the case table)

    files = shipped()
    if files:
        tiny = sim.load_scenario(next(iter(files.values())), [
            "simulation.horizon_days=2", "simulation.warmup_days=0"])
        sim.run(tiny, replications=1, workers=1).kpis  # noqa: B018


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The worker's loop: ``(scenario, seed, replications, workers)`` in; ``("ready",)`` once
    warm, then per run ``("started", n)``, ``("replication", k, result)`` for each as it is
    done, and ``("done",)`` or ``("error", exception)``. Ends when ``inp`` closes."""
    from sim.core.forked import fork_map
    from sim.engine.plan import build_plan
    from sim.outputs.runner import _replicate, parallel_workers

    _warm_up()
    _write(out, ("ready",))
    while True:
        try:
            scenario, seed, reps, workers = _read(inp)
        except EOFError:
            return
        try:
            plan = build_plan(scenario)
            n = workers or parallel_workers(scenario, reps)
            fork_map(lambda r, p=plan, s=seed: _replicate(p, s, r), list(range(reps)), n,
                     lambda k, result: _write(out, ("replication", k, result)),
                     started=lambda total=reps: _write(out, ("started", total)))
            _write(out, ("done",))
        except Exception as err:  # noqa: BLE001 - reported on the page
            try:
                _write(out, ("error", err))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                _write(out, ("error", RuntimeError(f"{type(err).__name__}: {err}")))


# ------------------------------------------------------------------------ in the server


class WarmWorker:
    """The warm worker process (module docstring); :meth:`run` is :func:`sim.run` on it.

    Runs from several sessions take turns. If the process has died, the next run starts
    a new one. Use it as a context manager or call :meth:`close`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._start()

    def _start(self) -> None:
        import sim

        root = os.path.dirname(os.path.dirname(os.path.abspath(sim.__file__)))
        path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sim.app.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=path,
                                             MPLBACKEND="Agg"))
        self._ready = False

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def run(self, scenario: Scenario, seed: int | None = None,
            replications: int | None = None, workers: int | None = None,
            report: Callable[[int, int, float, Results | None], None] | None = None
            ) -> Results:
        """Simulate ``scenario`` on the worker (seed and replications default to its own).

        ``report(done, total, elapsed_s, partial)`` is called when the replications have
        started (``partial`` None) and each time one is back, with the results of those back
        so far (:func:`partial_results`). ``workers``: as :func:`sim.run`.
        """
        from sim.engine.plan import build_plan

        seed = scenario.simulation.seed if seed is None else seed
        reps = scenario.simulation.replications if replications is None else replications
        with self._lock:
            if not self._alive():
                self._start()
            start = time.monotonic()
            assert self._proc is not None and self._proc.stdin and self._proc.stdout
            try:
                _write(self._proc.stdin, (scenario, seed, reps, workers))
                if not self._ready:
                    self._expect(("ready",))
                    self._ready = True
                plan = build_plan(scenario)  # here, while the worker runs
                done: dict[int, tuple[Any, Any, Any]] = {}
                while True:
                    message = _read(self._proc.stdout)
                    if message[0] == "error":
                        raise message[1]
                    if message[0] == "done":
                        break
                    if message[0] == "started":
                        if report:
                            report(0, reps, time.monotonic() - start, None)
                        continue
                    done[message[1]] = message[2]
                    if report:
                        report(len(done), reps, time.monotonic() - start,
                               partial_results(scenario, seed, done, plan))
            except (EOFError, BrokenPipeError, OSError) as err:
                self.close()  # started again by the next run
                raise RuntimeError(f"the warm worker stopped: {err}") from err
            except BaseException:
                self.close()  # e.g. Ctrl-C: its pipe may hold half a message
                raise
        results = partial_results(scenario, seed, done, plan)
        results.check()  # taken by the worker; where it failed, raises here as sim.run does
        return results

    def _expect(self, message: tuple) -> None:
        assert self._proc is not None and self._proc.stdout
        got = _read(self._proc.stdout)
        if got != message:
            raise RuntimeError(f"the warm worker said {got!r}, not {message!r}")

    def close(self) -> None:
        """Stop the worker process."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout:
                proc.stdout.close()

    def __enter__(self) -> WarmWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    """``python -m sim.app.worker``: serve on stdin and stdout; anything printed goes to
    stderr, so that nothing but messages ever reaches the server."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
