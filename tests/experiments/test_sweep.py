"""Sweeps: value syntax, typo-proof paths, the tidy table, and monotone staffing effects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import DEVELOPMENT, base_scenario_dict, make_scenario
from model.scenario.problems import ScenarioError
from model.experiments.batch import compare
from model.experiments.sweep import sweep
from model.scenario.overrides import apply_overrides, grid, parse_assignment, parse_values

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1..6", [1, 2, 3, 4, 5, 6]),
        ("0,2,4", [0, 2, 4]),
        ("0..1:0.25", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("2..10:4", [2, 6, 10]),
        ("true,false", [True, False]),
        ("fifo,edf", ["fifo", "edf"]),
        ("7", [7]),
        ("0.5", [0.5]),
    ],
)
def test_parse_values(text: str, values: list[object]) -> None:
    assert parse_values(text) == values


@pytest.mark.parametrize("text", ["6..1", "1..3:0", "a..b"])
def test_bad_ranges_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_values(text)


def test_parse_assignment_splits_at_the_first_equals() -> None:
    assert parse_assignment("departments.发改局.staff=1..3") == (
        "departments.发改局.staff",
        [1, 2, 3],
    )
    with pytest.raises(ValueError):
        parse_assignment("departments.发改局.staff")


def test_grid_is_the_product_last_axis_fastest() -> None:
    assert grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"},
    ]  # fmt: skip


def test_misspelt_path_is_an_error_with_a_suggestion() -> None:
    base = make_scenario()
    with pytest.raises(ScenarioError) as error:
        apply_overrides(base, {"departments.发改局.staf": 2}, "--set")
    problem = error.value.problems[0]
    assert problem.field == "departments.发改局.staf"
    assert problem.suggestion == "departments.发改局.staff"
    with pytest.raises(ScenarioError, match="not in departments"):
        apply_overrides(base, {"departments.NoSuchBureau.staff": 2})


def test_value_the_schema_refuses_names_the_path() -> None:
    with pytest.raises(ScenarioError) as error:
        apply_overrides(make_scenario(), {"items.filing.deficiency_probability": 1.5}, "--set")
    assert "items.filing.deficiency_probability" in str(error.value)


def test_overrides_do_not_touch_the_base() -> None:
    base = make_scenario()
    variant = apply_overrides(base, {f"departments.{DEVELOPMENT}.staff": 3})
    assert variant.departments[DEVELOPMENT].staff == 3
    assert base.departments[DEVELOPMENT].staff == 1


def test_sweep_table_is_tidy_and_matches_a_direct_comparison() -> None:
    base = make_scenario()
    path = f"departments.{DEVELOPMENT}.staff"
    result = sweep(
        base, {path: [1, 3], "approval_mode": ["serial", "parallel"]}, replications=2, seed=4
    )
    table = result.table
    assert len(table) == 4 * 2
    assert list(table.columns[:4]) == ["variant_id", path, "approval_mode", "replication"]
    assert set(zip(table[path], table["approval_mode"], strict=True)) == {
        (1, "serial"), (1, "parallel"), (3, "serial"), (3, "parallel"),
    }  # fmt: skip
    # Variant 3 (staff 3, parallel) is exactly what compare gives for that scenario.
    direct = compare(
        [base.with_overrides({path: 3, "approval_mode": "parallel"})], replications=2, seed=4
    )
    got = table[table["variant_id"] == 3].drop(columns=["variant_id", path, "approval_mode"])
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), direct.results[0].summary, check_exact=True
    )
    kpis = result.kpis(["signing_to_start_days"])
    assert len(kpis) == 4 and {"mean", "ci_low", "ci_high"} <= set(kpis.columns)


def test_more_reviewers_shorten_the_department_wait() -> None:
    """Monotonicity on common random numbers: staff 1 → 2 → 4 at one department.

    The department's own queue is the thing that must improve; end-to-end times
    need not, since a faster department can bunch arrivals downstream.
    """
    path = f"departments.{DEVELOPMENT}.staff"
    base = make_scenario(**{"arrivals.rate_per_year": 80, path: 1})
    result = sweep(base, {path: [1, 2, 4]}, replications=2, seed=2)
    pools = result.resources[result.resources["resource"] == DEVELOPMENT]
    wait = pools.groupby("variant_id")["mean_wait_days"].mean()
    assert wait.loc[0] > wait.loc[1] >= wait.loc[2]
    starts = result.kpis(["signing_to_start_days"]).set_index(path)["mean"]
    assert starts.loc[1] > starts.loc[4]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture()
def scenario_file(tmp_path: Path) -> Path:
    """The small county as a YAML file."""
    data = base_scenario_dict()
    data["run"]["horizon_days"] = 180
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_sweep_writes_the_tidy_table(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = _cli(
        "sweep",
        str(scenario_file),
        "--set",
        f"departments.{DEVELOPMENT}.staff=1,2",
        "-n",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 4 and f"departments.{DEVELOPMENT}.staff" in table.columns
    assert (out / "sweep_kpis.csv").exists()
    assert not (out / ".checkpoints").exists()


def test_cli_sweep_bad_path_exits_2_without_traceback(scenario_file: Path) -> None:
    result = _cli("sweep", str(scenario_file), "--set", "departments.发改局.staf=1,2", "-n", "1")
    assert result.returncode == 2
    assert "did you mean 'departments.发改局.staff'" in result.stderr
    assert "Traceback" not in result.stderr
