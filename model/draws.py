"""What one project draws from its random streams, fixed at signing.

Every intrinsic quantity of a project (its efforts, delays, fix times, whether
each submission is deficient, and the chances that mechanisms act on) is drawn
once, when the project is signed, from streams private to that project, by
inverse transform (one uniform per quantity). The uniforms are laid out by a
fixed slot table and drawn whether or not a mechanism uses them, so a project
draws the same numbers whatever the approval mode, staffing, mechanisms or the
order in which its items happen to be processed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.rng import Streams
from model.scenario import Scenario

#: Submissions of one item beyond which no further deficiency is drawn.
MAX_ROUNDS = 10
#: Most misroutings of one enquiry (the schema caps ``max_misroutes`` here).
MAX_MISROUTES = 5

# Column slots of an item's row in the ``durations`` stream (append only).
_EFFORT, _ELAPSED, _PREPARATION, _CONVERSION = 0, 1, 2, 3
_FIX0 = 4
_INTERMEDIARY = _FIX0 + MAX_ROUNDS
_DURATION_SLOTS = _INTERMEDIARY + 1
# Project-level slots of the ``durations`` stream, drawn before the item rows.
_HANDOFF, _CONSTRUCTION, _PRODUCTION_PREP = 0, 1, 2
_GAP0 = 3  # one idle gap per stage after the land stage
_PROJECT_SLOTS = _GAP0 + 5
# Column slots of an item's row in the ``mechanisms`` stream (append only).
_ONLINE = 0
_MISROUTE0 = 1
_MISROUTE_DELAY0 = _MISROUTE0 + MAX_MISROUTES
_MINOR0 = _MISROUTE_DELAY0 + MAX_MISROUTES
_MISSED = _MINOR0 + MAX_ROUNDS
_MISSED_DELAY = _MISSED + 1
_SUPPLEMENT = _MISSED_DELAY + 1
_BREACH = _SUPPLEMENT + 1
_CHECK = _BREACH + 1
_VERIFICATION_DELAY = _CHECK + 1
_VISIT = _VERIFICATION_DELAY + 1
_INTAKE = _VISIT + 1
_MECHANISM_SLOTS = _INTAKE + 1

#: Stages whose start is preceded by an enterprise idle gap.
GAP_STAGES = ("1", "2", "3", "4", "licence")


@dataclass(slots=True)
class ItemDraws:
    """An item's intrinsic draws for one project (times before any mechanism's factor)."""

    effort_wd: float
    elapsed_days: float
    preparation_days: float
    intermediary_days: float
    conversion_wd: float
    fix_days: list[float]
    """Fix time after the k-th return, k = 0 .. MAX_ROUNDS-1."""
    deficiency_u: list[float]
    """Uniform for the k-th submission; deficient when below that round's probability."""
    change_u: float
    """Uniform deciding a project change after the land transfer."""
    online_u: float
    misroute_u: list[float]
    misroute_delay_days: list[float]
    minor_u: list[float]
    """Uniform for the k-th submission deciding a deficiency is minor (容缺)."""
    missed_u: float
    missed_delay_days: float
    supplement_days: float
    breach_u: float
    check_wd: float
    verification_delay_days: float
    visit_wd: float
    intake_wd: float


@dataclass(slots=True)
class ProjectDraws:
    """A signed project and everything it draws."""

    project_id: int
    project_type: str
    signed_day: float
    handoff_days: float
    construction_days: float
    production_prep_days: float
    stage_gap_days: dict[str, float]
    items: dict[str, ItemDraws]


#: Stream index of the first project already in progress at the start, far from
#: those of new signings so that adding a pipeline leaves their draws unchanged.
PIPELINE_STREAM_BASE = 1_000_000_000


