"""The command line on bad input: exit status 2, a located message, never a traceback.

``python -m model validate`` and ``python -m model run`` are run as real
subprocesses (so an uncaught exception would show as a traceback on stderr and
status 1), on scenario files broken in the ways a hand-edited file breaks, on
paths that are not scenario files, and with bad arguments. The processes of one
test run in parallel: each pays the start-up of Python, numpy and pandas.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINIMAL_FILE = ROOT / "tests" / "data" / "loader" / "minimal.yaml"
MINIMAL = MINIMAL_FILE.read_text(encoding="utf-8")
USER_ERROR = 2


@dataclass(frozen=True)
class Done:
    """A finished command."""

    args: tuple[str, ...]
    status: int
    stdout: str
    stderr: str


def run_all(commands: list[list[str]], cwd: Path) -> list[Done]:
    """Run ``python -m model ARGS`` for each ``ARGS`` in parallel; wait for all."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    env.pop("PYTHONWARNINGS", None)
    processes = [
        (
            args,
            subprocess.Popen(
                [sys.executable, "-m", "model", *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
            ),
        )
        for args in commands
    ]
    done = []
    for args, process in processes:
        try:
            stdout, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"{args} did not finish: {stderr}") from None
        done.append(Done(tuple(args), process.returncode, stdout, stderr))
    return done


def assert_user_error(done: Done, *fragments: str) -> None:
    """Status 2, no traceback, and every fragment on stderr."""
    assert "Traceback" not in done.stderr, done
    assert done.status == USER_ERROR, done
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done)


def edited(old: str, new: str) -> str:
    """Return the minimal scenario with exactly one occurrence of ``old`` replaced."""
    assert MINIMAL.count(old) == 1, old
    return MINIMAL.replace(old, new)


