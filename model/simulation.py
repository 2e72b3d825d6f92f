"""One replication: build the county, sign the projects, run, return the raw facts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import simpy

from model.draws import draw_project, signings
from model.eventlog import EventLog
from model.processes import County
from model.rng import Streams
from model.scenario import Scenario
from model.workcalendar import WorkCalendar, holiday_source


@dataclass(frozen=True)
class RunResult:
    """The raw outcome of one replication: its event log and how it ended."""

    replication: int
    seed: int
    events: pd.DataFrame
    end_day: float
    """Simulated day at which the run stopped."""
    projects_signed: int
    projects_open: int
    """Projects still in progress when the run stopped."""
    notes: tuple[str, ...] = field(default=())
    """Things the user should know, e.g. holidays projected by rule."""


def build_calendar(scenario: Scenario) -> WorkCalendar:
    """The working-day calendar covering the horizon and the drain period."""
    span = int(scenario.run.horizon_days + 3 * 366)
    return WorkCalendar(scenario.run.start_date, span, scenario.calendar.closures)


def run_replication(
    scenario: Scenario, replication: int, seed: int | None = None, calendar: WorkCalendar | None = None
) -> RunResult:
    """Simulate one replication; a pure function of its arguments (no I/O, no globals)."""
    seed = scenario.run.seed if seed is None else seed
    calendar = calendar or build_calendar(scenario)
    streams = Streams(seed, replication)
    env = simpy.Environment()
    log = EventLog()
    county = County(env, scenario, calendar, log)
    projects = [
        draw_project(scenario, streams, index, kind, day)
        for index, (day, kind) in enumerate(signings(scenario, streams))
    ]
    env.process(county.sign_projects(projects))
    horizon = scenario.run.horizon_days
    if scenario.run.drain:
        limit = env.timeout(horizon + scenario.run.drain_limit_days)
        env.run(until=env.any_of([county.all_done, limit]))
    else:
        env.run(until=horizon)
    notes = tuple(
        f"public holidays of {year} projected by rule ({holiday_source(year)})"
        for year in calendar.projected_years
    )
    if county.active:
        notes += (f"{county.active} project(s) still in progress when the run stopped",)
    return RunResult(
        replication=replication,
        seed=seed,
        events=log.to_frame(),
        end_day=float(env.now),
        projects_signed=len(projects),
        projects_open=county.active,
        notes=notes,
    )
