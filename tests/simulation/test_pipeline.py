"""Starting from today's pipeline: projects already in progress continue where they stood."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from model.experiments.batch import run
from model.scenario.schema import Scenario

MONDAY = dt.date(2026, 3, 2)


def scenario(pipeline: list[dict[str, Any]], **extra: Any) -> Scenario:
    """Department D, items a → b in stage 1; no new signings (the schedule is empty)."""
    return Scenario.model_validate(
        {
            "departments": {"D": {"staff": 10}},
            "items": {
                "listing": {"department": "D", "stage": "land", "effort_wd": 1, "elapsed_days": 20},
                "a": {"department": "D", "stage": 1, "effort_wd": 2, "statutory_limit_wd": 5},
                "b": {"department": "D", "stage": 1, "effort_wd": 3, "prerequisites": ["a"]},
            },
            "project_types": {
                "own": {"share": 0.5, "items": ["a", "b"], "land": "own", "construction_days": 10},
                "new": {"share": 0.5, "items": ["listing", "a", "b"], "construction_days": 10},
            },
            "arrivals": {"kind": "schedule", "projects": []},
            "pipeline": pipeline,
            "run": {"start_date": MONDAY, "horizon_days": 30, "replications": 1, "seed": 1, "debug": True},
            **extra,
        }
    )


def test_item_under_way_rejoins_its_queue_and_keeps_its_clock() -> None:
    s = scenario(
        [{"name": "P-1", "type": "own", "signed": "2026-02-02",
          "under_way": [{"item": "a", "since": "2026-02-26"}]}]
    )
    results = run(s)
    project = results.projects.iloc[0]
    assert project["pipeline_name"] == "P-1"
    assert project["signing_to_start_days"] == pytest.approx(33.0)  # 28 days before + 5 after
    a = results.items[results.items["item"] == "a"].iloc[0]
    assert a["queued_day"] == pytest.approx(-4.0)
    # Thu 26, Fri 27, the make-up Saturday 28 February, Mon 2 and Tue 3 March: 5 WD.
    assert a["government_wd"] == pytest.approx(5.0)
    assert bool(a["within_limit"])


def test_forecast_flags_an_item_that_will_miss_its_limit() -> None:
    s = scenario(
        [{"name": "P-2", "type": "own", "signed": "2026-01-05",
          "under_way": [{"item": "a", "since": "2026-02-16"}]}]
    )
    project = run(s).projects.iloc[0]
    assert project["items_over_limit"] == 1


def test_done_items_and_land_are_not_redone() -> None:
    s = scenario(
        [{"name": "P-3", "type": "new", "signed": "2026-01-05", "land_obtained": "2026-02-20",
          "done": ["listing", "a"]}]
    )
    results = run(s)
    assert set(results.items["item"]) == {"b"}
    project = results.projects.iloc[0]
    assert project["land_obtained_day"] == pytest.approx(-10.0)
    assert project["construction_start_day"] == pytest.approx(3.0)  # b: Mon → Thu


def test_pipeline_does_not_change_the_draws_of_new_signings() -> None:
    signings = {"kind": "poisson", "rate_per_year": 40}
    plain = scenario([], arrivals=signings)
    with_pipeline = scenario(
        [{"name": "P-4", "type": "own", "signed": "2026-02-02"}], arrivals=signings
    )
    a = run(plain).projects.set_index("project_id")
    b = run(with_pipeline).projects.set_index("project_id")
    new = b[~b["pipeline"]]
    assert list(new["signed_day"]) == list(a["signed_day"])
    assert list(new["project_type"]) == list(a["project_type"])


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"name": "x", "type": "own", "signed": "2026-04-01"}, "signed by run.start_date"),
        ({"name": "x", "type": "own", "signed": "2026-01-01", "done": ["zzz"]}, "not one of"),
        ({"name": "x", "type": "own", "signed": "2026-01-01", "done": ["a", "b"]}, "pre-start"),
        ({"name": "x", "type": "own", "signed": "2026-01-01",
          "under_way": [{"item": "a", "since": "2025-12-01"}]}, "between"),
    ],
)
def test_inconsistent_pipeline_records_are_refused(record: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        scenario([record])


def test_pipeline_is_read_from_a_csv(tmp_path: Any) -> None:
    from model.scenario.loader import ScenarioError, load_scenario

    data = scenario([]).model_dump(mode="json", exclude={"pipeline"})
    import yaml

    (tmp_path / "county.yaml").write_text(
        yaml.safe_dump({**data, "pipeline": {"path": "pipeline.csv"}}, allow_unicode=True),
        encoding="utf-8",
    )
    (tmp_path / "pipeline.csv").write_text(
        "name,type,signed,land_obtained,done,under_way\n"
        "P-1,own,2026-02-02,,,a@2026-02-26\n"
        "P-2,new,2026-01-05,2026-02-20,listing;a,\n",
        encoding="utf-8",
    )
    loaded = load_scenario(tmp_path / "county.yaml")
    assert [p.name for p in loaded.pipeline] == ["P-1", "P-2"]
    assert loaded.pipeline[0].under_way[0].since == dt.date(2026, 2, 26)
    assert loaded.pipeline[1].done == ("listing", "a")
    (tmp_path / "pipeline.csv").write_text(
        "name,type,signed,land_obtained,done,under_way\nP-1,own,2026-02-02,,,a@soon\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=r"pipeline.csv:2: pipeline.0.under_way"):
        load_scenario(tmp_path / "county.yaml")
