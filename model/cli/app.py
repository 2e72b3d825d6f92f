"""``approvalsim``'s entry point: parse the arguments, run the command, map errors to a status.

Exit statuses: 0 on success; 2 for a user error (a bad scenario file, an
existing output folder, bad arguments), told in one line without a traceback;
1 when workers kept crashing; 130 after Ctrl-C, saying what was saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from model.cli.errors import exit_status, interrupted_status
from model.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``approvalsim`` with ``argv`` (default: the process's arguments); return the status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt as stop:  # also RunInterrupted, which says what was saved
        return interrupted_status(stop)
    except Exception as error:
        status = exit_status(error)
        if status is None:
            raise
        return status
