"""The scenario: frozen, validated data that describes one county's approval system.

Every default lives here. A scenario is built from a plain dict (tests do that) or
from a YAML file by :mod:`model.scenario.loader`; either way it passes the same checks:
unknown keys are refused, numbers are range-checked, and cross-references
(departments, prerequisites, item lists, arrival shares) are checked with the
offending field's path, so the loader can point at the file line.

Units are in the field names: ``_wd`` is working days (the departments' clock),
``_days`` calendar days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from model.scenario.distributions import ZERO, Distribution, Fixed

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Stage = Literal[1, 2, 3, 4, "land", "licence"]

#: Stages in lifecycle order. ``land`` items run before land is obtained (land
#: listing, business registration); ``licence`` items after acceptance.
STAGE_ORDER: tuple[Stage, ...] = ("land", 1, 2, 3, 4, "licence")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class StaffChange(_Frozen):
    """From ``date`` on, a pool has ``staff`` members (a hiring or cutting plan)."""

    date: dt.date
    """First day with the new size."""
    staff: Annotated[int, Field(ge=0)]
    """Pool size from that day."""
    source: str | None = None
    """Where the plan comes from."""


class SignoffLevel(_Frozen):
    """One level of a department's sign-off chain after the case officer (审核, 签发, ...)."""

    name: str
    """Short key of the level, e.g. ``chief`` or ``leader``; the pool is ``<department>/<name>``."""
    label_zh: str | None = None
    """Chinese name of the level, e.g. 审核 (section chief) or 签发 (signing leader)."""
    staff: Annotated[int, Field(ge=1)] = 1
    """People at this level who sign files."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``staff``."""
    hours: Distribution = Field(default_factory=lambda: Fixed(value=0.5))
    """Touch hours one file takes at this level (one person, while working on it)."""
    source: str | None = None
    """Where the figures come from."""


class MeetingCalendar(_Frozen):
    """When a department's deciding meeting sits (规委会, 集中会审): weekly or monthly."""

    every: Literal["week", "month"]
    """How often the meeting sits."""
    weekday: Annotated[int, Field(ge=1, le=7)] = 3
    """Day of the week of a weekly sitting (1 = Monday); moved to the next working day."""
    day: Annotated[int, Field(ge=1, le=28)] = 15
    """Day of the month of a monthly sitting; moved to the next working day."""
    source: str | None = None
    """Where the calendar comes from."""


class BackgroundLoad(_Frozen):
    """The department's other applications, handled by the same people (competing workload)."""

    rate_per_year: NonNegative
    """Other applications per year (Poisson), beyond the simulated investment projects."""
    hours: Distribution
    """Case officer's touch hours per application; the sign-off levels add their own."""
    source: str | None = None
    """Where the figure comes from."""


class Department(_Frozen):
    """A government department: case officers, a sign-off chain, meetings and other work."""

    label_zh: str | None = None
    """Chinese display name in reports, when the key is not already Chinese."""
    staff: Annotated[int, Field(ge=0)]
    """Case officers (承办人). Each works on one file at a time, for its touch hours only, and
    holds many files in progress: between touches a file waits in a queue."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``staff``; an officer already at work finishes the touch."""
    queue: Literal["fifo", "edf"] = "fifo"
    """Queue discipline: first come first served, or earliest deadline first."""
    signoff: Annotated[tuple[SignoffLevel, ...], Field(max_length=4)] = ()
    """Levels a decision passes after the case officer, in order (e.g. 审核 then 签发)."""
    meetings: MeetingCalendar | None = None
    """When items decided at a meeting (``Item.at_meeting``) are decided."""
    background: BackgroundLoad | None = None
    """Other applications competing for the same people."""
    source: str | None = None
    """Where the figure comes from."""


class Government(_Frozen):
    """How government work is done: the working day and the pace of files in the in-tray."""

    hours_per_day: Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)] = 8.0
    """Working hours in a working day; touch hours are converted with it."""
    pace: Distribution = ZERO
    """Share of the item's limit in force (statutory or committed) that an accepted file waits
    in the in-tray before its case officer queues for it; 0 = taken up at once. Offices work to
    the limit they are held to, so a shorter committed limit shortens this wait."""
    source: str | None = None
    """Where the figures come from."""


