"""Event logs for process-mining tools: CSV and XES (IEEE 1849-2016).

The simulation's own log (:mod:`model.simulation.eventlog`) counts time in calendar days
since the scenario's start date and names the approval item in a separate
column. Process-mining tools want one case per project, an activity name, a
real timestamp, a resource and a lifecycle transition, so :func:`process_log`
maps the simulation's events onto those columns:

* case id ``"<replication>-<project_id>"`` (a project of one replication);
* activity ``"<event> <item>"`` (e.g. ``review land_pre_review``); milestones,
  which belong to no item, keep their own name (``construction_start``); the
  ``signed`` event is called ``signed`` and its project type becomes a case
  attribute;
* timestamp = start date 00:00 China Standard Time + ``time`` days, to the
  millisecond;
* resource = the department (or window, agent, ...) or empty;
* lifecycle = ``schedule``, ``start`` or ``complete`` (all three belong to the
  XES standard lifecycle model).

The CSV keeps the simulation's raw columns as well (``item``, ``event``,
``time_days``), which is what :mod:`model.analysis.fitting` reads back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from model.files import atomic_path
from model.simulation.eventlog import MILESTONES

#: China Standard Time: the county's clocks, no daylight saving.
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")

#: Columns of :func:`process_log`, in order.
COLUMNS: tuple[str, ...] = (
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "lifecycle",
    "project_type",
    "replication",
    "project_id",
    "item",
    "event",
    "time_days",
)

_MILESTONE_LIKE = MILESTONES  # belong to the project, not to an item

# Characters XML 1.0 forbids even when escaped; a scenario could contain them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def process_log(
    events: pd.DataFrame,
    start_date: dt.date,
    replications: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The simulation's events as a process-mining event log.

    Args:
        events: Event log with a ``replication`` column (``Results.events``).
        start_date: The scenario's ``run.start_date`` (day 0 at 00:00 local time).
        replications: Replications to keep; all when None.

    Returns:
        One row per event with :data:`COLUMNS`, ordered by case and then time
        (ties keep the simulation's order). ``timestamp`` is timezone-aware.

    Raises:
        ValueError: If a requested replication is not in ``events``.

    """
    if "replication" not in events:
        events = events.assign(replication=0)
    if replications is not None:
        wanted = sorted(set(replications))
        present = set(events["replication"].unique())
        missing = [r for r in wanted if r not in present]
        if missing:
            raise ValueError(
                f"replication(s) {missing} not in the results; "
                f"available: {sorted(int(r) for r in present)}"
            )
        events = events[events["replication"].isin(wanted)]
    events = events.reset_index(drop=True)
    project_types = (
        events[events["activity"] == "signed"]
        .set_index(["replication", "project_id"])["item"]
        .rename("project_type")
    )
    origin = pd.Timestamp(dt.datetime.combine(start_date, dt.time(), tzinfo=CHINA))
    # Milliseconds: what XES's xs:dateTime and most tools keep.
    timestamps = origin + pd.to_timedelta(
        np.round(events["time"].to_numpy(float) * 86_400_000), unit="ms"
    )
    item = events["item"].astype(str)
    event = events["activity"].astype(str)
    is_item_event = (item != "") & ~event.isin(_MILESTONE_LIKE)
    activity = np.where(is_item_event, event + " " + item, event)
    log = pd.DataFrame(
        {
            "case_id": events["replication"].astype(str) + "-" + events["project_id"].astype(str),
            "activity": activity,
            "timestamp": timestamps,
            "resource": events["resource"].fillna("").astype(str),
            "lifecycle": events["lifecycle"].astype(str),
            "replication": events["replication"].astype(int),
            "project_id": events["project_id"].astype(int),
            "item": np.where(event == "signed", "", item),
            "event": event,
            "time_days": events["time"].astype(float),
        }
    )
    log = log.join(project_types, on=["replication", "project_id"])
    log["project_type"] = log["project_type"].fillna("")
    log = log.sort_values(["replication", "project_id"], kind="stable").reset_index(drop=True)
    return log[list(COLUMNS)]


def _iso(ts: pd.Timestamp) -> str:
    """xs:dateTime with milliseconds and offset, e.g. ``2026-01-05T09:30:00.000+08:00``."""
    return str(ts.isoformat(timespec="milliseconds"))


