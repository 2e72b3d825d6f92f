"""The rules a county runs by: a scenario's switches turned into effective factors and routes.

Worked out once per scenario, and read by both the simulation
(:class:`model.simulation.county.County`) and the Erlang-C staffing screen
(:mod:`model.experiments.staffing`), so the screen cannot drift from what the
simulation does: a mechanism that scales effort, deficiency or preparation, or
removes an item, does so here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from model.scenario.schema import STAGE_ORDER, Scenario

#: Stages before construction start (simulated approval reviews their items before land).
PRE_START_STAGES = (1, 2, 3)


@dataclass(frozen=True)
class Rules:
    """Effective factors, limits and routes of one scenario."""

    parallel: bool
    """Parallel approval: a stage's items are reviewed at once."""
    escalate_at: float | None
    """Share of an item's limit after which a waiting file jumps the queue (None: never)."""
    deemed_consent: bool
    """A department that misses its limit under time-limited feedback is deemed to consent."""
    edf: dict[str, bool]
    """Per department: its queue is earliest-deadline-first."""
    effort_factor: float
    """Multiplier on reviewer effort (performance review)."""
    deficiency_factor: float
    """Multiplier on the probability that a first submission is deficient (checklist)."""
    preparation_factor: float
    """Multiplier on the enterprise's preparation time (process map)."""
    intermediary_factor: float
    """Multiplier on intermediaries' time (process map and online selection)."""
    misroute_probability: float
    """Chance that an enquiry is bounced to another office."""
    max_misroutes: int
    """Most bounces one enquiry can take."""
    removed_items: frozenset[str]
    """Items a mechanism makes unnecessary (combined survey)."""
    stage_items: dict[str, dict[Any, list[str]]]
    """Per project type: its items by stage, each in serial order."""
    simulatable: dict[str, list[str]]
    """Per project type: the pre-start items simulated approval may review before land."""


def effective_rules(scenario: Scenario) -> Rules:
    """The rules ``scenario`` implies."""
    m = scenario.mechanisms
    parallel = scenario.approval_mode == "parallel"
    monitoring = m.monitoring_system.enabled
    feedback = m.time_limited_feedback.enabled and parallel
    escalate_at: float | None = None
    if monitoring:
        escalate_at = m.monitoring_system.escalate_at
    elif feedback:
        escalate_at = m.time_limited_feedback.escalate_at
    preparation_factor = m.process_map.preparation_factor if m.process_map.enabled else 1.0
    removed = frozenset(m.combined_survey.removes) if m.combined_survey.enabled else frozenset()
    stage_items = {t: stage_items_of(scenario, t, removed) for t in scenario.project_types}
    return Rules(
        parallel=parallel,
        escalate_at=escalate_at,
        deemed_consent=feedback and m.time_limited_feedback.deemed_consent,
        edf={name: d.queue == "edf" or monitoring for name, d in scenario.departments.items()},
        effort_factor=m.performance_review.effort_factor if m.performance_review.enabled else 1.0,
        deficiency_factor=(
            m.checklist_notice.deficiency_factor if m.checklist_notice.enabled else 1.0
        ),
        preparation_factor=preparation_factor,
        intermediary_factor=preparation_factor
        * (m.monitoring_system.intermediary_factor if monitoring else 1.0),
        misroute_probability=(
            0.0
            if m.first_contact_responsibility.enabled
            else scenario.enterprise.misroute_probability
            * (m.process_map.misroute_factor if m.process_map.enabled else 1.0)
        ),
        max_misroutes=scenario.enterprise.max_misroutes,
        removed_items=removed,
        stage_items=stage_items,
        simulatable={
            t: [
                i
                for stage in PRE_START_STAGES
                for i in stage_items[t][stage]
                if scenario.item_for(t, i).simulatable
            ]
            for t in scenario.project_types
        },
    )


def stage_items_of(
    scenario: Scenario, project_type: str, removed: frozenset[str] = frozenset()
) -> dict[Any, list[str]]:
    """A type's items by stage, each in serial order.

    Serial order is topological over prerequisites, ties broken by the order of
    ``items`` in the scenario file, so a planner controls it by listing order.
    Items in ``removed`` (made unnecessary by a mechanism) are left out.
    """
    wanted = set(scenario.project_types[project_type].items) - removed
    by_stage: dict[Any, list[str]] = {stage: [] for stage in STAGE_ORDER}
    placed: set[str] = set()
    pending = [name for name in scenario.items if name in wanted]
    while pending:
        for name in pending:
            prereqs = [p for p in scenario.items[name].prerequisites if p in wanted]
            if all(p in placed for p in prereqs):
                by_stage[scenario.items[name].stage].append(name)
                placed.add(name)
                pending.remove(name)
                break
        else:  # pragma: no cover - the schema rejects cycles
            raise ValueError(f"cyclic prerequisites among {pending}")
    return by_stage
