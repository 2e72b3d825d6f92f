"""Result tables as one Excel workbook per results folder, a sheet per table.

``--format xlsx`` is for the county offices that open results in Excel. One
workbook (``tables.xlsx``) holds every table of a folder, so a results folder
is one file to open and to send, with the tables as named sheets. An ``.xlsx``
file is XML in UTF-8 by definition, so Chinese department, item and scenario
names open intact in any Excel; a CSV opened by double-click is read in the
machine's legacy code page (GBK on a Chinese Windows) and garbles them unless
it is imported by hand.

What Excel cannot hold is dealt with here rather than left to fail in Excel:

* a sheet has at most 1,048,576 rows: a longer table continues on
  ``<table>_2``, ``<table>_3``, ... (read back as one table);
* missing values (NaN) become empty cells;
* a text starting with ``=`` is stored as text, never as a formula (names come
  from scenario files), and control characters that XML cannot carry are
  dropped;
* times with a time zone are written as ISO 8601 text.

Workbooks are written in openpyxl's write-only mode, a sheet at a time and a
piece of a table at a time, so memory stays that of one piece; each is
written to a temporary file and renamed (:func:`model.files.atomic_path`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from model.files import atomic_path

__all__ = ["MAX_ROWS", "WORKBOOK", "Workbook", "add_sheet", "read_sheet", "sheet_names"]

#: The workbook of a results folder.
WORKBOOK = "tables.xlsx"
#: Rows of an Excel sheet, the header row included.
MAX_ROWS = 1_048_576
#: Characters that XML 1.0 cannot carry (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _continuation(name: str, part: int) -> str:
    """Sheet name of the ``part``-th sheet of a table (``events``, ``events_2``, ...)."""
    return name if part == 1 else f"{name}_{part}"


class Workbook:
    """A workbook written sheet after sheet; saved (atomically) when the block ends.

    Example::

        with Workbook(folder / WORKBOOK) as book:
            book.add("summary", [summary])
            book.add("items", pieces)      # an iterator of DataFrames

    Args:
        path: The workbook to write (replaced whole).

    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sheets: list[str] = []
        self._stack = ExitStack()
        self._book: Any = None
        self._temporary: Path | None = None

    def __enter__(self) -> Workbook:
        """Open the temporary file and an empty write-only workbook."""
        import openpyxl

        self._temporary = self._stack.enter_context(atomic_path(self.path))
        self._book = openpyxl.Workbook(write_only=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Save the workbook (at least one sheet: Excel refuses a book without any)."""
        try:
            if kind is None:
                if not self._book.worksheets:
                    self._book.create_sheet("empty")
                self._book.save(self._temporary)
        finally:
            self._stack.__exit__(kind, error, trace)

    def add(self, name: str, frames: Iterable[pd.DataFrame]) -> bool:
        """Write a table given in pieces as sheet ``name`` (and continuations).

        The first piece's columns are the table's. Returns whether anything was
        written: a table whose pieces are all empty gets no sheet.
        """
        columns: list[str] | None = None
        sheet: Any = None
        part, rows = 0, MAX_ROWS
        for frame in frames:
            if frame.empty:
                continue
            if columns is None:
                columns = [str(c) for c in frame.columns]
            frame = frame.reindex(columns=columns)
            for row, formula_like in _rows(frame):
                if rows >= MAX_ROWS:
                    part += 1
                    sheet = self._book.create_sheet(_continuation(name, part))
                    self.sheets.append(sheet.title)
                    sheet.append(columns)
                    rows = 1
                for k in formula_like:
                    row[k] = _text_cell(sheet, row[k])
                sheet.append(row)
                rows += 1
        return part > 0


def _text_cell(sheet: Any, text: str) -> Any:
    """A cell that holds ``text`` as text, even when it starts with ``=``."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # not a formula: names come from scenario files
    return cell


def _rows(frame: pd.DataFrame) -> Iterator[tuple[list[Any], list[int]]]:
    """Each row of ``frame`` as cell values Excel can hold, and where texts start with ``=``."""
    columns = []
    texts = []
    for k, name in enumerate(frame.columns):
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.map(lambda t: None if pd.isna(t) else t.isoformat())
        values = column.astype(object).where(column.notna(), None)
        columns.append(values.tolist())
        if values.map(lambda v: isinstance(v, str)).any():
            texts.append(k)
    for row in zip(*columns, strict=True):
        cells = list(row)
        formula_like = []
        for k in texts:
            value = cells[k]
            if isinstance(value, str):
                value = cells[k] = _ILLEGAL.sub("", value)
                if value.startswith("="):
                    formula_like.append(k)
        yield cells, formula_like


def add_sheet(path: Path, name: str, table: pd.DataFrame) -> Path:
    """Put ``table`` into the workbook at ``path`` as sheet ``name`` (replacing one so named).

    For the few small tables an experiment writes one by one (sweep, attribution,
    the comparison tables); the workbook is created if missing and rewritten whole.
    """
    import openpyxl

    old = openpyxl.load_workbook(path) if path.is_file() else None
    with Workbook(path) as book:
        if old is not None:
            for title in old.sheetnames:
                if title == name or _is_continuation(title, name) or title == "empty":
                    continue
                rows = old[title].iter_rows(values_only=True)
                header = next(rows, None)
                if header is not None:
                    book.add(title, [pd.DataFrame(list(rows), columns=list(header))])
        book.add(name, [table])
    return path


def _is_continuation(title: str, name: str) -> bool:
    return bool(re.fullmatch(re.escape(name) + r"_[0-9]+", title))


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_sheet(path: Path, name: str) -> pd.DataFrame | None:
    """Table ``name`` of the workbook (its continuation sheets appended), or None if absent."""
    titles = sheet_names(path)
    parts = []
    part = 1
    while _continuation(name, part) in titles:
        parts.append(pd.read_excel(path, sheet_name=_continuation(name, part), engine="openpyxl"))
        part += 1
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
