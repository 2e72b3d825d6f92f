"""SimPy processes: a project's lifecycle from signing to production.

signing → handoff → land stage (listing, registration) → stages 1-3 →
construction → stage 4 (acceptance) → operating licences, with production
preparation → production.

Processes only emit facts to the event log; they compute no statistics. Time is
in calendar days; reviewer effort is in working days and is turned into a
calendar end time by the working-day calendar (computed, never stepped day by
day). A reviewer is held for the effort; elapsed delays (expert review, public
notice) and enterprise work hold none.

The mechanisms of the "three sixes" act here only through delays,
probabilities, routing and resources (see ``Scenario.mechanisms``); every
chance they act on was drawn at signing (:mod:`model.simulation.draws`).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from model.scenario.schema import (
    CommitmentApproval,
    ConditionalAcceptance,
    PipelineProject,
    RegionalAssessment,
    Scenario,
)
from model.simulation.calendar import WorkCalendar
from model.simulation.draws import MAX_ROUNDS, ProjectDraws
from model.simulation.eventlog import (
    AGENT,
    AGENT_TRIP,
    BACKGROUND,
    BREACH,
    CHECK,
    COMMISSIONER,
    CONVERSION,
    DECISION,
    DEEMED_CONSENT,
    ELAPSED,
    ESCALATED,
    IN_TRAY,
    INTAKE,
    INTERMEDIARY,
    MEETING,
    MISROUTE,
    OPINION,
    PRECHECK,
    PREPARATION,
    REREVIEW,
    RETURNED,
    REVIEW,
    SIGNOFF,
    STAGE,
    SUPPLEMENT,
    SUPPLEMENT_MISSED,
    TEAM,
    TEAM_SCHEDULE,
    TRIP,
    VERIFICATION,
    VISIT,
    EventLog,
)
from model.simulation.pools import Pool, apply_changes
from model.simulation.rules import PRE_START_STAGES, effective_rules

Process = Generator[simpy.Event, Any, Any]

#: Decision limit for work without one of its own, when queues are ordered by
#: deadline: the general limit of the Administrative Licensing Law, Art. 42 [R].
DEFAULT_LIMIT_WD = 20.0
#: Priority of an escalated request: ahead of every deadline.
ESCALATED_PRIORITY = -1.0


class ItemClock:
    """Whether an item's file is in government hands; stopped while it is not.

    The clock stops while the file is back with the enterprise for correction and
    during expert review or public notice (the limit excludes both), and runs
    otherwise. ``changed`` fires at each stop or restart.
    """

    __slots__ = ("changed", "env", "stopped")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.stopped = False
        self.changed = env.event()

    def set_stopped(self, stopped: bool) -> None:
        """Stop or restart the clock (no-op when already so)."""
        if stopped != self.stopped:
            self.stopped = stopped
            fired, self.changed = self.changed, self.env.event()
            fired.succeed()


@dataclass(frozen=True)
class ProjectState:
    """Where one project stood at an instant: what a warm start continues from.

    Times are simulated days of the run that continues it.
    """

    draws: ProjectDraws
    done: frozenset[str]
    """Items decided."""
    under_way: dict[str, float]
    """Items submitted and not yet decided, by submission time."""
    land_day: float | None
    construction_day: float | None
    completed_day: float | None


@dataclass(slots=True)
class Case:
    """A project's state while it runs (its draws never change)."""

    draws: ProjectDraws
    opinions: dict[str, simpy.Event] = field(default_factory=dict)
    """Simulated opinions (模拟审批) by item, triggered when ready."""
    channels: dict[str, str] = field(default_factory=dict)
    """How the group application covering an item was made (office, online, ...)."""
    issued: dict[str, simpy.Process] = field(default_factory=dict)
    """Conversions of opinions started together at land (交地即发证), by item."""
    agent: bool = False
    """Whether the project holds an agent slot."""
    rectifications: list[simpy.Process] = field(default_factory=list)
    """Open rectifications of breached commitments; they block the next milestone."""
    done: frozenset[str] = frozenset()
    """Items decided before the run started (a project already in progress)."""
    under_way: dict[str, float] = field(default_factory=dict)
    """Items submitted before the run started, by submission time (negative days)."""
    clocks: dict[str, ItemClock] = field(default_factory=dict)
    """Government clocks of items whose limit is watched (deemed consent)."""
    prepared: dict[str, simpy.Process] = field(default_factory=dict)
    """Preparations started ahead of the item's turn (``enterprise.prepares``)."""
    intermediaries: Pool | None = None
    """The intermediaries the enterprise can engage at once, when limited."""
    commissioner: bool = False
    """Whether a commissioner has followed the project since signing (签约即落地)."""
    team: bool = False
    """Whether a service-team member has the project (包干服务团)."""
    decided: dict[str, float] = field(default_factory=dict)
    """When each item was decided during the run (a history a warm start borrows)."""
    submissions: dict[str, float] = field(default_factory=dict)
    """When each item was first submitted during the run."""
    land_day: float | None = None
    """When the land was obtained, once it was."""
    construction_day: float | None = None
    """When construction started (set before the run for a project already building)."""
    completed_day: float | None = None
    """When construction was completed (likewise)."""
    production_day: float | None = None
    """When the project reached production."""

    @property
    def project_id(self) -> int:
        """The project's id."""
        return self.draws.project_id


