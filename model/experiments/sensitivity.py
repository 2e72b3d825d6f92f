"""Sensitivity screening: which parameters move an output most (Morris, with SALib).

The method of Morris walks ``trajectories`` random one-at-a-time paths through
a grid of ``levels`` values per parameter; each step changes one parameter
and gives one *elementary effect* on the output. Per parameter, ``mu_star``
(the mean absolute effect) ranks importance and ``sigma`` (their spread) flags
non-linearity or interactions. Cost: ``trajectories × (parameters + 1)``
scenarios, each run for ``replications`` on common random numbers, so that
an effect is the parameter's, not the noise of different random draws.

Parameters are dotted paths with a range, e.g. ``departments.发改局.staff=3:9``.
A parameter whose base value is an integer (a staff count) is rounded to the
nearest integer; give it a range that spans at least ``levels - 1`` integers so
that every grid step moves it. The sample comes from the seed, through a
generator handed to SALib (never the global one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.experiments.backends import Progress
from model.experiments.batch import run_summaries
from model.scenario.overrides import apply_overrides, check_path, parse_scalar
from model.scenario.schema import Scenario

#: Output screened by default.
DEFAULT_OUTPUTS: tuple[str, ...] = ("signing_to_start_days",)


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    """``"departments.D.staff=2:8"`` → ``("departments.D.staff", (2.0, 8.0))``.

    Raises:
        ValueError: Not ``PATH=LOW:HIGH`` with numbers and LOW < HIGH.

    """
    path, sep, rest = text.partition("=")
    low_text, colon, high_text = rest.partition(":")
    low, high = parse_scalar(low_text), parse_scalar(high_text)
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (low, high))
    if not sep or not colon or not path.strip() or not numeric or not low < high:
        raise ValueError(
            f"{text!r}: expected PATH=LOW:HIGH with LOW < HIGH, e.g. departments.发改局.staff=3:9"
        )
    return path.strip(), (float(low), float(high))


def _base_value(scenario: Scenario, path: str) -> Any:
    node: Any = scenario.model_dump(mode="python")
    for key in path.split("."):
        node = node[key]
    return node


@dataclass(frozen=True)
class SensitivityResult:
    """The outcome of :func:`sensitivity`.

    Attributes:
        ranking: One row per output and parameter: ``mu_star``, ``mu``,
            ``sigma``, ``mu_star_conf`` (95 % bootstrap half-width) and
            ``rank`` (1 = most influential), sorted.
        samples: One row per sampled point: the parameter values used and the
            outputs (means over replications).

    """

    ranking: pd.DataFrame
    samples: pd.DataFrame


def sensitivity(
    base: Scenario,
    parameters: Mapping[str, tuple[float, float]],
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    trajectories: int = 10,
    levels: int = 4,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    scheduler: str | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Morris screening of ``parameters`` (path → (low, high)) on ``outputs``.

    Example::

        result = model.experiments.sensitivity(base, {"departments.发改局.staff": (4, 10),
                                          "arrivals.rate_per_year": (100, 200)},
                                   trajectories=8, replications=3)
        result.ranking

    Args:
        base: Scenario the parameters are set on.
        parameters: Dotted path → (low, high).
        outputs: Per-replication outputs to screen.
        trajectories: Morris trajectories (more: steadier ranking).
        levels: Grid levels per parameter (even; 4 is usual).
        replications: Per sampled point (default: the base scenario's).
        seed: Root seed of the runs and of the sample.
        workers: Local processes (None: all cores; 1: inline).
        scheduler: Dask scheduler address; replaces the local pool.
        checkpoint_dir: Save/reuse finished replications there.
        progress: ``progress(done, total)`` after each replication.

    Raises:
        ScenarioError: A path is unknown or a sampled value is refused.
        ValueError: No parameters, or an integer range narrower than the grid.

    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if not parameters:
        raise ValueError("sensitivity needs at least one PATH=LOW:HIGH")
    names = list(parameters)
    integer = {}
    for path in names:
        check_path(base, path, "--param")
        value = _base_value(base, path)
        integer[path] = isinstance(value, int) and not isinstance(value, bool)
        low, high = parameters[path]
        if integer[path] and high - low < levels - 1:
            raise ValueError(
                f"{path}: an integer parameter needs a range of at least {levels - 1} "
                f"(levels - 1) so that every step changes it; got {low:g}:{high:g}"
            )
    replications, seed = base.run.resolve(replications, seed)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(parameters[p]) for p in names],
    }
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x3055])))
    design = morris_sample.sample(problem, trajectories, num_levels=levels, seed=rng)
    points = []
    for row in design:
        points.append(
            {p: int(round(v)) if integer[p] else float(v) for p, v in zip(names, row, strict=True)}
        )
    scenarios = [apply_overrides(base, point, "--param") for point in points]
    summaries = run_summaries(
        scenarios, replications, seed, workers,
        scheduler=scheduler, progress=progress, checkpoint_dir=checkpoint_dir,
    )  # fmt: skip
    missing = [o for o in outputs if o not in summaries[0]]
    if missing:
        raise ValueError(f"unknown outputs {missing}; known: {', '.join(summaries[0].columns)}")
    samples = pd.DataFrame(points)
    for output in outputs:
        samples[output] = [float(s[output].mean()) for s in summaries]
    frames = []
    for output in outputs:
        y = samples[output].to_numpy(float)
        analysis = morris_analyze.analyze(
            problem,
            design,
            y,
            num_levels=levels,
            seed=np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x3056]))),
        )
        table = pd.DataFrame(
            {
                "output": output,
                "parameter": names,
                "mu_star": np.asarray(analysis["mu_star"], dtype=float),
                "mu": np.asarray(analysis["mu"], dtype=float),
                "sigma": np.asarray(analysis["sigma"], dtype=float),
                "mu_star_conf": np.asarray(analysis["mu_star_conf"], dtype=float),
            }
        )
        table = table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
        table["rank"] = np.arange(1, len(table) + 1)
        frames.append(table)
    return SensitivityResult(ranking=pd.concat(frames, ignore_index=True), samples=samples)
