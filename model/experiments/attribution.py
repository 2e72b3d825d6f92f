"""Attribution: which of the mechanisms that differ buys how much of a reform's effect.

The *factors* are what differs between a baseline and a reformed scenario:
each differing block of ``mechanisms`` (``mechanisms.agents``, ...), and each
other differing top-level setting (``approval_mode``, ``time_limits``,
``departments``, ...), with ``simulated_approval_options`` going with
``simulated_approval``. A *coalition* is the baseline with the reformed values
of some factors applied (:func:`model.scenario.overrides.apply_overrides`); applying all
of them gives the reformed scenario's content.

The Shapley value of a factor is its marginal effect averaged over every order
in which the reform could have been introduced. It is computed per
replication, on common random numbers, so each factor gets a mean and a 95 %
interval, and the factors' values add up exactly to the total difference
(reformed minus baseline) in every replication (efficiency).

* Up to ``exact_limit`` factors (default 6, 64 coalitions): exact, over all
  coalitions.
* More factors: the permutation estimate of Castro, Gómez & Tejada (2009):
  ``permutations`` random orders (each with its reverse, which lowers the
  variance), a factor's value being its mean marginal effect when added in
  those orders. Every order's marginal effects add up to the total difference,
  so the estimate is still exactly efficient; the error of a single factor
  shrinks like one over the square root of the number of orders. The orders
  come from the seed, so the estimate is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.aggregate import confidence_interval
from model.experiments.backends import Progress
from model.experiments.batch import run_summaries
from model.scenario.overrides import apply_overrides
from model.scenario.schema import Scenario

#: Top-level fields that describe a scenario but do not change what it simulates.
DESCRIPTIVE = ("name", "description", "source")
#: Fields that only parameterise another field's switch: they move with it.
COMPANIONS = {"simulated_approval_options": "simulated_approval"}
#: Outputs attributed by default.
DEFAULT_OUTPUTS: tuple[str, ...] = (
    "signing_to_start_days",
    "signing_to_production_days",
    "trips",
)


def mechanism_factors(base: Scenario, reformed: Scenario) -> dict[str, dict[str, Any]]:
    """Factor name → the overrides (dotted path → reformed value) that make it.

    Raises:
        ValueError: The scenarios differ in their run settings (horizon, seed,
            ...): a coalition would not be comparable with either end.

    """
    a = base.model_dump(mode="python")
    b = reformed.model_dump(mode="python")
    if a.get("run") != b.get("run"):
        raise ValueError(
            "the two scenarios have different run settings (run:); attribution compares "
            "mechanisms on the same horizon, warm-up and seed"
        )
    factors: dict[str, dict[str, Any]] = {}
    for key in b:
        if key in DESCRIPTIVE or key == "run" or a.get(key) == b.get(key):
            continue
        if key == "mechanisms":
            for block, value in b[key].items():
                if a[key].get(block) != value:
                    factors[f"mechanisms.{block}"] = {f"mechanisms.{block}": value}
            continue
        owner = COMPANIONS.get(key)
        if owner is not None and a.get(owner) != b.get(owner):
            continue  # moves with its owner (added below)
        factors[key] = {key: b[key]}
    for companion, owner in COMPANIONS.items():
        if owner in factors and a.get(companion) != b.get(companion):
            factors[owner][companion] = b[companion]
    return factors


def shapley_weights(k: int) -> np.ndarray:
    """Weight of a coalition of size s not containing the factor: s!(k-s-1)!/k!."""
    return np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )


def shapley_exact(values: Mapping[frozenset[int], np.ndarray], k: int) -> np.ndarray:
    """Exact Shapley values of ``k`` players from the value of every coalition.

    Args:
        values: Coalition (set of player indices) → value array (any shape,
            e.g. replications × outputs); every one of the 2**k coalitions.
        k: Players.

    Returns:
        Array of shape ``(k, *value shape)``.

    """
    weights = shapley_weights(k)
    empty = values[frozenset()]
    phi = np.zeros((k, *np.shape(empty)))
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            for subset in combinations(others, size):
                s = frozenset(subset)
                phi[i] += weights[size] * (values[s | {i}] - values[s])
    return phi


def permutation_orders(k: int, permutations: int, seed: int) -> list[tuple[int, ...]]:
    """``permutations`` random orders of ``k`` players, each followed by its reverse."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x5EA9])))
    orders: list[tuple[int, ...]] = []
    for _ in range(max(1, permutations // 2)):
        order = tuple(int(x) for x in rng.permutation(k))
        orders += [order, order[::-1]]
    return orders


def shapley_from_orders(
    values: Mapping[frozenset[int], np.ndarray], k: int, orders: Sequence[tuple[int, ...]]
) -> np.ndarray:
    """Shapley estimate: each player's mean marginal value over the given orders."""
    empty = values[frozenset()]
    phi = np.zeros((k, *np.shape(empty)))
    for order in orders:
        members: frozenset[int] = frozenset()
        for player in order:
            bigger = members | {player}
            phi[player] += values[bigger] - values[members]
            members = bigger
    return phi / len(orders)


def coalitions_needed(k: int, orders: Sequence[tuple[int, ...]] | None) -> list[frozenset[int]]:
    """Every coalition (exact) or those on the given orders' paths, smallest first."""
    if orders is None:
        sets = [frozenset(c) for size in range(k + 1) for c in combinations(range(k), size)]
    else:
        found = {frozenset(order[:m]) for order in orders for m in range(k + 1)}
        sets = sorted(found, key=lambda s: (len(s), sorted(s)))
    return sets


@dataclass(frozen=True)
class Attribution:
    """How a reform's effect splits among the mechanisms that differ.

    Attributes:
        factors: One row per factor: ``factor`` and the ``paths`` it sets.
        table: One row per factor and output: ``contribution`` (mean Shapley
            value, in the output's unit; negative = the output went down),
            its 95 % interval, and ``share`` of the total difference.
        total: One row per output: baseline, reformed and their paired difference.
        method: ``exact`` or ``permutation``.
        coalitions: Coalitions simulated.

    """

    factors: pd.DataFrame
    table: pd.DataFrame
    total: pd.DataFrame
    method: str
    coalitions: int


def attribute(
    base: Scenario,
    reformed: Scenario,
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    exact_limit: int = 6,
    permutations: int = 32,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Attribution:
    """Split ``reformed`` minus ``base`` among the mechanisms that differ (Shapley).

    Example::

        a = model.attribute(model.load_scenario("scenarios/baseline-serial.yaml"),
                            model.load_scenario("scenarios/simulated.yaml"), replications=5)
        a.table.query("output == 'signing_to_start_days'")

    Args:
        base: The baseline.
        reformed: The reformed scenario (same run settings).
        outputs: Per-replication outputs to attribute.
        replications: Per coalition (default: the baseline's).
        seed: Root seed (default: the baseline's).
        workers: Local processes (None: all cores; 1: inline).
        exact_limit: Most factors for the exact computation.
        permutations: Orders sampled (in reversed pairs) above ``exact_limit``.
        scheduler: Dask scheduler address; replaces the local pool.
        checkpoint_dir: Save/reuse finished replications there.
        progress: ``progress(done, total)`` after each replication.

    Raises:
        ValueError: Nothing differs, or the run settings differ.
        ScenarioError: A coalition is not a valid scenario.

    """
    factors = mechanism_factors(base, reformed)
    if not factors:
        raise ValueError("the two scenarios do not differ in any mechanism or setting")
    names = list(factors)
    k = len(names)
    replications, seed = base.run.resolve(replications, seed)
    orders = None if k <= exact_limit else permutation_orders(k, permutations, seed)
    sets = coalitions_needed(k, orders)
    scenarios = []
    for members in sets:
        overrides = {p: v for i in sorted(members) for p, v in factors[names[i]].items()}
        origin = "coalition {" + ", ".join(names[i] for i in sorted(members)) + "}"
        scenarios.append(apply_overrides(base, overrides, origin) if overrides else base)

    summaries = run_summaries(
        scenarios, replications, seed, workers,
        scheduler=scheduler, progress=progress, checkpoint_dir=checkpoint_dir,
    )  # fmt: skip

    values = {
        members: summary.sort_values("replication")[list(outputs)].to_numpy(float)
        for members, summary in zip(sets, summaries, strict=True)
    }
    phi = shapley_exact(values, k) if orders is None else shapley_from_orders(values, k, orders)
    full = frozenset(range(k))
    difference = values[full] - values[frozenset()]
    rows = []
    for i, name in enumerate(names):
        for o, output in enumerate(outputs):
            mean, half = confidence_interval(phi[i][:, o])
            total = float(np.nanmean(difference[:, o]))
            rows.append(
                {
                    "factor": name,
                    "output": output,
                    "contribution": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "share": mean / total if total != 0 else float("nan"),
                }
            )
    totals = []
    for o, output in enumerate(outputs):
        mean, half = confidence_interval(difference[:, o])
        totals.append(
            {
                "output": output,
                "baseline": float(np.nanmean(values[frozenset()][:, o])),
                "reformed": float(np.nanmean(values[full][:, o])),
                "difference": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
            }
        )
    factor_table = pd.DataFrame({"factor": names, "paths": [", ".join(factors[n]) for n in names]})
    return Attribution(
        factors=factor_table,
        table=pd.DataFrame(rows),
        total=pd.DataFrame(totals),
        method="exact" if orders is None else "permutation",
        coalitions=len(sets),
    )
