"""The bundled scenarios: they load, and their reforms move the outputs as claimed.

Shortened to two years of signings (one of warm-up) and four replications to
stay fast; the paired differences are on common random numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import model
from model.experiments.batch import Comparison

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHORT = {"run.horizon_days": 730.0, "run.warmup_days": 365.0}


def load(name: str) -> model.Scenario:
    return model.load_scenario(SCENARIOS / f"{name}.yaml").with_overrides(SHORT)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenario_loads_and_cites_sources(path: Path) -> None:
    scenario = model.load_scenario(path)
    assert scenario.source or scenario.description
    cited = [d for d in scenario.departments.values() if d.source]
    assert len(cited) == len(scenario.departments), "every department's staff has a source"


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    names = ["baseline-serial", "parallel", "simulated", "three-sixes"]
    return model.compare([load(n) for n in names], replications=4, workers=2)


def significant_drop(comparison: Comparison, scenario: str, output: str, baseline: int = 0) -> None:
    results = {r.scenario.name: r for r in comparison.results}
    base = comparison.results[baseline]
    table = Comparison([base, results[scenario]]).differences([output]).iloc[0]
    assert table["ci_high"] < 0, (scenario, output, table.to_dict())


@pytest.mark.slow
def test_parallel_beats_serial_on_signing_to_start(comparison: Comparison) -> None:
    significant_drop(comparison, "parallel", "signing_to_start_days")


@pytest.mark.slow
def test_simulated_beats_parallel_on_signing_to_start(comparison: Comparison) -> None:
    significant_drop(comparison, "simulated", "signing_to_start_days", baseline=1)


@pytest.mark.slow
@pytest.mark.parametrize("output", ["signing_to_production_days", "land_to_start_days", "trips"])
def test_three_sixes_gains_over_the_baseline(comparison: Comparison, output: str) -> None:
    significant_drop(comparison, "three-sixes", output)
