"""Sweeps: a grid of overrides on one base scenario, every variant on common random numbers.

Each variant is the base with one combination of the axes' values applied
(:func:`model.scenario.overrides.apply_overrides`: re-validated, typo-proof), with its
own ``variant_id``. All variants use the same seed and replication indices, so
differences between variants are paired, as in :func:`model.experiments.batch.compare`.

The result is one tidy table, a row per variant and replication, with the
overrides as columns next to the per-replication outputs, ready for
``groupby`` or a plot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from model.analysis.aggregate import kpi_table
from model.analysis.outputs import KEY_OUTPUTS
from model.experiments.backends import Progress
from model.experiments.batch import run_many
from model.scenario.overrides import apply_overrides, grid, label
from model.scenario.schema import Scenario


@dataclass(frozen=True)
class SweepResult:
    """The outcome of a sweep.

    Attributes:
        base: The base scenario.
        variants: One row per variant: ``variant_id``, ``label`` and one column
            per swept path.
        table: One row per variant and replication: ``variant_id``, the swept
            paths, ``replication`` and every per-replication output.
        resources: One row per variant, replication and pool (utilisation, waits).
        scenarios: The validated variant scenarios, by ``variant_id``.

    """

    base: Scenario
    variants: pd.DataFrame
    table: pd.DataFrame
    resources: pd.DataFrame
    scenarios: tuple[Scenario, ...]

    @property
    def paths(self) -> list[str]:
        """The swept paths, in the order given."""
        return [c for c in self.variants.columns if c not in ("variant_id", "label")]

    def kpis(self, outputs: Sequence[str] = KEY_OUTPUTS) -> pd.DataFrame:
        """Per variant and output: mean and 95 % CI across replications."""
        frames = []
        for row in self.variants.itertuples(index=False):
            variant = row.variant_id
            part = self.table[self.table["variant_id"] == variant]
            kpis = kpi_table(part, outputs)
            for path in self.paths:
                kpis.insert(0, path, self.variants.loc[variant, path])
            kpis.insert(0, "variant_id", variant)
            frames.append(kpis)
        return pd.concat(frames, ignore_index=True)


def build_variants(
    base: Scenario, axes: Mapping[str, Sequence[Any]], origin: str = "--set"
) -> tuple[pd.DataFrame, list[Scenario]]:
    """Validate every combination before anything runs.

    Raises:
        ScenarioError: A path or a value is wrong (the first failing variant).

    """
    combos = grid(axes)
    scenarios = [apply_overrides(base, combo, origin) for combo in combos]
    variants = pd.DataFrame(combos, columns=list(axes))
    variants.insert(0, "label", [label(c) for c in combos])
    variants.insert(0, "variant_id", range(len(combos)))
    return variants, scenarios


def sweep(
    base: Scenario,
    axes: Mapping[str, Sequence[Any]],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every combination of ``axes`` on common random numbers.

    Example::

        result = model.experiments.sweep(base, {"departments.发改局.staff": [5, 6, 7],
                                    "mechanisms.agents.count": [0, 2, 4]}, replications=5)
        result.kpis().query("output == 'signing_to_start_days'")

    Args:
        base: Scenario the overrides apply to.
        axes: Dotted path → values; the grid is their product.
        replications: Per variant (default: the base scenario's).
        seed: Root seed (default: the base scenario's).
        workers: Local processes (None: all cores; 1: inline).
        scheduler: Dask scheduler address; replaces the local pool.
        checkpoint_dir: Save/reuse finished replications there.
        progress: ``progress(done, total)`` after each replication.

    Raises:
        ScenarioError: A path or value is wrong; nothing has run yet.

    """
    if not axes:
        raise ValueError("a sweep needs at least one axis (PATH=VALUES)")
    variants, scenarios = build_variants(base, axes)
    replications, seed = base.run.resolve(replications, seed)
    results = run_many(
        scenarios,
        replications,
        seed,
        workers,
        keep_events=False,
        progress=progress,
        keep_tables=False,
        scheduler=scheduler,
        checkpoint_dir=checkpoint_dir,
        checkpoint_tables=False,
    )
    rows, pools = [], []
    for variant, result in zip(variants.itertuples(index=False), results, strict=True):
        overrides = {p: variants.loc[variant.variant_id, p] for p in axes}
        frame = result.summary.assign(variant_id=variant.variant_id)
        for path, value in overrides.items():
            frame[path] = [value] * len(frame)  # a list or dict value fills every row as is
        rows.append(frame)
        pools.append(result.resources.assign(variant_id=variant.variant_id))
    table = pd.concat(rows, ignore_index=True)
    leading = ["variant_id", *axes, "replication"]
    table = table[[*leading, *[c for c in table.columns if c not in leading]]]
    resources = pd.concat(pools, ignore_index=True)
    resources = resources[["variant_id", *[c for c in resources.columns if c != "variant_id"]]]
    return SweepResult(base, variants, table, resources, tuple(scenarios))
