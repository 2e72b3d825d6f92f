"""``approvalsim init`` writes a starter that validates and runs; ``diff`` lists what differs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import model
from model.cli.app import main
from model.scenario.diff import ABSENT, differences, format_value
from model.scenario.loader import load_scenario
from model.scenario.starter import starter_text

ROOT = Path(__file__).resolve().parents[2]


def test_init_writes_a_commented_starter_that_validates_and_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "county.yaml"
    assert main(["init", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.count("\n#") >= 20, "the starter explains its sections in comments"
    assert "source:" in text and "[E]" in text
    assert main(["validate", str(path)]) == 0
    assert "county.yaml: ok — county" in capsys.readouterr().out
    scenario = load_scenario(path).with_overrides({"run.horizon_days": 120})
    results = model.run(scenario, replications=1, workers=1)
    assert len(results.summary) == 1
    assert results.summary["signing_to_start_days"].iloc[0] > 0
    # Every section carries a source, so a report has something to count.
    assert all(item.source for item in scenario.items.values())
    assert all(d.source for d in scenario.departments.values())


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("my own work\n", encoding="utf-8")
    assert main(["init", str(path)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "my own work\n"
    assert main(["init", str(path), "--force", "--name", "县 A: 试点"]) == 0
    assert load_scenario(path).name == "县 A: 试点"


def test_init_default_path_and_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert load_scenario(tmp_path / "scenario.yaml").name == "my-county"
    assert main(["init", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_starter_quotes_names_yaml_would_misread() -> None:
    for name in ("yes", "1.5", "a: b", "#x", "null", "发改局-试点"):
        assert yaml.safe_load(starter_text(name))["name"] == name


def test_diff_of_the_bundled_reform_step(capsys: pytest.CaptureFixture[str]) -> None:
    base, reform = ROOT / "scenarios/baseline-serial.yaml", ROOT / "scenarios/parallel.yaml"
    assert main(["diff", str(base), str(reform)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "approval_mode: serial → parallel" in lines
    assert "time_limits: statutory → committed" in lines
    clerks = next(line for line in lines if line.startswith("mechanisms.one_window.clerks:"))
    assert "4 → 6" in clerks and "B source: [N] 淳安" in clerks
    assert lines[-1] == "5 settings differ"
    # parallel.yaml extends the baseline: what it inherits is no difference.
    assert not any(line.startswith("departments.") for line in lines)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_diff_resolves_extends_and_ignores_defaults_written_out(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.yaml", starter_text("base"))
    child = _write(
        tmp_path / "child.yaml",
        "extends: base.yaml\n"
        "name: child\n"
        "description: other words\n"
        "approval_mode: serial\n"  # the same value, written out
        "departments:\n"
        "  发改局: {staff: 4, source: '[E] two more'}\n"
        "  统计局: {staff: 1}\n"
        "items:\n"
        "  construction_permit: {effort_wd: 2}\n"
        "  filing: {effort_wd: {kind: uniform, low: 0.5, high: 2}}\n"
        "  statistics: {department: 统计局, stage: licence, effort_wd: 1}\n"
        "project_types:\n"
        "  expansion: {items: [filing, construction_permit, acceptance, statistics]}\n",
    )
    found = {d.path: d for d in differences(load_scenario(base), load_scenario(child))}
    assert set(found) == {
        "departments.发改局.staff",
        "departments.统计局",
        "items.construction_permit.effort_wd",
        "items.filing.effort_wd.high",
        "items.statistics",
        "project_types.expansion.items",
    }
    staff = found["departments.发改局.staff"]
    assert (staff.a, staff.b) == (2, 4)
    assert staff.source_a == "[E] two case officers in the approval section"
    assert staff.source_b == "[E] two more"
    new = found["departments.统计局"]
    assert new.a is ABSENT and new.source_a is None
    assert format_value(new.b) == "{staff=1, queue=fifo}"
    effort = found["items.construction_permit.effort_wd"]
    assert format_value(effort.a) == "lognormal(mean=2, sd=1)"
    assert format_value(effort.b) == "2"
    assert effort.source_b == "[E] construction permit (施工许可)", "the item's note, inherited"


def test_diff_of_identical_files_and_of_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path / "a.yaml", starter_text("a"))
    b = _write(tmp_path / "b.yaml", starter_text("b"))
    assert main(["diff", str(a), str(b)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no settings differ"
    bad = _write(tmp_path / "bad.yaml", starter_text("bad").replace("staff: 2", "staf: 2"))
    assert main(["diff", str(a), str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err
