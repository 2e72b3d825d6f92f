"""Exit statuses, and how errors are told on the terminal.

A user error (a bad scenario file, an existing output folder, a bad target or
range, a bound reached, a file that cannot be read or written, a full or
read-only disk) is one line on standard error and status 2, never a
traceback. Anything else is a bug: status 1, one line, and the full trace in
a file whose name is printed. The error classes are imported only once an
error has happened, so that a command that succeeds does not load the modules
that define them.

Every text a user controls (file and scenario names, values quoted back) may
hold terminal control sequences; :func:`printable` escapes them before they
reach the terminal.
"""

from __future__ import annotations

import argparse
import errno
import functools
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import IO

#: Status of a user error (as argparse uses for bad arguments).
USER_ERROR = 2
#: Status after Ctrl-C (128 + SIGINT).
INTERRUPTED = 130
#: Status when workers kept crashing, or of an internal error (a bug).
CRASHED = 1

# C0 and C1 controls (but newline), DEL, and the bidirectional overrides that
# make text display in another order than it reads.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""``text`` with control characters (but newlines) shown as escapes, e.g. ``\x1b``."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class EscapingStream:
    """A text stream that writes through :func:`printable` (for standard output)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters escaped."""
        self.stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


Handler = Callable[[argparse.Namespace], int]


def user_error(message: str) -> int:
    """Print ``approvalsim: message`` on standard error; return :data:`USER_ERROR`."""
    print(f"approvalsim: {printable(message)}", file=sys.stderr)
    return USER_ERROR


def value_errors_are_user_errors(handler: Handler) -> Handler:
    """Report a ``ValueError`` from the API (a bad target, range or output) as a user error."""

    @functools.wraps(handler)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ValueError as error:
            return user_error(str(error))

    return wrapped


def exit_status(error: Exception) -> int | None:
    """Tell a known error on standard error and return its status; None for any other."""
    from model.analysis.fitting import FitError
    from model.experiments.backends import SchedulerError, WorkerCrashError
    from model.outputs.folders import OutputExistsError, ResultsFolderError
    from model.report.render import ReportError
    from model.scenario.problems import ScenarioError
    from model.simulation.replication import RunLimitError

    if isinstance(error, ScenarioError | OutputExistsError | ResultsFolderError):
        return user_error(str(error))
    if isinstance(error, ReportError | FitError | SchedulerError):
        return user_error(str(error))
    if isinstance(error, RunLimitError):
        return user_error(run_limit_message(error))
    if isinstance(error, WorkerCrashError):
        print(f"approvalsim: {printable(str(error))}", file=sys.stderr)
        return CRASHED
    if isinstance(error, OSError):
        return user_error(os_error_message(error))
    if isinstance(error, RecursionError):
        return user_error(
            "the input nests too deeply to be read (e.g. a very long chain of 'extends:')"
        )
    if isinstance(error, MemoryError):
        return user_error(
            "out of memory; the scenario is far larger than this machine can hold "
            "(lower run.max_events or the arrivals)"
        )
    return None


def run_limit_message(error: Exception) -> str:
    """A bound reached: which one, how to raise it, and what was kept."""
    text = str(error)
    finished = getattr(error, "finished", None)
    saved_in = getattr(error, "saved_in", None)
    if finished and saved_in:
        text += (
            f" The {finished} replication(s) finished before it are saved in {saved_in}: "
            "run the same command again (after raising the bound) to resume from them."
        )
    elif finished:
        text += f" {finished} replication(s) had finished; give --out DIR to keep them."
    return text


def os_error_message(error: OSError) -> str:
    """One line for a failed file operation: what failed, on which file, and why."""
    if error.errno == errno.ENOSPC:
        reason = "no space left on the disk"
    elif error.errno == errno.EROFS:
        reason = "the disk is read-only"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = error.strerror or type(error).__name__
    where = " and ".join(
        repr(os.fsdecode(name)) for name in (error.filename, error.filename2) if name is not None
    )
    if not where and error.strerror is None and error.args:
        return f"{reason}: {error.args[0]}"
    return f"{reason}: {where}" if where else reason


def internal_error(error: BaseException) -> int:
    """Tell a bug in one line, write its full trace to a file, and return :data:`CRASHED`."""
    trace = "".join(traceback.format_exception(error))
    try:
        handle, name = tempfile.mkstemp(prefix="approvalsim-error-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(trace)
        where = f"the full trace is in {name}"
    except OSError:
        where = "the trace could not be saved"
    summary = printable(f"{type(error).__name__}: {error}".splitlines()[0][:300])
    print(f"approvalsim: internal error ({summary}); {where}. Please report it.", file=sys.stderr)
    return CRASHED


def interrupted_status(stop: KeyboardInterrupt) -> int:
    """Say how far an interrupted run got and where its results are; return the status."""
    from model.experiments.backends import RunInterrupted

    if not isinstance(stop, RunInterrupted):
        print("approvalsim: interrupted", file=sys.stderr)
        return INTERRUPTED
    text = f"approvalsim: interrupted after {stop.finished} of {stop.total} replications"
    if stop.checkpoint_dir:
        text += (
            f"; the finished ones are saved in {stop.checkpoint_dir}.\n"
            "Run the same command again to resume where it stopped."
        )
    else:
        text += "; nothing was saved (give --out DIR to make a run resumable)."
    print(text, file=sys.stderr)
    return INTERRUPTED
