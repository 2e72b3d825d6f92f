"""One rule for replications and seed: the caller's where given, else the scenario's."""

from __future__ import annotations

import pytest
from conftest import make_scenario

import model


def test_defaults_come_from_the_scenario() -> None:
    scenario = make_scenario(**{"run.replications": 7, "run.seed": 11})
    assert scenario.run.resolve(None, None) == (7, 11)
    assert scenario.run.resolve(3, 0) == (3, 0)  # seed 0 is a seed, not "unset"


@pytest.mark.parametrize("replications", [0, -1])
def test_zero_replications_is_an_error_not_the_default(replications: int) -> None:
    scenario = make_scenario()
    with pytest.raises(ValueError, match="replications must be at least 1"):
        model.run(scenario, replications=replications)


def test_negative_seed_is_an_error() -> None:
    with pytest.raises(ValueError, match="seed must be 0 or more"):
        make_scenario().run.resolve(None, -5)
