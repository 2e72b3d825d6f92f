"""Queueing formulas for the staffing screen and the tests: M/M/c (Erlang C).

Time is in whatever unit the mean service time is given in (the staffing
screen uses working days); the formulas do not care.
"""

from __future__ import annotations

import math


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a`` (Erlang C).

    Computed through the Erlang-B recursion, which stays accurate for large c.
    Returns 1 for an unstable queue (``a >= c``).
    """
    if c <= 0 or a >= c:
        return 1.0
    if a <= 0:
        return 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def mmc_mean_wait(c: int, a: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c: C(c, a) E[S] / (c - a) (infinite when unstable)."""
    if a >= c:
        return math.inf
    return erlang_c(c, a) * mean_service / (c - a)


def mmc_wait_quantile(c: int, a: float, mean_service: float, q: float) -> float:
    """The q-quantile of the wait in queue of M/M/c.

    P(Wq > t) = C(c, a) exp(-(c - a) t / E[S]), so the quantile is 0 when
    the chance of waiting is below 1 - q.
    """
    if a >= c:
        return math.inf
    wait = erlang_c(c, a)
    if wait <= 1 - q:
        return 0.0
    return mean_service * math.log(wait / (1 - q)) / (c - a)
