"""Hostile inputs: bounds that bound, nothing executed from a results folder, clean exits.

One section per class of issue 13. The CLI cases run ``approvalsim`` in a
subprocess (under memory limits where a bound is under test) and assert the
status, that standard error is short and free of tracebacks, and how long it
took; the rest call the functions directly, with Hypothesis where the inputs
can be generated.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import base_scenario_dict, make_scenario
from model.cli.app import main
from model.cli.commands.common import unique_names
from model.cli.errors import printable
from model.experiments.backends import Execution, Task
from model.experiments.batch import ReplicationTables, identity, replicate
from model.experiments.checkpoints import CheckpointStore, replication_key
from model.outputs.folders import OutputExistsError, prepare_output
from model.scenario.loader import load_scenario
from model.scenario.overrides import MAX_AXIS_VALUES, MAX_VARIANTS, grid, parse_values
from model.scenario.problems import ScenarioError
from model.simulation.replication import RunLimitError, run_replication

ROOT = Path(__file__).resolve().parents[2]
#: Address space a bounded run may use: far below what an unbounded one takes.
MEMORY_LIMIT = 3 * 1024**3


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("APPROVALSIM_TRACEBACK", None)
    return env


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args: str | Path, timeout: float = 120, limit: bool = True) -> tuple[int, str, str, float]:
    """Run ``approvalsim`` in a subprocess; (status, stdout, stderr, seconds)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "model", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
        preexec_fn=_limit_memory if limit else None,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_clean_user_error(status: int, stderr: str, *needles: str) -> None:
    """Status 2, no traceback, a short message naming each of ``needles``."""
    assert status == 2, stderr
    assert "Traceback" not in stderr, stderr
    assert len(stderr.strip().splitlines()) <= 12, stderr
    for needle in needles:
        assert needle in stderr, stderr


def scenario_file(folder: Path, stem: str = "s", **overrides: Any) -> Path:
    """The conftest base scenario named ``stem`` with dotted ``overrides``, as YAML."""
    data = base_scenario_dict()
    data["name"] = stem
    for key, value in overrides.items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, default_flow_style=False), "utf-8")
    return path


# -- 1. bounds that bound ------------------------------------------------------------


@pytest.mark.slow  # runs into a wall-clock bound under a memory limit
def test_absurd_arrival_rate_stops_at_the_wall_bound_within_memory(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        "flood",
        **{"arrivals.rate_per_year": 1.0e9, "run.max_wall_seconds": 3, "run.replications": 1},
    )
    status, _, stderr, seconds = cli("run", path, "--workers", "1", timeout=120)
    assert_clean_user_error(status, stderr, "run.max_wall_seconds", "raise")
    assert seconds < 60


@pytest.mark.slow  # runs into a wall-clock bound under a memory limit
def test_same_day_burst_from_a_csv_stops_at_the_wall_bound(tmp_path: Path) -> None:
    types = list(base_scenario_dict()["project_types"])
    rows = "".join(f"2026-01-05,{types[k % len(types)]}\n" for k in range(150_000))
    (tmp_path / "burst.csv").write_text("date,type\n" + rows, encoding="utf-8")
    path = scenario_file(
        tmp_path,
        "burst",
        **{"arrivals": {"kind": "csv", "path": "burst.csv"}, "run.max_wall_seconds": 2},
    )
    status, _, stderr, seconds = cli("run", path, "-n", "1", "--workers", "1", timeout=180)
    assert_clean_user_error(status, stderr, "run.max_wall_seconds")
    assert seconds < 90


@pytest.mark.parametrize("workers", ["1", "2"])
def test_max_events_is_one_line_also_from_a_pool(tmp_path: Path, workers: str) -> None:
    path = scenario_file(tmp_path, "tight", **{"run.max_events": 300, "run.replications": 3})
    status, _, stderr, _ = cli("run", path, "--workers", workers)
    assert_clean_user_error(status, stderr, "run.max_events", "raise run.max_events")
    assert len(stderr.strip().splitlines()) == 1


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=1, max_value=5000))
def test_a_replication_never_runs_far_past_max_events(max_events: int) -> None:
    scenario = make_scenario(**{"run.max_events": max_events, "arrivals.rate_per_year": 400})
    try:
        result = run_replication(scenario, 0)
    except RunLimitError as error:
        assert error.bound == "run.max_events"
    else:
        assert len(result.events) <= max_events


