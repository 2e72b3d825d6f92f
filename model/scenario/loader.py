"""Read scenario files: the only module that touches YAML and arrival CSVs.

A scenario file is YAML holding plain data (no Python tags). Reading it:

1. The file (a regular file, not a device) is decoded as UTF-8 (at most
   :data:`MAX_FILE_BYTES`) and parsed by libyaml (PyYAML's pure-Python parser
   if PyYAML lacks it); nodes are composed by PyYAML's composer with limits on
   depth and count, so deep nesting, recursive aliases and alias bombs stop
   with a line. Only plain-data tags are accepted, scalars are built by the safe
   constructor, every mapping key and sequence entry remembers its file and
   line, and duplicate keys are refused.
2. ``extends: base.yaml`` (relative to the extending file, chains allowed) is
   resolved by a deep merge: mappings merge key by key, anything else is
   replaced by the extending file's value. A mapping whose ``kind`` changes
   (a distribution or the arrivals) is replaced whole, because mixing the keys
   of two kinds can never validate.
3. ``arrivals: {kind: csv, path: signed.csv}`` becomes a ``schedule`` read from
   the CSV (columns ``date,type``; path relative to the file that names it).
4. The plain dict is validated by :class:`model.scenario.schema.Scenario`; each
   validation error becomes a :class:`~model.scenario.problems.Problem` with file, line,
   dotted field path, a plain message and, where possible, a suggestion.
5. Values that pass every field's own check but that no run could simulate (a
   distribution whose draws are not finite, a mean beyond a century, a run past
   the calendar's end in 9999) are refused the same way.

Everything that goes wrong is raised as :class:`~model.scenario.problems.ScenarioError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import os
import re
import stat
import types
import warnings
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from model.scenario.distributions import Fixed
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario

__all__ = ["MAX_FILE_BYTES", "Problem", "ScenarioError", "load_scenario", "read_scenario_data"]

#: Largest scenario or CSV file read; real scenarios are a few kilobytes, so
#: anything bigger is a mistake (or hostile) and would only exhaust memory.
MAX_FILE_BYTES = 5 * 1024 * 1024

# Aliases can make a small file expand exponentially ("billion laughs"); no real
# scenario comes near this many nodes (the bundled baseline has about 2,000), and
# composing this many takes about a second.
_MAX_NODES = 100_000

# Real scenarios nest about six levels deep (mechanisms.agents.staff_changes.0.date);
# a much deeper file is a mistake or an attack, and would otherwise end in a
# RecursionError inside PyYAML (or follow a recursive alias forever).
_MAX_DEPTH = 50

# Shown in CSV errors; a file full of bad rows should not produce a wall of text.
_MAX_CSV_PROBLEMS = 20

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _YAML_TAG + name for name in ("null", "bool", "int", "float", "str", "timestamp")
)
_SEQ_TAG = _YAML_TAG + "seq"
_MAP_TAG = _YAML_TAG + "map"
_MERGE_TAG = _YAML_TAG + "merge"
# A plain ``=`` or ``<<`` written as a value resolves to these tags; it is text.
_PLAIN_TEXT_TAGS = frozenset({_MERGE_TAG, _YAML_TAG + "value"})


class _TooBig(yaml.composer.ComposerError):
    """Composition stopped at :data:`_MAX_DEPTH` or :data:`_MAX_NODES`; ``problem`` says which."""


class _LimitedComposer(yaml.composer.Composer):
    """PyYAML's composer, refusing documents nested too deeply or with too many nodes.

    PyYAML composes recursively, so a file of ten thousand ``[`` would end in a
    RecursionError with no line; and a file just under the size limit made of
    tiny values would take minutes to compose. Both stop here, with a line.
    """

    def __init__(self) -> None:
        # Not super(): in _PyLoader the next class in line is SafeLoader.
        yaml.composer.Composer.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > _MAX_DEPTH:
                problem = f"values are nested more than {_MAX_DEPTH} levels deep"
            elif self._nodes > _MAX_NODES:
                problem = f"more than {_MAX_NODES} values; a scenario is far smaller"
            else:
                return super().compose_node(parent, index)
            raise _TooBig(None, None, problem, self.peek_event().start_mark)
        finally:
            self._depth -= 1


class _PyLoader(_LimitedComposer, yaml.SafeLoader):
    """The safe loader in pure Python (if PyYAML was built without libyaml)."""

    #: ``ReaderError.position`` counts characters.
    positions_in_bytes = False

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        _LimitedComposer.__init__(self)


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _CLoader(_LimitedComposer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser, ten times faster than PyYAML's, under the same composer.

        Composition (with its limits), tag resolution and the safe constructor are
        PyYAML's Python code, so the result is the same node tree as with
        :class:`_PyLoader`; only scanning and parsing are done in C.
        """

        #: ``ReaderError.position`` counts bytes of the UTF-8 text.
        positions_in_bytes = True

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _LimitedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _Loader: type[_CLoader] | type[_PyLoader] = _CLoader
else:  # pragma: no cover - PyYAML wheels ship libyaml
    _Loader = _PyLoader


@dataclass
class _Pos:
    """Where a value came from: its file, its line and the positions of its children.

    A mapping value's line is the line of its key, a sequence entry's the line
    where the entry starts.
    """

    file: str
    line: int | None
    children: dict[Any, _Pos] | list[_Pos] | None = field(default=None)

    def child(self, key: Any) -> _Pos | None:
        """Position of a child by key or index, or ``None``."""
        if isinstance(self.children, dict):
            return self.children.get(key)
        if (
            isinstance(self.children, list)
            and isinstance(key, int)
            and 0 <= key < len(self.children)
        ):
            return self.children[key]
        return None


# --------------------------------------------------------------------------- public


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The YAML scenario file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: The file cannot be read or parsed, or the scenario is
            invalid; every problem found is listed with file and line.

    """
    data, pos = _read_merged(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # ``from None``: the pydantic traceback is exactly the jargon this hides.
        raise ScenarioError(_translate(exc, data, pos)) from None
    problems = [_plain_problem(loc, message, data, pos) for loc, message in _implausible(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def read_scenario_data(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a scenario file into the plain dict that would be validated.

    ``extends`` is resolved and CSV arrivals are read, but nothing is validated.

    Args:
        path: The YAML scenario file.

    Returns:
        The merged data.

    Raises:
        ScenarioError: The file (or a file it extends or reads) cannot be read
            or parsed.

    """
    return _read_merged(path)[0]


# --------------------------------------------------------------------------- files


def _read_merged(path: str | os.PathLike[str]) -> tuple[dict[str, Any], _Pos]:
    display = os.fsdecode(os.fspath(path))
    data, pos = _read_with_extends(display, ())
    _convert_csv_arrivals(data, pos)
    _convert_csv_pipeline(data, pos)
    return data, pos


def _read_with_extends(
    display: str, chain: tuple[tuple[str, str], ...]
) -> tuple[dict[str, Any], _Pos]:
    """Read ``display`` and, recursively, the files it extends.

    Args:
        display: Path of the file, as shown in messages.
        chain: ``(real path, display path)`` of the files that extend this one,
            outermost first, to detect cycles.

    """
    data, pos = _read_yaml(display)
    if "extends" not in data:
        return data, pos
    parent = data.pop("extends")
    ext_pos = pos.children.pop("extends")  # type: ignore[union-attr]
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
    parent_real = os.path.realpath(parent_display)
    for index, (real, _) in enumerate(chain):
        if real == parent_real:
            loop = [name for _, name in chain[index:]] + [parent_display]
            raise ScenarioError.single(
                display, ext_pos.line, "extends", "extends cycle: " + " -> ".join(loop)
            )
    unreadable = _unreadable(parent, parent_display, "file")
    if unreadable is not None:
        raise ScenarioError.single(display, ext_pos.line, "extends", unreadable)
    base, base_pos = _read_with_extends(parent_display, chain)
    return _merge(base, base_pos, data, pos)


def _unreadable(named: str, resolved: str, what: str) -> str | None:
    """Say why the file a scenario names (``extends``, a CSV path) cannot be read.

    Args:
        named: The name as written in the scenario.
        resolved: That name resolved against the scenario's folder.
        what: ``"file"`` or ``"CSV file"``, for the message.

    Returns:
        The reason, or ``None`` if the name is a regular file.

    """
    if "\0" in named:
        return f"the {what} name contains a NUL character"
    try:
        mode = os.stat(resolved).st_mode
    except FileNotFoundError:
        return f"{what} not found: {named!r} (looked for {resolved})"
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"cannot open {what} {named!r} (looked for {resolved}): {reason}"
    if stat.S_ISDIR(mode):
        return f"{named!r} is a folder, not a {what} (looked for {resolved})"
    if not stat.S_ISREG(mode):
        return f"{named!r} is not a regular {what} (looked for {resolved})"
    return None


def _read_text(display: str) -> str:
    """Return the UTF-8 text of a file, refusing huge files and other encodings."""
    if "\0" in display:
        raise ScenarioError.single(
            display.replace("\0", "\\0"), None, "", "the file name contains a NUL character"
        )
    try:
        mode: int | None = os.stat(display).st_mode
    except OSError:
        mode = None  # opening it below says why
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)):
        # Reading /dev/tty would wait for typing, /dev/zero would never end.
        raise ScenarioError.single(display, None, "", "is a device, not a file")
    try:
        with open(display, "rb") as handle:
            # Read one byte past the limit rather than trusting stat(): pipes and
            # special files report no size.
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError.single(display, None, "", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError.single(display, None, "", "is a directory, not a file") from None
    except OSError as exc:
        raise ScenarioError.single(
            display, None, "", f"cannot read file: {exc.strerror or exc}"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError.single(
            display,
            None,
            "",
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refusing to read it",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(
            display,
            line,
            "",
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        ) from None
    # Editors on Windows like to prepend a byte-order mark; it carries no data.
    return text.removeprefix("\ufeff")


def _read_yaml(display: str) -> tuple[dict[str, Any], _Pos]:
    """Parse one YAML file into data and positions (no ``extends`` handling)."""
    text = _read_text(display)
    loader: Any = None
    try:
        # The constructor already scans the text for forbidden characters.
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError.single(
                display,
                None,
                "",
                "file is empty; a scenario is a mapping with departments, items, ...",
            )
        data, pos = _Builder(loader, display).build(node, node.start_mark.line + 1, ())
    except _TooBig as exc:
        raise ScenarioError.single(
            display,
            exc.problem_mark.line + 1 if exc.problem_mark is not None else None,
            "",
            str(exc.problem),
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_yaml_problem(display, exc)]) from None
    except yaml.reader.ReaderError as exc:
        if _Loader.positions_in_bytes:
            line = text.encode("utf-8")[: exc.position].count(b"\n") + 1
        else:
            line = text[: exc.position].count("\n") + 1
        character = (
            f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        )
        raise ScenarioError.single(
            display, line, "", f"character {character} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise ScenarioError.single(display, None, "", f"YAML error: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth limits come first
        reader_line = getattr(loader, "line", None)  # the pure-Python reader's position
        raise ScenarioError.single(
            display,
            reader_line + 1 if isinstance(reader_line, int) else None,
            "",
            "YAML is nested too deeply",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        raise ScenarioError.single(
            display,
            pos.line,
            "",
            f"the top level must be a mapping (key: value lines), not {_describe_value(data)}",
        )
    return data, pos


def _yaml_problem(display: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem, context = exc.problem, exc.context
    if problem and "maximum nesting depth" in problem:
        # libyaml's own limit, reached while scanning ahead of the composer's.
        return Problem(display, line, "", f"values are nested more than {_MAX_DEPTH} levels deep")
    where = ""
    if context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        where = f" at line {exc.context_mark.line + 1}"
    if problem and context and problem.startswith("but "):
        # PyYAML splits "expected X, but found Y" across context and problem.
        message = f"{context}{where}, {problem}"
    elif problem and context:
        message = f"{problem} ({context}{where})"
    else:
        message = problem or context or "invalid YAML"
    return Problem(display, line, "", f"YAML syntax error: {message}")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _Builder:
    """Turns a composed YAML node tree into plain data plus a :class:`_Pos` tree.

    Building from nodes (instead of letting PyYAML construct objects) is what
    keeps the line of every key; scalars are still converted by PyYAML's safe
    constructor, after the tag has been checked against a short allow-list.
    """

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.nodes = 0
        self.depth = 0
        #: Line (``None`` for a list entry) and path of the first alias on the
        #: way to the node being built, if any.
        self.alias_entry: tuple[int | None, tuple[Any, ...]] | None = None
        #: Line of every mapping and list built so far, by path.
        self.lines: dict[tuple[Any, ...], int] = {}

    def _fail(self, line: int, path: tuple[Any, ...], message: str) -> ScenarioError:
        return ScenarioError.single(self.file, line, _dotted(path), message)

    def _check_tag(
        self, node: yaml.Node, allowed: frozenset[str] | str, path: tuple[Any, ...]
    ) -> None:
        ok = node.tag in allowed if isinstance(allowed, frozenset) else node.tag == allowed
        if not ok:
            raise self._fail(
                node.start_mark.line + 1,
                path,
                f"YAML tag {_short_tag(node.tag)!r} is not allowed; "
                "scenario files hold plain data only",
            )

    def build(
        self, node: yaml.Node, line: int, path: tuple[Any, ...], referrer: yaml.Node | None = None
    ) -> tuple[Any, _Pos]:
        """Build the value of ``node``, whose key (or entry) is on ``line``.

        ``referrer`` is the key or sequence holding ``node``: a node that starts
        no later than its referrer was reached through an alias (an anchor is
        always written before its aliases). The limits below only bite through
        aliases, and are reported where the first alias on the way was used.
        """
        entered = self.alias_entry is None and (
            referrer is not None and node.start_mark.index <= referrer.start_mark.index
        )
        if entered:
            self.alias_entry = (line if isinstance(referrer, yaml.ScalarNode) else None, path)
        try:
            self.nodes += 1
            if self.nodes > _MAX_NODES:
                raise self._alias_fail(
                    line,
                    path,
                    f"more than {_MAX_NODES} values; do YAML aliases expand out of control?",
                )
            if self.depth >= _MAX_DEPTH:
                # Composition is depth-limited already; only aliases get here, e.g.
                # ``a: &a [*a]`` or ``a: &a {<<: *a}``, which would recurse forever.
                raise self._alias_fail(
                    line,
                    path,
                    f"values are nested more than {_MAX_DEPTH} levels deep; "
                    "does a YAML alias refer to itself?",
                )
            self.depth += 1
            try:
                return self._build(node, line, path)
            finally:
                self.depth -= 1
        finally:
            if entered:
                self.alias_entry = None

    def _alias_fail(self, line: int, path: tuple[Any, ...], message: str) -> ScenarioError:
        if self.alias_entry is not None:
            entry_line, path = self.alias_entry
            line = entry_line or self.lines.get(path[:-1], line)
        return self._fail(line, path, message)

    def _build(self, node: yaml.Node, line: int, path: tuple[Any, ...]) -> tuple[Any, _Pos]:
        if self.alias_entry is None and not isinstance(node, yaml.ScalarNode):
            self.lines[path] = line
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _PLAIN_TEXT_TAGS and not node.style:
                return node.value, _Pos(self.file, line)  # a plain ``=`` or ``<<`` is text
            self._check_tag(node, _SCALAR_TAGS, path)
            return self._scalar(node, path), _Pos(self.file, line)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _SEQ_TAG, path)
            values: list[Any] = []
            positions: list[_Pos] = []
            for index, item in enumerate(node.value):
                value, pos = self.build(item, item.start_mark.line + 1, (*path, index), node)
                values.append(value)
                positions.append(pos)
            return values, _Pos(self.file, line, positions)
        self._check_tag(node, _MAP_TAG, path)
        self._refuse_duplicates(node, path)
        # ``<<: *anchor`` merge keys: merged pairs come first and explicit keys
        # override them, as in PyYAML. They are built here rather than by PyYAML's
        # flatten_mapping so that every merged value counts against the limits.
        mapping, children = self._merged(node, path)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self._key(key_node, path)
            value, pos = self.build(
                value_node, key_node.start_mark.line + 1, (*path, key), key_node
            )
            mapping[key] = value
            children[key] = pos
        return mapping, _Pos(self.file, line, children)

    def _merged(
        self, node: yaml.MappingNode, path: tuple[Any, ...]
    ) -> tuple[dict[Any, Any], dict[Any, _Pos]]:
        """Build the pairs the ``<<`` key of ``node`` merges in (earlier sources win)."""
        mapping: dict[Any, Any] = {}
        children: dict[Any, _Pos] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            if isinstance(value_node, yaml.MappingNode):
                sources = [value_node]
            elif isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(source, yaml.MappingNode) for source in value_node.value
            ):
                sources = list(value_node.value)
            else:
                raise self._fail(
                    key_node.start_mark.line + 1,
                    path,
                    "'<<' merges a mapping or a list of mappings, e.g. <<: *defaults",
                )
            for source in sources:
                value, pos = self.build(source, source.start_mark.line + 1, path, key_node)
                for key, child in value.items():
                    if key not in mapping:
                        mapping[key] = child
                        children[key] = pos.child(key) or pos
        return mapping, children

    def _key(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self._fail(
                node.start_mark.line + 1, path, "a key must be a plain name, not a list or mapping"
            )
        if node.tag in _PLAIN_TEXT_TAGS and not node.style:
            return node.value
        self._check_tag(node, _SCALAR_TAGS, path)
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: tuple[Any, ...]) -> Any:
        # The safe constructor's scalar functions are called directly: going through
        # ``construct_object`` would cache the node, and after one failure (say a key
        # 2026-02-30, constructed twice) report it as an "unconstructable recursive node".
        constructor = self.loader.yaml_constructors[node.tag]
        try:
            return constructor(self.loader, node)
        except (ValueError, OverflowError, ArithmeticError) as exc:
            if node.tag == _YAML_TAG + "timestamp":
                # PyYAML recognises 2026-02-30 as a timestamp, then datetime rejects
                # it; passing the text on lets validation report it with the rest.
                return node.value
            reason = (
                "the number has too many digits"
                if "digits" in str(exc)
                else str(exc) or type(exc).__name__
            )
            raise self._fail(
                node.start_mark.line + 1,
                path,
                f"invalid value {_describe_value(node.value)}: {reason}",
            ) from None

    def _refuse_duplicates(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> None:
        # PyYAML silently keeps the last of duplicate keys, which hides typos
        # such as two ``EIA:`` items; the user must see them.
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = "<<" if key_node.tag == _MERGE_TAG else self._key(key_node, path)
            line = key_node.start_mark.line + 1
            first = seen.get(key)  # scalar keys of the allowed tags are all hashable
            if first is not None:
                raise self._fail(
                    line, (*path, key), f"duplicate key {key!r} (first defined on line {first})"
                )
            seen[key] = line


def _merge(
    base: dict[str, Any], base_pos: _Pos, over: dict[str, Any], over_pos: _Pos
) -> tuple[dict[str, Any], _Pos]:
    """Deep-merge ``over`` (the extending file) onto ``base``."""
    data = dict(base)
    children = dict(base_pos.children or {})  # type: ignore[arg-type]
    for key, value in over.items():
        pos = over_pos.child(key)
        assert pos is not None  # built together with ``over``
        old = data.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not _kind_changes(old, value):
            data[key], children[key] = _merge(old, children[key], value, pos)
        else:
            data[key], children[key] = value, pos
    return data, _Pos(over_pos.file, over_pos.line, children)


def _kind_changes(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return "kind" in old and "kind" in new and old["kind"] != new["kind"]


# --------------------------------------------------------------------------- CSV arrivals


def _convert_csv_arrivals(data: dict[str, Any], pos: _Pos) -> None:
    """Replace ``arrivals: {kind: csv, path: ...}`` by a schedule read from the CSV."""
    arrivals = data.get("arrivals")
    if not isinstance(arrivals, dict) or arrivals.get("kind") != "csv":
        return
    apos = pos.child("arrivals")
    assert apos is not None
    if "path" not in arrivals:
        raise ScenarioError.single(
            apos.file,
            apos.line,
            "arrivals.path",
            "required field is missing (the CSV file of signings)",
        )
    ppos = apos.child("path")
    assert ppos is not None
    relative = arrivals["path"]
    if not isinstance(relative, str) or not relative.strip():
        raise ScenarioError.single(ppos.file, ppos.line, "arrivals.path", "must name a CSV file")
    # Relative to the file that wrote ``path``, which may be a base scenario.
    csv_display = os.path.normpath(os.path.join(os.path.dirname(ppos.file), relative))
    unreadable = _unreadable(relative, csv_display, "CSV file")
    if unreadable is not None:
        raise ScenarioError.single(ppos.file, ppos.line, "arrivals.path", unreadable)
    projects, project_pos = _read_signings(csv_display)
    rest = {k: v for k, v in arrivals.items() if k not in ("kind", "path")}
    data["arrivals"] = {"kind": "schedule", "projects": projects, **rest}
    children: dict[Any, _Pos] = {
        "kind": apos.child("kind") or apos,
        "projects": _Pos(ppos.file, ppos.line, project_pos),
    }
    for key in rest:
        children[key] = apos.child(key) or apos
    pos.children["arrivals"] = _Pos(apos.file, apos.line, children)  # type: ignore[index]


def _convert_csv_pipeline(data: dict[str, Any], pos: _Pos) -> None:
    """Replace ``pipeline: {path: ...}`` by the projects in progress read from the CSV.

    Columns: ``name,type,signed,land_obtained,done,under_way``. ``done`` lists
    items separated by ``;``; ``under_way`` lists ``item@YYYY-MM-DD`` entries.
    """
    pipeline = data.get("pipeline")
    if not isinstance(pipeline, dict):
        return
    ppos = pos.child("pipeline")
    assert ppos is not None
    path_pos = ppos.child("path") or ppos
    relative = pipeline.get("path")
    extra = [k for k in pipeline if k not in ("path", "source")]
    if extra or not isinstance(relative, str) or not relative.strip():
        raise ScenarioError.single(
            ppos.file,
            ppos.line,
            "pipeline",
            "write the projects in progress as a list, or as {path: pipeline.csv}",
        )
    display = os.path.normpath(os.path.join(os.path.dirname(path_pos.file), relative))
    unreadable = _unreadable(relative, display, "CSV file")
    if unreadable is not None:
        raise ScenarioError.single(path_pos.file, path_pos.line, "pipeline.path", unreadable)
    reader = csv.DictReader(io.StringIO(_read_text(display), newline=""))
    missing = [c for c in ("name", "type", "signed") if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError.single(
            display,
            1,
            "",
            f"CSV header lacks {', '.join(missing)}; expected "
            "'name,type,signed,land_obtained,done,under_way'",
        )
    projects: list[dict[str, Any]] = []
    positions: list[_Pos] = []
    problems: list[Problem] = []
    for row in reader:
        line = reader.line_num
        prefix = f"pipeline.{len(projects)}"
        record: dict[str, Any] = {
            "name": (row.get("name") or "").strip(),
            "type": (row.get("type") or "").strip(),
        }
        for column in ("signed", "land_obtained"):
            text = (row.get(column) or "").strip()
            if text:
                date = _parse_date(text)
                if date is None:
                    problems.append(
                        Problem(
                            display,
                            line,
                            f"{prefix}.{column}",
                            f"not a date: {text!r}; write YYYY-MM-DD",
                        )
                    )
                record[column] = date
        record["done"] = [i.strip() for i in (row.get("done") or "").split(";") if i.strip()]
        under_way = []
        for entry in (row.get("under_way") or "").split(";"):
            if not entry.strip():
                continue
            item, _, since = entry.partition("@")
            date = _parse_date(since.strip())
            if date is None:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"{prefix}.under_way",
                        f"write {entry.strip()!r} as item@YYYY-MM-DD",
                    )
                )
                continue
            under_way.append({"item": item.strip(), "since": date})
        record["under_way"] = under_way
        projects.append(record)
        positions.append(_Pos(display, line, {k: _Pos(display, line) for k in record}))
    if problems:
        raise ScenarioError(problems[:_MAX_CSV_PROBLEMS])
    data["pipeline"] = projects
    pos.children["pipeline"] = _Pos(display, 1, positions)  # type: ignore[index]


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _read_signings(display: str) -> tuple[list[dict[str, Any]], list[_Pos]]:
    """Read ``date,type`` rows from a CSV file."""
    text = _read_text(display)
    reader = csv.reader(io.StringIO(text, newline=""))
    projects: list[dict[str, Any]] = []
    positions: list[_Pos] = []
    problems: list[Problem] = []
    rows = 0  # data rows seen, good or bad: the index each would have in ``projects``
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ScenarioError.single(
                display, 1, "", "CSV file has no header; expected a first line 'date,type'"
            )
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in ("date", "type") if column not in names]
        if missing:
            found = ", ".join(cell.strip() for cell in header)
            raise ScenarioError.single(
                display,
                reader.line_num,
                "",
                f"CSV header lacks column {' and '.join(repr(m) for m in missing)} "
                f"(found: {found}); expected 'date,type'",
                _closest(missing[0], [n for n in names if n not in ("date", "type")]),
            )
        date_col, type_col = names.index("date"), names.index("type")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines are harmless in a hand-edited list
            line = reader.line_num
            prefix = f"arrivals.projects.{rows}"
            rows += 1
            if len(row) <= max(date_col, type_col):
                problems.append(
                    Problem(
                        display,
                        line,
                        prefix,
                        f"row has {len(row)} column(s); expected date and type",
                    )
                )
                continue
            date_text, type_text = row[date_col].strip(), row[type_col].strip()
            date = _parse_date(date_text)
            if date is None:
                problems.append(
                    Problem(
                        display,
                        line,
                        f"{prefix}.date",
                        f"not a date: {date_text!r}; write dates as YYYY-MM-DD",
                    )
                )
            if not type_text:
                problems.append(Problem(display, line, f"{prefix}.type", "project type is empty"))
            if date is None or not type_text:
                continue
            projects.append({"date": date, "type": type_text})
            positions.append(
                _Pos(display, line, {"date": _Pos(display, line), "type": _Pos(display, line)})
            )
    except csv.Error as exc:
        raise ScenarioError.single(
            display, reader.line_num, "", f"CSV format error: {exc}"
        ) from None
    if problems:
        shown = problems[:_MAX_CSV_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(
                Problem(display, None, "", f"... and {len(problems) - len(shown)} more problems")
            )
        raise ScenarioError(shown)
    return projects, positions


# --------------------------------------------------------------------------- plausibility

#: Largest mean duration accepted, in days: a century. Each field's own range
#: check lets through any finite number, but a run cannot simulate 1e308 days.
_MAX_MEAN_DAYS = 36_500.0

#: The largest uniform ``numpy.random.Generator.random`` returns: the draw that
#: maps to a distribution's longest duration.
_LAST_UNIFORM = 1.0 - 2.0**-53

#: Years of calendar a run needs after its drain limit, for durations sampled late.
_CALENDAR_MARGIN_DAYS = 3650


def _implausible(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
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


def _distributions(node: Any, loc: tuple[Any, ...]) -> Any:
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


def _plain_problem(loc: tuple[Any, ...], message: str, data: dict[str, Any], pos: _Pos) -> Problem:
    located = _locate(loc, data, pos)
    return Problem(located.pos.file, located.pos.line, _dotted(located.parts), message)


# --------------------------------------------------------------------------- validation errors


@dataclass
class _Located:
    """A pydantic error ``loc`` resolved against the data and the schema."""

    parts: list[str]
    """Dotted-path components (discriminator tags dropped)."""
    pos: _Pos
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


def _translate(exc: ValidationError, data: dict[str, Any], pos: _Pos) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        located = _locate(tuple(error["loc"]), data, pos)
        problems.append(_problem(error, located, data))
    # Line order, so that a user can fix a file top to bottom.
    problems.sort(key=lambda p: (p.file, p.line or 0))
    return problems


def _locate(loc: tuple[Any, ...], data: Any, pos: _Pos) -> _Located:
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


def _closest(word: Any, candidates: list[Any]) -> str | None:
    """Return the candidate most like ``word``, if any is close enough."""
    if not isinstance(word, str):
        return None
    names = [c for c in candidates if isinstance(c, str) and c != word]
    for name in names:
        if name.lower() == word.lower():
            return name
    matches = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return matches[0] if matches else None


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


def _describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"


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
    got = f", got {_describe_value(value)}"

    if kind == "missing":
        message = _PLAIN[kind]
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(located.container)
        suggestion = _closest(parts[-1] if parts else None, allowed)
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
            suggestion = _closest(tag, list(tags))
        else:
            written = located.node if isinstance(located.node, dict) and located.exists else {}
            typo = next((k for k in written if _closest(k, ["kind"]) == "kind"), None)
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
        suggestion = _closest(value, [str(o) for o in options])
    elif kind in _PLAIN:
        message = _PLAIN[kind] + (got if _is_scalar(value) else f", got {_describe_value(value)}")
        if kind == "date_from_datetime_parsing" and ctx.get("error"):
            message += f" ({ctx['error']})"
    elif kind == "reference":
        message = error["msg"]
        match = _REFERENCE.match(message)
        if match:
            names = data.get(_REFERENCE_TARGET[match.group(1)])
            suggestion = _closest(value, list(names) if isinstance(names, dict) else [])
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
    return Problem(pos.file, pos.line, _dotted(parts), message, suggestion)


def _dotted(parts: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in parts)
