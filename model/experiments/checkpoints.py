"""Per-replication checkpoints: finished work survives Ctrl-C, SIGKILL and crashes.

A replication is a pure function of (scenario content, seed, replication
index, code), so its result can be saved under that key the moment it arrives
and reused by any later run that asks for the same key. Each result is one
file under ``<out>/.checkpoints/``, written to a temporary name, flushed to
disk and renamed (``os.replace`` is atomic on POSIX and Windows), so a killed
process leaves either a complete file or none; stray temporary files are
ignored and removed. A file that cannot be read back is recomputed.

A checkpoint holds data only, never code: it is a zip archive of one Parquet
file per table and one JSON file (``fields.json``) for the small fields, and
it is read back into the dataclass the caller names. Nothing in a results
folder is unpickled, so a file planted there can at worst hold wrong numbers
(as a planted CSV could), never run anything.

A *manifest* records what run the folder belongs to (command, scenario hashes,
seed, detail, code fingerprint). A folder is resumed only when its manifest
matches the run about to start, so leftovers of another run are never mixed in.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import io
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from model.files import TEMPORARY_SUFFIX, atomic_path, write_atomic

#: Folder (inside the results folder) that holds the checkpoints.
FOLDER = ".checkpoints"
MANIFEST = "manifest.json"
_SUFFIX = ".zip"
#: Member of a checkpoint holding its fields other than tables.
_FIELDS = "fields.json"
#: Largest checkpoint read back (a replication's tables are a few megabytes).
MAX_CHECKPOINT_BYTES = 2 * 1024**3

T = TypeVar("T")


class CheckpointFormatError(ValueError):
    """A checkpoint file does not hold what a checkpoint holds."""


def encode(value: Any) -> bytes:
    """A dataclass instance as a checkpoint: Parquet per DataFrame field, JSON for the rest."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise TypeError(f"a checkpoint holds a dataclass instance, not {type(value).__name__}")
    fields: dict[str, Any] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for spec in dataclasses.fields(value):
            item = getattr(value, spec.name)
            if isinstance(item, pd.DataFrame):
                table = io.BytesIO()
                item.to_parquet(table, index=None)  # a RangeIndex as metadata, others as columns
                archive.writestr(f"{spec.name}.parquet", table.getvalue())
            else:
                fields[spec.name] = item
        archive.writestr(_FIELDS, json.dumps(fields, default=_plain, allow_nan=True))
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """JSON for numpy scalars (``summary`` values may be ``numpy.float64``)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be stored in a checkpoint")


def decode(raw: bytes, kind: type[T]) -> T:
    """The ``kind`` instance encoded in ``raw`` by :func:`encode`.

    Raises:
        CheckpointFormatError: ``raw`` is not such a checkpoint.

    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            fields = json.loads(archive.read(_FIELDS))
            if not isinstance(fields, dict):
                raise CheckpointFormatError("fields.json is not a mapping")
            values: dict[str, Any] = {}
            for spec in dataclasses.fields(kind):  # type: ignore[arg-type]
                member = f"{spec.name}.parquet"
                if member in names:
                    values[spec.name] = pd.read_parquet(io.BytesIO(archive.read(member)))
                elif spec.name in fields:
                    item = fields[spec.name]
                    values[spec.name] = tuple(item) if isinstance(item, list) else item
                else:
                    raise CheckpointFormatError(f"no field {spec.name!r}")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CheckpointFormatError(str(error)) from None
    try:
        return kind(**values)
    except TypeError as error:
        raise CheckpointFormatError(str(error)) from None


#: Modules whose code decides what a replication returns; their imports within
#: ``model`` are followed, so a module added underneath is covered too.
RESULT_ROOTS: tuple[str, ...] = ("experiments.batch", "simulation.replication", "analysis.metrics")


def _model_imports(source: str) -> set[str]:
    """Dotted names (below ``model``) of the modules and packages a source imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "model":
                continue
            prefix = ".".join(parts[1:])
            if prefix:
                found.add(prefix)
            # ``from model.pkg import module`` may name a module, not an attribute.
            found.update(f"{prefix}.{a.name}".lstrip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "model" and len(parts) > 1:
                    found.add(".".join(parts[1:]))
    return found


def _source_file(package: Path, name: str) -> Path | None:
    """The file of module or package ``model.<name>``, if there is one."""
    base = package.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the source of every module that a replication's result depends on.

    Results depend on the code as much as on the scenario; a checkpoint written
    by other code must not be resumed, even at the same version number. Only
    the simulation's import closure counts, so editing the CLI or the report
    does not invalidate finished replications.
    """
    package = Path(__file__).resolve().parents[1]
    files: dict[str, Path] = {}
    todo = list(RESULT_ROOTS)
    while todo:
        name = todo.pop()
        path = _source_file(package, name)
        if name in files or path is None:
            continue
        files[name] = path
        todo.extend(_model_imports(path.read_text(encoding="utf-8")))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(files[name].read_bytes())
    return digest.hexdigest()[:16]


