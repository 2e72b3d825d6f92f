"""Process order as data: approvals that precede land supply sit in the land stage.

Hand-computed on the calendar of ``test_exact`` (day 0 = Monday 2 March 2026,
no holidays for weeks): a filing of 1 WD, then a land pre-review of 2 WD, then
the listing of 1 WD plus 20 days of notice.
"""

from __future__ import annotations

import pytest

from test_exact import MONDAY, project, scenario
from model.experiments.batch import run

BEFORE_LAND = {
    "filing": {"stage": "land", "effort_wd": 1, "starts_official_clock": True},
    "pre_review": {"stage": "land", "effort_wd": 2, "prerequisites": ["filing"]},
    "listing": {"stage": "land", "effort_wd": 1, "elapsed_days": 20,
                "prerequisites": ["pre_review"]},
    "permit": {"stage": 1, "effort_wd": 1},
}  # fmt: skip


@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_filing_and_pre_review_come_before_the_listing(mode: str) -> None:
    s = scenario(BEFORE_LAND, mode=mode, land="new")
    events = run(s).events
    decided = events[(events["activity"] == "decision")].set_index("item")["time"]
    # filing Mon→Tue (day 1), pre-review Tue→Thu (day 3), listing Thu→Fri (day 4) + 20 days.
    assert decided["filing"] == pytest.approx(1.0)
    assert decided["pre_review"] == pytest.approx(3.0)
    row = project(s)
    assert row["signing_to_land_days"] == pytest.approx(24.0)
    # Land on day 24 (a Thursday); the permit takes that Thursday: start on day 25.
    assert row["land_to_start_days"] == pytest.approx(1.0)
    # The official clock starts at the filing's decision, before the land supply.
    assert row["official_start_day"] == pytest.approx(1.0)


def test_own_land_is_held_from_the_start_even_with_approvals_before_land() -> None:
    items = {k: v for k, v in BEFORE_LAND.items() if k != "listing"}
    row = project(scenario(items, land="own"))
    assert row["signing_to_land_days"] == pytest.approx(0.0)
    # filing (1 wd) + pre-review (2 wd) + permit (1 wd) from Monday: start on Friday 00:00.
    assert row["signing_to_start_days"] == pytest.approx(4.0)
    assert MONDAY.weekday() == 0
