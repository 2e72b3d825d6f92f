"""The experiment engine: identical results on any backend, precision, crashes, interruptions.

Everything runs on the small conftest scenario (a replication takes a fraction
of a second), so each test exercises the real process pool, not a stand-in.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import time
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from conftest import make_scenario
from model.analysis.aggregate import kpi_table
from model.experiments.checkpoints import CheckpointStore
from model.experiments.backends import Execution, RunInterrupted, Task, WorkerCrashError
from model.experiments.batch import Results, compare, next_replications, replicate, run
from model.cli.progress import progress_bar
from model.scenario.schema import Scenario

TABLES = ("projects", "items", "resources", "summary")


@pytest.fixture(scope="module")
def pair() -> list[Scenario]:
    """A baseline and a reformed variant of the small county."""
    short = {"run.horizon_days": 240}
    return [
        make_scenario(**short),
        make_scenario(approval_mode="parallel", time_limits="committed", name="parallel", **short),
    ]


@pytest.fixture(scope="module")
def serial(pair: list[Scenario]) -> list[Results]:
    """The reference: three replications of each, inline."""
    return compare(pair, replications=3, seed=5, workers=1).results


def assert_same(a: list[Results], b: list[Results], tables: tuple[str, ...] = TABLES) -> None:
    """Bit-for-bit equal tables, scenario by scenario."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for name in tables:
            assert_frame_equal(getattr(x, name), getattr(y, name), check_exact=True)


# -- backends ---------------------------------------------------------------------------


def test_process_pool_gives_the_serial_results_bit_for_bit(
    pair: list[Scenario], serial: list[Results]
) -> None:
    pooled = compare(pair, replications=3, seed=5, workers=2).results
    assert_same(serial, pooled)


def test_summaries_without_tables_are_the_same_numbers(
    pair: list[Scenario], serial: list[Results]
) -> None:
    slim = compare(pair, replications=3, seed=5, workers=2, keep_tables=False).results
    assert_same(serial, slim, ("summary", "resources"))
    assert slim[0].projects.empty and slim[0].items.empty


def test_different_seed_changes_results(pair: list[Scenario], serial: list[Results]) -> None:
    other = compare(pair, replications=3, seed=6, workers=1).results
    with pytest.raises(AssertionError):
        assert_frame_equal(serial[0].summary, other[0].summary)


# -- the replications algorithm -----------------------------------------------------------


@pytest.mark.slow  # a precision search over many replications
def test_precision_reaches_the_target_for_every_output(pair: list[Scenario]) -> None:
    outputs = ("signing_to_start_days", "trips")
    c = compare(pair, seed=5, precision=0.08, max_replications=40, outputs=outputs, workers=2)
    assert not c.capped
    assert c.replications >= 3
    for result in c.results:
        table = kpi_table(result.summary, outputs).set_index("output")
        relative = table["half_width"] / table["mean"].abs()
        assert (relative <= 0.08).all(), relative
    # Workers do not change where the search stops, nor the numbers.
    inline = compare(pair, seed=5, precision=0.08, max_replications=40, outputs=outputs, workers=1)
    assert inline.replications == c.replications
    assert_same(inline.results, c.results, ("summary",))


def test_precision_stops_at_the_cap_and_says_so(pair: list[Scenario]) -> None:
    c = compare(pair, seed=5, precision=1e-6, max_replications=4, workers=1, keep_tables=False)
    assert c.capped
    assert c.replications == 4
    assert c.precision is not None and not c.precision["met"].all()


@pytest.mark.parametrize(
    ("relative", "precision", "n", "cap", "expected"),
    [
        (0.10, 0.05, 4, 100, 8),  # needs 16, grows at most x2
        (0.06, 0.05, 10, 100, 15),  # 10 * 1.44 = 14.4 -> 15
        (0.051, 0.05, 10, 100, 11),  # always at least one more
        (0.5, 0.05, 80, 100, 100),  # capped
        (math.inf, 0.05, 3, 100, 6),  # no interval yet: double
    ],
)
def test_next_replications(
    relative: float, precision: float, n: int, cap: int, expected: int
) -> None:
    assert next_replications(relative, precision, n, cap) == expected


# -- dying workers ----------------------------------------------------------------------


def _die_once(marker: str, value: int) -> int:
    """Kill the worker the first time it runs for ``value``; return 2 * value after."""
    path = Path(marker) / f"died-{value}"
    if not path.exists():
        path.touch()
        os._exit(3)
    return 2 * value


def _always_die(value: int) -> int:
    os._exit(3)


def _double(value: int) -> int:
    return 2 * value


def test_a_worker_that_dies_is_replaced_and_its_task_retried(tmp_path: Path) -> None:
    results: dict[Any, Any] = {}
    tasks = [
        Task(
            k, _die_once if k in (2, 5) else _double, ((str(tmp_path), k) if k in (2, 5) else (k,))
        )
        for k in range(8)
    ]
    with Execution(workers=2) as execution:
        execution.plan(len(tasks))
        execution.map(tasks, results.__setitem__)
        crashes = execution.crashes
    assert results == {k: 2 * k for k in range(8)}
    # Both tasks killed a worker (perhaps in the same pool breakage) and were re-run.
    assert (tmp_path / "died-2").exists() and (tmp_path / "died-5").exists()
    assert crashes >= 1
    assert execution.done == 8


