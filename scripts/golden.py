"""Regenerate the golden results that ``tests/test_golden.py`` compares exactly.

Run only on purpose (a change that moves results), in a commit of its own whose
message says why the numbers moved::

    python scripts/golden.py

It runs the four bundled reform steps for two replications each and writes, per
scenario, the key outputs of every replication and every project's milestones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
STEPS = ("baseline-serial", "parallel", "simulated", "three-sixes")
REPLICATIONS = 2
SEED = 20220601
MILESTONE_COLUMNS = (
    "replication",
    "project_id",
    "project_type",
    "signed_day",
    "land_obtained_day",
    "construction_start_day",
    "completed_day",
    "accepted_day",
    "production_day",
    "trips",
    "rework_rounds",
)


def golden_tables(step: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary and the per-project milestones of one bundled step."""
    import model

    scenario = model.load_scenario(ROOT / "scenarios" / f"{step}.yaml")
    results = model.run(scenario, replications=REPLICATIONS, seed=SEED, workers=1)
    summary = results.summary.sort_values("replication").reset_index(drop=True)
    columns = list(MILESTONE_COLUMNS)
    projects = (
        results.projects[columns].sort_values(["replication", "project_id"]).reset_index(drop=True)
    )
    return summary, projects


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        summary, projects = golden_tables(step)
        # repr-exact floats: the test compares bit for bit.
        summary.to_csv(GOLDEN / f"{step}-summary.csv", index=False, float_format="%.17g")
        projects.to_csv(GOLDEN / f"{step}-projects.csv", index=False, float_format="%.17g")
        print(f"{step}: {len(summary)} replications, {len(projects)} projects")
    return 0


if __name__ == "__main__":
    sys.exit(main())
