"""The three clocks: whose hands a file is in, measured from the event log.

Every stretch of a project's time belongs to one of three parties:

- **government**: a government office holds the file: the in-tray, queues and
  touch time of case officers, sign-off levels and window clerks, and waits for
  a meeting's sitting;
- **enterprise**: the enterprise's own preparation, its corrections of returned
  files (补正, from the return to the resubmission) and supplements;
- **third party**: intermediaries (EIA or design institutes) and elapsed
  periods no office works in: expert review, public notice, listing.

The official targets (最多90天, 最多100天, 国办发〔2019〕11号's 120 WD) count the
government clock only, from an official start (赋码, project filing) to an
official end: time during which nothing of the project is in government hands
does not count. With parallel items, the project's government time is the
*union* of its items' government intervals, so two departments working at
once count once. Working days are the same union measured on the working-time
clock ``W(t)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.simulation.calendar import WorkCalendar
from model.simulation.eventlog import (
    ELAPSED,
    IN_TRAY,
    INTAKE,
    INTERMEDIARY,
    ITEM_WORK,
    MEETING,
    PREPARATION,
    RETURNED,
    REVIEW,
    SIGNOFF,
    SUPPLEMENT,
)

CLOCKS: tuple[str, ...] = ("government", "enterprise", "third_party")

#: Pool work that is the government holding the file (queue and touch time).
_GOVERNMENT_POOL_WORK = (*ITEM_WORK, SIGNOFF, INTAKE)
#: Activities logged as start/complete spans, by the clock they run on.
_SPANS: dict[str, str] = {
    IN_TRAY: "government",
    MEETING: "government",
    PREPARATION: "enterprise",
    SUPPLEMENT: "enterprise",
    INTERMEDIARY: "third_party",
    ELAPSED: "third_party",
}
_COLUMNS = ["project_id", "item", "clock", "begin", "end"]


def clock_intervals(events: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Every interval of every project, with the clock it runs on.

    Args:
        events: The event log.
        visits: :func:`model.analysis.metrics.pool_visits` of the same log.

    Returns:
        Columns ``project_id``, ``item``, ``clock``, ``begin`` and ``end`` (days);
        intervals still open when the run stopped are left out.

    """
    parts = []
    work = visits[visits["activity"].isin(_GOVERNMENT_POOL_WORK)]
    parts.append(
        pd.DataFrame(
            {
                "project_id": work["project_id"],
                "item": work["item"],
                "clock": "government",
                "begin": work["schedule"],
                "end": work["complete"],
            }
        )
    )
    spans = _spans(events[events["activity"].isin(tuple(_SPANS))])
    parts.append(
        pd.DataFrame(
            {
                "project_id": spans["project_id"],
                "item": spans["item"],
                "clock": spans["activity"].map(_SPANS),
                "begin": spans["start"],
                "end": spans["complete"],
            }
        )
    )
    parts.append(_corrections(events, visits))
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    intervals = pd.concat(frames, ignore_index=True)
    return intervals[intervals["end"].notna() & intervals["begin"].notna()].reset_index(drop=True)


def _spans(events: pd.DataFrame) -> pd.DataFrame:
    """Pair each start with its complete, per (project, item, activity), in order."""
    if events.empty:
        return pd.DataFrame(columns=["project_id", "item", "activity", "start", "complete"])
    keys = ["project_id", "item", "activity"]
    events = events[events["lifecycle"].isin(("start", "complete"))]
    numbered = events.assign(k=events.groupby([*keys, "lifecycle"]).cumcount())
    wide = numbered.pivot_table(
        index=[*keys, "k"], columns="lifecycle", values="time", aggfunc="first"
    ).reset_index()
    for column in ("start", "complete"):
        if column not in wide:
            wide[column] = np.nan
    return wide


def _corrections(events: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """The enterprise's corrections: from each return to the resubmission that follows."""
    returns = events[events["activity"] == RETURNED]
    if returns.empty:
        return pd.DataFrame(columns=_COLUMNS)
    keys = ["project_id", "item"]
    returns = returns.assign(k=returns.groupby(keys).cumcount())
    reviews = visits[visits["activity"] == REVIEW].sort_values("schedule")
    # The k-th return is answered by the (k+1)-th submission of the same item.
    reviews = reviews.assign(k=reviews.groupby(keys).cumcount() - 1)
    paired = returns.merge(reviews[[*keys, "k", "schedule"]], on=[*keys, "k"], how="left")
    return pd.DataFrame(
        {
            "project_id": paired["project_id"],
            "item": paired["item"],
            "clock": "enterprise",
            "begin": paired["time"],
            "end": paired["schedule"],
        }
    )


def union_length(intervals: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Length of the union of ``[begin, end)`` intervals within each group of ``keys``.

    Overlapping intervals count once: sorted by begin, each interval adds only
    what lies beyond the furthest end seen so far in its group.
    """
    keys = list(keys)
    if intervals.empty:
        return pd.Series(dtype=float)
    ordered = intervals.sort_values([*keys, "begin"], kind="stable")
    furthest = ordered.groupby(keys)["end"].cummax()
    covered = furthest.groupby([ordered[k] for k in keys]).shift().fillna(-np.inf)
    added = (ordered["end"] - np.maximum(ordered["begin"], covered)).clip(lower=0.0)
    return added.groupby([ordered[k] for k in keys]).sum()


def in_working_time(intervals: pd.DataFrame, calendar: WorkCalendar) -> pd.DataFrame:
    """The same intervals on the working-time clock (lengths become working days)."""
    return intervals.assign(
        begin=calendar.working_time_array(intervals["begin"].to_numpy(float)),
        end=calendar.working_time_array(intervals["end"].to_numpy(float)),
    )


def clipped(intervals: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Intervals cut to each project's window (``windows``: project_id → start, end)."""
    joined = intervals.join(windows, on="project_id", how="inner")
    begin = np.maximum(joined["begin"], joined["start"])
    end = np.minimum(joined["end"], joined["stop"])
    cut = joined.assign(begin=begin, end=end)
    return cut[cut["end"] > cut["begin"]][intervals.columns]


def project_clocks(
    intervals: pd.DataFrame, windows: pd.DataFrame, calendar: WorkCalendar
) -> pd.DataFrame:
    """Per project, the time on each clock within its window.

    Args:
        intervals: :func:`clock_intervals`.
        windows: Indexed by ``project_id``, columns ``start`` and ``stop``.
        calendar: For the government clock in working days.

    Returns:
        Indexed like ``windows``: ``<clock>_days`` for each of :data:`CLOCKS` and
        ``government_wd``; zero where a closed window holds nothing on a clock,
        NaN where the window has not closed (or not opened) yet.

    """
    cut = clipped(intervals, windows.dropna())
    columns = {
        f"{clock}_days": union_length(cut[cut["clock"] == clock], ["project_id"])
        for clock in CLOCKS
    }
    government = in_working_time(cut[cut["clock"] == "government"], calendar)
    columns["government_wd"] = union_length(government, ["project_id"])
    closed = windows["start"].notna() & windows["stop"].notna()
    table = pd.DataFrame(index=windows.index)
    for name, values in columns.items():
        table[name] = values.reindex(windows.index).fillna(0.0).where(closed)
    return table
