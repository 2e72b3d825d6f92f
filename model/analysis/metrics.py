"""Metrics: pure functions from an event log to the tables users read.

Nothing here touches the simulation: every number is derived from the facts in
the event log, so a stored log can be re-analysed. Calendar-day durations have
``_days`` names; their working-day twins end in ``_wd``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.analysis.clocks import CLOCKS, in_working_time, project_clocks, union_length
from model.analysis.outputs import LAND_TO_START_SHARE, LAND_TO_START_WD
from model.scenario.schema import Scenario
from model.simulation.calendar import WorkCalendar
from model.simulation.eventlog import (
    AGENT_TRIP,
    CHECK,
    DECISION,
    ESCALATED,
    ITEM_WORK,
    MILESTONES,
    MISROUTE,
    OPINION,
    POOL_WORK,
    PRECHECK,
    RETURNED,
    REVIEW,
    STAGE,
    TRIP,
)

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


def pool_visits(events: pd.DataFrame) -> pd.DataFrame:
    """One row per time something held (or queued for) a member of a pool.

    Columns: project_id, item, activity, resource, schedule, start, complete
    (``start``/``complete`` are NaN when the run stopped first, or when a project
    stopped waiting for an agent).
    """
    work = events[
        events["activity"].isin(POOL_WORK)
        & events["lifecycle"].isin(("schedule", "start", "complete", "withdraw"))
    ]
    if work.empty:
        return pd.DataFrame(
            columns=[
                "project_id",
                "item",
                "activity",
                "resource",
                "schedule",
                "start",
                "complete",
                "withdraw",
            ]  # fmt: skip
        )
    work = work.assign(k=work.groupby(["project_id", "item", "activity", "lifecycle"]).cumcount())
    wide = work.pivot_table(
        index=["project_id", "item", "activity", "resource", "k"],
        columns="lifecycle",
        values="time",
        aggfunc="first",
    ).reset_index()
    for column in ("schedule", "start", "complete", "withdraw"):
        if column not in wide:
            wide[column] = np.nan
    wide.columns.name = None
    return wide[
        ["project_id", "item", "activity", "resource", "schedule", "start", "complete", "withdraw"]
    ]


def project_table(
    events: pd.DataFrame,
    scenario: Scenario,
    calendar: WorkCalendar,
    items: pd.DataFrame,
    intervals: pd.DataFrame,
) -> pd.DataFrame:
    """One row per project signed after the warm-up: milestones, phases, clocks, trips, rework.

    Besides the enterprise's elapsed phases, each project has its official clocks
    (:mod:`model.analysis.clocks`): government time from the official start (the
    decision of the item that ``starts_official_clock``, e.g. 赋码; else the first
    application) to construction start (``government_prestart``) and to
    acceptance (``government_full``), with the enterprise's and third parties'
    time in the pre-start window beside them.
    """
    milestones = events[events["activity"].isin(MILESTONES)]
    wide = milestones.pivot_table(
        index="project_id", columns="activity", values="time", aggfunc="first"
    )
    wide = wide.reindex(columns=list(MILESTONES))
    wide.columns.name = None
    signed = events[events["activity"] == "signed"].set_index("project_id")
    table = pd.DataFrame(index=wide.index)
    table["project_type"] = signed["item"].reindex(wide.index)
    # Whether the type needs land supplied ("new") or the enterprise holds its own
    # ("own"): an own-land project's land_obtained only marks land it already had,
    # so 拿地即开工 leaves it out.
    lands = {name: t.land for name, t in scenario.project_types.items()}
    table["land"] = table["project_type"].map(lands)
    for milestone in MILESTONES:
        table[f"{milestone}_day"] = wide[milestone]
    for name, (first, last) in PHASES.items():
        table[f"{name}_days"] = wide[last] - wide[first]
        table[f"{name}_wd"] = calendar.working_time_array(
            wide[last].to_numpy(float)
        ) - calendar.working_time_array(wide[first].to_numpy(float))
    counts = events.groupby(["project_id", "activity"]).size().unstack(fill_value=0)
    first_stage = events[(events["activity"] == STAGE) & (events["lifecycle"] == "start")]
    first_application = first_stage.groupby("project_id")["time"].min().reindex(table.index)
    table["signing_to_first_application_days"] = first_application - wide["signed"]
    official = _official_start(events, scenario).reindex(table.index).fillna(first_application)
    table["official_start_day"] = official
    for name, stop in (("prestart", wide["construction_start"]), ("full", wide["accepted"])):
        clocks = project_clocks(
            intervals, pd.DataFrame({"start": official, "stop": stop}), calendar
        )
        table[f"government_{name}_days"] = clocks["government_days"]
        table[f"government_{name}_wd"] = clocks["government_wd"]
        if name == "prestart":
            for clock in ("enterprise", "third_party"):
                table[f"{clock}_prestart_days"] = clocks[f"{clock}_days"]
    for column, activity in (
        ("trips", TRIP),
        ("agent_trips", AGENT_TRIP),
        ("agent_prechecks", PRECHECK),
        ("misroutes", MISROUTE),
        ("rework_rounds", RETURNED),
        ("escalations", ESCALATED),
    ):
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
    # Projects already in progress at the start carry their reference; they are
    # always kept (they are what a pipeline forecast is about).
    table["pipeline_name"] = signed["resource"].reindex(table.index).replace("", None)
    table["pipeline"] = table.index < 0
    table = table[(table["signed_day"] >= scenario.run.warmup_days) | table["pipeline"]]
    return table.reset_index()


def _official_start(events: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Per project, the decision time of its item that starts the official clock."""
    starters = [name for name, item in scenario.items.items() if item.starts_official_clock]
    decided = events[(events["activity"] == DECISION) & events["item"].isin(starters)]
    return decided.groupby("project_id")["time"].min()