def test_a_run_stopped_by_a_bound_resumes_once_it_is_raised_and_symlinks_are_not_followed(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    tight = scenario_file(tmp_path, "s", **{"run.max_events": 50, "run.replications": 1})
    status, _, stderr, _ = cli("run", tight, "--out", out, "--workers", "1")
    assert_clean_user_error(status, stderr, "run.max_events")
    # Someone plants a link where the run will write its scenario.
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    (out / "scenario.json").symlink_to(outside)
    roomy = scenario_file(tmp_path, "s", **{"run.replications": 1})  # same hash
    status, _, stderr, _ = cli("run", roomy, "--out", out, "--workers", "1")
    assert status == 0, stderr
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (out / "scenario.json").is_symlink()
    assert json.loads((out / "scenario.json").read_text(encoding="utf-8"))["name"] == "s"


# -- 2. nothing executed from a results folder ------------------------------------------


class _Planted:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


@pytest.mark.parametrize("suffix", [".zip", ".pkl"])
def test_a_planted_checkpoint_is_never_executed(tmp_path: Path, suffix: str) -> None:
    scenario = make_scenario(**{"run.replications": 1})
    store = CheckpointStore(tmp_path)
    store.open()
    key = replication_key(scenario.content_hash(), 7, 0, "summary")
    marker = tmp_path / "pwned"
    (store.path / (key + suffix)).write_bytes(pickle.dumps(_Planted(marker)))
    assert store.load(key, ReplicationTables) is None
    assert not marker.exists()


def test_a_planted_symlink_checkpoint_is_not_read(tmp_path: Path) -> None:
    scenario = make_scenario()
    store = CheckpointStore(tmp_path)
    store.open()
    good = replicate(scenario, 0, 7, keep_tables=False)
    store.save("real", good)
    (store.path / "link.zip").symlink_to(store.path / "real.zip")
    assert store.load("link", ReplicationTables) is None
    loaded = store.load("real", ReplicationTables)
    assert loaded is not None and loaded.summary == good.summary


# -- 3. every size a user controls is capped -------------------------------------------------


def test_workers_are_capped_and_never_more_than_tasks() -> None:
    with pytest.raises(ValueError, match="more than"):
        Execution(workers=100_000)
    with Execution(workers=8) as execution:
        execution.plan(1)
        got: list[Any] = []
        execution.map([Task(0, abs, (-3,))], lambda key, value: got.append(value))
        assert got == [3]
        assert execution._pool_size == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "300"],
        ["--scheduler", "not a url"],
        ["--scheduler", "tcp://[::1"],
    ],
)
def test_bad_execution_options_are_refused_at_once(tmp_path: Path, args: list[str]) -> None:
    path = scenario_file(tmp_path)
    status, _, stderr, seconds = cli("run", path, *args, timeout=60)
    assert_clean_user_error(status, stderr)
    assert seconds < 30


@pytest.mark.slow  # waits out the connection timeout
def test_a_scheduler_nobody_answers_is_a_clean_error_within_the_timeout(tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    status, _, stderr, seconds = cli(
        "run", path, "--scheduler", "tcp://127.0.0.1:9", "-n", "1", timeout=120, limit=False
    )
    assert_clean_user_error(status, stderr, "tcp://127.0.0.1:9")
    assert seconds < 60


def test_a_huge_sweep_is_refused_before_it_takes_memory(tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    department = next(iter(base_scenario_dict()["departments"]))
    status, _, stderr, seconds = cli(
        "sweep", path, "--set", f"departments.{department}.staff=1..100000000", timeout=60
    )
    assert_clean_user_error(status, stderr, "more than")
    assert seconds < 30


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-10**9, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
    st.one_of(st.none(), st.integers(min_value=1, max_value=10**6), st.floats(1e-9, 1e3)),
)
def test_a_sweep_axis_is_never_longer_than_the_cap(low: int, width: int, step: Any) -> None:
    text = f"{low}..{low + width}" + ("" if step is None else f":{step}")
    try:
        values = parse_values(text)
    except ValueError:
        return
    assert 1 <= len(values) <= MAX_AXIS_VALUES


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=4))
def test_a_sweep_grid_is_never_larger_than_the_cap(lengths: list[int]) -> None:
    axes = {f"a{k}": list(range(n)) for k, n in enumerate(lengths)}
    size = 1
    for n in lengths:
        size *= n
    if size > MAX_VARIANTS:
        with pytest.raises(ValueError, match="variants"):
            grid(axes)
    else:
        assert len(grid(axes)) == size


