"""Metrics: pure functions from an event log to the tables users read.

Nothing here touches the simulation: every number is derived from the facts in
the event log, so a stored log can be re-analysed. Calendar-day durations have
``_days`` names; their working-day twins end in ``_wd``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.eventlog import (
    CONVERSION,
    DECISION,
    MILESTONES,
    OPINION,
    RETURNED,
    REVIEW,
    REVIEWER_WORK,
    TRIP,
)
from model.scenario import Scenario
from model.workcalendar import WorkCalendar

#: Phase durations of the project table: name -> (from milestone, to milestone).
PHASES: dict[str, tuple[str, str]] = {
    "signing_to_land": ("signed", "land_obtained"),
    "land_to_start": ("land_obtained", "construction_start"),
    "signing_to_start": ("signed", "construction_start"),
    "start_to_completion": ("construction_start", "completed"),
    "completion_to_acceptance": ("completed", "accepted"),
    "acceptance_to_production": ("accepted", "production"),
    "completion_to_production": ("completed", "production"),
    "signing_to_production": ("signed", "production"),
}

#: Per-replication outputs that the KPI tables report, in order.
KEY_OUTPUTS: tuple[str, ...] = (
    "signing_to_land_days",
    "land_to_start_days",
    "signing_to_start_days",
    "signing_to_start_p90_days",
    "completion_to_production_days",
    "signing_to_production_days",
    "signing_to_production_wd",
    "trips",
    "share_at_most_one_trip",
    "rework_rounds",
    "share_items_within_limit",
)


def reviewer_visits(events: pd.DataFrame) -> pd.DataFrame:
    """One row per time an application held (or queued for) a reviewer.

    Columns: project_id, item, activity, resource, schedule, start, complete
    (``start``/``complete`` are NaN when the run stopped first).
    """
    work = events[events["activity"].isin(REVIEWER_WORK)]
    if work.empty:
        return pd.DataFrame(
            columns=["project_id", "item", "activity", "resource", "schedule", "start", "complete"]
        )
    work = work.assign(
        k=work.groupby(["project_id", "item", "activity", "lifecycle"]).cumcount()
    )
    wide = work.pivot_table(
        index=["project_id", "item", "activity", "resource", "k"],
        columns="lifecycle",
        values="time",
        aggfunc="first",
    ).reset_index()
    for column in ("schedule", "start", "complete"):
        if column not in wide:
            wide[column] = np.nan
    wide.columns.name = None
    return wide[["project_id", "item", "activity", "resource", "schedule", "start", "complete"]]


def project_table(
    events: pd.DataFrame, scenario: Scenario, calendar: WorkCalendar, items: pd.DataFrame
) -> pd.DataFrame:
    """One row per project signed after the warm-up: milestones, phases, trips, rework."""
    milestones = events[events["activity"].isin(MILESTONES)]
    wide = milestones.pivot_table(
        index="project_id", columns="activity", values="time", aggfunc="first"
    )
    wide = wide.reindex(columns=list(MILESTONES))
    wide.columns.name = None
    signed = events[events["activity"] == "signed"].set_index("project_id")
    table = pd.DataFrame(index=wide.index)
    table["project_type"] = signed["item"].reindex(wide.index)
    for milestone in MILESTONES:
        table[f"{milestone}_day"] = wide[milestone]
    for name, (first, last) in PHASES.items():
        table[f"{name}_days"] = wide[last] - wide[first]
        table[f"{name}_wd"] = calendar.working_time_array(
            wide[last].to_numpy(float)
        ) - calendar.working_time_array(wide[first].to_numpy(float))
    counts = events.groupby(["project_id", "activity"]).size().unstack(fill_value=0)
    for column, activity in (("trips", TRIP), ("rework_rounds", RETURNED)):
        series = counts[activity] if activity in counts else pd.Series(0, index=counts.index)
        table[column] = series.reindex(table.index, fill_value=0).astype(int)
    if items.empty:
        table["items_over_limit"] = 0
    else:
        over = (~items["within_limit"].astype(bool)) & items["limit_wd"].notna()
        table["items_over_limit"] = (
            over.groupby(items["project_id"]).sum().reindex(table.index, fill_value=0).astype(int)
        )
    table["finished"] = table["production_day"].notna()
    table = table[table["signed_day"] >= scenario.run.warmup_days]
    return table.reset_index()


def item_table(
    events: pd.DataFrame, scenario: Scenario, calendar: WorkCalendar, visits: pd.DataFrame
) -> pd.DataFrame:
    """One row per (project, item): times, waiting, effort and the limit check.

    The government clock of an item runs from its last (complete) submission to
    the end of the last reviewer work on it, in working days; for an item decided
    by converting a simulated opinion it is the conversion (and any re-review).
    """
    columns = [
        "project_id", "item", "department", "stage", "queued_day", "started_day",
        "finished_day", "waiting_days", "effort_wd", "submissions", "simulated",
        "government_wd", "limit_wd", "within_limit",
    ]  # fmt: skip
    if visits.empty:
        return pd.DataFrame(columns=columns)
    v = visits.assign(
        wait=visits["start"] - visits["schedule"],
        effort=calendar.working_time_array(visits["complete"].to_numpy(float))
        - calendar.working_time_array(visits["start"].to_numpy(float)),
    )
    keys = ["project_id", "item"]
    grouped = v.groupby(keys)
    table = pd.DataFrame(
        {
            "department": grouped["resource"].first(),
            "queued_day": grouped["schedule"].min(),
            "started_day": grouped["start"].min(),
            "waiting_days": grouped["wait"].sum(min_count=1),
            "effort_wd": grouped["effort"].sum(min_count=1),
        }
    )
    reviews = v[v["activity"] == REVIEW]
    table["submissions"] = reviews.groupby(keys).size().reindex(table.index, fill_value=0)
    decisions = events[events["activity"] == DECISION].groupby(keys)["time"].first()
    table["finished_day"] = decisions.reindex(table.index)
    opinions = events[events["activity"] == OPINION].groupby(keys).size()
    table["simulated"] = opinions.reindex(table.index, fill_value=0) > 0
    # Government clock start: the last review submission, or the conversion request.
    conversions = v[v["activity"] == CONVERSION].groupby(keys)["schedule"].min()
    last_review = reviews.groupby(keys)["schedule"].max()
    clock_start = conversions.reindex(table.index).fillna(last_review.reindex(table.index))
    clock_end = grouped["complete"].max()
    table["government_wd"] = calendar.working_time_array(
        clock_end.to_numpy(float)
    ) - calendar.working_time_array(clock_start.to_numpy(float))
    names = table.index.get_level_values("item")
    table["stage"] = [str(scenario.items[n].stage) for n in names]
    table["limit_wd"] = [scenario.limit_wd(n) for n in names]
    table["limit_wd"] = table["limit_wd"].astype(float)
    decided = table["finished_day"].notna()
    table["within_limit"] = decided & (
        table["limit_wd"].isna() | (table["government_wd"] <= table["limit_wd"] + 1e-9)
    )
    table = table.reset_index()
    signed = events[events["activity"] == "signed"].set_index("project_id")["time"]
    kept = signed[signed >= scenario.run.warmup_days].index
    return table[table["project_id"].isin(kept)][columns].reset_index(drop=True)


def resource_table(
    visits: pd.DataFrame,
    scenario: Scenario,
    calendar: WorkCalendar,
    end_day: float,
) -> pd.DataFrame:
    """One row per department over the window [warm-up, horizon].

    Utilisation is busy reviewer working time over available reviewer working
    time; queue statistics are time-averages over calendar time.
    """
    window_start = scenario.run.warmup_days
    window_end = min(scenario.run.horizon_days, end_day)
    available_wd = calendar.working_days_between(window_start, window_end)
    rows = []
    for name, department in scenario.departments.items():
        v = visits[visits["resource"] == name]
        start = v["start"].fillna(end_day).to_numpy(float)
        complete = v["complete"].fillna(end_day).to_numpy(float)
        schedule = v["schedule"].to_numpy(float)
        busy_from = np.clip(start, window_start, window_end)
        busy_to = np.clip(complete, window_start, window_end)
        busy_wd = float(
            np.sum(calendar.working_time_array(busy_to) - calendar.working_time_array(busy_from))
        )
        queue_from = np.clip(schedule, window_start, window_end)
        queue_to = np.clip(start, window_start, window_end)
        queue_area = float(np.sum(queue_to - queue_from))
        system_area = float(np.sum(busy_to - queue_from))
        length = window_end - window_start
        capacity_wd = department.staff * available_wd
        in_window = (schedule >= window_start) & (schedule < window_end)
        rows.append(
            {
                "resource": name,
                "kind": "department",
                "capacity": department.staff,
                "utilisation": busy_wd / capacity_wd if capacity_wd > 0 else np.nan,
                "mean_queue": queue_area / length if length > 0 else np.nan,
                "max_queue": _max_queue(schedule, start),
                "mean_in_system": system_area / length if length > 0 else np.nan,
                "arrivals": int(in_window.sum()),
                "mean_wait_days": float(np.mean(start[in_window] - schedule[in_window]))
                if in_window.any()
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _max_queue(schedule: np.ndarray, start: np.ndarray) -> int:
    """Largest number waiting at once (joins before leaves at equal times)."""
    if len(schedule) == 0:
        return 0
    times = np.concatenate([schedule, start])
    steps = np.concatenate([np.ones(len(schedule)), -np.ones(len(start))])
    order = np.lexsort((-steps, times))
    return int(np.max(np.cumsum(steps[order])))


def summary_row(projects: pd.DataFrame, items: pd.DataFrame) -> dict[str, float]:
    """The per-replication key outputs (means over projects signed after the warm-up)."""
    finished = projects[projects["finished"]]
    started = projects[projects["construction_start_day"].notna()]
    row: dict[str, float] = {
        "projects": float(len(projects)),
        "projects_finished": float(len(finished)),
        "signing_to_land_days": _mean(projects["signing_to_land_days"]),
        "land_to_start_days": _mean(projects["land_to_start_days"]),
        "signing_to_start_days": _mean(projects["signing_to_start_days"]),
        "signing_to_start_wd": _mean(projects["signing_to_start_wd"]),
        "signing_to_start_p90_days": float(started["signing_to_start_days"].quantile(0.9))
        if len(started)
        else np.nan,
        "completion_to_production_days": _mean(projects["completion_to_production_days"]),
        "signing_to_production_days": _mean(finished["signing_to_production_days"]),
        "signing_to_production_wd": _mean(finished["signing_to_production_wd"]),
        "trips": _mean(finished["trips"]),
        "share_at_most_one_trip": _mean(finished["trips"] <= 1),
        "share_zero_trips": _mean(finished["trips"] == 0),
        "rework_rounds": _mean(finished["rework_rounds"]),
        "share_items_within_limit": _mean(items["within_limit"][items["limit_wd"].notna()])
        if len(items)
        else np.nan,
    }
    return row


def _mean(values: pd.Series) -> float:
    values = pd.Series(values, dtype=float).dropna()
    return float(values.mean()) if len(values) else float("nan")