def draw_project(
    scenario: Scenario,
    streams: Streams,
    project_id: int,
    project_type: str,
    signed_day: float,
    stream_index: int | None = None,
) -> ProjectDraws:
    """Draw every intrinsic quantity of one project (from streams of ``stream_index``)."""
    key = project_id if stream_index is None else stream_index
    durations = streams.project_stream("durations", key)
    rework = streams.project_stream("rework", key)
    changes = streams.project_stream("changes", key)
    mechanisms = streams.project_stream("mechanisms", key)
    ptype = scenario.project_types[project_type]
    m = scenario.mechanisms
    project_u = durations.random(_PROJECT_SLOTS).tolist()
    n_items = len(scenario.items)
    duration_u = durations.random((n_items, _DURATION_SLOTS)).tolist()
    rework_u = rework.random((n_items, MAX_ROUNDS)).tolist()
    change_u = changes.random(n_items).tolist()
    mechanism_u = mechanisms.random((n_items, _MECHANISM_SLOTS)).tolist()
    index = {name: k for k, name in enumerate(scenario.items)}
    misroute_delay = scenario.enterprise.misroute_delay_days
    ca = m.conditional_acceptance
    items = {}
    for name in ptype.items:
        spec = scenario.items[name]
        row = duration_u[index[name]]
        mrow = mechanism_u[index[name]]
        items[name] = ItemDraws(
            effort_wd=spec.effort_wd.quantile(row[_EFFORT]),
            elapsed_days=spec.elapsed_days.quantile(row[_ELAPSED]),
            preparation_days=spec.preparation_days.quantile(row[_PREPARATION]),
            intermediary_days=spec.intermediary_days.quantile(row[_INTERMEDIARY]),
            conversion_wd=spec.conversion_wd.quantile(row[_CONVERSION]),
            fix_days=[spec.fix_days.quantile(u) for u in row[_FIX0:_INTERMEDIARY]],
            deficiency_u=rework_u[index[name]],
            change_u=change_u[index[name]],
            online_u=mrow[_ONLINE],
            misroute_u=mrow[_MISROUTE0:_MISROUTE_DELAY0],
            misroute_delay_days=[
                misroute_delay.quantile(u) for u in mrow[_MISROUTE_DELAY0:_MINOR0]
            ],
            minor_u=mrow[_MINOR0:_MISSED],
            missed_u=mrow[_MISSED],
            missed_delay_days=ca.missed_delay_days.quantile(mrow[_MISSED_DELAY]),
            supplement_days=ca.supplement_days.quantile(mrow[_SUPPLEMENT]),
            breach_u=mrow[_BREACH],
            check_wd=m.commitment_approval.check_wd.quantile(mrow[_CHECK]),
            verification_delay_days=m.commitment_approval.verification_delay_days.quantile(
                mrow[_VERIFICATION_DELAY]
            ),
            visit_wd=m.onsite_service.visit_wd.quantile(mrow[_VISIT]),
            intake_wd=scenario.intake_wd.quantile(mrow[_INTAKE]),
        )
    # The landing service shortens the same handoff draw (monotone coupling).
    handoff = m.landing_service.handoff_days if m.landing_service.enabled else scenario.handoff_days
    gap = scenario.enterprise.stage_gap_days
    return ProjectDraws(
        project_id=project_id,
        project_type=project_type,
        signed_day=signed_day,
        handoff_days=handoff.quantile(project_u[_HANDOFF]),
        construction_days=ptype.construction_days.quantile(project_u[_CONSTRUCTION]),
        production_prep_days=ptype.production_prep_days.quantile(project_u[_PRODUCTION_PREP]),
        stage_gap_days={
            stage: gap.quantile(project_u[_GAP0 + k]) for k, stage in enumerate(GAP_STAGES)
        },
        items=items,
    )


def signings(scenario: Scenario, streams: Streams) -> list[tuple[float, str]]:
    """The (day, project type) of every signing in the horizon, in time order."""
    horizon = scenario.run.horizon_days
    arrivals = scenario.arrivals
    if arrivals.kind == "schedule":
        start = scenario.run.start_date
        days = sorted(((signed.date - start).days, signed.type) for signed in arrivals.projects)
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
