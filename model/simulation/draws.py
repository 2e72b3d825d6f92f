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
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from model.scenario.distributions import Distribution
from model.scenario.schema import Item, PoissonArrivals, Scenario
from model.simulation.rng import Streams

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

# Column slots of an item's row in the ``government`` stream (append only).
_PACE = 0
_SIGNOFF0 = 1
#: Most sign-off levels after the case officer (the schema caps ``signoff`` here).
MAX_SIGNOFF_LEVELS = 4
_GOVERNMENT_SLOTS = _SIGNOFF0 + MAX_SIGNOFF_LEVELS

#: Stages whose start is preceded by an enterprise idle gap.
GAP_STAGES = ("1", "2", "3", "4", "licence")


class ItemDraws:
    """An item's intrinsic draws for one project (times before any mechanism's factor).

    Quantities every run needs are computed at signing; those only some runs
    need (fix times, mechanism delays) are computed from their stored uniform on
    first use, which gives the same value as computing them at signing.
    """

    __slots__ = (
        "_durations", "_mechanisms", "_scenario", "change_u", "deficiency_u",
        "effort_wd", "elapsed_days", "intake_wd", "intermediary_days", "limit", "minor_u",
        "misroute_u", "online_u", "preparation_days", "missed_u", "breach_u", "pace",
        "signoff_wd", "spec",
    )  # fmt: skip

    def __init__(
        self,
        scenario: Scenario,
        spec: Item,
        durations: list[float],
        mechanisms: list[float],
        deficiency_u: list[float],
        change_u: float,
        government: list[float],
    ) -> None:
        """Keep the uniforms and compute the quantities every run needs."""
        self._scenario = scenario
        self.spec = spec
        """The item as this project's type meets it (its overrides applied)."""
        self.limit = scenario.limit_wd_of(spec)
        """The limit in force for this project's item (statutory or committed)."""
        self._durations = durations
        self._mechanisms = mechanisms
        hours_per_day = scenario.government.hours_per_day
        # Touch time is drawn in hours and held in working days of ``hours_per_day``.
        self.effort_wd = spec.touch_hours(durations[_EFFORT], hours_per_day) / hours_per_day
        self.pace = scenario.government.pace.quantile(government[_PACE])
        """Share of the limit in force the accepted file waits in the in-tray."""
        levels = scenario.departments[spec.department].signoff
        self.signoff_wd = [
            level.hours.quantile(government[_SIGNOFF0 + k]) / hours_per_day
            for k, level in enumerate(levels)
        ]
        """Working days of touch time at each sign-off level."""
        self.elapsed_days = spec.elapsed_days.quantile(durations[_ELAPSED])
        self.preparation_days = spec.preparation_days.quantile(durations[_PREPARATION])
        self.intermediary_days = spec.intermediary_days.quantile(durations[_INTERMEDIARY])
        self.intake_wd = scenario.intake_wd.quantile(mechanisms[_INTAKE])
        self.deficiency_u = deficiency_u
        """Uniform for the k-th submission; deficient when below that round's probability."""
        self.change_u = change_u
        """Uniform deciding whether a change of the project reaches this item (its scope)."""
        self.online_u = mechanisms[_ONLINE]
        self.misroute_u = mechanisms[_MISROUTE0:_MISROUTE_DELAY0]
        self.minor_u = mechanisms[_MINOR0:_MISSED]
        """Uniform for the k-th submission deciding a deficiency is minor (容缺)."""
        self.missed_u = mechanisms[_MISSED]
        self.breach_u = mechanisms[_BREACH]

    def fix_days(self, k: int) -> float:
        """Calendar days to fix the file after its k-th return."""
        return self.spec.fix_days.quantile(self._durations[_FIX0 + k])

    def conversion_wd(self) -> float:
        """Reviewer working days to convert a simulated opinion."""
        return self.spec.conversion_wd.quantile(self._durations[_CONVERSION])

    def misroute_delay_days(self, k: int) -> float:
        """Calendar days the k-th misrouting of an enquiry costs."""
        delay = self._scenario.enterprise.misroute_delay_days
        return delay.quantile(self._mechanisms[_MISROUTE_DELAY0 + k])

    def missed_delay_days(self, delay: Distribution) -> float:
        """Calendar days a missed supplement holds the item (``delay``: its terms)."""
        return delay.quantile(self._mechanisms[_MISSED_DELAY])

    def supplement_days(self, days: Distribution) -> float:
        """Calendar days the applicant takes to supplement (``days``: its terms)."""
        return days.quantile(self._mechanisms[_SUPPLEMENT])

    def check_wd(self) -> float:
        """Reviewer working days of a commitment's formal check."""
        return self._scenario.mechanisms.notification_commitment.check_wd.quantile(
            self._mechanisms[_CHECK]
        )

    def verification_delay_days(self) -> float:
        """Calendar days from a commitment approval to its inspection."""
        ca = self._scenario.mechanisms.notification_commitment
        return ca.verification_delay_days.quantile(self._mechanisms[_VERIFICATION_DELAY])

    def visit_wd(self) -> float:
        """Working days an on-site visit holds a service team."""
        return self._scenario.mechanisms.onsite_service.visit_wd.quantile(self._mechanisms[_VISIT])


