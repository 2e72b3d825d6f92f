"""The staffing report reads a plan folder and says what to do, in Chinese or English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_scenario
from model.experiments.planning import plan_staff
from model.outputs.staff_plans import plan_overrides, write_staff_plan
from model.report.staffing import is_staff_plan, render_staffing_html, staffing_context


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan that must add people: 250 signings a year overload the small county."""
    scenario = make_scenario(**{"arrivals.rate_per_year": 250})
    plan = plan_staff(scenario, "mean(signing_to_start) <= 1000", replications=1, workers=1)
    folder = tmp_path_factory.mktemp("plan")
    write_staff_plan(plan, folder, "csv")
    return folder


def test_the_folder_round_trips_the_plan(plan_folder: Path) -> None:
    record = json.loads((plan_folder / "plan.json").read_text(encoding="utf-8"))
    assert record["kind"] == "staff-plan" and record["met"] is True
    assert record["overrides"]  # the ceiling needs people in the overloaded bureaus
    assert all(path.startswith("departments.") for path in record["overrides"])
    assert is_staff_plan(plan_folder)
    assert not is_staff_plan(plan_folder.parent)


def test_the_report_lists_the_changes_and_the_verdict(plan_folder: Path) -> None:
    record = json.loads((plan_folder / "plan.json").read_text(encoding="utf-8"))
    context = staffing_context(plan_folder, "en")
    changes = {row[0]: row[3] for row in context["changes"]}
    for path, planned in record["overrides"].items():
        pool = path.removeprefix("departments.").removesuffix(".staff")
        assert pool in changes and changes[pool].startswith("+")
        assert planned > 0
    html = render_staffing_html(plan_folder, "en")
    assert "The plan meets the target" in html and "Bottleneck" in html
    zh = render_staffing_html(plan_folder, "zh")
    assert "方案达到目标" in zh and "瓶颈" in zh and "Bottleneck" not in zh


def test_plan_overrides_name_only_the_changed_pools() -> None:
    scenario = make_scenario()
    plan = plan_staff(scenario, "mean(signing_to_start) <= 100000", replications=1, workers=1)
    changed = plan.pools[plan.pools["planned"] != plan.pools["current"]]
    assert len(plan_overrides(plan)) == len(changed)


def test_the_report_command_makes_the_staffing_report(plan_folder: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "model", "report", str(plan_folder), "--lang", "en"]
    first = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    page = plan_folder / "staffing-en.html"
    assert "The plan meets the target" in page.read_text(encoding="utf-8")
    again = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr


def test_an_xlsx_plan_folder_is_one_workbook_and_reads_back(tmp_path: Path) -> None:
    scenario = make_scenario(**{"arrivals.rate_per_year": 250})
    plan = plan_staff(scenario, "mean(signing_to_start) <= 1000", replications=1, workers=1)
    written = write_staff_plan(plan, tmp_path, "xlsx")
    assert [p.name for p in written] == ["tables.xlsx", "plan.json"]
    assert "The plan meets the target" in render_staffing_html(tmp_path, "en")