def write_csv(log: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the log as UTF-8 CSV with ISO 8601 timestamps; returns the path."""
    target = Path(path)
    table = log.assign(timestamp=log["timestamp"].map(_iso))
    with atomic_path(target) as temporary:
        table.to_csv(temporary, index=False)
    return target


def _xml(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _attr(kind: str, key: str, value: str) -> str:
    return f"<{kind} key={quoteattr(_xml(key))} value={quoteattr(_xml(value))}/>"


def write_xes(
    log: pd.DataFrame,
    path: str | os.PathLike[str],
    name: str = "approvalsim",
    attributes: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the log as an XES file (IEEE 1849-2016); returns the path.

    One trace per case, its events in time order. Declares the standard
    Concept, Time, Lifecycle and Organizational extensions; events carry
    ``concept:name``, ``time:timestamp``, ``lifecycle:transition`` and, when
    there is one, ``org:resource``. Traces carry ``concept:name`` (the case
    id) and the project type, replication and project id.

    Args:
        log: A table from :func:`process_log`.
        path: File to write (replaced atomically).
        name: The log's ``concept:name`` (e.g. the scenario name).
        attributes: Extra log-level string attributes (key, value).

    """
    target = Path(path)
    with (
        atomic_path(target) as temporary,
        open(temporary, "w", encoding="utf-8", newline="\n") as out,
    ):
        write = out.write
        write('<?xml version="1.0" encoding="UTF-8"?>\n')
        write(
            '<log xes.version="1849-2016" xes.features="nested-attributes" '
            'xmlns="http://www.xes-standard.org/">\n'
        )
        for ext, prefix in (
            ("Concept", "concept"),
            ("Time", "time"),
            ("Lifecycle", "lifecycle"),
            ("Organizational", "org"),
        ):
            write(
                f'  <extension name="{ext}" prefix="{prefix}" '
                f'uri="http://www.xes-standard.org/{prefix}.xesext"/>\n'
            )
        write(
            '  <global scope="trace">\n'
            '    <string key="concept:name" value="UNKNOWN"/>\n'
            "  </global>\n"
        )
        write(
            '  <global scope="event">\n'
            '    <string key="concept:name" value="UNKNOWN"/>\n'
            '    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>\n'
            '    <string key="lifecycle:transition" value="complete"/>\n'
            "  </global>\n"
        )
        write('  <classifier name="Activity" keys="concept:name"/>\n')
        write(
            '  <classifier name="Activity and transition" '
            'keys="concept:name lifecycle:transition"/>\n'
        )
        write(f"  {_attr('string', 'concept:name', name)}\n")
        write(f"  {_attr('string', 'lifecycle:model', 'standard')}\n")
        for key, value in attributes:
            write(f"  {_attr('string', key, value)}\n")
        for case_id, trace in log.groupby("case_id", sort=False):
            first = trace.iloc[0]
            write("  <trace>\n")
            write(f"    {_attr('string', 'concept:name', str(case_id))}\n")
            write(f"    {_attr('string', 'project_type', str(first['project_type']))}\n")
            write(f"    {_attr('int', 'replication', str(int(first['replication'])))}\n")
            write(f"    {_attr('int', 'project_id', str(int(first['project_id'])))}\n")
            for activity, timestamp, lifecycle, resource, item in zip(
                trace["activity"],
                trace["timestamp"],
                trace["lifecycle"],
                trace["resource"],
                trace["item"],
                strict=True,
            ):
                parts = [
                    _attr("string", "concept:name", str(activity)),
                    _attr("date", "time:timestamp", _iso(timestamp)),
                    _attr("string", "lifecycle:transition", str(lifecycle)),
                ]
                if resource:
                    parts.append(_attr("string", "org:resource", str(resource)))
                if item:
                    parts.append(_attr("string", "item", str(item)))
                write("    <event>" + "".join(parts) + "</event>\n")
            write("  </trace>\n")
        write("</log>\n")
    return target


def parse_replications(text: str) -> list[int]:
    """Parse ``"0,1,4"`` or ``"0-3"`` (or a mix) into sorted replication indices.

    Raises:
        ValueError: On anything that is not a non-negative integer or range.

    """
    chosen: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high < low:
                raise ValueError(f"range {part!r} runs backwards")
            chosen.update(range(low, high + 1))
        elif part.isdigit():
            chosen.add(int(part))
        else:
            raise ValueError(f"{part!r} is not a replication number (e.g. 0,1 or 0-3)")
    if not chosen:
        raise ValueError("no replication given")
    return sorted(chosen)


__all__ = [
    "CHINA",
    "COLUMNS",
    "parse_replications",
    "process_log",
    "write_csv",
    "write_xes",
]
