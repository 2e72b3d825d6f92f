"""The ``approvalsim`` argument parser: its commands, their options, and the argument types.

Building the parser imports the command modules (which are light: each
handler imports what it runs when called) and nothing else of the model; the
argument types that need the model's own parsers import them when they are
applied, so ``approvalsim --help`` loads neither pydantic nor pandas.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.commands import (
    experiments,
    outcomes,
    reporting,
    serve,
    simulate,
    staffing,
    starter,
)

# -- argument types -----------------------------------------------------------------


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


#: Most ``--workers``: processes beyond this only cost memory (kept in step with
#: :data:`model.experiments.backends.MAX_WORKERS`, which the API enforces).
MAX_WORKERS = 256


def workers(text: str) -> int:
    """A number of worker processes: 1 to :data:`MAX_WORKERS`."""
    value = positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"at most {MAX_WORKERS} processes")
    return value


def scheduler_address(text: str) -> str:
    """A Dask scheduler address, ``PROTOCOL://HOST:PORT`` (checked before anything runs)."""
    from model.experiments.backends import SchedulerError, check_scheduler_address

    try:
        return check_scheduler_address(text)
    except SchedulerError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--scheduler ")) from None


def non_negative_int(text: str) -> int:
    """A whole number of at least 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.05")
    return value


def assignment(text: str) -> tuple[str, list[object]]:
    """``PATH=VALUES`` of ``sweep --set``, e.g. ``departments.发改局.staff=1..6``."""
    from model.scenario.overrides import parse_assignment

    try:
        return parse_assignment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def value_range(text: str) -> tuple[str, tuple[float, float]]:
    """``PATH=LOW:HIGH`` of ``sensitivity --param``, e.g. ``departments.发改局.staff=3:9``."""
    from model.experiments.sensitivity import parse_range

    try:
        return parse_range(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def port(text: str) -> int:
    """A TCP port, 1 to 65535."""
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port from 1 to 65535")
    return value


def cost(text: str) -> tuple[str, float]:
    """``POOL=COST`` of ``plan-staff --cost``, e.g. ``发改局=2``."""
    pool, sep, value = text.rpartition("=")
    try:
        if sep and pool.strip():
            return pool.strip(), float(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected POOL=COST, e.g. 发改局=2")


# -- the parser ---------------------------------------------------------------------


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("approvalsim")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; each sets ``handler`` to the function that runs it."""
    parser = argparse.ArgumentParser(
        prog="approvalsim",
        description="Simulate a county's investment-project approvals from scenario files.",
    )
    parser.add_argument("--version", action="version", version=f"approvalsim {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_starter_commands(commands)
    _add_simulation_commands(commands)
    _add_experiment_commands(commands)
    _add_report_commands(commands)
    _add_serve_command(commands)
    return parser


def _add_starter_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="write a commented starter scenario to edit")
    init.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path("scenario.yaml"),
        metavar="PATH",
        help="scenario file to write (default scenario.yaml)",
    )
    init.add_argument("--name", help="the scenario's name (default: the file's name)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.set_defaults(handler=starter.init)

    diff = commands.add_parser(
        "diff", help="list the settings two scenarios differ in, with their sources"
    )
    diff.add_argument("a", type=Path, metavar="A.yaml")
    diff.add_argument("b", type=Path, metavar="B.yaml")
    diff.add_argument("--full", action="store_true", help="print source notes whole")
    diff.set_defaults(handler=starter.diff)


def _add_simulation_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser("validate", help="check scenario files and report errors")
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=simulate.validate)

    run = commands.add_parser("run", help="simulate one scenario and print its key outputs")
    run.add_argument("files", nargs=1, type=Path)
    _run_options(run)
    _add_event_log_options(run)
    run.set_defaults(handler=simulate.run)

    compare = commands.add_parser(
        "compare", help="simulate scenarios on common random numbers; first is baseline"
    )
    compare.add_argument("files", nargs="+", type=Path)
    _run_options(compare)
    compare.add_argument(
        "--precision",
        type=fraction,
        metavar="P",
        help="add replications until every key output's 95 %% half-width is "
        "within P x |mean| (e.g. 0.05); -n is then the start",
    )
    compare.add_argument(
        "--max-replications",
        type=positive_int,
        default=200,
        help="cap for --precision (default 200)",
    )
    compare.add_argument(
        "--allow-unpaired",
        action="store_true",
        help="compare scenarios whose run settings differ; the differences are marked unpaired",
    )
    _add_report_option(compare)
    compare.set_defaults(handler=simulate.compare)


def _run_options(sub: argparse.ArgumentParser) -> None:
    """Options of ``run`` and ``compare``."""
    sub.add_argument(
        "--replications",
        "-n",
        type=positive_int,
        help="replications (default: the scenario's)",
    )
    sub.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    sub.add_argument(
        "--out",
        type=Path,
        help="folder to write the result tables to; each finished replication is saved "
        "there at once, so the same command run again after an interruption resumes",
    )
    _format_option(sub)
    sub.add_argument("--workers", type=workers, default=None, help="processes (default: all cores)")
    sub.add_argument("--force", action="store_true", help="overwrite an existing --out folder")
    sub.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="tcp://HOST:PORT",
        help="run on this Dask scheduler's workers",
    )


