"""Keys a scenario adds to the one it changes: new departments, items and project types.

A file that ``extends`` a base (or an override of a validated scenario) may add
a department, an item or a project type. A genuine addition is used by
something: a department owns items, an item is needed by a project type (or is
a prerequisite, or is named by the pipeline or a mechanism), a project type
receives arrivals. A key that is new *and* unused is almost always a misspelt
name of an existing one (``住建委: {staff: 3}`` for ``住建局``): it would create a
phantom that changes nothing while the intended department stays as it was,
so it is refused, with the closest existing name as a suggestion.

A new key that lacks the fields every new entry needs (``items.施工许可证:
{effort_wd: 5}`` has no department or stage) and is close to an existing name
is refused the same way, because it was clearly meant to change that one.

The functions work on plain data, before validation, so that both the loader
(:mod:`model.scenario.loader`) and :meth:`Scenario.with_overrides` can use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from model.scenario.problems import Problem, ScenarioError, closest

__all__ = [
    "REQUIRED",
    "SECTIONS",
    "Addition",
    "added_keys",
    "is_used",
    "refuse_unused_additions",
    "unused_additions",
]

#: The sections whose keys are names other parts of a scenario refer to.
SECTIONS = ("departments", "items", "project_types")

#: Fields every new entry of a section must give (no default in the schema).
REQUIRED: dict[str, tuple[str, ...]] = {
    "departments": ("staff",),
    "items": ("department", "stage"),
    "project_types": ("share", "items", "construction_days"),
}

_NOUN = {"departments": "department", "items": "item", "project_types": "project type"}


@dataclass(frozen=True)
class Addition:
    """A key of ``departments``, ``items`` or ``project_types`` that the base does not have.

    Attributes:
        section: ``departments``, ``items`` or ``project_types``.
        key: The new key.
        file: The file that adds it.
        line: Its line in ``file``.
        base: What it is not in, for the message (the base file's name).
        known: The section's keys in the base, for the suggestion.

    """

    section: str
    key: str
    file: str
    line: int | None
    base: str
    known: tuple[str, ...]


def added_keys(base: Mapping[str, Any], data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(section, key)`` of every key ``data`` has in a section and ``base`` does not."""
    added = []
    for section in SECTIONS:
        old, new = base.get(section), data.get(section)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            added += [(section, key) for key in new if key not in old]
    return added


def _named(value: Any) -> list[Any]:
    """The names in a list of names (anything else names nothing)."""
    return list(value) if isinstance(value, list | tuple) else []


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    """The mapping values of a mapping, or the mapping entries of a list."""
    if isinstance(value, Mapping):
        value = list(value.values())
    return [v for v in _named(value) if isinstance(v, Mapping)]


def is_used(data: Mapping[str, Any], section: str, key: str) -> bool:
    """Whether anything in ``data`` refers to ``key`` of ``section``.

    A department is used by an item it owns; an item by a project type that
    needs it, an item it is a prerequisite of, a pipeline record or the
    combined survey's ``removes``; a project type by a positive share of
    Poisson arrivals, a scheduled signing or a pipeline record.
    """
    items = _mappings(data.get("items"))
    types = _mappings(data.get("project_types"))
    pipeline = _mappings(data.get("pipeline"))
    if section == "departments":
        return any(item.get("department") == key for item in items)
    if section == "items":
        mechanisms = data.get("mechanisms")
        survey = mechanisms.get("combined_survey") if isinstance(mechanisms, Mapping) else None
        removes = survey.get("removes") if isinstance(survey, Mapping) else None
        under_way = [u.get("item") for p in pipeline for u in _mappings(p.get("under_way"))]
        return (
            any(key in _named(t.get("items")) for t in types)
            or any(key in _named(i.get("prerequisites")) for i in items)
            or any(key in _named(p.get("done")) for p in pipeline)
            or key in under_way
            or key in _named(removes)
        )
    entry = _entry(data, "project_types", key)
    share = entry.get("share") if isinstance(entry, Mapping) else None
    arrivals = data.get("arrivals")
    arrivals = arrivals if isinstance(arrivals, Mapping) else {}
    signed = [p.get("type") for p in _mappings(arrivals.get("projects"))]
    poisson = arrivals.get("kind", "poisson") == "poisson"
    positive = isinstance(share, int | float) and not isinstance(share, bool) and share > 0
    return (poisson and positive) or key in signed or any(p.get("type") == key for p in pipeline)


def _entry(data: Mapping[str, Any], section: str, key: str) -> Any:
    """``data[section][key]``, or None."""
    entries = data.get(section)
    return entries.get(key) if isinstance(entries, Mapping) else None


def _incomplete(data: Mapping[str, Any], section: str, key: str) -> list[str]:
    """The fields a new entry must have and ``data``'s entry lacks."""
    entry = _entry(data, section, key)
    if not isinstance(entry, Mapping):
        return []
    return [name for name in REQUIRED[section] if name not in entry]


def unused_additions(data: Mapping[str, Any], additions: Iterable[Addition]) -> list[Problem]:
    """A problem for each addition that nothing in ``data`` uses, or that is a clear misspelling.

    Args:
        data: The whole scenario's data (merged, tables read), not yet validated.
        additions: The keys added to the base.

    Returns:
        One problem per refused key, at the line that adds it, with the closest
        existing name as the suggestion.

    """
    problems = []
    for added in additions:
        noun = _NOUN[added.section]
        suggestion = closest(added.key, list(added.known))
        missing = _incomplete(data, added.section, added.key)
        if not is_used(data, added.section, added.key):
            why = {
                "departments": f"no item has department: {added.key}",
                "items": "no project type lists it in its items",
                "project_types": "no arrivals are of that type (no share, no signing)",
            }[added.section]
            why += ", so it would change nothing"
        elif missing and suggestion is not None:
            why = "it lacks " + ", ".join(missing) + f", which a new {noun} needs"
        else:
            continue
        fix = (
            f"write the existing {noun}'s name to change it"
            if suggestion is not None
            else f"to add a {noun}, also add what uses it; otherwise remove it"
        )
        problems.append(
            Problem(
                added.file,
                added.line,
                f"{added.section}.{added.key}",
                f"{noun} {added.key!r} is not in {added.base} and {why}; {fix}",
                suggestion,
            )
        )
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def refuse_unused_additions(
    base: Mapping[str, Any], data: Mapping[str, Any], origin: str = "override"
) -> None:
    """Raise if ``data`` adds an unused (or clearly misspelt) key to ``base``.

    For overrides of a validated scenario (``Scenario.with_overrides``): ``base``
    is the scenario's data before the overrides, ``data`` after.

    Raises:
        ScenarioError: One problem per refused key, "file" ``origin``.

    """
    additions = [
        Addition(section, key, origin, None, "the scenario", tuple(map(str, base[section])))
        for section, key in added_keys(base, data)
    ]
    problems = unused_additions(data, additions)
    if problems:
        raise ScenarioError(problems)
