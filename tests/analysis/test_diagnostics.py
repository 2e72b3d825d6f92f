"""Overload, run bounds and invariants: the protections fail loudly when removed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from model.analysis.diagnostics import check_invariants, growing_queues
from model.experiments.batch import replicate, run
from model.analysis.metrics import pool_visits
from model.scenario.schema import Scenario
from model.simulation.replication import InvariantError, RunLimitError, run_replication


def one_department(staff: int, rate_per_year: float, **run_settings: Any) -> Scenario:
    """One item of 5 working days at department D; arrivals at ``rate_per_year``."""
    return Scenario.model_validate(
        {
            "departments": {"D": {"staff": staff}},
            "items": {"review": {"department": "D", "stage": 1, "effort_wd": 5}},
            "project_types": {
                "t": {"share": 1, "items": ["review"], "land": "own", "construction_days": 0}
            },
            "arrivals": {"kind": "poisson", "rate_per_year": rate_per_year},
            "run": {
                "start_date": dt.date(2026, 1, 1),
                "horizon_days": 730,
                "warmup_days": 100,
                "seed": 3,
                **run_settings,
            },
        }
    )


def test_overloaded_department_is_reported_unstable() -> None:
    # 2 reviewers × ~249 WD / 5 WD ≈ 100 reviews a year; 200 arrive.
    tables = replicate(one_department(2, 200), 0, 3)
    assert any("unstable" in note and "at D" in note for note in tables.notes)
    assert tables.summary["unstable_pools"] == 1


def test_stable_department_is_not_flagged() -> None:
    tables = replicate(one_department(2, 50), 0, 3)
    assert not any("unstable" in note for note in tables.notes)


def test_growing_queue_detection_needs_the_backlog() -> None:
    raw = run_replication(one_department(2, 200), 0)
    visits = pool_visits(raw.events)
    scenario = one_department(2, 200)
    assert growing_queues(visits, scenario, raw.end_day)
    # Remove the waiting (every review starts when queued): nothing grows.
    served = visits.assign(start=visits["schedule"])
    assert growing_queues(served, scenario, raw.end_day) == []


def test_event_bound_stops_the_run_with_a_clear_message() -> None:
    with pytest.raises(RunLimitError, match="run.max_events"):
        run_replication(one_department(2, 200, max_events=500), 0)


def test_wall_time_bound_stops_the_run() -> None:
    with pytest.raises(RunLimitError, match="run.max_wall_seconds"):
        run_replication(one_department(2, 200, max_wall_seconds=1e-9), 0)


def tables_of(scenario: Scenario) -> tuple[Any, ...]:
    tables = replicate(scenario, 0, 3)
    raw = run_replication(scenario, 0, 3)
    return raw.events, tables.projects, tables.items, tables.resources, raw.projects_signed


def test_invariants_hold_on_a_normal_run() -> None:
    scenario = one_department(3, 60)
    events, projects, items, resources, signed = tables_of(scenario)
    check_invariants(events, projects, items, resources, scenario, signed)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e, p, i, r: (e, p.iloc[1:], i, r),  # a project lost
        lambda e, p, i, r: (e, p, i.iloc[1:], r),  # an item lost
        lambda e, p, i, r: (e, p, __import__("pandas").concat([i, i.iloc[:1]]), r),  # counted twice
        lambda e, p, i, r: (e, p.assign(accepted_day=p["completed_day"] - 1), i, r),  # out of order
        lambda e, p, i, r: (e, p, i.assign(waiting_days=-1.0), r),  # negative wait
        lambda e, p, i, r: (e, p, i, r.assign(utilisation=1.5)),  # over capacity
    ],
)
def test_each_invariant_can_fail(tamper: Any) -> None:
    scenario = one_department(3, 60)
    events, projects, items, resources, signed = tables_of(scenario)
    events, projects, items, resources = tamper(events, projects, items, resources)
    with pytest.raises(InvariantError):
        check_invariants(events, projects, items, resources, scenario, signed)


def test_debug_run_checks_capacity_while_simulating(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = one_department(2, 200, debug=True)
    run(scenario, replications=1)  # a correct model passes
    # Break the pool: a release hands a member to every waiting request at once.
    from model.simulation import pools

    def grant_everyone(self: Any) -> None:
        while self._fifo:
            self.busy += 1
            self._fifo.popleft().succeed()

    monkeypatch.setattr(pools.Pool, "_grant", grant_everyone)
    with pytest.raises(InvariantError, match="over capacity"):
        run_replication(scenario, 0)


def test_overload_is_detected_before_running_from_the_scenario_numbers() -> None:
    from model.experiments.staffing import overloaded_departments

    assert overloaded_departments(one_department(2, 50)) == []
    [message] = overloaded_departments(one_department(2, 200))
    assert message.startswith("unstable: D ")


def test_cli_warns_before_running(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    from model.cli.app import main

    path = tmp_path / "overloaded.yaml"
    data = one_department(2, 200, horizon_days=200, warmup_days=0).model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(path), "-n", "1", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "warning: scenario: unstable: D is offered" in captured.err