def item_table(
    events: pd.DataFrame,
    scenario: Scenario,
    calendar: WorkCalendar,
    visits: pd.DataFrame,
    intervals: pd.DataFrame,
) -> pd.DataFrame:
    """One row per (project, item): times, waiting, effort, the three clocks and the limit.

    The government clock of an item (``government_wd``) is the working time its
    file spent in government hands up to its decision: the in-tray, queues and
    touch time of every submission, sign-off and meeting waits; corrections,
    intermediaries and expert review or notice periods are off it (see
    :mod:`model.analysis.clocks`). The limit is checked on it. An item decided
    by converting a simulated opinion counts its pre-land review too.
    """
    columns = [
        "project_id", "item", "department", "stage", "queued_day", "started_day",
        "finished_day", "waiting_days", "effort_wd", "submissions", "simulated",
        "government_days", "enterprise_days", "third_party_days",
        "government_wd", "limit_wd", "within_limit",
    ]  # fmt: skip
    visits = visits[visits["activity"].isin(ITEM_WORK)]
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
    reviews = v[v["activity"].isin((REVIEW, CHECK))]
    table["submissions"] = reviews.groupby(keys).size().reindex(table.index, fill_value=0)
    decisions = events[events["activity"] == DECISION].groupby(keys)["time"].first()
    table["finished_day"] = decisions.reindex(table.index)
    opinions = events[events["activity"] == OPINION].groupby(keys).size()
    table["simulated"] = opinions.reindex(table.index, fill_value=0) > 0
    # Each clock up to the decision; work after it (rectifying a breached
    # commitment) is not on the item's clocks.
    decided_at = table["finished_day"].rename("stop")
    windows = pd.DataFrame({"start": -np.inf, "stop": decided_at})
    own = intervals.join(windows, on=["project_id", "item"], how="inner")
    own = own.assign(end=np.minimum(own["end"], own["stop"]))
    own = own[own["end"] > own["begin"]][intervals.columns]
    for clock in CLOCKS:
        chosen = own[own["clock"] == clock]
        table[f"{clock}_days"] = union_length(chosen, keys).reindex(table.index).fillna(0.0)
        if clock == "government":
            working = union_length(in_working_time(chosen, calendar), keys)
            table["government_wd"] = working.reindex(table.index).fillna(0.0)
    for clock in CLOCKS:  # an item the run stopped before deciding has no clocks yet
        table[f"{clock}_days"] = table[f"{clock}_days"].where(table["finished_day"].notna())
    table["government_wd"] = table["government_wd"].where(table["finished_day"].notna())
    names = table.index.get_level_values("item")
    table["stage"] = [str(scenario.items[n].stage) for n in names]
    # A type may set its own limit for an item (item_overrides); the type rides in
    # the item column of the "signed" event.
    types = events[events["activity"] == "signed"].set_index("project_id")["item"]
    project_types = types.reindex(table.index.get_level_values("project_id")).to_numpy()
    table["limit_wd"] = [
        scenario.limit_wd(n, t) if t in scenario.project_types else scenario.limit_wd(n)
        for n, t in zip(names, project_types, strict=True)
    ]
    table["limit_wd"] = table["limit_wd"].astype(float)
    decided = table["finished_day"].notna()
    table["within_limit"] = decided & (
        table["limit_wd"].isna() | (table["government_wd"] <= table["limit_wd"] + 1e-9)
    )
    table = table.reset_index()
    signed = events[events["activity"] == "signed"].set_index("project_id")["time"]
    kept = signed[(signed >= scenario.run.warmup_days) | (signed.index < 0)].index
    return table[table["project_id"].isin(kept)][columns].reset_index(drop=True)


