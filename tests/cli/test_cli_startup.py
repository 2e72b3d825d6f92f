"""The command line starts without loading what the command does not use.

``approvalsim --help`` and ``approvalsim validate`` run in a fresh interpreter
that records ``sys.modules`` at exit; neither may have imported the plotting,
templating, distributed or sensitivity libraries, nor pandas (each command
imports its machinery when it runs). A top-level ``import matplotlib`` (or an
import of the experiment engine or the report) anywhere on the CLI's import
path fails this test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Runs ``python -m model ARGS`` and writes the names of all imported modules to a file.
WRAPPER = """
import atexit, json, os, runpy, sys

def _record():
    with open(os.environ["APPROVALSIM_MODULES"], "w", encoding="utf-8") as f:
        json.dump(sorted(sys.modules), f)

atexit.register(_record)
sys.argv = ["approvalsim", *sys.argv[1:]]
runpy.run_module("model", run_name="__main__", alter_sys=True)
"""

#: Never needed to parse arguments or to check a scenario file.
HEAVY = ("matplotlib", "jinja2", "dask", "distributed", "SALib", "pandas")
#: Not needed to print the help either: that is argparse alone.
NOT_FOR_HELP = (*HEAVY, "numpy", "scipy", "pydantic", "yaml", "simpy")


def imported(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the CLI with ``args`` in a fresh interpreter; the process and its top-level imports."""
    record = tmp_path / "modules.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
        "APPROVALSIM_MODULES": str(record),
    }
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    modules = json.loads(record.read_text(encoding="utf-8"))
    return done, {name.partition(".")[0] for name in modules}


def test_help_loads_only_the_parser(tmp_path: Path) -> None:
    done, modules = imported(["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: approvalsim"), done.stdout
    assert "validate" in done.stdout and "plan-staff" in done.stdout
    assert "model" in modules  # the wrapper did run the CLI
    assert not modules & set(NOT_FOR_HELP), sorted(modules & set(NOT_FOR_HELP))


def test_validate_loads_no_heavy_library(tmp_path: Path) -> None:
    path = "scenarios/three-sixes.yaml"
    done, modules = imported(["validate", path], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{path}: ok — "), done.stdout
    assert "pydantic" in modules  # the scenario was really loaded and checked
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_the_console_script_entry_point_is_cheap(tmp_path: Path) -> None:
    """``model.cli.main`` (what the console script calls) imports no numerical library."""
    code = (
        "import json, sys, model.cli\n"
        "assert callable(model.cli.main)\n"
        "print(json.dumps(list(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = {name.partition(".")[0] for name in json.loads(done.stdout)}
    assert not loaded & set(NOT_FOR_HELP), sorted(loaded & set(NOT_FOR_HELP))


def test_version_is_the_installed_distributions() -> None:
    from importlib import metadata

    result = subprocess.run(
        [sys.executable, "-m", "model", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"approvalsim {metadata.version('approvalsim')}"
