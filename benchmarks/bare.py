"""The default county-year's workload in bare SimPy: no event log, no metrics, no mechanisms.

Same arrivals and project draws (``model.simulation.draws``), same item order per stage
(``model.simulation.rules.stage_items_of``), same reviewer pools (one ``simpy.Resource``
per department), and effort turned into calendar time by the same working-day
calendar. It covers what the pre-reform baseline uses: serial or parallel
approval, intake at each department's window, misrouted enquiries, idle gaps
between stages, intermediaries and preparation, deficiency and rework, elapsed
delays, construction, acceptance, licences and production preparation. It
refuses a scenario with a mechanism switched on, simulated approval, EDF queues
or staff changes, so that nobody benchmarks against a model that ignores half
the work.

``bare_replication`` returns each project's milestone days so that a test can
check that it really does the same work as the domain model.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from model.scenario.schema import Scenario
from model.simulation.calendar import WorkCalendar
from model.simulation.draws import MAX_ROUNDS, ProjectDraws, draw_project, signings
from model.simulation.replication import build_calendar
from model.simulation.rng import Streams
from model.simulation.rules import stage_items_of

Process = Generator[simpy.Event, Any, Any]


def check_supported(scenario: Scenario) -> None:
    """Raise ValueError unless the bare model covers everything ``scenario`` does."""
    on = [name for name, block in scenario.mechanisms if getattr(block, "enabled", False)]
    problems = []
    if on:
        problems.append(f"mechanisms switched on: {', '.join(on)}")
    if scenario.simulated_approval:
        problems.append("simulated approval")
    if any(d.queue != "fifo" or d.staff_changes for d in scenario.departments.values()):
        problems.append("EDF queues or staff changes")
    if scenario.pipeline:
        problems.append("a pipeline of projects in progress")
    if (
        scenario.government.pace.mean > 0
        or any(d.signoff or d.background or d.meetings for d in scenario.departments.values())
        or any(i.at_meeting for i in scenario.items.values())
    ):
        problems.append("the government-work model (pace, sign-off, meetings, background)")
    if problems:
        raise ValueError("the bare model does not cover " + "; ".join(problems))


class BareCounty:
    """The approval system as plain SimPy processes."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, calendar: WorkCalendar) -> None:
        """Build one resource per department and each type's stage lists."""
        self.env = env
        self.scenario = scenario
        self.calendar = calendar
        self.reviewers = {
            name: simpy.Resource(env, capacity=d.staff) for name, d in scenario.departments.items()
        }
        self.department = {name: spec.department for name, spec in scenario.items.items()}
        self.stages = {t: stage_items_of(scenario, t) for t in scenario.project_types}
        self.parallel = scenario.approval_mode == "parallel"
        self.misroute = scenario.enterprise.misroute_probability
        self.max_misroutes = scenario.enterprise.max_misroutes
        self.milestones: dict[int, dict[str, float]] = {}

    def hold(self, department: str, effort_wd: float) -> Process:
        """Queue for a reviewer and hold one for ``effort_wd`` working days."""
        env = self.env
        with self.reviewers[department].request() as request:
            yield request
            yield env.timeout(self.calendar.add_working_days(env.now, effort_wd) - env.now)

    def apply(self, project: ProjectDraws, items: list[str]) -> Process:
        """Misrouted enquiries, then intake at each department's window."""
        first = project.items[items[0]]
        if self.misroute > 0:
            for k in range(self.max_misroutes):
                if first.misroute_u[k] >= self.misroute:
                    break
                yield self.env.timeout(first.misroute_delay_days(k))
        if first.intake_wd > 0:
            for department in dict.fromkeys(self.department[i] for i in items):
                yield from self.hold(department, first.intake_wd)

    def decide(self, project: ProjectDraws, item: str, own_application: bool) -> Process:
        """Prepare, apply, review with rework, wait out the elapsed delay."""
        env = self.env
        draws = project.items[item]
        spec = self.scenario.items[item]
        days = draws.intermediary_days + draws.preparation_days
        if days > 0:
            yield env.timeout(days)
        if own_application:
            yield from self.apply(project, [item])
        effort, probability = draws.effort_wd, spec.deficiency_probability
        for round_index in range(MAX_ROUNDS + 1):
            yield from self.hold(spec.department, effort)
            if round_index >= MAX_ROUNDS or draws.deficiency_u[round_index] >= probability:
                break
            yield env.timeout(draws.fix_days(round_index))
            effort = draws.effort_wd * spec.rework_effort_fraction
            probability = spec.second_round_deficiency
        if draws.elapsed_days > 0:
            yield env.timeout(draws.elapsed_days)

    def group(self, project: ProjectDraws, items: list[str], label: str, parallel: bool) -> Process:
        """A stage's items, serially or (one application) in parallel."""
        if not items:
            return
        env = self.env
        gap = project.stage_gap_days.get(label, 0.0)
        if gap > 0:
            yield env.timeout(gap)
        if not parallel:
            for item in items:
                yield from self.decide(project, item, True)
            return
        yield from self.apply(project, items)
        decided = {item: env.event() for item in items}

        def one(item: str) -> Process:
            waiting = [decided[p] for p in self.scenario.items[item].prerequisites if p in decided]
            if waiting:
                yield env.all_of(waiting)
            yield from self.decide(project, item, False)
            decided[item].succeed()

        for item in items:
            env.process(one(item))
        yield env.all_of(list(decided.values()))

    def lifecycle(self, project: ProjectDraws) -> Process:
        """Signing to production, recording only the milestone days."""
        env = self.env
        stages = self.stages[project.project_type]
        times = self.milestones[project.project_id] = {"signed": env.now}
        yield env.timeout(project.handoff_days)
        yield from self.group(project, stages["land"], "land", self.parallel)
        times["land_obtained"] = env.now
        for stage in (1, 2, 3):
            yield from self.group(project, stages[stage], str(stage), self.parallel)
        times["construction_start"] = env.now
        yield env.timeout(project.construction_days)
        times["completed"] = env.now
        yield from self.group(project, stages[4], "4", False)
        times["accepted"] = env.now
        preparation = env.timeout(project.production_prep_days)
        yield from self.group(project, stages["licence"], "licence", False)
        yield preparation
        times["production"] = env.now

    def sign(self, projects: list[ProjectDraws]) -> Process:
        """Start each project at its signing day."""
        for project in projects:
            yield self.env.timeout(project.signed_day - self.env.now)
            self.env.process(self.lifecycle(project))


def bare_replication(
    scenario: Scenario,
    replication: int,
    seed: int | None = None,
    calendar: WorkCalendar | None = None,
) -> tuple[dict[int, dict[str, float]], int]:
    """Run the bare model; return milestone days by project and SimPy events processed."""
    check_supported(scenario)
    seed = scenario.run.seed if seed is None else seed
    calendar = calendar or build_calendar(scenario)
    streams = Streams(seed, replication)
    env = simpy.Environment()
    county = BareCounty(env, scenario, calendar)
    projects = [
        draw_project(scenario, streams, index, kind, day)
        for index, (day, kind) in enumerate(signings(scenario, streams))
    ]
    env.process(county.sign(projects))
    limit = scenario.run.horizon_days + scenario.run.drain_limit_days
    env.run(until=limit if scenario.run.drain else scenario.run.horizon_days)
    return county.milestones, scheduled_events(env)


def scheduled_events(env: simpy.Environment) -> int:
    """Events SimPy scheduled so far (its event-id counter; a benchmark-only peek)."""
    return int(next(env._eid))  # noqa: SLF001 - SimPy keeps no public count
