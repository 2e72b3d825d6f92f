"""``extends:``: a scenario file written as changes to another.

``extends: base.yaml`` (relative to the extending file, chains allowed) is
resolved by a deep merge: mappings merge key by key, anything else is replaced
by the extending file's value. A mapping whose ``kind`` changes (a distribution
or the arrivals) is replaced whole, because mixing the keys of two kinds can
never validate. Positions are merged alongside the data, so every value keeps
the file and line that wrote it.

The keys an extending file adds to the base's ``departments``, ``items`` and
``project_types`` are recorded as :class:`~model.scenario.additions.Addition`
records (file, line, what they are not in), so that the loader can refuse those
that nothing uses: a misspelt department name would otherwise add a phantom
department and leave the intended one unchanged.
"""

from __future__ import annotations

import os
from typing import Any

from model.scenario.additions import Addition, added_keys
from model.scenario.files import why_unreadable
from model.scenario.positions import Position
from model.scenario.problems import ScenarioError
from model.scenario.yaml_reader import read_yaml

__all__ = ["MAX_EXTENDS_DEPTH", "read_with_additions", "read_with_extends"]

#: Longest chain of ``extends`` followed (a real one is two or three files long).
MAX_EXTENDS_DEPTH = 32


def read_with_extends(display: str) -> tuple[dict[str, Any], Position]:
    """Read a scenario file and, recursively, the files it extends, merged.

    Args:
        display: Path of the file, as shown in messages.

    Returns:
        The merged data (without the ``extends`` key) and its positions.

    Raises:
        ScenarioError: A file cannot be read or parsed, ``extends`` names no
            readable file, or the chain of ``extends`` loops.

    """
    data, pos, _ = read_with_additions(display)
    return data, pos


def read_with_additions(display: str) -> tuple[dict[str, Any], Position, list[Addition]]:
    """Like :func:`read_with_extends`, and the keys each file adds to its base.

    Returns:
        The merged data, its positions, and every key of ``departments``,
        ``items`` or ``project_types`` that a file of the chain adds to the
        file it extends (outermost file last).

    """
    additions: list[Addition] = []
    data, pos = _read_chain(display, (), additions)
    return data, pos, additions


def _read_chain(
    display: str, chain: tuple[tuple[str, str], ...], additions: list[Addition]
) -> tuple[dict[str, Any], Position]:
    """Read ``display`` and, recursively, the files it extends.

    Args:
        display: Path of the file, as shown in messages.
        chain: ``(real path, display path)`` of the files that extend this one,
            outermost first, to detect cycles.
        additions: Where to record the keys each file adds to its base.

    """
    data, pos = read_yaml(display)
    if "extends" not in data:
        return data, pos
    parent = data.pop("extends")
    ext_pos = pos.mapping().pop("extends")
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError.single(
            display,
            ext_pos.line,
            "extends",
            "must name the scenario file to extend, e.g. base.yaml",
        )
    if "\0" in parent:
        raise ScenarioError.single(
            display, ext_pos.line, "extends", "the file name contains a NUL character"
        )
    parent_display = os.path.normpath(os.path.join(os.path.dirname(display), parent))
    here = (os.path.realpath(display), display)
    chain = (*chain, here)
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError.single(
            display,
            ext_pos.line,
            "extends",
            f"more than {MAX_EXTENDS_DEPTH} files in the chain of 'extends' starting at "
            f"{chain[0][1]}; a scenario extends a base, which may extend another, not dozens",
        )
    parent_real = os.path.realpath(parent_display)
    for index, (real, _) in enumerate(chain):
        if real == parent_real:
            loop = [name for _, name in chain[index:]] + [parent_display]
            raise ScenarioError.single(
                display, ext_pos.line, "extends", "extends cycle: " + " -> ".join(loop)
            )
    unreadable = why_unreadable(parent, parent_display, "file")
    if unreadable is not None:
        raise ScenarioError.single(display, ext_pos.line, "extends", unreadable)
    base, base_pos = _read_chain(parent_display, chain, additions)
    for section, key in added_keys(base, data):
        if not isinstance(key, str):
            continue  # not a name; the schema refuses it
        section_pos = pos.child(section)
        key_pos = section_pos.child(key) if section_pos is not None else None
        additions.append(
            Addition(
                section,
                key,
                display,
                key_pos.line if key_pos is not None else None,
                parent_display,
                tuple(str(k) for k in base[section]),
            )
        )
    return _merge(base, base_pos, data, pos)


def _merge(
    base: dict[str, Any], base_pos: Position, over: dict[str, Any], over_pos: Position
) -> tuple[dict[str, Any], Position]:
    """Deep-merge ``over`` (the extending file) onto ``base``."""
    data = dict(base)
    children = dict(base_pos.mapping())
    for key, value in over.items():
        pos = over_pos.child(key)
        assert pos is not None  # built together with ``over``
        old = data.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not _kind_changes(old, value):
            data[key], children[key] = _merge(old, children[key], value, pos)
        else:
            data[key], children[key] = value, pos
    return data, Position(over_pos.file, over_pos.line, children)


def _kind_changes(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return "kind" in old and "kind" in new and old["kind"] != new["kind"]
