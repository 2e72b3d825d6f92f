"""One replication: build the county, sign the projects, run, return the raw facts."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import simpy

from model.scenario.schema import Scenario
from model.simulation import steady_state
from model.simulation.calendar import WorkCalendar, holiday_source
from model.simulation.county import Case, County, ProjectState
from model.simulation.draws import (
    PIPELINE_STREAM_BASE,
    ProjectDraws,
    draw_project,
    iter_signings,
)
from model.simulation.eventlog import MILESTONES, EventLog
from model.simulation.rng import Streams

#: Ids of the departments' other applications: far above any project's, one block each.
BACKGROUND_ID_BASE = 1 << 40
BACKGROUND_ID_SPAN = 1 << 32

#: Simulated days of one slice of the run (a run that is done stops at a slice's end).
CHECK_EVERY_DAYS = 30.0
#: Simulation steps between checks of the event and wall-time bounds.
CHECK_EVERY_EVENTS = 2048


class RunLimitError(RuntimeError):
    """A replication hit its bound on simulated events or wall time.

    Attributes:
        bound: The setting reached, ``run.max_events`` or ``run.max_wall_seconds``.
        finished: Replications finished before it (set by the backend), if known.
        saved_in: Where those are saved (set by the backend), if anywhere.

    """

    def __init__(
        self,
        message: str,
        bound: str = "",
        finished: int | None = None,
        saved_in: str | None = None,
    ) -> None:
        super().__init__(message)
        self.bound = bound
        self.finished = finished
        self.saved_in = saved_in

    def __reduce__(
        self,
    ) -> tuple[type[RunLimitError], tuple[str, str, int | None, str | None]]:
        """Cross process boundaries (a pool worker raises it) with its attributes."""
        return (type(self), (str(self), self.bound, self.finished, self.saved_in))


class _Bounds:
    """The event and wall-time bounds of one replication, checked as it runs."""

    def __init__(
        self, replication: int, max_events: int, max_wall_seconds: float, log: EventLog
    ) -> None:
        self.replication = replication
        self.max_events = max_events
        self.max_wall_seconds = max_wall_seconds
        self.log = log
        self.started = time.monotonic()

    def check(self, now: float) -> None:
        """Raise :class:`RunLimitError` when either bound is exceeded."""
        if len(self.log) > self.max_events:
            raise RunLimitError(
                f"replication {self.replication} stopped at simulated day {now:.0f}: more "
                f"than {self.max_events:,} events (run.max_events). The scenario may be "
                "unstable (arrivals beyond capacity) or far larger than intended; if it is "
                "meant, raise run.max_events in the scenario's run: section.",
                "run.max_events",
            )
        if time.monotonic() - self.started > self.max_wall_seconds:
            raise RunLimitError(
                f"replication {self.replication} stopped at simulated day {now:.0f}: over "
                f"{self.max_wall_seconds:g} s of wall time (run.max_wall_seconds); if the "
                "scenario is meant, raise run.max_wall_seconds in its run: section.",
                "run.max_wall_seconds",
            )


class InvariantError(AssertionError):
    """The simulation broke one of its own invariants (a bug, not bad input)."""


@dataclass(frozen=True)
class ReplicationLog:
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
    start = scenario.run.start_date
    history = max([0, *((start - p.signed).days for p in scenario.pipeline)])
    if scenario.run.starts_warm:
        # A borrowed history is moved by up to the borrowing window: it may begin before day 0.
        history = max(history, int(steady_state.BORROW_WINDOW_DAYS) + 1)
    return WorkCalendar(start, span, scenario.calendar.closures, history_days=history)


#: Collector thresholds while simulating (default 700, 10, 10): young generation
#: every 50,000 allocations instead of 700 (older generations as usual).
GC_THRESHOLDS = (50_000, 10, 10)


class _CheckedEmit:
    """Wraps the event log's ``emit`` to assert invariants as facts arrive (debug runs)."""

    def __init__(self, emit: object, county: County, start_day: float = 0.0) -> None:
        self.emit = emit
        self.county = county
        self.start_day = start_day
        self.last_time = float("-inf")
        self.milestone: dict[int, int] = {}

    def __call__(self, record: tuple[float, int, str, str, str, str]) -> None:
        time_, project, _item, activity, lifecycle, resource = record
        # Times before the start are the history of projects already in progress.
        if time_ >= self.start_day:
            if time_ < self.last_time - 1e-9:
                raise InvariantError(f"time went backwards: {record}")
            self.last_time = time_
        if lifecycle == "start" and resource in self.county.pools:
            pool = self.county.pools[resource]
            if pool.busy > pool.capacity:
                raise InvariantError(f"{resource} over capacity at day {time_:.2f}")
        if activity in MILESTONES:
            rank = MILESTONES.index(activity)
            if rank != self.milestone.get(project, -1) + 1:
                raise InvariantError(f"project {project}: {activity} out of order")
            self.milestone[project] = rank
        self.emit(record)  # type: ignore[operator]


