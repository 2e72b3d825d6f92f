"""The command handlers, one function per ``approvalsim`` command.

Each handler takes the parsed arguments and returns the exit status. The
modules import only the standard library and the CLI's own text helpers at
the top; each handler imports the machinery it runs (pandas, the experiment
engine, the report) when it is called, so ``approvalsim --help`` and
``approvalsim validate`` load none of it.

- :mod:`~model.cli.commands.simulate`: ``validate``, ``run``, ``compare``.
- :mod:`~model.cli.commands.experiments`: ``sweep``, ``plan-staff``,
  ``sensitivity``, ``attribute``.
- :mod:`~model.cli.commands.reporting`: ``report``, ``fit``, and the event log
  and report that ``run`` and ``compare`` write on request.
"""