class Item(_Frozen):
    """An approval item (审批事项) owned by one department."""

    label_zh: str | None = None
    """Chinese display name in reports, e.g. 用地预审与选址意见书 for ``land_pre_review``."""
    department: str
    """Owning department, a key of ``departments``."""
    stage: Stage
    """Lifecycle stage: ``land``, 1-4 (the national stages) or ``licence``."""
    work_hours: Distribution | None = None
    """Case officer's touch hours for one review (one person, while working on the file)."""
    effort_wd: Distribution | None = None
    """Shorthand for ``work_hours`` in working days of touch time (× ``government.hours_per_day``
    hours). Give one of the two."""
    starts_official_clock: bool = False
    """Its decision starts the official government clock of the targets (赋码, project
    filing); without such an item a project's clock starts at its first application."""
    at_meeting: bool = False
    """Decided at the department's meeting (``departments.<d>.meetings``): after the case
    officer and before the last sign-off level, the file waits for the next sitting."""
    elapsed_days: Distribution = ZERO
    """Calendar days of expert review or public notice after the review; holds no reviewer."""
    statutory_limit_wd: NonNegative | None = None
    """Legal decision limit in working days (excludes elapsed delays)."""
    committed_limit_wd: NonNegative | None = None
    """Limit the county has committed to, in working days."""
    preparation_days: Distribution = ZERO
    """Calendar days the enterprise needs to prepare the application."""
    intermediary_days: Distribution = ZERO
    """Calendar days to choose an intermediary (EIA or design institute) before preparing."""
    prerequisites: tuple[str, ...] = ()
    """Items that must be decided before this one is reviewed."""
    deficiency_probability: Probability = 0.0
    """Chance that the first submission is deficient and returned."""
    resubmission_deficiency_probability: Probability | None = None
    """Chance that a resubmission is deficient again; defaults to the first-round chance."""
    fix_days: Distribution = ZERO
    """Calendar days the enterprise needs to fix a returned file."""
    rework_effort_fraction: Probability = 0.5
    """Share of the review effort a resubmission needs."""
    conversion_wd: Distribution = Field(default_factory=lambda: Fixed(value=0.5))
    """Case officer's working days of touch time to turn a simulated opinion into a formal
    approval."""
    simulatable: bool = False
    """May be reviewed before land is obtained under simulated approval (模拟审批)."""
    rereview_fraction: Probability | None = None
    """Share of this item's review effort a re-review needs when the project changed after
    the land transfer (a design scheme is redone in large part, an energy review hardly);
    None: ``simulated_approval_options.rereview_fraction``."""
    tolerable: bool = False
    """Minor deficiencies may be tolerated under conditional acceptance (容缺受理)."""
    online_eligible: bool = True
    """Not on the negative list: may be applied for online."""
    commitment_eligible: bool = False
    """On the published list for approval on commitment (承诺制)."""
    source: str | None = None
    """Where the figures come from."""

    @model_validator(mode="after")
    def _one_work_measure(self) -> Item:
        if (self.work_hours is None) == (self.effort_wd is None):
            # Reported at the item: the fix may be to either field.
            raise ValueError(
                "give the case officer's touch time as work_hours (hours) or effort_wd "
                "(working days), exactly one of them"
            )
        return self

    def touch_hours(self, u: float, hours_per_day: float) -> float:
        """The case officer's touch hours per review at quantile ``u``."""
        if self.work_hours is not None:
            return self.work_hours.quantile(u)
        assert self.effort_wd is not None  # the validator asks for one of the two
        return self.effort_wd.quantile(u) * hours_per_day

    def mean_touch_hours(self, hours_per_day: float) -> float:
        """The mean of :meth:`touch_hours`."""
        if self.work_hours is not None:
            return self.work_hours.mean
        assert self.effort_wd is not None
        return self.effort_wd.mean * hours_per_day

    @property
    def second_round_deficiency(self) -> float:
        """Chance a resubmission is deficient."""
        if self.resubmission_deficiency_probability is None:
            return self.deficiency_probability
        return self.resubmission_deficiency_probability


class ProjectType(_Frozen):
    """A kind of project with its share of arrivals and the items it needs."""

    label_zh: str | None = None
    """Chinese display name in reports, e.g. 一般工业项目（新供地）."""
    share: Probability
    """Share of signed projects of this type; shares sum to 1."""
    items: tuple[str, ...]
    """Approval items the type needs, keys of ``items``."""
    land: Literal["new", "own"] = "new"
    """``new``: land must be supplied (listing); ``own``: the enterprise already holds it."""
    item_overrides: dict[str, dict[str, Any]] = {}
    """Item fields this type sets differently, by item (e.g. a lighter EIA under 标准地's
    regional assessment, a construction permit on commitment for low-risk projects). Any
    field of an item except those that route it (``department``, ``stage``,
    ``prerequisites``, ``at_meeting``, ``starts_official_clock``) and its name."""
    land_with_scheme: tuple[str, ...] = ()
    """Items whose materials come with the land (带方案出让): the government has the
    scheme drawn up before listing, so the enterprise prepares nothing for them."""
    construction_days: Distribution
    """Calendar days from construction start to completion."""
    production_prep_days: Distribution = ZERO
    """Calendar days of production preparation (hiring, commissioning)."""
    source: str | None = None
    """Where the figures come from."""


#: Item fields a project type may not override: they route the item (owner, stage,
#: order, meeting, clock), which every type shares.
STRUCTURAL_ITEM_FIELDS = frozenset(
    {"department", "stage", "prerequisites", "at_meeting", "starts_official_clock", "label_zh"}
)


class PoissonArrivals(_Frozen):
    """Projects signed as a Poisson process."""

    kind: Literal["poisson"] = "poisson"
    rate_per_year: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Mean signed projects per 365 calendar days."""
    source: str | None = None
    """Where the figure comes from."""


class SignedProject(_Frozen):
    """One project of a schedule of signings."""

    date: dt.date
    """Signing date."""
    type: str
    """Project type, a key of ``project_types``."""


class ScheduledArrivals(_Frozen):
    """Projects signed on given dates (the loader reads them from a CSV)."""

    kind: Literal["schedule"] = "schedule"
    projects: tuple[SignedProject, ...]
    """The signings, in any order."""
    source: str | None = None
    """Where the list comes from."""


Arrivals = Annotated[PoissonArrivals | ScheduledArrivals, Field(discriminator="kind")]


class UnderWay(_Frozen):
    """An item submitted before the run starts and not yet decided."""

    item: str
    """The item, one of the project type's items."""
    since: dt.date
    """Date the (complete) application was submitted; its clock runs from then."""


