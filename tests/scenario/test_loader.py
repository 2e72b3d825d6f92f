"""Tests of :mod:`model.scenario.loader`: reading, merging and reporting scenario files."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
from pathlib import Path

import pytest

from model.scenario.problems import Problem, ScenarioError
from model.scenario.files import MAX_FILE_BYTES
from model.scenario.loader import load_scenario, read_scenario_data
from model.scenario.schema import Scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "loader"
MINIMAL = (DATA / "minimal.yaml").read_text(encoding="utf-8")


def write(directory: Path, name: str, text: str | bytes) -> Path:
    """Write a file under ``directory`` (creating subdirectories) and return its path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    """Return the minimal scenario with exactly one occurrence of ``old`` replaced."""
    assert MINIMAL.count(old) == 1, old
    return MINIMAL.replace(old, new)


def problems_of(path: Path) -> list[Problem]:
    """Load ``path`` expecting failure; return the problems."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    return info.value.problems


def only(problems: list[Problem], field: str) -> Problem:
    """Return the single problem about ``field``."""
    matching = [p for p in problems if p.field == field]
    assert len(matching) == 1, problems
    return matching[0]


def line_text(path: Path, line: int) -> str:
    """Return line ``line`` (1-based) of a file."""
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


# --------------------------------------------------------------------------- valid files


def test_minimal_scenario_loads() -> None:
    """The fixture scenario validates into the expected objects."""
    scenario = load_scenario(DATA / "minimal.yaml")
    assert isinstance(scenario, Scenario)
    assert scenario.name == "minimal"
    assert scenario.departments["住建局"].staff == 3
    assert scenario.departments["环保局"].queue == "edf"
    assert list(scenario.items) == ["EIA", "施工许可"]
    assert scenario.items["施工许可"].effort_wd.mean == 2
    assert scenario.items["施工许可"].prerequisites == ("EIA",)
    assert scenario.arrivals.rate_per_year == 24


def test_load_accepts_str_path_and_read_gives_plain_dict() -> None:
    """read_scenario_data returns the plain dict that load_scenario validates."""
    data = read_scenario_data(str(DATA / "minimal.yaml"))
    assert data["departments"]["住建局"] == {"staff": 3}
    assert data["items"]["EIA"]["effort_wd"] == {
        "kind": "triangular",
        "low": 1,
        "mode": 2,
        "high": 4,
    }
    assert Scenario.model_validate(data) == load_scenario(str(DATA / "minimal.yaml"))


def test_yaml_anchors_and_merge_keys_work(tmp_path: Path) -> None:
    """YAML anchors and ``<<`` merge keys are resolved; explicit keys win."""
    text = edited(
        "  环保局:\n    staff: 2\n    queue: edf\n",
        "  环保局: &office\n    staff: 2\n    queue: edf\n"
        "  发改局:\n    <<: *office\n    staff: 7\n",
    )
    scenario = load_scenario(write(tmp_path, "s.yaml", text))
    assert scenario.departments["发改局"].staff == 7
    assert scenario.departments["发改局"].queue == "edf"


# --------------------------------------------------------------------------- validation errors


def test_unknown_key_typo_reports_file_line_field_and_suggestion(tmp_path: Path) -> None:
    """A typo in a key gives file, exact line, dotted field and the right name."""
    path = write(tmp_path, "typo.yaml", edited("    staff: 3\n", "    stafff: 3\n"))
    problem = only(problems_of(path), "departments.住建局.stafff")
    assert problem.file == str(path)
    assert problem.line == 5
    assert "stafff" in line_text(path, 5)
    assert problem.message == "unknown key"
    assert problem.suggestion == "staff"
    assert f"{path}:5: departments.住建局.stafff: unknown key (did you mean 'staff'?)" in str(
        ScenarioError([problem])
    )


def test_missing_field_points_at_parent_mapping(tmp_path: Path) -> None:
    """A missing field is reported on the line of the mapping that lacks it."""
    path = write(tmp_path, "typo.yaml", edited("    staff: 3\n", "    stafff: 3\n"))
    problem = only(problems_of(path), "departments.住建局.staff")
    assert problem.message == "required field is missing"
    assert problem.line == 4
    assert line_text(path, 4).strip() == "住建局:"


def test_wrong_type_staff_many(tmp_path: Path) -> None:
    """A word where a count is due is reported in plain words."""
    path = write(tmp_path, "many.yaml", edited("    staff: 3\n", '    staff: "many"\n'))
    problem = only(problems_of(path), "departments.住建局.staff")
    assert problem.line == 5
    assert problem.message == "expected a whole number, got 'many'"


def test_unknown_department_suggests_closest_name(tmp_path: Path) -> None:
    """An unknown department reference suggests the closest department."""
    path = write(
        tmp_path, "dept.yaml", edited("    department: 住建局\n", "    department: 住建\n")
    )
    problems = problems_of(path)
    problem = only(problems, "items.施工许可.department")
    assert problem.line == 15
    assert "department: 住建" in line_text(path, 15)
    assert problem.suggestion == "住建局"
    assert str(ScenarioError(problems)) == (
        f"{path}:15: items.施工许可.department: unknown department '住建' (did you mean '住建局'?)"
    )


def test_unknown_item_in_project_type_points_at_list_entry(tmp_path: Path) -> None:
    """A bad list entry is reported on its own line."""
    text = edited("    items: [EIA, 施工许可]\n", "    items:\n      - EIA\n      - EIB\n")
    path = write(tmp_path, "item.yaml", text)
    problem = only(problems_of(path), "project_types.industrial.items.1")
    assert problem.line == 24
    assert line_text(path, 24).strip() == "- EIB"
    assert problem.suggestion == "EIA"


def test_cyclic_prerequisites(tmp_path: Path) -> None:
    """A prerequisite cycle is reported on the prerequisites line."""
    text = edited("    stage: 1\n", "    stage: 1\n    prerequisites: [施工许可]\n").replace(
        "    stage: 3\n", "    stage: 1\n"
    )
    path = write(tmp_path, "cycle.yaml", text)
    problem = only(problems_of(path), "items.EIA.prerequisites")
    assert "cycle" in problem.message
    assert "EIA -> 施工许可 -> EIA" in problem.message
    assert problem.line == 13
    assert "prerequisites" in line_text(path, 13)


def test_unknown_key_inside_distribution_suggests_field_of_that_kind(tmp_path: Path) -> None:
    """Suggestions inside a distribution come from that distribution's kind."""
    text = edited("high: 4}", "hihg: 4}")
    path = write(tmp_path, "dist.yaml", text)
    problem = only(problems_of(path), "items.EIA.effort_wd.hihg")
    assert problem.suggestion == "high"
    assert problem.line == 13


