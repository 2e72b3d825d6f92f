"""The validation table: exact rules on hand-made project tables, then the bundled scenarios."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import make_scenario
from model.experiments.validation import (
    PUBLISHED,
    PublishedOutcome,
    scenarios_needed,
    validation_table,
    verdict,
)

ROOT = Path(__file__).resolve().parents[2]


def projects(values: dict[int, list[float]], kind: str = "T", measure: str = "trips") -> pd.DataFrame:
    """A project table: per replication, projects of one type with the given measure."""
    rows = [
        {
            "replication": r,
            "project_type": kind,
            measure: v,
            "official_start_day": 0.0,
            "construction_start_day": 7.0,
            "pipeline": False,
        }
        for r, vs in values.items()
        for v in vs
    ]
    return pd.DataFrame(rows)


def row(**fields: object) -> PublishedOutcome:
    base: dict[str, object] = dict(
        key="k", figure="f", value=10.0, comparison="level", measure="trips",
        scenario="B", project_types=("T",), source="s",
    )  # fmt: skip
    base.update(fields)
    return PublishedOutcome(**base)  # type: ignore[arg-type]


def test_levels_targets_and_shares_by_hand() -> None:
    scenario = make_scenario()
    table = projects({0: [8.0, 12.0], 1: [9.0, 13.0], 2: [10.0, 14.0]})  # means 10, 11, 12
    result = validation_table(
        {"B": table},
        {"B": scenario},
        [
            row(key="level"),
            row(key="at_most", comparison="at_most", value=11.5),
            row(key="at_least", comparison="at_least", value=11.5),
            row(key="share", comparison="at_least", value=0.5, statistic="share_at_most",
                threshold=10.0),
        ],  # fmt: skip
    ).set_index("outcome")
    assert result.loc["level", "model_mean"] == pytest.approx(11.0)
    # t(0.975, 2) = 4.303; sd of (10, 11, 12) = 1
    assert result.loc["level", "ci_high"] - 11.0 == pytest.approx(4.303 / math.sqrt(3), rel=1e-3)
    assert result.loc["level", "verdict"] == "agrees"  # 11 within ±25 % of 10
    assert result.loc["at_most", "verdict"] == "met"
    assert result.loc["at_least", "verdict"] == "missed"
    # At most 10: 1 of 2, 1 of 2, 1 of 2 projects.
    assert result.loc["share", "model_mean"] == pytest.approx(0.5)
    assert result.loc["share", "verdict"] == "met"


def test_a_reduction_is_paired_by_replication() -> None:
    scenario = make_scenario()
    before = projects({0: [100.0], 1: [200.0]})
    after = projects({0: [50.0], 1: [100.0]})
    result = validation_table(
        {"A": before, "B": after},
        {"A": scenario, "B": scenario},
        [row(comparison="reduction", value=0.51, baseline="A")],
    )
    assert result["model_mean"].iloc[0] == pytest.approx(0.5)
    assert result["ci_high"].iloc[0] == pytest.approx(0.5)  # paired: no spread at all
    assert result["verdict"].iloc[0] == "agrees"
    assert result["scenario"].iloc[0] == "A → B"
    assert result["unit"].iloc[0] == "share"


def test_other_project_types_and_the_pipeline_are_left_out() -> None:
    scenario = make_scenario()
    table = pd.concat(
        [
            projects({0: [10.0]}),
            projects({0: [1000.0]}, kind="other"),
            projects({0: [1000.0]}).assign(pipeline=True),
        ]
    )
    result = validation_table({"B": table}, {"B": scenario}, [row()])
    assert result["model_mean"].iloc[0] == pytest.approx(10.0)


def test_filing_to_start_counts_working_days() -> None:
    """Filing to start is elapsed working time on the scenario's own holiday calendar."""
    scenario = make_scenario()
    from model.simulation.replication import build_calendar

    calendar = build_calendar(scenario)
    expected = float(
        calendar.working_time_array(np.array([7.0]))[0] - calendar.working_time_array(np.array([0.0]))[0]
    )
    table = projects({0: [0.0]}, measure="filing_to_start_wd").drop(columns="filing_to_start_wd")
    result = validation_table(
        {"B": table}, {"B": scenario}, [row(measure="filing_to_start_wd", value=expected)]
    )
    assert result["model_mean"].iloc[0] == pytest.approx(expected)
    assert 0 < expected < 7


@pytest.mark.parametrize(
    ("comparison", "value", "mean", "expected"),
    [
        ("level", 100.0, 124.0, "agrees"),
        ("level", 100.0, 126.0, "higher"),
        ("level", 100.0, 74.0, "lower"),
        ("reduction", 0.5, 0.58, "agrees"),
        ("reduction", 0.5, 0.62, "higher"),
        ("at_most", 20.0, 20.0, "met"),
        ("at_most", 20.0, 20.1, "missed"),
        ("level", 100.0, float("nan"), "no projects"),
    ],
)
def test_verdicts(comparison: str, value: float, mean: float, expected: str) -> None:
    assert verdict(row(comparison=comparison, value=value), mean) == expected


def test_every_published_row_names_a_bundled_scenario_and_known_types() -> None:
    from model.scenario.loader import load_scenario

    for name in scenarios_needed():
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        assert scenario.name == name
        for outcome in PUBLISHED:
            if name in (outcome.scenario, outcome.baseline):
                assert set(outcome.project_types) <= set(scenario.project_types)
    assert len({o.key for o in PUBLISHED}) == len(PUBLISHED)


def test_the_command_names_missing_scenario_files(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "model", "validate-outcomes", "--scenarios", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "baseline-serial.yaml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_bundled_scenarios_give_every_row_a_value(tmp_path: Path) -> None:
    """The command on the bundled scenarios, shortened to two years (one warm-up) to stay quick."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in scenarios_needed():
        (folder / f"{name}.yaml").write_text(
            f"extends: {ROOT / 'scenarios' / f'{name}.yaml'}\n"
            "run:\n  horizon_days: 730\n  warmup_days: 365\n",
            encoding="utf-8",
        )
    result = subprocess.run(
        [sys.executable, "-m", "model", "validate-outcomes", "--scenarios", str(folder), "-n", "2",
         "--seed", "11", "--workers", "2", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "zhejiang_2018_after" in result.stdout
    table = pd.read_csv(tmp_path / "validation.csv")
    assert list(table["outcome"]) == [o.key for o in PUBLISHED]
    assert table["model_mean"].notna().all()
    assert (table["ci_low"] <= table["model_mean"]).all()
    assert set(table["verdict"]) <= {"agrees", "higher", "lower", "met", "missed"}