class PipelineProject(_Frozen):
    """A project already in progress when the run starts (signed, not yet building)."""

    name: str
    """The county's reference for the project (kept in the project table)."""
    type: str
    """Project type, a key of ``project_types``."""
    signed: dt.date
    """Signing date, on or before ``run.start_date``."""
    land_obtained: dt.date | None = None
    """Date land was obtained, if the land stage is done (default: the run's start)."""
    done: tuple[str, ...] = ()
    """Items already decided."""
    under_way: tuple[UnderWay, ...] = ()
    """Items submitted and still under review; they rejoin their queue at the start."""


class CalendarSettings(_Frozen):
    """Working-day calendar."""

    closures: tuple[dt.date, ...] = ()
    """Extra dates the offices are closed (on top of weekends and public holidays)."""
    source: str | None = None
    """Where the dates come from."""


class RunSettings(_Frozen):
    """How long, how often and from which seed to simulate."""

    start_date: dt.date = dt.date(2026, 1, 1)
    """Calendar date of simulated day 0."""
    horizon_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 365.0
    """Calendar days during which projects are signed."""
    warmup_days: NonNegative = 0.0
    """Projects signed before this day are simulated but left out of the statistics."""
    warm_start: bool = False
    """Start every replication from a sampled steady state instead of simulating the
    whole warm-up: one cold pilot run per scenario and seed simulates the warm-up once
    and keeps its projects' histories; each replication draws its own earlier signings,
    continues those still in progress from a borrowed history, and simulates only the
    last ``settle_days`` of the warm-up itself. A warm-up no longer than
    ``settle_days`` is simulated whole, as without it."""
    settle_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 182.0
    """With ``warm_start``: warm-up days each replication still simulates itself, so
    that work a continued project restarts (a preparation in hand) settles."""
    drain: bool = True
    """Keep simulating after the horizon until every signed project reaches production."""
    drain_limit_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 3650.0
    """Calendar days after the horizon at which a draining run stops regardless."""
    replications: Annotated[int, Field(ge=1)] = 10
    """Independent replications."""
    seed: Annotated[int, Field(ge=0)] = 20220601
    """Root of the ``numpy.random.SeedSequence``."""
    max_events: Annotated[int, Field(ge=1)] = 20_000_000
    """A replication stops with an error after this many simulated events."""
    max_wall_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 3600.0
    """A replication stops with an error after this much wall-clock time."""
    debug: bool = False
    """Check invariants while simulating (pool capacity, milestone order); slower."""

    def resolve(self, replications: int | None, seed: int | None) -> tuple[int, int]:
        """The replications and seed to use: the caller's where given, else these settings.

        The one place that rule lives; every command and API call asks here.

        Raises:
            ValueError: ``replications`` is given but below 1 (0 would silently mean the
                default), or ``seed`` is negative.
        """
        if replications is not None and replications < 1:
            raise ValueError(f"replications must be at least 1, got {replications}")
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be 0 or more, got {seed}")
        return (
            self.replications if replications is None else replications,
            self.seed if seed is None else seed,
        )

    @model_validator(mode="after")
    def _warmup_inside(self) -> RunSettings:
        if self.warmup_days >= self.horizon_days:
            _raise("warmup_days", "warm-up must be shorter than the horizon", self.warmup_days)
        return self

    @property
    def starts_warm(self) -> bool:
        """Whether replications start warm: warm_start and a warm-up longer than settling."""
        return self.warm_start and self.warmup_days > self.settle_days


class SimulatedApproval(_Frozen):
    """Parameters of simulated approval (模拟审批)."""

    change_probability: Probability = 0.1
    """Chance that the project changes after the land transfer, forcing a partial re-review."""
    rereview_fraction: Probability = 0.3
    """Share of the review effort a re-review after a change needs."""
    issue_at_land: bool = False
    """Convert every simulated opinion once the land is held, in one joint application
    and all at once (交地即发证: the planning and construction documents issued together
    with the land), instead of stage by stage after land. A stage whose items were all
    issued this way opens no application of its own; items without an opinion (a
    commitment check, say) still follow in their stage once their prerequisites are in."""
    source: str | None = None
    """Where the figures come from."""


# -- the eighteen "three sixes" mechanisms ------------------------------------
# Every mechanism is off by default; switching one on changes only the delays,
# probabilities, routing and resources named in its docstring. The keys follow
# ../shared/design/mechanisms.md.


class _Mechanism(_Frozen):
    enabled: bool = False
    """Switch the mechanism on."""
    source: str | None = None
    """Where its parameters come from."""


class LandingService(_Mechanism):
    """签约即落地: a responsible unit and commissioner are assigned at signing, from a pool.

    A project signed while a commissioner has room is taken up within ``handoff_days``
    and keeps its commissioner until construction starts; one signed while every
    commissioner is full waits the ordinary ``handoff_days`` of the scenario.
    """

    handoff_days: Distribution = Field(default_factory=lambda: Fixed(value=1.0))
    """Calendar days from signing to the first formality with a commissioner assigned."""
    commissioners: Annotated[int, Field(ge=0)] = 4
    """Investment commissioners (招商专员) of the responsible units."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``commissioners``."""
    caseload: Annotated[int, Field(ge=1)] = 10
    """Projects one commissioner follows at once."""


