"""Exact, hand-computed cases: deterministic durations, ample staff, known calendars.

Start date 2026-03-02 is a Monday in a week without holidays, so day t=0 is
Monday 00:00, t=5 is Saturday 00:00 and t=7 the next Monday.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from model.experiments.batch import run
from model.scenario.schema import Scenario

MONDAY = dt.date(2026, 3, 2)


def scenario(
    items: dict[str, dict[str, Any]],
    *,
    mode: str = "serial",
    simulated: bool = False,
    land: str = "own",
    staff: int = 10,
    signings: list[dt.date] | None = None,
    start: dt.date = MONDAY,
    **extra: Any,
) -> Scenario:
    """One department ``D``, one project type using every item, signings on given dates."""
    data: dict[str, Any] = {
        "approval_mode": mode,
        "simulated_approval": simulated,
        "simulated_approval_options": {"change_probability": 0.0},
        "departments": {"D": {"staff": staff}},
        "items": {name: {"department": "D", **spec} for name, spec in items.items()},
        "project_types": {
            "t": {"share": 1, "items": list(items), "land": land, "construction_days": 10}
        },
        "arrivals": {
            "kind": "schedule",
            "projects": [{"date": d, "type": "t"} for d in (signings or [start])],
        },
        "run": {"start_date": start, "horizon_days": 30, "replications": 1, "seed": 1},
        **extra,
    }
    return Scenario.model_validate(data)


THREE_ITEMS = {
    "a": {"stage": 1, "effort_wd": 2, "simulatable": True},
    "b": {"stage": 1, "effort_wd": 3, "simulatable": True},
    "c": {"stage": 2, "effort_wd": 1, "prerequisites": ["a", "b"], "simulatable": True},
    "d": {"stage": 4, "effort_wd": 1},
}
LISTING = {"listing": {"stage": "land", "effort_wd": 1, "elapsed_days": 20}}


def project(s: Scenario) -> dict[str, Any]:
    """The only project's row."""
    table = run(s).projects
    assert len(table) == 1
    return table.iloc[0].to_dict()


def test_serial_is_the_sum_of_item_times() -> None:
    # a: Mon→Wed (2 wd); b: Wed→Sat 00:00 (3 wd); c: the weekend is skipped, Mon→Tue.
    row = project(scenario(THREE_ITEMS))
    assert row["signing_to_start_days"] == pytest.approx(8.0)
    assert row["signing_to_start_wd"] == pytest.approx(6.0)
    assert row["trips"] == 4  # one application per item


def test_parallel_is_the_critical_path() -> None:
    # a and b side by side: stage 1 ends with b on Thursday 00:00; c then takes Thursday.
    row = project(scenario(THREE_ITEMS, mode="parallel"))
    assert row["signing_to_start_days"] == pytest.approx(4.0)
    assert row["trips"] == 3  # one application per stage (1, 2 and 4)


def test_simulated_approval_overlaps_review_with_land_then_converts() -> None:
    items = {**LISTING, **THREE_ITEMS}
    plain = project(scenario(items, mode="parallel", land="new"))
    simulated = project(scenario(items, mode="parallel", land="new", simulated=True))
    # Land: listing review Mon→Tue, then 20 days of notice: land on day 21 (a Monday).
    assert plain["signing_to_land_days"] == pytest.approx(21.0)
    assert simulated["signing_to_land_days"] == pytest.approx(21.0)
    # Without: a, b from Monday 21 → Thursday 24; c → Friday 25.
    assert plain["land_to_start_days"] == pytest.approx(4.0)
    # With: opinions were ready on day 4; a and b convert (0.5 wd) side by side, then c.
    assert simulated["land_to_start_days"] == pytest.approx(1.0)


def test_simulated_serial_converts_one_after_another() -> None:
    items = {**LISTING, **THREE_ITEMS}
    row = project(scenario(items, mode="serial", land="new", simulated=True))
    assert row["signing_to_start_days"] == pytest.approx(22.5)


def test_project_change_forces_partial_rereview() -> None:
    items = {**LISTING, **THREE_ITEMS}
    s = scenario(items, mode="parallel", land="new", simulated=True).with_overrides(
        {"simulated_approval_options": {"change_probability": 1.0, "rereview_fraction": 0.5}}
    )
    # a: convert 21→21.5, re-review 1 wd → 22.5; b: 21.5 + 1.5 → 23;
    # c: convert 23→23.5, re-review 0.5 → 24.
    assert project(s)["signing_to_start_days"] == pytest.approx(24.0)


