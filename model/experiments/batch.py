"""Experiments: scenarios × replications, mapped over any executor, in key order.

A replication is a pure function of (scenario, replication index, seed), so the
results are the same whichever backend runs them (inline, a local process pool
or a Dask cluster, see :mod:`model.experiments.backends`) and in whatever order they
finish; they are sorted by key before anything is aggregated. With a
checkpoint folder each replication is saved as it arrives and read back
instead of recomputed by a later run (:mod:`model.experiments.checkpoints`).

Big runs need not keep every replication's tables: with ``keep_tables=False``
only the per-replication summary and pool table stay in memory (the full
tables, if wanted, are in the checkpoints and are written out one replication
at a time by :mod:`model.outputs.folders`), so memory does not grow with replications.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import pandas as pd

from model.analysis.aggregate import kpi_table, paired_differences, precision_table
from model.analysis.clocks import clock_intervals
from model.analysis.diagnostics import check_invariants, growing_queues
from model.analysis.metrics import (
    item_table,
    pool_visits,
    project_table,
    resource_table,
    summary_row,
)
from model.analysis.outputs import KEY_OUTPUTS
from model.experiments.backends import Execution, Progress, Task
from model.experiments.checkpoints import CheckpointStore, replication_key
from model.scenario.schema import Scenario
from model.simulation.replication import build_calendar, run_replication

__all__ = [
    "Comparison",
    "ReplicationTables",
    "Results",
    "collect",
    "compare",
    "provenance",
    "replicate",
    "run",
    "run_many",
    "run_summaries",
    "unpaired_settings",
]


@dataclass(frozen=True)
class ReplicationTables:
    """The tables of one replication (picklable, returned by workers).

    ``projects``, ``items`` and ``events`` are None in a *slim* replication,
    which keeps only what aggregates need (summary, pool table, notes).
    """

    replication: int
    projects: pd.DataFrame | None
    items: pd.DataFrame | None
    resources: pd.DataFrame
    summary: dict[str, float]
    events: pd.DataFrame | None
    notes: tuple[str, ...]

    def slim(self) -> ReplicationTables:
        """The same replication without its per-project tables and event log."""
        return replace(self, projects=None, items=None, events=None)


def replicate(
    scenario: Scenario,
    replication: int,
    seed: int,
    keep_events: bool = True,
    keep_tables: bool = True,
) -> ReplicationTables:
    """Simulate one replication and derive its tables from the event log.

    Args:
        scenario: The scenario.
        replication: Replication index (selects the random streams).
        seed: Root seed.
        keep_events: Return the event log too.
        keep_tables: Return the project and item tables (False: a slim result,
            cheaper to send back from a worker).

    """
    calendar = build_calendar(scenario)
    raw = run_replication(scenario, replication, seed, calendar)
    visits = pool_visits(raw.events)
    intervals = clock_intervals(raw.events, visits)
    items = item_table(raw.events, scenario, calendar, visits, intervals)
    projects = project_table(raw.events, scenario, calendar, items, intervals)
    resources = resource_table(visits, scenario, calendar, raw.end_day)
    summary = summary_row(projects, items)
    summary["projects_open_at_end"] = float(raw.projects_open)
    summary["max_utilisation"] = float(resources["utilisation"].max())
    summary["events"] = float(len(raw.events))
    busy = dict(zip(resources["resource"], resources["utilisation"].astype(float), strict=True))
    unstable = growing_queues(visits, scenario, raw.end_day, busy)
    summary["unstable_pools"] = float(len(unstable))
    if scenario.run.debug or os.environ.get("APPROVALSIM_CHECK_INVARIANTS"):
        check_invariants(raw.events, projects, items, resources, scenario, raw.projects_signed)
    tables = ReplicationTables(
        replication=replication,
        projects=projects,
        items=items,
        resources=resources,
        summary=summary,
        events=raw.events if keep_events else None,
        notes=raw.notes + tuple(unstable),
    )
    return tables if keep_tables else tables.slim()


@dataclass(frozen=True)
class Results:
    """All replications of one scenario. Every table has a ``replication`` column.

    ``projects``, ``items`` and ``events`` are empty when the run was made with
    ``keep_tables=False`` (or ``keep_events=False``); ``summary`` and
    ``resources`` are always there.
    """

    scenario: Scenario
    projects: pd.DataFrame
    items: pd.DataFrame
    resources: pd.DataFrame
    summary: pd.DataFrame
    events: pd.DataFrame
    notes: tuple[str, ...]
    provenance: dict[str, object] = field(default_factory=dict)

    def kpis(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Mean and 95 % confidence interval of each key output across replications."""
        return kpi_table(self.summary, outputs)


