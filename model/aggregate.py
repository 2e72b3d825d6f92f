"""Across replications: means with t-intervals, and paired differences.

Paired differences are valid because compared scenarios run on common random
numbers: replication r of every scenario sees the same projects and draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def confidence_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t interval (half-width NaN for n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan")
    sem = float(x.std(ddof=1)) / np.sqrt(len(x))
    return mean, float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * sem)


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
    joined = base.set_index("replication").join(
        other.set_index("replication"), lsuffix="_base", rsuffix="_other", how="inner"
    )
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
