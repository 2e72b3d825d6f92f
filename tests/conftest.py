"""Shared helpers: small scenarios built from plain dicts, never from files.

``make_scenario(**overrides)`` validates :func:`base_scenario_dict` with the
given overrides. A plain key replaces a top-level field; a dotted key sets one
nested field, so ``make_scenario(approval_mode="parallel", **{"run.seed": 3})``
changes the mode and the seed and keeps everything else.

The base scenario is small (a county-year of about 40 projects, two project
types, four departments) but exercises every stage, every distribution family,
prerequisites, deficiency and rework, elapsed delays, preparation, land items,
licences and Chinese department names.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from typing import Any

import pandas as pd
import pytest

from model.simulation.eventlog import REVIEWER_WORK
from model.scenario.schema import Scenario

# Every replication run by the tests checks the model's invariants (conservation,
# order, capacity, bounds); see model.analysis.diagnostics. Set before any test runs, so
# worker processes started by the tests inherit it.
os.environ.setdefault("APPROVALSIM_CHECK_INVARIANTS", "1")

#: Departments of the base scenario (short names keep assertion messages readable).
NATURAL_RESOURCES = "自然资源局"
DEVELOPMENT = "发改局"
HOUSING = "住建局"
MARKET = "市场监管局"

_BASE: dict[str, Any] = {
    "name": "small",
    "description": "A small test county.",
    "handoff_days": {"kind": "triangular", "low": 0, "mode": 3, "high": 10},
    "departments": {
        NATURAL_RESOURCES: {"staff": 2},
        DEVELOPMENT: {"staff": 1},
        HOUSING: {"staff": 2},
        MARKET: {"staff": 1},
    },
    "items": {
        "listing": {
            "department": NATURAL_RESOURCES,
            "stage": "land",
            "effort_wd": {"kind": "triangular", "low": 1, "mode": 2, "high": 4},
            "elapsed_days": 20,
            "preparation_days": {"kind": "uniform", "low": 2, "high": 5},
        },
        "registration": {
            "department": MARKET,
            "stage": "land",
            "effort_wd": {"kind": "exponential", "mean": 0.5},
        },
        "filing": {
            "department": DEVELOPMENT,
            "stage": 1,
            "effort_wd": {"kind": "uniform", "low": 0.5, "high": 1.5},
            "statutory_limit_wd": 5,
            "committed_limit_wd": 2,
            "deficiency_probability": 0.2,
            "fix_days": {"kind": "exponential", "mean": 3},
            "simulatable": True,
        },
        "planning_permit": {
            "department": NATURAL_RESOURCES,
            "stage": 2,
            "effort_wd": {"kind": "gamma", "mean": 3, "sd": 1.5},
            "elapsed_days": {"kind": "lognormal", "mean": 5, "sd": 2},
            "statutory_limit_wd": 20,
            "committed_limit_wd": 8,
            "prerequisites": ["filing"],
            "deficiency_probability": 0.3,
            "resubmission_deficiency_probability": 0.1,
            "fix_days": {"kind": "uniform", "low": 2, "high": 6},
            "rework_effort_fraction": 0.4,
            "simulatable": True,
        },
        "fire_design": {
            "department": HOUSING,
            "stage": 2,
            "effort_wd": {"kind": "exponential", "mean": 1.5},
            "statutory_limit_wd": 15,
            "simulatable": True,
        },
        "construction_permit": {
            "department": HOUSING,
            "stage": 3,
            "effort_wd": {"kind": "lognormal", "mean": 2, "sd": 1},
            "statutory_limit_wd": 7,
            "prerequisites": ["planning_permit", "fire_design"],
        },
        "acceptance": {
            "department": HOUSING,
            "stage": 4,
            "effort_wd": {"kind": "empirical", "values": [1, 2, 3], "weights": [0.5, 0.3, 0.2]},
            "deficiency_probability": 0.25,
            "fix_days": 7,
        },
        "business_licence": {
            "department": MARKET,
            "stage": "licence",
            "effort_wd": 1,
        },
    },
    "project_types": {
        "industrial": {
            "share": 0.7,
            "items": [
                "listing",
                "registration",
                "filing",
                "planning_permit",
                "fire_design",
                "construction_permit",
                "acceptance",
                "business_licence",
            ],
            "land": "new",
            "construction_days": {"kind": "uniform", "low": 60, "high": 120},
            "production_prep_days": 10,
        },
        "expansion": {
            "share": 0.3,
            "items": ["filing", "planning_permit", "construction_permit", "acceptance"],
            "land": "own",
            "construction_days": 30,
        },
    },
    "arrivals": {"kind": "poisson", "rate_per_year": 40},
    "run": {
        "start_date": dt.date(2026, 1, 1),
        "horizon_days": 365,
        "warmup_days": 0,
        "drain": True,
        "replications": 2,
        "seed": 12345,
    },
}


def base_scenario_dict() -> dict[str, Any]:
    """Return a fresh deep copy of the base scenario's dict (safe to mutate)."""
    return copy.deepcopy(_BASE)


def _set_dotted(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def make_scenario(**overrides: Any) -> Scenario:
    """Validate the base scenario with ``overrides`` applied.

    A plain key replaces a top-level field wholesale (``items={...}``); a dotted
    key sets one nested field (``**{"run.drain": False}``). Overrides are applied
    in the order given, so a wholesale replacement can be followed by dotted tweaks.
    """
    data = base_scenario_dict()
    for key, value in overrides.items():
        if "." in key:
            _set_dotted(data, key, copy.deepcopy(value))
        else:
            data[key] = copy.deepcopy(value)
    return Scenario.model_validate(data)


def one_department_scenario(
    *,
    staff: int,
    effort_wd: Any = None,
    work_hours: Any = None,
    arrivals: dict[str, Any],
    horizon_days: float,
    warmup_days: float = 0.0,
    handoff_days: Any = 0,
    seed: int = 1,
    **extra: Any,
) -> Scenario:
    """One department ``D`` with one stage-1 item ``A``: a single queue, nothing else.

    No land items, no handoff unless given, construction and production
    preparation zero, no deficiency, no elapsed delay: a project's only
    resource use is one review of ``A``.
    """
    return make_scenario(
        departments={"D": {"staff": staff}},
        items={
            "A": {"department": "D", "stage": 1}
            | ({"effort_wd": effort_wd} if work_hours is None else {"work_hours": work_hours})
        },
        project_types={"T": {"share": 1, "items": ["A"], "construction_days": 0}},
        handoff_days=handoff_days,
        arrivals=arrivals,
        run={
            "start_date": dt.date(2026, 1, 1),
            "horizon_days": horizon_days,
            "warmup_days": warmup_days,
            "drain": True,
            "replications": 1,
            "seed": seed,
        },
        **extra,
    )


def reviewer_holds(events: pd.DataFrame) -> pd.DataFrame:
    """Select work that holds a pool member (review, conversion, ...), in log order."""
    return events[events["activity"].isin(REVIEWER_WORK)]


@pytest.fixture()
def small_scenario() -> Scenario:
    """Return the base scenario, validated."""
    return make_scenario()
