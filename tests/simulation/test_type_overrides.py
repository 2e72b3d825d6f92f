"""Per-type item settings: a project type may override any non-routing field of an item.

Hand-computed on the calendar of ``test_exact`` (day 0 = Monday 2 March 2026, no
holidays for weeks). Two types share the items; only ``light`` overrides them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from test_exact import MONDAY, scenario
from model.experiments.batch import run
from model.experiments.staffing import offered_loads
from model.scenario.schema import Scenario

ITEMS = {
    "scheme": {"stage": 1, "effort_wd": 3, "preparation_days": 10},
    "permit": {"stage": 1, "effort_wd": 2, "prerequisites": ["scheme"]},
}


def two_types(overrides: dict[str, Any], **extra: Any) -> Scenario:
    """Types ``full`` and ``light`` on the same items, one signing of each on Monday."""
    base = scenario(ITEMS).model_dump(mode="python")
    base["project_types"] = {
        "full": {"share": 0.5, "items": ["scheme", "permit"], "construction_days": 10},
        "light": {
            "share": 0.5,
            "items": ["scheme", "permit"],
            "construction_days": 10,
            "item_overrides": overrides,
        },
    }
    base["arrivals"] = {
        "kind": "schedule",
        "projects": [{"date": MONDAY, "type": "full"}, {"date": MONDAY, "type": "light"}],
    }
    base.update(extra)
    return Scenario.model_validate(base)


def starts(s: Scenario) -> dict[str, float]:
    table = run(s).projects
    return dict(zip(table["project_type"], table["signing_to_start_days"], strict=True))


def test_an_override_changes_only_its_own_type() -> None:
    s = two_types({"scheme": {"effort_wd": 1, "preparation_days": 0}})
    days = starts(s)
    # full: 10 days' preparation (to Thursday 12th), scheme 3 wd (Mon 16th 00:00... see below)
    # Day 10 is Thursday: scheme Thu, Fri, Mon → ends Tuesday 00:00 (day 15); permit Tue, Wed
    # → Thursday 00:00, day 17.
    assert days["full"] == pytest.approx(17.0)
    # light: no preparation, scheme 1 wd (Mon → Tue), permit 2 wd (Tue → Thu): day 3.
    assert days["light"] == pytest.approx(3.0)
    assert s.item_for("light", "scheme").effort_wd is not None
    assert s.item_for("full", "scheme") is s.items["scheme"]


def test_giving_work_hours_replaces_effort_wd() -> None:
    s = two_types({"scheme": {"work_hours": 4, "preparation_days": 0}})
    spec = s.item_for("light", "scheme")
    assert spec.effort_wd is None and spec.mean_touch_hours(8.0) == pytest.approx(4.0)
    # Half a working day: Monday noon; the permit's 2 wd then end Wednesday noon.
    assert starts(s)["light"] == pytest.approx(2.5)


def test_a_limit_override_is_the_limit_in_force_for_that_type() -> None:
    s = two_types({"permit": {"committed_limit_wd": 1}}, time_limits="committed")
    assert s.limit_wd("permit", "light") == 1
    assert s.limit_wd("permit", "full") is None
    results = run(s)
    types = results.projects.set_index("project_id")["project_type"]
    items = results.items[results.items["item"] == "permit"]
    limits = dict(zip(items["project_id"].map(types), items["limit_wd"], strict=True))
    assert limits["light"] == 1
    assert limits["full"] != limits["full"]  # NaN: no limit for the full type


def test_commitment_eligibility_by_type() -> None:
    on = {"mechanisms": {"notification_commitment": {"enabled": True, "check_wd": 0.5}}}
    s = two_types({"permit": {"commitment_eligible": True}}, **on)
    days = starts(s)
    # light: scheme after 10 days' preparation ends day 15 as in full; its permit is a
    # half-day check (Tuesday noon) instead of two days' review.
    assert days["full"] == pytest.approx(17.0)
    assert days["light"] == pytest.approx(15.5)


def test_the_staffing_screen_sees_the_types_own_effort() -> None:
    heavy = two_types({})
    light = two_types({"scheme": {"effort_wd": 1}})
    load = offered_loads(heavy).set_index("pool")["offered_load"]["D"]
    lighter = offered_loads(light).set_index("pool")["offered_load"]["D"]
    # Half the projects need 2 wd less of the scheme's 3 + the permit's 2.
    assert lighter == pytest.approx(load * (5 - 0.5 * 2) / 5)


@pytest.mark.parametrize(
    ("override", "where", "words"),
    [
        ({"nonsense": {"effort_wd": 1}}, ("item_overrides", "nonsense"), "not one of this type"),
        ({"scheme": {"department": "E"}}, ("item_overrides", "scheme", "department"), "routes"),
        ({"scheme": {"effort_wd": -1}}, ("item_overrides", "scheme", "effort_wd"), ""),
        ({"scheme": {"deficiency_probability": 2}}, ("item_overrides", "scheme"), "less than"),
        ({"scheme": {"colour": "red"}}, ("item_overrides", "scheme", "colour"), "Extra"),
    ],
)
def test_bad_overrides_are_located(
    override: dict[str, Any], where: tuple[str, ...], words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        two_types(override)
    errors = caught.value.errors()
    locs = [tuple(str(p) for p in e["loc"]) for e in errors]
    wanted = ("project_types", "light", *where)
    assert any(loc[: len(wanted)] == wanted for loc in locs), locs
    assert any(words in e["msg"] for e in errors), [e["msg"] for e in errors]


def test_regional_assessment_is_government_work_of_its_department() -> None:
    extra = {
        "regional_assessments": {
            "zone_eia": {"department": "D", "effort_wd": 4, "per_year": 365 / 7}
        }
    }
    s = two_types({}, **extra)
    events = run(s).events
    files = events[(events["activity"] == "background") & (events["lifecycle"] == "start")]
    # One every 7 days from day 0 during the 30-day horizon and its drain.
    assert len(files) >= 5
    assert set(files["resource"]) == {"D"}
    assert (files["time"].iloc[:5].diff().dropna() >= 7 - 1e-9).all()
    load = offered_loads(s).set_index("pool")["offered_load"]["D"]
    assert load > offered_loads(two_types({})).set_index("pool")["offered_load"]["D"]
    assert dt.date(2026, 3, 2) == MONDAY
