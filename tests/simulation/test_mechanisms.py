"""Each of the eighteen "three sixes" mechanisms moves its named output.

For every mechanism, a small county with the pre-reform frictions is run with
and without it on common random numbers; the paired difference of the output
that ../shared/design/mechanisms.md names must have a 95 % confidence interval
that excludes zero, in the stated direction. Mechanisms that use a resource
must show that resource busy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from model.experiments.batch import Comparison, compare, run
from model.analysis.metrics import bottlenecks, scorecard
from model.scenario.schema import Scenario

# Paired statistical tests over replications: in CI, not in the fast tier.
pytestmark = pytest.mark.slow

REPLICATIONS = 6
SEED = 7

ITEMS: dict[str, dict[str, Any]] = {
    "registration": {"department": "B", "stage": "land", "effort_wd": 1, "tolerable": True},
    "listing": {
        "department": "A", "stage": "land", "effort_wd": 1, "elapsed_days": 20,
        "online_eligible": False, "prerequisites": ["registration"],
    },
    "filing": {
        "department": "A", "stage": 1, "effort_wd": 0.5, "simulatable": True,
        "commitment_eligible": True,
    },
    "pre_review": {
        "department": "A", "stage": 1, "prerequisites": ["filing"], "simulatable": True,
        "effort_wd": {"kind": "triangular", "low": 2, "mode": 4, "high": 6},
        "tolerable": True, "deficiency_probability": 0.3, "fix_days": 7,
        "preparation_days": 10, "statutory_limit_wd": 20, "committed_limit_wd": 7,
    },
    "eia": {
        "department": "C", "stage": 2, "simulatable": True, "commitment_eligible": True,
        "tolerable": True, "effort_wd": {"kind": "triangular", "low": 3, "mode": 5, "high": 8},
        "deficiency_probability": 0.3, "fix_days": 10, "preparation_days": 15,
        "intermediary_days": 10, "statutory_limit_wd": 20, "committed_limit_wd": 10,
    },
    "design": {
        "department": "A", "stage": 2, "simulatable": True, "prerequisites": ["pre_review"],
        "effort_wd": {"kind": "triangular", "low": 3, "mode": 5, "high": 8},
        "deficiency_probability": 0.5, "fix_days": 10, "preparation_days": 20,
        "intermediary_days": 10, "statutory_limit_wd": 20, "committed_limit_wd": 7,
    },
    "permit": {
        "department": "B", "stage": 3, "effort_wd": 2, "prerequisites": ["design", "eia"],
        "statutory_limit_wd": 7, "committed_limit_wd": 5, "deficiency_probability": 0.2,
        "fix_days": 5, "tolerable": True,
    },
    "survey": {"department": "A", "stage": 4, "effort_wd": 2, "preparation_days": 10},
    "verification": {"department": "A", "stage": 4, "effort_wd": 2, "prerequisites": ["survey"]},
    "fire": {"department": "B", "stage": 4, "effort_wd": 3},
    "licence_a": {"department": "B", "stage": "licence", "effort_wd": 2, "tolerable": True},
    "licence_b": {"department": "C", "stage": "licence", "effort_wd": 2},
}


def base_data() -> dict[str, Any]:
    """A small county-year with the pre-reform frictions, serial approval."""
    return {
        "name": "base",
        "approval_mode": "serial",
        "handoff_days": {"kind": "triangular", "low": 5, "mode": 15, "high": 30},
        "intake_wd": 0.1,
        "enterprise": {
            "stage_gap_days": {"kind": "triangular", "low": 3, "mode": 10, "high": 20},
            "misroute_probability": 0.3,
            "misroute_delay_days": 3,
            "max_misroutes": 2,
        },
        "departments": {"A": {"staff": 4}, "B": {"staff": 3}, "C": {"staff": 2}},
        "items": ITEMS,
        "project_types": {
            "new_land": {
                "share": 0.6, "items": list(ITEMS), "land": "new",
                "construction_days": 120, "production_prep_days": 5,
            },
            "own_land": {
                "share": 0.4, "items": [i for i in ITEMS if i not in ("registration", "listing")],
                "land": "own", "construction_days": 90, "production_prep_days": 5,
            },
        },
        "arrivals": {"kind": "poisson", "rate_per_year": 60},
        "run": {"start_date": dt.date(2026, 1, 1), "horizon_days": 365, "seed": SEED},
    }


def scenario(**overrides: Any) -> Scenario:
    """The base with dotted-path overrides."""
    return Scenario.model_validate(base_data()).with_overrides(overrides)


def paired(base: Scenario, variant: Scenario) -> Comparison:
    """Base and variant on common random numbers (a comparison needs distinct names)."""
    if variant.name == base.name:
        variant = variant.with_overrides({"name": f"{base.name} (variant)"})
    return compare([base, variant], replications=REPLICATIONS, seed=SEED, workers=1)


def difference(comparison: Comparison, output: str) -> pd.Series:
    """The variant-minus-base row of ``output``."""
    table = comparison.differences([output])
    return table.iloc[0]


def assert_decreases(comparison: Comparison, output: str) -> None:
    row = difference(comparison, output)
    assert row["ci_high"] < 0, f"{output}: {row['difference']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def assert_increases(comparison: Comparison, output: str) -> None:
    row = difference(comparison, output)
    assert row["ci_low"] > 0, f"{output}: {row['difference']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def utilisation(comparison: Comparison, resource: str, which: int = 1) -> float:
    resources = comparison.results[which].resources
    return float(resources.loc[resources["resource"] == resource, "utilisation"].mean())


# -- 六个即 -------------------------------------------------------------------------


def test_landing_service_shortens_signing_to_first_application() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.landing_service.enabled": True}))
    assert_decreases(c, "signing_to_first_application_days")


def test_first_contact_responsibility_cuts_trips_and_signing_to_land() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.first_contact_responsibility.enabled": True}))
    assert_decreases(c, "trips")
    assert_decreases(c, "signing_to_land_days")
    assert difference(c, "misroutes")["difference"] < 0


def test_commitment_approval_accepts_listed_items_on_commitment_at_once() -> None:
    # 承诺即办结: a deficient 容缺-listed item is not returned; its materials follow.
    on = {"mechanisms.commitment_approval.enabled": True}
    c = paired(scenario(), scenario(**on))
    assert_decreases(c, "mean_item_days")
    assert_decreases(c, "rework_rounds")
    events = run(scenario(**on), replications=1).events
    supplied = events[(events["activity"] == "supplement") & (events["lifecycle"] == "start")]
    assert len(supplied) > 0
    assert set(supplied["item"]) <= {n for n, i in ITEMS.items() if i.get("tolerable")}
    assert not (events["activity"] == "verification").any()  # nothing approved unreviewed


def test_notification_commitment_shortens_items_and_costs_verification() -> None:
    # 告知承诺: approve listed items after a formal check, inspect later.
    on = {"mechanisms.notification_commitment.enabled": True}
    c = paired(scenario(), scenario(**on))
    assert_decreases(c, "mean_item_days")
    events = run(scenario(**on), replications=1).events
    verification = events[(events["activity"] == "verification") & (events["lifecycle"] == "start")]
    assert len(verification) > 0  # the department pays the inspection later
    assert set(verification["item"]) <= {
        n for n, i in ITEMS.items() if i.get("commitment_eligible")
    }


def test_commitment_breach_forces_rectification() -> None:
    s = scenario(
        **{
            "mechanisms.notification_commitment.enabled": True,
            "mechanisms.notification_commitment.breach_probability": 1.0,
        }
    )
    events = run(s, replications=1).events
    breaches = events[events["activity"] == "breach"]
    assert set(breaches["lifecycle"]) == {"start", "complete"}


def test_one_industry_one_license_shortens_completion_to_production() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.one_industry_one_license.enabled": True}))
    assert_decreases(c, "completion_to_production_days")
    assert_decreases(c, "trips")


def test_land_to_start_falls_with_parallel_simulated_and_conditional_acceptance() -> None:
    # 拿地即开工 is an outcome, not a lever: the three handlings that produce it.
    reformed = scenario(
        approval_mode="parallel",
        simulated_approval=True,
        **{"mechanisms.conditional_acceptance.enabled": True},
    )
    assert_decreases(paired(scenario(), reformed), "land_to_start_days")


def test_joint_acceptance_shortens_completion_to_production() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.joint_acceptance.enabled": True}))
    assert_decreases(c, "completion_to_production_days")


def test_combined_survey_removes_the_separate_survey() -> None:
    on = {"mechanisms.combined_survey.enabled": True, "mechanisms.combined_survey.removes": ["survey"]}
    c = paired(scenario(), scenario(**on))
    assert_decreases(c, "completion_to_production_days")
    assert "survey" not in set(c.results[1].items["item"])


def test_production_prep_overlap_shortens_completion_to_production() -> None:
    prep = {"project_types.new_land.production_prep_days": 45, "project_types.own_land.production_prep_days": 45}
    c = paired(scenario(**prep), scenario(**prep, **{"mechanisms.production_prep_overlap.enabled": True}))
    assert_decreases(c, "completion_to_production_days")


# -- 六个办 -------------------------------------------------------------------------


def test_online_applications_save_trips() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.online.enabled": True}))
    assert_decreases(c, "trips")


def test_onsite_service_saves_trips_and_keeps_teams_busy() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.onsite_service.enabled": True}))
    assert_decreases(c, "trips")
    assert utilisation(c, "onsite_teams") > 0


def test_conditional_acceptance_cuts_rework_and_trips() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.conditional_acceptance.enabled": True}))
    assert_decreases(c, "rework_rounds")
    assert_decreases(c, "trips")


def test_agents_take_over_trips_and_lower_deficiencies() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.agents.enabled": True}))
    assert_decreases(c, "trips")
    assert_decreases(c, "rework_rounds")
    assert utilisation(c, "agents") > 0


@pytest.mark.parametrize(
    "without", [{"precheck_catch": 0.0}, {"count": 0, "max_wait_days": 0.0}], ids=str
)
def test_agents_lower_rework_only_through_their_checks(without: dict[str, float]) -> None:
    # No check (or no agent free to make one): the same deficiency draws reach the
    # departments, so exactly the same files come back.
    agents = {"mechanisms.agents.enabled": True}
    unchecked = {f"mechanisms.agents.{key}": value for key, value in without.items()}
    c = paired(scenario(), scenario(**agents, **unchecked))
    assert difference(c, "rework_rounds")["difference"] == 0
    assert (c.results[1].projects["agent_prechecks"] == 0).all()


def test_parallel_approval_replaces_the_sum_by_the_critical_path() -> None:
    c = paired(scenario(), scenario(approval_mode="parallel"))
    assert_decreases(c, "signing_to_start_days")


def test_time_limited_feedback_escalates_overdue_answers() -> None:
    congested = {"approval_mode": "parallel", "departments.A.staff": 2, "time_limits": "committed"}
    feedback = {
        "mechanisms.time_limited_feedback.enabled": True,
        "mechanisms.time_limited_feedback.deemed_consent": True,
    }
    c = paired(scenario(**congested), scenario(**congested, **feedback))
    assert_increases(c, "escalations")
    assert_decreases(c, "signing_to_start_days")


def test_simulated_approval_shortens_land_to_start() -> None:
    c = paired(scenario(), scenario(simulated_approval=True))
    assert_decreases(c, "land_to_start_days")


# -- 六个一 -------------------------------------------------------------------------


def test_service_team_closes_gaps_between_stages() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.service_team.enabled": True}))
    assert_decreases(c, "signing_to_start_days")


def test_process_map_shortens_preparation_and_misrouting() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.process_map.enabled": True}))
    assert_decreases(c, "signing_to_start_days")
    assert difference(c, "misroutes")["difference"] < 0


def test_checklist_notice_cuts_rework() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.checklist_notice.enabled": True}))
    assert_decreases(c, "rework_rounds")


def test_one_window_saves_trips_in_parallel_approval() -> None:
    parallel = {"approval_mode": "parallel"}
    c = paired(scenario(**parallel), scenario(**parallel, **{"mechanisms.one_window.enabled": True}))
    assert_decreases(c, "trips")
    assert utilisation(c, "window") > 0


def test_monitoring_system_puts_files_with_a_limit_first() -> None:
    """Earliest deadline first plus escalation: in an overloaded bureau, files with a
    (committed) limit wait less in its queue, every replication, and projects start sooner.

    So overloaded that the limits are missed either way, the share within limit
    barely moves; the queue order is what the mechanism changes.
    """
    congested = {"departments.A.staff": 2, "time_limits": "committed"}
    c = paired(scenario(**congested), scenario(**congested, **{"mechanisms.monitoring_system.enabled": True}))

    def limited_wait(which: int) -> pd.Series:
        items = c.results[which].items
        limited = items[(items["department"] == "A") & items["limit_wd"].notna()]
        return limited.groupby("replication")["waiting_days"].mean()

    assert (limited_wait(1) < limited_wait(0)).all(), (limited_wait(0), limited_wait(1))
    assert_decreases(c, "signing_to_start_days")


def test_performance_review_moves_the_scorecard() -> None:
    c = paired(scenario(), scenario(**{"mechanisms.performance_review.enabled": True}))
    assert_decreases(c, "mean_item_days")
    card = scorecard(c.results[1].items, c.results[1].resources)
    assert set(card["department"]) == {"A", "B", "C"}
    assert card["utilisation"].between(0, 1).all()


# -- resources that are too small -----------------------------------------------------


def test_too_few_agents_become_the_bottleneck_and_the_output_says_so() -> None:
    starved = scenario(
        **{
            "mechanisms.agents.enabled": True,
            "mechanisms.agents.count": 1,
            "mechanisms.agents.caseload": 1,
            "mechanisms.agents.max_wait_days": 20,
            "arrivals.rate_per_year": 100,
        }
    )
    results = run(starved, replications=2, seed=SEED)
    agents = results.resources[results.resources["resource"] == "agents"]
    assert (agents["utilisation"] > 0.9).all()
    assert (agents["gave_up"] > 0).all()  # projects went on alone: degraded, not stuck
    assert bottlenecks(results.resources)[0] == "agents"
    assert results.projects["finished"].all()


def test_staff_change_adds_reviewers_from_its_date() -> None:
    # Department A has nobody until 2026-02-02 (day 32): the first review starts then.
    data = base_data()
    data["departments"]["A"] = {"staff": 0, "staff_changes": [{"date": "2026-02-02", "staff": 4}]}
    data["handoff_days"] = 0
    data["enterprise"] = {}
    data["intake_wd"] = 0
    data["arrivals"] = {"kind": "schedule", "projects": [{"date": "2026-01-05", "type": "own_land"}]}
    data["items"] = {**ITEMS, "filing": {**ITEMS["filing"], "deficiency_probability": 0}}
    results = run(Scenario.model_validate(data), replications=1)
    a = results.events[(results.events["resource"] == "A") & (results.events["lifecycle"] == "start")]
    assert a["time"].min() == pytest.approx(32.0)


def test_hiring_shortens_waits_in_a_congested_department() -> None:
    congested = {"departments.A.staff": 2}
    hired = {"departments.A.staff_changes": [{"date": "2026-03-01", "staff": 6}]}
    c = paired(scenario(**congested), scenario(**congested, **hired))
    assert_decreases(c, "signing_to_start_days")


# -- the effect comes from the mechanic: no capacity, no effect ---------------------

NO_CAPACITY = {
    "landing_service": {"mechanisms.landing_service.commissioners": 0},
    "service_team": {"mechanisms.service_team.members": 0},
    "onsite_service": {"mechanisms.onsite_service.teams": 0},
    "agents": {"mechanisms.agents.count": 0, "mechanisms.agents.max_wait_days": 0.0},
}


@pytest.mark.parametrize("mechanism", sorted(NO_CAPACITY))
def test_a_mechanism_with_no_one_to_run_it_changes_nothing(mechanism: str) -> None:
    # Switched on but with nobody in its pool, the mechanism must leave every key
    # output of every replication exactly where the base has it: its effect is the
    # work of its people, not a factor written into the inputs.
    on = {f"mechanisms.{mechanism}.enabled": True, **NO_CAPACITY[mechanism]}
    base = run(scenario(), replications=2, seed=SEED).kpis()
    empty = run(scenario(**on), replications=2, seed=SEED).kpis()
    pd.testing.assert_frame_equal(
        base.reset_index(drop=True), empty.reset_index(drop=True), check_names=False
    )
    with_people = run(scenario(**{f"mechanisms.{mechanism}.enabled": True}), replications=2, seed=SEED)
    assert not with_people.kpis().reset_index(drop=True).equals(base.reset_index(drop=True))


def test_service_team_members_set_up_stages_and_chase_files() -> None:
    s = scenario(**{"mechanisms.service_team.enabled": True})
    events = run(s, replications=1, seed=SEED).events
    setups = events[(events["activity"] == "team_schedule") & (events["lifecycle"] == "start")]
    followed = events[(events["activity"] == "service_team") & (events["lifecycle"] == "start")]
    assert len(setups) > 0 and len(followed) > 0
    # Only projects a member follows get the member's setup.
    assert set(setups["project_id"]) <= set(followed["project_id"])
