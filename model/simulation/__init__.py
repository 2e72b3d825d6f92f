"""The simulation stage: one replication of a county-year, as a SimPy model emitting facts.

Takes a validated :class:`~model.scenario.schema.Scenario` and produces an
event log; it computes no statistics (that is :mod:`model.analysis`).

- :mod:`~model.simulation.calendar`: the working-day clock (Chinese public
  holidays and make-up working days from ``chinesecalendar``).
- :mod:`~model.simulation.rng`: named, stable random streams from one
  ``SeedSequence`` (common random numbers across scenarios).
- :mod:`~model.simulation.draws`: every project's intrinsic durations and
  chances, drawn from its own streams.
- :mod:`~model.simulation.rules`: the scenario's mechanisms turned into the
  effective factors and routes the county runs by (the staffing screen reads
  the same rules).
- :mod:`~model.simulation.pools`: reviewer pools, resizable by date, optionally
  prioritised.
- :mod:`~model.simulation.eventlog`: the append-only log and its vocabulary of
  activities.
- :mod:`~model.simulation.county`: the county's processes, signing to
  production: where each mechanism acts.
- :mod:`~model.simulation.steady_state`: the warm start, a pilot's project
  histories and each replication's sampled projects in progress.
- :mod:`~model.simulation.replication`: :func:`run_replication`, one pure,
  picklable replication.

Other stages import the modules they need directly (they are listed in
``__all__``); importing this package loads none of them.
"""

__all__ = ["calendar", "draws", "eventlog", "replication", "rng", "rules", "steady_state"]
