"""Staffing arithmetic: offered loads, the Erlang-C screen, targets and pools.

What each government pool is offered, from the scenario's own numbers: a
department's case officers and each sign-off level are M/M/c queues in
working time, and their offered load in people kept busy is::

    load = projects per working day
           × Σ_types share × Σ_items of the type in the department
               mean touch × effort factor × (1 + expected resubmissions × rework fraction)
           + the department's other applications × their touch

plus, under simulated approval, the conversions and re-reviews, and without
the one window each department's own intake. The screen gives per pool the
smallest stable staff and the smallest with a low Erlang-C wait. The search
that uses them is :mod:`model.experiments.planning`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.queueing import mmc_mean_wait
from model.scenario.overrides import apply_overrides
from model.scenario.schema import Scenario
from model.simulation.draws import MAX_ROUNDS
from model.simulation.replication import build_calendar
from model.simulation.rules import Rules, effective_rules

#: Pool kinds the Erlang-C screen covers (government people; the mechanisms' pools are not).
SCREENED = ("department", "signoff")

#: Path of the size of each non-department pool kind (see ``Scenario.pools``).
POOL_PATHS: dict[str, str] = {
    "window": "mechanisms.one_window.clerks",
    "onsite_teams": "mechanisms.onsite_service.teams",
    "agents": "mechanisms.agents.count",
    "commissioners": "mechanisms.landing_service.commissioners",
    "service_team": "mechanisms.service_team.members",
}

_TARGET = re.compile(
    r"^\s*(?:(?P<stat>mean|median|p\d{1,2}(?:\.\d+)?)\s*\(\s*(?P<column>[\w.]+)\s*\)"
    r"|(?P<bare>[\w.]+))\s*(?P<op><=|<|>=|>)\s*(?P<value>[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$"
)


# -- offered load ----------------------------------------------------------------------


def projects_per_working_day(scenario: Scenario) -> tuple[float, dict[str, float]]:
    """Signings per working day over the horizon, and each project type's share."""
    horizon = scenario.run.horizon_days
    calendar = build_calendar(scenario)
    working_days = calendar.working_days_between(0.0, horizon)
    arrivals = scenario.arrivals
    if arrivals.kind == "poisson":
        count = arrivals.rate_per_year * horizon / 365.0
        shares = {name: t.share for name, t in scenario.project_types.items()}
    else:
        start = scenario.run.start_date
        kinds = [p.type for p in arrivals.projects if 0 <= (p.date - start).days < horizon]
        count = float(len(kinds))
        shares = {
            name: kinds.count(name) / count if count else 0.0 for name in scenario.project_types
        }
    return (count / working_days if working_days > 0 else 0.0), shares


def _expected_resubmissions(first: float, later: float) -> float:
    """Mean resubmissions if a first submission fails with ``first``, later ones with ``later``."""
    return sum(first * later ** (k - 1) for k in range(1, MAX_ROUNDS + 1))