def stack(parts: Sequence[ReplicationTables], name: str) -> pd.DataFrame:
    """One table of all ``parts`` with a leading ``replication`` column."""
    present = [
        getattr(p, name).assign(replication=p.replication)
        for p in parts
        if getattr(p, name) is not None
    ]
    # Empty frames are left out of the concatenation (their all-NA columns would
    # change dtypes), but when every one is empty the columns are still kept.
    frames = [f for f in present if not f.empty] or present[:1]
    if not frames:
        return pd.DataFrame({"replication": pd.Series(dtype=int)})
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["replication", *[c for c in stacked.columns if c != "replication"]]]


def collect(
    scenario: Scenario,
    seed: int,
    parts: list[ReplicationTables],
    detail: str | None = None,
) -> Results:
    """Assemble per-replication tables (in replication order) into one ``Results``."""
    parts = sorted(parts, key=lambda p: p.replication)
    summary = pd.DataFrame([{"replication": p.replication, **p.summary} for p in parts])
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    info = provenance(scenario, seed, len(parts))
    if detail is not None:
        info["checkpoint_detail"] = detail
    return Results(
        scenario=scenario,
        projects=stack(parts, "projects"),
        items=stack(parts, "items"),
        resources=stack(parts, "resources"),
        summary=summary,
        events=stack(parts, "events"),
        notes=notes,
        provenance=info,
    )


def provenance(scenario: Scenario, seed: int, replications: int) -> dict[str, object]:
    """What a reader needs to reproduce a result."""
    try:
        version = metadata.version("approvalsim")
    except metadata.PackageNotFoundError:  # running from a source tree
        version = "unknown"
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "seed": seed,
        "replications": replications,
        "version": version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def checkpoint_detail(keep_tables: bool, keep_events: bool) -> str:
    """What a replication's result holds: ``summary``, ``tables`` or ``events``."""
    if keep_events:
        return "events"
    return "tables" if keep_tables else "summary"


