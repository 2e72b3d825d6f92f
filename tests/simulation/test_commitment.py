"""承诺即办结 (accept on commitment, handle at once) against 告知承诺 (approve, inspect later).

Hand-computed on the calendar of ``test_exact`` (day 0 = Monday 2 March 2026, no
holidays for weeks). One item of 2 WD review with a 10 WD limit, always deficient
at first, fixed in 7 days; the office's in-tray pace is half the limit (5 WD).
"""

from __future__ import annotations

from typing import Any

import pytest

from test_exact import project, scenario

ITEM = {
    "permit": {
        "stage": 1, "effort_wd": 2, "statutory_limit_wd": 10, "deficiency_probability": 1.0,
        "resubmission_deficiency_probability": 0.0, "fix_days": 7, "tolerable": True,
        "commitment_eligible": True, "rework_effort_fraction": 0.5,
    }
}  # fmt: skip
PACE = {"government": {"pace": 0.5}}


def start(**mechanisms: Any) -> float:
    row = project(scenario(ITEM, mechanisms=mechanisms, **PACE))
    return float(row["signing_to_start_days"])


def test_without_commitment_the_file_waits_is_returned_and_rereviewed() -> None:
    # In-tray 5 wd (Mon → next Mon, day 7), review 2 wd (→ Wed day 9), returned,
    # fixed in 7 days (day 16, Wed), half a review 1 wd (→ Thu day 17).
    assert start() == pytest.approx(17.0)


def test_commitment_approval_takes_the_file_at_once_and_the_materials_follow() -> None:
    # No in-tray, review Mon → Wed (day 2); the committed materials arrive 5 days after
    # acceptance (day 5), so the decision waits until then: no return, no re-review.
    terms = {"enabled": True, "supplement_days": 5, "missed_probability": 0.0}
    assert start(commitment_approval=terms) == pytest.approx(5.0)
    # Materials already in by the end of the review: decided when the review ends.
    quick = {**terms, "supplement_days": 1}
    assert start(commitment_approval=quick) == pytest.approx(2.0)


def test_late_committed_materials_hold_the_decision() -> None:
    terms = {
        "enabled": True, "supplement_days": 5, "missed_probability": 1.0, "missed_delay_days": 4
    }
    assert start(commitment_approval=terms) == pytest.approx(9.0)


def test_notification_commitment_approves_after_a_check_and_inspects_later() -> None:
    terms = {"enabled": True, "check_wd": 0.5, "breach_probability": 0.0}
    # Half a working day's formal check, no in-tray, no deficiency round: Monday noon.
    assert start(notification_commitment=terms) == pytest.approx(0.5)


def test_an_item_off_the_list_is_untouched() -> None:
    plain = {"permit": {**ITEM["permit"], "tolerable": False, "commitment_eligible": False}}
    row = project(
        scenario(plain, mechanisms={"commitment_approval": {"enabled": True}}, **PACE)
    )
    assert row["signing_to_start_days"] == pytest.approx(17.0)
