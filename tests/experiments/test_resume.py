"""Kill the command line for real, rerun it, and get the tables of an uninterrupted run.

The CLI runs as a subprocess in its own session. It is SIGKILLed (no chance to
clean up) once a few replications are checkpointed; the same command is then
run again and must (a) say it resumes, (b) recompute fewer replications than a
fresh run, and (c) write exactly the files an uninterrupted run writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml
from pandas.testing import assert_frame_equal

from conftest import base_scenario_dict

ROOT = Path(__file__).resolve().parents[2]
REPLICATIONS = 8


@pytest.fixture()
def scenario_files(tmp_path: Path) -> list[Path]:
    """Two small scenario files: the conftest county, serial and parallel."""
    files = []
    for name, mode in (("serial", "serial"), ("parallel", "parallel")):
        data = base_scenario_dict()
        data["name"] = name
        data["approval_mode"] = mode
        data["run"]["horizon_days"] = 120  # four months: quick replications
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        files.append(path)
    return files


def command(files: list[Path], out: Path) -> list[str]:
    """The compare command under test."""
    return [
        sys.executable, "-m", "model", "compare", *map(str, files),
        "-n", str(REPLICATIONS), "--workers", "2", "--seed", "9", "--out", str(out),
    ]  # fmt: skip


def environment() -> dict[str, str]:
    """The test's environment with the source tree importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def checkpoints(out: Path) -> int:
    """Replications saved so far."""
    return len(list((out / ".checkpoints").glob("*.zip")))


def wait_for(condition: object, timeout: float) -> bool:
    """Poll ``condition()`` until true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def final_tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every CSV table under ``out`` by relative path (manifests hold timestamps)."""
    return {str(p.relative_to(out)): pd.read_csv(p) for p in sorted(out.rglob("*.csv"))}


def start(files: list[Path], out: Path) -> subprocess.Popen[str]:
    """Start the CLI in its own session (so its workers can be found and cleaned up)."""
    return subprocess.Popen(
        command(files, out), env=environment(), cwd=ROOT, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_sigkill_then_rerun_gives_the_uninterrupted_tables(
    scenario_files: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    process = start(scenario_files, out)
    try:
        assert wait_for(lambda: checkpoints(out) >= 3, 120), "no checkpoint appeared"
        workers = psutil.Process(process.pid).children(recursive=True)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        # Orphaned pool workers notice that their parent is gone and exit.
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"pool workers outlived the killed CLI: {alive}"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    saved = checkpoints(out)
    assert 3 <= saved < 2 * REPLICATIONS, "the run was not interrupted mid-way"
    assert not (out / "comparison_kpis.csv").exists()

    rerun = subprocess.run(
        command(scenario_files, out),
        env=environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    resumed = int(rerun.stderr.split("resuming: ")[1].split()[0])
    assert resumed >= saved  # finished work was reused, so fewer were recomputed
    assert not (out / ".checkpoints").exists()  # cleaned up once the tables are written

    reference = tmp_path / "uninterrupted"
    fresh = subprocess.run(
        command(scenario_files, reference),
        env=environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr
    assert "resuming" not in fresh.stderr
    assert rerun.stdout.replace(str(out), "OUT") == fresh.stdout.replace(str(reference), "OUT")
    got, want = final_tables(out), final_tables(reference)
    assert list(got) == list(want) and "serial/projects.csv" in want
    for name in want:
        assert_frame_equal(got[name], want[name], check_exact=True, obj=name)


@pytest.mark.slow
def test_ctrl_c_says_how_to_resume(scenario_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    process = start(scenario_files, out)
    try:
        assert wait_for(lambda: checkpoints(out) >= 2, 120), "no checkpoint appeared"
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        _, stderr = process.communicate(timeout=60)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert process.returncode == 130
    assert "Run the same command again to resume" in stderr
    assert "Traceback" not in stderr
    assert checkpoints(out) >= 2


def test_a_finished_folder_is_not_overwritten(scenario_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "done"
    out.mkdir()
    (out / "comparison_kpis.csv").write_text("someone's results\n")
    result = subprocess.run(
        command(scenario_files, out),
        env=environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert (out / "comparison_kpis.csv").read_text() == "someone's results\n"
