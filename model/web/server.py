"""Start the what-if page: a scratch folder, the baselines, the jobs, and uvicorn.

Everything the server writes (uploads, each job's scenario file, results and
reports, the shared checkpoints) lives in one temporary folder that is removed
when the server stops.
"""

from __future__ import annotations

import errno
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path

#: Where the page is served unless told otherwise: this machine only.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, not an address here), or None."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return f"port {port} on {host} is in use; pass another --port, e.g. --port {port + 1}"
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


def serve(
    files: Sequence[Path],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    concurrent: int = 2,
) -> None:
    """Serve the what-if page until interrupted (Ctrl-C stops it cleanly).

    Args:
        files: Scenario files offered as baselines (the first is the default).
        host: Address to listen on (default: this machine only).
        port: TCP port.
        workers: Processes per run (None: every core; 1: inline).
        concurrent: Runs at once; more wait their turn.

    Raises:
        ScenarioError: A file is not a valid scenario.

    """
    import uvicorn

    from model.web.app import create_app
    from model.web.jobs import Jobs
    from model.web.library import Library

    with tempfile.TemporaryDirectory(prefix="approvalsim-serve-") as scratch:
        folder = Path(scratch)
        library = Library(files, folder / "uploads")
        jobs = Jobs(folder, workers=workers, concurrent=concurrent)
        app = create_app(library, jobs)
        uvicorn.run(app, host=host, port=port, log_level="warning")