class FirstContactResponsibility(_Mechanism):
    """首问即责任: the first official contacted carries the enquiry; nothing is misrouted."""


class CommitmentApproval(_Mechanism):
    """承诺即办结: listed (容缺) items are accepted on commitment and handled at once.

    The list is the published 容缺 list (``tolerable``). Handled at once: the file
    skips the in-tray wait (第一时间办理). Accepted on commitment: a deficient
    submission is not returned; the missing materials follow within
    ``supplement_days`` while the review goes on, and the decision waits for them if
    they are late. The review itself is the full review.
    """

    supplement_days: Distribution = Field(default_factory=lambda: Fixed(value=5.0))
    """Calendar days from acceptance until the committed materials arrive."""
    missed_probability: Probability = 0.05
    """Chance the committed materials miss their deadline, holding the decision."""
    missed_delay_days: Distribution = Field(default_factory=lambda: Fixed(value=10.0))
    """Calendar days late materials hold the decision."""
    courier: bool = True
    """The materials travel by free courier (no trip); otherwise one trip each."""


class NotificationCommitment(_Mechanism):
    """告知承诺: listed items (``commitment_eligible``) approved on commitment, inspected later.

    Not one of the eighteen (Zhejiang's 告知承诺制, in force beside them): the department
    makes a formal check instead of the full review, and pays an inspection later.
    """

    check_wd: Distribution = Field(default_factory=lambda: Fixed(value=0.5))
    """Reviewer working days of the formal check before approval."""
    verification_delay_days: Distribution = Field(default_factory=lambda: Fixed(value=30.0))
    """Calendar days from approval to the post-approval inspection."""
    verification_fraction: Probability = 0.3
    """Share of the full review effort the inspection costs."""
    breach_probability: Probability = 0.05
    """Chance the inspection finds a breach; the enterprise must rectify and be re-reviewed."""


class OneIndustryOneLicense(_Mechanism):
    """准入即准营: operating licences issued as one combined licence, one application."""


class JointAcceptance(_Mechanism):
    """竣工即投产 (1): all completion checks in one joint inspection, one application."""


class CombinedSurvey(_Mechanism):
    """竣工即投产 (2), 测验合一: one as-built survey serves every check."""

    removes: tuple[str, ...] = ()
    """Items made unnecessary by the combined survey."""


class ProductionPrepOverlap(_Mechanism):
    """竣工即投产 (3): production preparation starts at completion, not after acceptance."""


class Online(_Mechanism):
    """网上办: a share of applications for online-eligible items is made online."""

    share: Probability = 0.9
    """Chance an application whose items are all online-eligible is made online."""


class OnsiteService(_Mechanism):
    """上门办: service teams take applications at the enterprise, replacing the trip."""

    teams: Annotated[int, Field(ge=0)] = 2
    """Teams available at once."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``teams``."""
    visit_wd: Distribution = Field(default_factory=lambda: Fixed(value=0.5))
    """Working days a visit holds a team; with no team free the enterprise travels."""
    decides_on_site: tuple[str, ...] = ()
    """Items a visiting team may decide on the spot (现场办理): taken on a visit, the item
    is reviewed by the team for its touch time and decided there, with no in-tray,
    department queue, return for correction or sign-off. Others are taken on the visit
    and reviewed in the department as usual."""


class ConditionalAcceptance(_Mechanism):
    """容缺办: a file with minor deficiencies is accepted and supplemented in parallel."""

    minor_share: Probability = 0.6
    """Share of deficient submissions of tolerable items whose deficiency is minor."""
    supplement_days: Distribution = Field(default_factory=lambda: Fixed(value=5.0))
    """Calendar days the applicant takes to supplement (deadline 3 WD to 7 days)."""
    missed_probability: Probability = 0.1
    """Chance the supplement misses its deadline, holding the item."""
    missed_delay_days: Distribution = Field(default_factory=lambda: Fixed(value=10.0))
    """Calendar days a missed supplement holds the item."""
    courier: bool = True
    """Supplements travel by free two-way courier (no trip); otherwise one trip each."""


class Agents(_Mechanism):
    """代理办: free agents run the formalities; a finite pool with a caseload each."""

    count: Annotated[int, Field(ge=0)] = 2
    """Agents (代办员)."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``count``."""
    caseload: Annotated[int, Field(ge=1)] = 40
    """Projects one agent carries at once."""
    max_wait_days: NonNegative | None = 30.0
    """Calendar days a project waits for an agent before going on alone (None: waits)."""
    precheck_catch: Probability = 0.5
    """Share of deficient applications the agent's check finds before they go in: the
    enterprise fixes the gap first, so the file is not returned (no second queue,
    review round or trip for it; the fixing time remains)."""
    preparation_factor: Probability = 0.7
    """Multiplier on preparation time of a project with an agent (an assumption)."""


class TimeLimitedFeedback(_Mechanism):
    """并联办 限时反馈: in parallel approval, each department answers within its limit."""

    escalate_at: Probability = 0.8
    """Share of the limit after which a still-queued item jumps the queue."""
    deemed_consent: bool = False
    """An item not answered within its limit counts as approved (超时默认)."""


