"""What one project draws from its random streams, fixed at signing.

Every intrinsic quantity of a project (its efforts, delays, fix times and
whether each submission is deficient) is drawn once, when the project is
signed, from streams private to that project, by inverse transform (one uniform
per quantity). The uniforms are laid out by a fixed slot table, so a project
draws the same numbers whatever the approval mode, staffing or order in which
its items happen to be processed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.rng import Streams
from model.scenario import Scenario

#: Submissions of one item beyond which no further deficiency is drawn.
MAX_ROUNDS = 10

# Column slots of an item's row in the ``durations`` stream (append only).
_EFFORT, _ELAPSED, _PREPARATION, _CONVERSION = 0, 1, 2, 3
_FIX0 = 4
_DURATION_SLOTS = _FIX0 + MAX_ROUNDS
# Project-level slots of the ``durations`` stream, drawn before the item rows.
_HANDOFF, _CONSTRUCTION, _PRODUCTION_PREP = 0, 1, 2
_PROJECT_SLOTS = 3


@dataclass(slots=True)
class ItemDraws:
    """An item's intrinsic draws for one project."""

    effort_wd: float
    elapsed_days: float
    preparation_days: float
    conversion_wd: float
    fix_days: list[float]
    """Fix time after the k-th return, k = 0 .. MAX_ROUNDS-1."""
    deficiency_u: list[float]
    """Uniform for the k-th submission; deficient when below that round's probability."""
    change_u: float
    """Uniform deciding a project change after the land transfer."""


@dataclass(slots=True)
class ProjectDraws:
    """A signed project and everything it draws."""

    project_id: int
    project_type: str
    signed_day: float
    handoff_days: float
    construction_days: float
    production_prep_days: float
    items: dict[str, ItemDraws]


def draw_project(
    scenario: Scenario, streams: Streams, project_id: int, project_type: str, signed_day: float
) -> ProjectDraws:
    """Draw every intrinsic quantity of one project."""
    durations = streams.project_stream("durations", project_id)
    rework = streams.project_stream("rework", project_id)
    changes = streams.project_stream("changes", project_id)
    ptype = scenario.project_types[project_type]
    project_u = durations.random(_PROJECT_SLOTS).tolist()
    n_items = len(scenario.items)
    duration_u = durations.random((n_items, _DURATION_SLOTS)).tolist()
    rework_u = rework.random((n_items, MAX_ROUNDS)).tolist()
    change_u = changes.random(n_items).tolist()
    index = {name: k for k, name in enumerate(scenario.items)}
    items = {}
    for name in ptype.items:
        spec = scenario.items[name]
        row = duration_u[index[name]]
        items[name] = ItemDraws(
            effort_wd=spec.effort_wd.quantile(row[_EFFORT]),
            elapsed_days=spec.elapsed_days.quantile(row[_ELAPSED]),
            preparation_days=spec.preparation_days.quantile(row[_PREPARATION]),
            conversion_wd=spec.conversion_wd.quantile(row[_CONVERSION]),
            fix_days=[spec.fix_days.quantile(u) for u in row[_FIX0:_DURATION_SLOTS]],
            deficiency_u=rework_u[index[name]],
            change_u=change_u[index[name]],
        )
    return ProjectDraws(
        project_id=project_id,
        project_type=project_type,
        signed_day=signed_day,
        handoff_days=scenario.handoff_days.quantile(project_u[_HANDOFF]),
        construction_days=ptype.construction_days.quantile(project_u[_CONSTRUCTION]),
        production_prep_days=ptype.production_prep_days.quantile(project_u[_PRODUCTION_PREP]),
        items=items,
    )


def signings(scenario: Scenario, streams: Streams) -> list[tuple[float, str]]:
    """The (day, project type) of every signing in the horizon, in time order."""
    horizon = scenario.run.horizon_days
    arrivals = scenario.arrivals
    if arrivals.kind == "schedule":
        start = scenario.run.start_date
        days = sorted(
            ((signed.date - start).days, signed.type) for signed in arrivals.projects
        )
        return [(float(day), kind) for day, kind in days if 0 <= day < horizon]
    rng = streams.replication_stream("arrivals")
    names = list(scenario.project_types)
    cumulative = []
    total = 0.0
    for ptype in scenario.project_types.values():
        total += ptype.share
        cumulative.append(total)
    mean_gap = 365.0 / arrivals.rate_per_year
    out: list[tuple[float, str]] = []
    day = 0.0
    while True:
        # Two uniforms per signing (gap, type), so the k-th signing's type does not
        # depend on the rate: changing the rate moves arrivals but keeps the types.
        gap_u, type_u = rng.random(2).tolist()
        day += -mean_gap * math.log1p(-gap_u)
        if day >= horizon:
            return out
        k = next((i for i, c in enumerate(cumulative) if type_u * total < c), len(names) - 1)
        out.append((day, names[k]))
