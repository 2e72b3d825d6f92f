"""Runs of the what-if page: one background job per press of "run", by job id.

A job compares the baseline and the variant on common random numbers through the
experiment engine's own pieces (:class:`~model.experiments.backends.Execution`
and :class:`~model.experiments.batch.Replications`, the machinery under
:func:`model.compare`), with the baseline's seed, so replication *k* of the
variant meets the same projects as replication *k* of the baseline and the
differences are paired. Nothing about the simulation or its metrics is
computed here.

* Jobs run on a small pool of threads (each job may use a process pool of its
  own), independent of any HTTP request: a browser that closes mid-run costs
  nothing but the run, and two tabs have two jobs.
* Every finished replication is saved in one checkpoint store for the whole
  server, keyed by scenario content, seed and replication. Changing one setting
  and running again recomputes only the variant: the baseline's replications
  are read back (the same numbers, so the pairing is exact).
* Replications are added in rounds (one per core, of each scenario), and a cancel
  takes effect after the replication that is finishing; the replications that
  both scenarios finished are kept and shown.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from model.experiments.backends import Execution
from model.experiments.batch import Comparison, Replications, check_paired, refuse_duplicate_names
from model.experiments.checkpoints import CheckpointStore
from model.scenario.schema import Scenario
from model.simulation.replication import RunLimitError
from model.web.forms import Choices, Variant

log = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "cancelled", "failed"]

#: Jobs kept for their pages and downloads; the oldest finished one is forgotten first.
MAX_JOBS = 100


class Cancelled(Exception):
    """The user pressed "cancel"."""


@dataclass
class Job:
    """One what-if run: the baseline and its variant, on common random numbers.

    Attributes:
        id: The job's id (its pages live under ``/jobs/<id>``).
        baseline_key: The baseline as the form names it.
        baseline_file: The baseline's file name (the variant ``extends:`` it).
        baseline: The baseline, validated.
        variant: The variant and its scenario file.
        choices: The form as posted (to show it again, filled in).
        seed: Root seed of both (the baseline's).
        folder: The job's own folder (variant file, results, reports).
        warnings: Pools the overload screen flags before running.

    """

    id: str
    baseline_key: str
    baseline_file: str
    baseline: Scenario
    variant: Variant
    choices: Choices
    seed: int
    folder: Path
    warnings: list[str] = field(default_factory=list)
    state: State = "queued"
    done: int = 0
    """Replications finished (of both scenarios, read back ones included)."""
    message: str = ""
    """Why the job failed."""
    kept: int = 0
    """Replications of each scenario a cancelled job kept (both finished them)."""
    comparison: Comparison | None = None
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while a report of this job is being written."""
    views: dict[str, Any] = field(default_factory=dict)
    """Rendered results by language (drawn once)."""

    @property
    def scenarios(self) -> list[Scenario]:
        """Baseline first, then the variant."""
        return [self.baseline, self.variant.scenario]

    @property
    def total(self) -> int:
        """Replications asked for, of both scenarios."""
        return self.variant.replications * len(self.scenarios)

    @property
    def finished_state(self) -> bool:
        """Whether the job has stopped (done, cancelled or failed)."""
        return self.state in ("done", "cancelled", "failed")

    @property
    def seconds(self) -> float | None:
        """Wall time from submission to the end, once finished."""
        return None if self.finished is None else self.finished - self.submitted

    def status(self) -> dict[str, Any]:
        """What the progress bar polls."""
        return {
            "id": self.id,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "kept": self.kept,
            "seconds": self.seconds,
        }


def paired_count(batch: Replications) -> int:
    """How many leading replications (0, 1, ...) every scenario of ``batch`` has."""
    count = 0
    while all(count in parts for parts in batch.parts):
        count += 1
    return count


class Jobs:
    """The server's jobs, run on a few threads.

    Args:
        folder: The server's folder; each job gets a subfolder, and the shared
            checkpoint store lives in ``folder/cache``.
        workers: Processes per job (None: every core; 1: in the job's thread).
        concurrent: Jobs that run at once; later ones wait their turn (queued).

    """

    def __init__(self, folder: Path, workers: int | None = None, concurrent: int = 2) -> None:
        self.folder = folder
        self.workers = workers
        self.store = CheckpointStore(folder / "cache")
        self.store.open()  # once: opening it removes half-written files, so never mid-run
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = cf.ThreadPoolExecutor(concurrent, thread_name_prefix="approvalsim-job")

    def new_folder(self) -> tuple[str, Path]:
        """A fresh job id and its folder."""
        job_id = secrets.token_hex(8)
        folder = self.folder / "jobs" / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def submit(self, job: Job) -> Job:
        """Queue ``job`` to run.

        Raises:
            ValueError: The scenarios cannot be compared (same name, run settings
                that differ); nothing is queued.

        """
        refuse_duplicate_names(job.scenarios)
        check_paired(job.scenarios)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job ``job_id``, or None (never was, or forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Every job kept, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job | None:
        """Ask ``job_id`` to stop after the replication that is finishing."""
        job = self.get(job_id)
        if job is not None:
            job.cancel_requested.set()
        return job

    def close(self) -> None:
        """Cancel every job and stop the threads (the server is shutting down)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel_requested.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _forget_old(self) -> None:
        while len(self._jobs) > MAX_JOBS:
            old = next((j for j in self._jobs.values() if j.finished_state), None)
            if old is None:
                return
            del self._jobs[old.id]
            shutil.rmtree(old.folder, ignore_errors=True)

    def _run(self, job: Job) -> None:
        job.started = time.monotonic()
        try:
            if job.cancel_requested.is_set():  # cancelled while queued
                job.state = "cancelled"
                return
            job.state = "running"
            self._simulate(job)
        except Exception as error:  # noqa: BLE001 - a failed run is told on its page
            job.state = "failed"
            if isinstance(error, RunLimitError):
                job.message = str(error)
            else:
                log.exception("what-if job %s failed", job.id)
                job.message = f"internal error ({type(error).__name__}: {error}); please report it"
        finally:
            job.finished = time.monotonic()

    def _simulate(self, job: Job) -> None:
        def progress(done: int, total: int) -> None:
            job.done = done
            if job.cancel_requested.is_set():
                raise Cancelled

        batch: Replications | None = None
        try:
            with Execution(self.workers, progress=progress) as execution:
                batch = Replications(
                    execution, job.scenarios, job.seed, keep_tables=True, checkpoints=self.store
                )
                # Rounds of one replication per core of each scenario: a cancel keeps
                # whole rounds of pairs, and a round whose baseline is read back from
                # the checkpoints still has a variant replication for every core.
                step = max(1, execution.workers)
                wanted = 0
                while wanted < job.variant.replications:
                    if job.cancel_requested.is_set():
                        raise Cancelled
                    wanted = min(job.variant.replications, wanted + step)
                    batch.extend(wanted)
        except Cancelled:
            if batch is not None:
                job.kept = paired_count(batch)
                if job.kept:
                    job.comparison = Comparison(batch.results(job.kept))
            job.state = "cancelled"
            return
        job.comparison = Comparison(batch.results(job.variant.replications))
        job.done = job.total
        job.state = "done"