class ServiceTeam(_Mechanism):
    """一个链长负责 (包干服务团): team members follow projects from the first formality on.

    A member with room takes the project (none free: it goes on alone). Between stages
    the member arranges the next one in ``schedule_wd`` working days, which replaces the
    enterprise's own idle gap when shorter; and the member chases each of the project's
    files still queued at ``escalate_at`` of its limit to the front of the queue.
    """

    members: Annotated[int, Field(ge=0)] = 3
    """Team members (the leader, departments' heads and agents on the team)."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``members``."""
    caseload: Annotated[int, Field(ge=1)] = 15
    """Projects one member follows at once."""
    schedule_wd: Distribution = Field(default_factory=lambda: Fixed(value=1.0))
    """Working days a member needs to set up the next stage."""
    escalate_at: Probability | None = 0.8
    """Share of the limit after which a member escalates a still-queued file (None: never)."""


class ProcessMap(_Mechanism):
    """一张蓝图导引: a published flowchart and coaching before application."""

    preparation_factor: Probability = 0.85
    """Multiplier on preparation and intermediary-selection time."""
    misroute_factor: Probability = 0.5
    """Multiplier on the chance an enquiry is misrouted."""


class ChecklistNotice(_Mechanism):
    """一张表格告知: every required material told once, up front."""

    deficiency_factor: Probability = 0.6
    """Multiplier on the first-submission deficiency probability."""


class OneWindow(_Mechanism):
    """一个窗口办理: a comprehensive window takes every application."""

    clerks: Annotated[int, Field(ge=0)] = 4
    """Window clerks, who do the intake instead of departments' own windows."""
    staff_changes: tuple[StaffChange, ...] = ()
    """Later changes of ``clerks``."""


class MonitoringSystem(_Mechanism):
    """一个系统审批: node deadlines on the platform (3.0)."""

    escalate_at: Probability = 0.8
    """Share of the limit after which a still-queued item jumps the queue."""
    intermediary_factor: Probability = 0.5
    """Multiplier on intermediary-selection time (chosen online)."""


class PerformanceReview(_Mechanism):
    """一套机制运行: departments scored on time and timeliness."""

    effort_factor: Annotated[float, Field(gt=0, le=1)] = 0.9
    """Multiplier on reviewer effort once departments are scored."""


class Mechanisms(_Frozen):
    """The eighteen mechanisms of the notice as switches (land = start is an outcome)."""

    landing_service: LandingService = LandingService()
    """六个即 1."""
    first_contact_responsibility: FirstContactResponsibility = FirstContactResponsibility()
    """六个即 2."""
    commitment_approval: CommitmentApproval = CommitmentApproval()
    """六个即 3."""
    notification_commitment: NotificationCommitment = NotificationCommitment()
    """告知承诺 (not one of the eighteen; Zhejiang's approval on commitment)."""
    one_industry_one_license: OneIndustryOneLicense = OneIndustryOneLicense()
    """六个即 4."""
    joint_acceptance: JointAcceptance = JointAcceptance()
    """六个即 6."""
    combined_survey: CombinedSurvey = CombinedSurvey()
    """六个即 6."""
    production_prep_overlap: ProductionPrepOverlap = ProductionPrepOverlap()
    """六个即 6."""
    online: Online = Online()
    """六个办 1."""
    onsite_service: OnsiteService = OnsiteService()
    """六个办 2."""
    conditional_acceptance: ConditionalAcceptance = ConditionalAcceptance()
    """六个办 3."""
    agents: Agents = Agents()
    """六个办 4."""
    time_limited_feedback: TimeLimitedFeedback = TimeLimitedFeedback()
    """六个办 5 (with ``approval_mode: parallel``)."""
    service_team: ServiceTeam = ServiceTeam()
    """六个一 1."""
    process_map: ProcessMap = ProcessMap()
    """六个一 2."""
    checklist_notice: ChecklistNotice = ChecklistNotice()
    """六个一 3."""
    one_window: OneWindow = OneWindow()
    """六个一 4."""
    monitoring_system: MonitoringSystem = MonitoringSystem()
    """六个一 5."""
    performance_review: PerformanceReview = PerformanceReview()
    """六个一 6."""


class Enterprise(_Frozen):
    """Frictions on the enterprise side that some mechanisms remove."""

    stage_gap_days: Distribution = ZERO
    """Idle calendar days between finishing one stage and applying for the next."""
    misroute_probability: Probability = 0.0
    """Chance an enquiry before an application is misrouted (without 首问即责任)."""
    misroute_delay_days: Distribution = ZERO
    """Calendar days one misrouting costs (each also costs a trip)."""
    max_misroutes: Annotated[int, Field(ge=0, le=5)] = 3
    """Most times one enquiry is bounced."""
    prepares: Literal["in_turn", "stage", "checklist"] | None = None
    """When the enterprise may start preparing an item's materials. ``in_turn``: when the
    item can be submitted (serial: the previous item decided; parallel: its prerequisites
    within the stage decided). ``stage``: every item of a stage when the stage opens.
    ``checklist``: every item before construction start from the first formality, all
    materials being known up front (一张表格告知). Not given: ``in_turn``. Items reviewed
    under simulated approval are prepared during land supply in every case."""
    intermediaries_at_once: Annotated[int, Field(ge=1)] | None = None
    """Intermediaries (design institute, EIA consultant) one enterprise engages at once;
    an item with intermediary time waits for one to be free. None: no limit."""
    source: str | None = None
    """Where the figures come from."""


