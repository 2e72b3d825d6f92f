"""Morris screening ranks a parameter that matters above one that cannot."""

from __future__ import annotations

import pytest

from conftest import DEVELOPMENT, make_scenario
from model.scenario.problems import ScenarioError
from model.experiments.sensitivity import parse_range, sensitivity


def test_parse_range() -> None:
    assert parse_range("departments.D.staff=2:8") == ("departments.D.staff", (2.0, 8.0))
    for bad in ("x=3:1", "x=1", "x=a:b", "=1:2"):
        with pytest.raises(ValueError):
            parse_range(bad)


def test_morris_ranks_the_busy_department_above_a_limit_that_moves_nothing() -> None:
    """Staff of a busy department changes waits; a statutory limit only labels items.

    Under first-come-first-served queues the limit changes no event, so on common
    random numbers its elementary effects are exactly zero.
    """
    base = make_scenario(**{"arrivals.rate_per_year": 80, "run.horizon_days": 200})
    result = sensitivity(
        base,
        {f"departments.{DEVELOPMENT}.staff": (1, 4), "items.filing.statutory_limit_wd": (0.5, 3.0)},
        outputs=["signing_to_start_days", "share_items_within_limit"],
        trajectories=3,
        replications=1,
        seed=5,
    )
    ranking = result.ranking
    start = ranking[ranking["output"] == "signing_to_start_days"].set_index("parameter")
    assert start.loc[f"departments.{DEVELOPMENT}.staff", "rank"] == 1
    assert start.loc["items.filing.statutory_limit_wd", "mu_star"] == 0.0
    assert start.loc[f"departments.{DEVELOPMENT}.staff", "mu_star"] > 0
    # ...but the limit does move the share of items decided within their limit.
    share = ranking[ranking["output"] == "share_items_within_limit"].set_index("parameter")
    assert share.loc["items.filing.statutory_limit_wd", "mu_star"] > 0
    # Integer parameters are sampled as integers; the sample is reproducible.
    staff = result.samples[f"departments.{DEVELOPMENT}.staff"]
    assert (staff == staff.round()).all() and set(staff) <= {1, 2, 3, 4}
    assert len(result.samples) == 3 * (2 + 1)


def test_bad_parameters_are_refused_before_running() -> None:
    base = make_scenario()
    with pytest.raises(ScenarioError):
        sensitivity(base, {"departments.nobody.staff": (1, 4)}, replications=1)
    with pytest.raises(ValueError, match="levels - 1"):
        sensitivity(base, {f"departments.{DEVELOPMENT}.staff": (1, 2)}, replications=1)
