"""Warm start: continuing a sampled steady state instead of simulating the warm-up.

Exact cases first (a project caught building finishes on the day it would have;
a snapshot records what was decided and what was under review), then the paired
test that a warm start gives the outputs of a long warm-up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model.experiments.batch import replicate, run
from model.scenario.loader import load_scenario
from model.scenario.problems import ScenarioError
from model.scenario.schema import Scenario
from model.simulation.replication import _simulate, build_calendar
from model.simulation import steady_state
from model.simulation.steady_state import SNAPSHOT_ID_BASE, History
from tests.simulation.test_exact import MONDAY, scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LIFECYCLE = {
    "a": {"stage": 1, "effort_wd": 1},
    "acc": {"stage": 4, "effort_wd": 2},
    "lic": {"stage": "licence", "effort_wd": 1},
}


def _lifecycle_scenario() -> Scenario:
    signings = [MONDAY, MONDAY + dt.timedelta(days=7)]
    return scenario(LIFECYCLE, signings=signings).with_overrides(
        {"project_types.t.production_prep_days": 1}
    )


def _milestones(events: pd.DataFrame, project_id: int) -> dict[str, float]:
    rows = events[events["project_id"] == project_id]
    done = rows[rows["lifecycle"] == "complete"]
    return dict(zip(done["activity"], done["time"], strict=False))


def _history(s: Scenario, project_id: int) -> History:
    cases = _simulate(s, 0, 1, build_calendar(s), keep_histories=True)[1]
    return next(History.of(c) for c in cases if c.project_id == project_id)


def test_a_project_building_at_the_start_finishes_as_in_its_own_run() -> None:
    s = _lifecycle_scenario()
    calendar = build_calendar(s)
    cold = _simulate(s, 0, 1, calendar)[0].events
    # Day 5: the first project builds (days 1 to 11); the second is not yet signed.
    state = _history(s, 0).state_at(5.0, 0.0, SNAPSHOT_ID_BASE)
    assert state is not None
    assert state.construction_day == pytest.approx(1.0)
    assert state.done == frozenset({"a"})
    warm = _simulate(s, 0, 1, calendar, start_day=5.0, states=[state])[0].events
    expected = _milestones(cold, 0)
    continued = _milestones(warm, SNAPSHOT_ID_BASE)
    # The history is logged as it happened, the rest happens on the same days.
    for milestone in ("signed", "construction_start", "completed", "accepted", "production"):
        assert continued[milestone] == expected[milestone], milestone
    assert expected["production"] == pytest.approx(16.0)
    # Nothing already decided is reviewed again.
    again = warm[(warm["project_id"] == SNAPSHOT_ID_BASE) & (warm["item"] == "a")]
    assert again.empty
    # The signing after the start is the cold run's own project 1, on the same days.
    assert _milestones(warm, 1) == _milestones(cold, 1)


def test_a_history_read_mid_review_keeps_the_item_under_review() -> None:
    history = _history(_lifecycle_scenario(), 0)
    # Half a day in, item a (one working day from day 0) is under review.
    state = history.state_at(0.5, 0.0, SNAPSHOT_ID_BASE)
    assert state is not None
    assert state.under_way == {"a": 0.0}
    assert state.done == frozenset()
    assert state.construction_day is None
    assert state.draws.project_id == SNAPSHOT_ID_BASE
    # Moved to a signing three days later, every time moves with it.
    moved = history.state_at(5.0, 3.0, SNAPSHOT_ID_BASE)
    assert moved is not None
    assert moved.construction_day == pytest.approx(4.0)
    assert moved.draws.signed_day == pytest.approx(3.0)
    # By day 20 it is in production: nothing to continue.
    assert history.state_at(20.0, 0.0, SNAPSHOT_ID_BASE) is None


def test_each_replication_samples_its_own_projects_in_progress() -> None:
    # The count is the replication's own (Poisson signings x borrowed survival), not
    # one pilot's luck shared by all: it varies across replications, around the
    # number a cold run has in progress at the same day.
    warm = _short("three-sixes", warm=True)
    cold = _short("three-sixes", warm=False)
    start = warm.run.warmup_days - warm.run.settle_days
    calendar = build_calendar(warm)
    plan_ = steady_state.plan(warm)
    pilot = steady_state.Pilot.of(
        _simulate(plan_.pilot, steady_state.PILOT_REPLICATION, 7, calendar, keep_histories=True)[1]
    )
    counts = [
        len(steady_state.sample(pilot, warm, np.random.default_rng(r), start)) for r in range(40)
    ]
    cold_counts = []
    for r in range(6):
        cases = _simulate(cold, r, 7, calendar, keep_histories=True)[1]
        cold_counts.append(
            sum(
                c.draws.signed_day < start
                and (c.production_day is None or c.production_day > start)
                for c in cases
            )
        )
    assert len(set(counts)) > 5
    # Means within their combined standard error, three times over.
    spread = np.sqrt(np.var(counts) / len(counts) + np.var(cold_counts) / len(cold_counts))
    assert abs(np.mean(counts) - np.mean(cold_counts)) < 3 * spread + 1, (counts, cold_counts)


def test_a_warm_up_no_longer_than_the_settling_is_simulated_whole() -> None:
    base = _short("three-sixes", warm=False).with_overrides({"run.warmup_days": 100})
    warm = base.with_overrides({"run.warm_start": True})
    assert not warm.run.starts_warm
    cold_summary = replicate(base, 0, 5, keep_events=False, keep_tables=False).summary
    warm_summary = replicate(warm, 0, 5, keep_events=False, keep_tables=False).summary
    assert warm_summary == cold_summary


def test_warm_start_refuses_a_schedule_of_signings() -> None:
    with pytest.raises((ScenarioError, ValueError), match="warm start needs random arrivals"):
        scenario(LIFECYCLE).with_overrides(
            {"run.warm_start": True, "run.warmup_days": 20, "run.settle_days": 5}
        )


def _short(name: str, warm: bool) -> Scenario:
    """A bundled scenario over a short warm-up, for cheap whole-run checks."""
    return load_scenario(SCENARIOS / f"{name}.yaml").with_overrides(
        {
            "run.warm_start": warm,
            "run.warmup_days": 300,
            "run.settle_days": 120,
            "run.horizon_days": 400,
            "run.drain_limit_days": 400,
        }
    )


def test_warm_start_gives_the_same_numbers_on_any_number_of_workers() -> None:
    s = _short("three-sixes", warm=True)
    one = run(s, replications=2, seed=3, workers=1, keep_tables=False).summary
    two = run(s, replications=2, seed=3, workers=2, keep_tables=False).summary
    pd.testing.assert_frame_equal(one, two)


#: Outputs compared, with the equivalence margin of each (relative to the cold mean).
MARGINS = {
    "signing_to_start_days": 0.02,
    "land_to_start_days": 0.03,
    "signing_to_production_days": 0.02,
    "share_items_within_limit": 0.02,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baseline-serial", "three-sixes"])
def test_warm_start_matches_a_long_warm_up_paired(name: str) -> None:
    # Replication r of both runs signs the same projects after the start, on the same
    # streams; only the county they meet differs (simulated three years vs sampled).
    cold = load_scenario(SCENARIOS / f"{name}.yaml").with_overrides({"run.warm_start": False})
    warm = cold.with_overrides({"run.warm_start": True})
    n = 4
    rows = {
        label: pd.DataFrame(
            [replicate(s, r, 11, keep_events=False, keep_tables=False).summary for r in range(n)]
        )
        for label, s in (("cold", cold), ("warm", warm))
    }
    # It is a warm start: far fewer events than simulating the warm-up.
    assert rows["warm"]["events"].mean() < 0.8 * rows["cold"]["events"].mean()
    t = stats.t.ppf(0.975, n - 1)
    for output, margin in MARGINS.items():
        difference = (rows["warm"][output] - rows["cold"][output]).to_numpy(float)
        half_width = t * difference.std(ddof=1) / np.sqrt(n)
        bound = margin * abs(rows["cold"][output].mean())
        # Equivalence (two one-sided tests): the whole 95 % interval inside the margin.
        assert abs(difference.mean()) + half_width < bound, (output, difference, bound)