@contextmanager
def _few_collections() -> Iterator[None]:
    """Collect the young generation less often while simulating; restore on leaving.

    A replication allocates hundreds of thousands of short-lived events and
    generators; with the default threshold (700) the collector runs thousands of
    times (about 12 % of the run).
    """
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_replication(
    scenario: Scenario,
    replication: int,
    seed: int | None = None,
    calendar: WorkCalendar | None = None,
) -> ReplicationLog:
    """Simulate one replication; a pure function of its arguments (no I/O, no globals).

    With ``run.warm_start`` the replication continues a sampled steady state
    (:mod:`~model.simulation.steady_state`), from a pilot run simulated once per
    process for the scenario and seed.

    Raises:
        RunLimitError: the run reached ``run.max_events`` or ``run.max_wall_seconds``.
        InvariantError: with ``run.debug``, an invariant failed while simulating.
    """
    _, seed = scenario.run.resolve(None, seed)
    calendar = calendar or build_calendar(scenario)
    if not scenario.run.starts_warm:
        return _collected(_simulate(scenario, replication, seed, calendar)[0])
    warm = steady_state.plan(scenario)
    key = steady_state.PILOTS.key(scenario, seed)
    pilot = steady_state.PILOTS.get(key)
    if pilot is None:
        cases = _simulate(
            warm.pilot, steady_state.PILOT_REPLICATION, seed, calendar, keep_histories=True
        )[1]
        pilot = steady_state.Pilot.of(cases)
        steady_state.PILOTS.put(key, pilot)
    rng = Streams(seed, replication).replication_stream("warm_start")
    states = steady_state.sample(pilot, scenario, rng, warm.start_day)
    return _collected(
        _simulate(scenario, replication, seed, calendar, start_day=warm.start_day, states=states)[0]
    )


#: Event-log facts from which a finished replication is followed by a full collection.
COLLECT_AFTER_FACTS = 50_000


def _collected(raw: ReplicationLog) -> ReplicationLog:
    """``raw``, once a large finished run's reference cycles are collected.

    The county, its processes and events form cycles that only a full collection
    frees; left to the collector's own schedule they pile up over replications
    (peak memory of 8 county-years in one process 554 MB, with this 409 MB). A
    collection costs about 0.1 s whatever the run's size, so small runs (tests,
    toy counties) skip it: their garbage is small.
    """
    if len(raw.events) >= COLLECT_AFTER_FACTS:
        gc.collect()
    return raw


def _simulate(
    scenario: Scenario,
    replication: int,
    seed: int,
    calendar: WorkCalendar,
    start_day: float = 0.0,
    states: Sequence[ProjectState] = (),
    keep_histories: bool = False,
) -> tuple[ReplicationLog, list[Case]]:
    """Simulate from ``start_day`` with ``states`` in progress.

    Signings and the departments' other work before ``start_day`` are drawn and
    passed over, so what follows is the same as in a run from day 0. With
    ``keep_histories`` every project's case is returned too (a warm start's pilot).
    """
    settings = scenario.run
    streams = Streams(seed, replication)
    env = simpy.Environment(initial_time=start_day)
    log = EventLog()
    county = County(env, scenario, calendar, log)
    if keep_histories:
        county.histories = []
    if settings.debug:
        county.emit = _CheckedEmit(log.emit, county, start_day)
    # Each signing is drawn when the one before it has happened (not all up
    # front), so memory holds the projects in progress, not the whole horizon.
    signed = [0]

    def projects() -> Iterator[ProjectDraws]:
        for index, (day, kind) in enumerate(iter_signings(scenario, streams)):
            if day < start_day:
                continue  # before a warm start: the sampled projects stand for them
            signed[0] += 1
            yield draw_project(scenario, streams, index, kind, day)

    start = scenario.run.start_date
    pipeline = [
        (
            draw_project(
                scenario,
                streams,
                -(k + 1),
                record.type,
                float((record.signed - start).days),
                stream_index=PIPELINE_STREAM_BASE + k,
            ),
            record,
        )
        for k, record in enumerate(scenario.pipeline)
    ]
    # sign_projects only iterates its argument once, in order.
    env.process(county.sign_projects(projects(), pipeline, states))
    for k, (name, department) in enumerate(scenario.departments.items()):
        if department.background is not None and department.background.rate_per_year > 0:
            rng = streams.project_stream("background", k)
            first_id = BACKGROUND_ID_BASE + k * BACKGROUND_ID_SPAN
            env.process(county.background(name, rng, first_id, start_day))
    # Regional assessments are government files too, numbered after the departments'.
    for k, assessment in enumerate(scenario.regional_assessments.values()):
        rng = streams.project_stream("regional", k)
        first_id = BACKGROUND_ID_BASE + (len(scenario.departments) + k) * BACKGROUND_ID_SPAN
        env.process(county.regional_assessment(assessment, rng, first_id, start_day))
    horizon = settings.horizon_days
    final_day = horizon + settings.drain_limit_days if settings.drain else horizon
    bounds = _Bounds(replication, settings.max_events, settings.max_wall_seconds, log)
    # Run in slices of CHECK_EVERY_DAYS (where the run may stop once every project
    # is done); inside a slice, events are stepped one by one and the bounds
    # checked every CHECK_EVERY_EVENTS of them, so that a burst of events on one
    # simulated day cannot outrun the bounds.
    with _few_collections():
        step, peek = env.step, env.peek
        while env.now < final_day and not county.all_done.triggered:
            until = min(env.now + CHECK_EVERY_DAYS, final_day)
            steps = 0
            while peek() < until:
                step()
                steps += 1
                if steps >= CHECK_EVERY_EVENTS:
                    bounds.check(env.now)
                    steps = 0
            # Nothing is left before ``until``: this only moves the clock there, as
            # ``env.run(until=...)`` of the whole slice would have.
            env.run(until=until)
            bounds.check(env.now)
    projected = calendar.projected_years
    notes: tuple[str, ...] = ()
    if projected:
        years = str(projected[0]) if len(projected) == 1 else f"{projected[0]}-{projected[-1]}"
        notes = (f"public holidays of {years} projected by rule: {holiday_source(projected[0])}",)
    if county.active:
        notes += (f"{county.active} project(s) still in progress when the run stopped",)
    raw = ReplicationLog(
        replication=replication,
        seed=seed,
        events=log.to_frame(),
        end_day=float(env.now),
        projects_signed=signed[0] + len(pipeline) + len(states),
        projects_open=county.active,
        notes=notes,
    )
    return raw, county.histories or []
