"""``validate``, ``run`` and ``compare``: check scenarios, simulate one, simulate several."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from model.cli.commands.common import (
    finish,
    open_output,
    print_notes,
    unique_names,
    warn_overload,
)
from model.cli.errors import USER_ERROR, user_error

if TYPE_CHECKING:
    from model.scenario.schema import Scenario


def validate(args: argparse.Namespace) -> int:
    """Load each scenario file; report every problem found, or a one-line summary."""
    from model.scenario.loader import load_scenario
    from model.scenario.problems import ScenarioError

    status = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            print(str(error), file=sys.stderr)
            status = USER_ERROR
            continue
        print(
            f"{path}: ok — {scenario.name}: {len(scenario.departments)} departments, "
            f"{len(scenario.items)} items, {len(scenario.project_types)} project types, "
            f"{scenario.approval_mode}"
            + (" + simulated approval" if scenario.simulated_approval else "")
        )
    return status


def run(args: argparse.Namespace) -> int:
    """Simulate one scenario; print its key outputs and pools; write tables to ``--out``."""
    from model.cli.commands.reporting import event_log_problem, write_event_log
    from model.cli.progress import progress_bar
    from model.cli.tables import kpi_text, pools_text
    from model.experiments.batch import identity
    from model.experiments.batch import run as run_scenario
    from model.outputs.folders import write_results
    from model.scenario.loader import load_scenario

    (path,) = args.files
    scenario = load_scenario(path)
    warn_overload([scenario])
    problem = event_log_problem(args, scenario)
    if problem:
        return user_error(problem)
    _, seed = scenario.run.resolve(None, args.seed)
    output = open_output(args, identity("run", [scenario], seed))
    with progress_bar(resumed=output.resumed if output else 0) as progress:
        results = run_scenario(
            scenario,
            args.replications,
            seed,
            workers=args.workers,
            keep_events=output is not None,
            keep_tables=False,
            scheduler=args.scheduler,
            progress=progress,
            checkpoint_dir=output.folder if output else None,
        )
    print(kpi_text(results))
    print(pools_text(results.resources))
    print_notes(results.notes)
    if output:
        write_results(results, output.folder, args.format, output.checkpoints)
        finish(output)
        if args.event_log:
            print(f"Event log written to {write_event_log(args, scenario, output.folder)}")
    return 0


def compare(args: argparse.Namespace) -> int:
    """Simulate scenarios on common random numbers; print them and their differences."""
    from model.cli.commands.reporting import write_compare_report
    from model.cli.progress import progress_bar
    from model.cli.tables import comparison_text, precision_text
    from model.experiments.batch import compare as compare_scenarios
    from model.experiments.batch import identity, unpaired_settings
    from model.outputs.folders import write_comparison
    from model.scenario.loader import load_scenario

    scenarios = [load_scenario(path) for path in args.files]
    refused = _not_comparable(args, scenarios)
    if refused:
        return user_error(refused)
    unpaired = unpaired_settings(scenarios)
    warn_overload(scenarios)
    _, seed = scenarios[0].run.resolve(None, args.seed)
    output = open_output(
        args,
        identity(
            "compare",
            scenarios,
            seed,
            precision=args.precision,
            max_replications=args.max_replications,
        ),
    )
    with progress_bar(resumed=output.resumed if output else 0) as progress:
        comparison = compare_scenarios(
            scenarios,
            args.replications,
            seed,
            workers=args.workers,
            keep_tables=False,
            precision=args.precision,
            max_replications=args.max_replications,
            scheduler=args.scheduler,
            progress=progress,
            checkpoint_dir=output.folder if output else None,
            allow_unpaired=bool(unpaired),
        )
    print(comparison_text(comparison))
    if unpaired:
        print(
            "warning: UNPAIRED: the differences above are not paired on common random "
            "numbers, and include the effect of the run settings that differ: "
            + "; ".join(unpaired)
        )
    if comparison.precision is not None:
        print(precision_text(comparison))
    print_notes(n for r in comparison.results for n in r.notes)
    if output:
        names = unique_names([p.stem for p in args.files])
        write_comparison(comparison, output.folder, args.format, names, output.checkpoints)
        finish(output)
        if args.report:
            by_name = dict(zip(names, scenarios, strict=True))
            print(f"Report written to {write_compare_report(args, output.folder, by_name)}")
    return 0


def _not_comparable(args: argparse.Namespace, scenarios: list[Scenario]) -> str | None:
    """Why ``compare`` refuses these scenarios (same names; run settings that differ), or None.

    Differing run settings are accepted with ``--allow-unpaired``; the output
    then says the differences are not paired.
    """
    from model.experiments.batch import duplicate_names, unpaired_settings

    files = [str(path) for path in args.files]
    for name, where in duplicate_names(scenarios):
        both = "both" if len(where) == 2 else "all"
        return (
            f"{' and '.join(files[k] for k in where)} are {both} named {name!r}; compare "
            "labels its columns and differences by scenario name, so give each file its own "
            "name: (or compare each file once)"
        )
    unpaired = unpaired_settings(scenarios)
    if unpaired and not getattr(args, "allow_unpaired", False):
        how = (
            "or pass --allow-unpaired to compare them with the differences marked unpaired"
            if hasattr(args, "allow_unpaired")
            else "so that project k is the same project in every scenario"
        )
        return (
            "the scenarios' run settings differ, so compare cannot pair them on common "
            "random numbers: " + "; ".join(unpaired) + f". Give every file the same run: "
            f"settings ({', '.join(files)}), {how}"
        )
    return None