def offered_loads(scenario: Scenario) -> pd.DataFrame:
    """Per government pool: arrivals, mean touch time and offered load (people kept busy).

    One row per department's case officers and per sign-off level, with the
    department's other applications (``background``) included. Columns: ``pool``,
    ``kind`` (``department`` or ``signoff``), ``department``,
    ``applications_per_wd``, ``mean_effort_wd`` (touch time per visit, in working
    days of ``government.hours_per_day``), ``offered_load`` and the current ``staff``.
    """
    rate, shares = projects_per_working_day(scenario)
    rules = effective_rules(scenario)  # the same factors the simulation uses
    effort_factor, deficiency_factor = rules.effort_factor, rules.deficiency_factor
    hours_per_day = scenario.government.hours_per_day
    simulated = scenario.simulated_approval
    options = scenario.simulated_approval_options
    work = {name: 0.0 for name in scenario.departments}
    visits = {name: 0.0 for name in scenario.departments}
    decisions = {name: 0.0 for name in scenario.departments}
    for type_name, ptype in scenario.project_types.items():
        share = shares.get(type_name, 0.0)
        for item_name in ptype.items:
            if item_name in rules.removed_items:
                continue
            item = scenario.item_for(type_name, item_name)
            effort = item.mean_touch_hours(hours_per_day) / hours_per_day * effort_factor
            rounds = _expected_resubmissions(
                min(1.0, item.deficiency_probability * deficiency_factor),
                min(1.0, item.second_round_deficiency),
            )
            load = effort * (1 + rounds * item.rework_effort_fraction)
            count = 1 + rounds
            if simulated and ptype.land == "new" and item_name in rules.simulatable[type_name]:
                load += item.conversion_wd.mean * effort_factor
                load += options.change_probability * options.rereview_fraction * effort
                count += 1 + options.change_probability
                decisions[item.department] += share  # the simulated opinion is signed too
            work[item.department] += share * load
            visits[item.department] += share * count
            decisions[item.department] += share
        # Without the one window, each department's own window takes the intake.
        for office, applications in _office_applications(scenario, type_name, rules):
            work[office] += share * applications * scenario.intake_wd.mean
            visits[office] += share * applications
    # Other applications arrive per calendar year; the pools work on working days.
    working_days_per_year = _working_days_per_year(scenario)
    rows = []
    for name, department in scenario.departments.items():
        background = department.background
        other = background.rate_per_year / working_days_per_year if background else 0.0
        other_wd = background.hours.mean / hours_per_day if background else 0.0
        # Regional assessments are the department's own files (区域评估), a few a year.
        assessments = [a for a in scenario.regional_assessments.values() if a.department == name]
        assessed = sum(a.per_year for a in assessments) / working_days_per_year
        assessed_wd = sum(a.per_year * a.effort_wd.mean for a in assessments)
        officer_work = rate * work[name] + other * other_wd + assessed_wd / working_days_per_year
        other += assessed
        officer_visits = rate * visits[name] + other
        rows.append(
            {
                "pool": name,
                "kind": "department",
                "department": name,
                "applications_per_wd": officer_visits,
                "mean_effort_wd": officer_work / officer_visits if officer_visits else 0.0,
                "offered_load": officer_work,
                "staff": department.staff,
            }
        )
        for level in department.signoff:
            files = rate * decisions[name] + other
            touch = level.hours.mean / hours_per_day
            rows.append(
                {
                    "pool": f"{name}/{level.name}",
                    "kind": "signoff",
                    "department": name,
                    "applications_per_wd": files,
                    "mean_effort_wd": touch,
                    "offered_load": files * touch,
                    "staff": level.staff,
                }
            )
    return pd.DataFrame(rows)


def _office_applications(
    scenario: Scenario, project_type: str, rules: Rules
) -> list[tuple[str, float]]:
    """Applications per project that a department's own window takes in (its intake).

    None with the one window (its clerks take them). A stage applied for as one
    group (parallel approval; joint acceptance; one licence) is one application
    at each department involved; otherwise each item is one. Online applications
    need no intake.
    """
    m = scenario.mechanisms
    if m.one_window.enabled or scenario.intake_wd.mean == 0:
        return []
    grouped = {
        "land": rules.parallel,
        1: rules.parallel,
        2: rules.parallel,
        3: rules.parallel,
        4: m.joint_acceptance.enabled,
        "licence": m.one_industry_one_license.enabled,
    }
    counts: dict[str, float] = {}
    for stage, names in rules.stage_items[project_type].items():
        groups = [names] if grouped.get(stage, False) and names else [[n] for n in names]
        for group in groups:
            online = m.online.enabled and all(
                scenario.item_for(project_type, n).online_eligible for n in group
            )
            at_office = 1.0 - (m.online.share if online else 0.0)
            for department in dict.fromkeys(scenario.items[n].department for n in group):
                counts[department] = counts.get(department, 0.0) + at_office
    return list(counts.items())


def _working_days_per_year(scenario: Scenario) -> float:
    """Working days in an average year of the run's horizon."""
    calendar = build_calendar(scenario)
    horizon = scenario.run.horizon_days
    return calendar.working_days_between(0.0, horizon) * 365.0 / horizon


