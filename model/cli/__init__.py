"""The command line, ``approvalsim``: parsing, one handler per command, terminal tables."""

from model.cli.app import main

__all__ = ["main"]
