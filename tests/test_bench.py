"""The benchmark compares like with like: the bare SimPy model does the domain model's work."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import make_scenario
from model.experiments.batch import replicate
from model.scenario.schema import Scenario

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bare import bare_replication  # noqa: E402
from bench import measure_models  # noqa: E402

MILESTONES = ("land_obtained", "construction_start", "completed", "accepted", "production")


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"approval_mode": "parallel"},
        {
            "intake_wd": 0.2,
            "enterprise.misroute_probability": 0.4,
            "enterprise.misroute_delay_days": 2,
            "enterprise.stage_gap_days": {"kind": "uniform", "low": 1, "high": 9},
            "arrivals.rate_per_year": 90,
        },
    ],
    ids=["serial", "parallel", "frictions-and-queues"],
)
def test_bare_model_reaches_every_milestone_at_the_same_time(overrides: dict[str, object]) -> None:
    scenario = make_scenario(**overrides)
    milestones, events = bare_replication(scenario, 1, seed=4)
    projects = replicate(scenario, 1, 4, keep_events=False).projects.set_index("project_id")
    assert events > 0 and len(projects) == len(milestones)
    for name in MILESTONES:
        bare = np.array([milestones[p].get(name, np.nan) for p in projects.index])
        np.testing.assert_allclose(bare, projects[f"{name}_day"].to_numpy(float), rtol=0, atol=1e-9)


def test_bare_model_refuses_what_it_does_not_model() -> None:
    with pytest.raises(ValueError, match="agents"):
        bare_replication(make_scenario(**{"mechanisms.agents.enabled": True}), 0)
    with pytest.raises(ValueError, match="simulated approval"):
        bare_replication(make_scenario(simulated_approval=True), 0)
    with pytest.raises(ValueError, match="government-work model"):
        bare_replication(make_scenario(**{"government.pace": 0.5}), 0)


def test_measure_models_counts_the_same_simpy_work() -> None:
    scenario: Scenario = make_scenario(**{"run.horizon_days": 120})
    m = measure_models(scenario, 1)
    assert m["domain_s"] > 0 and m["bare_s"] > 0
    # Same processes and timeouts, but the domain model grants a free reviewer on the
    # spot where bare SimPy spends a request and a release event on it.
    assert m["domain_events"] < 0.8 * m["bare_events"]
    assert m["facts"] > 0