def test_bare_number_distribution_error_names_the_field(tmp_path: Path) -> None:
    """A bad bare-number distribution is reported at the field, not at ``fixed.value``."""
    path = write(tmp_path, "neg.yaml", edited("    effort_wd: 2\n", "    effort_wd: -2\n"))
    problem = only(problems_of(path), "items.施工许可.effort_wd")
    assert problem.line == 17
    assert problem.message == "must be greater than or equal to 0, got -2"


def test_unknown_kind_suggests_closest_kind(tmp_path: Path) -> None:
    """A misspelt ``kind`` suggests the closest kind."""
    path = write(tmp_path, "kind.yaml", edited("  kind: poisson\n", "  kind: possion\n"))
    problem = only(problems_of(path), "arrivals.kind")
    assert problem.line == 25
    assert problem.suggestion == "poisson"


def test_unknown_top_level_key_suggests(tmp_path: Path) -> None:
    """Unknown top-level keys get suggestions too."""
    path = write(tmp_path, "top.yaml", MINIMAL + "approval_mod: parallel\n")
    problem = only(problems_of(path), "approval_mod")
    assert problem.suggestion == "approval_mode"
    assert problem.line == 27


def test_messages_have_no_pydantic_jargon(tmp_path: Path) -> None:
    """Messages for many kinds of mistake are free of pydantic jargon."""
    text = (
        edited("    staff: 3\n", '    staff: "many"\n    stafff: 1\n')
        .replace("    stage: 3\n", "    stage: 9\n")
        .replace("rate_per_year: 24", "rate_per_year: -1")
        + "run: {seed: 1.5, start_date: 2026-02-30}\ncalendar: {closures: nope}\n"
        + "simulated_approval_options: 3\nhandoff_days: {kind: gamma}\n"
    ).replace("  环保局:\n", "  110: {staff: 1}\n  环保局:\n")
    path = write(tmp_path, "bad.yaml", text)
    # The path is dropped because pytest names tmp_path after the test.
    message = str(ScenarioError(problems_of(path))).replace(str(path), "")
    assert len(message.splitlines()) >= 10
    for jargon in (
        "input_value",
        "type=",
        "Input should",
        "pydantic",
        "errors.pydantic.dev",
        "[key]",
    ):
        assert jargon not in message


def test_error_pickles() -> None:
    """A ScenarioError survives pickling (it crosses process boundaries)."""
    error = ScenarioError([Problem("x.yaml", 3, "a.b", "unknown key", "b")])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems
    assert str(copy) == "x.yaml:3: a.b: unknown key (did you mean 'b'?)"


