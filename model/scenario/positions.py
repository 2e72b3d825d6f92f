"""Where each value of a scenario's data was written: its file and its line.

The YAML reader builds a :class:`Position` tree alongside the plain data, the
``extends`` merge and the CSV tables keep it in step with the data they
change, and the error translation walks it to put a file and a line on every
problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Position:
    """Where a value came from: its file, its line and the positions of its children.

    A mapping value's line is the line of its key, a sequence entry's the line
    where the entry starts.

    Attributes:
        file: The file the value was written in, as shown in messages.
        line: 1-based line, or ``None`` when no line applies.
        children: The positions of a mapping's values by key, of a list's
            entries by index, or ``None`` for a scalar.

    """

    file: str
    line: int | None
    children: dict[Any, Position] | list[Position] | None = field(default=None)

    def child(self, key: Any) -> Position | None:
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

    def mapping(self) -> dict[Any, Position]:
        """The positions of a mapping's values, by key, to read or change in place.

        Raises:
            TypeError: This is the position of a list or a scalar.

        """
        if not isinstance(self.children, dict):
            raise TypeError(f"{self.file}:{self.line} is not the position of a mapping")
        return self.children