class RegionalAssessment(_Frozen):
    """区域评估: an assessment the government does once for a zone instead of each project.

    Its cost is the government's: the owning department's case officers work on it like
    on a file (and its sign-off levels sign it), ``per_year`` times a year. What it spares
    the projects is written in their types' ``item_overrides`` (a lighter EIA, no energy
    review), which name this assessment in their ``source``.
    """

    label_zh: str | None = None
    """Chinese name, e.g. 区域环评."""
    department: str
    """Department that commissions and approves it, a key of ``departments``."""
    effort_wd: Distribution
    """Case officer's working days of touch time per assessment."""
    per_year: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    """Assessments done per year (zones or updates), evenly spaced."""
    source: str | None = None
    """Where the figures come from."""


class Pool(NamedTuple):
    """A finite resource of the county, as the simulation and the metrics see it."""

    name: str
    kind: str
    """``department``, ``signoff``, ``window``, ``onsite_teams``, ``agents``,
    ``commissioners`` or ``service_team``."""
    capacity: int
    changes: tuple[StaffChange, ...]


class Scenario(_Frozen):
    """One complete, validated scenario."""

    name: str = "scenario"
    """Short name used in tables and reports."""
    description: str = ""
    """What the scenario represents."""
    label_zh: str | None = None
    """Chinese display name of the scenario in reports (``name`` when not given)."""
    description_zh: str | None = None
    """Chinese description in reports (``description`` when not given)."""
    source: str | None = None
    """Where the scenario as a whole comes from."""
    approval_mode: Literal["serial", "parallel"] = "serial"
    """``serial``: one item after another, each its own application; ``parallel``: one
    application per stage, items reviewed simultaneously (并联审批)."""
    simulated_approval: bool = False
    """Review simulatable items before land is obtained (模拟审批)."""
    simulated_approval_options: SimulatedApproval = SimulatedApproval()
    """Parameters used when ``simulated_approval`` is on."""
    time_limits: Literal["statutory", "committed"] = "statutory"
    """Which limit items are held to."""
    handoff_days: Distribution = ZERO
    """Calendar days from signing until the first formality starts."""
    intake_wd: Distribution = ZERO
    """Working days one application's intake holds a clerk (or a department reviewer)."""
    enterprise: Enterprise = Enterprise()
    """Enterprise-side frictions."""
    government: Government = Government()
    """How government work is done (working hours, pace)."""
    mechanisms: Mechanisms = Mechanisms()
    """The eighteen "three sixes" mechanisms, all off by default."""
    departments: dict[str, Department]
    """Departments by name (Chinese names welcome)."""
    items: dict[str, Item]
    """Approval items by name; their order is the serial order within a stage."""
    project_types: dict[str, ProjectType]
    """Project types by name."""
    arrivals: Arrivals
    """How projects are signed."""
    pipeline: tuple[PipelineProject, ...] = ()
    """Projects already in progress at the start (the loader reads them from a CSV)."""
    regional_assessments: dict[str, RegionalAssessment] = {}
    """Assessments the government does for a zone (区域评估), by name; their cost is
    government work, what they spare projects is in the types' ``item_overrides``."""
    calendar: CalendarSettings = CalendarSettings()
    """Working-day calendar settings."""
    run: RunSettings = RunSettings()
    """Run settings."""

    # Every type's items with its overrides applied, worked out once at validation.
    _type_items: dict[str, dict[str, Item]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = list(_reference_problems(self))
        if problems:
            raise ValidationError.from_exception_data(
                "Scenario",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("reference", message), loc=loc, input=value
                    )
                    for loc, message, value in problems
                ],
            )
        self._type_items = {
            type_name: {
                name: overridden_item(self.items[name], ptype.item_overrides.get(name, {}))
                for name in ptype.items
            }
            for type_name, ptype in self.project_types.items()
        }
        return self

    def item_for(self, project_type: str, item: str) -> Item:
        """The item as projects of ``project_type`` meet it (with the type's overrides)."""
        # Read the private store directly: pydantic's attribute fallback costs ~17 µs a
        # call, and every drawn project asks for each of its items.
        type_items: dict[str, dict[str, Item]] = self.__pydantic_private__["_type_items"]  # type: ignore[index]
        return type_items[project_type][item]

    def pools(self) -> list[Pool]:
        """Every finite resource: departments, then the mechanisms' pools if switched on."""
        pools = [
            Pool(name, "department", d.staff, d.staff_changes)
            for name, d in self.departments.items()
        ]
        pools += [
            Pool(f"{name}/{level.name}", "signoff", level.staff, level.staff_changes)
            for name, d in self.departments.items()
            for level in d.signoff
        ]
        m = self.mechanisms
        if m.one_window.enabled:
            pools.append(Pool("window", "window", m.one_window.clerks, m.one_window.staff_changes))
        if m.onsite_service.enabled:
            pools.append(
                Pool(
                    "onsite_teams",
                    "onsite_teams",
                    m.onsite_service.teams,
                    m.onsite_service.staff_changes,
                )
            )
        # Pools of people who each carry several projects at once: one slot per project.
        for on, name, people, caseload, people_changes in (
            (m.agents.enabled, "agents", m.agents.count, m.agents.caseload, m.agents.staff_changes),
            (
                m.landing_service.enabled,
                "commissioners",
                m.landing_service.commissioners,
                m.landing_service.caseload,
                m.landing_service.staff_changes,
            ),
            (
                m.service_team.enabled,
                "service_team",
                m.service_team.members,
                m.service_team.caseload,
                m.service_team.staff_changes,
            ),
        ):
            if on:
                changes = tuple(
                    StaffChange(date=c.date, staff=c.staff * caseload) for c in people_changes
                )
                pools.append(Pool(name, name, people * caseload, changes))
        return pools

    def limit_wd(self, item: str, project_type: str | None = None) -> float | None:
        """The limit an item is held to under this scenario's ``time_limits``.

        With ``project_type``, the limit that type's overrides set (if any).
        """
        spec = self.items[item] if project_type is None else self.item_for(project_type, item)
        return self.limit_wd_of(spec)

    def limit_wd_of(self, spec: Item) -> float | None:
        """The limit ``spec`` is held to under this scenario's ``time_limits``."""
        if self.time_limits == "committed" and spec.committed_limit_wd is not None:
            return spec.committed_limit_wd
        return spec.statutory_limit_wd

    def content_hash(self) -> str:
        """A short, stable hash of the validated content (for provenance).

        The run's bounds (``run.max_events``, ``run.max_wall_seconds``) are left
        out: they stop a run but never change a replication that finishes, so a
        run stopped by a bound resumes from its checkpoints once it is raised.
        """
        data = self.model_dump(mode="json", exclude={"run": {"max_events", "max_wall_seconds"}})
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A re-validated copy with dotted-path overrides, e.g. ``{"run.seed": 3}``."""
        data = self.model_dump(mode="python", by_alias=True, exclude_defaults=False)
        for path, value in overrides.items():
            set_dotted(data, path, value)
        return Scenario.model_validate(data)


def overridden_item(base: Item, override: dict[str, Any]) -> Item:
    """``base`` with a project type's ``override`` of some of its fields, re-validated.

    Giving one of the two touch-time measures replaces the other.

    Raises:
        ValidationError: an override value is invalid (located at its field).
    """
    if not override:
        return base
    data = base.model_dump(mode="python")
    for measure, other in (("work_hours", "effort_wd"), ("effort_wd", "work_hours")):
        if measure in override:
            data[other] = None
    data.update(override)
    return Item.model_validate(data)


def set_dotted(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path == "a.b.c"``; missing levels are created."""
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {} if child is None else child
            if not isinstance(child, dict):
                raise KeyError(f"{path}: {key!r} is not a mapping")
            node[key] = child
        node = child
    node[keys[-1]] = value


