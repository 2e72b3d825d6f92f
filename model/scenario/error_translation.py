"""Turn pydantic's validation errors into problems a scenario's author can act on.

Each error's ``loc`` is followed through the data, its positions and the schema
at once: the problem gets the file and line where the offending value (or the
nearest enclosing one that exists) was written, the dotted field path as the
user wrote it (discriminator tags dropped, keys as written), a plain message
instead of pydantic's wording and, where one is close enough, a suggestion
("did you mean"): a misspelt key, a kind, a referenced name.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from model.scenario.distributions import Fixed
from model.scenario.positions import Position
from model.scenario.problems import Problem, closest, describe_value, dotted
from model.scenario.schema import Scenario

__all__ = ["locate_problem", "translate"]


def translate(exc: ValidationError, data: dict[str, Any], pos: Position) -> list[Problem]:
    """Turn every error of a failed validation into a located, plainly worded problem.

    Args:
        exc: The error raised by validating ``data`` as a :class:`Scenario`.
        data: The data that was validated.
        pos: The positions of ``data``.

    Returns:
        One problem per error, in file and line order, so that a user can fix
        a file top to bottom.

    """
    problems = []
    for error in exc.errors(include_url=False):
        located = _locate(tuple(error["loc"]), data, pos)
        problems.append(_problem(error, located, data))
    # Line order, so that a user can fix a file top to bottom.
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return problems


def locate_problem(
    loc: tuple[Any, ...], message: str, data: dict[str, Any], pos: Position
) -> Problem:
    """Place a problem found in the validated scenario at the file and line of its field.

    Args:
        loc: The field's path, as in a pydantic error's ``loc``.
        message: What is wrong, in plain words.
        data: The data the scenario was validated from.
        pos: The positions of ``data``.

    Returns:
        The problem, with the file, line and dotted path as the user wrote them.

    """
    located = _locate(loc, data, pos)
    return Problem(located.pos.file, located.pos.line, dotted(located.parts), message)


@dataclass
class _Located:
    """A pydantic error ``loc`` resolved against the data and the schema."""

    parts: list[str]
    """Dotted-path components (discriminator tags dropped)."""
    pos: Position
    """Position of the deepest node of ``loc`` that exists in the data."""
    node: Any
    """That node's value."""
    exists: bool
    """Whether the whole ``loc`` exists in the data."""
    container: Any
    """Schema type that holds the last element of ``loc`` (a model class for fields)."""
    target: Any
    """Schema type at the full ``loc``, or ``None`` if unknown."""
    bad_key: bool = False
    """The error is about a mapping key itself (pydantic's ``[key]``)."""


def _locate(loc: tuple[Any, ...], data: Any, pos: Position) -> _Located:
    schema: Any = Scenario
    container: Any = None
    node, node_pos = data, pos
    parts: list[str] = []
    exists = True
    bad_key = False
    for element in loc:
        if element == "[key]":
            bad_key = True
            break
        member = _member_for_tag(schema, element)
        if member is not None:
            # Discriminated unions put the tag (``triangular``) into ``loc``;
            # it is not a key of the data.
            schema = member
            continue
        container, schema = schema, _child_schema(schema, element)
        if exists:
            if isinstance(node, dict):
                element = _written_key(node, element)
            child_pos = node_pos.child(element)
            if isinstance(node, dict | list) and child_pos is not None:
                node, node_pos = node[element], child_pos
                parts.append(_part(element))
                continue
            if not isinstance(node, dict | list):
                # A bare number written for a distribution is expanded by a
                # validator to ``{kind: fixed, value: n}``; the user wrote the number.
                break
            exists = False
        parts.append(str(element))
    return _Located(parts, node_pos, node, exists, container, schema, bad_key)


def _written_key(mapping: dict[Any, Any], element: Any) -> Any:
    """Return the key of ``mapping`` that pydantic reports as ``element``.

    Pydantic turns keys that are not text into text (``None`` into ``'None'``,
    ``1.5`` into ``'1.5'``, a date into its repr, ``true`` into ``1``) in an
    error's ``loc``; this finds the key as written.
    """
    if isinstance(element, str) and element in mapping:
        return element
    for key in mapping:
        if not isinstance(key, str) and (
            key == element or str(key) == str(element) or repr(key) == element
        ):
            return key
    return element


