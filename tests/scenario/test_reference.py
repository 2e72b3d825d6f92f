"""The scenario reference in docs/ is generated from the schema and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scenario_reference_matches_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("reference", ROOT / "scripts" / "scenario_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert module.reference() == committed, "run: python scripts/scenario_reference.py"
    assert "| `staff` | integer | required |" in committed