class Replications:
    """Replications of several scenarios on common random numbers, added in batches.

    Holds each scenario's finished replications; :meth:`extend` adds the missing
    ones (reading checkpoints first, then computing the rest on ``execution``).

    Args:
        execution: The backend.
        scenarios: Scenarios, all run with the same seed and indices.
        seed: Root seed.
        keep_tables: Keep project and item tables (and event logs, if computed)
            in memory; False keeps only summaries and pool tables.
        keep_events: Compute (and checkpoint) the event logs too.
        checkpoints: Where to save and look up finished replications.
        checkpoint_tables: Save full tables in the checkpoints even when they
            are not kept in memory (so :mod:`model.outputs.folders` can stream them out).

    """

    def __init__(
        self,
        execution: Execution,
        scenarios: Sequence[Scenario],
        seed: int,
        *,
        keep_tables: bool = True,
        keep_events: bool = False,
        checkpoints: CheckpointStore | None = None,
        checkpoint_tables: bool = False,
    ) -> None:
        self.execution = execution
        self.scenarios = list(scenarios)
        self.seed = seed
        self.keep_tables = keep_tables
        self.keep_events = keep_events
        self.checkpoints = checkpoints
        self.checkpoint_tables = checkpoint_tables
        computed_tables = (
            keep_tables or keep_events or (checkpoints is not None and checkpoint_tables)
        )
        self.detail = checkpoint_detail(computed_tables, keep_events)
        self._computed_tables = computed_tables
        self.hashes = [s.content_hash() for s in self.scenarios]
        self.parts: list[dict[int, ReplicationTables]] = [{} for _ in self.scenarios]

    def with_scenarios(self, scenarios: Sequence[Scenario]) -> Replications:
        """An empty batch of other scenarios on the same backend, seed and settings."""
        return Replications(
            self.execution,
            scenarios,
            self.seed,
            keep_tables=self.keep_tables,
            keep_events=self.keep_events,
            checkpoints=self.checkpoints,
            checkpoint_tables=self.checkpoint_tables,
        )

    def _key(self, variant: int, replication: int) -> str:
        return replication_key(self.hashes[variant], self.seed, replication, self.detail)

    def _keep(self, variant: int, tables: ReplicationTables) -> None:
        self.parts[variant][tables.replication] = tables if self.keep_tables else tables.slim()

    def extend(self, replications: int) -> None:
        """Make sure replications ``0 .. replications-1`` of every scenario exist."""
        missing = [
            (v, r)
            for v in range(len(self.scenarios))
            for r in range(replications)
            if r not in self.parts[v]
        ]
        self.execution.plan(len(missing))
        tasks = []
        for v, r in missing:
            cached = (
                self.checkpoints.load(self._key(v, r), ReplicationTables)
                if self.checkpoints
                else None
            )
            if isinstance(cached, ReplicationTables) and cached.replication == r:
                self._keep(v, cached)
                self.execution.advance()
                continue
            tasks.append(
                Task(
                    (v, r),
                    replicate,
                    (self.scenarios[v], r, self.seed, self.keep_events, self._computed_tables),
                )
            )
        self.execution.map(tasks, self._on_result)

    def _on_result(self, key: Hashable, tables: ReplicationTables) -> None:
        variant, replication = cast(tuple[int, int], key)
        if self.checkpoints is not None:
            self.checkpoints.save(self._key(variant, replication), tables)
        self._keep(variant, tables)

    def count(self) -> int:
        """Replications every scenario has."""
        return min((len(p) for p in self.parts), default=0)

    def results(self, replications: int | None = None) -> list[Results]:
        """Each scenario's ``Results`` over its first ``replications`` replications."""
        n = self.count() if replications is None else replications
        return [
            collect(scenario, self.seed, [self.parts[v][r] for r in range(n)], self.detail)
            for v, scenario in enumerate(self.scenarios)
        ]

    def summaries(self) -> list[pd.DataFrame]:
        """Each scenario's per-replication summary (cheap; for stopping rules)."""
        return [
            pd.DataFrame(
                [{"replication": r, **self.parts[v][r].summary} for r in sorted(self.parts[v])]
            )
            for v in range(len(self.scenarios))
        ]


def _store(checkpoint_dir: str | Path | None) -> CheckpointStore | None:
    if checkpoint_dir is None:
        return None
    store = CheckpointStore(checkpoint_dir)
    store.open()
    return store


def run_many(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    workers: int | None = 1,
    keep_events: bool = True,
    progress: Progress | None = None,
    *,
    keep_tables: bool = True,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    checkpoint_tables: bool = True,
) -> list[Results]:
    """Every scenario × every replication, on common random numbers.

    Args:
        scenarios: The scenarios.
        replications: Replications of each.
        seed: Root seed shared by all (common random numbers).
        workers: Local processes (None: all cores; 1: inline).
        keep_events: Keep the event logs.
        progress: ``progress(done, total)`` after each replication.
        keep_tables: Keep project and item tables (False: summaries only).
        scheduler: Dask scheduler address; replaces the local pool.
        checkpoint_dir: Save each replication there as it finishes, and reuse
            the ones already saved.
        checkpoint_tables: Checkpoint full tables even when not kept in memory
            (so a results folder can stream them out later).

    """
    with open_batch(
        scenarios,
        seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        checkpoint_dir=checkpoint_dir,
        keep_tables=keep_tables,
        keep_events=keep_events,
        checkpoint_tables=checkpoint_tables,
    ) as batch:
        batch.extend(replications)
        return batch.results()


