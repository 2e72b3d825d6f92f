"""The experiments stage: many replications of many scenarios, on any backend.

- :mod:`~model.experiments.backends`: inline, a local process pool or a Dask
  cluster; tasks retried when a worker dies.
- :mod:`~model.experiments.checkpoints`: each finished replication saved at
  once, so an interrupted run resumes.
- :mod:`~model.experiments.batch`: :func:`~model.experiments.batch.open_batch`
  (the one way every experiment simulates), ``run``, ``compare`` with a
  precision target, and the ``Results`` and ``Comparison`` they return.
- :mod:`~model.experiments.sweep`: a grid of overrides.
- :mod:`~model.experiments.staffing`: the Erlang-C screen and the staffing
  plan search.
- :mod:`~model.experiments.sensitivity`: Morris screening (SALib).
- :mod:`~model.experiments.attribution`: Shapley attribution of a reform's
  effect to its mechanisms.

Other stages import the modules they need directly (they are listed in
``__all__``); importing this package loads none of them.
"""

__all__ = [
    "attribution",
    "backends",
    "batch",
    "checkpoints",
    "sensitivity",
    "staffing",
    "sweep",
]
