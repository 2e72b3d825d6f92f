"""Where replications run: inline, on a local process pool, or on a Dask cluster.

:class:`Execution` maps a pure function over keyed tasks and hands each result
to a callback in the calling process, in completion order; callers sort by key,
so results never depend on the backend, the number of workers or the order in
which tasks finish.

Failures are handled here so that every command gets them the same way:

* A pool worker that dies (killed, out of memory, ``os._exit``) breaks a
  :class:`~concurrent.futures.ProcessPoolExecutor`: every task in flight fails
  with ``BrokenProcessPool``, and nobody can tell which one killed it. The pool
  is rebuilt, and the tasks that were in flight become *suspects*, each re-run
  alone so that a crash can be pinned on one task. A suspect that completes is
  cleared; one that kills its worker ``max_attempts`` times alone raises
  :class:`WorkerCrashError` (a deterministic crash must not loop forever).
* On a Dask cluster the scheduler already re-runs the tasks of a lost worker
  (``distributed.scheduler.allowed-failures``); a task that exhausts that budget
  raises ``KilledWorker``, reported as :class:`WorkerCrashError`.
* Ctrl-C stops the workers and raises :class:`RunInterrupted`, which carries
  how many tasks had finished: their results were already handed out.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from model.simulation.replication import RunLimitError

#: ``progress(done, total)``: tasks finished so far (including ones read back
#: from checkpoints) and tasks known so far; ``total`` can grow between calls.
Progress = Callable[[int, int], None]


#: Most local worker processes (``--workers``); more only costs memory.
MAX_WORKERS = 256
#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0


class WorkerCrashError(RuntimeError):
    """A task kept killing the worker process that ran it."""


class SchedulerError(ValueError):
    """The Dask scheduler address is malformed or nobody answers there (a user error)."""


def check_scheduler_address(address: str) -> str:
    """``address`` if it looks like a Dask scheduler's, e.g. ``tcp://10.0.0.5:8786``.

    Raises:
        SchedulerError: It has no known protocol, no host or no valid port.

    """
    from urllib.parse import urlsplit

    protocols = ("tcp", "tls", "ws", "wss", "inproc", "ucx")
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in protocols or not (parts.hostname or port):
        raise SchedulerError(
            f"--scheduler {address!r} is not a Dask scheduler address; expected "
            "PROTOCOL://HOST:PORT, e.g. tcp://127.0.0.1:8786"
        )
    return address


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; the results finished so far were already delivered.

    Attributes:
        finished: Tasks finished (computed or read back) when the run stopped.
        total: Tasks the run had planned so far.
        checkpoint_dir: Where finished replications were saved, if anywhere.

    """

    def __init__(self, finished: int, total: int, checkpoint_dir: str | None = None) -> None:
        super().__init__(f"interrupted after {finished} of {total} replications")
        self.finished = finished
        self.total = total
        self.checkpoint_dir = checkpoint_dir


@dataclass(frozen=True)
class Task:
    """One call ``fn(*args)`` identified by ``key`` (unique within a ``map``)."""

    key: Hashable
    fn: Callable[..., Any]
    args: tuple[Any, ...]