#: One item whose first submission is always deficient and whose second never is.
DEFICIENT_ONCE = {
    "a": {
        "stage": 1,
        "effort_wd": 2,
        "deficiency_probability": 1.0,
        "resubmission_deficiency_probability": 0.0,
        "fix_days": 7,
    }
}


def test_deficient_submission_is_fixed_and_resubmitted() -> None:
    items = DEFICIENT_ONCE
    # Review Mon→Wed, returned; fixed by the next Wednesday (day 9); re-review of
    # half the effort (1 wd) → day 10.
    row = project(scenario(items))
    assert row["signing_to_start_days"] == pytest.approx(10.0)
    assert row["rework_rounds"] == 1
    assert row["trips"] == 2


def test_one_reviewer_serves_three_projects_in_order() -> None:
    s = scenario({"a": {"stage": 1, "effort_wd": 1}}, staff=1, signings=[MONDAY] * 3)
    events = run(s).events
    starts = events[(events["activity"] == "review") & (events["lifecycle"] == "start")]
    ends = events[(events["activity"] == "review") & (events["lifecycle"] == "complete")]
    assert list(zip(starts["project_id"], starts["time"], strict=True)) == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert list(ends["time"]) == [1.0, 2.0, 3.0]


def test_elapsed_delay_holds_no_reviewer() -> None:
    s = scenario(
        {"a": {"stage": 1, "effort_wd": 1, "elapsed_days": 10}}, staff=1, signings=[MONDAY] * 2
    )
    table = run(s).projects.sort_values("project_id")
    # The second review starts when the first reviewer finishes (day 1), not after the notice.
    assert list(table["signing_to_start_days"]) == pytest.approx([11.0, 12.0])


def test_calendar_crosses_national_day_and_a_make_up_saturday() -> None:
    # Wed 30 Sep 2026 is worked; 1-7 Oct are holidays; Thu 8, Fri 9 and the make-up
    # Saturday 10 Oct are worked: 4 wd end at Sunday 11 Oct 00:00, day 11.
    start = dt.date(2026, 9, 30)
    row = project(scenario({"a": {"stage": 1, "effort_wd": 4}}, start=start))
    assert row["signing_to_start_days"] == pytest.approx(11.0)
    assert row["signing_to_start_wd"] == pytest.approx(4.0)


def test_friday_two_working_days_end_on_tuesday() -> None:
    friday = dt.date(2026, 3, 6)
    row = project(scenario({"a": {"stage": 1, "effort_wd": 2}}, start=friday))
    # Friday and Monday are worked: the item is decided at Tuesday 00:00.
    finished = friday + dt.timedelta(days=row["signing_to_start_days"])
    assert finished == dt.date(2026, 3, 10)


def test_closure_date_is_not_worked() -> None:
    row = project(
        scenario({"a": {"stage": 1, "effort_wd": 2}}, calendar={"closures": [MONDAY]})
    )
    assert row["signing_to_start_days"] == pytest.approx(3.0)


def test_lifecycle_adds_construction_acceptance_licences_and_preparation() -> None:
    items = {
        "a": {"stage": 1, "effort_wd": 1},
        "acc": {"stage": 4, "effort_wd": 2},
        "lic": {"stage": "licence", "effort_wd": 1},
    }
    s = scenario(items).with_overrides({"project_types.t.production_prep_days": 1})
    row = project(s)
    # a: day 0→1 (Tue); build 10 days → Fri day 11; acceptance Fri + Mon → day 15 (Tue);
    # licence Tue → day 16; preparation (1 day, from acceptance) is shorter.
    assert row["construction_start_day"] == pytest.approx(1.0)
    assert row["completed_day"] == pytest.approx(11.0)
    assert row["accepted_day"] == pytest.approx(15.0)
    assert row["production_day"] == pytest.approx(16.0)
    assert row["completion_to_production_days"] == pytest.approx(5.0)


