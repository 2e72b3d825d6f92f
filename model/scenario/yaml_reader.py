"""Read one YAML file as plain data, remembering the line of every value.

A scenario file is YAML holding plain data (no Python tags). The file's text
(see :func:`model.scenario.files.read_text`) is parsed by libyaml (PyYAML's
pure-Python parser if PyYAML lacks it); nodes are composed by PyYAML's composer
with limits on depth and count, so deep nesting, recursive aliases and alias
bombs stop with a line. Only plain-data tags are accepted, scalars are built by
the safe constructor, every mapping key and sequence entry remembers its file
and line (a :class:`~model.scenario.positions.Position`), and duplicate keys
are refused.

``extends:`` is not handled here (see :mod:`model.scenario.extends`); every
problem is raised as a :class:`~model.scenario.problems.ScenarioError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from model.scenario.files import read_text
from model.scenario.positions import Position
from model.scenario.problems import Problem, ScenarioError, describe_value, dotted

__all__ = ["read_yaml"]

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
    """Composition stopped at :data:`_MAX_DEPTH` or :data:`_MAX_NODES`; ``problem`` says which.

    ``line`` (1-based, or ``None``) is where the refused node starts. It is kept
    as a number because libyaml's marks are not the marks PyYAML's errors take.
    """

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(None, None, problem, None)
        self.line = line


class _LimitedComposer(yaml.composer.Composer):
    """PyYAML's composer, refusing documents nested too deeply or with too many nodes.

    PyYAML composes recursively, so a file of ten thousand ``[`` would end in a
    RecursionError with no line; and a file just under the size limit made of
    tiny values would take minutes to compose. Both stop here, with a line.
    """

    if TYPE_CHECKING:
        # Supplied by the parser this composer is mixed with (PyYAML's or libyaml's).
        def peek_event(self) -> yaml.Event | None: ...

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
            event = self.peek_event()  # the event of the node refused
            mark = event.start_mark if event is not None else None
            raise _TooBig(problem, mark.line + 1 if mark is not None else None)
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
    from yaml._yaml import CParser  # what yaml.cyaml's own loaders are built on

    class _CLoader(_LimitedComposer, CParser, SafeConstructor, Resolver):
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


def read_yaml(display: str) -> tuple[dict[str, Any], Position]:
    """Parse one YAML file into plain data and the position of every value.

    ``extends`` is left in the data as written (see :mod:`model.scenario.extends`).

    Args:
        display: Path of the file, as shown in messages.

    Returns:
        The top-level mapping and its positions.

    Raises:
        ScenarioError: The file cannot be read, is not valid YAML, uses a tag
            other than plain data, repeats a key, is too deep or too big, or
            its top level is not a mapping.

    """
    text = read_text(display)
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
        raise ScenarioError.single(display, exc.line, "", str(exc.problem)) from None
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
            # Only the kind of value: the file may be any file an ``extends`` named
            # (/etc/passwd reads as one long string), and its text is not ours to show.
            f"the top level must be a mapping (key: value lines), not {_kind(data)}; "
            "is this a scenario file?",
        )
    return data, pos


def _kind(value: Any) -> str:
    """What kind of value ``value`` is, without quoting it."""
    if value is None:
        return "an empty file"
    if isinstance(value, str):
        return "a line of text"
    if isinstance(value, list):
        return "a list"
    return "a single value"


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
    """Turns a composed YAML node tree into plain data plus a :class:`Position` tree.

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
        return ScenarioError.single(self.file, line, dotted(path), message)

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
    ) -> tuple[Any, Position]:
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

    def _build(self, node: yaml.Node, line: int, path: tuple[Any, ...]) -> tuple[Any, Position]:
        if self.alias_entry is None and not isinstance(node, yaml.ScalarNode):
            self.lines[path] = line
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _PLAIN_TEXT_TAGS and not node.style:
                return node.value, Position(self.file, line)  # a plain ``=`` or ``<<`` is text
            self._check_tag(node, _SCALAR_TAGS, path)
            return self._scalar(node, path), Position(self.file, line)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _SEQ_TAG, path)
            values: list[Any] = []
            positions: list[Position] = []
            for index, item in enumerate(node.value):
                value, pos = self.build(item, item.start_mark.line + 1, (*path, index), node)
                values.append(value)
                positions.append(pos)
            return values, Position(self.file, line, positions)
        assert isinstance(node, yaml.MappingNode)  # the only other kind of node
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
        return mapping, Position(self.file, line, children)

    def _merged(
        self, node: yaml.MappingNode, path: tuple[Any, ...]
    ) -> tuple[dict[Any, Any], dict[Any, Position]]:
        """Build the pairs the ``<<`` key of ``node`` merges in (earlier sources win)."""
        mapping: dict[Any, Any] = {}
        children: dict[Any, Position] = {}
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
                f"invalid value {describe_value(node.value)}: {reason}",
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
