"""Across replications: means with t-intervals, and paired differences.

Paired differences are valid because compared scenarios run on common random
numbers: replication r of every scenario sees the same projects and draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special


def confidence_interval(
    values: Sequence[float] | np.ndarray, level: float = 0.95
) -> tuple[float, float]:
    """Mean and half-width of the Student-t interval (half-width NaN for n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan")
    sem = float(x.std(ddof=1)) / np.sqrt(len(x))
    # special.stdtrit is Student's t quantile; scipy.stats would cost seconds to import.
    return mean, float(special.stdtrit(len(x) - 1, 0.5 + level / 2) * sem)


def kpi_table(summary: pd.DataFrame, outputs: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """One row per output: mean, CI bounds, half-width and replications used."""
    rows = []
    for output in outputs:
        mean, half = confidence_interval(summary[output].to_numpy(float), level)
        rows.append(
            {
                "output": output,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "half_width": half,
                "n": int(summary[output].notna().sum()),
            }
        )
    return pd.DataFrame(rows)


def paired_differences(
    base: pd.DataFrame, other: pd.DataFrame, outputs: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """``other - base`` per output, paired by replication, with a t-interval."""
    joined = base.merge(other, on="replication", how="inner", suffixes=("_base", "_other"))
    rows = []
    for output in outputs:
        diff = joined[f"{output}_other"] - joined[f"{output}_base"]
        mean, half = confidence_interval(diff.to_numpy(float), level)
        rows.append(
            {
                "output": output,
                "difference": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "n": int(diff.notna().sum()),
                "significant": bool(np.isfinite(half) and (mean - half > 0 or mean + half < 0)),
            }
        )
    return pd.DataFrame(rows)


def precision_table(
    summaries: Sequence[pd.DataFrame],
    names: Sequence[str],
    outputs: Sequence[str],
    precision: float,
    level: float = 0.95,
) -> pd.DataFrame:
    """How close each scenario's outputs are to a relative precision target.

    One row per scenario and output: mean, half-width, ``relative_half_width``
    (half-width over absolute mean) and ``met``. An output with no value (all
    NaN) or one that never varies (half-width 0) counts as met: more
    replications cannot change it. A mean of zero with spread can never meet a
    relative target (its relative half-width is infinite).
    """
    rows = []
    for name, summary in zip(names, summaries, strict=True):
        for output in outputs:
            values = summary[output].to_numpy(float) if output in summary else np.array([])
            mean, half = confidence_interval(values, level)
            if not np.isfinite(mean) or half == 0:
                relative = 0.0
            elif not np.isfinite(half):
                relative = float("inf")
            elif mean == 0:
                relative = float("inf")
            else:
                relative = half / abs(mean)
            rows.append(
                {
                    "scenario": name,
                    "output": output,
                    "mean": mean,
                    "half_width": half,
                    "relative_half_width": relative,
                    "target": precision,
                    "met": bool(relative <= precision),
                    "n": int(np.sum(~np.isnan(values))),
                }
            )
    return pd.DataFrame(rows)
