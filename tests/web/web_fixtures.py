"""Shared helpers of the what-if page's tests: small scenario files and a server.

Imported by the test modules that use them (a conftest.py here would shadow
tests/conftest.py, which the tests import as ``conftest``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from conftest import base_scenario_dict

from model.web.app import create_app
from model.web.jobs import Job, Jobs
from model.web.library import Library

#: The small county's department whose staff the tests change.
HOUSING = "住建局"


def write_scenarios(folder: Path) -> list[Path]:
    """The small test county as a baseline file, and a reform that extends it."""
    folder.mkdir(parents=True, exist_ok=True)
    data = base_scenario_dict()
    data["label_zh"] = "小县基准"
    base = folder / "small.yaml"
    base.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reform = folder / "small-parallel.yaml"
    reform.write_text(
        "extends: small.yaml\nname: small-parallel\nlabel_zh: 小县并联\napproval_mode: parallel\n",
        encoding="utf-8",
    )
    return [base, reform]


def make_app(folder: Path, workers: int | None = 1) -> tuple[Any, Library, Jobs]:
    """The application over the small county's files, its library and its jobs."""
    library = Library(write_scenarios(folder / "scenarios"), folder / "server" / "uploads")
    jobs = Jobs(folder / "server", workers=workers)
    return create_app(library, jobs), library, jobs


def wait(job: Job, seconds: float = 60.0) -> Job:
    """Wait until ``job`` has stopped."""
    deadline = time.monotonic() + seconds
    while not job.finished_state:
        assert time.monotonic() < deadline, f"job {job.id} still {job.state} after {seconds} s"
        time.sleep(0.05)
    return job


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
