"""Writing results to disk: tables as CSV, Parquet or one Excel workbook, plus a JSON manifest.

Output paths are taken as given by the user; nothing in a scenario decides
where files go. An existing results folder is never overwritten unless asked,
except to finish the very run that was interrupted in it (see
:func:`prepare_output`).

Tables can come from memory (:class:`~model.experiments.batch.Results` with tables)
or be streamed from the per-replication checkpoints one replication at a
time, so writing a thousand replications needs the memory of one.

With ``xlsx`` a folder's tables are the sheets of one workbook, ``tables.xlsx``
(see :mod:`model.outputs.workbooks`); the read side below finds a table in
whichever form the folder holds it.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from model.analysis.metrics import scorecard
from model.experiments.batch import Comparison, ReplicationTables, Results
from model.experiments.checkpoints import CheckpointStore, replication_key
from model.files import atomic_path, write_atomic
from model.outputs.workbooks import WORKBOOK, Workbook, add_sheet, read_sheet
from model.scenario.schema import Scenario

TABLES: tuple[str, ...] = ("projects", "items", "resources", "summary", "events")
#: Tables that a slim (``keep_tables=False``) result can stream from checkpoints.
STREAMED: tuple[str, ...] = ("projects", "items", "events")
Format = Literal["csv", "parquet", "xlsx"]
#: The formats ``--format`` offers for result tables.
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
#: Tables kept out of an ``xlsx`` workbook, written as CSV beside it: a county-year's
#: event log has about a million rows per replication, past what a sheet holds (and
#: minutes to write); its readers are process-mining tools, not Excel.
BESIDE_WORKBOOK: tuple[str, ...] = ("events",)
#: Columns of the item table that the department scorecard reads.
SCORECARD_COLUMNS: tuple[str, ...] = ("department", "queued_day", "finished_day", "within_limit")


class OutputExistsError(Exception):
    """The results folder exists and overwriting was not allowed (or another run holds it)."""


#: File inside a results folder that a run holds locked while it writes there.
LOCK = ".lock"
#: Names inside a results folder that belong to the run itself, not to results.
INTERNAL = frozenset({".checkpoints", LOCK})


#: Folders this process holds locked (a notebook may prepare one folder twice).
_HELD: dict[str, int] = {}


def _lock(folder: Path) -> int:
    """Lock ``folder`` for this process (released by :func:`finish_output` or at exit).

    An advisory ``flock`` on POSIX; on Windows no lock is taken.

    Raises:
        OutputExistsError: Another process is writing into the folder.

    """
    key = os.path.realpath(folder)
    if key in _HELD:
        return _HELD[key]
    if sys.platform == "win32":
        return -1
    import fcntl

    path = folder / LOCK
    try:
        if path.is_symlink():
            path.unlink()
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise OutputExistsError(f"{folder}: cannot lock the folder: {error.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise OutputExistsError(
            f"{folder} is being written by another run right now; wait for it to finish "
            "or choose another --out"
        ) from None
    _HELD[key] = handle
    return handle


def _unlock(folder: Path, handle: int) -> None:
    if _HELD.pop(os.path.realpath(folder), None) is not None:
        (folder / LOCK).unlink(missing_ok=True)
        os.close(handle)


def _clear(folder: Path) -> None:
    """Remove everything in ``folder`` but its lock (``--force``: replaced whole)."""
    for entry in folder.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def inside(folder: Path, name: str) -> Path:
    """``folder / name`` for a results subfolder, refusing names that escape or collide.

    Raises:
        OutputExistsError: ``name`` is empty, has a path separator, names one of
            the run's own entries (``.checkpoints``) or is a symlink.

    """
    if not name or name in (".", "..") or "/" in name or os.sep in name or name in INTERNAL:
        raise OutputExistsError(f"{name!r} cannot be the name of a results subfolder")
    path = folder / name
    if path.is_symlink():
        raise OutputExistsError(f"{path} is a symbolic link; results are never written through one")
    return path


@dataclass(frozen=True)
class Output:
    """A results folder ready for a run.

    Attributes:
        folder: The folder.
        checkpoints: Its checkpoint store (the run saves replications there).
        resumed: Replications already saved by an interrupted run of the same
            command (0 for a fresh folder).

    """

    folder: Path
    checkpoints: CheckpointStore
    resumed: int
    lock: int = -1
    """Descriptor of the folder's lock file, held until :func:`finish_output` (or exit)."""


