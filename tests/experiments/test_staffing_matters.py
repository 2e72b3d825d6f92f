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
# A shorter run than the bundled one (one warm-up year, one measured), to stay quick.
SHORT = {"run.warmup_days": 365.0, "run.horizon_days": 730.0}


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


@pytest.mark.slow
@pytest.mark.parametrize("step", ["baseline-serial", "three-sixes"])
def test_the_erlang_screen_agrees_with_the_simulation_for_every_pool(step: str) -> None:
    """Offered load per person (screen) within 10 % of simulated utilisation, every pool.

    Hours, sign-off levels, window intake and background load all count; the
    pools of the mechanisms (window clerks, teams, agents) are not screened.
    """
    # The bundled run (three warm-up years, one measured): the screen describes the
    # steady state, and a shorter window adds sampling noise of the same size as 10 %.
    scenario = model.load_scenario(ROOT / "scenarios" / f"{step}.yaml")
    loads = offered_loads(scenario).set_index("pool")
    screened = loads["offered_load"] / loads["staff"]
    results = model.run(scenario, replications=3, workers=2, keep_events=False)
    simulated = results.resources.groupby("resource")["utilisation"].mean()
    relative = (screened / simulated.reindex(screened.index) - 1).abs()
    assert relative.notna().all()
    assert (relative < 0.10).all(), relative.sort_values().tail(3).round(3).to_dict()


@pytest.mark.slow
def test_plan_staff_on_the_official_clock_gives_a_county_sized_plan_and_names_the_bottleneck() -> (
    None
):
    """The bundled three-sixes with its busiest bureau two officers short.

    The plan must restore that bureau within the county range (2-6 case officers,
    under the 0.85 ceiling), meet a target on the official clock, cut nobody
    below the range, and name the people (or meeting) that hold files up.
    """
    from model.experiments.planning import plan_staff

    base = model.load_scenario(ROOT / "scenarios" / "three-sixes.yaml").with_overrides(SHORT)
    loads = offered_loads(base)
    officers = loads[loads["kind"] == "department"].set_index("pool")
    large = officers[officers["staff"] >= 4]  # two fewer must leave somebody
    busiest = str((large["offered_load"] / large["staff"]).idxmax())
    departments = base.model_dump(mode="python")["departments"]
    departments[busiest]["staff"] -= 2
    short = base.with_overrides({"departments": departments})
    plan = plan_staff(
        short, "p90(government_prestart) <= 90", replications=5, workers=2, candidates=2
    )
    assert plan.met and plan.feasible
    pools = plan.pools.set_index("pool")
    planned = pools[pools["kind"] == "department"]["planned"]
    assert planned.between(2, 6).all(), planned.to_dict()
    assert pools.loc[busiest, "planned"] > pools.loc[busiest, "current"]
    assert (pools["utilisation"].dropna() <= 0.85).all()
    assert plan.bottleneck, plan.marginal
    assert plan.bottleneck_level.startswith(("case officers", "the meeting calendar", "chief",
                                             "leader")), plan.bottleneck_level  # fmt: skip