def _part(key: Any) -> str:
    """One component of a dotted field path: a name, a list index or a key as written."""
    if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
        return str(key)
    return _key_text(key)


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` from a type."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        members = _union_args(tp)
        if members is not None and len(members) == 1:
            tp = members[0]
            continue
        return tp


def _union_args(tp: Any) -> list[Any] | None:
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if a is not type(None)]
    return None


def _models(tp: Any) -> list[type[BaseModel]]:
    """Return the model classes of a union type (empty if ``tp`` is not one)."""
    members = _union_args(_unwrap(tp)) or []
    return [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    kind = model.model_fields.get("kind")
    if kind is None or get_origin(kind.annotation) is not Literal:
        return ()
    return get_args(kind.annotation)


def _member_for_tag(tp: Any, element: Any) -> type[BaseModel] | None:
    if not isinstance(element, str):
        return None
    for model in _models(tp):
        if element in _tags(model):
            return model
    return None


def _field(model: type[BaseModel], key: Any) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _child_schema(tp: Any, element: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = _field(tp, element)
        return None if info is None else info.annotation
    origin = get_origin(tp)
    if origin is dict:
        return get_args(tp)[1]
    if origin in (list, tuple):
        args = get_args(tp)
        return args[0] if args else None
    return None


def _allowed_keys(tp: Any) -> list[str]:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [info.alias or name for name, info in tp.model_fields.items()]
    return []


def _kind_from_keys(tp: Any, written: dict[Any, Any]) -> str | None:
    """Return the one ``kind`` whose fields fit keys written without a ``kind``, if any.

    ``{low: 1, mode: 2, high: 4}`` can only be a triangular distribution.
    """
    keys = {k for k in written if k != "source"}
    if not keys:
        return None
    fits: list[str] = []
    for model in _models(tp):
        allowed = set(_allowed_keys(model))
        required = {
            info.alias or name
            for name, info in model.model_fields.items()
            if info.is_required() and name != "kind"
        }
        if keys <= allowed and required <= keys:
            fits.extend(str(tag) for tag in _tags(model))
    return fits[0] if len(fits) == 1 else None


def _key_text(value: Any) -> str:
    """Write a key as it would be written in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dt.date)


# Reference messages from model.scenario.schema: "unknown <what> 'x'; known: ...".
_REFERENCE = re.compile(r"^unknown (department|prerequisite|item|project type) ")
_REFERENCE_TARGET = {
    "department": "departments",
    "prerequisite": "items",
    "item": "items",
    "project type": "project_types",
}

_PLAIN = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown key",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "finite_number": "must be a finite number",
    "date_type": "expected a date written YYYY-MM-DD",
    "date_parsing": "expected a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "expected a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "expected a date without a time of day",
}

_MAPPING_TYPES = frozenset({"model_type", "model_attributes_type", "dict_type"})


def _problem(error: Any, located: _Located, data: dict[str, Any]) -> Problem:
    kind: str = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    parts, pos = list(located.parts), located.pos
    suggestion: str | None = None
    got = f", got {describe_value(value)}"

    if kind == "missing":
        message = _PLAIN[kind]
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(located.container)
        suggestion = closest(parts[-1] if parts else None, allowed)
        message = "unknown key"
        if suggestion is None and allowed:
            message += "; allowed keys: " + ", ".join(allowed)
    elif kind == "string_type" and located.bad_key:
        message = f"name {_key_text(value)} must be text; put it in quotes"
    elif kind == "invalid_key":
        # A key that is not text (``1:``, ``true:``, ``~:``) where field names belong.
        allowed = _allowed_keys(located.container)
        message = "unknown key"
        if allowed:
            message += "; allowed keys: " + ", ".join(allowed)
    elif kind in _MAPPING_TYPES:
        if Fixed in _models(located.target):
            message = (
                "expected a number or a distribution such as "
                "{kind: triangular, low: 1, mode: 2, high: 4}"
            )
        else:
            message = "expected a mapping of keys and values"
        message += got
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = [t for m in _models(located.target) for t in _tags(m)]
        listed = ", ".join(repr(t) for t in tags)
        if isinstance(located.node, dict) and "kind" in located.node and located.exists:
            pos = located.pos.child("kind") or pos
        parts.append("kind")
        if kind == "union_tag_invalid":
            tag = ctx.get("tag")
            message = f"unknown kind {tag!r}; expected one of {listed}"
            suggestion = closest(tag, list(tags))
        else:
            written = located.node if isinstance(located.node, dict) and located.exists else {}
            typo = next((k for k in written if closest(k, ["kind"]) == "kind"), None)
            if typo is not None:
                # ``knid: triangular``: the key is misspelt, not missing.
                pos = located.pos.child(typo) or pos
                parts[-1] = _part(typo)
                message, suggestion = "unknown key", "kind"
            else:
                message = f"required field is missing (one of {listed})"
                suggestion = _kind_from_keys(located.target, written)
    elif kind == "literal_error":
        options = (
            get_args(_unwrap(located.target))
            if get_origin(_unwrap(located.target)) is Literal
            else ()
        )
        message = f"must be one of {ctx.get('expected', ', '.join(map(repr, options)))}{got}"
        suggestion = closest(value, [str(o) for o in options])
    elif kind in _PLAIN:
        message = _PLAIN[kind] + (got if _is_scalar(value) else f", got {describe_value(value)}")
        if kind == "date_from_datetime_parsing" and ctx.get("error"):
            message += f" ({ctx['error']})"
    elif kind == "reference":
        message = error["msg"]
        match = _REFERENCE.match(message)
        if match:
            names = data.get(_REFERENCE_TARGET[match.group(1)])
            suggestion = closest(value, list(names) if isinstance(names, dict) else [])
            if suggestion is not None:
                # The suggestion replaces the (possibly long) list of known names.
                message = message.split("; known")[0]
    else:
        message = str(error["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        message = re.sub(r"^Input should be\b", "must be", message)
        if kind in (
            "greater_than",
            "greater_than_equal",
            "less_than",
            "less_than_equal",
        ) and _is_scalar(value):
            message += got
    return Problem(pos.file, pos.line, dotted(parts), message, suggestion)