def prepare_output(
    path: str | os.PathLike[str], identity: dict[str, Any], overwrite: bool
) -> Output:
    """Open a results folder for the run described by ``identity``.

    * a missing or empty folder is created and the run starts fresh;
    * a folder holding checkpoints of *this* run (same command, scenarios,
      seed and code, as recorded in its checkpoint manifest) is resumed: what
      was finished is reused, nothing is asked;
    * any other non-empty folder is refused unless ``overwrite`` (``--force``),
      which discards its checkpoints.

    The folder is locked while the run writes it, so a second run into the same
    folder is refused at once; ``--force`` empties the folder whole (nothing of
    an earlier run is left to be mixed into a later report).

    Raises:
        OutputExistsError: The folder holds something else and ``overwrite`` is
            off, it is a file, or another run is writing into it.

    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(
            f"{folder} exists and is not a folder; choose another --out for the results"
        )
    folder.mkdir(parents=True, exist_ok=True)
    lock = _lock(folder)
    try:
        store = CheckpointStore(folder)
        if any(entry.name != LOCK for entry in folder.iterdir()):
            if store.matches(identity) and not overwrite:
                store.start(identity)
                return Output(folder, store, store.count(), lock)
            if not overwrite:
                detail = (
                    " (its checkpoints belong to a different run: other scenarios, seed, "
                    "command or version)"
                    if store.manifest() is not None
                    else ""
                )
                raise OutputExistsError(
                    f"{folder} already exists and is not empty{detail}; pass --force to "
                    "overwrite it or choose another --out"
                )
            _clear(folder)
        store.start(identity)
    except BaseException:
        _unlock(folder, lock)
        raise
    return Output(folder, store, 0, lock)


def finish_output(output: Output) -> None:
    """Delete the checkpoints once every final table is written, and unlock the folder."""
    output.checkpoints.remove()
    _unlock(output.folder, output.lock)


def write_table(table: pd.DataFrame, path: Path, fmt: Format) -> Path:
    """Write one table atomically (to a temporary name, then renamed).

    ``path`` is the folder and the table's name (``folder / "sweep"``); with
    ``xlsx`` the table becomes sheet ``sweep`` of the folder's workbook, and the
    workbook is returned.
    """
    if fmt == "xlsx":
        return add_sheet(path.parent / WORKBOOK, path.name, table)
    target = path.with_suffix(f".{fmt}")
    with atomic_path(target) as temporary:
        if fmt == "csv":
            table.to_csv(temporary, index=False)
        else:
            table.to_parquet(temporary, index=False)
    return target


def _parts(results: Results, source: CheckpointStore) -> Iterator[ReplicationTables]:
    """Each replication's full tables, read back from the checkpoints in order."""
    info: dict[str, Any] = dict(results.provenance)
    for r in range(int(info["replications"])):
        key = replication_key(
            str(info["scenario_hash"]), int(info["seed"]), r, str(info["checkpoint_detail"])
        )
        part = source.load(key, ReplicationTables)
        if not isinstance(part, ReplicationTables):
            raise FileNotFoundError(f"checkpoint {key} is missing from {source.path}")
        yield part


def write_streamed(frames: Iterator[pd.DataFrame], path: Path, fmt: Format) -> Path | None:
    """Write a table given as a sequence of pieces, holding one piece at a time.

    Returns the file written, or None when every piece was empty. The columns
    (and for Parquet the types) of the first non-empty piece are the table's.
    With ``xlsx`` the table is a sheet of the folder's workbook (see :class:`Tables`).
    """
    if fmt == "xlsx":  # a sheet among the workbook's others (write_results streams its own)
        present = [frame for frame in frames if not frame.empty]
        return add_sheet(path.parent / WORKBOOK, path.name, pd.concat(present)) if present else None
    pieces = (frame for frame in frames if not frame.empty)
    first = next(pieces, None)
    if first is None:
        return None
    target = path.with_suffix(f".{fmt}")
    with atomic_path(target) as temporary:
        _write_pieces(itertools.chain([first], pieces), temporary, fmt)
    return target


