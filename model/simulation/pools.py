"""Pools of people (reviewers, clerks, teams, agents) whose size can change during a run.

A free member is granted on the spot, without a SimPy event: most requests in a
county find someone free, and SimPy's ``Resource`` spends a request event, a
release event and two trigger passes on each. Only a request that must wait gets
an event (a :class:`Ticket`), triggered when a member is released to it.

Planners test hiring plans ("two more reviewers from March"), so a pool can be
resized: growing it grants waiting requests at once; shrinking it never
interrupts work in hand, it only stops new grants until enough members have
finished. A prioritised pool grants the lowest ``priority`` first, first come
first served among equals; otherwise strictly first come first served.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from model.scenario.schema import StaffChange


class Ticket(simpy.Event):
    """A request waiting for a member; triggered when one is granted to it."""

    __slots__ = ("withdrawn",)

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self.withdrawn = False


class Pool:
    """``capacity`` interchangeable members, ``busy`` of them at work.

    The hot path reads and writes ``busy`` and ``capacity`` directly: take a member
    with ``if pool.busy < pool.capacity: pool.busy += 1``, otherwise wait on
    :meth:`queue`; give it back with :meth:`release`.
    """

    __slots__ = ("_fifo", "_heap", "_order", "busy", "capacity", "env", "prioritised")

    def __init__(self, env: simpy.Environment, capacity: int, prioritised: bool) -> None:
        self.env = env
        self.capacity = capacity  # zero allowed: nothing is granted until it grows
        self.busy = 0
        self.prioritised = prioritised
        self._fifo: deque[Ticket] = deque()
        self._heap: list[tuple[float, int, Ticket]] = []
        self._order = 0  # first come first served among equal priorities

    def take(self) -> bool:
        """Take a member if one is free now (no one waits)."""
        if self.busy < self.capacity:
            self.busy += 1
            return True
        return False

    def queue(self, priority: float = 0.0) -> Ticket:
        """Wait for a member: the returned ticket triggers when one is granted."""
        ticket = Ticket(self.env)
        if self.prioritised:
            self._order += 1
            heapq.heappush(self._heap, (priority, self._order, ticket))
        else:
            self._fifo.append(ticket)
        return ticket

    def withdraw(self, ticket: Ticket) -> None:
        """Stop waiting (a granted ticket keeps its member: release it instead)."""
        ticket.withdrawn = True

    def waiting(self) -> int:
        """Requests waiting, withdrawn ones left out."""
        queue = self._fifo if not self.prioritised else [t for _, _, t in self._heap]
        return sum(1 for ticket in queue if not ticket.withdrawn)

    def release(self) -> None:
        """A member has finished: the next waiting request, if any, gets it."""
        self.busy -= 1
        if self._fifo or self._heap:
            self._grant()

    def resize(self, capacity: int) -> None:
        """Set the pool size; waiting requests are granted if members are free."""
        self.capacity = capacity
        self._grant()

    def _grant(self) -> None:
        while self.busy < self.capacity:
            if self.prioritised:
                if not self._heap:
                    return
                ticket = heapq.heappop(self._heap)[2]
            else:
                if not self._fifo:
                    return
                ticket = self._fifo.popleft()
            if not ticket.withdrawn:
                self.busy += 1
                ticket.succeed()


def apply_changes(
    env: simpy.Environment,
    pool: Pool,
    changes: tuple[StaffChange, ...],
    start_date: dt.date,
) -> Generator[simpy.Event, Any, None]:
    """A process that resizes ``pool`` at the start of each change's date."""
    for change in sorted(changes, key=lambda c: c.date):
        day = (change.date - start_date).days
        if day > env.now:
            yield env.timeout(day - env.now)
        pool.resize(change.staff)
