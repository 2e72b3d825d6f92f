"""The pools: free members granted on the spot, waiting requests in the right order.

Exact, hand-worked cases on a bare SimPy environment (no scenario involved).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from model.simulation.pools import Pool


def worker(
    env: simpy.Environment,
    pool: Pool,
    name: str,
    work: float,
    log: list[tuple[float, str]],
    priority: float = 0.0,
) -> Generator[Any, Any, None]:
    if not pool.take():
        yield pool.queue(priority)
    log.append((env.now, name))
    yield env.timeout(work)
    pool.release()


def test_a_free_member_is_granted_without_an_event() -> None:
    env = simpy.Environment()
    pool = Pool(env, 2, prioritised=False)
    assert pool.take() and pool.take()
    assert not pool.take()
    assert pool.busy == 2
    assert env.peek() == float("inf")  # nothing was scheduled


def test_first_come_first_served_when_all_are_busy() -> None:
    env = simpy.Environment()
    pool = Pool(env, 1, prioritised=False)
    log: list[tuple[float, str]] = []
    for k, name in enumerate("abc"):
        env.process(worker(env, pool, name, 2.0 + k, log))
    env.run()
    assert log == [(0.0, "a"), (2.0, "b"), (5.0, "c")]
    assert pool.busy == 0


def test_lowest_priority_first_then_arrival_order() -> None:
    env = simpy.Environment()
    pool = Pool(env, 1, prioritised=True)
    log: list[tuple[float, str]] = []
    env.process(worker(env, pool, "first", 1.0, log, priority=9))
    env.process(worker(env, pool, "late", 1.0, log, priority=5))
    env.process(worker(env, pool, "urgent", 1.0, log, priority=1))
    env.process(worker(env, pool, "late too", 1.0, log, priority=5))
    env.run()
    assert [name for _, name in log] == ["first", "urgent", "late", "late too"]
    assert [t for t, _ in log] == [0.0, 1.0, 2.0, 3.0]


def test_a_withdrawn_request_is_skipped() -> None:
    env = simpy.Environment()
    pool = Pool(env, 1, prioritised=False)
    assert pool.take()
    gone = pool.queue()
    kept = pool.queue()
    pool.withdraw(gone)
    assert pool.waiting() == 1
    pool.release()
    assert kept.triggered and not gone.triggered
    assert pool.busy == 1


def test_resizing_grants_on_growth_and_never_interrupts_on_shrinking() -> None:
    env = simpy.Environment()
    pool = Pool(env, 0, prioritised=False)  # a plan may start with nobody
    log: list[tuple[float, str]] = []
    for name in "abc":
        env.process(worker(env, pool, name, 10.0, log))
    env.run(until=1)
    assert log == []
    pool.resize(2)
    env.run(until=2)
    assert log == [(1.0, "a"), (1.0, "b")]
    pool.resize(1)  # both keep working; "c" waits until only one is busy
    env.run()
    assert log[-1] == (11.0, "c")
    assert pool.busy == 0
