"""拿地即开工, worked out by hand: which projects on new land started within 5 working days.

A hand-made event log over the 2025 Labour Day holiday (1–5 May off), so working
days and calendar days differ; one project on its own land, one that never
started and one signed before the warm-up must not count.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from model.analysis.aggregate import kpi_table, paired_differences, precision_table
from model.analysis.clocks import clock_intervals
from model.analysis.metrics import item_table, pool_visits, project_table, summary_row
from model.analysis.outputs import (
    LAND_TO_START_SHARE,
    LAND_TO_START_WD,
    format_interval,
    output,
)
from model.scenario.schema import Scenario
from model.simulation.calendar import WorkCalendar

#: Day 0 is Monday 28 April 2025; days 3–7 (1–5 May) are the holiday, 12–13 a weekend.
START = dt.date(2025, 4, 28)


def scenario() -> Scenario:
    """Two types: one needs land supplied, the other builds on its own."""
    return Scenario.model_validate(
        {
            "departments": {"D": {"staff": 1}},
            "items": {"permit": {"department": "D", "stage": 3, "effort_wd": 1}},
            "project_types": {
                "new_land": {"share": 0.5, "items": ["permit"], "construction_days": 0},
                "own_land": {
                    "share": 0.5,
                    "items": ["permit"],
                    "land": "own",
                    "construction_days": 0,
                },
            },
            "arrivals": {"kind": "poisson", "rate_per_year": 10},
            "run": {"start_date": START, "horizon_days": 60, "warmup_days": 1},
        }
    )


def event_log(projects: list[tuple[int, str, float, float, float | None]]) -> pd.DataFrame:
    """Milestones only: (project, type, signed, land obtained, construction start or None)."""
    rows = []
    for pid, kind, signed, land, start in projects:
        rows.append((signed, pid, kind, "signed", "complete", ""))
        rows.append((land, pid, "", "land_obtained", "complete", ""))
        if start is not None:
            rows.append((start, pid, "", "construction_start", "complete", ""))
    events = pd.DataFrame(
        rows, columns=["time", "project_id", "item", "activity", "lifecycle", "resource"]
    )
    return events.sort_values("time", kind="stable").reset_index(drop=True)


def tables(log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The project and item tables of ``log``, as a replication derives them."""
    s = scenario()
    calendar = WorkCalendar(START)
    visits = pool_visits(log)
    intervals = clock_intervals(log, visits)
    items = item_table(log, s, calendar, visits, intervals)
    return project_table(log, s, calendar, items, intervals), items


LOG = event_log(
    [
        # Land Wed 30 Apr (W = 2), start Thu 8 May (W = 5): 8 calendar days but
        # 3 working days across the holiday -> within.
        (1, "new_land", 1.0, 2.0, 10.0),
        # Land Tue 29 Apr (W = 1), start Fri 9 May (W = 6): exactly 5 WD -> within.
        (2, "new_land", 1.0, 1.0, 11.0),
        # Land Wed 30 Apr (W = 2), start Tue 13 May (W = 8): 6 WD -> not within.
        (3, "new_land", 1.0, 2.0, 15.0),
        # Own land: 1 WD from "land" to start, but it held the land all along -> left out.
        (4, "own_land", 1.0, 1.0, 2.0),
        # New land, never started -> left out.
        (5, "new_land", 1.0, 2.0, None),
        # Signed before the warm-up (day 1): not in the measured cohort.
        (6, "new_land", 0.0, 2.0, 20.0),
    ]
)


def test_project_table_has_the_land_and_the_working_days_from_land_to_start() -> None:
    projects, _ = tables(LOG)
    by_id = projects.set_index("project_id")
    assert list(by_id.index) == [1, 2, 3, 4, 5]
    assert by_id["land"].to_dict() == {1: "new", 2: "new", 3: "new", 4: "own", 5: "new"}
    assert by_id.loc[[1, 2, 3], "land_to_start_days"].tolist() == [8.0, 10.0, 13.0]
    assert by_id.loc[[1, 2, 3], "land_to_start_wd"].tolist() == [3.0, 5.0, 6.0]


def test_share_of_new_land_projects_starting_within_five_working_days() -> None:
    projects, items = tables(LOG)
    row = summary_row(projects, items)
    # Projects 1 and 2 of the three on new land that started (1, 2, 3).
    assert row[LAND_TO_START_SHARE] == pytest.approx(2 / 3)


def test_no_qualifying_project_gives_nan_not_zero() -> None:
    only_own_or_unstarted = event_log(
        [(1, "own_land", 1.0, 1.0, 2.0), (2, "new_land", 1.0, 2.0, None)]
    )
    projects, items = tables(only_own_or_unstarted)
    assert math.isnan(summary_row(projects, items)[LAND_TO_START_SHARE])


def test_the_threshold_is_the_one_in_the_name_and_labels() -> None:
    definition = output(LAND_TO_START_SHARE)
    assert LAND_TO_START_SHARE == "share_land_to_start_within_5wd"
    assert definition.is_share
    assert f"{LAND_TO_START_WD} working days" in definition.label("en")
    assert "拿地即开工" in definition.label("zh")
    assert f"{LAND_TO_START_WD}个工作日" in definition.label("zh")


def test_aggregates_leave_out_replications_without_a_share() -> None:
    """A replication where no project qualified (NaN) is left out, not counted as zero."""
    nan = float("nan")
    base = pd.DataFrame({"replication": [0, 1, 2], LAND_TO_START_SHARE: [nan, 0.25, 0.75]})
    none = pd.DataFrame({"replication": [0, 1, 2], LAND_TO_START_SHARE: [nan, nan, nan]})
    k = kpi_table(base, [LAND_TO_START_SHARE]).iloc[0]
    assert (k["mean"], k["n"]) == (0.5, 2)
    empty = kpi_table(none, [LAND_TO_START_SHARE]).iloc[0]
    assert empty["n"] == 0 and math.isnan(empty["mean"])
    shown = format_interval(LAND_TO_START_SHARE, empty["mean"], empty["ci_low"], empty["ci_high"])
    assert shown == "—"
    assert paired_differences(base, none, [LAND_TO_START_SHARE]).iloc[0]["n"] == 0
    met = precision_table([none], ["none"], [LAND_TO_START_SHARE], 0.05).iloc[0]["met"]
    assert met, "an output with no value cannot be made more precise"