def resource_table(
    visits: pd.DataFrame,
    scenario: Scenario,
    calendar: WorkCalendar,
    end_day: float,
) -> pd.DataFrame:
    """One row per pool (departments, window clerks, teams, agents) over [warm-up, horizon].

    Utilisation is busy member working time over available member working time
    (pool size follows its staff changes); queue statistics are time-averages
    over calendar time.
    """
    window_start = scenario.run.warmup_days
    window_end = min(scenario.run.horizon_days, end_day)
    length = window_end - window_start
    rows = []
    for pool in scenario.pools():
        v = visits[visits["resource"] == pool.name]
        schedule = v["schedule"].to_numpy(float)
        abandoned = v["withdraw"].notna().to_numpy()
        # A request withdrawn (a project stopped waiting for an agent) left the queue then.
        start = v["start"].fillna(v["withdraw"]).fillna(end_day).to_numpy(float)
        complete = v["complete"].fillna(v["withdraw"]).fillna(end_day).to_numpy(float)
        busy_from = np.clip(start, window_start, window_end)
        busy_to = np.clip(complete, window_start, window_end)
        busy_wd = float(
            np.sum(calendar.working_time_array(busy_to) - calendar.working_time_array(busy_from))
        )
        queue_to = np.clip(start, window_start, window_end)
        queue_from = np.clip(schedule, window_start, window_end)
        queue_area = float(np.sum(queue_to - queue_from))
        system_area = float(np.sum(busy_to - queue_from))
        capacity_wd = _capacity_wd(pool, scenario, calendar, window_start, window_end)
        in_window = (schedule >= window_start) & (schedule < window_end)
        served = in_window & ~np.isnan(v["start"].to_numpy(float))
        rows.append(
            {
                "resource": pool.name,
                "kind": pool.kind,
                "capacity": pool.capacity,
                "utilisation": busy_wd / capacity_wd if capacity_wd > 0 else np.nan,
                "mean_queue": queue_area / length if length > 0 else np.nan,
                "max_queue": _max_queue(schedule, start),
                "mean_in_system": system_area / length if length > 0 else np.nan,
                "arrivals": int(in_window.sum()),
                "mean_wait_days": float(np.mean(start[served] - schedule[served]))
                if served.any()
                else np.nan,
                "gave_up": int((abandoned & in_window).sum()),
            }
        )
    return pd.DataFrame(rows)


def _capacity_wd(
    pool: Any, scenario: Scenario, calendar: WorkCalendar, window_start: float, window_end: float
) -> float:
    """Member working days available in the window, following the pool's staff changes."""
    steps = [(window_start, pool.capacity)]
    for change in sorted(pool.changes, key=lambda c: c.date):
        day = float((change.date - scenario.run.start_date).days)
        steps.append((max(day, window_start), change.staff))
    total = 0.0
    for (begin, size), (end, _) in zip(steps, [*steps[1:], (window_end, 0)], strict=True):
        if end > begin:
            total += size * calendar.working_days_between(
                min(begin, window_end), min(end, window_end)
            )
    return total


def scorecard(items: pd.DataFrame, resources: pd.DataFrame) -> pd.DataFrame:
    """The department scorecard (一套机制运行): item time, timeliness and utilisation.

    Item time is calendar days from first queueing to decision. Works on one
    replication's tables or on stacked ones (then means across replications).
    """
    decided = items[items["finished_day"].notna()]
    item_days = decided["finished_day"] - decided["queued_day"]
    by = decided.assign(item_days=item_days).groupby("department")
    card = pd.DataFrame(
        {
            "items": by.size(),
            "mean_item_days": by["item_days"].mean(),
            "p90_item_days": by["item_days"].quantile(0.9),
            "share_within_limit": by["within_limit"].mean(),
        }
    )
    departments = resources[resources["kind"] == "department"].groupby("resource")
    card["utilisation"] = departments["utilisation"].mean()
    card.index.name = "department"
    return card.reset_index()


