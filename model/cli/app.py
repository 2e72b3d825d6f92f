"""``approvalsim``'s entry point: parse the arguments, run the command, map errors to a status.

Exit statuses: 0 on success; 2 for a user error (a bad scenario file, an
existing output folder, bad arguments, a bound reached, a file that cannot be
read or written), told in one line without a traceback; 1 when workers kept
crashing or for an internal error (one line, the trace written to a file);
130 after Ctrl-C, saying what was saved.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from model.cli.errors import EscapingStream, exit_status, internal_error, interrupted_status
from model.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``approvalsim`` with ``argv`` (default: the process's arguments); return the status."""
    args = build_parser().parse_args(argv)
    stdout = sys.stdout
    # Names in the tables come from scenario files: no terminal escapes through them.
    sys.stdout = EscapingStream(stdout)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt as stop:  # also RunInterrupted, which says what was saved
        return interrupted_status(stop)
    except Exception as error:
        status = exit_status(error)
        if status is not None:
            return status
        if os.environ.get("APPROVALSIM_TRACEBACK"):
            raise
        return internal_error(error)
    finally:
        sys.stdout = stdout
