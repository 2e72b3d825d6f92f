"""SimPy processes: a project's lifecycle from signing to production.

signing → handoff → land stage (listing, registration) → stages 1-3 →
construction → stage 4 (acceptance) → operating licences, with production
preparation → production.

Processes only emit facts to the event log; they compute no statistics. Time is
in calendar days; reviewer effort is in working days and is turned into a
calendar end time by the working-day calendar (computed, never stepped day by
day). A reviewer is held for the effort; elapsed delays (expert review, public
notice) and enterprise work hold none.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from model.draws import MAX_ROUNDS, ItemDraws, ProjectDraws
from model.eventlog import (
    CONVERSION,
    DECISION,
    ELAPSED,
    OPINION,
    PREPARATION,
    RETURNED,
    REREVIEW,
    REVIEW,
    STAGE,
    TRIP,
    EventLog,
)
from model.scenario import STAGE_ORDER, Scenario
from model.workcalendar import WorkCalendar

Process = Generator[simpy.Event, Any, Any]

#: The approval stages between land and construction start.
PRE_START_STAGES = (1, 2, 3)


class County:
    """The approval system of one county during one replication.

    Holds the SimPy environment, one reviewer pool per department, the calendar,
    the event log, and per-project-type routing worked out once from the scenario.
    """

    def __init__(
        self, env: simpy.Environment, scenario: Scenario, calendar: WorkCalendar, log: EventLog
    ) -> None:
        """Build resources and routing tables."""
        self.env = env
        self.scenario = scenario
        self.calendar = calendar
        self.emit = log.emit
        self.items = scenario.items
        self.edf = {name: d.queue == "edf" for name, d in scenario.departments.items()}
        self.reviewers: dict[str, simpy.Resource] = {
            name: (simpy.PriorityResource if d.queue == "edf" else simpy.Resource)(
                env, capacity=d.staff
            )
            for name, d in scenario.departments.items()
        }
        self.limits = {name: scenario.limit_wd(name) for name in scenario.items}
        self.stage_items = {t: _stage_items(scenario, t) for t in scenario.project_types}
        self.simulatable = {
            t: [
                i
                for stage in PRE_START_STAGES
                for i in self.stage_items[t][stage]
                if scenario.items[i].simulatable
            ]
            for t in scenario.project_types
        }
        self.active = 0
        self.signings_done = False
        self.all_done = env.event()

    # -- reviewer work -------------------------------------------------------

    def hold_reviewer(self, project_id: int, item: str, activity: str, effort_wd: float) -> Process:
        """Queue at the item's department, then hold one reviewer for ``effort_wd``."""
        env = self.env
        department = self.items[item].department
        pool = self.reviewers[department]
        now = env.now
        self.emit((now, project_id, item, activity, "schedule", department))
        if self.edf[department]:
            limit = self.limits[item]
            deadline = self.calendar.working_time(now) + (limit if limit is not None else 1e9)
            request = pool.request(priority=deadline)  # type: ignore[call-arg]
        else:
            request = pool.request()
        yield request
        now = env.now
        self.emit((now, project_id, item, activity, "start", department))
        yield env.timeout(self.calendar.add_working_days(now, effort_wd) - now)
        self.emit((env.now, project_id, item, activity, "complete", department))
        pool.release(request)

    def review(self, project_id: int, item: str, draws: ItemDraws) -> Process:
        """Review one submitted application until it is decided, with rework rounds.

        A deficient submission is returned after review; the enterprise fixes it,
        travels again and resubmits, queueing afresh.
        """
        env = self.env
        spec = self.items[item]
        effort = draws.effort_wd
        probability = spec.deficiency_probability
        round_index = 0
        while True:
            yield from self.hold_reviewer(project_id, item, REVIEW, effort)
            if round_index >= MAX_ROUNDS or draws.deficiency_u[round_index] >= probability:
                break
            self.emit((env.now, project_id, item, RETURNED, "complete", spec.department))
            yield env.timeout(draws.fix_days[round_index])
            self.emit((env.now, project_id, item, TRIP, "complete", spec.department))
            round_index += 1
            effort = draws.effort_wd * spec.rework_effort_fraction
            probability = spec.second_round_deficiency
        if draws.elapsed_days > 0:
            self.emit((env.now, project_id, item, ELAPSED, "start", ""))
            yield env.timeout(draws.elapsed_days)
            self.emit((env.now, project_id, item, ELAPSED, "complete", ""))

    def prepare(self, project_id: int, item: str, draws: ItemDraws) -> Process:
        """The enterprise prepares an application (no government resource)."""
        if draws.preparation_days > 0:
            env = self.env
            self.emit((env.now, project_id, item, PREPARATION, "start", ""))
            yield env.timeout(draws.preparation_days)
            self.emit((env.now, project_id, item, PREPARATION, "complete", ""))

    def convert(self, project_id: int, item: str, draws: ItemDraws) -> Process:
        """Turn a simulated opinion into a formal approval, re-reviewing after a change."""
        yield from self.hold_reviewer(project_id, item, CONVERSION, draws.conversion_wd)
        options = self.scenario.simulated_approval_options
        if draws.change_u < options.change_probability:
            effort = draws.effort_wd * options.rereview_fraction
            yield from self.hold_reviewer(project_id, item, REREVIEW, effort)

    # -- applications --------------------------------------------------------

    def trip(self, project_id: int, item: str, resource: str) -> None:
        """Record a visit of the enterprise to a government office."""
        self.emit((self.env.now, project_id, item, TRIP, "complete", resource))

    def full_item(self, project: ProjectDraws, item: str, own_trip: bool) -> Process:
        """Prepare, (travel,) submit and review one item until it is decided."""
        draws = project.items[item]
        yield from self.prepare(project.project_id, item, draws)
        if own_trip:
            self.trip(project.project_id, item, self.items[item].department)
        yield from self.review(project.project_id, item, draws)

    def formal_item(
        self, project: ProjectDraws, item: str, own_trip: bool, opinions: dict[str, simpy.Event]
    ) -> Process:
        """Decide an item in its stage: by conversion if a simulated opinion exists."""
        opinion = opinions.get(item)
        if opinion is None:
            yield from self.full_item(project, item, own_trip)
        else:
            if not opinion.processed:
                yield opinion
            if own_trip:
                self.trip(project.project_id, item, self.items[item].department)
            yield from self.convert(project.project_id, item, project.items[item])
        self.emit((self.env.now, project.project_id, item, DECISION, "complete", ""))

    def run_items(
        self,
        project: ProjectDraws,
        items: list[str],
        label: str,
        opinions: dict[str, simpy.Event],
        simulated: bool = False,
    ) -> Process:
        """Process a group of items in the scenario's approval mode.

        Serial: one after another, each its own application and trip. Parallel: one
        application (one trip) for the group; each item starts as soon as its
        prerequisites within the group are decided; the group ends when all are.
        ``simulated`` runs the group as pre-land simulated reviews, which end in
        an opinion instead of a decision.
        """
        if not items:
            return
        env = self.env
        pid = project.project_id
        self.emit((env.now, pid, label, STAGE, "start", ""))
        if self.scenario.approval_mode == "serial":
            for item in items:
                yield from self._one(project, item, True, opinions, simulated)
        else:
            self.trip(pid, label, "window")
            decided = {item: env.event() for item in items}
            for item in items:
                env.process(self._after_prerequisites(project, item, decided, opinions, simulated))
            yield env.all_of(list(decided.values()))
        self.emit((env.now, pid, label, STAGE, "complete", ""))

    def _one(
        self,
        project: ProjectDraws,
        item: str,
        own_trip: bool,
        opinions: dict[str, simpy.Event],
        simulated: bool,
    ) -> Process:
        if simulated:
            yield from self.full_item(project, item, own_trip)
            self.emit((self.env.now, project.project_id, item, OPINION, "complete", ""))
            opinions[item].succeed()
        else:
            yield from self.formal_item(project, item, own_trip, opinions)

    def _after_prerequisites(
        self,
        project: ProjectDraws,
        item: str,
        decided: dict[str, simpy.Event],
        opinions: dict[str, simpy.Event],
        simulated: bool,
    ) -> Process:
        waiting = [decided[p] for p in self.items[item].prerequisites if p in decided]
        if waiting:
            yield self.env.all_of(waiting)
        yield from self._one(project, item, False, opinions, simulated)
        decided[item].succeed()

    # -- the lifecycle ------------------------------------------------------

    def lifecycle(self, project: ProjectDraws) -> Process:
        """One project from signing to production."""
        env = self.env
        pid = project.project_id
        stages = self.stage_items[project.project_type]
        # The project type rides in the item column of the "signed" event.
        self.emit((env.now, pid, project.project_type, "signed", "complete", ""))
        yield env.timeout(project.handoff_days)

        opinions: dict[str, simpy.Event] = {}
        # Simulated approval stands in for the land an enterprise does not yet hold;
        # a project on its own land has nothing to simulate.
        if self.scenario.simulated_approval and self.scenario.project_types[
            project.project_type
        ].land == "new":
            simulatable = self.simulatable[project.project_type]
            opinions = {item: env.event() for item in simulatable}
            # Simulated review runs alongside land supply; only the conversion waits for land.
            env.process(self.run_items(project, simulatable, "simulated", opinions, simulated=True))
        yield from self.run_items(project, stages["land"], "land", opinions)
        self.emit((env.now, pid, "", "land_obtained", "complete", ""))

        for stage in PRE_START_STAGES:
            yield from self.run_items(project, stages[stage], str(stage), opinions)
        self.emit((env.now, pid, "", "construction_start", "complete", ""))

        yield env.timeout(project.construction_days)
        self.emit((env.now, pid, "", "completed", "complete", ""))

        yield from self.run_items(project, stages[4], "4", opinions)
        self.emit((env.now, pid, "", "accepted", "complete", ""))

        preparation = env.timeout(project.production_prep_days)
        yield from self.run_items(project, stages["licence"], "licence", opinions)
        if not preparation.processed:
            yield preparation
        self.emit((env.now, pid, "", "production", "complete", ""))
        self.active -= 1
        if self.signings_done and self.active == 0:
            self.all_done.succeed()

    def sign_projects(self, projects: list[ProjectDraws]) -> Process:
        """Start each project's lifecycle at its signing time."""
        env = self.env
        for project in projects:
            yield env.timeout(project.signed_day - env.now)
            self.active += 1  # counted before the process starts, so draining never stops early
            env.process(self.lifecycle(project))
        self.signings_done = True
        if self.active == 0 and not self.all_done.triggered:
            self.all_done.succeed()


def _stage_items(scenario: Scenario, project_type: str) -> dict[Any, list[str]]:
    """A type's items by stage, each in serial order.

    Serial order is topological over prerequisites, ties broken by the order of
    ``items`` in the scenario file, so a planner controls it by listing order.
    """
    wanted = set(scenario.project_types[project_type].items)
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
