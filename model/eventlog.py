"""The event log: the immutable facts a simulation emits.

Processes append one tuple per fact and do no KPI arithmetic; everything the
user sees is computed from this log by :mod:`model.metrics`. Columns follow the
process-mining convention (case, activity, timestamp, resource, lifecycle).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class Event(NamedTuple):
    """One fact. ``time`` is in calendar days since the scenario's start date."""

    time: float
    project_id: int
    item: str
    """Approval item; the stage label for stage events; the project type for ``signed``."""
    activity: str
    lifecycle: str
    """``schedule`` (queued), ``start``, ``complete``."""
    resource: str
    """Department or other resource involved, or ``""``."""


COLUMNS: tuple[str, ...] = Event._fields

# Activities, so that metrics and processes share one vocabulary.
MILESTONES: tuple[str, ...] = (
    "signed",
    "land_obtained",
    "construction_start",
    "completed",
    "accepted",
    "production",
)
REVIEW = "review"  # a reviewer examines a submission
RETURNED = "returned"  # a deficient submission goes back to the enterprise
DECISION = "decision"  # the item is approved (after any elapsed delay)
CONVERSION = "conversion"  # a simulated opinion becomes a formal approval
REREVIEW = "rereview"  # partial re-review after a project change
PREPARATION = "preparation"  # enterprise prepares an application
ELAPSED = "elapsed"  # expert review / public notice, no reviewer held
TRIP = "trip"  # the enterprise visits a government office
OPINION = "simulated_opinion"  # simulated review finished before land
STAGE = "stage"  # a stage starts (start) and ends (complete)
REVIEWER_WORK = (REVIEW, CONVERSION, REREVIEW)  # activities that hold a reviewer


class EventLog:
    """An append-only list of events."""

    def __init__(self) -> None:
        """Start empty."""
        self.records: list[tuple[float, int, str, str, str, str]] = []
        self.emit = self.records.append  # bound once: this is the hot path

    def __len__(self) -> int:
        """Number of events."""
        return len(self.records)

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame with :data:`COLUMNS`."""
        return pd.DataFrame.from_records(self.records, columns=list(COLUMNS))