@contextmanager
def open_batch(
    scenarios: Sequence[Scenario],
    seed: int,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    checkpoint_dir: str | Path | None = None,
    keep_tables: bool = False,
    keep_events: bool = False,
    checkpoint_tables: bool = True,
) -> Iterator[Replications]:
    """An open backend and an empty batch of replications, checkpointed if asked.

    Every experiment (run, compare, sweep, staffing plan, sensitivity,
    attribution) simulates through this one function: open the batch, then
    :meth:`Replications.extend` it, as often as the experiment's stopping rule
    needs, on one backend.

    Args:
        scenarios: The scenarios (common random numbers across them).
        seed: Root seed.
        workers: Local processes (None: all cores; 1: inline).
        scheduler: Dask scheduler address; replaces the local pool.
        progress: ``progress(done, total)`` after each replication.
        checkpoint_dir: Save each replication there as it finishes, and reuse
            the ones already saved.
        keep_tables: Keep project and item tables in memory.
        keep_events: Compute (and keep) the event logs too.
        checkpoint_tables: Checkpoint full tables even when not kept in memory.

    """
    checkpoints = _store(checkpoint_dir)
    where = str(checkpoints.path) if checkpoints is not None else None
    with Execution(workers, scheduler, progress, checkpoint_dir=where) as execution:
        yield Replications(
            execution,
            scenarios,
            seed,
            keep_tables=keep_tables,
            keep_events=keep_events,
            checkpoints=checkpoints,
            checkpoint_tables=checkpoint_tables,
        )


