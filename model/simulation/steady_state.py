"""Warm start: begin each replication from a sampled steady state, not an empty county.

A cold run fills the county from nothing, so its first years are warm-up: in the
bundled scenarios three of every four simulated years. With ``run.warm_start`` a
*pilot* (one cold run of the warm-up, on streams of its own) is simulated once per
scenario and seed, and snapshots of the projects in progress are taken at
:data:`SNAPSHOTS` instants, :data:`SNAPSHOT_GAP_DAYS` apart, from
``warmup_days - settle_days`` on. Each replication continues one snapshot (the
replication index picks it, so the same seed gives the same numbers on any number
of workers) and simulates only the last ``settle_days`` of the warm-up itself.

What carries over exactly: projects under construction (their construction ends on
its drawn day), items decided, items under review (they rejoin their queue). What
starts again: work in hand that is neither (a preparation, a handoff), which the
settling days absorb. The new signings and the departments' other work after the
start are the cold run's own, draw for draw, so a warm and a cold run of one
replication are paired on common random numbers (the test of equivalence uses it).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from model.scenario.schema import Scenario
from model.simulation.county import ProjectState

#: Snapshots taken from one pilot; replication r continues snapshot r mod SNAPSHOTS.
SNAPSHOTS = 4
#: Days between snapshots: 13 weeks, so each history keeps its weekdays.
SNAPSHOT_GAP_DAYS = 91.0
#: Replication index of the pilot's streams, apart from any replication's.
PILOT_REPLICATION = 2**31 - 1
#: Ids of continued projects: this plus their id in the pilot, apart from new signings.
SNAPSHOT_ID_BASE = 1 << 36
#: Pilots kept per process (a sensitivity run meets many variants).
CACHED_PILOTS = 8


@dataclass(frozen=True)
class WarmStart:
    """How a warm-started run is laid out in simulated days."""

    start_day: float
    """Day at which each replication begins (``warmup_days - settle_days``)."""
    snapshot_days: tuple[float, ...]
    """Pilot days at which the snapshots are taken."""
    pilot: Scenario
    """The cold run the snapshots come from: the warm-up, signings up to the last one."""


def plan(scenario: Scenario) -> WarmStart:
    """Where the replications begin and where the pilot's snapshots are taken."""
    run = scenario.run
    start = run.warmup_days - run.settle_days
    days = tuple(start + k * SNAPSHOT_GAP_DAYS for k in range(SNAPSHOTS))
    # The pilot only has to reach its last snapshot; nothing of it is measured.
    pilot_run = run.model_copy(
        update={
            "warm_start": False,
            "warmup_days": 0.0,
            "horizon_days": days[-1] + 1.0,
            "drain": False,
        }
    )
    return WarmStart(start, days, scenario.model_copy(update={"run": pilot_run}))


class PilotCache:
    """Snapshots by (scenario, seed), the most recent few, in this process."""

    def __init__(self, size: int = CACHED_PILOTS) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[str, int], tuple[tuple[ProjectState, ...], ...]] = (
            OrderedDict()
        )

    @staticmethod
    def key(scenario: Scenario, seed: int) -> tuple[str, int]:
        """The scenario's content (not its identity) and the seed."""
        digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        return digest, seed

    def get(self, key: tuple[str, int]) -> tuple[tuple[ProjectState, ...], ...] | None:
        """The snapshots kept for ``key``, if any."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: tuple[str, int], snapshots: tuple[tuple[ProjectState, ...], ...]) -> None:
        """Keep ``snapshots``, forgetting the least recently used beyond ``size``."""
        self._kept[key] = snapshots
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


PILOTS = PilotCache()


def history_days() -> float:
    """Days before day 0 that a continued project's history can reach back.

    The last snapshot is moved furthest back; a pilot's times are never negative.
    """
    return (SNAPSHOTS - 1) * SNAPSHOT_GAP_DAYS


def snapshot_for(
    snapshots: tuple[tuple[ProjectState, ...], ...], replication: int
) -> tuple[ProjectState, ...]:
    """The snapshot replication ``replication`` continues."""
    return snapshots[replication % len(snapshots)]
