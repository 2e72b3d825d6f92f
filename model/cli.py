"""The ``approvalsim`` command line: parses arguments, calls the API, prints tables.

User errors (a bad scenario file, an existing output folder, bad arguments)
exit with status 2 and a message, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from model.experiment import Comparison, Results, compare, run
from model.loader import ScenarioError, load_scenario
from model.metrics import KEY_OUTPUTS
from model.scenario import Scenario
from model.store import OutputExistsError, prepare_folder, write_comparison, write_results

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
        sub.add_argument("--replications", "-n", type=_positive_int, help="replications (default: the scenario's)")
        sub.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
        sub.add_argument("--out", type=Path, help="folder to write the result tables to")
        sub.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format")
        sub.add_argument("--workers", type=_positive_int, default=None, help="processes (default: all cores)")
        sub.add_argument("--force", action="store_true", help="overwrite an existing --out folder")
        sub.set_defaults(handler=handler)
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


def _run(args: argparse.Namespace) -> int:
    (scenario,) = _load_all(args.files)
    folder = prepare_folder(args.out, args.force) if args.out else None
    results = run(scenario, args.replications, args.seed, workers=args.workers)
    print(_kpi_text(results))
    _print_notes(results.notes)
    if folder:
        write_results(results, folder, args.format)
        print(f"\nTables written to {folder}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    scenarios = _load_all(args.files)
    folder = prepare_folder(args.out, args.force) if args.out else None
    comparison = compare(scenarios, args.replications, args.seed, workers=args.workers)
    print(_comparison_text(comparison))
    _print_notes(tuple(n for r in comparison.results for n in r.notes))
    if folder:
        names = _unique_names([p.stem for p in args.files])
        write_comparison(comparison, folder, args.format, names)
        print(f"\nTables written to {folder}")
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


def _kpi_text(results: Results) -> str:
    table = results.kpis()
    n = int(table["n"].max()) if len(table) else 0
    lines = [f"{results.scenario.name}: {n} replications, mean [95 % CI]"]
    width = max(len(v) for v in LABELS.values())
    for row in table.itertuples():
        label = LABELS.get(row.output, row.output)
        lines.append(f"  {label:<{width}}  {_interval(row.mean, row.ci_low, row.ci_high)}")
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
                d = differences[(differences["scenario"] == name) & (differences["output"] == output)]
                d = d.iloc[0]
                mark = " *" if d["significant"] else ""
                row.append(_interval(d["difference"], d["ci_low"], d["ci_high"]) + mark)
            diff_rows.append(row)
        text.append(_grid(["output", *[f"{n} − {names[0]}" for n in names[1:]]], diff_rows))
    return "\n".join(text)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    frame = pd.DataFrame(rows, columns=header)
    widths = [max(len(str(x)) for x in [h, *frame[h]]) for h in header]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)