class County:
    """The approval system of one county during one replication.

    Holds the SimPy environment, the pools (departments' reviewers and the
    mechanisms' clerks, teams and agents), the calendar, the event log, and
    per-project-type routing worked out once from the scenario.
    """

    def __init__(
        self, env: simpy.Environment, scenario: Scenario, calendar: WorkCalendar, log: EventLog
    ) -> None:
        """Build pools, routing tables and the mechanisms' effective factors."""
        self.env = env
        self.scenario = scenario
        self.calendar = calendar
        self.emit = log.emit
        self.items = scenario.items
        m = self.m = scenario.mechanisms
        rules = self.rules = effective_rules(scenario)
        # Copied to attributes: the process code reads them on every step.
        self.parallel = rules.parallel
        self.escalate_at = rules.escalate_at
        self.deemed_consent = rules.deemed_consent
        self.edf = rules.edf
        self.pools: dict[str, Pool] = {}
        team = m.service_team
        # A team member escalates its projects' files when no platform does it for all.
        self.team_escalate_at = team.escalate_at if team.enabled else None
        self.chased: set[int] = set()
        for pool in scenario.pools():
            prioritised = pool.kind == "department" and (
                self.edf[pool.name]
                or self.escalate_at is not None
                or self.team_escalate_at is not None
            )
            self.pools[pool.name] = Pool(env, pool.capacity, prioritised)
            if pool.changes:
                env.process(
                    apply_changes(env, self.pools[pool.name], pool.changes, scenario.run.start_date)
                )
        self.has_window = m.one_window.enabled
        self.has_teams = m.onsite_service.enabled
        self.decides_on_site = (
            frozenset(m.onsite_service.decides_on_site) if self.has_teams else frozenset()
        )
        self.has_agents = m.agents.enabled
        self.has_commissioners = m.landing_service.enabled
        self.has_team = m.service_team.enabled
        self.department = {name: spec.department for name, spec in scenario.items.items()}
        self.effort_factor = rules.effort_factor
        self.deficiency_factor = rules.deficiency_factor
        self.preparation_factor = rules.preparation_factor
        self.intermediary_factor = rules.intermediary_factor
        self.misroute_probability = rules.misroute_probability
        self.max_misroutes = rules.max_misroutes
        self.stage_items = rules.stage_items
        self.simulatable = rules.simulatable
        # The sign-off chain of each department after its case officers, by pool name.
        self.signoff = {
            name: [f"{name}/{level.name}" for level in d.signoff]
            for name, d in scenario.departments.items()
        }
        self.meetings = {name: d.meetings for name, d in scenario.departments.items()}
        # Items whose decision passes sign-off or a meeting; the rest skip the step
        # (a generator per decision is a cost on the hot path).
        self.signed_off = {
            name: bool(self.signoff[spec.department]) or spec.at_meeting
            for name, spec in scenario.items.items()
        }
        enterprise = scenario.enterprise
        self.prepares = enterprise.prepares or "in_turn"
        self.intermediaries_at_once = enterprise.intermediaries_at_once
        self.scheme_with_land = {
            name: frozenset(t.land_with_scheme) for name, t in scenario.project_types.items()
        }
        self.active = 0
        self.histories: list[Case] | None = None
        """Every project's case, kept when set to a list (a pilot for a warm start)."""
        self.signings_done = False
        self.all_done = env.event()

    # -- pools -----------------------------------------------------------------

    def hold(
        self,
        project_id: int,
        item: str,
        activity: str,
        pool_name: str,
        effort_wd: float,
        limit: float | None = None,
        queued_since: float | None = None,
        submitted: float | None = None,
    ) -> Process:
        """Queue at a pool, then hold one member for ``effort_wd`` working days.

        With earliest-deadline-first the request is ordered by its limit; with
        escalation a request still waiting at ``escalate_at`` of its limit jumps
        the queue. Both count the limit from ``submitted`` (default: now), since the
        government clock runs from submission, in-tray time included.
        ``queued_since`` dates a request made before the run started.
        """
        env = self.env
        pool = self.pools[pool_name]
        now = env.now if queued_since is None else queued_since
        emit = self.emit
        emit((now, project_id, item, activity, "schedule", pool_name))
        if pool.busy < pool.capacity:
            pool.busy += 1  # a free member is granted on the spot, without an event
        elif pool.prioritised:
            clock_start = now if submitted is None else submitted
            deadline = 0.0
            if self.edf[pool_name]:
                # Work without a limit of its own is due like an ordinary decision.
                due = DEFAULT_LIMIT_WD if limit is None else limit
                deadline = self.calendar.working_time(clock_start) + due
            ticket = pool.queue(deadline)
            escalate_at = self.escalate_at
            if escalate_at is None and project_id in self.chased:
                escalate_at = self.team_escalate_at
            if escalate_at is not None and limit is not None:
                escalation = (
                    self.calendar.add_working_days(clock_start, escalate_at * limit) - env.now
                )
                yield ticket | env.timeout(max(escalation, 0.0))
                if not ticket.triggered:
                    pool.withdraw(ticket)
                    emit((env.now, project_id, item, ESCALATED, "complete", pool_name))
                    yield pool.queue(ESCALATED_PRIORITY)
            else:
                yield ticket
        else:
            yield pool.queue()
        now = env.now
        emit((now, project_id, item, activity, "start", pool_name))
        yield env.timeout(self.calendar.add_working_days(now, effort_wd) - now)
        emit((env.now, project_id, item, activity, "complete", pool_name))
        pool.release()

    # -- applications ------------------------------------------------------------

    def apply(self, case: Case, items: list[str], label: str) -> Process:
        """Make one application covering ``items`` and return how it was made.

        The channel is ``agent`` (an agent travels), ``online`` (no trip, no hall
        queue), ``onsite`` (a free service team takes it at the enterprise) or
        ``office`` (the enterprise travels: to the comprehensive window, or to
        each department's own window). Misrouted enquiries come first, unless an
        agent or the online channel spares the enquiry.
        """
        env = self.env
        pid = case.project_id
        first = case.draws.items[items[0]]
        departments = list(dict.fromkeys(self.department[i] for i in items))
        offices = ["window"] if self.has_window else departments
        m = self.m
        if case.agent:
            channel = "agent"
            for office in offices:
                self.emit((env.now, pid, label, AGENT_TRIP, "complete", office))
        elif (
            m.online.enabled
            and first.online_u < m.online.share
            and all(case.draws.items[i].spec.online_eligible for i in items)
        ):
            channel = "online"
        else:
            probability = self.misroute_probability
            if probability > 0:
                for k in range(self.max_misroutes):
                    if first.misroute_u[k] >= probability:
                        break
                    self.emit((env.now, pid, label, MISROUTE, "start", ""))
                    yield env.timeout(first.misroute_delay_days(k))
                    self.emit((env.now, pid, label, TRIP, "complete", "misrouted"))
            channel = "office"
            if self.has_teams:
                teams = self.pools["onsite_teams"]
                if teams.take():  # a team is free now; otherwise the enterprise travels
                    channel = "onsite"
                    now = env.now
                    self.emit((now, pid, label, VISIT, "schedule", "onsite_teams"))
                    self.emit((now, pid, label, VISIT, "start", "onsite_teams"))
                    yield env.timeout(self.calendar.add_working_days(now, first.visit_wd()) - now)
                    self.emit((env.now, pid, label, VISIT, "complete", "onsite_teams"))
                    teams.release()
            if channel == "office":
                for office in offices:
                    self.emit((env.now, pid, label, TRIP, "complete", office))
        if first.intake_wd > 0 and channel in ("office", "agent"):
            for office in offices:
                yield from self.hold(pid, label, INTAKE, office, first.intake_wd)
        return channel

    def resubmission_trip(self, case: Case, item: str, channel: str) -> None:
        """A fixed file goes back the way the application came."""
        if channel == "online":
            return
        activity = AGENT_TRIP if channel == "agent" else TRIP
        self.emit(
            (self.env.now, case.project_id, item, activity, "complete", self.department[item])
        )

    # -- one item ------------------------------------------------------------------

    def review(self, case: Case, item: str, channel: str) -> Process:
        """Review one submitted application until it is decided, with rework rounds.

        A deficient submission is returned after review; the enterprise fixes it,
        travels again and resubmits, queueing afresh. Under conditional
        acceptance a minor deficiency of a tolerable item is supplemented while
        the review goes on. Under 承诺即办结 a tolerable item skips the in-tray and
        any deficiency is supplemented on commitment; under 告知承诺 a listed item is
        approved after a formal check and inspected later.
        """
        env = self.env
        pid = case.project_id
        draws = case.draws.items[item]
        spec = draws.spec
        department = spec.department
        limit = draws.limit
        m = self.m
        if channel == "onsite" and item in self.decides_on_site:
            # 现场办理: the visiting team reviews and decides it there and then.
            effort = draws.effort_wd * self.effort_factor
            yield from self.hold(pid, item, REVIEW, "onsite_teams", effort)
            return
        if m.notification_commitment.enabled and spec.commitment_eligible:
            yield from self.hold(
                pid, item, CHECK, department, draws.check_wd() * self.effort_factor, limit
            )
            if self.signed_off[item]:
                yield from self.sign_off(pid, item, draws.signoff_wd)
            env.process(self.verify(case, item, channel))
            return
        probability = spec.deficiency_probability * self.deficiency_factor
        catch = m.agents.precheck_catch if case.agent else 0.0
        effort = draws.effort_wd * self.effort_factor
        tolerant = m.conditional_acceptance.enabled and spec.tolerable
        # 承诺即办结: a listed (容缺) item is taken up at once and accepted on commitment.
        on_commitment = m.commitment_approval.enabled and spec.tolerable
        since = case.under_way.get(item)
        round_index = 0
        if since is None and catch > 0:
            round_index, probability = yield from self.precheck(case, item, probability, catch, 0)
        submitted = env.now if since is None else since
        case.submissions.setdefault(item, submitted)
        clock = case.clocks.get(item)
        if since is None and draws.pace > 0 and limit is not None and not on_commitment:
            yield from self.in_tray(pid, item, draws.pace, limit)
        while True:
            yield from self.hold(pid, item, REVIEW, department, effort, limit, since, submitted)
            since = None
            if round_index >= MAX_ROUNDS or draws.deficiency_u[round_index] >= probability:
                break
            if on_commitment:
                yield from self.supplement(case, item, channel, submitted, m.commitment_approval)
                break
            if tolerant and draws.minor_u[round_index] < m.conditional_acceptance.minor_share:
                yield from self.supplement(case, item, channel, submitted, m.conditional_acceptance)
                break
            self.emit((env.now, pid, item, RETURNED, "complete", department))
            if clock is not None:
                clock.set_stopped(True)  # the correction is the enterprise's time
            yield env.timeout(draws.fix_days(round_index))
            round_index += 1
            probability = spec.second_round_deficiency
            if catch > 0:  # the agent checks the fixed file too before it goes back
                round_index, probability = yield from self.precheck(
                    case, item, probability, catch, round_index
                )
            self.resubmission_trip(case, item, channel)
            if clock is not None:
                clock.set_stopped(False)
            submitted = env.now
            effort = draws.effort_wd * self.effort_factor * spec.rework_effort_fraction
        if self.signed_off[item]:
            yield from self.sign_off(pid, item, draws.signoff_wd)
        if draws.elapsed_days > 0:
            if clock is not None:
                clock.set_stopped(True)  # expert review and notices are off the clock
            self.emit((env.now, pid, item, ELAPSED, "start", ""))
            yield env.timeout(draws.elapsed_days)
            self.emit((env.now, pid, item, ELAPSED, "complete", ""))

    def precheck(
        self, case: Case, item: str, probability: float, catch: float, round_index: int
    ) -> Generator[simpy.Event, Any, tuple[int, float]]:
        """代理办: the agent checks a file before it goes in; a gap found is fixed first.

        A submission is deficient when its uniform falls below ``probability``; the
        agent finds it when the uniform falls below ``catch`` times that (the same
        draw, so a found gap is one the department would have returned). The
        enterprise fixes it, which costs its fixing time but no queue, review or
        trip. Returns the round and deficiency probability of the file that goes in.
        """
        env = self.env
        draws = case.draws.items[item]
        while round_index < MAX_ROUNDS and draws.deficiency_u[round_index] < probability * catch:
            self.emit((env.now, case.project_id, item, PRECHECK, "complete", "agents"))
            yield env.timeout(draws.fix_days(round_index))
            round_index += 1
            probability = draws.spec.second_round_deficiency
        return round_index, probability

    def in_tray(self, project_id: int, item: str, pace: float, limit: float | None) -> Process:
        """An accepted file waits in the department's in-tray, at the pace of its limit.

        Offices work to the limit they are held to: the wait is ``pace`` times the
        limit in force (statutory or committed), in working days, before the case
        officer queues for the file. Items without a limit wait nothing.
        """
        if pace <= 0 or limit is None:
            return
        env = self.env
        department = self.department[item]
        self.emit((env.now, project_id, item, IN_TRAY, "start", department))
        yield env.timeout(self.calendar.add_working_days(env.now, pace * limit) - env.now)
        self.emit((env.now, project_id, item, IN_TRAY, "complete", department))

    def sign_off(self, project_id: int, item: str, touch_wd: Sequence[float]) -> Process:
        """The decision passes the department's sign-off levels (and its meeting).

        Each level is a pool of people who touch the file for their own touch time;
        an item decided at a meeting waits for the next sitting before the last
        level signs (or at the end, for a department without levels).
        """
        department = self.department[item]
        levels = self.signoff[department]
        meeting = self.items[item].at_meeting
        for k, pool in enumerate(levels):
            if meeting and k == len(levels) - 1:
                yield from self.meeting(project_id, item)
            yield from self.hold(project_id, item, SIGNOFF, pool, touch_wd[k])
        if meeting and not levels:
            yield from self.meeting(project_id, item)

    def meeting(self, project_id: int, item: str) -> Process:
        """Wait for the next sitting of the department's deciding meeting."""
        env = self.env
        department = self.department[item]
        calendar = self.meetings[department]
        assert calendar is not None  # the schema asks for a calendar when an item needs one
        sitting = self.calendar.next_sitting(
            env.now, calendar.every, calendar.weekday, calendar.day
        )
        self.emit((env.now, project_id, item, MEETING, "start", department))
        yield env.timeout(sitting - env.now)
        self.emit((env.now, project_id, item, MEETING, "complete", department))

    def supplement(
        self,
        case: Case,
        item: str,
        channel: str,
        submitted: float,
        terms: ConditionalAcceptance | CommitmentApproval,
    ) -> Process:
        """Missing materials followed the accepted file (容缺, or on commitment).

        The supplement ran alongside the review from ``submitted``; the decision
        waits for it if it is not in yet. ``terms`` are the mechanism's deadlines.
        """
        env = self.env
        draws = case.draws.items[item]
        ready = submitted + draws.supplement_days(terms.supplement_days)
        if not terms.courier:
            self.resubmission_trip(case, item, channel)
        self.emit((env.now, case.project_id, item, SUPPLEMENT, "start", ""))
        if draws.missed_u < terms.missed_probability:
            self.emit((env.now, case.project_id, item, SUPPLEMENT_MISSED, "complete", ""))
            ready += draws.missed_delay_days(terms.missed_delay_days)
        if ready > env.now:
            yield env.timeout(ready - env.now)
        self.emit((env.now, case.project_id, item, SUPPLEMENT, "complete", ""))

    def verify(self, case: Case, item: str, channel: str) -> Process:
        """Post-approval inspection of a commitment; a breach forces rectification."""
        env = self.env
        pid = case.project_id
        draws = case.draws.items[item]
        spec = draws.spec
        ca = self.m.notification_commitment
        yield env.timeout(draws.verification_delay_days())
        effort = draws.effort_wd * self.effort_factor * ca.verification_fraction
        yield from self.hold(pid, item, VERIFICATION, spec.department, effort)
        if draws.breach_u < ca.breach_probability:
            self.emit((env.now, pid, item, BREACH, "start", spec.department))
            case.rectifications.append(env.process(self.rectify(case, item, channel)))

    def rectify(self, case: Case, item: str, channel: str) -> Process:
        """Fix a breached commitment and pass a full review."""
        env = self.env
        draws = case.draws.items[item]
        spec = draws.spec
        yield env.timeout(draws.fix_days(0))
        self.resubmission_trip(case, item, channel)
        effort = draws.effort_wd * self.effort_factor
        yield from self.hold(case.project_id, item, REVIEW, spec.department, effort, draws.limit)
        self.emit((env.now, case.project_id, item, BREACH, "complete", spec.department))

    def prepare(self, case: Case, item: str) -> Process:
        """The enterprise chooses intermediaries and prepares the application.

        An item whose scheme came with the land (带方案出让) needs nothing. With a limit
        on intermediaries at once, an item that needs one waits for one to be free and
        keeps it through its preparation.
        """
        if item in self.scheme_with_land[case.draws.project_type]:
            return
        draws = case.draws.items[item]
        factor = self.m.agents.preparation_factor if case.agent else 1.0
        env = self.env
        intermediaries = None
        if self.intermediaries_at_once is not None and draws.intermediary_days > 0:
            if case.intermediaries is None:
                case.intermediaries = Pool(env, self.intermediaries_at_once, prioritised=False)
            intermediaries = case.intermediaries
            if not intermediaries.take():
                yield intermediaries.queue()
        # Choosing and waiting for an intermediary is third-party time; the
        # enterprise's own preparation follows.
        for activity, days in (
            (INTERMEDIARY, draws.intermediary_days * self.intermediary_factor * factor),
            (PREPARATION, draws.preparation_days * self.preparation_factor * factor),
        ):
            if days > 0:
                self.emit((env.now, case.project_id, item, activity, "start", ""))
                yield env.timeout(days)
                self.emit((env.now, case.project_id, item, activity, "complete", ""))
        if intermediaries is not None:
            intermediaries.release()

    def prepare_ahead(self, case: Case, items: Iterable[str]) -> None:
        """Start preparing ``items`` now, ahead of their turn (each once)."""
        for item in items:
            if item not in case.prepared and item not in case.done and item not in case.under_way:
                case.prepared[item] = self.env.process(self.prepare(case, item))

    def convert(self, case: Case, item: str) -> Process:
        """Turn a simulated opinion into a formal approval, re-reviewing after a change."""
        draws = case.draws.items[item]
        limit = draws.limit
        department = self.department[item]
        effort = draws.conversion_wd() * self.effort_factor
        yield from self.hold(case.project_id, item, CONVERSION, department, effort, limit)
        options = self.scenario.simulated_approval_options
        # One draw per project: a changed design reaches every simulated item of it.
        if case.draws.change_u < options.change_probability:
            scope = draws.spec.rereview_fraction
            fraction = options.rereview_fraction if scope is None else scope
            effort = draws.effort_wd * self.effort_factor * fraction
            yield from self.hold(case.project_id, item, REREVIEW, department, effort, limit)
        if self.signed_off[item]:
            yield from self.sign_off(case.project_id, item, draws.signoff_wd)

    def issue_at_land(self, case: Case) -> Process:
        """交地即发证: one joint application converts every opinion, all at once.

        Each conversion starts when its opinion is ready (at once for those reviewed
        during land supply); the stages then wait for them instead of applying.
        """
        items = [i for i in case.opinions if i not in case.done]
        if not items:
            return
        yield from self.apply(case, items, "issue_at_land")
        for item in items:
            case.issued[item] = self.env.process(self._issue(case, item))

    def _issue(self, case: Case, item: str) -> Process:
        yield case.opinions[item]
        yield from self.convert(case, item)

    def decide(self, case: Case, item: str, channel: str | None, simulated: bool) -> Process:
        """Take one item from preparation to its decision (or simulated opinion).

        ``channel`` is None when the item is covered by its group's application.
        """
        env = self.env
        pid = case.project_id
        opinion = None if simulated else case.opinions.get(item)
        issued = None if simulated else case.issued.get(item)
        if issued is not None:
            yield issued  # converted with the land (交地即发证)
            self.emit((env.now, pid, item, DECISION, "complete", ""))
            case.decided[item] = env.now
            return
        if opinion is not None:
            yield opinion
            if channel is None:
                channel = case.channels.get(item, "group")
            else:
                channel = yield from self.apply(case, [item], item)
            work = self.convert(case, item)
        else:
            if item not in case.under_way:  # already prepared and submitted otherwise
                early = case.prepared.get(item)
                if early is not None:
                    yield early  # begun ahead of its turn; wait for what is left
                else:
                    yield from self.prepare(case, item)
                if channel is not None:
                    channel = yield from self.apply(case, [item], item)
            work = self.review(case, item, channel or case.channels.get(item, "group"))
        limit = case.draws.items[item].limit
        if self.deemed_consent and limit is not None and not simulated:
            # 超时默认: no answer within the limit counts as approval; the review
            # itself still runs to the end and keeps its reviewer.
            clock = case.clocks[item] = ItemClock(env)
            process = env.process(work)
            yield from self.watch_limit(process, clock, limit)
            if not process.triggered:
                self.emit((env.now, pid, item, DEEMED_CONSENT, "complete", self.department[item]))
        else:
            yield from work
        if simulated:
            self.emit((env.now, pid, item, OPINION, "complete", ""))
            case.opinions[item].succeed()
        else:
            self.emit((env.now, pid, item, DECISION, "complete", ""))
            case.decided[item] = env.now

    def watch_limit(self, process: simpy.Process, clock: ItemClock, limit: float) -> Process:
        """Return when ``process`` ends or the item's government time reaches ``limit``.

        Government time is in working days; stopped time does not count.
        """
        env = self.env
        calendar = self.calendar
        remaining = limit
        while not process.triggered:
            if clock.stopped:
                yield process | clock.changed
                continue
            started = calendar.working_time(env.now)
            deadline = env.timeout(calendar.add_working_days(env.now, remaining) - env.now)
            yield process | deadline | clock.changed
            remaining -= calendar.working_time(env.now) - started
            # (A Timeout is "triggered" once scheduled; "processed" once its time came.)
            if deadline.processed and not process.triggered:
                return

    # -- groups of items -------------------------------------------------------------

    def run_items(
        self, case: Case, items: list[str], label: str, parallel: bool, simulated: bool = False
    ) -> Process:
        """Process a group of items, serially or in parallel.

        Serial: one after another, each its own application. Parallel: one
        application for the group; each item starts as soon as its prerequisites
        within the group are decided; the group ends when all are. ``simulated``
        runs the group as pre-land simulated reviews, which end in opinions.
        """
        # A stage already begun before the run (a project in progress) is continued:
        # no gap, no new group application, decided items are not redone.
        begun = any(i in case.done or i in case.under_way for i in items)
        items = [i for i in items if i not in case.done]
        if not items:
            return
        env = self.env
        pid = case.project_id
        if not simulated and all(i in case.issued for i in items):
            # Issued with the land (交地即发证): nothing to apply for, only to wait for.
            self.emit((env.now, pid, label, STAGE, "start", ""))
            for item in items:
                yield from self.decide(case, item, None, simulated)
            self.emit((env.now, pid, label, STAGE, "complete", ""))
            return
        gap = 0.0 if begun else case.draws.stage_gap_days.get(label, 0.0)
        if gap > 0 and case.team:
            # The member sets up the next stage; the enterprise's own gap if that is shorter.
            setup_wd = self.m.service_team.schedule_wd.quantile(case.draws.schedule_u[label])
            setup = self.calendar.add_working_days(env.now, setup_wd) - env.now
            if setup < gap:
                gap = setup
                self.emit((env.now, pid, label, TEAM_SCHEDULE, "start", "service_team"))
                yield env.timeout(gap)
                self.emit((env.now, pid, label, TEAM_SCHEDULE, "complete", "service_team"))
                gap = 0.0
        if gap > 0:
            yield env.timeout(gap)
        self.emit((env.now, pid, label, STAGE, "start", ""))
        if self.prepares == "stage":
            self.prepare_ahead(case, items)
        if not parallel:
            for item in items:
                yield from self.decide(case, item, "own", simulated)
        else:
            if not begun:
                channel = yield from self.apply(case, items, label)
                for item in items:
                    case.channels[item] = channel
            decided = {item: env.event() for item in items}
            for item in items:
                env.process(self._after_prerequisites(case, item, decided, simulated))
            yield env.all_of(list(decided.values()))
        self.emit((env.now, pid, label, STAGE, "complete", ""))

    def _after_prerequisites(
        self, case: Case, item: str, decided: dict[str, simpy.Event], simulated: bool
    ) -> Process:
        waiting = [decided[p] for p in self.items[item].prerequisites if p in decided]
        if waiting:
            yield self.env.all_of(waiting)
        yield from self.decide(case, item, None, simulated)
        decided[item].succeed()

    # -- agents ----------------------------------------------------------------------

    def engage_agent(self, case: Case, phase: str) -> Process:
        """Wait for a free agent slot (up to ``max_wait_days``, then go on alone)."""
        env = self.env
        pool = self.pools["agents"]
        self.emit((env.now, case.project_id, phase, AGENT, "schedule", "agents"))
        if not pool.take():
            ticket = pool.queue()
            patience = self.m.agents.max_wait_days
            if patience is None:
                yield ticket
            else:
                yield ticket | env.timeout(patience)
                if not ticket.triggered:
                    pool.withdraw(ticket)
                    self.emit((env.now, case.project_id, phase, AGENT, "withdraw", "agents"))
                    return
        self.emit((env.now, case.project_id, phase, AGENT, "start", "agents"))
        case.agent = True

    def release_agent(self, case: Case, phase: str) -> None:
        """The agent's part of the project is done."""
        if case.agent:
            self.emit((self.env.now, case.project_id, phase, AGENT, "complete", "agents"))
            self.pools["agents"].release()
            case.agent = False

    # -- commissioners and service teams ---------------------------------------------

    def take_slot(self, project_id: int, pool_name: str, activity: str, phase: str) -> bool:
        """Take a slot of ``pool_name`` if one is free now (no one waits)."""
        if not self.pools[pool_name].take():
            return False
        now = self.env.now
        self.emit((now, project_id, phase, activity, "schedule", pool_name))
        self.emit((now, project_id, phase, activity, "start", pool_name))
        return True

    def give_back(
        self,
        project_id: int,
        pool_name: str,
        activity: str,
        held: bool,
        phase: str = "pre_start",
    ) -> None:
        """Release a slot taken by :meth:`take_slot` (``held`` False: nothing held)."""
        if held:
            self.emit((self.env.now, project_id, phase, activity, "complete", pool_name))
            self.pools[pool_name].release()

    def join_team(self, case: Case, phase: str) -> None:
        """A service-team member with room takes the project for this phase."""
        case.team = self.take_slot(case.project_id, "service_team", TEAM, phase)
        if case.team:
            self.chased.add(case.project_id)

    def leave_team(self, case: Case, phase: str) -> None:
        """The member's part of this phase is done."""
        if case.team:
            self.give_back(case.project_id, "service_team", TEAM, case.team, phase)
            case.team = False
            self.chased.discard(case.project_id)

    # -- competing workload --------------------------------------------------------------

    def background(
        self, department: str, rng: np.random.Generator, first_id: int, start_day: float = 0.0
    ) -> Process:
        """The department's other applications: Poisson arrivals through the same people.

        Each takes its case officer's touch hours and passes the sign-off levels;
        they carry ids from ``first_id`` on and appear in no project table, only
        in the pools' utilisation and waits. Arrivals before ``start_day`` (a warm
        start) are drawn and passed over, so the later ones are a cold run's own.
        """
        env = self.env
        spec = self.scenario.departments[department]
        load = spec.background
        assert load is not None and load.rate_per_year > 0
        hours_per_day = self.scenario.government.hours_per_day
        mean_gap = 365.0 / load.rate_per_year
        levels = spec.signoff
        k = 0
        skipped = 0.0
        while True:
            # A fixed number of uniforms per application keeps the k-th one's work
            # the same whatever the rate.
            u = rng.random(2 + len(levels)).tolist()
            gap = -mean_gap * math.log1p(-u[0])
            if skipped < start_day:
                skipped += gap
                if skipped < start_day:
                    k += 1
                    continue
                gap = skipped - env.now  # the first arrival after the start
            yield env.timeout(gap)
            touch = [
                level.hours.quantile(u[2 + j]) / hours_per_day for j, level in enumerate(levels)
            ]
            env.process(
                self._background_file(
                    first_id + k, department, load.hours.quantile(u[1]) / hours_per_day, touch
                )
            )
            k += 1

    def regional_assessment(
        self,
        assessment: RegionalAssessment,
        rng: np.random.Generator,
        first_id: int,
        start_day: float = 0.0,
    ) -> Process:
        """区域评估: the government's own files, evenly spaced through the run.

        Each takes the department's case officers for its touch time and passes the
        sign-off levels, like any file; that staff time is the reform's cost. Those
        due before ``start_day`` (a warm start) are drawn and passed over.
        """
        levels = self.scenario.departments[assessment.department].signoff
        hours_per_day = self.scenario.government.hours_per_day
        every = 365.0 / assessment.per_year
        k = 0
        while k * every < start_day:
            rng.random(1 + len(levels))
            k += 1
        if k:
            yield self.env.timeout(k * every - self.env.now)
        while True:
            u = rng.random(1 + len(levels)).tolist()
            touch = [
                level.hours.quantile(u[1 + j]) / hours_per_day for j, level in enumerate(levels)
            ]
            effort = assessment.effort_wd.quantile(u[0])
            self.env.process(
                self._background_file(first_id + k, assessment.department, effort, touch)
            )
            k += 1
            yield self.env.timeout(every)

    def _background_file(
        self, file_id: int, department: str, officer_wd: float, signoff_wd: list[float]
    ) -> Process:
        yield from self.hold(file_id, BACKGROUND, BACKGROUND, department, officer_wd)
        for pool, touch in zip(self.signoff[department], signoff_wd, strict=True):
            yield from self.hold(file_id, BACKGROUND, BACKGROUND, pool, touch)

    # -- the lifecycle -------------------------------------------------------------------

    def lifecycle(self, case: Case, land_day: float | None = None) -> Process:
        """One project from signing (or from where it stood at the start) to production."""
        env = self.env
        project = case.draws
        pid = project.project_id
        stages = self.stage_items[project.project_type]
        m = self.m
        if self.histories is not None:
            self.histories.append(case)
        if case.construction_day is None:
            yield from self.pre_start(case, land_day)
            case.construction_day = env.now
        if case.completed_day is None:
            # A project already building at the start waits only for what is left.
            building = project.construction_days
            if case.construction_day < env.now:
                building = max(case.construction_day + building - env.now, 0.0)
            yield env.timeout(building)
            self.emit((env.now, pid, "", "completed", "complete", ""))
            case.completed_day = env.now
        if m.production_prep_overlap.enabled:
            preparing = project.production_prep_days
            if case.completed_day < env.now:
                preparing = max(case.completed_day + preparing - env.now, 0.0)
            preparation = env.timeout(preparing)
        if self.has_agents:
            yield from self.engage_agent(case, "after_completion")
        if self.has_team:
            self.join_team(case, "after_completion")

        # Completion checks and licences follow their own mechanisms, not approval_mode:
        # joint acceptance runs the checks as one inspection, 一业一证 the licences.
        yield from self.run_items(case, stages[4], "4", m.joint_acceptance.enabled)
        yield from self._rectified(case)
        self.emit((env.now, pid, "", "accepted", "complete", ""))

        if not m.production_prep_overlap.enabled:
            preparation = env.timeout(project.production_prep_days)
        combined = m.one_industry_one_license.enabled
        yield from self.run_items(case, stages["licence"], "licence", combined)
        yield preparation
        yield from self._rectified(case)
        self.emit((env.now, pid, "", "production", "complete", ""))
        self.release_agent(case, "after_completion")
        self.leave_team(case, "after_completion")
        case.production_day = env.now
        self.active -= 1
        if self.signings_done and self.active == 0:
            self.all_done.succeed()

    def pre_start(self, case: Case, land_day: float | None) -> Process:
        """From signing (or from where the project stood) to the construction start."""
        env = self.env
        project = case.draws
        pid = project.project_id
        stages = self.stage_items[project.project_type]
        in_progress = bool(case.done or case.under_way)
        if not in_progress:
            handoff = project.handoff_days
            if self.has_commissioners:
                case.commissioner = self.take_slot(pid, "commissioners", COMMISSIONER, "pre_start")
                if case.commissioner:
                    handoff = project.landed_handoff_days
            yield env.timeout(handoff)
        if self.has_agents:
            yield from self.engage_agent(case, "pre_start")
        if self.has_team:
            self.join_team(case, "pre_start")
        if self.prepares == "checklist":
            # Every material before the start is told at once: all are prepared now.
            self.prepare_ahead(case, [i for st in ("land", *PRE_START_STAGES) for i in stages[st]])

        # Simulated approval stands in for the land an enterprise does not yet hold;
        # a project on its own land has nothing to simulate.
        land_done = all(i in case.done for i in stages["land"])
        if (
            self.scenario.simulated_approval
            and self.scenario.project_types[project.project_type].land == "new"
            and not (in_progress and land_done)
        ):
            simulatable = [i for i in self.simulatable[project.project_type] if i not in case.done]
            case.opinions = {item: env.event() for item in simulatable}
            # Simulated review runs alongside land supply; only the conversion waits for land.
            env.process(self.run_items(case, simulatable, "simulated", self.parallel, True))
        # A project on its own land holds it already: its land-stage items are only the
        # approvals that precede land supply (filing, pre-review), not a supply.
        own_land = self.scenario.project_types[project.project_type].land == "own"
        if own_land:
            self._land_obtained(case, land_day, land_done)
        yield from self.run_items(case, stages["land"], "land", self.parallel)
        if not own_land:
            self._land_obtained(case, land_day, land_done)
            if case.opinions and self.scenario.simulated_approval_options.issue_at_land:
                yield from self.issue_at_land(case)

        for stage in PRE_START_STAGES:
            yield from self.run_items(case, stages[stage], str(stage), self.parallel)
        self.emit((env.now, pid, "", "construction_start", "complete", ""))
        self.release_agent(case, "pre_start")
        self.give_back(pid, "commissioners", COMMISSIONER, case.commissioner)
        case.commissioner = False
        self.leave_team(case, "pre_start")

    def _history(self, state: ProjectState) -> None:
        """Log the milestones a continued project passed before the run began."""
        draws = state.draws
        pid = draws.project_id
        self.emit((draws.signed_day, pid, draws.project_type, "signed", "complete", ""))
        if state.construction_day is None:
            return  # its land, if held, is logged when its land stage is continued
        assert state.land_day is not None  # building means the land is held
        self.emit((state.land_day, pid, "", "land_obtained", "complete", ""))
        self.emit((state.construction_day, pid, "", "construction_start", "complete", ""))
        if state.completed_day is not None:
            self.emit((state.completed_day, pid, "", "completed", "complete", ""))

    def _land_obtained(self, case: Case, land_day: float | None, land_done: bool) -> None:
        """Mark the land as held: now, or on its recorded day for a pipeline project."""
        land_time = self.env.now if land_day is None or not land_done else land_day
        case.land_day = land_time
        self.emit((land_time, case.project_id, "", "land_obtained", "complete", ""))

    def _rectified(self, case: Case) -> Process:
        """Wait for open rectifications of breached commitments (none usually)."""
        while case.rectifications:
            yield case.rectifications.pop()

    def sign_projects(
        self,
        projects: Iterable[ProjectDraws],
        pipeline: Sequence[tuple[ProjectDraws, PipelineProject]] = (),
        states: Sequence[ProjectState] = (),
    ) -> Process:
        """Continue the projects in progress, then start each signing at its time.

        ``pipeline`` holds ``(draws, PipelineProject)`` pairs of projects signed
        before the start; their history (signing, land, submissions) is dated in
        negative days. ``states`` are projects of a sampled steady state (a warm
        start), continued from where they stood.
        """
        env = self.env
        start = self.scenario.run.start_date
        for draws, record in pipeline:
            self.active += 1
            # For a project in progress the resource column carries its own reference.
            self.emit(
                (
                    draws.signed_day,
                    draws.project_id,
                    draws.project_type,
                    "signed",
                    "complete",
                    record.name,
                )
            )
            case = Case(
                draws,
                done=frozenset(record.done),
                under_way={u.item: float((u.since - start).days) for u in record.under_way},
            )
            land = (
                None if record.land_obtained is None else float((record.land_obtained - start).days)
            )
            env.process(self.lifecycle(case, land))
        for state in states:
            self.active += 1
            self._history(state)
            case = Case(
                state.draws,
                done=state.done,
                under_way=dict(state.under_way),
                construction_day=state.construction_day,
                completed_day=state.completed_day,
            )
            env.process(self.lifecycle(case, state.land_day))
        for project in projects:
            yield env.timeout(project.signed_day - env.now)
            self.active += 1  # counted before the process starts, so draining never stops early
            # The project type rides in the item column of the "signed" event.
            self.emit((env.now, project.project_id, project.project_type, "signed", "complete", ""))
            env.process(self.lifecycle(Case(project)))
        self.signings_done = True
        if self.active == 0 and not self.all_done.triggered:
            self.all_done.succeed()