# --------------------------------------------------------------------------- YAML problems


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    """A YAML syntax error carries the file and line."""
    path = write(tmp_path, "syntax.yaml", "name: x\ndepartments:\n  a: {staff: 1\nitems: {}\n")
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    assert problem.line == 4
    assert problem.message.startswith("YAML syntax error")


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    """A duplicate key is refused at the line of its second occurrence."""
    path = write(tmp_path, "dup.yaml", edited("    staff: 2\n", "    staff: 2\n    staff: 4\n"))
    (problem,) = problems_of(path)
    assert problem.line == 8
    assert problem.field == "departments.环保局.staff"
    assert "duplicate key 'staff'" in problem.message
    assert "line 7" in problem.message


def test_python_tag_is_refused_and_not_executed(tmp_path: Path) -> None:
    """A Python object tag is refused and its command never runs."""
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        "evil.yaml",
        MINIMAL + f'source: !!python/object/apply:os.system ["touch {marker}"]\n',
    )
    (problem,) = problems_of(path)
    assert problem.line == 27
    assert "!!python/object/apply:os.system" in problem.message
    assert not marker.exists()


def test_python_tag_on_mapping_key_is_refused(tmp_path: Path) -> None:
    """Tags on keys are checked as well."""
    path = write(tmp_path, "evil.yaml", "? !!python/name:os.system\n: 1\n")
    (problem,) = problems_of(path)
    assert "not allowed" in problem.message


def test_empty_file(tmp_path: Path) -> None:
    """An empty file is a clear error."""
    (problem,) = problems_of(write(tmp_path, "empty.yaml", "# only a comment\n"))
    assert "empty" in problem.message


def test_top_level_must_be_mapping(tmp_path: Path) -> None:
    """A top-level list is a clear error."""
    (problem,) = problems_of(write(tmp_path, "list.yaml", "- a\n- b\n"))
    assert "mapping" in problem.message


def test_missing_file(tmp_path: Path) -> None:
    """A missing scenario file is a ScenarioError naming it."""
    path = tmp_path / "absent.yaml"
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    assert "not found" in problem.message


def test_non_utf8_file(tmp_path: Path) -> None:
    """A GBK-encoded file is refused with the line of the first bad byte."""
    raw = "name: x\n".encode() + "description: 投资项目\n".encode("gbk")
    path = write(tmp_path, "gbk.yaml", raw)
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    assert problem.line == 2
    assert "UTF-8" in problem.message


def test_huge_file_is_refused(tmp_path: Path) -> None:
    """Files over the size limit are refused before parsing."""
    path = write(tmp_path, "huge.yaml", b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    (problem,) = problems_of(path)
    assert "5 MB" in problem.message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    """Exponential alias expansion is stopped."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 10) + "]")
    (problem,) = problems_of(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))
    assert "aliases" in problem.message


# --------------------------------------------------------------------------- extends


def test_extends_override_one_department_keeps_the_rest(tmp_path: Path) -> None:
    """Overriding one department's staff keeps everything else from the base."""
    write(tmp_path, "base.yaml", MINIMAL)
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\ndepartments:\n  住建局: {staff: 9}\n"
    )
    data = read_scenario_data(child)
    assert "extends" not in data
    scenario = load_scenario(child)
    assert scenario.departments["住建局"].staff == 9
    assert scenario.departments["环保局"].staff == 2
    assert scenario.departments["环保局"].queue == "edf"
    assert list(scenario.items) == ["EIA", "施工许可"]
    assert scenario.name == "minimal"


def test_extends_chain_of_three_and_lines_follow_the_source_file(tmp_path: Path) -> None:
    """A chain of three files merges, and errors point into the file that wrote the value."""
    base = write(
        tmp_path, "base.yaml", edited("    department: 住建局\n", "    department: 住建\n")
    )
    write(
        tmp_path,
        "sub/mid.yaml",
        "extends: ../base.yaml\nname: mid\nitems:\n  EIA:\n    effort_wd: 5\n",
    )
    top = write(
        tmp_path,
        "sub/top.yaml",
        "extends: mid.yaml\ndescription: top\n"
        "departments:\n  住建局:\n    staff: 4\n    stafff: 1\n",
    )
    problems = problems_of(top)
    typo = only(problems, "departments.住建局.stafff")
    assert (typo.file, typo.line) == (str(top), 6)
    # Fix the typo to see the error that lives in the base file.
    top.write_text(top.read_text(encoding="utf-8").replace("    stafff: 1\n", ""), encoding="utf-8")
    dept = only(problems_of(top), "items.施工许可.department")
    assert Path(dept.file).resolve() == base.resolve()
    assert dept.line == 15
    base.write_text(MINIMAL, encoding="utf-8")
    scenario = load_scenario(top)
    assert (scenario.name, scenario.description) == ("mid", "top")
    assert scenario.departments["住建局"].staff == 4
    # A kind switch replaces the distribution whole instead of mixing keys.
    assert scenario.items["EIA"].effort_wd.kind == "fixed"
    assert scenario.items["EIA"].effort_wd.mean == 5
    assert scenario.items["EIA"].stage == 1


