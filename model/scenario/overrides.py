"""Variants: a base scenario plus dotted-path overrides, each re-validated.

Every experiment that changes a scenario (sweeps, staffing searches,
sensitivity samples, attribution coalitions) goes through
:func:`apply_overrides`, so a typo in a path or a value out of range is caught
before anything runs and reported as a :class:`~model.scenario.problems.ScenarioError`
naming the path, never as a traceback or a silently added key.

Precedence is written once: overrides are applied in the order given, on top
of the base scenario's full (defaults included) content.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario


def parse_scalar(text: str) -> Any:
    """``"3"`` → 3, ``"0.5"`` → 0.5, ``"true"`` → True, ``"null"`` → None, else the text."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    for kind in (int, float):
        try:
            return kind(stripped)
        except ValueError:
            pass
    return stripped


#: Most values one sweep axis may take (``1..1000``).
MAX_AXIS_VALUES = 1000
#: Most variants a sweep's grid may have (the product of its axes' lengths).
MAX_VARIANTS = 1000


def parse_values(text: str) -> list[Any]:
    """Values of one sweep axis.

    ``1..6`` is 1, 2, ..., 6; ``0..1:0.25`` is 0, 0.25, ..., 1 (inclusive);
    ``0,2,4`` is a list; anything else is one value.

    Raises:
        ValueError: A range that is empty or has a non-positive step, or more
            than :data:`MAX_AXIS_VALUES` values.

    """
    text = text.strip()
    if ".." in text and "," not in text:
        bounds, _, step_text = text.partition(":")
        low_text, _, high_text = bounds.partition("..")
        low, high = parse_scalar(low_text), parse_scalar(high_text)
        step = parse_scalar(step_text) if step_text else 1
        numbers = all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in (low, high, step)
        )
        if not numbers:
            raise ValueError(f"{text!r}: a range needs numbers, like 1..6 or 0..1:0.25")
        if step <= 0 or high < low:
            raise ValueError(f"{text!r}: empty range (need low <= high and a positive step)")
        span = (high - low) / step
        if not math.isfinite(span) or span + 1 > MAX_AXIS_VALUES:
            raise ValueError(
                f"{text!r}: more than {MAX_AXIS_VALUES:,} values on one axis; "
                "use a coarser step, e.g. 1..100:10"
            )
        count = int(math.floor(span + 1e-9)) + 1
        values = [low + k * step for k in range(count)]
        if all(isinstance(x, int) for x in (low, high, step)):
            return [int(v) for v in values]
        return [round(v, 12) for v in values]
    parts = [part for part in text.split(",") if part.strip() != ""]
    if len(parts) > MAX_AXIS_VALUES:
        raise ValueError(f"more than {MAX_AXIS_VALUES:,} values on one axis")
    return [parse_scalar(part) for part in parts]


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """``"departments.D.staff=1..3"`` → ``("departments.D.staff", [1, 2, 3])``.

    Raises:
        ValueError: No ``=``, an empty path or no values.

    """
    path, sep, values = text.partition("=")
    if not sep or not path.strip():
        raise ValueError(f"{text!r}: expected PATH=VALUES, e.g. departments.发改局.staff=1..6")
    parsed = parse_values(values)
    if not parsed:
        raise ValueError(f"{text!r}: no values after '='")
    return path.strip(), parsed


def check_path(scenario: Scenario, path: str, origin: str = "override") -> None:
    """Refuse a path that names nothing in ``scenario`` (with a suggestion).

    Overrides may only change what exists: a misspelt department would
    otherwise be created as a new, unused one and the sweep would vary nothing.

    Raises:
        ScenarioError: The path or one of its parents does not exist.

    """
    node: Any = scenario.model_dump(mode="python")
    walked: list[str] = []
    for key in path.split("."):
        if not isinstance(node, dict):
            raise ScenarioError.single(
                origin, None, path, f"{'.'.join(walked) or path!r} is a value, not a section"
            )
        if key not in node:
            close = difflib.get_close_matches(key, [str(k) for k in node], n=1)
            where = ".".join(walked) or "the scenario"
            raise ScenarioError.single(
                origin,
                None,
                path,
                f"{key!r} is not in {where}; known: {', '.join(map(str, list(node)[:12]))}",
                ".".join([*walked, close[0]]) if close else None,
            )
        walked.append(key)
        node = node[key]


def apply_overrides(
    base: Scenario, overrides: Mapping[str, Any], origin: str = "override"
) -> Scenario:
    """A re-validated copy of ``base`` with ``overrides`` applied in order.

    Args:
        base: The scenario to start from (not changed).
        overrides: Dotted path → value.
        origin: Shown as the "file" of any error (e.g. ``--set`` or a coalition).

    Raises:
        ScenarioError: An unknown path, or a value the schema refuses.

    """
    for path in overrides:
        check_path(base, path, origin)
    try:
        return base.with_overrides(dict(overrides))
    except ValidationError as error:
        problems = [
            Problem(
                origin,
                None,
                ".".join(str(part) for part in e["loc"]),
                f"{e['msg']} (got {e.get('input')!r})",
            )
            for e in error.errors()
        ]
        raise ScenarioError(problems) from None
    except (KeyError, TypeError) as error:
        raise ScenarioError.single(origin, None, "", str(error)) from None


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (the last axis varies fastest).

    Raises:
        ValueError: The grid has more than :data:`MAX_VARIANTS` combinations.

    """
    paths = list(axes)
    size = math.prod(len(values) for values in axes.values())
    if size > MAX_VARIANTS:
        raise ValueError(
            f"the sweep has {size:,} variants ("
            + " x ".join(str(len(v)) for v in axes.values())
            + f"), more than {MAX_VARIANTS:,}; use fewer values or split it into several sweeps"
        )
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*axes.values())]


def label(overrides: Mapping[str, Any]) -> str:
    """A short text for a variant: ``staff=3, agents.count=2`` (last path parts)."""
    return ", ".join(f"{path.split('.')[-1]}={value}" for path, value in overrides.items())
