"""Errors raised when a scenario file cannot be read or does not validate.

A :class:`ScenarioError` carries every problem found, each pointing at a file,
a line and a dotted field path, so that a user can fix a scenario file without
reading a traceback or knowing that pydantic is underneath. Each problem prints
as one line, with control characters from the file escaped.

The helpers at the end word the parts of a problem the same way wherever it is
found (YAML, CSV tables, validation): a dotted field path, a value as the user
wrote it, and a "did you mean" suggestion.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Control, format and line-separator characters: a key written "\e[2J" in a
# double-quoted YAML string would clear the terminal, a "\n" would split one
# problem over two lines, U+202E would reverse the text that follows.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _printable(text: str) -> str:
    """Escape the characters of ``text`` that a terminal would act on instead of show."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _UNPRINTABLE
        else char
        for char in text
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes:
        file: The file the problem is in, as the user named it (or as reached
            through ``extends`` / a CSV path).
        line: 1-based line in ``file``, or ``None`` when no line applies
            (a missing file, a file too large).
        field: Dotted path of the offending field, e.g. ``items.EIA.department``;
            empty when the problem concerns the file as a whole.
        message: Plain-language description of the problem.
        suggestion: The likely intended value or key, if one is close enough.

    """

    file: str
    line: int | None
    field: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        if self.suggestion is not None:
            text += f" (did you mean {self.suggestion!r}?)"
        return _printable(text)


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason found.

    Args:
        problems: The problems, in the order they should be shown.

    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Problem]]]:
        # The default pickling passes ``args`` (the message) back to __init__,
        # which expects problems; errors cross process boundaries in parallel runs.
        return (type(self), (self.problems,))

    @classmethod
    def single(
        cls,
        file: str,
        line: int | None,
        field: str,
        message: str,
        suggestion: str | None = None,
    ) -> ScenarioError:
        """Build an error with one problem.

        Args:
            file: File the problem is in.
            line: 1-based line, or ``None``.
            field: Dotted field path, or ``""``.
            message: Plain-language description.
            suggestion: Likely intended value, if any.

        Returns:
            The error, ready to raise.

        """
        return cls([Problem(file, line, field, message, suggestion)])


def dotted(parts: Iterable[Any]) -> str:
    """Join field-path components into a dotted path such as ``items.EIA.department``."""
    return ".".join(str(p) for p in parts)


def describe_value(value: Any) -> str:
    """Describe a value the user wrote, briefly, for a message (``got ...``)."""
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


def closest(word: Any, candidates: list[Any]) -> str | None:
    """Return the candidate most like ``word``, if any is close enough.

    A candidate differing only in case wins; otherwise the closest by
    :func:`difflib.get_close_matches` (cutoff 0.6). Non-text words and
    candidates, and ``word`` itself, are never suggested.
    """
    if not isinstance(word, str):
        return None
    names = [c for c in candidates if isinstance(c, str) and c != word]
    for name in names:
        if name.lower() == word.lower():
            return name
    matches = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return matches[0] if matches else None
