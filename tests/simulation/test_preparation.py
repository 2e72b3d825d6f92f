"""When the enterprise prepares its materials: explicit rules, hand-computed.

On the calendar of ``test_exact`` (day 0 = Monday 2 March 2026, no holidays for
weeks). A scheme and the drawings that need it, 10 days' preparation each and one
working day's review each.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_exact import project, scenario
from model.scenario.schema import Scenario

SAME_STAGE = {
    "scheme": {"stage": 1, "effort_wd": 1, "preparation_days": 10},
    "drawings": {"stage": 1, "effort_wd": 1, "preparation_days": 10, "prerequisites": ["scheme"]},
}
TWO_STAGES = {
    "scheme": {"stage": 1, "effort_wd": 1, "preparation_days": 10},
    "drawings": {"stage": 2, "effort_wd": 1, "preparation_days": 10, "prerequisites": ["scheme"]},
}


def start(items: dict[str, Any], mode: str = "serial", **enterprise: Any) -> float:
    return float(project(scenario(items, mode=mode, enterprise=enterprise))["signing_to_start_days"])


@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_in_turn_prepares_each_item_when_it_can_be_submitted(mode: str) -> None:
    # Scheme ready day 10 (Thu), decided day 11; drawings prepared from then to day 21
    # (Mon), decided day 22. The default is in turn.
    assert start(SAME_STAGE, mode) == pytest.approx(22.0)
    assert start(SAME_STAGE, mode, prepares="in_turn") == pytest.approx(22.0)


@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_stage_prepares_every_item_when_the_stage_opens(mode: str) -> None:
    # Both ready on day 10; the drawings' review still waits for the scheme's decision
    # (day 11) and ends on day 12.
    assert start(SAME_STAGE, mode, prepares="stage") == pytest.approx(12.0)
    # Across stages the drawings wait for their stage to open (day 11): day 22 as in turn.
    assert start(TWO_STAGES, mode, prepares="stage") == pytest.approx(22.0)


def test_checklist_prepares_every_pre_start_item_at_once() -> None:
    assert start(TWO_STAGES, prepares="checklist") == pytest.approx(12.0)


def test_intermediaries_at_once_limit_what_is_prepared_side_by_side() -> None:
    with_intermediary = {
        name: {**spec, "preparation_days": 5, "intermediary_days": 5}
        for name, spec in TWO_STAGES.items()
    }
    assert start(with_intermediary, prepares="checklist") == pytest.approx(12.0)
    # One at a time: the drawings' intermediary starts when the scheme's is done (day
    # 10) and is ready on day 20 (a Sunday); reviewed on Monday, decided on day 22.
    limited = start(with_intermediary, prepares="checklist", intermediaries_at_once=1)
    assert limited == pytest.approx(22.0)


def test_a_scheme_that_comes_with_the_land_needs_no_preparation() -> None:
    data = scenario(TWO_STAGES).model_dump(mode="python")
    data["project_types"]["t"]["land_with_scheme"] = ["scheme"]
    row = project(Scenario.model_validate(data))
    # Scheme reviewed Monday (day 1); drawings prepared to day 11 (Fri), decided day 12.
    assert row["signing_to_start_days"] == pytest.approx(12.0)


def test_a_scheme_with_land_must_be_one_of_the_types_items() -> None:
    data = scenario(TWO_STAGES).model_dump(mode="python")
    data["project_types"]["t"]["land_with_scheme"] = ["elsewhere"]
    with pytest.raises(ValueError, match="not one of this type's items"):
        Scenario.model_validate(data)