@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_issue_at_land_converts_every_opinion_at_once_in_one_application(mode: str) -> None:
    items = {**LISTING, **THREE_ITEMS}
    by_stage = project(scenario(items, mode=mode, land="new", simulated=True))
    s = scenario(items, mode=mode, land="new", simulated=True).with_overrides(
        {"simulated_approval_options.issue_at_land": True}
    )
    together = project(s)
    # Land on day 21; a, b and c convert side by side (0.5 wd each, ten reviewers):
    # start on day 21.5, whatever the mode (stage by stage: 22.5 serial, 22 parallel).
    assert by_stage["signing_to_start_days"] == pytest.approx(22.5 if mode == "serial" else 22.0)
    assert together["signing_to_start_days"] == pytest.approx(21.5)
    assert together["land_to_start_days"] == pytest.approx(0.5)
    # One joint application replaces stage 1 and 2's (serial: a's, b's and c's).
    assert by_stage["trips"] - together["trips"] == (2 if mode == "serial" else 1)


def test_issue_at_land_leaves_items_without_an_opinion_to_their_stage() -> None:
    items = {**LISTING, **THREE_ITEMS, "e": {"stage": 2, "effort_wd": 1, "prerequisites": ["a"]}}
    s = scenario(items, mode="parallel", land="new", simulated=True).with_overrides(
        {"simulated_approval_options.issue_at_land": True}
    )
    # a, b, c issued 21 → 21.5; stage 2 opens with its own application for e (not
    # simulatable): reviewed 21.5 → 22.5 (1 wd on a Monday-to-Tuesday stretch).
    assert project(s)["land_to_start_days"] == pytest.approx(1.5)


def test_an_item_may_set_its_own_rereview_scope() -> None:
    items = {**LISTING, **THREE_ITEMS}
    items["c"] = {**THREE_ITEMS["c"], "rereview_fraction": 1.0}
    s = scenario(items, mode="parallel", land="new", simulated=True).with_overrides(
        {"simulated_approval_options": {"change_probability": 1.0, "rereview_fraction": 0.5}}
    )
    # As test_project_change_forces_partial_rereview up to c's conversion (23 → 23.5),
    # but c is re-reviewed in full: 1 wd → 24.5.
    assert project(s)["signing_to_start_days"] == pytest.approx(24.5)


@pytest.mark.parametrize("listed", [False, True])
def test_a_visiting_team_decides_listed_items_on_the_spot(listed: bool) -> None:
    items = {"a": {"stage": 1, "effort_wd": 2, "statutory_limit_wd": 4}}
    onsite = {"enabled": True, "teams": 1, "visit_wd": 0.5, "decides_on_site": ["a"] if listed else []}
    s = scenario(items, government={"pace": 0.5}, mechanisms={"onsite_service": onsite})
    results = run(s)
    row = results.projects.iloc[0]
    assert row["trips"] == 0  # taken at the enterprise either way
    # Visit Monday 0 → 0.5. Listed: the team reviews it, 2 wd → day 2.5. Not listed:
    # the department's in-tray (0.5 x 4 wd) then its review (2 wd) → day 4.5.
    assert row["signing_to_start_days"] == pytest.approx(2.5 if listed else 4.5)
    team = results.resources.set_index("resource").loc["onsite_teams", "utilisation"]
    department = results.resources.set_index("resource").loc["D", "utilisation"]
    assert (team > 0) and ((department == 0) == listed)


def test_decides_on_site_must_name_known_items() -> None:
    from pydantic import ValidationError

    onsite = {"enabled": True, "decides_on_site": ["nope"]}
    with pytest.raises(ValidationError, match="unknown item 'nope'"):
        scenario(THREE_ITEMS, mechanisms={"onsite_service": onsite})


def test_an_agent_finds_the_gap_before_submission_and_the_file_is_not_returned() -> None:
    items = DEFICIENT_ONCE
    agents = {
        "mechanisms.agents.enabled": True,
        "mechanisms.agents.precheck_catch": 1.0,
        "mechanisms.agents.preparation_factor": 1.0,
    }
    # The agent's check finds the gap on day 0; fixed by Monday day 7; a full
    # review Mon→Wed → day 9. One submission, no return, and the agent travels.
    row = project(scenario(items).with_overrides(agents))
    assert row["signing_to_start_days"] == pytest.approx(9.0)
    assert row["rework_rounds"] == 0
    assert row["agent_prechecks"] == 1
    assert row["trips"] == 0
    assert row["agent_trips"] == 1  # the application only: nothing goes back
    # An agent whose check finds nothing leaves the department to return it.
    missed = project(
        scenario(items).with_overrides({**agents, "mechanisms.agents.precheck_catch": 0.0})
    )
    assert missed["signing_to_start_days"] == pytest.approx(10.0)
    assert missed["rework_rounds"] == 1
    assert missed["agent_prechecks"] == 0
    assert missed["agent_trips"] == 2  # the application and the resubmission
