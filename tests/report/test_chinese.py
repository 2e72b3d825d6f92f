"""A Chinese report is in Chinese: no raw keys, no Python reprs, no English table headers.

Every item, project type, pool, department and mechanism that has a Chinese name is
shown by it; values read as words and units; the English report stays English.
"""

from __future__ import annotations

import html as markup
import re
import shutil
from pathlib import Path

import named_fixtures
import pandas as pd
import pytest

from model.outputs.folders import ResultsFolder, load_results
from model.report import render as report
from model.report.names import Names, certainty
from model.report.sections import run_note, shown_part

# The shared fixtures, registered in this module (see named_fixtures).
named_comparison = named_fixtures.named_comparison
named_dir = named_fixtures.named_dir
named_data = named_fixtures.named_data
ITEM_NAMES = named_fixtures.ITEM_NAMES
TYPE_NAMES = named_fixtures.TYPE_NAMES


def visible_text(page: str) -> str:
    """What a reader sees: no style, no images, no tags, no code (folder names and hashes)."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<code>.*?</code>", "", page, flags=re.S)
    page = re.sub(r"<img [^>]*>", "", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return markup.unescape(page)


@pytest.fixture(scope="module")
def zh(named_data: ResultsFolder) -> str:
    return visible_text(report.render_html(named_data, "zh"))


@pytest.fixture(scope="module")
def en(named_data: ResultsFolder) -> str:
    return visible_text(report.render_html(named_data, "en"))


def test_no_raw_item_or_type_keys_where_a_chinese_name_exists(zh: str) -> None:
    for key, label in {**ITEM_NAMES, **TYPE_NAMES}.items():
        assert not re.search(rf"\b{key}\b", zh), f"{key} is shown raw; it is called {label}"
    assert "土地挂牌出让" in zh and "工业项目" in zh


def test_scenarios_are_shown_by_their_chinese_names_and_descriptions(zh: str) -> None:
    for name in ("serial", "parallel", "simulated"):
        assert not re.search(rf"\b{name}\b", zh), f"scenario {name} is shown by its key"
    assert "并联＋模拟审批" in zh
    assert "测试用的小县" in zh
    assert "A small test county" not in zh, "the English description is not shown in Chinese"


def test_pools_and_levels_are_named_in_chinese(named_data: ResultsFolder, zh: str) -> None:
    """The utilisation figure and the timelines draw the names of the shown tables."""
    parts = named_data.scenarios
    names = Names.build([(p.label, p.scenario) for p in parts], "zh")
    shown = shown_part(parts[1], names)
    pools = set(shown.resources["resource"])
    assert {"住建局/审核", "住建局/签发", "综合窗口"} <= pools, (
        "a level without label_zh reads 签发"
    )
    assert not any(re.search(r"[A-Za-z]", p) for p in pools), pools
    assert set(shown.items["item"]) <= set(ITEM_NAMES.values())
    assert set(shown.projects["project_type"]) <= set(TYPE_NAMES.values())
    assert shown.summary.equals(parts[1].summary), "only names change, never numbers"
    assert list(shown.resources["utilisation"]) == list(parts[1].resources["utilisation"])
    assert not re.search(r"/(chief|leader)\b", zh)


def test_values_are_words_and_units_not_python_reprs(zh: str) -> None:
    assert "三角分布，最少" in zh and "个工作日" in zh
    for repr_ in ("triangular(", "uniform(", "low=", "kind", "True", "False", "None", "[]"):
        assert repr_ not in zh, repr_
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", zh), re.findall(r"\b[a-z]+_[a-z_]+\b", zh)[:5]


def test_table_headers_are_chinese(zh: str) -> None:
    for header in ("mean_item_days", "share_within_limit", "utilisation", "department"):
        assert header not in zh
    assert "事项平均天数" in zh and "利用率" in zh


def test_english_report_stays_english(en: str) -> None:
    assert "Key outputs on both clocks" in en
    for chinese in ("三角分布", "土地挂牌出让", "并联审批", "综合窗口", "第 "):
        assert chinese not in en
    assert "triangular: min" in en, "English values are words too"
    assert "triangular(" not in en


def test_holiday_note_is_chinese() -> None:
    note = (
        "public holidays of 2027-2033 projected by rule: "
        "projected (holidays package, no make-up days)"
    )
    assert (
        run_note(note, "zh")
        == "2027-2033 年的法定节假日按规则推算（holidays 软件包，不含调休上班日）"
    )
    assert run_note(note, "en") == note


def test_mechanisms_have_chinese_names() -> None:
    names = Names("zh")
    from model.scenario.schema import Mechanisms

    for key in Mechanisms.model_fields:
        shown = names.mechanism(f"mechanisms.{key}")
        assert shown != key and re.search(r"[\u4e00-\u9fff]", shown), key


def test_bundled_scenarios_name_every_item_and_type_in_chinese() -> None:
    from pathlib import Path

    from model.scenario.loader import load_scenario

    root = Path(__file__).resolve().parents[2] / "scenarios"
    labels = set()
    for path in sorted(root.glob("*.yaml")):
        scenario = load_scenario(path)
        assert scenario.label_zh and scenario.description_zh, path.name
        labels.add(scenario.label_zh)
        assert all(item.label_zh for item in scenario.items.values()), path.name
        assert all(kind.label_zh for kind in scenario.project_types.values()), path.name
    assert len(labels) == len(list(root.glob("*.yaml"))), "each scenario has its own label_zh"


def test_an_inherited_chinese_label_is_not_used_twice() -> None:
    from conftest import base_scenario_dict

    from model.scenario.schema import Scenario

    one = Scenario.model_validate({**base_scenario_dict(), "label_zh": "基准"})
    two = Scenario.model_validate({**base_scenario_dict(), "name": "b", "label_zh": "基准"})
    names = Names.build([("small", one), ("b", two)], "zh")
    assert names.scenario("small") == "small" and names.scenario("b") == "b"


@pytest.mark.parametrize(
    ("note", "tag"),
    [
        ("[E] an estimate", "E"),
        ("[N] a news figure; share [E]", "E"),
        ("parameters.md lists it as practice [R/N]", "R"),
        ("[P] a notice", "P"),
        ("mechanisms.md: no parameters", "untagged"),
        (None, "none"),
    ],
)
def test_certainty_is_the_weakest_source_tag(note: str | None, tag: str) -> None:
    assert certainty(note) == tag


def test_swept_parameter_and_attributed_mechanisms_are_named_in_chinese(
    named_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "extras"
    shutil.copytree(named_dir, folder)
    rows = [
        {"variant_id": v, "departments.发改局.staff": staff, "replication": r,
         "signing_to_start_days": 100.0 / staff + r, "trips": 5.0}
        for v, staff in enumerate([1, 2, 3]) for r in range(2)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "sweep.csv", index=False)
    pd.DataFrame(
        {"factor": ["mechanisms.one_window", "approval_mode"], "output": "signing_to_start_days",
         "contribution": [-20.0, -5.0], "ci_low": [-25.0, -8.0], "ci_high": [-15.0, -2.0]}
    ).to_csv(folder / "attribution.csv", index=False)  # fmt: skip
    zh = visible_text(report.render_html(load_results(folder), "zh"))
    assert "部门：发改局 · 承办人数" in zh
    assert "departments." not in zh
    assert "作用最大的三项机制" in zh and "一个窗口办理" in zh and "并联审批" in zh
    assert "one_window" not in zh
