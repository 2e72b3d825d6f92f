"""Resource pools whose size can change during a run.

SimPy's ``Resource`` has a fixed capacity. Planners test hiring plans ("two
more reviewers from March"), so a pool here can be resized: growing it grants
waiting requests at once; shrinking it never interrupts work in hand, it only
stops new grants until enough members have finished.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import Any

import simpy

from model.scenario.schema import StaffChange


class _Resizable:
    """Mixin over a SimPy resource: ``resize`` sets the number of usage slots."""

    _capacity: float | int  # as simpy.resources.base.BaseResource declares it

    def resize(self, capacity: int) -> None:
        """Set the pool size; waiting requests are granted if slots are free."""
        self._capacity = capacity
        self._trigger_put(None)  # type: ignore[attr-defined]


class FifoPool(_Resizable, simpy.Resource):
    """First come, first served."""


class PriorityPool(_Resizable, simpy.PriorityResource):
    """Lowest ``priority`` first, first come first served among equals."""


def make_pool(env: simpy.Environment, capacity: int, priority: bool) -> simpy.Resource:
    """A pool of ``capacity`` (zero allowed: nothing is granted until it grows)."""
    pool = (PriorityPool if priority else FifoPool)(env, capacity=max(capacity, 1))
    pool._capacity = capacity  # SimPy refuses 0 in the constructor; a plan may start at 0
    return pool


def apply_changes(
    env: simpy.Environment,
    pool: simpy.Resource,
    changes: tuple[StaffChange, ...],
    start_date: dt.date,
) -> Generator[simpy.Event, Any, None]:
    """A process that resizes ``pool`` at the start of each change's date."""
    for change in sorted(changes, key=lambda c: c.date):
        day = (change.date - start_date).days
        if day > env.now:
            yield env.timeout(day - env.now)
        pool.resize(change.staff)  # type: ignore[attr-defined]