def replication_key(scenario_hash: str, seed: int, replication: int, detail: str) -> str:
    """The file stem of one replication's checkpoint."""
    return f"{scenario_hash}-{seed}-{replication:06d}-{detail}"


class CheckpointStore:
    """Atomic, per-replication result files in ``folder / .checkpoints``.

    Args:
        folder: The results folder (``--out``); checkpoints go in a subfolder.

    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.root = Path(folder)
        self.path = self.root / FOLDER
        self.loaded = 0
        """Replications read back instead of computed, since this object was made."""
        self.saved = 0
        """Replications computed and written, since this object was made."""

    # -- manifest ---------------------------------------------------------------

    def manifest(self) -> dict[str, Any] | None:
        """The recorded run identity, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def open(self) -> None:
        """Prepare the folder for use; discard checkpoints written by other code.

        Keys carry the scenario hash, seed and replication but not the code, so
        results of an older version of the model must go before any is reused.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        for stray in self.path.glob(f"*{TEMPORARY_SUFFIX}"):
            stray.unlink(missing_ok=True)
        recorded = self.manifest()
        if recorded is not None and recorded.get("code") != code_fingerprint():
            for stale in self.path.glob(f"*{_SUFFIX}"):
                stale.unlink(missing_ok=True)
            recorded = None
        if recorded is None:
            self._write_manifest({})

    def _write_manifest(self, identity: dict[str, Any]) -> None:
        data = {**identity, "code": code_fingerprint()}
        write_atomic(self.path / MANIFEST, json.dumps(data, indent=2, sort_keys=True).encode())

    def start(self, identity: dict[str, Any]) -> None:
        """Create the folder and record which run it belongs to (atomically)."""
        self.path.mkdir(parents=True, exist_ok=True)
        for stray in self.path.glob(f"*{TEMPORARY_SUFFIX}"):
            stray.unlink(missing_ok=True)
        self._write_manifest(identity)

    def matches(self, identity: dict[str, Any]) -> bool:
        """Whether the folder holds checkpoints of this very run (same code too)."""
        recorded = self.manifest()
        return recorded is not None and recorded == {**identity, "code": code_fingerprint()}

    def count(self) -> int:
        """Replications saved so far."""
        return sum(1 for _ in self.path.glob(f"*{_SUFFIX}")) if self.path.exists() else 0

    def remove(self) -> None:
        """Delete every checkpoint (after the final tables are written)."""
        shutil.rmtree(self.path, ignore_errors=True)

    # -- results ----------------------------------------------------------------

    def load(self, key: str, kind: type[T]) -> T | None:
        """The saved ``kind`` for ``key``, or None when absent or unreadable.

        Only a regular file of at most :data:`MAX_CHECKPOINT_BYTES` is read (a
        planted symlink, FIFO or device is ignored and removed).
        """
        path = self.path / (key + _SUFFIX)
        try:
            # O_NONBLOCK: a planted FIFO must not block the open; O_NOFOLLOW: nor a link.
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError:  # a symlink (ELOOP), or unreadable
            path.unlink(missing_ok=True)
            return None
        try:
            with os.fdopen(handle, "rb") as stream:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CHECKPOINT_BYTES:
                    raise CheckpointFormatError("not a regular file of a sensible size")
                value = decode(stream.read(info.st_size + 1), kind)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a damaged file is recomputed, never fatal
            path.unlink(missing_ok=True)
            return None
        self.loaded += 1
        return value

    def save(self, key: str, value: Any) -> None:
        """Write ``value`` (a dataclass of tables and plain fields) under ``key`` atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path / (key + _SUFFIX)) as temporary:
            temporary.write_bytes(encode(value))
        self.saved += 1

    def keys(self) -> Iterator[str]:
        """Keys of the saved results, in name order."""
        if self.path.exists():
            for path in sorted(self.path.glob(f"*{_SUFFIX}")):
                yield path.stem