@dataclass(slots=True)
class ProjectDraws:
    """A signed project and everything it draws."""

    project_id: int
    project_type: str
    signed_day: float
    handoff_days: float
    """Days from signing to the first formality without a commissioner."""
    landed_handoff_days: float
    """... with a commissioner assigned at signing (签约即落地)."""
    construction_days: float
    production_prep_days: float
    stage_gap_days: dict[str, float]
    items: dict[str, ItemDraws]
    change_u: float = 1.0
    """Uniform deciding whether the project changes after the land transfer (simulated
    approval's change risk is a project's, not each item's)."""
    schedule_u: dict[str, float] = field(default_factory=dict)
    """Per stage after land, the uniform of a service-team member's setup time."""


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
    government = streams.project_stream("government", key)
    ptype = scenario.project_types[project_type]
    m = scenario.mechanisms
    project_u = durations.random(_PROJECT_SLOTS).tolist()
    n_items = len(scenario.items)
    duration_u = durations.random((n_items, _DURATION_SLOTS)).tolist()
    rework_u = rework.random((n_items, MAX_ROUNDS)).tolist()
    change_u = changes.random(n_items).tolist()
    # Drawn after the items' uniforms, so those stay where they were (append-only).
    project_change_u = float(changes.random())
    # Appended after the items' rows: one per stage boundary for a service team's setup.
    schedule_u = tuple(durations.random(len(GAP_STAGES)).tolist())
    mechanism_u = mechanisms.random((n_items, _MECHANISM_SLOTS)).tolist()
    government_u = government.random((n_items, _GOVERNMENT_SLOTS)).tolist()
    index = {name: k for k, name in enumerate(scenario.items)}
    items = {
        name: ItemDraws(
            scenario,
            scenario.item_for(project_type, name),
            duration_u[index[name]],
            mechanism_u[index[name]],
            rework_u[index[name]],
            change_u[index[name]],
            government_u[index[name]],
        )
        for name in ptype.items
    }
    # The landing service's handoff comes from the same uniform (monotone coupling);
    # the ordinary one stays for a project no commissioner can take.
    landed = m.landing_service.handoff_days if m.landing_service.enabled else scenario.handoff_days
    gap = scenario.enterprise.stage_gap_days
    return ProjectDraws(
        project_id=project_id,
        project_type=project_type,
        signed_day=signed_day,
        handoff_days=scenario.handoff_days.quantile(project_u[_HANDOFF]),
        landed_handoff_days=landed.quantile(project_u[_HANDOFF]),
        construction_days=ptype.construction_days.quantile(project_u[_CONSTRUCTION]),
        production_prep_days=ptype.production_prep_days.quantile(project_u[_PRODUCTION_PREP]),
        stage_gap_days={
            stage: gap.quantile(project_u[_GAP0 + k]) for k, stage in enumerate(GAP_STAGES)
        },
        items=items,
        change_u=project_change_u,
        schedule_u=dict(zip(GAP_STAGES, schedule_u, strict=True)),
    )


def signings(scenario: Scenario, streams: Streams) -> list[tuple[float, str]]:
    """The (day, project type) of every signing in the horizon, in time order."""
    return list(iter_signings(scenario, streams))


def iter_signings(scenario: Scenario, streams: Streams) -> Iterator[tuple[float, str]]:
    """The signings of :func:`signings`, drawn one at a time as they are asked for.

    A simulation takes the next signing only when the previous one has happened,
    so a scenario with absurd arrivals (``rate_per_year: 1e9``) costs memory for
    one signing at a time and is stopped by the run's bounds, not by the machine.
    The k-th signing draws the same numbers as in :func:`signings`.
    """
    horizon = scenario.run.horizon_days
    arrivals = scenario.arrivals
    if arrivals.kind == "schedule":
        start = scenario.run.start_date
        days = sorted(((signed.date - start).days, signed.type) for signed in arrivals.projects)
        yield from ((float(day), kind) for day, kind in days if 0 <= day < horizon)
        return
    yield from poisson_signings(scenario, streams.replication_stream("arrivals"), horizon)


def poisson_signings(
    scenario: Scenario, rng: np.random.Generator, until: float
) -> Iterator[tuple[float, str]]:
    """Poisson signings from day 0 to ``until`` at the scenario's rate and type shares."""
    arrivals = scenario.arrivals
    assert isinstance(arrivals, PoissonArrivals)  # a schedule is not drawn
    names = list(scenario.project_types)
    cumulative = []
    total = 0.0
    for ptype in scenario.project_types.values():
        total += ptype.share
        cumulative.append(total)
    mean_gap = 365.0 / arrivals.rate_per_year
    day = 0.0
    while True:
        # Two uniforms per signing (gap, type), so the k-th signing's type does not
        # depend on the rate: changing the rate moves arrivals but keeps the types.
        gap_u, type_u = rng.random(2).tolist()
        day += -mean_gap * math.log1p(-gap_u)
        if day >= until:
            return
        k = next((i for i, c in enumerate(cumulative) if type_u * total < c), len(names) - 1)
        yield (day, names[k])
