"""The public API is small and explicit; the README's Python snippet runs."""

from __future__ import annotations

import re
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parent.parent


def test_public_names_are_pinned() -> None:
    assert sorted(model.__all__) == [
        "Comparison", "Results", "Scenario", "ScenarioError", "__version__", "attribute",
        "compare", "load_scenario", "plan_staff", "plots", "run", "run_replication",
        "sensitivity", "sweep", "write_report",
    ]  # fmt: skip


def test_public_names_are_what_they_say() -> None:
    """Each export is the real function, class or module, not a placeholder."""
    import inspect

    from model.experiments import batch
    from model.outputs import plots

    for name in ("attribute", "compare", "load_scenario", "plan_staff", "run",
                 "run_replication", "sensitivity", "sweep", "write_report"):  # fmt: skip
        value = getattr(model, name)
        assert inspect.isfunction(value), name
        assert value.__name__ == name
    for name in ("Comparison", "Results", "Scenario", "ScenarioError"):
        assert inspect.isclass(getattr(model, name)), name
    assert model.run is batch.run
    assert model.plots is plots
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|0\+unknown", model.__version__)
    assert "no_such_name" not in dir(model)
    try:
        model.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")


def test_readme_python_example_runs(monkeypatch: object) -> None:
    """The first Python block of the README, shortened to one quick replication."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(import model\n.*?)```", readme, re.S)
    assert block is not None
    code = block.group(1).replace("replications=5", "replications=1")
    code = code.replace(
        '{"approval_mode": "parallel", "name": "parallel"}',
        '{"approval_mode": "parallel", "name": "parallel", "run.horizon_days": 120.0, '
        '"run.warmup_days": 0.0}',
    )
    code = code.replace(
        "model.compare([baseline, parallel]",
        "model.compare([parallel.with_overrides({'name': 'again'}), parallel]",
    )
    namespace: dict[str, object] = {}
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    assert len(namespace["results"].projects) > 0  # type: ignore[attr-defined]


def test_readme_scenario_example_validates_and_runs() -> None:
    """The README's scenario example is a real scenario: it validates and simulates."""
    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(name: small-county\n.*?)```", readme, re.S)
    assert block is not None
    data = yaml.safe_load(block.group(1))
    data["run"]["replications"] = 1
    scenario = model.Scenario.model_validate(data)
    results = model.run(scenario, keep_events=False)
    assert results.summary["projects"].iloc[0] > 0
    assert {"自然资源和规划局/chief", "自然资源和规划局/leader"} <= set(results.resources["resource"])
