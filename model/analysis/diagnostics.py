"""Checks on a finished replication: growing queues and the model's invariants.

Both are pure functions of the tables :mod:`model.analysis.metrics` derives from the
event log. A growing queue means the arrivals exceed a pool's capacity: the
means of such a run describe a transient, not the county, so the run says so.
A long warm-up hides the growth of an overloaded pool's queue: after three
years of warm-up, a queue growing steadily from day 0 is only a third longer
at the end of a one-year measured window than at its start. So a queue also
counts as unstable when it never clears during the measured window: a stable
pool's queue empties again and again, even at 90 % utilisation.
The invariants (conservation, order, capacity, bounds) are asserted in every
test run and, with ``run.debug``, in users' runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.scenario.schema import Scenario
from model.simulation.eventlog import MILESTONES
from model.simulation.replication import InvariantError

#: A queue counts as growing when, over the measured window, its length in the
#: last third is this many times that in the first third ...
GROWTH_FACTOR = 2.0
#: ... and at least this many applications per member of the pool wait, on average
#: over the last third and at its end.
BACKLOG_PER_MEMBER = 3.0
#: A pool busy at least this share of the measured window's working time, with a
#: backlog waiting on average, is at its capacity (a queue at critical load
#: drifts up and down, so it need not grow within the window).
SATURATED = 0.99


def queue_lengths(visits: pd.DataFrame, resource: str, times: np.ndarray) -> np.ndarray:
    """Number waiting at ``resource`` at each of ``times`` (joined and not yet served)."""
    v = visits[visits["resource"] == resource]
    joined = np.sort(v["schedule"].to_numpy(float))
    left = np.sort(v["start"].fillna(v["withdraw"]).fillna(np.inf).to_numpy(float))
    return np.searchsorted(joined, times, side="right") - np.searchsorted(left, times, side="right")


def growing_queues(
    visits: pd.DataFrame,
    scenario: Scenario,
    end_day: float,
    utilisation: Mapping[str, float] | None = None,
) -> list[str]:
    """Messages naming every pool whose queue grows through the measured window.

    A pool is unstable when, at 31 evenly spaced times of the measured window
    (warm-up to horizon), either its queue grows (the last third holds
    :data:`GROWTH_FACTOR` times the first, and a real backlog), or it never
    clears: at least :data:`BACKLOG_PER_MEMBER` per member wait at every one of
    the times, and the queue is not shrinking (a backlog of projects in
    progress at the start that is being worked off is not instability); or,
    given the pools' measured ``utilisation``, it is saturated: busy at least
    :data:`SATURATED` of the window with that backlog waiting on average.

    Args:
        visits: The replication's pool visits (:func:`~model.analysis.metrics.pool_visits`).
        scenario: The scenario simulated.
        end_day: The day the replication ended.
        utilisation: Each pool's utilisation over the measured window, by name
            (the ``resources`` table); without it the saturation test is skipped.

    """
    start = scenario.run.warmup_days
    end = min(scenario.run.horizon_days, end_day)
    if end - start < 30:
        return []
    times = np.linspace(start, end, 31)
    thirds = np.array_split(np.arange(len(times)), 3)
    messages = []
    for pool in scenario.pools():
        lengths = queue_lengths(visits, pool.name, times)
        first, last = lengths[thirds[0]].mean(), lengths[thirds[-1]].mean()
        backlog = lengths[-1]
        members = max(pool.capacity, 1)
        # Both the last third on average and the end must hold a real backlog: a
        # burst at the end of an otherwise quiet window is not instability.
        backlog_floor = BACKLOG_PER_MEMBER * members
        if last > GROWTH_FACTOR * max(first, 1.0) and min(last, backlog) >= backlog_floor:
            messages.append(
                f"unstable: the queue at {pool.name} grows from {first:.0f} to {last:.0f} "
                f"waiting ({backlog} at day {end:.0f}, {pool.capacity} member(s)); arrivals "
                f"exceed its capacity, so means describe a growing backlog, not a steady state"
            )
        elif lengths.min() >= backlog_floor and last >= first:
            messages.append(
                f"unstable: the queue at {pool.name} never clears: at least {lengths.min()} "
                f"waiting throughout days {start:.0f}-{end:.0f} ({first:.0f} to {last:.0f} on "
                f"average, {pool.capacity} member(s)); arrivals reach or exceed its capacity, "
                f"so means describe a backlog, not a steady state"
            )
        elif (
            utilisation is not None
            and utilisation.get(pool.name, 0.0) >= SATURATED
            and lengths.mean() >= backlog_floor
        ):
            messages.append(
                f"unstable: the queue at {pool.name} is saturated: busy "
                f"{utilisation[pool.name]:.0%} of days {start:.0f}-{end:.0f} with "
                f"{lengths.mean():.0f} waiting on average ({pool.capacity} member(s)); "
                f"arrivals reach its capacity, so means describe a backlog, not a steady state"
            )
    return messages


def check_invariants(
    events: pd.DataFrame,
    projects: pd.DataFrame,
    items: pd.DataFrame,
    resources: pd.DataFrame,
    scenario: Scenario,
    projects_signed: int,
) -> None:
    """Raise :class:`InvariantError` if any invariant of a replication fails.

    Conservation of projects and items, no negative durations or waits,
    milestones in order, utilisation within [0, 1].
    """
    signed = events[events["activity"] == "signed"]
    if len(signed) != projects_signed or signed["project_id"].duplicated().any():
        raise InvariantError(f"{projects_signed} signed but {len(signed)} 'signed' events")
    kept = signed[(signed["time"] >= scenario.run.warmup_days) | (signed["project_id"] < 0)][
        "project_id"
    ]
    if set(projects["project_id"]) != set(kept):
        raise InvariantError("the project table does not hold exactly the measured projects")
    if items.duplicated(["project_id", "item"]).any():
        raise InvariantError("an item instance is counted twice")
    finished = projects[projects["finished"]]
    days = finished[[f"{m}_day" for m in MILESTONES]].to_numpy(float)
    if (np.diff(days, axis=1) < -1e-9).any():
        raise InvariantError("milestones out of order for a finished project")
    for type_name, group in finished.groupby("project_type"):
        wanted = set(scenario.project_types[str(type_name)].items)
        if scenario.mechanisms.combined_survey.enabled:
            wanted -= set(scenario.mechanisms.combined_survey.removes)
        decided = items[items["project_id"].isin(group["project_id"])].groupby("project_id")["item"]
        have = {project_id: set(names) for project_id, names in decided}
        for project_id in group["project_id"]:
            names = have.get(project_id, set())
            if project_id < 0:  # in progress at the start: its done items were decided before
                names |= set(scenario.pipeline[-project_id - 1].done)
            if names != wanted:
                raise InvariantError(
                    f"project {project_id} decided {sorted(names)}, needs {sorted(wanted)}"
                )
    durations = [c for c in projects.columns if c.endswith("_days") or c.endswith("_wd")]
    if (projects[durations].to_numpy(float) < -1e-9).any():
        raise InvariantError("a negative phase duration")
    if (items[["waiting_days", "effort_wd"]].to_numpy(float) < -1e-9).any():
        raise InvariantError("a negative wait or effort")
    utilisation = resources["utilisation"].dropna()
    if ((utilisation < -1e-9) | (utilisation > 1 + 1e-9)).any():
        raise InvariantError("utilisation outside [0, 1]")