def test_a_task_that_always_kills_its_worker_fails_the_run_clearly() -> None:
    tasks = [Task("poison", _always_die, (1,)), *[Task(k, _double, (k,)) for k in range(3)]]
    results: dict[Any, Any] = {}
    with pytest.raises(WorkerCrashError, match="poison"):
        with Execution(workers=2, max_attempts=2) as execution:
            execution.plan(len(tasks))
            execution.map(tasks, results.__setitem__)
    assert multiprocessing.active_children() == []


def test_sigkill_of_a_pool_worker_mid_run_changes_nothing(
    pair: list[Scenario], serial: list[Results]
) -> None:
    killed: list[int] = []

    def kill_a_worker(done: int, total: int) -> None:
        if not killed and 0 < done < total:
            children = multiprocessing.active_children()
            if children:
                killed.append(children[0].pid or 0)
                os.kill(children[0].pid or 0, signal.SIGKILL)

    pooled = compare(pair, replications=3, seed=5, workers=2, progress=kill_a_worker).results
    assert killed, "no worker was killed: the test did not test anything"
    assert_same(serial, pooled)


# -- interruptions and checkpoints -------------------------------------------------------


def _stop_after(count: int) -> Any:
    def progress(done: int, total: int) -> None:
        if done >= count:
            raise KeyboardInterrupt

    return progress


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_finished_replications_and_a_rerun_resumes(
    pair: list[Scenario], serial: list[Results], tmp_path: Path, workers: int
) -> None:
    with pytest.raises(RunInterrupted) as stop:
        compare(
            pair,
            replications=3,
            seed=5,
            workers=workers,
            checkpoint_dir=tmp_path,
            progress=_stop_after(2),
        )
    assert stop.value.finished >= 2 and stop.value.total == 6
    assert stop.value.checkpoint_dir is not None
    # Killed workers are gone within moments (the OS reaps them asynchronously).
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    saved = {p.name: p.stat().st_mtime_ns for p in (tmp_path / ".checkpoints").glob("*.zip")}
    assert len(saved) >= 2

    resumed = compare(pair, replications=3, seed=5, workers=workers, checkpoint_dir=tmp_path)
    assert_same(serial, resumed.results)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / ".checkpoints").glob("*.zip")}
    assert len(after) == 6
    # The finished replications were read back, not recomputed and rewritten.
    assert all(after[name] == mtime for name, mtime in saved.items())


def test_a_damaged_checkpoint_is_recomputed(
    pair: list[Scenario], serial: list[Results], tmp_path: Path
) -> None:
    compare(pair, replications=3, seed=5, checkpoint_dir=tmp_path)
    victim = sorted((tmp_path / ".checkpoints").glob("*.zip"))[0]
    victim.write_bytes(b"not a checkpoint")
    (tmp_path / ".checkpoints" / ".stray.zip.x1y2.partial").write_bytes(b"half written")
    again = compare(pair, replications=3, seed=5, checkpoint_dir=tmp_path)
    assert_same(serial, again.results)
    assert not list((tmp_path / ".checkpoints").glob("*.partial"))


@dataclass(frozen=True)
class Box:
    """The smallest checkpointable value."""

    value: int


def test_checkpoints_of_other_code_are_discarded(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.open()
    store.save("k", Box(1))
    assert store.load("k", Box) == Box(1)
    manifest = tmp_path / ".checkpoints" / "manifest.json"
    manifest.write_text('{"code": "someone-elses"}')
    reopened = CheckpointStore(tmp_path)
    reopened.open()
    assert reopened.load("k", Box) is None


def test_checkpoint_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CheckpointStore(tmp_path)
    store.open()
    store.save("k", Box(1))

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        store.save("k", Box(2))
    monkeypatch.undo()
    assert store.load("k", Box) == Box(1)  # the old value is intact
    assert not list((tmp_path / ".checkpoints").glob("*.partial"))


def test_replicate_slim_has_the_same_summary() -> None:
    s = make_scenario()
    full = replicate(s, 0, 3)
    slim = replicate(s, 0, 3, keep_events=False, keep_tables=False)
    assert slim.projects is None and slim.items is None and slim.events is None
    assert slim.summary == full.summary
    assert_frame_equal(slim.resources, full.resources)


def test_run_defaults_come_from_the_scenario() -> None:
    s = make_scenario(**{"run.replications": 2})
    results = run(s, workers=1, keep_events=False)
    assert list(results.summary["replication"]) == [0, 1]
    assert results.provenance["seed"] == s.run.seed
    assert isinstance(results.summary, pd.DataFrame)


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_on_a_terminal(tty: bool) -> None:
    stream = _Terminal(tty)
    with progress_bar(stream=stream) as progress:
        progress(0, 4)
        progress(3, 4)
    text = stream.getvalue()
    assert ("3/4" in text) is tty
    assert (text == "") is (not tty)
