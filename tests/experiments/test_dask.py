"""A real Dask cluster (scheduler and workers as separate processes) gives the serial results.

The fixture starts ``dask scheduler`` and ``dask worker`` on 127.0.0.1 with
free ports, waits for both workers, and tears the processes down afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from conftest import make_scenario
from model.experiments.batch import Results, compare
from model.scenario.schema import Scenario
from model.experiments.sweep import sweep

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("projects", "items", "resources", "summary")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The address of a two-worker Dask cluster on this machine."""
    env = dict(os.environ)
    # Workers import the model by name, like an installed approvalsim.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {
        "env": env,
        "cwd": ROOT,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "start_new_session": True,
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            **common,
        )  # type: ignore[call-overload]
    ]
    try:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dask",
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **common,
            )  # type: ignore[call-overload]
        )
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def pair() -> list[Scenario]:
    """Baseline and reform of the small county, half a year each."""
    short = {"run.horizon_days": 150}
    return [make_scenario(**short), make_scenario(approval_mode="parallel", name="parallel", **short)]


@pytest.fixture(scope="module")
def serial(pair: list[Scenario]) -> list[Results]:
    """The reference, run inline."""
    return compare(pair, replications=3, seed=11, workers=1).results


def assert_same(a: list[Results], b: list[Results]) -> None:
    """Bit-for-bit equal tables."""
    for x, y in zip(a, b, strict=True):
        for name in TABLES:
            assert_frame_equal(getattr(x, name), getattr(y, name), check_exact=True)


@pytest.mark.slow
def test_dask_cluster_gives_the_serial_results_bit_for_bit(
    cluster: str, pair: list[Scenario], serial: list[Results]
) -> None:
    on_cluster = compare(pair, replications=3, seed=11, scheduler=cluster).results
    assert_same(serial, on_cluster)


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_is_retried(
    cluster: str, pair: list[Scenario], serial: list[Results]
) -> None:
    with distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_a_worker(done: int, total: int) -> None:
        if not killed and 0 < done < total:
            killed.append(pids[0])
            os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker

    on_cluster = compare(
        pair, replications=3, seed=11, scheduler=cluster, progress=kill_a_worker
    ).results
    assert killed
    assert_same(serial, on_cluster)
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)  # leave the cluster whole for other tests
        assert pids[0] not in client.run(os.getpid).values()


@pytest.mark.slow
def test_sweep_on_dask_matches_inline(cluster: str, pair: list[Scenario]) -> None:
    axes = {"departments.发改局.staff": [1, 2]}
    inline = sweep(pair[0], axes, replications=2, seed=3, workers=1)
    remote = sweep(pair[0], axes, replications=2, seed=3, scheduler=cluster)
    assert_frame_equal(inline.table, remote.table, check_exact=True)
