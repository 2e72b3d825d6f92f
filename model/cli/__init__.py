"""The command line, ``approvalsim``.

:func:`main` is the console script's entry point. Importing it loads only the
argument parser: each command imports what it runs when it is called.

- :mod:`model.cli.app`: :func:`main`: parse, dispatch, exit status.
- :mod:`model.cli.parser`: the commands, their options and argument types.
- :mod:`model.cli.commands`: one handler per command.
- :mod:`model.cli.tables`: the tables the commands print.
- :mod:`model.cli.errors`: exit statuses and error messages.
- :mod:`model.cli.progress`: the progress bar.
"""

from model.cli.app import main

__all__ = ["main"]
