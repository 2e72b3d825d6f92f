"""Shared fixtures of the new report tests: a small comparison that names everything in Chinese.

Imported by the test modules that use them (a conftest.py here would shadow tests/conftest.py,
which the tests import as ``conftest``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import base_scenario_dict

import model
from model.outputs.folders import ResultsFolder, load_results, write_comparison

#: Chinese names of the base scenario's items and project types (tests/conftest.py).
ITEM_NAMES: dict[str, str] = {
    "listing": "土地挂牌出让",
    "registration": "企业设立登记",
    "filing": "项目赋码备案",
    "planning_permit": "建设工程规划许可证",
    "fire_design": "消防设计审查",
    "construction_permit": "施工许可证",
    "acceptance": "联合验收",
    "business_licence": "营业执照",
}
TYPE_NAMES: dict[str, str] = {"industrial": "工业项目", "expansion": "扩建项目"}


def named_scenario_dict(name: str, label_zh: str, **changes: Any) -> dict[str, Any]:
    """The base scenario with a Chinese name for every item, type and the scenario itself.

    One department gets a sign-off chain (levels with and without a ``label_zh``),
    and every source note is tagged, so the brief has something to count.
    """
    data = base_scenario_dict()
    data["name"] = name
    data["label_zh"] = label_zh
    data["description_zh"] = f"{label_zh}：测试用的小县。"
    for key, label in ITEM_NAMES.items():
        data["items"][key]["label_zh"] = label
        data["items"][key]["source"] = "[E] test estimate"
    for key, label in TYPE_NAMES.items():
        data["project_types"][key]["label_zh"] = label
    data["departments"]["住建局"]["signoff"] = [
        {"name": "chief", "label_zh": "审核", "staff": 1, "hours": 0.5},
        {"name": "leader", "staff": 1, "hours": 0.5},
    ]
    data["departments"]["发改局"]["source"] = "[P] a notice"
    data["arrivals"]["source"] = "[N] a news report; share [E]"
    for key, value in changes.items():
        data[key] = copy.deepcopy(value)
    return data


@pytest.fixture(scope="session")
def named_comparison() -> model.Comparison:
    """Serial, parallel with a window, and parallel with simulated approval: three steps."""
    serial = model.Scenario.model_validate(named_scenario_dict("serial", "串联基准"))
    window = {"one_window": {"enabled": True, "clerks": 2}}
    parallel = model.Scenario.model_validate(
        named_scenario_dict("parallel", "并联审批", approval_mode="parallel", mechanisms=window)
    )
    simulated = model.Scenario.model_validate(
        named_scenario_dict(
            "simulated",
            "并联＋模拟审批",
            approval_mode="parallel",
            simulated_approval=True,
            mechanisms=window,
        )
    )
    return model.compare([serial, parallel, simulated], replications=3, workers=1)


@pytest.fixture(scope="session")
def named_dir(named_comparison: model.Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("named")
    write_comparison(named_comparison, folder, "csv", ["s0", "s1", "s2"])
    return folder


@pytest.fixture(scope="session")
def named_data(named_dir: Path) -> ResultsFolder:
    return load_results(named_dir)
