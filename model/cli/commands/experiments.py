"""``sweep``, ``sensitivity`` and ``attribute``: experiments at scale.

A ``ValueError`` from the experiment (a bad target, range or output name) is a
user error: one line and status 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from model.cli.commands.common import finish, open_output, warn_overload
from model.cli.errors import value_errors_are_user_errors

if TYPE_CHECKING:
    import pandas as pd


@value_errors_are_user_errors
def sweep(args: argparse.Namespace) -> int:
    """Run a grid of overrides on one scenario; one row per variant."""
    from model.cli.progress import progress_bar
    from model.cli.tables import sweep_text
    from model.experiments.batch import identity
    from model.experiments.overload import sweep_variants
    from model.experiments.sweep import sweep as run_sweep
    from model.outputs.folders import write_table
    from model.scenario.loader import load_scenario

    base = load_scenario(args.file)
    axes = dict(args.axes)
    warn_overload(*sweep_variants(base, axes))
    _, seed = base.run.resolve(None, args.seed)
    output = open_output(
        args, identity("sweep", [base], seed, axes={k: list(map(str, v)) for k, v in axes.items()})
    )
    with progress_bar(resumed=output.resumed if output else 0) as progress:
        result = run_sweep(
            base,
            axes,
            args.replications,
            seed,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=progress,
            checkpoint_dir=output.folder if output else None,
        )
    kpis = result.kpis()
    print(sweep_text(result, kpis))
    _note_unstable(result.table, result.variants)
    if output:
        write_table(result.table, output.folder / "sweep", args.format)
        write_table(kpis, output.folder / "sweep_kpis", args.format)
        write_table(result.resources, output.folder / "sweep_resources", args.format)
        finish(output)
    return 0


@value_errors_are_user_errors
def sensitivity(args: argparse.Namespace) -> int:
    """Morris screening: rank the parameters by how much they move each output."""
    from model.cli.progress import progress_bar
    from model.cli.tables import screening_text
    from model.experiments.batch import identity
    from model.experiments.overload import sensitivity_variants
    from model.experiments.sensitivity import sensitivity as screen
    from model.outputs.folders import write_table
    from model.scenario.loader import load_scenario

    base = load_scenario(args.file)
    params = dict(args.params)
    warn_overload(*sensitivity_variants(base, params))
    outputs = args.outputs or ["signing_to_start_days"]
    _, seed = base.run.resolve(None, args.seed)
    output = open_output(
        args,
        identity(
            "sensitivity",
            [base],
            seed,
            params={k: list(v) for k, v in params.items()},
            trajectories=args.trajectories,
            levels=args.levels,
        ),
    )
    with progress_bar(resumed=output.resumed if output else 0) as progress:
        result = screen(
            base,
            params,
            outputs,
            args.trajectories,
            args.levels,
            args.replications,
            seed,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=progress,
            checkpoint_dir=output.folder if output else None,
        )
    print(screening_text(result, args.trajectories))
    if output:
        write_table(result.ranking, output.folder / "sensitivity", args.format)
        write_table(result.samples, output.folder / "sensitivity_samples", args.format)
        finish(output)
    return 0


@value_errors_are_user_errors
def attribute(args: argparse.Namespace) -> int:
    """Split a reform's effect among the mechanisms that differ (Shapley values)."""
    from model.cli.progress import progress_bar
    from model.cli.tables import attribution_text
    from model.experiments.attribution import attribute as shapley
    from model.experiments.batch import identity
    from model.experiments.overload import attribution_variants
    from model.outputs.folders import write_table
    from model.scenario.loader import load_scenario

    base, reformed = load_scenario(args.base), load_scenario(args.reformed)
    warn_overload(*attribution_variants(base, reformed))
    outputs = args.outputs or ["signing_to_start_days", "signing_to_production_days", "trips"]
    _, seed = base.run.resolve(None, args.seed)
    output = open_output(args, identity("attribute", [base, reformed], seed, outputs=outputs))
    with progress_bar(resumed=output.resumed if output else 0) as progress:
        result = shapley(
            base,
            reformed,
            outputs,
            args.replications,
            seed,
            workers=args.workers,
            permutations=args.permutations,
            scheduler=args.scheduler,
            progress=progress,
            checkpoint_dir=output.folder if output else None,
        )
    print(attribution_text(result, base.name, reformed.name, outputs, args.permutations))
    if output:
        write_table(result.table, output.folder / "attribution", args.format)
        write_table(result.total, output.folder / "attribution_total", args.format)
        write_table(result.factors, output.folder / "attribution_factors", args.format)
        finish(output)
    return 0


def _note_unstable(table: pd.DataFrame, variants: pd.DataFrame) -> None:
    """Say which variants had a pool whose queue grew or never cleared while running."""
    for variant in variants.itertuples(index=False):
        rows = table[table["variant_id"] == variant.variant_id]
        hit = int((rows["unstable_pools"] > 0).sum())
        if hit:
            print(
                f"note: unstable: variant {variant.variant_id} ({variant.label}): a queue grew "
                f"or never cleared in {hit} of {len(rows)} replication(s) (unstable_pools "
                f"up to {int(rows['unstable_pools'].max())}); its means describe a backlog, "
                "not a steady state"
            )
