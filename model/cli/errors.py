"""Exit statuses, and how errors are told on the terminal.

A user error (a bad scenario file, an existing output folder, a bad target or
range) is one line on standard error and status 2, never a traceback. The
error classes are imported only once an error has happened, so that a command
that succeeds does not load the modules that define them.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

#: Status of a user error (as argparse uses for bad arguments).
USER_ERROR = 2
#: Status after Ctrl-C (128 + SIGINT).
INTERRUPTED = 130
#: Status when workers kept crashing.
CRASHED = 1

Handler = Callable[[argparse.Namespace], int]


def user_error(message: str) -> int:
    """Print ``approvalsim: message`` on standard error; return :data:`USER_ERROR`."""
    print(f"approvalsim: {message}", file=sys.stderr)
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
    from model.experiments.backends import WorkerCrashError
    from model.outputs.folders import OutputExistsError
    from model.scenario.problems import ScenarioError

    if isinstance(error, ScenarioError | OutputExistsError):
        return user_error(str(error))
    if isinstance(error, WorkerCrashError):
        print(f"approvalsim: {error}", file=sys.stderr)
        return CRASHED
    return None


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