def _raise(field: str, message: str, value: Any) -> None:
    raise ValidationError.from_exception_data(
        "RunSettings",
        [InitErrorDetails(type=PydanticCustomError("value", message), loc=(field,), input=value)],
    )


def _reference_problems(s: Scenario) -> Any:
    """Yield ``(loc, message, value)`` for every dangling name, cycle or bad share."""
    known_items = set(s.items)
    for name, item in s.items.items():
        if item.department not in s.departments:
            yield (
                ("items", name, "department"),
                f"unknown department {item.department!r}; known: {_known(s.departments)}",
                item.department,
            )
        elif s.departments[item.department].staff == 0 and not any(
            c.staff > 0 for c in s.departments[item.department].staff_changes
        ):
            yield (
                ("departments", item.department, "staff"),
                f"department {item.department!r} owns item {name!r} but has no staff",
                0,
            )
        for k, pre in enumerate(item.prerequisites):
            if pre not in known_items:
                yield (
                    ("items", name, "prerequisites", k),
                    f"unknown prerequisite {pre!r}; known items: {_known(s.items)}",
                    pre,
                )
            elif STAGE_ORDER.index(s.items[pre].stage) > STAGE_ORDER.index(item.stage):
                yield (
                    ("items", name, "prerequisites", k),
                    f"prerequisite {pre!r} is in a later stage ({s.items[pre].stage}) "
                    f"than {name!r} ({item.stage})",
                    pre,
                )
    cycle = find_cycle(
        {n: [p for p in i.prerequisites if p in known_items] for n, i in s.items.items()}
    )
    if cycle:
        yield (
            ("items", cycle[0], "prerequisites"),
            "prerequisites form a cycle: " + " -> ".join(cycle + [cycle[0]]),
            cycle,
        )
    for type_name, ptype in s.project_types.items():
        for k, item_name in enumerate(ptype.items):
            if item_name not in known_items:
                yield (
                    ("project_types", type_name, "items", k),
                    f"unknown item {item_name!r}; known items: {_known(s.items)}",
                    item_name,
                )
        yield from _override_problems(s, type_name, ptype)
    for name, assessment in s.regional_assessments.items():
        if assessment.department not in s.departments:
            yield (
                ("regional_assessments", name, "department"),
                f"unknown department {assessment.department!r}; known: {_known(s.departments)}",
                assessment.department,
            )
    if isinstance(s.arrivals, PoissonArrivals) and s.project_types:
        total = sum(p.share for p in s.project_types.values())
        if abs(total - 1) > 1e-6:
            first = next(iter(s.project_types))
            yield (
                ("project_types", first, "share"),
                f"project type shares sum to {total:g}, not 1",
                total,
            )
    if isinstance(s.arrivals, ScheduledArrivals):
        for k, signed in enumerate(s.arrivals.projects):
            if signed.type not in s.project_types:
                yield (
                    ("arrivals", "projects", k, "type"),
                    f"unknown project type {signed.type!r}; known: {_known(s.project_types)}",
                    signed.type,
                )
    if not s.project_types:
        yield (("project_types",), "at least one project type is needed", {})
    yield from _pipeline_problems(s)
    yield from _warm_start_problems(s)
    for path, names in (
        (("mechanisms", "combined_survey", "removes"), s.mechanisms.combined_survey.removes),
        (
            ("mechanisms", "onsite_service", "decides_on_site"),
            s.mechanisms.onsite_service.decides_on_site,
        ),
    ):
        for k, name in enumerate(names):
            if name not in known_items:
                yield (
                    (*path, k),
                    f"unknown item {name!r}; known items: {_known(s.items)}",
                    name,
                )


