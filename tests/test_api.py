"""The public API is small and explicit; the README's Python snippet runs."""

from __future__ import annotations

import re
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parent.parent


def test_public_names_are_pinned() -> None:
    assert sorted(model.__all__) == [
        "Comparison", "Results", "Scenario", "ScenarioError", "attribute", "compare",
        "load_scenario", "plan_staff", "run", "run_replication", "sensitivity", "sweep",
        "write_report",
    ]  # fmt: skip
    for name in model.__all__:
        assert getattr(model, name) is not None


def test_readme_python_example_runs(monkeypatch: object) -> None:
    """The first Python block of the README, shortened to one quick replication."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(import model\n.*?)```", readme, re.S)
    assert block is not None
    code = block.group(1).replace("replications=5", "replications=1")
    code = code.replace(
        '{"approval_mode": "parallel"}',
        '{"approval_mode": "parallel", "run.horizon_days": 120.0, "run.warmup_days": 0.0}',
    )
    code = code.replace("model.compare([baseline, parallel]", "model.compare([parallel, parallel]")
    namespace: dict[str, object] = {}
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    assert len(namespace["results"].projects) > 0  # type: ignore[attr-defined]
