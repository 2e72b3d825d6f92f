"""The ``approvalsim`` command line: parses arguments, calls the API, prints tables.

User errors (a bad scenario file, an existing output folder, bad arguments)
exit with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from model.analysis.metrics import bottlenecks
from model.analysis.outputs import KEY_OUTPUTS
from model.cli.progress import progress_bar
from model.experiments.attribution import attribute
from model.experiments.backends import RunInterrupted, WorkerCrashError
from model.experiments.batch import Comparison, Results, compare, identity, run
from model.experiments.sensitivity import parse_range, sensitivity
from model.experiments.staffing import plan_staff
from model.experiments.sweep import sweep
from model.outputs.folders import (
    Output,
    OutputExistsError,
    finish_output,
    prepare_output,
    write_comparison,
    write_results,
    write_table,
)
from model.scenario.loader import ScenarioError, load_scenario
from model.scenario.overrides import parse_assignment
from model.scenario.schema import Scenario

USER_ERROR = 2

#: How key outputs are labelled on the terminal.
LABELS = {
    "signing_to_first_application_days": "signing → first application (days)",
    "signing_to_land_days": "signing → land (days)",
    "land_to_start_days": "land → construction start (days)",
    "signing_to_start_days": "signing → construction start (days)",
    "signing_to_start_p90_days": "signing → start, 90th pct (days)",
    "completion_to_production_days": "completion → production (days)",
    "signing_to_production_days": "signing → production (days)",
    "signing_to_production_wd": "signing → production (working days)",
    "trips": "trips per project",
    "share_at_most_one_trip": "share with at most one trip (最多跑一次)",
    "share_zero_trips": "share with zero trips",
    "rework_rounds": "rework rounds per project",
    "share_items_within_limit": "share of items within limit",
    "mean_item_days": "mean item time, queue to decision (days)",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (ScenarioError, OutputExistsError) as error:
        print(f"approvalsim: {error}", file=sys.stderr)
        return USER_ERROR
    except RunInterrupted as stop:
        print(_interrupted_text(stop), file=sys.stderr)
        return 130
    except WorkerCrashError as error:
        print(f"approvalsim: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("approvalsim: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="approvalsim",
        description="Simulate a county's investment-project approvals from scenario files.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check scenario files and report errors")
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=_validate)

    for name, handler, help_text in (
        ("run", _run, "simulate one scenario and print its key outputs"),
        ("compare", _compare, "simulate scenarios on common random numbers; first is baseline"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("files", nargs="+" if name == "compare" else 1, type=Path)
        sub.add_argument(
            "--replications",
            "-n",
            type=_positive_int,
            help="replications (default: the scenario's)",
        )
        sub.add_argument(
            "--seed", type=_non_negative_int, help="root seed (default: the scenario's)"
        )
        sub.add_argument(
            "--out",
            type=Path,
            help="folder to write the result tables to; each finished replication is saved "
            "there at once, so the same command run again after an interruption resumes",
        )
        sub.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format")
        sub.add_argument(
            "--workers", type=_positive_int, default=None, help="processes (default: all cores)"
        )
        sub.add_argument("--force", action="store_true", help="overwrite an existing --out folder")
        sub.add_argument(
            "--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
        )
        if name == "compare":
            sub.add_argument(
                "--precision",
                type=_fraction,
                metavar="P",
                help="add replications until every key output's 95 %% half-width is "
                "within P x |mean| (e.g. 0.05); -n is then the start",
            )
            sub.add_argument(
                "--max-replications",
                type=_positive_int,
                default=200,
                help="cap for --precision (default 200)",
            )
            _add_report_option(sub)
        if name == "run":
            _add_event_log_options(sub)
        sub.set_defaults(handler=handler)
    _add_experiment_commands(commands)
    _add_report_commands(commands)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _validate(args: argparse.Namespace) -> int:
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


def _load_all(paths: Sequence[Path]) -> list[Scenario]:
    return [load_scenario(path) for path in paths]


def _warn_overload(scenarios: Sequence[Scenario]) -> None:
    """Say before running which departments cannot keep up (from the scenario's numbers)."""
    from model.experiments.staffing import overloaded_departments

    for scenario in scenarios:
        for message in overloaded_departments(scenario):
            print(f"warning: {scenario.name}: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    (scenario,) = _load_all(args.files)
    _warn_overload([scenario])
    problem = _event_log_problem(args, scenario)
    if problem:
        print(f"approvalsim: {problem}", file=sys.stderr)
        return USER_ERROR
    _, seed = scenario.run.resolve(None, args.seed)
    output = _open_output(args, identity("run", [scenario], seed))
    with progress_bar() as progress:
        results = run(
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
    print(_kpi_text(results))
    print(_pools_text(results.resources))
    _print_notes(results.notes)
    if output:
        write_results(results, output.folder, args.format, output.checkpoints)
        finish_output(output)
        print(f"\nTables written to {output.folder}")
        if args.event_log:
            print(f"Event log written to {_write_event_log(args, scenario, output.folder)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    scenarios = _load_all(args.files)
    _warn_overload(scenarios)
    _, seed = scenarios[0].run.resolve(None, args.seed)
    output = _open_output(
        args,
        identity(
            "compare",
            scenarios,
            seed,
            precision=args.precision,
            max_replications=args.max_replications,
        ),
    )
    with progress_bar() as progress:
        comparison = compare(
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
        )
    print(_comparison_text(comparison))
    if comparison.precision is not None:
        print(_precision_text(comparison))
    _print_notes(tuple(n for r in comparison.results for n in r.notes))
    if output:
        names = _unique_names([p.stem for p in args.files])
        write_comparison(comparison, output.folder, args.format, names, output.checkpoints)
        finish_output(output)
        print(f"\nTables written to {output.folder}")
        if args.report:
            scenarios_by_name = dict(zip(names, scenarios, strict=True))
            print(
                f"Report written to {_write_compare_report(args, output.folder, scenarios_by_name)}"
            )
    return 0


def _unique_names(stems: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for stem in stems:
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return out


def _print_notes(notes: Sequence[str]) -> None:
    for note in dict.fromkeys(notes):
        print(f"note: {note}")


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def _interval(mean: float, low: float, high: float) -> str:
    if not math.isfinite(low):
        return _number(mean)
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def _pools_text(resources: pd.DataFrame) -> str:
    """Utilisation and waits of every pool, and the bottleneck if there is one."""
    by = resources.groupby("resource", sort=False)
    table = by[["utilisation", "mean_wait_days", "mean_queue"]].mean()
    rows = [
        [str(name), _number(row.utilisation), _number(row.mean_wait_days), _number(row.mean_queue)]
        for name, row in table.iterrows()
    ]
    text = [
        "\nPools (mean over replications)",
        _grid(["pool", "utilisation", "mean wait (days)", "mean queue"], rows),
    ]
    worst = bottlenecks(resources)
    text.append(
        f"bottleneck: {', '.join(worst)}" if worst else "bottleneck: none (no pool at 90 % or more)"
    )
    return "\n".join(text)


def _kpi_text(results: Results) -> str:
    table = results.kpis()
    n = int(table["n"].max()) if len(table) else 0
    lines = [f"{results.scenario.name}: {n} replications, mean [95 % CI]"]
    width = max(_width(v) for v in LABELS.values())
    for row in table.itertuples():
        label = LABELS.get(row.output, row.output)
        lines.append(f"  {_pad(label, width)}  {_interval(row.mean, row.ci_low, row.ci_high)}")
    return "\n".join(lines)


def _comparison_text(comparison: Comparison) -> str:
    kpis = comparison.kpis()
    cells: dict[str, list[str]] = {}
    names = comparison.names
    for output in KEY_OUTPUTS:
        row = []
        for name in names:
            k = kpis[(kpis["scenario"] == name) & (kpis["output"] == output)].iloc[0]
            row.append(_interval(k["mean"], k["ci_low"], k["ci_high"]))
        cells[output] = row
    header = ["output", *names]
    rows = [[LABELS.get(o, o), *cells[o]] for o in KEY_OUTPUTS]
    text = [f"{len(names)} scenarios on common random numbers: mean [95 % CI]", _grid(header, rows)]
    differences = comparison.differences()
    if not differences.empty:
        text.append(f"\nPaired difference from {names[0]} [95 % CI] (* = CI excludes zero)")
        diff_rows = []
        for output in KEY_OUTPUTS:
            row = [LABELS.get(output, output)]
            for name in names[1:]:
                d = differences[
                    (differences["scenario"] == name) & (differences["output"] == output)
                ]
                d = d.iloc[0]
                mark = " *" if d["significant"] else ""
                row.append(_interval(d["difference"], d["ci_low"], d["ci_high"]) + mark)
            diff_rows.append(row)
        text.append(_grid(["output", *[f"{n} − {names[0]}" for n in names[1:]]], diff_rows))
    return "\n".join(text)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(x)) for x in [h, *(r[k] for r in rows)]) for k, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(_pad(str(c), w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


# -- experiments at scale: sweep, plan-staff, sensitivity, attribute ----------------------


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.05")
    return value


def _assignment(text: str) -> tuple[str, list[object]]:
    try:
        return parse_assignment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _range(text: str) -> tuple[str, tuple[float, float]]:
    try:
        return parse_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _cost(text: str) -> tuple[str, float]:
    pool, sep, value = text.rpartition("=")
    try:
        if sep and pool.strip():
            return pool.strip(), float(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected POOL=COST, e.g. 发改局=2")


def _execution_options(sub: argparse.ArgumentParser, out: bool = True) -> None:
    sub.add_argument(
        "--replications",
        "-n",
        type=_positive_int,
        help="replications per variant (default: the scenario's)",
    )
    sub.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    sub.add_argument(
        "--workers", type=_positive_int, default=None, help="processes (default: all cores)"
    )
    sub.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
    )
    if out:
        sub.add_argument(
            "--out",
            type=Path,
            help="folder for the result tables; the same command run again after an "
            "interruption resumes from the replications saved there",
        )
        sub.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format")
        sub.add_argument("--force", action="store_true", help="overwrite an existing --out folder")


def _add_experiment_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub = commands.add_parser(
        "sweep", help="run a grid of overrides on one scenario (common random numbers)"
    )
    sub.add_argument("file", type=Path)
    sub.add_argument(
        "--set",
        dest="axes",
        action="append",
        type=_assignment,
        required=True,
        metavar="PATH=VALUES",
        help="e.g. departments.发改局.staff=1..6 or mechanisms.agents.count=0,2,4",
    )
    _execution_options(sub)
    sub.set_defaults(handler=_sweep)

    sub = commands.add_parser("plan-staff", help="cheapest staffing that meets a target")
    sub.add_argument("file", type=Path)
    sub.add_argument("--target", required=True, help='e.g. "p90(signing_to_start) <= 100"')
    sub.add_argument(
        "--cost",
        action="append",
        type=_cost,
        default=[],
        metavar="POOL=COST",
        help="cost of one person in a pool (default 1 each)",
    )
    sub.add_argument(
        "--max-steps", type=_positive_int, default=60, help="most people the search adds"
    )
    _execution_options(sub, out=False)
    sub.set_defaults(handler=_plan_staff)

    sub = commands.add_parser("sensitivity", help="Morris screening: which parameters matter most")
    sub.add_argument("file", type=Path)
    sub.add_argument(
        "--param",
        dest="params",
        action="append",
        type=_range,
        required=True,
        metavar="PATH=LOW:HIGH",
        help="e.g. departments.发改局.staff=3:9",
    )
    sub.add_argument(
        "--output",
        dest="outputs",
        action="append",
        metavar="OUTPUT",
        help="per-replication output to screen (default signing_to_start_days)",
    )
    sub.add_argument(
        "--trajectories", type=_positive_int, default=10, help="Morris trajectories (default 10)"
    )
    sub.add_argument("--levels", type=_positive_int, default=4, help="grid levels (default 4)")
    _execution_options(sub)
    sub.set_defaults(handler=_sensitivity)

    sub = commands.add_parser(
        "attribute", help="split a reform's effect among the mechanisms that differ"
    )
    sub.add_argument("base", type=Path)
    sub.add_argument("reformed", type=Path)
    sub.add_argument(
        "--output",
        dest="outputs",
        action="append",
        metavar="OUTPUT",
        help="output to attribute (default: signing → start, → production, trips)",
    )
    sub.add_argument(
        "--permutations",
        type=_positive_int,
        default=32,
        help="sampled orders when more than 6 mechanisms differ (default 32)",
    )
    _execution_options(sub)
    sub.set_defaults(handler=_attribute)


def _open_output(args: argparse.Namespace, run_identity: dict[str, object]) -> Output | None:
    """Open ``--out`` (resuming a matching interrupted run) and say so."""
    if not getattr(args, "out", None):
        return None
    output = prepare_output(args.out, run_identity, args.force)
    if output.resumed:
        print(
            f"resuming: {output.resumed} replication(s) already finished in {output.folder}",
            file=sys.stderr,
        )
    return output


def _interrupted_text(stop: RunInterrupted) -> str:
    text = f"approvalsim: interrupted after {stop.finished} of {stop.total} replications"
    if stop.checkpoint_dir:
        return (
            f"{text}; the finished ones are saved in {stop.checkpoint_dir}.\n"
            "Run the same command again to resume where it stopped."
        )
    return f"{text}; nothing was saved (give --out DIR to make a run resumable)."


def _precision_text(comparison: Comparison) -> str:
    table = comparison.precision
    assert table is not None
    target = float(table["target"].iloc[0])
    worst = table.sort_values("relative_half_width", ascending=False)
    head = f"\nReplications: {comparison.replications} (precision target {target:.1%} of the mean)"
    if not comparison.capped:
        return head + ": reached for every key output of every scenario"
    unmet = worst[~worst["met"]]
    missed = ", ".join(
        f"{r.scenario}/{LABELS.get(r.output, r.output)} {r.relative_half_width:.1%}"
        for r in unmet.head(5).itertuples()
    )
    return head + f": stopped at --max-replications; not reached for {missed}"


def _value_error(
    function: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """Report a ``ValueError`` from the API (a bad target, range or output) as a user error."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return function(args)
        except ValueError as error:
            print(f"approvalsim: {error}", file=sys.stderr)
            return USER_ERROR

    return handler


@_value_error
def _sweep(args: argparse.Namespace) -> int:
    base = load_scenario(args.file)
    axes = dict(args.axes)
    _, seed = base.run.resolve(None, args.seed)
    output = _open_output(
        args, identity("sweep", [base], seed, axes={k: list(map(str, v)) for k, v in axes.items()})
    )
    with progress_bar() as progress:
        result = sweep(
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
    header = [
        "variant",
        *result.paths,
        *[
            LABELS.get(o, o)
            for o in ("signing_to_start_days", "signing_to_start_p90_days", "trips")
        ],
    ]
    rows = []
    for _, variant in result.variants.iterrows():
        cells = [str(variant["variant_id"]), *[str(variant[path]) for path in result.paths]]
        for output_name in ("signing_to_start_days", "signing_to_start_p90_days", "trips"):
            k = kpis[
                (kpis["variant_id"] == variant["variant_id"]) & (kpis["output"] == output_name)
            ].iloc[0]
            cells.append(_interval(k["mean"], k["ci_low"], k["ci_high"]))
        rows.append(cells)
    print(
        f"{len(result.variants)} variants × {int(result.table['replication'].nunique())} "
        "replications on common random numbers: mean [95 % CI]"
    )
    print(_grid(header, rows))
    if output:
        write_table(result.table, output.folder / "sweep", args.format)
        write_table(kpis, output.folder / "sweep_kpis", args.format)
        write_table(result.resources, output.folder / "sweep_resources", args.format)
        finish_output(output)
        print(f"\nTables written to {output.folder}")
    return 0


@_value_error
def _plan_staff(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    with progress_bar() as progress:
        plan = plan_staff(
            scenario,
            args.target,
            dict(args.cost),
            args.replications,
            args.seed,
            workers=args.workers,
            max_steps=args.max_steps,
            scheduler=args.scheduler,
            progress=progress,
        )
    unit = (
        "working days"
        if plan.target.column.endswith("_wd")
        else "days"
        if plan.target.column.endswith("_days")
        else ""
    )
    verdict = (
        "met" if plan.met else "NOT met (staffing alone cannot reach it, or --max-steps ran out)"
    )
    print(
        f"Target {plan.target.text}: {verdict}; "
        f"under the plan it is {_number(plan.statistic)} {unit}".rstrip()
    )
    rows = [
        [
            r.pool,
            str(r.current),
            _number(r.offered_load),
            str(r.stable_min),
            str(r.screen),
            str(r.planned),
            _number(r.utilisation),
        ]
        for r in plan.pools.itertuples(index=False)
    ]
    print(
        _grid(["pool", "now", "Erlang load", "stable min", "screen", "plan", "utilisation"], rows)
    )
    print(f"Plan cost: {_number(plan.cost)}")
    print("\nSearch:")
    print(
        _grid(
            ["step", "action", "pool", "statistic", "met"],
            [
                [str(r.step), r.action, r.pool, _number(r.statistic), "yes" if r.met else "no"]
                for r in plan.steps.itertuples(index=False)
            ],
        )
    )
    print(
        f"\nBottleneck: {plan.bottleneck}. "
        f"One more person in each pool would save ({unit or 'units'}):"
    )
    marginal = plan.marginal.sort_values("saved", ascending=False)
    print(
        _grid(
            ["pool", "saved", "saved per cost"],
            [
                [r.pool, _number(r.saved), _number(r.saved_per_cost)]
                for r in marginal.itertuples(index=False)
            ],
        )
    )
    return 0


@_value_error
def _sensitivity(args: argparse.Namespace) -> int:
    base = load_scenario(args.file)
    params = dict(args.params)
    outputs = args.outputs or ["signing_to_start_days"]
    _, seed = base.run.resolve(None, args.seed)
    output = _open_output(
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
    with progress_bar() as progress:
        result = sensitivity(
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
    for name, table in result.ranking.groupby("output", sort=False):
        print(
            f"Morris screening of {LABELS.get(str(name), name)} "
            f"({args.trajectories} trajectories; mu* = mean absolute effect over the range)"
        )
        print(
            _grid(
                ["rank", "parameter", "mu*", "± (95 %)", "mu", "sigma"],
                [
                    [
                        str(r.rank),
                        r.parameter,
                        _number(r.mu_star),
                        _number(r.mu_star_conf),
                        _number(r.mu),
                        _number(r.sigma),
                    ]
                    for r in table.itertuples(index=False)
                ],
            )
        )
    if output:
        write_table(result.ranking, output.folder / "sensitivity", args.format)
        write_table(result.samples, output.folder / "sensitivity_samples", args.format)
        finish_output(output)
        print(f"\nTables written to {output.folder}")
    return 0


@_value_error
def _attribute(args: argparse.Namespace) -> int:
    base, reformed = load_scenario(args.base), load_scenario(args.reformed)
    outputs = args.outputs or ["signing_to_start_days", "signing_to_production_days", "trips"]
    _, seed = base.run.resolve(None, args.seed)
    output = _open_output(args, identity("attribute", [base, reformed], seed, outputs=outputs))
    with progress_bar() as progress:
        result = attribute(
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
    method = (
        "exact Shapley values over all coalitions"
        if result.method == "exact"
        else f"Shapley values estimated from {args.permutations} sampled orders"
    )
    print(
        f"{reformed.name} − {base.name}: {len(result.factors)} mechanisms differ; {method} "
        f"({result.coalitions} coalitions)"
    )
    for name in outputs:
        total = result.total[result.total["output"] == name].iloc[0]
        print(
            f"\n{LABELS.get(name, name)}: "
            f"{_number(total['baseline'])} → {_number(total['reformed'])}, "
            f"change {_interval(total['difference'], total['ci_low'], total['ci_high'])}"
        )
        part = result.table[result.table["output"] == name].sort_values("contribution")
        print(
            _grid(
                ["mechanism", "contribution [95 % CI]", "share"],
                [
                    [r.factor, _interval(r.contribution, r.ci_low, r.ci_high), _number(r.share)]
                    for r in part.itertuples(index=False)
                ],
            )
        )
    if output:
        write_table(result.table, output.folder / "attribution", args.format)
        write_table(result.total, output.folder / "attribution_total", args.format)
        write_table(result.factors, output.folder / "attribution_factors", args.format)
        finish_output(output)
        print(f"\nTables written to {output.folder}")
    return 0


# -- reports, event logs and calibration ---------------------------------------------
# Their modules are imported where used: matplotlib, jinja2 and scipy.optimize take
# a while to import, and the other commands do not need them.


def _add_report_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--report",
        action="store_true",
        help="also write an HTML report into the --out folder and print its path",
    )
    sub.add_argument(
        "--report-lang",
        choices=["zh", "en"],
        default="zh",
        help="language of the --report (default zh)",
    )


def _add_event_log_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--event-log",
        choices=["csv", "xes"],
        help="also write a process-mining event log (eventlog.csv or eventlog.xes) "
        "into the --out folder",
    )
    sub.add_argument(
        "--event-log-replications",
        metavar="LIST",
        default=None,
        help="replications to put in the event log, e.g. 0,1 or 0-4 (default: all)",
    )


def _add_report_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub = commands.add_parser("report", help="write an HTML (or PDF) report of a results folder")
    sub.add_argument(
        "results",
        type=Path,
        metavar="RESULTS_DIR",
        help="folder written by run/compare/sweep/attribute --out",
    )
    sub.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    sub.add_argument(
        "--format", choices=["html", "pdf"], default="html", help="html (default) or pdf"
    )
    sub.add_argument(
        "--out", type=Path, help="file to write (default RESULTS_DIR/report-LANG.FORMAT)"
    )
    sub.add_argument("--force", action="store_true", help="replace an existing report file")
    sub.set_defaults(handler=_report)

    sub = commands.add_parser(
        "fit", help="fit item durations and deficiency rates from an event-log CSV"
    )
    sub.add_argument(
        "log",
        type=Path,
        metavar="LOG.csv",
        help="columns case_id, item, event, lifecycle, timestamp (as run --event-log csv writes)",
    )
    sub.add_argument("--out", type=Path, help="scenario fragment YAML to write (default: print it)")
    sub.add_argument("--force", action="store_true", help="replace an existing --out file")
    sub.add_argument(
        "--min-n",
        type=_positive_int,
        default=None,
        help="fewest complete observations for a parametric fit (default 8)",
    )
    sub.add_argument(
        "--families",
        default=None,
        help="families compared by AIC, comma-separated "
        "(default uniform,triangular,exponential,lognormal,gamma)",
    )
    sub.set_defaults(handler=_fit)


def _event_log_problem(args: argparse.Namespace, scenario: Scenario) -> str | None:
    """Why ``--event-log`` cannot be honoured (checked before anything runs), or None."""
    if getattr(args, "event_log", None) is None:
        if getattr(args, "event_log_replications", None) is not None:
            return "--event-log-replications needs --event-log csv|xes"
        return None
    if not args.out:
        return "--event-log needs --out DIR (the event log is written into that folder)"
    if args.event_log_replications is None:
        return None
    from model.outputs.event_logs import parse_replications

    try:
        chosen = parse_replications(args.event_log_replications)
    except ValueError as error:
        return f"--event-log-replications: {error}"
    available, _ = scenario.run.resolve(args.replications, None)
    beyond = [r for r in chosen if r >= available]
    if beyond:
        return (
            f"--event-log-replications: replication(s) {beyond} do not exist; "
            f"this run has replications 0-{available - 1}"
        )
    return None


def _write_event_log(args: argparse.Namespace, scenario: Scenario, folder: Path) -> Path:
    from model.outputs.event_logs import parse_replications, process_log, write_csv, write_xes
    from model.report.render import read_table

    events = read_table(folder, "events")
    if events is None:
        raise OutputExistsError(f"{folder} holds no events table to export")  # pragma: no cover
    chosen = (
        None
        if args.event_log_replications is None
        else parse_replications(args.event_log_replications)
    )
    log = process_log(events, scenario.run.start_date, chosen)
    if args.event_log == "csv":
        return write_csv(log, folder / "eventlog.csv")
    return write_xes(
        log,
        folder / "eventlog.xes",
        name=scenario.name,
        attributes=[("scenario_hash", scenario.content_hash())],
    )


def _write_compare_report(
    args: argparse.Namespace, folder: Path, scenarios: dict[str, Scenario]
) -> Path:
    from model.report.render import write_report

    return write_report(folder, lang=args.report_lang, scenarios=scenarios, overwrite=True)


def _report(args: argparse.Namespace) -> int:
    from model.report.render import ReportError, write_report

    try:
        path = write_report(args.results, args.out, args.lang, args.format, overwrite=args.force)
    except ReportError as error:
        print(f"approvalsim: {error}", file=sys.stderr)
        return USER_ERROR
    print(f"Report written to {path}")
    return 0


def _fit(args: argparse.Namespace) -> int:
    from model.analysis.fitting import FAMILIES, MIN_N, FitError, fit_log, read_log, write_fragment

    if args.out is not None and args.out.exists() and not args.force:
        raise OutputExistsError(
            f"{args.out} already exists; pass --force to replace it or choose another --out"
        )
    families = (
        tuple(FAMILIES)
        if args.families is None
        else tuple(f.strip() for f in args.families.split(",") if f.strip())
    )
    try:
        fragment = fit_log(read_log(args.log), args.log.name, families, args.min_n or MIN_N)
    except FitError as error:
        print(f"approvalsim: {error}", file=sys.stderr)
        return USER_ERROR
    text = write_fragment(fragment, args.out, args.log.name)
    if args.out is None:
        print(text, end="")
    else:
        print(f"Scenario fragment for {len(fragment['items'])} item(s) written to {args.out}")
    return 0
