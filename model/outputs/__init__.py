"""The outputs stage: results on disk and in figures.

- :mod:`~model.outputs.folders`: results folders, written and read back in one
  place (tables as CSV or Parquet, the scenario, a manifest).
- :mod:`~model.outputs.event_logs`: the event log exported for process mining
  (CSV, XES).
- :mod:`~model.outputs.fonts`: the bundled Chinese font for figures and pages.
- :mod:`~model.outputs.plots`: figure functions ``(tables, ax=None) -> Axes``.

Other stages import the modules they need directly (they are listed in
``__all__``); importing this package loads none of them (matplotlib is loaded
by :mod:`~model.outputs.plots` only).
"""

__all__ = ["event_logs", "folders", "fonts", "plots"]