def _override_problems(s: Scenario, type_name: str, ptype: ProjectType) -> Any:
    """Yield problems of a type's item overrides and scheme-with-land items."""
    own = set(ptype.items)
    for field_name, names in (
        ("item_overrides", list(ptype.item_overrides)),
        ("land_with_scheme", list(ptype.land_with_scheme)),
    ):
        for name in names:
            if name not in own:
                yield (
                    ("project_types", type_name, field_name, name),
                    f"{name!r} is not one of this type's items; its items: "
                    + ", ".join(ptype.items[:12]),
                    name,
                )
    for name, override in ptype.item_overrides.items():
        if name not in own or name not in s.items:
            continue
        where = ("project_types", type_name, "item_overrides", name)
        structural = sorted(STRUCTURAL_ITEM_FIELDS & set(override))
        for key in structural:
            yield (
                (*where, key),
                f"{key!r} routes the item and is the same for every type; set it under "
                f"items.{name} instead",
                override[key],
            )
        if structural:
            continue
        try:
            overridden_item(s.items[name], override)
        except ValidationError as error:
            for detail in error.errors():
                yield ((*where, *detail["loc"]), detail["msg"], detail.get("input"))


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """Return one cycle of ``graph`` (node -> prerequisites) as a list, or ``[]``."""
    colour: dict[str, int] = {}  # 0/absent: unseen, 1: on the stack, 2: done
    for root in graph:
        if colour.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                colour[node] = 1
                path.append(node)
            children = graph.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if colour.get(child) == 1:
                    return path[path.index(child) :]
                if not colour.get(child):
                    stack.append((child, 0))
            else:
                colour[node] = 2
                path.pop()
    return []


def _known(names: dict[str, Any]) -> str:
    listed = ", ".join(list(names)[:12])
    return listed + (", ..." if len(names) > 12 else "")


def _warm_start_problems(s: Scenario) -> Any:
    """Yield why the scenario cannot start warm (it has its own past, or no random arrivals)."""
    if not s.run.starts_warm:
        return
    if s.pipeline:
        yield (
            ("run", "warm_start"),
            "a warm start samples its own projects in progress and cannot continue a "
            "recorded pipeline; set warm_start: false, or drop the pipeline: section",
            True,
        )
    if s.arrivals.kind == "schedule":
        yield (
            ("run", "warm_start"),
            "a warm start needs random arrivals to sample a steady state from; a "
            "schedule of signings is simulated as it is: set warm_start: false",
            True,
        )


def _pipeline_problems(s: Scenario) -> Any:
    """Yield problems of projects already in progress (dates, items, stage)."""
    start = s.run.start_date
    pre_start = [st for st in STAGE_ORDER if st in ("land", 1, 2, 3)]
    for k, project in enumerate(s.pipeline):
        where = ("pipeline", k)
        if project.type not in s.project_types:
            yield (
                (*where, "type"),
                f"unknown project type {project.type!r}; known: {_known(s.project_types)}",
                project.type,
            )
            continue
        if project.signed > start:
            yield (
                (*where, "signed"),
                "a project in progress must be signed by run.start_date",
                project.signed,
            )
        needed = set(s.project_types[project.type].items)
        under_way = [u.item for u in project.under_way]
        for field_name, names in (("done", project.done), ("under_way", under_way)):
            for j, name in enumerate(names):
                if name not in needed:
                    yield (
                        (*where, field_name, j),
                        f"item {name!r} is not one of type {project.type!r}'s items",
                        name,
                    )
        land = project.land_obtained
        if land is not None and land < project.signed:
            yield (
                (*where, "land_obtained"),
                f"land obtained before the project was signed ({project.signed}); "
                "land_obtained must be on or after signed",
                land,
            )
        elif land is not None and land > start:
            yield (
                (*where, "land_obtained"),
                f"land obtained after run.start_date ({start}); a project in progress "
                "can only carry land it already has: leave land_obtained empty",
                land,
            )
        for j, entry in enumerate(project.under_way):
            if not project.signed <= entry.since <= start:
                yield (
                    (*where, "under_way", j, "since"),
                    f"must lie between the signing date ({project.signed}) and "
                    f"run.start_date ({start})",
                    entry.since,
                )
            if entry.item in project.done:
                yield (
                    (*where, "under_way", j, "item"),
                    "item is both done and under way",
                    entry.item,
                )
        remaining = (
            [i for i in needed if i not in project.done and s.items[i].stage in pre_start]
            if all(i in s.items for i in needed)
            else ["?"]
        )
        if not remaining:
            yield (
                (*where, "done"),
                "every pre-start item is done: only projects before construction start can "
                "be continued",
                list(project.done),
            )
