"""A name an ``extends`` file (or an override) adds and nothing uses is refused, not a phantom.

A misspelt department under ``departments:`` used to create a new department
with no items while the intended one stayed unchanged, exit 0. These tests
write small scenario files and check the refusal names the file, the line, the
field and the existing name meant; a genuinely new department used by an item
still loads.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from model.scenario.additions import added_keys, is_used, refuse_unused_additions
from model.scenario.loader import load_scenario
from model.scenario.overrides import apply_overrides
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import set_dotted

MINIMAL = (Path(__file__).resolve().parents[1] / "data" / "loader" / "minimal.yaml").read_text(
    encoding="utf-8"
)


def files(folder: Path, child: str) -> Path:
    """Write the minimal scenario as ``base.yaml`` and ``child`` as ``child.yaml``."""
    (folder / "base.yaml").write_text(MINIMAL, encoding="utf-8")
    path = folder / "child.yaml"
    path.write_text(child, encoding="utf-8")
    return path


def refusal(path: Path) -> list[Problem]:
    """The problems of a file that must not load."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_misspelt_department_is_refused_with_file_line_field_and_suggestion(
    tmp_path: Path,
) -> None:
    path = files(tmp_path, "extends: base.yaml\nname: child\ndepartments:\n  住建委: {staff: 3}\n")
    (problem,) = refusal(path)
    assert (problem.file, problem.line, problem.field) == (str(path), 4, "departments.住建委")
    assert problem.suggestion == "住建局"
    assert "no item" in problem.message and "base.yaml" in problem.message
    assert str(problem).endswith("(did you mean '住建局'?)")


def test_the_phantoms_own_validation_errors_are_left_out(tmp_path: Path) -> None:
    """``住建委: {stafff: 3}``: one line about the name, not a second about ``stafff``."""
    path = files(tmp_path, "extends: base.yaml\ndepartments:\n  住建委: {stafff: 3}\n")
    (problem,) = refusal(path)
    assert problem.field == "departments.住建委"
    assert problem.suggestion == "住建局"


def test_misspelt_item_is_refused(tmp_path: Path) -> None:
    path = files(tmp_path, "extends: base.yaml\nitems:\n  施工许可证: {effort_wd: 5}\n")
    (problem,) = refusal(path)
    assert (problem.line, problem.field, problem.suggestion) == (3, "items.施工许可证", "施工许可")
    assert "no project type lists it" in problem.message


def test_misspelt_project_type_with_a_share_is_refused(tmp_path: Path) -> None:
    """A share alone makes the type "used"; lacking items it was meant as the existing one."""
    path = files(tmp_path, "extends: base.yaml\nproject_types:\n  industrail: {share: 1}\n")
    problems = refusal(path)
    assert problems[0].field == "project_types.industrail"
    assert problems[0].suggestion == "industrial"
    assert "lacks items, construction_days" in problems[0].message


def test_new_project_type_with_no_arrivals_is_refused(tmp_path: Path) -> None:
    child = (
        "extends: base.yaml\nproject_types:\n"
        "  warehouse: {share: 0, items: [EIA], construction_days: 10}\n"
    )
    (problem,) = refusal(files(tmp_path, child))
    assert problem.field == "project_types.warehouse"
    assert problem.suggestion is None
    assert "no arrivals" in problem.message and "remove it" in problem.message


def test_unused_addition_in_the_middle_of_a_chain_points_at_that_file(tmp_path: Path) -> None:
    files(tmp_path, "extends: base.yaml\ndepartments:\n  住建委: {staff: 3}\n")
    top = tmp_path / "top.yaml"
    top.write_text("extends: child.yaml\nname: top\n", encoding="utf-8")
    (problem,) = refusal(top)
    assert (problem.file, problem.line) == (str(tmp_path / "child.yaml"), 3)


def test_a_genuinely_new_department_that_an_item_uses_loads(tmp_path: Path) -> None:
    child = (
        "extends: base.yaml\n"
        "departments:\n  规划局: {staff: 3}\n"
        "items:\n  规划许可: {department: 规划局, stage: 1, effort_wd: 1}\n"
        "project_types:\n  industrial: {items: [EIA, 施工许可, 规划许可]}\n"
    )
    scenario = load_scenario(files(tmp_path, child))
    assert scenario.departments["规划局"].staff == 3
    assert scenario.items["规划许可"].department == "规划局"
    assert "规划许可" in scenario.project_types["industrial"].items


def test_a_new_item_used_only_as_a_prerequisite_is_used() -> None:
    data = {
        "items": {"a": {"prerequisites": ["b"]}, "b": {}},
        "project_types": {"t": {"items": ["a"]}},
    }
    assert is_used(data, "items", "b")
    assert not is_used(data, "items", "c")


def test_a_file_without_extends_adds_nothing(tmp_path: Path) -> None:
    """Only additions to a base are checked: a standalone file defines its own names."""
    path = tmp_path / "alone.yaml"
    path.write_text(
        MINIMAL.replace(
            "  环保局:\n    staff: 2\n    queue: edf\n",
            "  环保局:\n    staff: 2\n    queue: edf\n  闲置局:\n    staff: 1\n",
        ),
        encoding="utf-8",
    )
    assert "闲置局" in load_scenario(path).departments


def test_with_overrides_style_additions_are_refused(tmp_path: Path) -> None:
    """``refuse_unused_additions`` is what ``Scenario.with_overrides`` needs to call."""
    scenario = load_scenario(files(tmp_path, "extends: base.yaml\n"))
    base = scenario.model_dump(mode="python", by_alias=True)
    data = copy.deepcopy(base)
    set_dotted(data, "departments.住建委.staff", 3)
    assert added_keys(base, data) == [("departments", "住建委")]
    with pytest.raises(ScenarioError) as info:
        refuse_unused_additions(base, data, "with_overrides")
    (problem,) = info.value.problems
    assert (problem.file, problem.field, problem.suggestion) == (
        "with_overrides",
        "departments.住建委",
        "住建局",
    )
    set_dotted(data, "items.EIA.department", "住建委")  # now an item uses it
    refuse_unused_additions(base, data, "with_overrides")


def test_dotted_overrides_refuse_an_unknown_department_with_a_suggestion(tmp_path: Path) -> None:
    scenario = load_scenario(files(tmp_path, "extends: base.yaml\n"))
    with pytest.raises(ScenarioError) as info:
        apply_overrides(scenario, {"departments.住建委.staff": 3}, "--set")
    (problem,) = info.value.problems
    assert problem.file == "--set"
    assert problem.suggestion == "departments.住建局"
