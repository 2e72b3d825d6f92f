"""Scenario tables kept in CSV files: the signings and the projects in progress.

``arrivals: {kind: csv, path: signed.csv}`` becomes a ``schedule`` read from the
CSV (columns ``date,type``), and ``pipeline: {path: pipeline.csv}`` becomes the
list of projects in progress (columns
``name,type,signed,land_obtained,done,under_way``). Paths are relative to the
file that names them, which may be a base scenario. Each row's values get the
row's line, so that validation problems point into the CSV file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from typing import Any

from model.scenario.files import read_text, why_unreadable
from model.scenario.positions import Position
from model.scenario.problems import Problem, ScenarioError, closest

__all__ = ["convert_csv_arrivals", "convert_csv_pipeline"]

# Shown in CSV errors; a file full of bad rows should not produce a wall of text.
_MAX_CSV_PROBLEMS = 20


def convert_csv_arrivals(data: dict[str, Any], pos: Position) -> None:
    """Replace ``arrivals: {kind: csv, path: ...}`` by a schedule read from the CSV."""
    arrivals = data.get("arrivals")
    if not isinstance(arrivals, dict) or arrivals.get("kind") != "csv":
        return
    apos = pos.child("arrivals")
    assert apos is not None
    if "path" not in arrivals:
        raise ScenarioError.single(
            apos.file,
            apos.line,
            "arrivals.path",
            "required field is missing (the CSV file of signings)",
        )
    ppos = apos.child("path")
    assert ppos is not None
    relative = arrivals["path"]
    if not isinstance(relative, str) or not relative.strip():
        raise ScenarioError.single(ppos.file, ppos.line, "arrivals.path", "must name a CSV file")
    # Relative to the file that wrote ``path``, which may be a base scenario.
    csv_display = os.path.normpath(os.path.join(os.path.dirname(ppos.file), relative))
    unreadable = why_unreadable(relative, csv_display, "CSV file")
    if unreadable is not None:
        raise ScenarioError.single(ppos.file, ppos.line, "arrivals.path", unreadable)
    projects, project_pos = _read_signings(csv_display)
    rest = {k: v for k, v in arrivals.items() if k not in ("kind", "path")}
    data["arrivals"] = {"kind": "schedule", "projects": projects, **rest}
    children: dict[Any, Position] = {
        "kind": apos.child("kind") or apos,
        "projects": Position(ppos.file, ppos.line, project_pos),
    }
    for key in rest:
        children[key] = apos.child(key) or apos
    pos.mapping()["arrivals"] = Position(apos.file, apos.line, children)


def convert_csv_pipeline(data: dict[str, Any], pos: Position) -> None:
    """Replace ``pipeline: {path: ...}`` by the projects in progress read from the CSV.

    Columns: ``name,type,signed,land_obtained,done,under_way``. ``done`` lists
    items separated by ``;``; ``under_way`` lists ``item@YYYY-MM-DD`` entries.
    """
    pipeline = data.get("pipeline")
    if not isinstance(pipeline, dict):
        return
    ppos = pos.child("pipeline")
    assert ppos is not None
    path_pos = ppos.child("path") or ppos
    relative = pipeline.get("path")
    extra = [k for k in pipeline if k not in ("path", "source")]
    if extra or not isinstance(relative, str) or not relative.strip():
        raise ScenarioError.single(
            ppos.file,
            ppos.line,
            "pipeline",
            "write the projects in progress as a list, or as {path: pipeline.csv}",
        )
    display = os.path.normpath(os.path.join(os.path.dirname(path_pos.file), relative))
    unreadable = why_unreadable(relative, display, "CSV file")
    if unreadable is not None:
        raise ScenarioError.single(path_pos.file, path_pos.line, "pipeline.path", unreadable)
    reader = csv.DictReader(io.StringIO(read_text(display), newline=""))
    try:
        projects, positions = _pipeline_rows(reader, display)
    except csv.Error as exc:
        raise ScenarioError.single(
            display, reader.line_num, "", f"CSV format error: {exc}"
        ) from None
    data["pipeline"] = projects
    pos.mapping()["pipeline"] = Position(display, 1, positions)


def _pipeline_rows(
    reader: csv.DictReader[str], display: str
) -> tuple[list[dict[str, Any]], list[Position]]:
    """The records and positions of a pipeline CSV, or every problem found in it."""
    missing = [c for c in ("name", "type", "signed") if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError.single(
            display,
            1,
            "",
            f"CSV header lacks {', '.join(missing)}; expected "
            "'name,type,signed,land_obtained,done,under_way'",
        )
    projects: list[dict[str, Any]] = []
    positions: list[Position] = []
    problems: list[Problem] = []
    for row in reader:
        line = reader.line_num
        prefix = f"pipeline.{len(projects)}"
        record: dict[str, Any] = {
            "name": (row.get("name") or "").strip(),
            "type": (row.get("type") or "").strip(),
        }
        for column in ("signed", "land_obtained"):
            text = (row.get(column) or "").strip()
            if text:
                date = _parse_date(text)
                if date is None:
                    problems.append(
                        Problem(
                            display,
                            line,
                            f"{prefix}.{column}",
                            f"not a date: {text!r}; write YYYY-MM-DD",
                        )
                    )
                record[column] = date
        record["done"] = [i.strip() for i in (row.get("done") or "").split(";") if i.strip()]
        under_way = []
        for entry in (row.get("under_way") or "").split(";"):
            if not entry.strip():
                continue
            item, _, since = entry.partition("@")
            date = _parse_date(since.strip())
            if date is None:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"{prefix}.under_way",
                        f"write {entry.strip()!r} as item@YYYY-MM-DD",
                    )
                )
                continue
            under_way.append({"item": item.strip(), "since": date})
        record["under_way"] = under_way
        projects.append(record)
        positions.append(Position(display, line, {k: Position(display, line) for k in record}))
    if problems:
        raise ScenarioError(problems[:_MAX_CSV_PROBLEMS])
    return projects, positions


def _parse_date(text: str) -> dt.date | None:
    """Read ``YYYY-MM-DD`` (or ``YYYY/MM/DD``); ``None`` if ``text`` is neither."""
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _read_signings(display: str) -> tuple[list[dict[str, Any]], list[Position]]:
    """Read ``date,type`` rows from a CSV file."""
    text = read_text(display)
    reader = csv.reader(io.StringIO(text, newline=""))
    projects: list[dict[str, Any]] = []
    positions: list[Position] = []
    problems: list[Problem] = []
    rows = 0  # data rows seen, good or bad: the index each would have in ``projects``
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ScenarioError.single(
                display, 1, "", "CSV file has no header; expected a first line 'date,type'"
            )
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in ("date", "type") if column not in names]
        if missing:
            # The header's cells are not quoted: the path may name any file.
            raise ScenarioError.single(
                display,
                reader.line_num,
                "",
                f"CSV header lacks column {' and '.join(repr(m) for m in missing)} "
                f"(found {len(header)} column(s)); expected a first line 'date,type'",
                closest(missing[0], [n for n in names if n not in ("date", "type")]),
            )
        date_col, type_col = names.index("date"), names.index("type")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines are harmless in a hand-edited list
            line = reader.line_num
            prefix = f"arrivals.projects.{rows}"
            rows += 1
            if len(row) <= max(date_col, type_col):
                problems.append(
                    Problem(
                        display,
                        line,
                        prefix,
                        f"row has {len(row)} column(s); expected date and type",
                    )
                )
                continue
            date_text, type_text = row[date_col].strip(), row[type_col].strip()
            date = _parse_date(date_text)
            if date is None:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"{prefix}.date",
                        f"not a date: {date_text!r}; write dates as YYYY-MM-DD",
                    )
                )
            if not type_text:
                problems.append(Problem(display, line, f"{prefix}.type", "project type is empty"))
            if date is None or not type_text:
                continue
            projects.append({"date": date, "type": type_text})
            positions.append(
                Position(
                    display,
                    line,
                    {"date": Position(display, line), "type": Position(display, line)},
                )
            )
    except csv.Error as exc:
        raise ScenarioError.single(
            display, reader.line_num, "", f"CSV format error: {exc}"
        ) from None
    if problems:
        shown = problems[:_MAX_CSV_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(
                Problem(display, None, "", f"... and {len(problems) - len(shown)} more problems")
            )
        raise ScenarioError(shown)
    return projects, positions
