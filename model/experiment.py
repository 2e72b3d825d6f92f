"""Experiments: scenarios × replications, mapped over any executor, in key order.

A replication is a pure function of (scenario, replication index, seed), so the
results are the same whichever executor runs them and in whatever order they
finish; they are sorted by key before anything is aggregated.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import pandas as pd

from model.aggregate import kpi_table, paired_differences
from model.metrics import (
    KEY_OUTPUTS,
    item_table,
    project_table,
    resource_table,
    pool_visits,
    summary_row,
)
from model.scenario import Scenario
from model.simulation import build_calendar, run_replication


@dataclass(frozen=True)
class ReplicationTables:
    """The tables of one replication (picklable, returned by workers)."""

    replication: int
    projects: pd.DataFrame
    items: pd.DataFrame
    resources: pd.DataFrame
    summary: dict[str, float]
    events: pd.DataFrame | None
    notes: tuple[str, ...]


def replicate(
    scenario: Scenario, replication: int, seed: int, keep_events: bool = True
) -> ReplicationTables:
    """Simulate one replication and derive its tables from the event log."""
    calendar = build_calendar(scenario)
    raw = run_replication(scenario, replication, seed, calendar)
    visits = pool_visits(raw.events)
    items = item_table(raw.events, scenario, calendar, visits)
    projects = project_table(raw.events, scenario, calendar, items)
    resources = resource_table(visits, scenario, calendar, raw.end_day)
    summary = summary_row(projects, items)
    summary["projects_open_at_end"] = float(raw.projects_open)
    summary["max_utilisation"] = float(resources["utilisation"].max())
    summary["events"] = float(len(raw.events))
    return ReplicationTables(
        replication=replication,
        projects=projects,
        items=items,
        resources=resources,
        summary=summary,
        events=raw.events if keep_events else None,
        notes=raw.notes,
    )


@dataclass(frozen=True)
class Results:
    """All replications of one scenario. Every table has a ``replication`` column."""

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


def _stack(parts: list[ReplicationTables], name: str) -> pd.DataFrame:
    frames = [
        getattr(p, name).assign(replication=p.replication)
        for p in parts
        if getattr(p, name) is not None
    ]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({"replication": pd.Series(dtype=int)})
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["replication", *[c for c in stacked.columns if c != "replication"]]]


def collect(scenario: Scenario, seed: int, parts: list[ReplicationTables]) -> Results:
    """Assemble per-replication tables (in replication order) into one ``Results``."""
    parts = sorted(parts, key=lambda p: p.replication)
    summary = pd.DataFrame(
        [{"replication": p.replication, **p.summary} for p in parts]
    )
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    return Results(
        scenario=scenario,
        projects=_stack(parts, "projects"),
        items=_stack(parts, "items"),
        resources=_stack(parts, "resources"),
        summary=summary,
        events=_stack(parts, "events"),
        notes=notes,
        provenance=provenance(scenario, seed, len(parts)),
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
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def make_executor(workers: int | None) -> cf.Executor | None:
    """A process pool of ``workers`` (all cores when None), or None to run inline."""
    if workers is None:
        workers = os.cpu_count() or 1
    if workers <= 1:
        return None
    # fork starts workers without re-importing the caller's __main__, so a notebook
    # or a script without a main guard works; spawn is the fallback elsewhere.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)


Progress = Callable[[int, int], None]


def run_many(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    workers: int | None = 1,
    keep_events: bool = True,
    progress: Progress | None = None,
) -> list[Results]:
    """Every scenario × every replication, on common random numbers."""
    keys = [(v, r) for v in range(len(scenarios)) for r in range(replications)]
    done: dict[tuple[int, int], ReplicationTables] = {}
    executor = make_executor(workers)
    if executor is None:
        for n, (v, r) in enumerate(keys, 1):
            done[(v, r)] = replicate(scenarios[v], r, seed, keep_events)
            if progress:
                progress(n, len(keys))
    else:
        with executor:
            futures = {
                executor.submit(replicate, scenarios[v], r, seed, keep_events): (v, r)
                for v, r in keys
            }
            for n, future in enumerate(cf.as_completed(futures), 1):
                done[futures[future]] = future.result()
                if progress:
                    progress(n, len(keys))
    return [
        collect(scenario, seed, [done[(v, r)] for r in range(replications)])
        for v, scenario in enumerate(scenarios)
    ]


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    keep_events: bool = True,
) -> Results:
    """Run one scenario; defaults come from its ``run`` settings."""
    replications = replications or scenario.run.replications
    seed = scenario.run.seed if seed is None else seed
    return run_many([scenario], replications, seed, workers, keep_events)[0]


@dataclass(frozen=True)
class Comparison:
    """Several scenarios on common random numbers; the first is the baseline."""

    results: list[Results]

    @property
    def names(self) -> list[str]:
        """Scenario names in the order given."""
        return [r.scenario.name for r in self.results]

    def kpis(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Each scenario's mean and 95 % CI per output (long format)."""
        return pd.concat(
            [r.kpis(outputs).assign(scenario=r.scenario.name) for r in self.results],
            ignore_index=True,
        )[["scenario", "output", "mean", "ci_low", "ci_high", "half_width", "n"]]

    def differences(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Each scenario minus the baseline, paired by replication, with 95 % CI."""
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
        return table[
            ["scenario", "baseline", "output", "difference", "ci_low", "ci_high", "n", "significant"]
        ]


def compare(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    keep_events: bool = False,
) -> Comparison:
    """Run scenarios on common random numbers (the first is the baseline)."""
    replications = replications or scenarios[0].run.replications
    seed = scenarios[0].run.seed if seed is None else seed
    return Comparison(run_many(scenarios, replications, seed, workers, keep_events))