def _write_pieces(frames: Iterator[pd.DataFrame], path: Path, fmt: Format) -> None:
    """Append each piece to ``path``, in the columns of the first."""
    writer: Any = None
    columns: list[str] | None = None
    try:
        for frame in frames:
            if columns is None:
                columns = list(frame.columns)
            frame = frame.reindex(columns=columns)
            if fmt == "csv":
                frame.to_csv(path, index=False, mode="a" if writer else "w", header=not writer)
                writer = True
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                if writer is None:
                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    writer = pq.ParquetWriter(path, table.schema)
                else:
                    table = pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=False)
                writer.write_table(table)
    finally:
        if writer is not None and writer is not True:
            writer.close()


class Tables:
    """Where one folder's tables go: a file each (CSV, Parquet) or the sheets of one workbook.

    Use as a context manager; the workbook is saved when the block ends. With
    ``xlsx``, the tables of :data:`BESIDE_WORKBOOK` are CSV files beside it.

    Attributes:
        written: The files written, each once, in order.
        sheets: With ``xlsx``, the workbook's sheets in order.

    """

    def __init__(self, folder: Path, fmt: Format) -> None:
        self.folder = folder
        self.fmt = fmt
        self.written: list[Path] = []
        self._book: Workbook | None = None

    @property
    def sheets(self) -> list[str]:
        """The workbook's sheets so far (empty for CSV and Parquet)."""
        return list(self._book.sheets) if self._book is not None else []

    def __enter__(self) -> Tables:
        """Open the workbook, for ``xlsx``."""
        if self.fmt == "xlsx":
            self._book = Workbook(self.folder / WORKBOOK).__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        """Save the workbook (nothing is kept of a failed one)."""
        if self._book is not None:
            self._book.__exit__(kind, error, trace)

    def _wrote(self, path: Path) -> None:
        if path not in self.written:
            self.written.append(path)

    def table(self, name: str, table: pd.DataFrame) -> None:
        """Write a table held whole."""
        if self._book is None or name in BESIDE_WORKBOOK:
            fmt: Format = "csv" if self._book is not None else self.fmt
            self._wrote(write_table(table, self.folder / name, fmt))
        elif self._book.add(name, [table]):
            self._wrote(self._book.path)

    def streamed(self, name: str, frames: Iterator[pd.DataFrame]) -> None:
        """Write a table given piece by piece (nothing if every piece is empty)."""
        if self._book is None or name in BESIDE_WORKBOOK:
            fmt: Format = "csv" if self._book is not None else self.fmt
            path = write_streamed(frames, self.folder / name, fmt)
            if path is not None:
                self._wrote(path)
        elif self._book.add(name, frames):
            self._wrote(self._book.path)


def _with_replication(frame: pd.DataFrame | None, replication: int) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    frame = frame.assign(replication=replication)
    return frame[["replication", *[c for c in frame.columns if c != "replication"]]]


