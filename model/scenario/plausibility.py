"""Values that pass every field's own check but that no run could simulate.

Checked after validation, for scenario files: a distribution whose draws are
not finite numbers (a lognormal with sd 1e300), a mean beyond a century, a run
that would go past the calendar's end in 9999. Each finding is a field path
(as in a pydantic error's ``loc``) and a message; the loader places them in the
file with :func:`model.scenario.error_translation.locate_problem`.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from model.scenario.schema import Scenario

__all__ = ["implausible"]

#: Largest mean duration accepted, in days: a century. Each field's own range
#: check lets through any finite number, but a run cannot simulate 1e308 days.
_MAX_MEAN_DAYS = 36_500.0

#: The largest uniform ``numpy.random.Generator.random`` returns: the draw that
#: maps to a distribution's longest duration.
_LAST_UNIFORM = 1.0 - 2.0**-53

#: Years of calendar a run needs after its drain limit, for durations sampled late.
_CALENDAR_MARGIN_DAYS = 3650


def implausible(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Values every field accepts on its own but no run could simulate.

    Checked after validation, for files only: an extreme distribution whose
    draws are not finite numbers (a lognormal with sd 1e300), a mean beyond a
    century, a run that would go past the calendar's end in 9999.
    """
    problems = []
    for loc, dist in _distributions(scenario, ()):
        message = _distribution_problem(dist)
        if message is not None:
            problems.append((loc, message))
    run = scenario.run
    days = run.horizon_days + run.drain_limit_days + _CALENDAR_MARGIN_DAYS
    last = dt.date.max - run.start_date
    if days >= last.days:
        field = max(
            ("start_date", "horizon_days", "drain_limit_days"),
            key=lambda name: {
                "start_date": (run.start_date - dt.date(2000, 1, 1)).days,
                "horizon_days": run.horizon_days,
                "drain_limit_days": run.drain_limit_days,
            }[name],
        )
        problems.append(
            (
                ("run", field),
                f"the run (start_date {run.start_date.isoformat()}, horizon_days "
                f"{run.horizon_days:g} and drain_limit_days {run.drain_limit_days:g}, "
                f"plus {_CALENDAR_MARGIN_DAYS // 365} years) would go past 9999-12-31, "
                "where the calendar ends",
            )
        )
    return problems


def _distributions(node: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Yield ``(loc, distribution)`` for every distribution inside ``node``."""
    if isinstance(node, BaseModel):
        if callable(getattr(node, "quantile", None)):
            yield loc, node
            return
        for name, info in type(node).model_fields.items():
            yield from _distributions(getattr(node, name), (*loc, info.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _distributions(value, (*loc, key))
    elif isinstance(node, tuple | list):
        for index, value in enumerate(node):
            yield from _distributions(value, (*loc, index))


def _distribution_problem(dist: Any) -> str | None:
    """Say why no run could sample from ``dist``, or ``None`` if one can."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's overflow warnings: the result says it
            mean, variance = float(dist.mean), float(dist.variance)
            draws = [float(dist.quantile(u)) for u in (0.0, 0.5, _LAST_UNIFORM)]
    except Exception:  # noqa: BLE001 - whatever the sampler raises, it cannot sample
        # (overflow in gamma, an IndexError when weights sum to infinity, ...)
        mean, variance, draws = math.nan, math.nan, []
    if not all(math.isfinite(v) for v in (mean, variance, *draws)):
        return "parameters too extreme to sample from (draws would not be finite numbers)"
    if mean > _MAX_MEAN_DAYS:
        return f"mean of {mean:g} is more than a century ({_MAX_MEAN_DAYS:g} days)"
    return None