def test_extends_cycle(tmp_path: Path) -> None:
    """A cycle of two files is reported at the closing ``extends`` line."""
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    (problem,) = problems_of(tmp_path / "a.yaml")
    assert (problem.file, problem.line, problem.field) == (str(b), 2, "extends")
    assert "cycle" in problem.message


def test_extends_self_is_a_cycle(tmp_path: Path) -> None:
    """A file extending itself is a cycle."""
    path = write(tmp_path, "self.yaml", "name: a\n\nextends: self.yaml\n")
    (problem,) = problems_of(path)
    assert (problem.file, problem.line) == (str(path), 3)
    assert "cycle" in problem.message


def test_extends_missing_file(tmp_path: Path) -> None:
    """A missing parent is reported at the ``extends`` line."""
    path = write(tmp_path, "child.yaml", "name: c\nextends: nowhere.yaml\n")
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.field) == (str(path), 2, "extends")
    assert "nowhere.yaml" in problem.message
    assert "not found" in problem.message


# --------------------------------------------------------------------------- CSV arrivals


def test_csv_arrivals_loaded(tmp_path: Path) -> None:
    """CSV arrivals become a schedule; the path is relative to the scenario file."""
    scenario = load_scenario(DATA / "with_csv.yaml")
    assert scenario.arrivals.kind == "schedule"
    assert [(p.date, p.type) for p in scenario.arrivals.projects] == [
        (dt.date(2026, 1, 5), "industrial"),
        (dt.date(2026, 2, 10), "industrial"),
    ]
    # The CSV path is relative to the scenario file, not to the working directory.
    for name in ("minimal.yaml", "with_csv.yaml", "signed.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    moved = load_scenario(tmp_path / "with_csv.yaml")
    assert moved.arrivals == scenario.arrivals


def test_bad_csv_date_names_csv_line(tmp_path: Path) -> None:
    """An impossible date is reported at its CSV line (blank lines counted)."""
    write(tmp_path, "base.yaml", MINIMAL)
    csv_path = write(
        tmp_path, "signed.csv", "date,type\n2026-01-05,industrial\n\n2026-02-30,industrial\n"
    )
    path = write(
        tmp_path, "s.yaml", "extends: base.yaml\narrivals: {kind: csv, path: signed.csv}\n"
    )
    (problem,) = problems_of(path)
    assert (problem.file, problem.line) == (str(csv_path), 4)
    assert problem.field == "arrivals.projects.1.date"
    assert "2026-02-30" in problem.message


def test_csv_missing_column(tmp_path: Path) -> None:
    """A CSV without a ``type`` column is refused at its header."""
    write(tmp_path, "base.yaml", MINIMAL)
    csv_path = write(tmp_path, "signed.csv", "date,kind\n2026-01-05,industrial\n")
    path = write(
        tmp_path, "s.yaml", "extends: base.yaml\narrivals: {kind: csv, path: signed.csv}\n"
    )
    (problem,) = problems_of(path)
    assert (problem.file, problem.line) == (str(csv_path), 1)
    assert "'type'" in problem.message


def test_csv_unknown_type_points_at_csv_row(tmp_path: Path) -> None:
    """An unknown project type in the CSV is reported at its CSV row."""
    write(tmp_path, "base.yaml", MINIMAL)
    csv_path = write(
        tmp_path, "signed.csv", "date,type\n2026-01-05,industrial\n2026-01-06,industriel\n"
    )
    path = write(
        tmp_path, "s.yaml", "extends: base.yaml\narrivals: {kind: csv, path: signed.csv}\n"
    )
    problem = only(problems_of(path), "arrivals.projects.1.type")
    assert (problem.file, problem.line) == (str(csv_path), 3)
    assert problem.suggestion == "industrial"


def test_csv_missing_file_points_at_path_key(tmp_path: Path) -> None:
    """A missing CSV is reported at the ``path`` line of the scenario."""
    write(tmp_path, "base.yaml", MINIMAL)
    path = write(
        tmp_path, "s.yaml", "extends: base.yaml\narrivals:\n  kind: csv\n  path: gone.csv\n"
    )
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.field) == (str(path), 4, "arrivals.path")
