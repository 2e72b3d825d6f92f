"""The baselines a user can pick: the scenario files the server was started with, and uploads.

A baseline is named by a key that a form can carry: a bundled file's stem
(``parallel``) or ``upload-<id>`` for a file uploaded on the page. An upload is
saved in the server's own folder beside copies of the bundled files, so that an
uploaded ``extends: baseline-serial.yaml`` finds its base, and it is read by the
same loader as any scenario file: a broken upload gets the command line's
messages (file, line, field, "did you mean").
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from model.scenario.files import MAX_FILE_BYTES
from model.scenario.loader import load_scenario
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario
from model.web.forms import file_name

#: Uploads kept; the oldest is forgotten first.
MAX_UPLOADS = 50


@dataclass(frozen=True)
class Baseline:
    """A scenario file that can be the baseline of a what-if run.

    Attributes:
        key: How forms name it (``parallel``, ``upload-1f3a...``).
        path: The file.
        scenario: The file, validated.
        uploaded: Whether a user uploaded it.

    """

    key: str
    path: Path
    scenario: Scenario
    uploaded: bool = False


class Library:
    """The bundled baselines and the uploaded ones.

    Args:
        files: Scenario files offered as baselines (the first is the default).
        folder: The server's own folder for uploads.

    Raises:
        ScenarioError: A given file is not a valid scenario (said before the server starts).

    """

    def __init__(self, files: Sequence[Path], folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self.bundled: dict[str, Baseline] = {}
        for path in files:
            key = self._unique(path.stem)
            self.bundled[key] = Baseline(key, path, load_scenario(path))
        self._uploads: OrderedDict[str, Baseline] = OrderedDict()

    def _unique(self, stem: str) -> str:
        key, count = stem, 1
        while key in self.bundled:
            count += 1
            key = f"{stem}-{count}"
        return key

    @property
    def default(self) -> Baseline | None:
        """The first bundled baseline, if any."""
        return next(iter(self.bundled.values()), None)

    def get(self, key: str) -> Baseline | None:
        """The baseline named ``key``, or None."""
        with self._lock:
            return self.bundled.get(key) or self._uploads.get(key)

    def upload(self, name: str, content: bytes) -> Baseline:
        """Save and validate an uploaded scenario file.

        Raises:
            ScenarioError: The file is too large, not UTF-8, not YAML or not a
                valid scenario; the problems name the uploaded file.

        """
        target_name = file_name(Path(name).stem or "upload")
        if len(content) > MAX_FILE_BYTES:
            raise ScenarioError.single(
                target_name,
                None,
                "",
                f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; refusing to read it",
            )
        key = f"upload-{secrets.token_hex(6)}"
        folder = self.folder / key
        folder.mkdir(parents=True)
        # Beside copies of the bundled files and their neighbours (which they may
        # extend), so that an upload's ``extends: baseline-serial.yaml`` resolves.
        for neighbour in self._neighbours():
            shutil.copyfile(neighbour, folder / neighbour.name)
        path = folder / target_name
        path.write_bytes(content)
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise ScenarioError([_renamed(p, str(folder) + "/") for p in error.problems]) from None
        baseline = Baseline(key, path, scenario, uploaded=True)
        with self._lock:
            self._uploads[key] = baseline
            while len(self._uploads) > MAX_UPLOADS:
                _, old = self._uploads.popitem(last=False)
                shutil.rmtree(old.path.parent, ignore_errors=True)
        return baseline

    def _neighbours(self) -> list[Path]:
        """The bundled files and the scenario files beside them (one of each name)."""
        found: dict[str, Path] = {}
        for folder in dict.fromkeys(b.path.parent for b in self.bundled.values()):
            for path in sorted(folder.glob("*.yaml")):
                if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
                    found.setdefault(path.name, path)
        for baseline in self.bundled.values():
            found[baseline.path.name] = baseline.path
        return list(found.values())

    def choices(self) -> list[Baseline]:
        """Every baseline, bundled first, then uploads (newest last)."""
        with self._lock:
            return [*self.bundled.values(), *self._uploads.values()]


def _renamed(problem: Problem, prefix: str) -> Problem:
    """``problem`` with its file shown without the server's folder."""
    if problem.file.startswith(prefix):
        return dataclasses.replace(problem, file=problem.file.removeprefix(prefix))
    return problem
