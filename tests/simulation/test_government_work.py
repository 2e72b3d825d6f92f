"""Government work as it happens: touch hours, sign-off levels, meetings, pace, deemed consent.

Hand-computed timelines. Start 2026-03-02 is a Monday in a week without
holidays: t=0 is Monday 00:00, t=5 Saturday 00:00, t=7 the next Monday. A
working day is 8 hours, spread (as the model's working time is) over the
working day's 24 hours, so 4 hours of touch time are half a working day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from model.experiments.batch import run
from model.scenario.schema import Scenario
from model.simulation.eventlog import DEEMED_CONSENT, MEETING, SIGNOFF

MONDAY = dt.date(2026, 3, 2)
CHAIN = [
    {"name": "chief", "label_zh": "审核", "staff": 1, "hours": 4},
    {"name": "leader", "label_zh": "签发", "staff": 1, "hours": 4},
]


def scenario(item: dict[str, Any], department: dict[str, Any], **extra: Any) -> Scenario:
    data: dict[str, Any] = {
        "departments": {"D": {"staff": 1, **department}},
        "items": {"a": {"department": "D", "stage": 1, **item}},
        "project_types": {"t": {"share": 1, "items": ["a"], "land": "own", "construction_days": 0}},
        "arrivals": {"kind": "schedule", "projects": [{"date": MONDAY, "type": "t"}]},
        "run": {"start_date": MONDAY, "horizon_days": 30, "replications": 1, "seed": 1},
        **extra,
    }
    return Scenario.model_validate(data)


def start_day(s: Scenario) -> float:
    projects = run(s).projects
    assert len(projects) == 1
    return float(projects["construction_start_day"].iloc[0])


def test_a_file_crosses_three_levels() -> None:
    # Officer 8 h: Mon → Tue 00:00; chief 4 h → Tue 12:00; leader 4 h → Wed 00:00.
    s = scenario({"work_hours": 8}, {"signoff": CHAIN})
    assert start_day(s) == pytest.approx(2.0)


def test_a_meeting_item_waits_for_the_next_sitting_before_the_last_level() -> None:
    # Chief done Tue 12:00; the weekly meeting sits on Wednesday (day 2); the leader
    # signs Wednesday morning: done Wed 12:00.
    weekly = {"signoff": CHAIN, "meetings": {"every": "week", "weekday": 3}}
    assert start_day(scenario({"work_hours": 8, "at_meeting": True}, weekly)) == pytest.approx(2.5)
    # A monthly meeting on the 15th: Sunday 2026-03-15 moves to Monday the 16th (day 14).
    monthly = {"signoff": CHAIN, "meetings": {"every": "month", "day": 15}}
    assert start_day(scenario({"work_hours": 8, "at_meeting": True}, monthly)) == pytest.approx(
        14.5
    )
    events = run(scenario({"work_hours": 8, "at_meeting": True}, monthly)).events
    waits = events[events["activity"] == MEETING]
    assert waits["time"].tolist() == pytest.approx([1.5, 14.0])  # start, complete
    signoffs = events[(events["activity"] == SIGNOFF) & (events["lifecycle"] == "start")]
    assert signoffs["resource"].tolist() == ["D/chief", "D/leader"]


def test_effort_wd_is_shorthand_for_hours() -> None:
    by_days = scenario({"effort_wd": 1.5}, {})
    by_hours = scenario({"work_hours": 12}, {})
    assert start_day(by_days) == start_day(by_hours) == pytest.approx(1.5)


def test_both_or_neither_work_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        scenario({"work_hours": 8, "effort_wd": 1}, {})
    with pytest.raises(ValueError, match="exactly one"):
        scenario({}, {})


def test_offices_work_to_the_limit_in_force() -> None:
    pace = {"government": {"pace": 0.5}}
    item = {"work_hours": 8, "statutory_limit_wd": 20, "committed_limit_wd": 4}
    # Statutory: 10 working days in the in-tray (two weeks, to Monday day 14), then 1 wd.
    assert start_day(scenario(item, {}, **pace)) == pytest.approx(15.0)
    # Committed: 2 working days (to Wednesday), then 1 wd.
    committed = scenario(item, {}, time_limits="committed", **pace)
    assert start_day(committed) == pytest.approx(3.0)


def test_deemed_consent_stops_while_the_file_is_back_with_the_enterprise() -> None:
    # First review 1 wd: returned Tuesday 00:00 after 1 wd of government time. The fix
    # takes 14 days: resubmitted Tuesday 17 March (day 15), reviewed by Wednesday
    # (day 16): 2 wd so far. The item is decided at the monthly meeting of 15 April,
    # so the limit of 5 wd is reached 3 working days later, Saturday 21 March 00:00
    # (day 19); a clock that kept running while the enterprise fixed the file would
    # say day 5.
    item = {
        "work_hours": 8,
        "deficiency_probability": 1.0,
        "resubmission_deficiency_probability": 0.0,
        "rework_effort_fraction": 1.0,
        "fix_days": 14,
        "statutory_limit_wd": 5,
        "at_meeting": True,
    }
    s = scenario(
        item,
        {"meetings": {"every": "month", "day": 15}},
        approval_mode="parallel",
        mechanisms={"time_limited_feedback": {"enabled": True, "deemed_consent": True}},
    )
    events = run(s).events
    consent = events[events["activity"] == DEEMED_CONSENT]
    assert consent["time"].tolist() == pytest.approx([19.0])
    assert start_day(s) == pytest.approx(19.0)


# -- the three clocks ------------------------------------------------------------------


def project_row(s: Scenario) -> dict[str, Any]:
    projects = run(s).projects
    assert len(projects) == 1
    return projects.iloc[0].to_dict()


def test_each_stretch_runs_on_one_clock() -> None:
    # Intermediary Mon → Tue (third party), preparation Tue → Thu 00:00 (enterprise),
    # one working day of review to Fri 00:00 (government), then 3 days of expert review
    # to Monday 00:00, day 7 (third party).
    item = {
        "work_hours": 8,
        "intermediary_days": 1,
        "preparation_days": 2,
        "elapsed_days": 3,
        "starts_official_clock": False,
    }
    row = project_row(scenario(item, {}))
    assert row["construction_start_day"] == pytest.approx(7.0)
    assert row["government_prestart_days"] == pytest.approx(1.0)
    assert row["government_prestart_wd"] == pytest.approx(1.0)
    assert row["enterprise_prestart_days"] == pytest.approx(2.0)
    assert row["third_party_prestart_days"] == pytest.approx(4.0)


def test_parallel_items_count_once_on_the_government_clock() -> None:
    data: dict[str, Any] = {
        "approval_mode": "parallel",
        "departments": {"D": {"staff": 1}, "E": {"staff": 1}},
        "items": {
            "a": {"department": "D", "stage": 1, "work_hours": 16},
            "b": {"department": "E", "stage": 1, "work_hours": 24},
        },
        "project_types": {
            "t": {"share": 1, "items": ["a", "b"], "land": "own", "construction_days": 0}
        },
        "arrivals": {"kind": "schedule", "projects": [{"date": MONDAY, "type": "t"}]},
        "run": {"start_date": MONDAY, "horizon_days": 30, "replications": 1, "seed": 1},
    }
    result = run(Scenario.model_validate(data))
    row = result.projects.iloc[0]
    # a: Mon → Wed, b: Mon → Thu side by side: 3 days in government hands, not 5.
    assert row["government_prestart_days"] == pytest.approx(3.0)
    items = result.items.set_index("item")
    assert items.loc["a", "government_wd"] == pytest.approx(2.0)
    assert items.loc["b", "government_wd"] == pytest.approx(3.0)


def test_corrections_are_the_enterprises_time_and_the_official_clock_starts_at_filing() -> None:
    data: dict[str, Any] = {
        "departments": {"D": {"staff": 1}},
        "items": {
            "filing": {"department": "D", "stage": 1, "work_hours": 8,
                       "starts_official_clock": True},
            "permit": {
                "department": "D", "stage": 3, "work_hours": 8, "prerequisites": ["filing"],
                "deficiency_probability": 1.0, "resubmission_deficiency_probability": 0.0,
                "rework_effort_fraction": 1.0, "fix_days": 4,
            },
        },  # fmt: skip
        "project_types": {
            "t": {"share": 1, "items": ["filing", "permit"], "land": "own", "construction_days": 0}
        },
        "arrivals": {"kind": "schedule", "projects": [{"date": MONDAY, "type": "t"}]},
        "run": {"start_date": MONDAY, "horizon_days": 30, "replications": 1, "seed": 1},
    }
    result = run(Scenario.model_validate(data))
    row = result.projects.iloc[0]
    # Filing decided Tuesday 00:00 (the official start). Permit: Tue → Wed 00:00, returned;
    # 4 days of correction (enterprise) to Sunday; resubmitted Sunday, reviewed Monday
    # (day 7 → 8). Government: 1 + 1 day; the weekend wait for Monday is in the queue.
    assert row["official_start_day"] == pytest.approx(1.0)
    assert row["construction_start_day"] == pytest.approx(8.0)
    assert row["enterprise_prestart_days"] == pytest.approx(4.0)
    assert row["government_prestart_days"] == pytest.approx(1.0 + 2.0)
    assert row["government_prestart_wd"] == pytest.approx(2.0)
    permit = result.items.set_index("item").loc["permit"]
    assert permit["enterprise_days"] == pytest.approx(4.0)
    assert permit["government_wd"] == pytest.approx(2.0)
