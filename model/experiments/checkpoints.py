"""Per-replication checkpoints: finished work survives Ctrl-C, SIGKILL and crashes.

A replication is a pure function of (scenario content, seed, replication
index, code), so its result can be saved under that key the moment it arrives
and reused by any later run that asks for the same key. Each result is one
pickle file under ``<out>/.checkpoints/``, written to a temporary name, flushed
to disk and renamed (``os.replace`` is atomic on POSIX and Windows), so a
killed process leaves either a complete file or none; stray temporary files are
ignored and removed. A file that cannot be read back is recomputed.

A *manifest* records what run the folder belongs to (command, scenario hashes,
seed, detail, code fingerprint). A folder is resumed only when its manifest
matches the run about to start, so leftovers of another run are never mixed in.

The files are pickles: read checkpoints only from folders you wrote yourself.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.files import TEMPORARY_SUFFIX, write_atomic

#: Folder (inside the results folder) that holds the checkpoints.
FOLDER = ".checkpoints"
MANIFEST = "manifest.json"
_SUFFIX = ".pkl"


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

    def load(self, key: str) -> Any | None:
        """The saved result for ``key``, or None when absent or unreadable."""
        path = self.path / (key + _SUFFIX)
        try:
            with path.open("rb") as handle:
                value = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a damaged file is recomputed, never fatal
            path.unlink(missing_ok=True)
            return None
        self.loaded += 1
        return value

    def save(self, key: str, value: Any) -> None:
        """Write ``value`` under ``key`` atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(
            self.path / (key + _SUFFIX), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        )
        self.saved += 1

    def keys(self) -> Iterator[str]:
        """Keys of the saved results, in name order."""
        if self.path.exists():
            for path in sorted(self.path.glob(f"*{_SUFFIX}")):
                yield path.stem
