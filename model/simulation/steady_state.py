"""Warm start: begin each replication from a sampled steady state, not an empty county.

A cold run fills the county from nothing, so its first years are warm-up: in the
bundled scenarios three of every four simulated years. With ``run.warm_start``:

1. A *pilot* (one cold run of the warm-up, on streams of its own) is simulated once
   per scenario and seed and process, keeping every project's history: when each
   item was submitted and decided, when land, construction and completion came.
2. Each replication draws its own past signings over ``[0, start)`` (``start =
   warmup_days - settle_days``) from the scenario's arrival rate and type shares, on
   a stream of its own. For each, it borrows the history of a pilot project of the
   same type signed at about the same time (within :data:`BORROW_WINDOW_DAYS`) and
   reads where that project stood at the start; finished ones are dropped.
3. The replication continues those projects and simulates the last
   ``settle_days`` of the warm-up itself.

So the number of projects in progress is the replication's own (its own Poisson
signings, not the pilot's luck shared by every replication), and their phases are
those of a project that met a county of the same age. What carries over exactly:
projects under construction (it ends on its drawn day), items decided, items
under review (they rejoin their queue). What starts again: work in hand that is
neither (a preparation, a handoff), which the settling days absorb. Signings and
the departments' other work after the start are a cold run's own, draw for draw,
so a warm and a cold run of one replication are paired on common random numbers.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from model.scenario.schema import Scenario
from model.simulation.county import Case, ProjectState
from model.simulation.draws import ProjectDraws, poisson_signings

#: A past signing borrows a pilot project signed this many days before or after it.
BORROW_WINDOW_DAYS = 45.0
#: Replication index of the pilot's streams, apart from any replication's.
PILOT_REPLICATION = 2**31 - 1
#: Ids of continued projects: this plus a count, apart from new signings.
SNAPSHOT_ID_BASE = 1 << 36
#: Pilots kept per process (a sensitivity run meets many variants).
CACHED_PILOTS = 8


@dataclass(frozen=True)
class History:
    """What one pilot project did, in pilot days (None: not reached in the pilot)."""

    draws: ProjectDraws
    decided: dict[str, float]
    submissions: dict[str, float]
    land_day: float | None
    construction_day: float | None
    completed_day: float | None
    production_day: float | None

    @classmethod
    def of(cls, case: Case) -> History:
        """The history a finished pilot left in ``case``."""
        return cls(
            case.draws,
            dict(case.decided),
            dict(case.submissions),
            case.land_day,
            case.construction_day,
            case.completed_day,
            case.production_day,
        )

    def state_at(self, day: float, shift: float, project_id: int) -> ProjectState | None:
        """Where the project stood on pilot ``day``, its times moved by ``shift``.

        None when it had reached production by then.
        """
        if self.production_day is not None and self.production_day <= day:
            return None

        def by_then(when: float | None) -> float | None:
            return None if when is None or when > day else when + shift

        done = frozenset(item for item, when in self.decided.items() if when <= day)
        under_way = {
            item: when + shift
            for item, when in self.submissions.items()
            if when <= day and item not in done
        }
        return ProjectState(
            draws=replace(
                self.draws, project_id=project_id, signed_day=self.draws.signed_day + shift
            ),
            done=done,
            under_way=under_way,
            land_day=by_then(self.land_day),
            construction_day=by_then(self.construction_day),
            completed_day=by_then(self.completed_day),
        )


@dataclass(frozen=True)
class Pilot:
    """The pilot's histories by project type, in order of signing."""

    signed: dict[str, list[float]]
    histories: dict[str, list[History]]

    @classmethod
    def of(cls, cases: Sequence[Case]) -> Pilot:
        """Sort the pilot's cases by type and signing day."""
        signed: dict[str, list[float]] = {}
        histories: dict[str, list[History]] = {}
        for case in sorted(cases, key=lambda c: c.draws.signed_day):
            kind = case.draws.project_type
            signed.setdefault(kind, []).append(case.draws.signed_day)
            histories.setdefault(kind, []).append(History.of(case))
        return cls(signed, histories)

    def borrow(self, kind: str, day: float, rng: np.random.Generator) -> History | None:
        """A pilot project of type ``kind`` signed about ``day`` (the nearest if none is)."""
        days = self.signed.get(kind)
        if not days:
            return None
        low = bisect.bisect_left(days, day - BORROW_WINDOW_DAYS)
        high = bisect.bisect_right(days, day + BORROW_WINDOW_DAYS)
        if low >= high:  # none within the window: the nearest in time
            k = bisect.bisect_left(days, day)
            low = k - 1 if k == len(days) or (k > 0 and day - days[k - 1] < days[k] - day) else k
            high = low + 1
        return self.histories[kind][int(rng.integers(low, high))]


@dataclass(frozen=True)
class WarmStart:
    """How a warm-started run is laid out in simulated days."""

    start_day: float
    """Day at which each replication begins (``warmup_days - settle_days``)."""
    pilot: Scenario
    """The cold run the histories come from: signings up to just past the start."""


def plan(scenario: Scenario) -> WarmStart:
    """Where the replications begin and how long the pilot runs."""
    run = scenario.run
    start = run.warmup_days - run.settle_days
    # A borrowed history is read up to the window past the start; nothing is measured.
    pilot_run = run.model_copy(
        update={
            "warm_start": False,
            "warmup_days": 0.0,
            "horizon_days": start + BORROW_WINDOW_DAYS + 1.0,
            "drain": False,
        }
    )
    return WarmStart(start, scenario.model_copy(update={"run": pilot_run}))


def sample(
    pilot: Pilot, scenario: Scenario, rng: np.random.Generator, start_day: float
) -> tuple[ProjectState, ...]:
    """One replication's projects in progress at ``start_day``.

    Past signings over ``[0, start_day)`` at the scenario's rate and type shares,
    each standing where its borrowed pilot history stood at the same age.
    """
    states: list[ProjectState] = []
    for day, kind in poisson_signings(scenario, rng, start_day):
        history = pilot.borrow(kind, day, rng)
        if history is None:
            continue
        shift = day - history.draws.signed_day
        state = history.state_at(start_day - shift, shift, SNAPSHOT_ID_BASE + len(states))
        if state is not None:
            states.append(state)
    return tuple(states)


class PilotCache:
    """Pilots by (scenario, seed), the most recent few, in this process."""

    def __init__(self, size: int = CACHED_PILOTS) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[str, int], Pilot] = OrderedDict()

    @staticmethod
    def key(scenario: Scenario, seed: int) -> tuple[str, int]:
        """The scenario's content (not its identity) and the seed."""
        return scenario.content_hash(), seed

    def get(self, key: tuple[str, int]) -> Pilot | None:
        """The pilot kept for ``key``, if any."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def clear(self) -> None:
        """Forget every pilot (a benchmark times one from scratch)."""
        self._kept.clear()

    def put(self, key: tuple[str, int], pilot: Pilot) -> None:
        """Keep ``pilot``, forgetting the least recently used beyond ``size``."""
        self._kept[key] = pilot
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


PILOTS = PilotCache()
