"""``report`` and ``fit``, and the event log and report that ``run`` and ``compare`` write.

matplotlib, jinja2 and scipy.optimize take a while to import, so each is
imported by the function that needs it, and only the commands that write a
report or fit a log pay for them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from model.cli.errors import user_error

if TYPE_CHECKING:
    from model.scenario.schema import Scenario


def event_log_problem(args: argparse.Namespace, scenario: Scenario) -> str | None:
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


def write_event_log(args: argparse.Namespace, scenario: Scenario, folder: Path) -> Path:
    """Write ``eventlog.csv`` or ``eventlog.xes`` from the events table in ``folder``."""
    from model.outputs.event_logs import parse_replications, process_log, write_csv, write_xes
    from model.outputs.folders import OutputExistsError, read_table

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


def write_compare_report(
    args: argparse.Namespace, folder: Path, scenarios: dict[str, Scenario]
) -> Path:
    """Write the HTML report of a ``compare --out`` folder (``compare --report``)."""
    from model.report.render import write_report

    return write_report(folder, lang=args.report_lang, scenarios=scenarios, overwrite=True)


def report(args: argparse.Namespace) -> int:
    """Write an HTML (or PDF) report of a results folder."""
    from model.report.render import ReportError, write_report
    from model.report.staffing import is_staff_plan, write_staffing_report

    try:
        if is_staff_plan(args.results):
            # A plan-staff --out folder: the staffing report, not a results report.
            path = args.out or args.results / f"staffing-{args.lang}.{args.format}"
            if path.exists() and not args.force:
                return user_error(f"{path} already exists; pass --force to replace it")
            write_staffing_report(args.results, path, args.lang, pdf=args.format == "pdf")
        else:
            path = write_report(
                args.results, args.out, args.lang, args.format, overwrite=args.force
            )
    except ReportError as error:
        return user_error(str(error))
    print(f"Report written to {path}")
    return 0


def fit(args: argparse.Namespace) -> int:
    """Fit item durations and deficiency rates from an event log; write a scenario fragment."""
    from model.analysis.fitting import FAMILIES, MIN_N, FitError, fit_log, read_log, write_fragment

    if args.out is not None and args.out.exists() and not args.force:
        return user_error(
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
        return user_error(str(error))
    text = write_fragment(fragment, args.out, args.log.name)
    if args.out is None:
        print(text, end="")
    else:
        print(f"Scenario fragment for {len(fragment['items'])} item(s) written to {args.out}")
    return 0