@pytest.mark.parametrize("command", ["fit", "validate", "run"])
def test_devices_pipes_and_folders_are_refused_before_reading(
    tmp_path: Path, command: str
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (Path("/dev/zero"), fifo, tmp_path):
        status, _, stderr, seconds = cli(command, target, timeout=30)
        assert_clean_user_error(status, stderr)
        assert seconds < 20


# -- 4. pipeline records against each other and the start ------------------------------------


def _pipeline(**record: Any) -> Any:
    base = {"name": "P-1", "type": next(iter(base_scenario_dict()["project_types"]))}
    start = dt.date(2026, 3, 2)
    return make_scenario(**{"run.start_date": start.isoformat(), "pipeline": [base | record]})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=-200, max_value=0), st.integers(min_value=-250, max_value=60))
def test_land_must_lie_between_signing_and_start(signed: int, land: int) -> None:
    start = dt.date(2026, 3, 2)
    record = {
        "signed": (start + dt.timedelta(days=signed)).isoformat(),
        "land_obtained": (start + dt.timedelta(days=land)).isoformat(),
    }
    if signed <= land <= 0:
        _pipeline(**record)
        return
    with pytest.raises(Exception, match="land_obtained|run.start_date"):
        _pipeline(**record)


def test_pipeline_csv_problems_name_file_line_and_field(tmp_path: Path) -> None:
    kind = next(iter(base_scenario_dict()["project_types"]))
    (tmp_path / "pipeline.csv").write_text(
        "name,type,signed,land_obtained,done,under_way\n"
        f"P-1,{kind},2026-01-05,2026-01-10,,\n"
        f"P-2,{kind},2026-01-05,2025-12-01,,\n",
        encoding="utf-8",
    )
    path = scenario_file(
        tmp_path, "county", **{"pipeline": {"path": "pipeline.csv"}, "run.start_date": "2026-03-02"}
    )
    with pytest.raises(ScenarioError, match=r"pipeline.csv:3: pipeline.1.land_obtained"):
        load_scenario(path)


def test_a_huge_csv_field_is_a_clean_error(tmp_path: Path) -> None:
    kind = next(iter(base_scenario_dict()["project_types"]))
    (tmp_path / "pipeline.csv").write_text(
        f"name,type,signed,land_obtained,done,under_way\n{'x' * 200_000},{kind},2026-01-05,,,\n",
        encoding="utf-8",
    )
    path = scenario_file(tmp_path, "county", **{"pipeline": {"path": "pipeline.csv"}})
    status, _, stderr, _ = cli("validate", path)
    assert_clean_user_error(status, stderr, "pipeline.csv")


# -- 5. results folders: whole, locked, not colliding, complete --------------------------------


def test_force_replaces_a_comparison_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    a = scenario_file(tmp_path, "alpha", **{"run.replications": 1})
    b = scenario_file(tmp_path, "beta", **{"run.replications": 1})
    assert cli("compare", a, b, "--out", out, "--workers", "1")[0] == 0
    assert (out / "beta").is_dir()
    assert cli("compare", a, "--out", out, "--workers", "1", "--force")[0] == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["alpha"]


def test_a_folder_being_written_is_locked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from model.outputs.folders import prepare_output\n"
            f"prepare_output({str(out)!r}, {{'command': 'x'}}, False)\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputExistsError, match="another run"):
            prepare_output(out, {"command": "x"}, overwrite=True)
        path = scenario_file(tmp_path)
        status, _, stderr, _ = cli("run", path, "--out", out, "--force")
        assert_clean_user_error(status, stderr, "another run")
        assert not list(out.glob("**/*.partial"))
    finally:
        holder.kill()
        holder.wait()
    prepare_output(out, {"command": "x"}, overwrite=True)  # free again once it is gone


@settings(max_examples=100)
@given(st.lists(st.text(alphabet=".ab-", min_size=0, max_size=12), min_size=1, max_size=6))
def test_output_names_never_hide_or_take_the_runs_own(stems: list[str]) -> None:
    names = unique_names(stems)
    assert len(set(names)) == len(names)
    assert all(name and not name.startswith(".") for name in names)


def test_a_scenario_named_like_the_checkpoints_keeps_its_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    odd = scenario_file(tmp_path, ".checkpoints", **{"run.replications": 1})
    plain = scenario_file(tmp_path, "plain", **{"run.replications": 1})
    status, _, stderr, _ = cli("compare", plain, odd, "--out", out, "--workers", "1")
    assert status == 0, stderr
    assert (out / "checkpoints" / "manifest.json").is_file()