def bottlenecks(resources: pd.DataFrame, threshold: float = 0.9) -> list[str]:
    """Pools that hold projects up, worst first.

    A pool is a bottleneck when its mean utilisation (across replications) is at
    least ``threshold`` or projects gave up waiting for it; ranked by utilisation,
    then by mean wait.
    """
    if resources.empty:
        return []
    by = resources.groupby("resource")
    table = pd.DataFrame(
        {
            "utilisation": by["utilisation"].mean(),
            "wait": by["mean_wait_days"].mean(),
            "gave_up": by["gave_up"].sum() if "gave_up" in resources else 0,
        }
    )
    flagged = table[(table["utilisation"] >= threshold) | (table["gave_up"] > 0)]
    return list(flagged.sort_values(["utilisation", "wait"], ascending=False).index)


def _max_queue(schedule: np.ndarray, start: np.ndarray) -> int:
    """Largest number waiting at once (joins before leaves at equal times)."""
    if len(schedule) == 0:
        return 0
    times = np.concatenate([schedule, start])
    steps = np.concatenate([np.ones(len(schedule)), -np.ones(len(start))])
    order = np.lexsort((-steps, times))
    return int(np.max(np.cumsum(steps[order])))


def summary_row(projects: pd.DataFrame, items: pd.DataFrame) -> dict[str, float]:
    """The per-replication key outputs (means over projects signed after the warm-up).

    Projects already in progress at the start (a pipeline) are left out: the
    outputs describe the cohort of new signings; pipeline forecasts are read
    from the project and item tables.
    """
    if "pipeline" in projects:
        items = items[~items["project_id"].isin(projects.loc[projects["pipeline"], "project_id"])]
        projects = projects[~projects["pipeline"]]
    finished = projects[projects["finished"]]
    started = projects[projects["construction_start_day"].notna()]
    row: dict[str, float] = {
        "projects": float(len(projects)),
        "projects_finished": float(len(finished)),
        "signing_to_land_days": _mean(projects["signing_to_land_days"]),
        "land_to_start_days": _mean(projects["land_to_start_days"]),
        LAND_TO_START_SHARE: land_to_start_share(projects),
        "signing_to_start_days": _mean(projects["signing_to_start_days"]),
        "signing_to_start_wd": _mean(projects["signing_to_start_wd"]),
        "signing_to_start_p90_days": float(started["signing_to_start_days"].quantile(0.9))
        if len(started)
        else np.nan,
        "completion_to_production_days": _mean(projects["completion_to_production_days"]),
        "signing_to_production_days": _mean(finished["signing_to_production_days"]),
        "signing_to_production_wd": _mean(finished["signing_to_production_wd"]),
        "signing_to_first_application_days": _mean(projects["signing_to_first_application_days"]),
        "trips": _mean(finished["trips"]),
        "agent_trips": _mean(finished["agent_trips"]),
        "misroutes": _mean(finished["misroutes"]),
        "share_at_most_one_trip": _mean(finished["trips"] <= 1),
        "share_zero_trips": _mean(finished["trips"] == 0),
        "rework_rounds": _mean(finished["rework_rounds"]),
        "share_items_within_limit": _mean(items["within_limit"][items["limit_wd"].notna()])
        if len(items)
        else np.nan,
        "mean_item_days": _mean(items["finished_day"] - items["queued_day"]),
        "p90_item_days": float((items["finished_day"] - items["queued_day"]).quantile(0.9))
        if len(items)
        else np.nan,
        "escalations": _mean(projects["escalations"]),
        "government_prestart_days": _mean(started["government_prestart_days"]),
        "government_prestart_wd": _mean(started["government_prestart_wd"]),
        "government_full_days": _mean(projects["government_full_days"]),
        "enterprise_prestart_days": _mean(started["enterprise_prestart_days"]),
        "third_party_prestart_days": _mean(started["third_party_prestart_days"]),
    }
    return row


def land_to_start_share(projects: pd.DataFrame) -> float:
    """拿地即开工: the share of projects on new land that started soon after getting it.

    Among projects whose type needs land supplied (``land == "new"``) and that
    reached construction start, the share that started within
    :data:`~model.analysis.outputs.LAND_TO_START_WD` working days of obtaining
    the land (``land_to_start_wd``, on the scenario's working-day calendar).
    Projects on their own land hold it from signing and are left out. NaN when
    no project qualifies: no share, rather than a share of zero.
    """
    if "land" not in projects:
        return float("nan")
    waited = projects.loc[projects["land"] == "new", "land_to_start_wd"].dropna()
    return _mean(waited <= LAND_TO_START_WD + 1e-9)


def _mean(values: pd.Series) -> float:
    values = pd.Series(values, dtype=float).dropna()
    return float(values.mean()) if len(values) else float("nan")
