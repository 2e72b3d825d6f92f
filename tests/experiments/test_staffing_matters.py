"""Staffing answers that matter: one person more or fewer moves the government clock.

On the bundled baseline (competing workload included), the busiest bureau's
case officers are about 0.75 busy; removing one of them lengthens the mean
official government clock, adding one shortens it, each with a paired 95 %
confidence interval that excludes zero (common random numbers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import model
from model.experiments.staffing import offered_loads

ROOT = Path(__file__).resolve().parents[2]
# A shorter run than the bundled one (two warm-up years, one measured), to stay quick.
SHORT = {"run.warmup_days": 730.0, "run.horizon_days": 1095.0}


def _baseline() -> model.Scenario:
    return model.load_scenario(ROOT / "scenarios" / "baseline-serial.yaml").with_overrides(SHORT)


def test_bundled_bureaus_are_county_sized_and_busy_but_stable() -> None:
    loads = offered_loads(_baseline())
    officers = loads[loads["kind"] == "department"]
    assert officers["staff"].between(2, 6).all()  # parameters.md: 2-6 case officers
    utilisation = officers["offered_load"] / officers["staff"]
    assert utilisation.between(0.5, 0.85).all(), utilisation.round(2).tolist()
    levels = loads[loads["kind"] == "signoff"]
    assert (levels["staff"] == 1).all()  # one chief, one leader


@pytest.mark.slow
def test_one_person_more_or_fewer_in_the_busiest_bureau_moves_the_government_clock() -> None:
    base = _baseline()
    loads = offered_loads(base)
    officers = loads[loads["kind"] == "department"].set_index("pool")
    busiest = str((officers["offered_load"] / officers["staff"]).idxmax())
    staff = int(officers.loc[busiest, "staff"])
    fewer = base.with_overrides({"name": "fewer"})
    departments = fewer.model_dump(mode="python")["departments"]
    departments[busiest]["staff"] = staff - 1
    fewer = fewer.with_overrides({"departments": departments})
    departments[busiest]["staff"] = staff + 1
    more = base.with_overrides({"name": "more", "departments": departments})
    comparison = model.compare([base, fewer, more], replications=6, workers=2)
    table = comparison.differences(["government_prestart_days"]).set_index("scenario")
    assert table.loc["fewer", "ci_low"] > 0, table
    assert table.loc["more", "ci_high"] < 0, table