# name -> (file content, line, field, a word of the message); lines refer to the
# file as written (minimal.yaml has 26 lines).
BAD_FILES: dict[str, tuple[str | bytes, int, str, str]] = {
    "typo": (
        edited("    staff: 3\n", "    stafff: 3\n"),
        5,
        "departments.住建局.stafff",
        "did you mean 'staff'",
    ),
    "wrong-type": (
        edited("    staff: 3\n", '    staff: "many"\n'),
        5,
        "departments.住建局.staff",
        "whole number",
    ),
    "negative": (
        edited("    effort_wd: 2\n", "    effort_wd: -2\n"),
        17,
        "items.施工许可.effort_wd",
        "greater than or equal to 0",
    ),
    "nan": (
        edited("rate_per_year: 24", "rate_per_year: .nan"),
        26,
        "arrivals.rate_per_year",
        "finite",
    ),
    "probability": (
        edited("    stage: 1\n", "    stage: 1\n    deficiency_probability: 1.5\n"),
        13,
        "items.EIA.deficiency_probability",
        "less than or equal to 1",
    ),
    "shares": (
        edited("    share: 1\n", "    share: 0.7\n"),
        21,
        "project_types.industrial.share",
        "sum to 0.7",
    ),
    "cycle": (
        edited("    stage: 1\n", "    stage: 1\n    prerequisites: [施工许可]\n").replace(
            "    stage: 3\n", "    stage: 1\n"
        ),
        13,
        "items.EIA.prerequisites",
        "cycle",
    ),
    "dangling": (
        edited("    prerequisites: [EIA]\n", "    prerequisites: [EIB]\n"),
        18,
        "items.施工许可.prerequisites.0",
        "did you mean 'EIA'",
    ),
    "no-staff": (
        edited("    staff: 3\n", "    staff: 0\n"),
        5,
        "departments.住建局.staff",
        "no staff",
    ),
    "python-tag": (
        MINIMAL + 'source: !!python/object/apply:os.system ["touch pwned"]\n',
        27,
        "source",
        "not allowed",
    ),
    "gbk": ("name: x\n".encode() + "description: 投资项目\n".encode("gbk"), 2, "", "UTF-8"),
    "syntax": ("name: x\ndepartments:\n  a: {staff: 1\nitems: {}\n", 4, "", "YAML syntax error"),
    # A million values from two lines; stopped in a1, whichever entry hits the limit.
    "alias-bomb": (
        "a0: &a0 [" + ",".join(["x"] * 1000) + "]\na1: [" + ",".join(["*a0"] * 1000) + "]\n",
        2,
        "a1.",
        "aliases",
    ),
    "deep": ("source: " + "[" * 5000 + "]" * 5000 + "\n", 1, "", "nested"),
    "extreme-lognormal": (
        edited(
            "    effort_wd: 2\n",
            "    effort_wd: {kind: lognormal, mean: 1.0e-300, sd: 1.0e+300}\n",
        ),
        17,
        "items.施工许可.effort_wd",
        "too extreme",
    ),
    "calendar-end": (
        MINIMAL + "run: {start_date: 9999-06-01}\n",
        27,
        "run.start_date",
        "9999-12-31",
    ),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Write every bad file (and an extends loop) once for the module."""
    folder = tmp_path_factory.mktemp("bad")
    paths = {}
    for name, (content, *_rest) in BAD_FILES.items():
        path = folder / f"{name}.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths[name] = path
    # The extends cycle: a.yaml -> b.yaml -> a.yaml, reported at b.yaml's line 2.
    (folder / "loop-a.yaml").write_text("extends: loop-b.yaml\nname: a\n", encoding="utf-8")
    (folder / "loop-b.yaml").write_text("name: b\nextends: loop-a.yaml\n", encoding="utf-8")
    (folder / "missing-base.yaml").write_text("name: c\nextends: nowhere.yaml\n", encoding="utf-8")
    return paths


def located(path: Path, line: int, field: str) -> str:
    """Return the start of a problem line: ``file:line: field``."""
    return f"{path}:{line}: {field}" if field else f"{path}:{line}:"


def test_validate_reports_every_bad_file(bad_files: dict[str, Path]) -> None:
    """``validate`` on all bad files at once: status 2, each located, nothing executed."""
    folder = next(iter(bad_files.values())).parent
    paths = [str(p) for p in bad_files.values()]
    extra = [str(folder / "loop-a.yaml"), str(folder / "missing-base.yaml")]
    (done,) = run_all([["validate", *paths, *extra]], cwd=folder)
    expected = [
        located(bad_files[name], line, field) for name, (_, line, field, _) in BAD_FILES.items()
    ]
    assert_user_error(done, *expected, *(word for *_, word in BAD_FILES.values()))
    assert_user_error(
        done,
        f"{folder / 'loop-b.yaml'}:2: extends: extends cycle",
        f"{folder / 'missing-base.yaml'}:2: extends: file not found: 'nowhere.yaml'",
    )
    assert not (folder / "pwned").exists()


def test_validate_good_and_bad_together(bad_files: dict[str, Path], tmp_path: Path) -> None:
    """A good file is still confirmed when another one fails; the status is 2.

    This also checks the harness: a valid file gets through to "ok".
    """
    (done,) = run_all([["validate", str(MINIMAL_FILE), str(bad_files["typo"])]], cwd=tmp_path)
    assert_user_error(done, located(bad_files["typo"], 5, "departments.住建局.stafff"))
    assert f"{MINIMAL_FILE}: ok" in done.stdout


# ``validate`` sees every bad file; ``run`` (one process per file) a sample of each
# way of failing: validation, YAML safety, encoding, aliases, plausibility.
RUN_SAMPLE = [
    "typo",
    "negative",
    "python-tag",
    "gbk",
    "alias-bomb",
    "extreme-lognormal",
    "calendar-end",
]


def test_run_refuses_bad_files(bad_files: dict[str, Path]) -> None:
    """``run -n 1`` on bad files: status 2 with file:line and field, no traceback."""
    names = RUN_SAMPLE
    folder = next(iter(bad_files.values())).parent
    results = run_all([["run", str(bad_files[name]), "-n", "1"] for name in names], cwd=folder)
    for name, done in zip(names, results, strict=True):
        _, line, field, word = BAD_FILES[name]
        assert_user_error(done, located(bad_files[name], line, field), word)
    assert not (folder / "pwned").exists()


def test_paths_that_are_not_scenario_files(tmp_path: Path) -> None:
    """A missing file, a folder, a device, an extends loop: status 2 and a plain reason."""
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    commands = [
        ["validate", str(tmp_path / "absent.yaml"), str(tmp_path), "/dev/zero"],
        ["run", str(tmp_path / "absent.yaml"), "-n", "1"],
        ["run", str(tmp_path), "-n", "1"],
        ["run", str(tmp_path / "a.yaml"), "-n", "1"],
    ]
    results = run_all(commands, cwd=tmp_path)
    assert_user_error(
        results[0],
        f"{tmp_path / 'absent.yaml'}: file not found",
        f"{tmp_path}: is a directory",
        "/dev/zero: is a device",
    )
    assert_user_error(results[1], f"{tmp_path / 'absent.yaml'}: file not found")
    assert_user_error(results[2], f"{tmp_path}: is a directory")
    assert_user_error(results[3], f"{tmp_path / 'b.yaml'}:1: extends: extends cycle")


def test_bad_arguments(tmp_path: Path) -> None:
    """Bad command-line arguments: argparse's usage message and status 2, no traceback."""
    good = str(MINIMAL_FILE)
    commands = [
        ["run", good, "--replications", "0"],
        ["run", good, "-n", "abc"],
        ["run", good, "--seed", "-1"],
        ["run", good, "--workers", "0"],
        ["run"],
        ["frobnicate", good],
        ["run", good, good],
    ]
    results = run_all(commands, cwd=tmp_path)
    for done in results:
        assert_user_error(done, "usage:")
    assert_user_error(results[0], "--replications", "must be at least 1")