def run_summaries(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    workers: int | None = 1,
    *,
    scheduler: str | None = None,
    progress: Progress | None = None,
    checkpoint_dir: str | Path | None = None,
) -> list[pd.DataFrame]:
    """Each scenario's per-replication summary, on common random numbers.

    For experiments that need only the key outputs (attribution, screening):
    no per-project tables are kept or sent back from workers.
    """
    with open_batch(
        scenarios,
        seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        checkpoint_dir=checkpoint_dir,
        checkpoint_tables=False,
    ) as batch:
        batch.extend(replications)
        return batch.summaries()


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    keep_events: bool = True,
    *,
    keep_tables: bool = True,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run one scenario; defaults come from its ``run`` settings.

    Example::

        results = model.run(model.load_scenario("scenarios/parallel.yaml"), replications=10)
        results.kpis()

    See :func:`run_many` for the arguments.
    """
    replications, seed = scenario.run.resolve(replications, seed)
    return run_many(
        [scenario],
        replications,
        seed,
        workers,
        keep_events,
        progress,
        keep_tables=keep_tables,
        scheduler=scheduler,
        checkpoint_dir=checkpoint_dir,
    )[0]


#: Run settings that must be equal for a comparison to be paired on common random
#: numbers: with another start date project k meets another calendar, with another
#: horizon or warm-up other projects are signed or measured, and the drain decides
#: when the run (and the pools' measurement) ends. ``replications`` and ``seed``
#: are not among them: compare takes both from the first scenario for all.
PAIRING_SETTINGS = ("start_date", "horizon_days", "warmup_days", "drain", "drain_limit_days")


def duplicate_names(scenarios: Sequence[Scenario]) -> list[tuple[str, list[int]]]:
    """``(name, positions)`` of every scenario name given more than once (0-based)."""
    positions: dict[str, list[int]] = {}
    for index, scenario in enumerate(scenarios):
        positions.setdefault(scenario.name, []).append(index)
    return [(name, where) for name, where in positions.items() if len(where) > 1]


def unpaired_settings(scenarios: Sequence[Scenario]) -> list[str]:
    """The run settings (of :data:`PAIRING_SETTINGS`) in which a scenario differs from the first.

    Returns:
        One text per differing setting, e.g. ``run.horizon_days: 1460 in
        'baseline' but 365 in 'short'``; empty when the comparison is paired.

    """
    if not scenarios:
        return []
    first = scenarios[0]
    found = []
    for setting in PAIRING_SETTINGS:
        base = getattr(first.run, setting)
        others = [s for s in scenarios[1:] if getattr(s.run, setting) != base]
        if others:
            values = ", ".join(f"{getattr(s.run, setting)} in {s.name!r}" for s in others)
            found.append(f"run.{setting}: {base} in {first.name!r} but {values}")
    return found


def _duplicate_message(name: str, where: Sequence[int]) -> str:
    return (
        f"scenarios {' and '.join(str(k + 1) for k in where)} are both named {name!r}; "
        "a comparison labels its columns and differences by name, so give each "
        "scenario its own name (name: in its file, or with_overrides({'name': ...}))"
    )


def refuse_duplicate_names(scenarios: Sequence[Scenario]) -> None:
    """Refuse two scenarios of the same name in one comparison.

    Raises:
        ValueError: Two scenarios have the same name: their columns and
            differences would be indistinguishable ("parallel − parallel").

    """
    for name, where in duplicate_names(scenarios):
        raise ValueError(_duplicate_message(name, where))


def check_paired(scenarios: Sequence[Scenario], allow_unpaired: bool = False) -> list[str]:
    """Refuse scenarios whose run settings differ, unless told to compare them unpaired.

    Args:
        scenarios: The scenarios, the baseline first.
        allow_unpaired: Accept differing run settings (the comparison is then
            marked unpaired) instead of refusing them.

    Returns:
        The differing run settings (empty: paired).

    Raises:
        ValueError: The run settings differ and ``allow_unpaired`` is false.

    """
    unpaired = unpaired_settings(scenarios)
    if unpaired and not allow_unpaired:
        raise ValueError(
            "the scenarios' run settings differ, so their differences would not be paired "
            "on common random numbers: " + "; ".join(unpaired) + ". Give them the same run "
            "settings, or pass allow_unpaired=True to compare them with the differences "
            "marked unpaired"
        )
    return unpaired


@dataclass(frozen=True)
class Comparison:
    """Several scenarios on common random numbers; the first is the baseline.

    Attributes:
        results: Each scenario's results, in the order given.
        precision: With a precision target, one row per scenario and output:
            relative half-width reached, and whether it met the target.
        capped: Whether the precision search stopped at its cap first.
        unpaired: The run settings that differ (``compare(..., allow_unpaired=True)``);
            when not empty, the differences are not paired on common random
            numbers and include the effect of those settings.

    """

    results: list[Results]
    precision: pd.DataFrame | None = None
    capped: bool = False
    unpaired: tuple[str, ...] = ()

    @property
    def paired(self) -> bool:
        """Whether the differences are paired (every run setting the same)."""
        return not self.unpaired

    @property
    def names(self) -> list[str]:
        """Scenario names in the order given."""
        return [r.scenario.name for r in self.results]

    @property
    def replications(self) -> int:
        """Replications of each scenario."""
        return len(self.results[0].summary) if self.results else 0

    def kpis(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Each scenario's mean and 95 % CI per output (long format)."""
        return pd.concat(
            [r.kpis(outputs).assign(scenario=r.scenario.name) for r in self.results],
            ignore_index=True,
        )[["scenario", "output", "mean", "ci_low", "ci_high", "half_width", "n"]]

    def differences(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Each scenario minus the baseline, paired by replication, with 95 % CI.

        The ``paired`` column is false when the run settings differ
        (:attr:`unpaired`): the interval is still that of the replication-wise
        differences, but the replications no longer share their projects, and the
        difference includes the effect of the differing settings.
        """
        base = self.results[0].summary
        frames = [
            paired_differences(base, r.summary, outputs).assign(
                scenario=r.scenario.name, baseline=self.results[0].scenario.name
            )
            for r in self.results[1:]
        ]
        if not frames:
            return pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        table["paired"] = self.paired
        return table[
            [
                "scenario",
                "baseline",
                "output",
                "difference",
                "ci_low",
                "ci_high",
                "n",
                "significant",
                "paired",
            ]
        ]


#: Fewest replications the precision search starts from (an interval needs 2,
#: and a half-width from 2 is too noisy to extrapolate from).
MIN_PRECISION_REPLICATIONS = 3


def next_replications(relative_half_width: float, precision: float, n: int, cap: int) -> int:
    """Replications to try next when the worst relative half-width is too wide.

    The half-width shrinks like 1/sqrt(n), so n (h/P)^2 replications should
    reach it; growth is capped at doubling because a half-width from few
    replications is itself noisy. Depends only on the results, never on the
    number of workers, so the stopping point is the same on any backend.
    """
    if not math.isfinite(relative_half_width):
        wanted = 2 * n
    else:
        wanted = math.ceil(n * (relative_half_width / precision) ** 2)
    return min(cap, max(n + 1, min(wanted, 2 * n)))


def compare(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    keep_events: bool = False,
    *,
    precision: float | None = None,
    max_replications: int = 200,
    outputs: Sequence[str] = KEY_OUTPUTS,
    keep_tables: bool = True,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Progress | None = None,
    allow_unpaired: bool = False,
) -> Comparison:
    """Run scenarios on common random numbers (the first is the baseline).

    With ``precision`` (e.g. 0.05) the number of replications is chosen by the
    replications algorithm: start from ``replications`` (default: the first
    scenario's, at least 3) and add replications until, for every scenario and
    every output in ``outputs``, the 95 % half-width is at most ``precision``
    times the absolute mean, or ``max_replications`` is reached
    (``Comparison.capped``). Outputs without a value (NaN) and outputs that
    never vary (half-width 0) are met trivially.

    Example::

        base, reform = (model.load_scenario(p) for p in ("scenarios/baseline-serial.yaml",
                                                         "scenarios/parallel.yaml"))
        c = model.compare([base, reform], precision=0.05, workers=None)
        c.differences()

    Args:
        scenarios: The scenarios; the first is the baseline.
        replications: Replications (a start value with ``precision``).
        seed: Root seed (default: the first scenario's).
        workers: Local processes (None: all cores; 1: inline).
        keep_events: Keep the event logs.
        precision: Relative half-width target, or None for a fixed count.
        max_replications: Cap of the precision search.
        outputs: Outputs the precision target applies to.
        keep_tables: Keep project and item tables (False: summaries only).
        scheduler: Dask scheduler address; replaces the local pool.
        checkpoint_dir: Save/reuse finished replications there.
        progress: ``progress(done, total)`` after each replication.
        allow_unpaired: Compare scenarios whose run settings differ
            (:data:`PAIRING_SETTINGS`) instead of refusing them; the result's
            ``unpaired`` names the settings and ``differences()`` marks them.

    Raises:
        ValueError: No scenarios, or run settings that differ without
            ``allow_unpaired``; nothing has run.

    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    refuse_duplicate_names(scenarios)
    unpaired = tuple(check_paired(scenarios, allow_unpaired))
    replications, seed = scenarios[0].run.resolve(replications, seed)
    with open_batch(
        scenarios,
        seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        checkpoint_dir=checkpoint_dir,
        keep_tables=keep_tables,
        keep_events=keep_events,
    ) as batch:
        if precision is None:
            batch.extend(replications)
            return Comparison(batch.results(), unpaired=unpaired)
        if precision <= 0:
            raise ValueError("precision must be positive, e.g. 0.05 for 5 %")
        cap = max(max_replications, MIN_PRECISION_REPLICATIONS)
        n = min(cap, max(replications, MIN_PRECISION_REPLICATIONS))
        while True:
            batch.extend(n)
            table = precision_table(
                batch.summaries(), [s.name for s in scenarios], outputs, precision
            )
            unmet = table[~table["met"]]
            if unmet.empty or n >= cap:
                return Comparison(
                    batch.results(n), precision=table, capped=not unmet.empty, unpaired=unpaired
                )
            n = next_replications(float(unmet["relative_half_width"].max()), precision, n, cap)


def identity(
    command: str, scenarios: Sequence[Scenario], seed: int, **extra: Any
) -> dict[str, Any]:
    """What makes two runs the same run, for resuming from a results folder."""
    return {
        "command": command,
        "scenarios": [s.content_hash() for s in scenarios],
        "seed": seed,
        **extra,
    }