def overloaded_departments(scenario: Scenario) -> list[str]:
    """Messages naming each department whose offered load reaches its staff.

    Computed from the scenario's own numbers before anything runs: with an
    offered load at or above the number of reviewers (utilisation ≥ 1) the queue
    grows without bound, so a run's means would describe a transient.
    """
    messages = []
    for row in offered_loads(scenario).itertuples(index=False):
        department = scenario.departments[row.department]
        if row.kind == "department":
            sizes = [department.staff, *(c.staff for c in department.staff_changes)]
        else:
            level = next(x for x in department.signoff if f"{row.department}/{x.name}" == row.pool)
            sizes = [level.staff, *(c.staff for c in level.staff_changes)]
        staff = max(sizes)
        if row.offered_load > 0 and row.offered_load >= staff:
            messages.append(
                f"unstable: {row.pool} is offered {row.offered_load:.1f} people's worth "
                f"of work but has {staff}; its queue will grow without bound "
                f"(add staff, e.g. with plan-staff, or lower arrivals.rate_per_year)"
            )
    return messages


def screen(scenario: Scenario, wait_fraction: float = 0.25) -> pd.DataFrame:
    """The Erlang-C screen: per department, the smallest stable and the low-wait staff.

    Adds to :func:`offered_loads` the columns ``stable_min`` (smallest c above
    the load, at least 1 for a department with work), ``screen`` (smallest c
    whose M/M/c mean wait is at most ``wait_fraction`` × mean effort), and the
    ``utilisation`` and ``mean_wait_wd`` Erlang C predicts at the screen.
    """
    table = offered_loads(scenario)
    stable, chosen, waits = [], [], []
    for row in table.itertuples(index=False):
        a, service = row.offered_load, row.mean_effort_wd
        owns_items = row.kind == "signoff" or any(
            i.department == row.department for i in scenario.items.values()
        )
        c_min = max(math.floor(a) + 1 if a > 0 else 0, 1 if owns_items else 0)
        c = max(c_min, 1) if a > 0 else c_min
        while a > 0 and mmc_mean_wait(c, a, service) > wait_fraction * service:
            c += 1
        stable.append(c_min)
        chosen.append(c)
        waits.append(mmc_mean_wait(c, a, service) if c > 0 and a > 0 else 0.0)
    table["stable_min"] = stable
    table["screen"] = chosen
    table["utilisation"] = [
        row.offered_load / c if c else float("nan")
        for row, c in zip(table.itertuples(), chosen, strict=True)
    ]
    table["mean_wait_wd"] = waits
    return table


