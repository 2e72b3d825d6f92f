"""The settings two scenarios differ in, each with the ``source:`` that backs it.

Scenarios are compared after validation (``extends:`` resolved, CSV tables
read, defaults filled in), so a value written out in one file and left to its
default in the other is no difference, and a base changed through ``extends:``
shows the values that will actually be simulated.

A difference is a dotted path (``departments.发改局.staff``) with both values. A
distribution whose ``kind`` differs is one difference (``triangular(low=1, ...)
→ lognormal(mean=2, sd=1)``), not one per parameter; lists (stage items,
closures, signings) are compared whole. Names, descriptions, Chinese labels and
the ``source:`` notes themselves are not settings and are left out; the note
nearest to each setting (on the object that holds it, or the closest one
above, but not the scenario's own note, which is about the whole file) is
given alongside.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from model.scenario.schema import Scenario

__all__ = ["ABSENT", "DESCRIPTIVE", "Difference", "differences", "format_value"]

#: Keys that describe a scenario or an object but change nothing it simulates.
DESCRIPTIVE = frozenset({"name", "description", "source", "label_zh", "description_zh"})


class _Absent:
    """The value of a setting one scenario does not have (a department only the other has)."""

    def __repr__(self) -> str:
        return "ABSENT"


#: Marks a path that exists in only one of the two scenarios.
ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Difference:
    """One setting that differs.

    Attributes:
        path: Dotted path of the setting, e.g. ``items.filing.effort_wd``.
        a: Its value in the first scenario (:data:`ABSENT` if it has none).
        b: Its value in the second.
        source_a: The ``source:`` note nearest to it in the first scenario.
        source_b: The same in the second.

    """

    path: str
    a: Any
    b: Any
    source_a: str | None
    source_b: str | None


def differences(a: Scenario, b: Scenario) -> list[Difference]:
    """Every setting of ``a`` and ``b`` that differs, in the order of ``a``'s fields."""
    return list(_walk(_dump(a), _dump(b), "", None, None))


def _dump(scenario: Scenario) -> dict[str, Any]:
    # By alias: the names written in scenario files (a lognormal's ``mean``).
    return scenario.model_dump(mode="python", by_alias=True)


def _source(node: Mapping[str, Any], inherited: str | None) -> str | None:
    note = node.get("source")
    return " ".join(note.split()) if isinstance(note, str) and note.strip() else inherited


def _walk(
    a: Any, b: Any, path: str, source_a: str | None, source_b: str | None
) -> Iterator[Difference]:
    if isinstance(a, Mapping) and isinstance(b, Mapping) and a.get("kind") == b.get("kind"):
        if path:  # the scenario's own note is about the whole file, not each setting
            source_a, source_b = _source(a, source_a), _source(b, source_b)
        keys = list(a) + [k for k in b if k not in a]
        for key in keys:
            if key in DESCRIPTIVE:
                continue
            child = f"{path}.{key}" if path else str(key)
            yield from _walk(a.get(key, ABSENT), b.get(key, ABSENT), child, source_a, source_b)
        return
    if _same(a, b):
        return
    if isinstance(a, Mapping):
        source_a = _source(a, source_a)
    if isinstance(b, Mapping):
        source_b = _source(b, source_b)
    # A setting one scenario lacks has no note there.
    yield Difference(
        path, a, b, None if a is ABSENT else source_a, None if b is ABSENT else source_b
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a is b or (type(a) is type(b) or _numbers(a, b)) and a == b)


def _numbers(a: Any, b: Any) -> bool:
    """Both are numbers but not booleans (``2 == 2.0`` is no difference, ``1 == True`` is)."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))


def format_value(value: Any, width: int = 80) -> str:
    """A setting's value as a planner reads it, e.g. ``triangular(low=1, mode=2, high=4)``.

    Args:
        value: The value (as :meth:`Scenario.model_dump` gives it).
        width: Longest text; longer lists are summarised by their length.

    """
    text = _text(value)
    if len(text) > width and isinstance(value, list | tuple):
        text = f"[{len(value)} entries]"
    return text


def _text(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        # Empty lists and unset options say nothing about a new department or item.
        fields = [
            (k, v)
            for k, v in value.items()
            if k not in DESCRIPTIVE and k != "kind" and v is not None and v != [] and v != ()
        ]
        inner = ", ".join(f"{k}={_text(v)}" for k, v in fields)
        kind = value.get("kind")
        if kind == "fixed" and set(dict(fields)) == {"value"}:
            return _text(value["value"])
        return f"{kind}({inner})" if kind else "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)