def _format_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--format",
        choices=["csv", "parquet", "xlsx"],
        default="csv",
        help="table format (xlsx: one Excel workbook per folder, a sheet per table)",
    )


def _execution_options(sub: argparse.ArgumentParser, out: bool = True) -> None:
    """Options of the experiment commands."""
    sub.add_argument(
        "--replications",
        "-n",
        type=positive_int,
        help="replications per variant (default: the scenario's)",
    )
    sub.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    sub.add_argument("--workers", type=workers, default=None, help="processes (default: all cores)")
    sub.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="tcp://HOST:PORT",
        help="run on this Dask scheduler's workers",
    )
    if out:
        sub.add_argument(
            "--out",
            type=Path,
            help="folder for the result tables; the same command run again after an "
            "interruption resumes from the replications saved there",
        )
        _format_option(sub)
        sub.add_argument("--force", action="store_true", help="overwrite an existing --out folder")


def _add_experiment_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "sweep", help="run a grid of overrides on one scenario (common random numbers)"
    )
    sub.add_argument("file", type=Path)
    sub.add_argument(
        "--set",
        dest="axes",
        action="append",
        type=assignment,
        required=True,
        metavar="PATH=VALUES",
        help="e.g. departments.发改局.staff=1..6 or mechanisms.agents.count=0,2,4",
    )
    _execution_options(sub)
    sub.set_defaults(handler=experiments.sweep)

    sub = commands.add_parser("plan-staff", help="cheapest staffing that meets a target")
    sub.add_argument("file", type=Path)
    sub.add_argument("--target", required=True, help='e.g. "p90(signing_to_start) <= 100"')
    sub.add_argument(
        "--cost",
        action="append",
        type=cost,
        default=[],
        metavar="POOL=COST",
        help="cost of one person in a pool (default 1 each)",
    )
    sub.add_argument(
        "--max-steps", type=positive_int, default=60, help="most people the search adds"
    )
    sub.add_argument(
        "--max-utilisation",
        type=fraction,
        default=0.85,
        metavar="U",
        help="no pool of the plan may be busier than this (default 0.85)",
    )
    sub.add_argument(
        "--allow-worse",
        action="store_true",
        help="let the plan make other key outputs worse than the starting scenario's",
    )
    sub.add_argument(
        "--marginal",
        choices=["screened", "all"],
        default="screened",
        help="simulate one more person in the pools Erlang C sees queueing (default) "
        "or in every pool",
    )
    _execution_options(sub)
    sub.set_defaults(handler=staffing.plan_staff)

    sub = commands.add_parser("sensitivity", help="Morris screening: which parameters matter most")
    sub.add_argument("file", type=Path)
    sub.add_argument(
        "--param",
        dest="params",
        action="append",
        type=value_range,
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
        "--trajectories", type=positive_int, default=10, help="Morris trajectories (default 10)"
    )
    sub.add_argument("--levels", type=positive_int, default=4, help="grid levels (default 4)")
    _execution_options(sub)
    sub.set_defaults(handler=experiments.sensitivity)

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
        type=positive_int,
        default=32,
        help="sampled orders when more than 6 mechanisms differ (default 32)",
    )
    _execution_options(sub)
    sub.set_defaults(handler=experiments.attribute)


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


def _add_report_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    sub.set_defaults(handler=reporting.report)

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
        type=positive_int,
        default=None,
        help="fewest complete observations for a parametric fit (default 8)",
    )
    sub.add_argument(
        "--families",
        default=None,
        help="families compared by AIC, comma-separated "
        "(default uniform,triangular,exponential,lognormal,gamma)",
    )
    sub.set_defaults(handler=reporting.fit)

    sub = commands.add_parser(
        "validate-outcomes",
        help="compare the bundled scenarios with published reform outcomes, like for like",
    )
    sub.add_argument(
        "--scenarios",
        type=Path,
        default=Path("scenarios"),
        metavar="DIR",
        help="folder of the bundled scenario files (default scenarios/)",
    )
    sub.add_argument("--replications", "-n", type=positive_int, help="per scenario (default 10)")
    sub.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenarios')")
    sub.add_argument("--workers", type=workers, default=None, help="processes (default: all cores)")
    sub.add_argument("--out", type=Path, help="folder to write validation.csv to")
    sub.set_defaults(handler=outcomes.validate_outcomes)


def _add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub = commands.add_parser(
        "serve", help="the what-if page in the browser: switch mechanisms, change staff, run"
    )
    sub.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="SCENARIO",
        help="baselines to offer, the first the default (default: scenarios/*.yaml)",
    )
    sub.add_argument("--port", type=port, default=8000, help="TCP port (default 8000)")
    sub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only)",
    )
    sub.add_argument(
        "--workers", type=workers, default=None, help="processes per run (default: all cores)"
    )
    sub.add_argument(
        "--concurrent",
        type=positive_int,
        default=2,
        help="runs at once; later ones wait their turn (default 2)",
    )
    sub.set_defaults(handler=serve.serve)