def _watch_parent() -> None:
    """Pool-worker initializer: exit when the parent process disappears.

    A SIGKILLed parent leaves its pool workers blocked on a queue nobody will
    write to; without this they would linger until the machine is rebooted.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="approvalsim-parent-watch", daemon=True).start()


def local_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A process pool of ``workers`` that exits with its parent."""
    # fork starts workers without re-importing the caller's __main__, so a notebook
    # or a script without a main guard works; spawn is the fallback elsewhere.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_watch_parent
    )


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now, killing workers that are busy.

    ``shutdown`` alone waits for running tasks (minutes for a big replication)
    before Ctrl-C could return; the executor has no public way to kill them.
    """
    # shutdown() drops the executor's references, so keep the live dict of its
    # workers and its manager thread (which may still start a replacement).
    workers = getattr(pool, "_processes", None) or {}
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for _ in range(3):
        for process in list(workers.values()):
            if process.is_alive():
                process.kill()
        if manager is not None:
            manager.join(timeout=5)
        for process in list(workers.values()):
            process.join(timeout=5)
        if not any(p.is_alive() for p in list(workers.values())):
            break
    multiprocessing.active_children()  # reap what has exited


class Execution:
    """A backend for one command: inline, a local pool, or a Dask cluster.

    Use as a context manager; the pool or the cluster connection is opened on
    first use and closed on exit, so one command reuses it across batches.

    Args:
        workers: Local processes; ``None`` means every core, 1 runs inline
            (no subprocess). Ignored when ``scheduler`` is given.
        scheduler: Address of a running Dask scheduler, e.g.
            ``"tcp://127.0.0.1:8786"``; its workers need ``approvalsim`` installed.
        progress: Called after every finished task.
        max_attempts: Times a task may kill its worker (alone) before the run fails.
        checkpoint_dir: Only quoted by :class:`RunInterrupted`, to say where
            finished work is.

    """

    def __init__(
        self,
        workers: int | None = 1,
        scheduler: str | None = None,
        progress: Progress | None = None,
        max_attempts: int = 3,
        checkpoint_dir: str | None = None,
    ) -> None:
        if workers is not None and workers > MAX_WORKERS:
            raise ValueError(
                f"--workers {workers} is more than {MAX_WORKERS} processes; "
                f"this machine has {os.cpu_count() or 1} cores"
            )
        self.workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
        if scheduler is not None:
            check_scheduler_address(scheduler)
        self.scheduler = scheduler
        self.progress = progress
        self.max_attempts = max_attempts
        self.checkpoint_dir = checkpoint_dir
        self.done = 0
        self.total = 0
        self.crashes = 0
        """Worker deaths survived (tasks re-run because a worker died)."""
        self._pool: cf.ProcessPoolExecutor | None = None
        self._pool_size = 0
        self._client: Any = None
        self._dask: cf.Executor | None = None

    # -- lifecycle ------------------------------------------------------------

    def __enter__(self) -> Execution:
        """Nothing is started until the first ``map``."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close the pool or the cluster connection."""
        self.close(kill=kind is not None)

    def close(self, kill: bool = False) -> None:
        """Release the pool (killing busy workers if ``kill``) and the Dask client."""
        if self._pool is not None:
            if kill:
                _kill_pool(self._pool)
            else:
                self._pool.shutdown(wait=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
            self._dask = None

    @property
    def parallel(self) -> bool:
        """Whether tasks leave this process."""
        return self.scheduler is not None or self.workers > 1

    @property
    def slots(self) -> int:
        """Tasks that can run at once (cluster threads, pool workers or 1)."""
        if self.scheduler is not None:
            self._connect()
            info = self._client.scheduler_info()
            threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
            return max(1, threads)
        return self.workers

    def _connect(self) -> cf.Executor:
        if self._dask is None:
            from distributed import Client  # imported only when a cluster is used

            try:
                self._client = Client(  # type: ignore[no-untyped-call]
                    self.scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT
                )
            except (OSError, TimeoutError, ValueError) as error:
                raise SchedulerError(
                    f"no Dask scheduler answered at {self.scheduler} within "
                    f"{CONNECT_TIMEOUT:g} s ({type(error).__name__}); start one with "
                    "'dask scheduler' or check the address"
                ) from None
            # pure=False: results are keyed by our own task keys; hashing a
            # Scenario for Dask's cache would cost time and buy nothing.
            self._dask = self._client.get_executor(pure=False)
        return self._dask

    def _local(self, tasks: int) -> cf.ProcessPoolExecutor:
        """The pool, with no more workers than ``tasks`` need (grown if a batch needs more)."""
        wanted = min(self.workers, max(1, tasks))
        if self._pool is not None and self._pool_size < wanted:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._pool is None:
            self._pool = local_pool(wanted)
            self._pool_size = wanted
        return self._pool

    # -- progress ---------------------------------------------------------------

    def plan(self, tasks: int) -> None:
        """Announce ``tasks`` more tasks (so a progress bar knows the total)."""
        self.total += tasks
        self._report()

    def advance(self, tasks: int = 1) -> None:
        """Count ``tasks`` as finished (computed or read back from a checkpoint)."""
        self.done += tasks
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)

    # -- mapping ----------------------------------------------------------------

    def map(self, tasks: Sequence[Task], on_result: Callable[[Hashable, Any], None]) -> None:
        """Run every task, calling ``on_result(key, value)`` here as each finishes.

        Tasks must already be counted with :meth:`plan`; each finished one is
        counted here. Exceptions raised by a task propagate unchanged (a bug in
        a replication is not retried: it would fail again).

        Raises:
            RunInterrupted: On Ctrl-C; results delivered so far stay delivered.
            WorkerCrashError: When a task keeps killing its worker.

        """
        try:
            if not tasks:
                return
            if self.scheduler is not None:
                self._map_dask(tasks, on_result)
            elif self.workers > 1:
                self._map_pool(tasks, on_result)
            else:
                for task in tasks:
                    on_result(task.key, task.fn(*task.args))
                    self.advance()
        except RunInterrupted:
            raise
        except KeyboardInterrupt:
            self.close(kill=True)
            raise RunInterrupted(self.done, self.total, self.checkpoint_dir) from None
        except RunLimitError as error:
            # Say what was kept: every result delivered so far (and saved, with a
            # checkpoint folder). The other workers are stopped, not waited for.
            self.close(kill=True)
            raise RunLimitError(str(error), error.bound, self.done, self.checkpoint_dir) from None

    def _map_pool(self, tasks: Sequence[Task], on_result: Callable[[Hashable, Any], None]) -> None:
        pending = deque(tasks)
        suspects: deque[Task] = deque()
        failures: dict[Hashable, int] = {}
        # Two tasks per worker keep every worker busy while results are handled,
        # and bound how many tasks a crash turns into suspects.
        limit = 2 * self.workers
        in_flight: dict[cf.Future[Any], Task] = {}
        while pending or suspects or in_flight:
            pool = self._local(len(pending) + len(suspects) + len(in_flight))
            # A suspect runs alone, so that a crash is pinned on it.
            if suspects:
                if not in_flight:
                    task = suspects.popleft()
                    in_flight[pool.submit(task.fn, *task.args)] = task
            else:
                while pending and len(in_flight) < limit:
                    task = pending.popleft()
                    in_flight[pool.submit(task.fn, *task.args)] = task
            finished, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            broken: list[Task] = []
            for future in finished:
                task = in_flight.pop(future)
                try:
                    value = future.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                on_result(task.key, value)
                self.advance()
            if broken or any(_is_broken(f) for f in in_flight):
                # The pool is dead: every other task in flight fails too, except
                # those that finished just before it broke.
                for future, task in in_flight.items():
                    if future.done() and future.exception() is None:
                        on_result(task.key, future.result())
                        self.advance()
                    else:
                        broken.append(task)
                in_flight.clear()
                self.crashes += 1
                _kill_pool(pool)
                self._pool = None
                if len(broken) == 1:
                    (task,) = broken
                    failures[task.key] = failures.get(task.key, 0) + 1
                    if failures[task.key] >= self.max_attempts:
                        raise WorkerCrashError(
                            f"task {task.key!r} killed its worker process "
                            f"{failures[task.key]} times; giving up"
                        )
                suspects.extend(broken)

    def _map_dask(self, tasks: Sequence[Task], on_result: Callable[[Hashable, Any], None]) -> None:
        from distributed.scheduler import KilledWorker

        executor = self._connect()
        pending = deque(tasks)
        # Bounded submission keeps results streaming back (and memory flat)
        # instead of piling up on the workers.
        limit = 2 * self.slots + 2
        in_flight: dict[cf.Future[Any], Task] = {}
        while pending or in_flight:
            while pending and len(in_flight) < limit:
                task = pending.popleft()
                in_flight[executor.submit(task.fn, *task.args)] = task
            finished, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                try:
                    value = future.result()
                except KilledWorker as error:
                    raise WorkerCrashError(
                        f"task {task.key!r} was running on Dask workers that died too often: "
                        f"{error}"
                    ) from None
                on_result(task.key, value)
                self.advance()


def _is_broken(future: cf.Future[Any]) -> bool:
    return future.done() and isinstance(future.exception(), BrokenProcessPool)