def write_results(
    results: Results, folder: Path, fmt: Format = "csv", source: CheckpointStore | None = None
) -> list[Path]:
    """Write every table of one scenario's results and its manifest into ``folder``.

    Args:
        results: The results.
        folder: Target folder (created).
        fmt: ``csv``, ``parquet`` or ``xlsx`` (one workbook, a sheet per table).
        source: Checkpoints to stream the project, item and event tables from,
            for results made with ``keep_tables=False``.

    """
    folder.mkdir(parents=True, exist_ok=True)
    # The scorecard needs every item; streamed items are kept in these columns only.
    scorecard_items: list[pd.DataFrame] = []
    with Tables(folder, fmt) as tables:
        for name in TABLES:
            if (
                source is not None
                and name in STREAMED
                and "checkpoint_detail" in results.provenance
            ):
                if name == "events" and results.provenance["checkpoint_detail"] != "events":
                    continue
                pieces: Iterator[pd.DataFrame] = (
                    _with_replication(getattr(part, name), part.replication)
                    for part in _parts(results, source)
                )
                if name == "items":
                    pieces = _kept(pieces, SCORECARD_COLUMNS, scorecard_items)
                tables.streamed(name, pieces)
            elif not getattr(results, name).empty:
                tables.table(name, getattr(results, name))
                if name == "items":
                    scorecard_items.append(results.items)
        tables.table("kpis", results.kpis())
        if scorecard_items:
            items = pd.concat(scorecard_items, ignore_index=True)
            tables.table("scorecard", scorecard(items, results.resources))
    written = tables.written
    # The validated scenario, so a report made later can list its sources.
    write_atomic(folder / "scenario.json", results.scenario.model_dump_json(indent=2))
    manifest = {
        **results.provenance,
        "notes": list(results.notes),
        "tables": [p.name for p in written],
        **({"sheets": tables.sheets} if fmt == "xlsx" else {}),
    }
    write_atomic(folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return written


def _kept(
    pieces: Iterator[pd.DataFrame], columns: Sequence[str], into: list[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    """Pass ``pieces`` through, keeping a copy of ``columns`` of each in ``into``."""
    for piece in pieces:
        if not piece.empty:
            into.append(piece[list(columns)])
        yield piece


def write_comparison(
    comparison: Comparison,
    folder: Path,
    fmt: Format = "csv",
    names: Sequence[str] | None = None,
    source: CheckpointStore | None = None,
) -> list[Path]:
    """Each scenario in a subfolder, plus the comparison tables at the top."""
    names = list(names or comparison.names)
    written: list[Path] = []
    for name, results in zip(names, comparison.results, strict=True):
        written += write_results(results, inside(folder, name), fmt, source)
    with Tables(folder, fmt) as tables:
        tables.table("comparison_kpis", comparison.kpis())
        if len(comparison.results) > 1:
            tables.table("comparison_differences", comparison.differences())
        if comparison.precision is not None:
            tables.table("comparison_precision", comparison.precision)
    return written + tables.written


# -- reading a results folder back ---------------------------------------------------
#
# The read side of the layout written above: a single run is a folder with
# ``manifest.json``, the tables (CSV or Parquet) and ``scenario.json``; a
# comparison is one such folder per scenario plus ``comparison_kpis`` at the
# top, whose scenario order (first = baseline) is kept; a sweep or an
# attribution leaves ``sweep`` (+ ``sweep_variants``) or ``attribution``
# (+ ``attribution_total``) at the top.


class ResultsFolderError(Exception):
    """A folder does not hold results that can be read back (a user error)."""


@dataclass
class StoredResults:
    """The stored results of one scenario, as read back from its folder."""

    label: str
    """The scenario's name (its folder's name when two runs share a name)."""
    folder: Path | None
    manifest: dict[str, Any]
    summary: pd.DataFrame
    projects: pd.DataFrame
    items: pd.DataFrame
    resources: pd.DataFrame
    events: pd.DataFrame | None = None
    scorecard: pd.DataFrame | None = None
    scenario: Scenario | None = None
    """The validated scenario, from ``scenario.json`` or given by the caller."""


@dataclass
class ResultsFolder:
    """Everything a results folder holds; the first scenario is the baseline."""

    folder: Path
    scenarios: list[StoredResults]
    sweep: pd.DataFrame | None = None
    sweep_variants: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    attribution_total: pd.DataFrame | None = None


def read_table(folder: Path, stem: str) -> pd.DataFrame | None:
    """``stem.parquet``, ``stem.csv`` or sheet ``stem`` of ``tables.xlsx``; None if none exists.

    Raises:
        ResultsFolderError: The file exists but is not a table (damaged or not ours).

    """
    parquet, csv, book = folder / f"{stem}.parquet", folder / f"{stem}.csv", folder / WORKBOOK
    path = next((p for p in (parquet, csv, book) if p.is_file()), None)
    try:
        if path == parquet:
            return pd.read_parquet(parquet)
        if path == csv:
            return pd.read_csv(csv)
        if path == book:
            return read_sheet(book, stem)
    except Exception as error:  # noqa: BLE001 - pandas, pyarrow and openpyxl raise many kinds
        raise ResultsFolderError(
            f"{path}: cannot be read as a table ({type(error).__name__}); the folder is "
            "damaged: write it again with the command that made it"
        ) from None
    return None


def _read_manifest(folder: Path) -> dict[str, Any]:
    """``folder/manifest.json`` as a mapping.

    Raises:
        ResultsFolderError: It is missing, unreadable or not a JSON mapping.

    """
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not valid JSON"
        raise ResultsFolderError(
            f"{path}: cannot be read ({reason}); the folder is damaged"
        ) from None
    if not isinstance(data, dict):
        raise ResultsFolderError(f"{path}: not a results manifest; the folder is damaged")
    return data


def check_complete(folder: Path) -> None:
    """Refuse a folder a run has not finished writing.

    Raises:
        ResultsFolderError: ``folder`` still holds the run's checkpoints (it was
            interrupted, or is being written right now).

    """
    if (folder / ".checkpoints").exists():
        raise ResultsFolderError(
            f"{folder} is incomplete: the run that writes it was interrupted or is still "
            "running (its .checkpoints are there). Run the same command again to finish it"
        )


def read_scenario(folder: Path) -> Scenario | None:
    """The validated scenario stored in ``folder/scenario.json``, or None.

    None also when the file no longer validates (e.g. written by another
    version): what reads it back can still show the tables.
    """
    path = folder / "scenario.json"
    if not path.is_file():
        return None
    try:
        return Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError):
        return None


def read_scenario_results(folder: Path, scenario: Scenario | None = None) -> StoredResults:
    """One scenario's folder: manifest, tables and (if not given) its stored scenario.

    Raises:
        ResultsFolderError: A required table is missing.

    """
    manifest = _read_manifest(folder)
    listed = manifest.get("tables", [])
    absent = [
        str(name)
        for name in (listed if isinstance(listed, list) else [])
        if not (folder / str(name)).is_file()
    ]
    if absent:
        raise ResultsFolderError(
            f"{folder} is incomplete: missing {', '.join(absent)} (listed in its manifest)"
        )
    tables = {
        name: read_table(folder, name) for name in ("summary", "projects", "items", "resources")
    }
    missing = [name for name, table in tables.items() if table is None]
    if missing:
        raise ResultsFolderError(f"{folder}: missing result tables: {', '.join(missing)}")
    return StoredResults(
        label=str(manifest.get("scenario") or folder.name),
        folder=folder,
        manifest=manifest,
        summary=tables["summary"],
        projects=tables["projects"],
        items=tables["items"],
        resources=tables["resources"],
        events=read_table(folder, "events"),
        scorecard=read_table(folder, "scorecard"),
        scenario=scenario or read_scenario(folder),
    )


def load_results(
    results_dir: str | os.PathLike[str], scenarios: Mapping[str, Scenario] | None = None
) -> ResultsFolder:
    """Read a results folder written by ``run`` or ``compare`` (and sweep/attribution tables).

    Args:
        results_dir: The folder given to ``--out``.
        scenarios: Validated scenarios by subfolder name (or scenario name), used
            instead of a stored ``scenario.json`` (``compare --report`` passes them).

    Raises:
        ResultsFolderError: The folder holds no results.

    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder} is not a folder of results")
    check_complete(folder)
    given = dict(scenarios or {})
    parts: list[StoredResults] = []
    if (folder / "manifest.json").is_file():
        scenario = given.get(folder.name) or (
            next(iter(given.values())) if len(given) == 1 else None
        )
        parts.append(read_scenario_results(folder, scenario))
    else:
        subfolders = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
        for sub in subfolders:
            part = read_scenario_results(sub)
            part.scenario = given.get(sub.name) or given.get(part.label) or part.scenario
            parts.append(part)
        order = read_table(folder, "comparison_kpis")
        if order is not None and "scenario" in order:
            rank = {name: k for k, name in enumerate(pd.unique(order["scenario"]))}
            parts.sort(
                key=lambda p: (rank.get(p.label, len(rank)), p.folder.name if p.folder else "")
            )
        labels = [p.label for p in parts]
        for part in parts:  # two runs of one scenario: tell them apart by folder
            if labels.count(part.label) > 1 and part.folder is not None:
                part.label = part.folder.name
    sweep = read_table(folder, "sweep")
    attribution = read_table(folder, "attribution")
    if not parts and sweep is None and attribution is None:
        raise ResultsFolderError(
            f"{folder} holds no results (no manifest.json here or in a subfolder); "
            "write some with 'approvalsim run ... --out' or 'approvalsim compare ... --out'"
        )
    return ResultsFolder(
        folder=folder,
        scenarios=parts,
        sweep=sweep,
        sweep_variants=read_table(folder, "sweep_variants"),
        attribution=attribution,
        attribution_total=read_table(folder, "attribution_total"),
    )
