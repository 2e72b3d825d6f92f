"""Attribution: Shapley values on games with known answers, and a reform split that adds up."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import base_scenario_dict, make_scenario
from model.experiments.attribution import (
    attribute,
    coalitions_needed,
    mechanism_factors,
    permutation_orders,
    shapley_exact,
    shapley_from_orders,
)
from model.experiments.batch import compare

ROOT = Path(__file__).resolve().parents[2]


def game(k: int, value: object) -> dict[frozenset[int], np.ndarray]:
    """Every coalition's value under ``value(set)``."""
    return {
        frozenset(c): np.asarray(value(frozenset(c)), dtype=float)  # type: ignore[operator]
        for size in range(k + 1)
        for c in itertools.combinations(range(k), size)
    }


def test_exact_shapley_of_an_additive_game_is_each_weight() -> None:
    weights = [3.0, -1.0, 0.5, 2.0]
    values = game(4, lambda s: sum(weights[i] for i in s))
    assert np.allclose(shapley_exact(values, 4), weights)


def test_exact_shapley_splits_an_interaction_equally() -> None:
    # v = 2 x1 + 6 [1 and 2 both present]: player 0 gets 2, players 1 and 2 get 3 each.
    values = game(3, lambda s: 2.0 * (0 in s) + 6.0 * ({1, 2} <= s))
    assert np.allclose(shapley_exact(values, 3), [2.0, 3.0, 3.0])


def test_glove_game() -> None:
    # One left glove (player 0), two right gloves (1, 2): a pair is worth 1.
    values = game(3, lambda s: float(0 in s and bool(s & {1, 2})))
    assert np.allclose(shapley_exact(values, 3), [2 / 3, 1 / 6, 1 / 6])


def test_permutation_estimate_is_efficient_and_exact_for_additive_games() -> None:
    k = 8
    weights = np.arange(1.0, k + 1)
    rng = np.random.default_rng(0)
    bumps = {frozenset(c): rng.normal() for c in itertools.combinations(range(k), 3)}
    orders = permutation_orders(k, 10, seed=1)
    sets = coalitions_needed(k, orders)
    additive = {s: np.asarray(sum(weights[i] for i in s)) for s in sets}
    assert np.allclose(shapley_from_orders(additive, k, orders), weights)
    # With interactions the estimate is approximate but still adds up to v(N) - v(0).
    noisy = {s: additive[s] + sum(b for c, b in bumps.items() if c <= s) for s in sets}
    phi = shapley_from_orders(noisy, k, orders)
    full = frozenset(range(k))
    assert phi.sum() == pytest.approx(float(noisy[full] - noisy[frozenset()]))
    assert len(sets) < 2**k  # cheaper than the exact computation


def test_permutation_orders_come_in_reversed_pairs_from_the_seed() -> None:
    orders = permutation_orders(5, 6, seed=3)
    assert len(orders) == 6
    assert all(orders[i + 1] == orders[i][::-1] for i in range(0, 6, 2))
    assert orders == permutation_orders(5, 6, seed=3)
    assert orders != permutation_orders(5, 6, seed=4)


def test_factors_are_the_mechanisms_and_settings_that_differ() -> None:
    base = make_scenario()
    reformed = make_scenario(
        name="reformed",
        approval_mode="parallel",
        simulated_approval=True,
        **{"simulated_approval_options.change_probability": 0.2, "mechanisms.agents.enabled": True},
    )
    factors = mechanism_factors(base, reformed)
    assert set(factors) == {"approval_mode", "simulated_approval", "mechanisms.agents"}
    # The options move with their switch; the name is not a mechanism.
    assert set(factors["simulated_approval"]) == {
        "simulated_approval",
        "simulated_approval_options",
    }
    with pytest.raises(ValueError, match="run settings"):
        mechanism_factors(base, make_scenario(**{"run.horizon_days": 200}))


@pytest.fixture(scope="module")
def reform() -> tuple[object, object]:
    """A baseline and a reform that differs in three mechanisms."""
    short = {"run.horizon_days": 120}
    base = make_scenario(**short)
    reformed = make_scenario(
        name="reformed",
        approval_mode="parallel",
        time_limits="committed",
        simulated_approval=True,
        **short,
    )
    return base, reformed


def test_attribution_adds_up_to_the_paired_difference(reform: tuple[object, object]) -> None:
    base, reformed = reform
    outputs = ["signing_to_start_days", "trips"]
    result = attribute(base, reformed, outputs, replications=2, seed=8)  # type: ignore[arg-type]
    assert result.method == "exact" and result.coalitions == 2**3
    difference = compare([base, reformed], replications=2, seed=8).differences(outputs)  # type: ignore[list-item]
    for output in outputs:
        total = difference.set_index("output").loc[output, "difference"]
        parts = result.table[result.table["output"] == output]["contribution"].sum()
        assert parts == pytest.approx(total, abs=1e-9)
        assert result.total.set_index("output").loc[output, "difference"] == pytest.approx(total)
    # time_limits only changes which limit items are judged by: it moves no project.
    limits = result.table[(result.table["factor"] == "time_limits")]
    assert np.allclose(limits["contribution"], 0.0)


def test_permutation_method_above_the_exact_limit(reform: tuple[object, object]) -> None:
    base, reformed = reform
    result = attribute(
        base,
        reformed,
        ["signing_to_start_days"],
        replications=1,
        seed=8,  # type: ignore[arg-type]
        exact_limit=1,
        permutations=2,
    )
    assert result.method == "permutation"
    assert result.coalitions < 2**3
    total = result.total["difference"].iloc[0]
    assert result.table["contribution"].sum() == pytest.approx(total, abs=1e-9)


def test_cli_attribute(tmp_path: Path) -> None:
    files = []
    for name, mode in (("base", "serial"), ("reformed", "parallel")):
        data = base_scenario_dict()
        data["name"] = name
        data["approval_mode"] = mode
        data["run"]["horizon_days"] = 120
        if name == "reformed":
            data["time_limits"] = "committed"
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        files.append(str(path))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "model", "attribute", *files, "-n", "1", "--workers", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "2 mechanisms differ; exact Shapley" in result.stdout
    assert "approval_mode" in result.stdout and "time_limits" in result.stdout