# -- targets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A condition on a statistic of a per-project output, e.g. ``p90(signing_to_start) <= 100``.

    Attributes:
        statistic: ``mean`` or a quantile level in (0, 1) (``p90`` → 0.9).
        column: Project-table column (``signing_to_start`` means ``signing_to_start_days``).
        op: ``<=``, ``<``, ``>=`` or ``>``.
        value: The threshold, in the column's unit.
        text: The target as written.

    """

    statistic: str | float
    column: str
    op: str
    value: float
    text: str

    @property
    def lower_is_better(self) -> bool:
        """Whether the target asks for a small value."""
        return self.op in ("<=", "<")

    def evaluate(self, projects: pd.DataFrame) -> float:
        """The statistic over the given projects (NaN rows left out)."""
        if self.column not in projects:
            known = [
                c
                for c in projects.columns
                if c.endswith(("_days", "_wd")) or c in ("trips", "rework_rounds")
            ]
            raise ValueError(
                f"target {self.text!r}: no output {self.column!r}; known: {', '.join(known)}"
            )
        if "pipeline" in projects:
            # Projects already under way at the start are a forecast, not the cohort
            # a staffing target is about (as in the summary outputs).
            projects = projects[~projects["pipeline"].astype(bool)]
        values = projects[self.column].to_numpy(float)
        values = values[~np.isnan(values)]
        if len(values) == 0:
            return float("nan")
        if self.statistic == "mean":
            return float(values.mean())
        return float(np.quantile(values, float(self.statistic)))

    def met(self, value: float) -> bool:
        """Whether ``value`` satisfies the target."""
        if not math.isfinite(value):
            return False
        return {
            "<=": value <= self.value,
            "<": value < self.value,
            ">=": value >= self.value,
            ">": value > self.value,
        }[self.op]

    def improvement(self, before: float, after: float) -> float:
        """How much ``after`` is better than ``before`` (positive = better)."""
        return before - after if self.lower_is_better else after - before


def parse_target(text: str) -> Target:
    """Read a target: ``"p90(signing_to_start) <= 100"``, ``"mean(trips) < 2"``, ``"x_days <= 9"``.

    A bare name means its mean; a name without a unit suffix means ``_days``.

    Raises:
        ValueError: The text is not of that form.

    """
    match = _TARGET.match(text)
    if not match:
        raise ValueError(
            f"target {text!r}: expected STAT(OUTPUT) OP NUMBER, e.g. 'p90(signing_to_start) <= 100'"
        )
    raw = match["stat"] or "mean"
    column = match["column"] or match["bare"]
    if not column.endswith(("_days", "_wd")) and column not in (
        "trips",
        "rework_rounds",
        "items_over_limit",
    ):
        column += "_days"
    statistic: str | float
    if raw == "mean":
        statistic = "mean"
    elif raw == "median":
        statistic = 0.5
    else:
        statistic = float(raw[1:]) / 100
        if not 0 < statistic < 1:
            raise ValueError(f"target {text!r}: percentile must be between p1 and p99")
    return Target(statistic, column, match["op"], float(match["value"]), text.strip())


# -- pools and staffing ------------------------------------------------------------------


def staff_pools(scenario: Scenario) -> pd.DataFrame:
    """Pools a plan may resize: departments, and the mechanisms' pools that are on.

    Columns: ``pool``, ``kind``, ``path`` (dotted path of its size) and ``current``.
    """
    rows = [
        {
            "pool": name,
            "kind": "department",
            "path": f"departments.{name}.staff",
            "current": d.staff,
        }
        for name, d in scenario.departments.items()
    ]
    rows += [
        {
            "pool": f"{name}/{level.name}",
            "kind": "signoff",
            "path": f"departments.{name}.signoff.{k}.staff",
            "current": level.staff,
        }
        for name, d in scenario.departments.items()
        for k, level in enumerate(d.signoff)
    ]
    pools = scenario.pools() if hasattr(scenario, "pools") else []
    dump = scenario.model_dump(mode="python")
    for pool in pools:
        path = POOL_PATHS.get(pool.kind)
        if pool.kind in ("department", "signoff") or path is None:
            continue
        node: Any = dump
        for key in path.split("."):
            node = node[key]
        rows.append({"pool": pool.name, "kind": pool.kind, "path": path, "current": int(node)})
    return pd.DataFrame(rows)


def with_staff(base: Scenario, pools: pd.DataFrame, staffing: Mapping[str, int]) -> Scenario:
    """``base`` with the given pool sizes (pool name → size)."""
    departments = base.model_dump(mode="python")["departments"]
    overrides: dict[str, Any] = {}
    kinds = dict(zip(pools["pool"], pools["kind"], strict=True))
    paths = dict(zip(pools["pool"], pools["path"], strict=True))
    for pool, size in staffing.items():
        if kinds[pool] == "department":
            departments[pool]["staff"] = int(size)
        elif kinds[pool] == "signoff":
            department, level = pool.rsplit("/", 1)
            for spec in departments[department]["signoff"]:
                if spec["name"] == level:
                    spec["staff"] = int(size)
        else:
            overrides[paths[pool]] = int(size)
    # Departments are replaced as a whole: a department name may contain a dot.
    return apply_overrides(base, {"departments": departments, **overrides}, "staffing plan")


def resolve_costs(pools: pd.DataFrame, costs: Mapping[str, float] | None) -> dict[str, float]:
    """Cost per person of each pool (default 1), keyed by pool name or by path.

    Raises:
        ValueError: A cost names no pool, or is not positive.

    """
    result = {pool: 1.0 for pool in pools["pool"]}
    by_path = dict(zip(pools["path"], pools["pool"], strict=True))
    for key, value in (costs or {}).items():
        pool = key if key in result else by_path.get(key)
        if pool is None:
            raise ValueError(f"cost for {key!r}: no such pool; pools: {', '.join(result)}")
        if not value > 0:
            raise ValueError(f"cost for {key!r} must be positive, got {value}")
        result[pool] = float(value)
    return result


def pool_level(scenario: Scenario, pool: str) -> str:
    """The people of ``pool`` in words: case officers, a sign-off level, or the pool itself."""
    if pool in scenario.departments:
        return f"case officers (承办) of {pool}"
    department, _, level = pool.rpartition("/")
    if department in scenario.departments:
        for spec in scenario.departments[department].signoff:
            if spec.name == level:
                label = f" ({spec.label_zh})" if spec.label_zh else ""
                return f"{level}{label} of {department}"
    return pool
