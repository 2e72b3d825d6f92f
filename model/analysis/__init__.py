"""The analysis stage: pure functions from event logs and tables to numbers.

- :mod:`~model.analysis.outputs`: the registry of key outputs (name, unit,
  labels in English and Chinese, number formats) that metrics, CLI and report
  share.
- :mod:`~model.analysis.metrics`: event log → project, item, pool and summary
  tables, the warm-up cut and the department scorecard.
- :mod:`~model.analysis.targets`: the policy targets (最多90天, 最多100天, ...)
  and the share of projects meeting each.
- :mod:`~model.analysis.aggregate`: means and t-intervals across replications,
  precision, paired differences (valid under common random numbers).
- :mod:`~model.analysis.diagnostics`: invariants and growing-queue detection.
- :mod:`~model.analysis.queueing`: M/M/c formulas (Erlang C) for the staffing
  screen and the tests.
- :mod:`~model.analysis.fitting`: calibration: distributions fitted to
  recorded approval times.

Other stages import the modules they need directly (they are listed in
``__all__``); importing this package loads none of them.
"""

__all__ = ["aggregate", "diagnostics", "fitting", "metrics", "outputs", "queueing", "targets"]