def test_report_refuses_incomplete_corrupt_and_folder_targets(tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = scenario_file(tmp_path, "s", **{"run.replications": 1})
    assert cli("run", path, "--out", out, "--workers", "1")[0] == 0
    status, _, stderr, _ = cli("report", out, "--out", tmp_path, "--force")
    assert_clean_user_error(status, stderr, "is a folder")
    (out / ".checkpoints").mkdir()
    assert_clean_user_error(*cli("report", out)[:3:2], "incomplete")
    (out / ".checkpoints").rmdir()
    (out / "summary.csv").unlink()
    assert_clean_user_error(*cli("report", out)[:3:2], "summary.csv")
    (out / "manifest.json").write_text("{not json", encoding="utf-8")
    assert_clean_user_error(*cli("report", out)[:3:2], "manifest.json")


# -- 6. no traceback reaches a user ---------------------------------------------------------------


def test_out_naming_a_file_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    path = scenario_file(tmp_path)
    status, _, stderr, _ = cli("run", path, "--out", tmp_path / "taken", "-n", "1")
    assert_clean_user_error(status, stderr, "not a folder")


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "no space left"), (errno.EROFS, "read-only")]
)
def test_a_full_or_read_only_disk_is_a_clean_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    words: str,
) -> None:
    import model.outputs.folders as folders

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code), str(tmp_path / "out" / "summary.csv"))

    monkeypatch.setattr(folders, "write_table", full)
    path = scenario_file(tmp_path, "s", **{"run.replications": 1})
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert words in err and "summary.csv" in err and "Traceback" not in err


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    scenario_file(tmp_path, "f0")
    for k in range(1, 1200):
        (tmp_path / f"f{k}.yaml").write_text(f"extends: f{k - 1}.yaml\n", encoding="utf-8")
    status, _, stderr, _ = cli("validate", tmp_path / "f1199.yaml")
    assert_clean_user_error(status, stderr, "more than 32 files")


def test_an_internal_error_is_one_line_and_the_trace_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import model.experiments.batch as batch

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(batch, "run", broken)
    path = scenario_file(tmp_path)
    assert main(["run", str(path), "-n", "1"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "ZeroDivisionError" in err and "Traceback" not in err
    trace = Path(err.split("the full trace is in ")[1].split(".txt")[0] + ".txt")
    assert "ZeroDivisionError: a bug" in trace.read_text(encoding="utf-8")
    trace.unlink()


# -- 7. nothing leaks to the terminal -------------------------------------------------------------


@pytest.mark.parametrize("field", ["extends", "arrivals"])
def test_files_named_by_a_scenario_are_not_quoted_back(tmp_path: Path, field: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2:topsecret,line,one\nsecond:line,x,y\n", encoding="utf-8")
    if field == "extends":
        path = tmp_path / "s.yaml"
        path.write_text(f"extends: {secret}\nname: s\n", encoding="utf-8")
    else:
        path = scenario_file(tmp_path, "s", arrivals={"kind": "csv", "path": str(secret)})
    status, stdout, stderr, _ = cli("validate", path)
    assert status == 2
    assert "hunter2" not in stderr + stdout and "topsecret" not in stderr + stdout


@settings(max_examples=300)
@given(st.text())
def test_printed_text_has_no_control_characters(text: str) -> None:
    shown = printable(text)
    assert all(ch == "\n" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F) for ch in shown)
    assert "\u202e" not in shown


def test_names_with_escape_sequences_are_escaped_on_the_terminal(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, "s", name="evil\x1b[2J\x1b]0;owned\x07", **{"run.replications": 1})
    status, stdout, stderr, _ = cli("run", path, "--workers", "1")
    assert status == 0, stderr
    assert "\x1b" not in stdout + stderr and "\x07" not in stdout + stderr


@pytest.mark.parametrize("name", ["a$b", "$x^$", "cost $5 $$", "\\$"])
def test_a_dollar_in_a_name_is_drawn_literally(tmp_path: Path, name: str) -> None:
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from model.outputs import fonts

    with mpl.rc_context(fonts.cjk_rc()):  # type: ignore[arg-type]
        figure = Figure()
        axes = figure.subplots()
        axes.set_title(name)
        axes.bar([name], [1.0])
        figure.savefig(tmp_path / "f.png")  # mathtext would fail on "$x^$"
        _, ismath = axes.title._preprocess_math(axes.title.get_text())
        assert ismath is False
