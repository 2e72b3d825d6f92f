"""The report's figures, drawn by :mod:`model.outputs.plots` and embedded as base64 PNG.

Each function takes what was read back from a results folder
(:class:`~model.outputs.folders.ResultsFolder`) and returns base64 strings
(with captions where the figure needs one), ready for the template. Figures are
drawn on fresh :class:`~matplotlib.figure.Figure` objects, never on pyplot's
global state; call them inside ``mpl.rc_context(fonts.cjk_rc())`` so Chinese
labels have glyphs.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from model.analysis.aggregate import kpi_table
from model.analysis.outputs import KEY_OUTPUTS, Lang, format_number, output
from model.outputs import plots
from model.outputs.folders import ResultsFolder, StoredResults
from model.report.words import MILESTONE_WORDS, milestone

#: Tallest utilisation figure: with its heading it still fits an A4 page.
UTILISATION_MAX_INCHES = 9.0

#: Outputs drawn against the swept parameter, one figure each.
SWEEP_OUTPUTS: tuple[str, ...] = ("signing_to_start_days", "signing_to_production_days", "trips")


def png(draw: Callable[[Any], Any], size: tuple[float, float]) -> str:
    """Draw on a fresh figure (not pyplot's global state) and return base64 PNG."""
    # Constrained layout makes room for labels and outside legends in one pass;
    # bbox_inches="tight" would draw every figure twice.
    figure = Figure(figsize=size, layout="constrained")
    ax = figure.subplots()
    draw(ax)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def stack(parts: Sequence[StoredResults], table: str) -> pd.DataFrame:
    """One table of every scenario, with a ``scenario`` column."""
    frames = [
        getattr(p, table).assign(scenario=p.label) for p in parts if getattr(p, table) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def scenario_figures(parts: Sequence[StoredResults], lang: Lang) -> dict[str, str]:
    """The figures over all scenarios: ``ecdf``, ``stages``, ``trips``, ``utilisation``."""
    projects = stack(parts, "projects")
    resources = stack(parts, "resources")
    figures = {
        "ecdf": png(lambda ax: plots.ecdf(projects, ax, lang=lang), (7.5, 4.2)),
        "stages": png(
            lambda ax: plots.stage_times(projects, ax, lang=lang), (8.0, 1.6 + 0.6 * len(parts))
        ),
        "trips": png(
            lambda ax: plots.trips(projects, ax, lang=lang), (7.5, 1.2 + 0.6 * len(parts))
        ),
    }
    if not resources.empty:
        rows = resources["resource"].nunique() * max(1, len(parts)) ** 0.5
        # At most 9 inches tall, so the figure and its heading fit on one printed page.
        height = min(1.0 + 0.3 * rows, UTILISATION_MAX_INCHES)
        figures["utilisation"] = png(
            lambda ax: plots.utilisation(resources, ax, lang=lang), (7.5, height)
        )
    return figures


def gantt_figures(parts: Sequence[StoredResults], lang: Lang) -> list[dict[str, Any]]:
    """The same typical project (picked in the baseline) under every scenario."""
    if not parts or parts[0].projects.empty:
        return []
    try:
        chosen = plots.typical_project(parts[0].projects)
    except ValueError:
        return []
    figures = []
    for part in parts:
        projects = part.projects
        same = projects[
            (projects["project_id"] == chosen["project_id"])
            & (projects.get("replication", 0) == chosen.get("replication", 0))
        ]
        if same.empty or pd.isna(same.iloc[0]["production_day"]):
            try:
                row = plots.typical_project(projects)
            except ValueError:
                continue
        else:
            row = same.iloc[0]
        segments = plots.project_timeline(row, part.items, part.events)
        if segments.empty:
            continue
        origin = float(row["signed_day"])
        milestones = {
            milestone(m, lang): float(row[f"{m}_day"]) - origin
            for m in MILESTONE_WORDS
            if f"{m}_day" in row and pd.notna(row[f"{m}_day"])
        }
        image = png(
            functools.partial(plots.timeline, segments, lang=lang, milestones=milestones),
            (8.5, 1.2 + 0.3 * segments["row"].nunique()),
        )
        figures.append(
            {
                "scenario": part.label,
                "project": _project_caption(row, lang),
                "days": format_number(float(row["signing_to_production_days"])),
                "image": image,
                "items_only": part.events is None or part.events.empty,
            }
        )
    return figures


def _project_caption(row: pd.Series, lang: Lang) -> str:
    kind, number = row["project_type"], int(row["project_id"])
    replication = int(row.get("replication", 0))
    if lang == "en":
        return f"{kind} (#{number}, replication {replication})"
    return f"{kind}（#{number}，第 {replication} 次重复）"


def waterfall_figure(
    data: ResultsFolder, lang: Lang, name_of: Callable[[str], str] = str
) -> dict[str, Any] | None:
    """The attribution's days saved per mechanism, or None without an attribution table.

    ``name_of`` gives each factor's display name (a mechanism's Chinese name).
    """
    table = data.attribution
    if table is None or table.empty:
        return None
    label = next((c for c in ("factor", "mechanism", "step", "label") if c in table), None)
    value = next(
        (c for c in ("contribution", "days_saved", "difference", "value") if c in table), None
    )
    if label is None or value is None:
        return None
    name = "signing_to_start_days"
    if "output" in table:
        outputs = list(pd.unique(table["output"]))
        name = name if name in outputs else outputs[0]
        table = table[table["output"] == name]
    start = None
    total = data.attribution_total
    if total is not None and "baseline" in total:
        match = total[total["output"] == name] if "output" in total else total
        if len(match):
            start = float(match.iloc[0]["baseline"])
    steps = table.rename(columns={label: "label", value: "value"})
    steps = steps.assign(label=[name_of(str(v)) for v in steps["label"]])
    image = png(lambda ax: plots.waterfall(steps, ax, start=start, lang=lang), (8.5, 4.5))
    return {"output": output(name).label(lang), "image": image}


def sweep_kpis(data: ResultsFolder) -> tuple[pd.DataFrame, list[str]] | None:
    """Normalise a sweep table to KPI form: swept paths, output, mean, ci_low, ci_high."""
    table = data.sweep
    if table is None or table.empty:
        return None
    known = {
        "variant_id", "label", "replication", "output", "mean", "ci_low", "ci_high",
        "half_width", "n",
    }  # fmt: skip
    columns = list(table.columns)
    if data.sweep_variants is not None:
        paths = [c for c in data.sweep_variants.columns if c not in ("variant_id", "label")]
    elif "variant_id" in columns and "replication" in columns:
        # model.experiments.sweep writes variant_id, the swept paths, replication, outputs.
        paths = columns[columns.index("variant_id") + 1 : columns.index("replication")]
    else:
        paths = [c for c in columns if "." in c and c not in known]
    if not paths:
        return None
    if {"output", "mean"} <= set(table.columns):
        return table, paths
    outputs = [c for c in KEY_OUTPUTS if c in table]
    frames = []
    for keys, group in table.groupby(paths, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        kpis = kpi_table(group, outputs)
        for path, key in zip(paths, keys, strict=True):
            kpis[path] = key
        frames.append(kpis)
    return pd.concat(frames, ignore_index=True), paths


def sweep_figures(
    data: ResultsFolder, lang: Lang, where: Callable[[str], str] = str
) -> list[dict[str, Any]]:
    """One staffing curve per output of :data:`SWEEP_OUTPUTS` (none without a sweep).

    ``where`` names the swept parameter (``departments.发改局.staff`` → 部门：发改局 · 承办人数).
    """
    normal = sweep_kpis(data)
    if normal is None:
        return []
    kpis, paths = normal
    x_path = paths[0]
    if not pd.api.types.is_numeric_dtype(kpis[x_path]):
        return []
    by = paths[1] if len(paths) > 1 else None
    figures = []
    for name in SWEEP_OUTPUTS:
        part = kpis[kpis["output"] == name]
        if part.empty:
            continue
        label = output(name).label(lang)
        draw = functools.partial(
            plots.staffing_curve,
            part.rename(columns={x_path: "value"}),
            x="value",
            by=by,
            ylabel=label,
            lang=lang,
        )
        figures.append({"output": label, "x": where(x_path), "image": png(draw, (7.0, 4.0))})
    return figures
