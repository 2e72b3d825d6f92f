"""Figures: matplotlib functions that take result tables and return their ``Axes``.

Every plotting function has the form ``f(df, ax=None, **kw) -> Axes``: it draws
on the given axes (or a new figure's), never shows or saves anything (only
:mod:`model.report.figures` saves figures) and never changes global settings. The
report and the notebooks call the same functions.

Tables with several scenarios carry a ``scenario`` column; :func:`combine`
builds them from a :class:`~model.experiments.batch.Comparison`. Labels come in
English (``lang="en"``) or Chinese (``lang="zh"``).

Chinese text needs a font with CJK glyphs, which a fresh machine may not have:
:mod:`model.outputs.fonts` finds the bundled one. Library code draws inside
``plt.rc_context(fonts.cjk_rc())``; notebooks call :func:`use_cjk_font`
(re-exported here) once per session.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from model.analysis.aggregate import confidence_interval
from model.experiments.batch import Comparison, Results
from model.outputs.fonts import use_cjk_font as use_cjk_font

Lang = Literal["en", "zh"]

#: Project phases in lifecycle order: column stem of the project table.
PHASES: tuple[str, ...] = (
    "signing_to_land",
    "land_to_start",
    "start_to_completion",
    "completion_to_acceptance",
    "acceptance_to_production",
)

#: Timeline segment kinds, in legend order, with their colours.
SEGMENT_COLOURS: dict[str, str] = {
    "waiting": "#d62728",
    "review": "#1f77b4",
    "enterprise": "#ff7f0e",
    "elapsed": "#9467bd",
    "construction": "#7f7f7f",
    "other": "#bcbd22",
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "signing_to_land": "signing → land",
        "land_to_start": "land → construction start",
        "start_to_completion": "construction",
        "completion_to_acceptance": "completion → acceptance",
        "acceptance_to_production": "acceptance → production",
        "signing_to_production_days": "signing → production (calendar days)",
        "signing_to_start_days": "signing → construction start (calendar days)",
        "share_of_projects": "share of projects",
        "mean_days": "mean calendar days (finished projects)",
        "trips": "trips to government offices per project",
        "utilisation": "reviewer utilisation (mean over replications, 95 % CI)",
        "days_since_signing": "calendar days since signing",
        "waiting": "waiting for a reviewer",
        "review": "government working",
        "enterprise": "enterprise work (prepare, fix)",
        "elapsed": "expert review / public notice",
        "construction": "construction",
        "other": "review, rework and delays",
        "handoff": "handoff",
        "days_saved": "days",
        "total": "total",
        "staff": "staff",
        "mean": "mean",
        "project": "project",
        "milestones": "milestones",
    },
    "zh": {
        "signing_to_land": "签约→供地",
        "land_to_start": "供地→开工",
        "start_to_completion": "施工",
        "completion_to_acceptance": "竣工→验收",
        "acceptance_to_production": "验收→投产",
        "signing_to_production_days": "签约→投产（日历天）",
        "signing_to_start_days": "签约→开工（日历天）",
        "share_of_projects": "项目占比",
        "mean_days": "平均日历天数（已投产项目）",
        "trips": "每个项目跑政府部门的次数",
        "utilisation": "审批人员利用率（各次重复的均值，95% 置信区间）",
        "days_since_signing": "签约后的日历天数",
        "waiting": "排队等待审批",
        "review": "政府部门办理",
        "enterprise": "企业工作（准备、补正）",
        "elapsed": "专家评审／公示",
        "construction": "施工",
        "other": "审批、补正与其他时段",
        "handoff": "签约后交接",
        "days_saved": "天",
        "total": "合计",
        "staff": "人员",
        "mean": "均值",
        "project": "项目",
        "milestones": "节点",
    },
}


def words(lang: Lang) -> dict[str, str]:
    """The label vocabulary of one language (English for anything unknown)."""
    return WORDS.get(lang, WORDS["en"])


# -- data helpers ----------------------------------------------------------------


def combine(results: Results | Comparison | Sequence[Results], table: str) -> pd.DataFrame:
    """One table of several scenarios with a ``scenario`` column.

    Args:
        results: One scenario's results, a comparison or a list of results.
        table: ``projects``, ``items``, ``resources``, ``summary`` or ``events``.

    Returns:
        The stacked table, scenarios in the order given.

    """
    if isinstance(results, Results):
        parts = [results]
    elif isinstance(results, Comparison):
        parts = list(results.results)
    else:
        parts = list(results)
    frames = [getattr(r, table).assign(scenario=r.scenario.name) for r in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _groups(df: pd.DataFrame, by: str | None) -> list[tuple[str, pd.DataFrame]]:
    """Split by ``by`` keeping first-appearance order (the scenario order)."""
    if by is None or by not in df:
        return [("", df)]
    return [(str(key), df[df[by] == key]) for key in pd.unique(df[by])]


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=size)
    return new


def typical_project(
    projects: pd.DataFrame, column: str = "signing_to_production_days"
) -> pd.Series:
    """The median project: of the most common type, the finished one nearest the median.

    Restricting to the most common project type keeps the example representative
    of what most applicants go through.

    Args:
        projects: A project table (one scenario, any number of replications).
        column: The duration that defines "median".

    Returns:
        The row of that project (with its ``replication`` and ``project_id``).

    Raises:
        ValueError: If no project has finished.

    """
    finished = projects[projects[column].notna()]
    if finished.empty:
        raise ValueError("no finished project to pick a typical one from")
    common = finished["project_type"].mode().iloc[0]
    pool = finished[finished["project_type"] == common]
    distance = (pool[column] - pool[column].median()).abs()
    # Ties broken by replication and project id so the choice is reproducible.
    order = pd.DataFrame(
        {"d": distance, "r": pool.get("replication", 0), "p": pool["project_id"]}
    ).sort_values(["d", "r", "p"])
    return pool.loc[order.index[0]]


def project_timeline(
    project: pd.Series,
    items: pd.DataFrame,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The segments of one project's life, separating waiting from working.

    With the event log, each item's time splits exactly into enterprise work
    (preparing, fixing a returned file), waiting in a department's queue,
    reviewer work, and expert review or public notice. Without it (comparisons
    keep no events), the item table gives the waiting time and one block from
    the first review start to the decision, labelled ``other``.

    Args:
        project: A row of the project table (``replication``, ``project_id``,
            milestone ``*_day`` columns).
        items: The item table (all projects; filtered here).
        events: The event log with a ``replication`` column, or None.

    Returns:
        Columns ``row`` (item name or phase), ``kind`` (a key of
        :data:`SEGMENT_COLOURS`), ``start`` and ``end`` in days since signing.

    """
    pid = project["project_id"]
    rep = project.get("replication", None)
    origin = float(project["signed_day"])
    rows: list[dict[str, Any]] = []

    def add(row: str, kind: str, start: float, end: float) -> None:
        if np.isfinite(start) and np.isfinite(end) and end > start:
            rows.append({"row": row, "kind": kind, "start": start - origin, "end": end - origin})

    own_events = None
    if events is not None and not events.empty:
        mask = events["project_id"] == pid
        if rep is not None and "replication" in events:
            mask &= events["replication"] == rep
        own_events = events[mask]
    if own_events is not None and not own_events.empty:
        first = own_events[own_events["time"] > origin]["time"].min()
        add("handoff", "waiting", origin, float(first) if pd.notna(first) else origin)
        # Stage brackets and milestones are drawn as lines, not as item rows.
        item_events = own_events[(own_events["activity"] != "stage") & (own_events["item"] != "")]
        for item, group in item_events.groupby("item", sort=False):
            _item_segments(str(item), group.sort_values("time", kind="stable"), add)
    else:
        mask = items["project_id"] == pid
        if rep is not None and "replication" in items:
            mask &= items["replication"] == rep
        for row in items[mask].itertuples():
            add(str(row.item), "waiting", row.queued_day, row.started_day)
            add(str(row.item), "other", row.started_day, row.finished_day)
    add(
        "construction",
        "construction",
        float(project["construction_start_day"]),
        float(project["completed_day"]),
    )
    table = pd.DataFrame(rows, columns=["row", "kind", "start", "end"])
    first_start = table.groupby("row", sort=False)["start"].transform("min")
    return (
        table.assign(_o=first_start)
        .sort_values(["_o", "start"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _item_segments(item: str, group: pd.DataFrame, add: Any) -> None:
    """Turn one item's events into segments (see :func:`project_timeline`).

    Generic over activities, so new kinds of government work (window intake,
    on-site checks) are drawn without changes here: any activity queued
    (``schedule``) and then started is waiting in between; any started activity
    that holds a resource is government work until it completes.
    """
    opened: dict[tuple[str, str], float] = {}
    returned_at: float | None = None
    for ev in group.itertuples():
        activity, lifecycle, time = str(ev.activity), str(ev.lifecycle), float(ev.time)
        if activity == "returned":
            returned_at = time
            continue
        if lifecycle == "schedule":
            if returned_at is not None:  # the enterprise fixed the file meanwhile
                add(item, "enterprise", returned_at, time)
                returned_at = None
            opened[(activity, "schedule")] = time
        elif lifecycle == "start":
            queued = opened.pop((activity, "schedule"), None)
            if queued is not None:
                add(item, "waiting", queued, time)
            opened[(activity, "start")] = time
        elif lifecycle == "complete":
            began = opened.pop((activity, "start"), None)
            if began is None:
                continue
            if activity == "preparation":
                kind = "enterprise"
            elif activity == "elapsed":
                kind = "elapsed"
            else:
                kind = "review" if str(getattr(ev, "resource", "") or "") else "other"
            add(item, kind, began, time)


# -- figures ---------------------------------------------------------------------


def ecdf(
    projects: pd.DataFrame,
    ax: Axes | None = None,
    *,
    column: str = "signing_to_production_days",
    by: str | None = "scenario",
    lang: Lang = "en",
) -> Axes:
    """Empirical distribution function of a project duration, one line per scenario.

    Pools the projects of all replications.
    """
    ax = _axes(ax)
    w = words(lang)
    for label, group in _groups(projects, by):
        values = np.sort(group[column].dropna().to_numpy(float))
        if len(values) == 0:
            continue
        shares = np.arange(1, len(values) + 1) / len(values)
        ax.step(values, shares, where="post", label=label or None)
    ax.set_xlabel(w.get(column, column))
    ax.set_ylabel(w["share_of_projects"])
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    if by is not None and by in projects and projects[by].nunique() > 0:
        ax.legend(loc="lower right")
    return ax


def stage_times(
    projects: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "scenario",
    lang: Lang = "en",
) -> Axes:
    """Mean calendar days per lifecycle phase, one stacked bar per scenario."""
    ax = _axes(ax)
    w = words(lang)
    groups = _groups(projects[projects["finished"].astype(bool)], by)
    labels = [label or "" for label, _ in groups]
    left = np.zeros(len(groups))
    colours = plt.get_cmap("tab10")
    for k, phase in enumerate(PHASES):
        means = np.array([g[f"{phase}_days"].mean() for _, g in groups], dtype=float)
        means = np.nan_to_num(means)
        bars = ax.barh(labels, means, left=left, color=colours(k), label=w[phase])
        for bar, value in zip(bars, means, strict=True):
            if value >= 0.06 * max(float(np.nansum(means)), 1.0) and value > 0:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                )
        left += means
    ax.invert_yaxis()
    ax.set_xlabel(w["mean_days"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8)
    return ax


def trips(
    projects: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "scenario",
    lang: Lang = "en",
) -> Axes:
    """Distribution of trips per finished project (box per scenario, mean marked).

    The dashed line marks the "at most one trip" target.
    """
    ax = _axes(ax)
    w = words(lang)
    groups = _groups(projects[projects["finished"].astype(bool)], by)
    data = [g["trips"].dropna().to_numpy(float) for _, g in groups]
    labels = [label or "" for label, _ in groups]
    ax.boxplot(data, orientation="horizontal", showmeans=True, widths=0.5)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    ax.axvline(1, color="black", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlabel(w["trips"])
    ax.grid(axis="x", alpha=0.3)
    return ax


def utilisation(
    resources: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = "scenario",
    lang: Lang = "en",
) -> Axes:
    """Mean utilisation per resource with 95 % t-intervals over replications."""
    ax = _axes(ax, (7.0, 0.5 + 0.45 * max(1, resources["resource"].nunique())))
    w = words(lang)
    names = list(pd.unique(resources["resource"]))
    groups = _groups(resources, by)
    height = 0.8 / max(1, len(groups))
    y = np.arange(len(names))
    for k, (label, group) in enumerate(groups):
        means, halves = [], []
        for name in names:
            values = group.loc[group["resource"] == name, "utilisation"].to_numpy(float)
            mean, half = confidence_interval(values)
            means.append(mean)
            halves.append(0.0 if not math.isfinite(half) else half)
        ax.barh(y + k * height, means, height=height, xerr=halves, label=label or None, capsize=2)
    ax.set_yticks(y + height * (len(groups) - 1) / 2, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(w["utilisation"])
    ax.grid(axis="x", alpha=0.3)
    if len(groups) > 1:
        ax.legend(fontsize=8, loc="lower right")
    return ax


def timeline(
    segments: pd.DataFrame,
    ax: Axes | None = None,
    *,
    lang: Lang = "en",
    milestones: Mapping[str, float] | None = None,
) -> Axes:
    """Gantt chart of one project from :func:`project_timeline`.

    Args:
        segments: Columns ``row``, ``kind``, ``start``, ``end`` (days since signing).
        ax: Axes to draw on.
        lang: Label language.
        milestones: Optional name -> day since signing, drawn as vertical lines.

    """
    rows = list(pd.unique(segments["row"]))
    ax = _axes(ax, (8.0, 0.6 + 0.28 * max(1, len(rows))))
    w = words(lang)
    index = {name: k for k, name in enumerate(rows)}
    for seg in segments.itertuples():
        ax.barh(
            index[seg.row],
            seg.end - seg.start,
            left=seg.start,
            height=0.7,
            color=SEGMENT_COLOURS.get(seg.kind, "#cccccc"),
        )
    for name, day in (milestones or {}).items():
        if day is not None and np.isfinite(day):
            ax.axvline(day, color="black", linewidth=0.6, alpha=0.5)
            ax.text(
                day,
                1.0,
                str(name),
                transform=ax.get_xaxis_transform(),
                rotation=45,
                fontsize=7,
                va="bottom",
                ha="left",
            )
    ax.set_yticks(range(len(rows)), [w.get(r, r) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(w["days_since_signing"])
    kinds = [k for k in SEGMENT_COLOURS if k in set(segments["kind"])]
    ax.legend(
        handles=[Patch(color=SEGMENT_COLOURS[k], label=w[k]) for k in kinds],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if len(rows) > 10 else -0.25),
        ncol=3,
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    return ax


def waterfall(
    steps: pd.DataFrame,
    ax: Axes | None = None,
    *,
    label: str = "label",
    value: str = "value",
    start: float | None = None,
    lang: Lang = "en",
) -> Axes:
    """Waterfall of changes (e.g. days saved per mechanism), each from the running total.

    Args:
        steps: One row per step, in order: ``label`` and signed ``value``
            (negative = fewer days). Optional ``ci_low``/``ci_high`` give error bars.
        ax: Axes to draw on.
        label: Column with the step names.
        value: Column with the signed changes.
        start: Level before the first step (e.g. the baseline mean); when given,
            a first bar shows it and a last bar shows the end level.
        lang: Label language.

    """
    ax = _axes(ax, (8.0, 4.0))
    w = words(lang)
    names = [str(x) for x in steps[label]]
    changes = steps[value].to_numpy(float)
    level = 0.0 if start is None else float(start)
    x = 0
    ticks: list[str] = []
    if start is not None:
        ax.bar(x, level, color="#7f7f7f")
        ticks.append(w["total"] + " 0")
        x += 1
    for k, change in enumerate(changes):
        bottom = level + min(change, 0.0)
        colour = "#2ca02c" if change < 0 else "#d62728"
        err = None
        if {"ci_low", "ci_high"} <= set(steps.columns):
            low, high = steps["ci_low"].iloc[k], steps["ci_high"].iloc[k]
            if np.isfinite(low) and np.isfinite(high):
                err = [[change - low], [high - change]]
        ax.bar(x, abs(change), bottom=bottom, color=colour)
        if err is not None:
            ax.errorbar(x, level + change, yerr=err, color="black", capsize=3, linewidth=1)
        ax.text(x, level + max(change, 0.0), f"{change:+.0f}", ha="center", va="bottom", fontsize=8)
        level += change
        ticks.append(names[k])
        x += 1
    if start is not None:
        ax.bar(x, level, color="#1f77b4")
        ticks.append(w["total"])
    ax.set_xticks(range(len(ticks)), ticks, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(w["days_saved"])
    ax.axhline(0, color="black", linewidth=0.6)
    ax.grid(axis="y", alpha=0.3)
    return ax


def staffing_curve(
    sweep: pd.DataFrame,
    ax: Axes | None = None,
    *,
    x: str = "value",
    y: str = "mean",
    by: str | None = "parameter",
    ylabel: str | None = None,
    lang: Lang = "en",
) -> Axes:
    """An output against a swept setting (e.g. staff), one line per swept parameter.

    ``ci_low``/``ci_high`` columns, when present, are drawn as a band.
    """
    ax = _axes(ax)
    w = words(lang)
    for name, group in _groups(sweep, by):
        group = group.sort_values(x)
        xs = group[x].to_numpy(float)
        ax.plot(xs, group[y].to_numpy(float), marker="o", label=name or None)
        if {"ci_low", "ci_high"} <= set(group.columns):
            ax.fill_between(
                xs, group["ci_low"].to_numpy(float), group["ci_high"].to_numpy(float), alpha=0.2
            )
    ax.set_xlabel(w["staff"] if x == "value" else x)
    ax.set_ylabel(ylabel or w.get(y, y))
    ax.grid(alpha=0.3)
    if by is not None and by in sweep and sweep[by].nunique() > 1:
        ax.legend(fontsize=8)
    return ax
