"""A staffing plan's folder: its tables and a ``plan.json`` a report or a script reads back.

``plan-staff --out FOLDER`` writes ``plan_pools``, ``plan_steps`` and
``plan_marginal`` (CSV or Parquet) and ``plan.json``: the target, whether it is
met and feasible, the statistics at the start, the bound and the plan, the
bottleneck, and the changes as scenario overrides (``departments.住建局.staff: 4``)
that ``--set`` or an ``extends:`` file can apply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from model.files import write_atomic
from model.outputs.folders import Format, read_table, write_table

if TYPE_CHECKING:
    from model.experiments.planning import StaffPlan

#: The file naming the plan's verdict and changes.
PLAN_FILE = "plan.json"
#: The plan's tables, by file stem.
TABLES = ("plan_pools", "plan_steps", "plan_marginal")


def plan_overrides(plan: StaffPlan) -> dict[str, int]:
    """The plan's changes from the scenario as given, as dotted override paths."""
    changed = plan.pools[plan.pools["planned"] != plan.pools["current"]]
    return {str(r.path): int(r.planned) for r in changed.itertuples(index=False)}


def plan_record(plan: StaffPlan) -> dict[str, Any]:
    """What ``plan.json`` holds."""

    def number(value: float) -> float | None:
        return float(value) if pd.notna(value) else None

    return {
        "kind": "staff-plan",
        "scenario": plan.scenario.name,
        "target": plan.target.text,
        "met": plan.met,
        "feasible": plan.feasible,
        "statistic": number(plan.statistic),
        "start_statistic": number(plan.start_statistic),
        "bound_statistic": number(plan.bound_statistic),
        "max_utilisation": plan.max_utilisation,
        "bottleneck": plan.bottleneck,
        "bottleneck_level": plan.bottleneck_level,
        "cost": plan.cost,
        "over_ceiling": list(plan.over_ceiling),
        "worse_than_start": list(plan.worse),
        "overrides": plan_overrides(plan),
    }


def write_staff_plan(plan: StaffPlan, folder: Path, fmt: Format) -> list[Path]:
    """Write the plan's tables and ``plan.json`` into ``folder``; the paths written."""
    tables = (plan.pools, plan.steps, plan.marginal)
    # With xlsx the three tables are sheets of one workbook: list it once.
    written = list(
        dict.fromkeys(write_table(t, folder / n, fmt) for t, n in zip(tables, TABLES, strict=True))
    )
    text = json.dumps(plan_record(plan), ensure_ascii=False, indent=2)
    write_atomic(folder / PLAN_FILE, text + "\n")
    written.append(folder / PLAN_FILE)
    return written


def read_staff_plan(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """``plan.json`` and the plan's tables, as written by :func:`write_staff_plan`."""
    record = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
    tables = {stem: read_table(folder, stem) for stem in TABLES}
    return record, {stem: table for stem, table in tables.items() if table is not None}
