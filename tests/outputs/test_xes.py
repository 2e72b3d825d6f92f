"""Event-log export: process-mining columns, CSV and XES (IEEE 1849) read by a real reader."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import base_scenario_dict, make_scenario

import model
from model.outputs import event_logs as processlog
from model.cli.app import main

XES = "{http://www.xes-standard.org/}"


def _events(
    rows: list[tuple[float, int, str, str, str, str]], replication: int = 0
) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["time", "project_id", "item", "activity", "lifecycle", "resource"]
    )
    return frame.assign(replication=replication)


HAND = [
    (0.25, 3, "工业<type>", "signed", "complete", ""),
    (1.5, 3, "A & B", "review", "schedule", "住建局"),
    (1.5, 3, "A & B", "review", "start", "住建局"),
    (2.0, 3, "A & B", "review", "complete", "住建局"),
    (2.0, 3, "", "construction_start", "complete", ""),
]


def test_process_log_columns_case_ids_and_real_timestamps() -> None:
    log = processlog.process_log(_events(HAND, replication=4), dt.date(2026, 1, 1))
    assert list(log.columns) == list(processlog.COLUMNS)
    assert set(log["case_id"]) == {"4-3"}
    assert list(log["activity"]) == [
        "signed", "review A & B", "review A & B", "review A & B", "construction_start",
    ]  # fmt: skip
    assert list(log["lifecycle"]) == ["complete", "schedule", "start", "complete", "complete"]
    assert (log["project_type"] == "工业<type>").all()
    # Day 1.5 from 2026-01-01 00:00 China time is 2 January 12:00 (+08:00).
    assert log["timestamp"].iloc[1].isoformat() == "2026-01-02T12:00:00+08:00"
    assert log["timestamp"].iloc[0] == pd.Timestamp("2026-01-01T06:00:00+08:00")


def test_process_log_keeps_chosen_replications_and_refuses_missing_ones() -> None:
    events = pd.concat([_events(HAND, 0), _events(HAND, 1), _events(HAND, 2)])
    log = processlog.process_log(events, dt.date(2026, 1, 1), [0, 2])
    assert sorted(log["case_id"].unique()) == ["0-3", "2-3"]
    with pytest.raises(ValueError, match="not in the results"):
        processlog.process_log(events, dt.date(2026, 1, 1), [7])


def test_xes_is_well_formed_ieee_1849_with_standard_extensions(tmp_path: Path) -> None:
    log = processlog.process_log(_events(HAND), dt.date(2026, 1, 1))
    path = processlog.write_xes(log, tmp_path / "log.xes", name="name <&> \x01 control")
    root = ET.parse(path).getroot()
    assert root.tag == f"{XES}log"
    assert root.get("xes.version") == "1849-2016"
    prefixes = {e.get("prefix"): e.get("uri") for e in root.findall(f"{XES}extension")}
    assert set(prefixes) == {"concept", "time", "lifecycle", "org"}
    assert all(uri.startswith("http://www.xes-standard.org/") for uri in prefixes.values())
    traces = root.findall(f"{XES}trace")
    assert len(traces) == 1
    events = traces[0].findall(f"{XES}event")
    assert len(events) == len(HAND)
    keys = {child.get("key"): child.get("value") for child in events[1]}
    assert keys["concept:name"] == "review A & B"
    assert keys["lifecycle:transition"] == "schedule"
    assert keys["org:resource"] == "住建局"
    assert keys["time:timestamp"] == "2026-01-02T12:00:00.000+08:00"


@pytest.mark.filterwarnings("ignore:Install the optional requirement")
def test_pm4py_reads_the_xes_of_a_simulation(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    scenario = make_scenario()
    results = model.run(scenario, replications=2, workers=1)
    log = processlog.process_log(results.events, scenario.run.start_date)
    path = processlog.write_xes(log, tmp_path / "sim.xes", name=scenario.name)
    read = pm4py.read_xes(str(path))
    assert len(read) == len(log) == len(results.events)
    assert read["case:concept:name"].nunique() == log["case_id"].nunique()
    assert read.groupby("case:concept:name").size().sort_index().to_dict() == (
        log.groupby("case_id").size().sort_index().to_dict()
    )
    assert set(read["lifecycle:transition"]) <= {"schedule", "start", "complete"}
    assert set(read["concept:name"]) == set(log["activity"])
    # Same instants, whatever time zone the reader converts to.
    assert sorted(pd.to_datetime(read["time:timestamp"], utc=True)) == sorted(
        log["timestamp"].dt.tz_convert("UTC")
    )


def test_csv_round_trips_with_iso_timestamps(tmp_path: Path) -> None:
    log = processlog.process_log(_events(HAND), dt.date(2026, 1, 1))
    path = processlog.write_csv(log, tmp_path / "log.csv")
    back = pd.read_csv(path)
    assert back["timestamp"].iloc[1] == "2026-01-02T12:00:00.000+08:00"
    assert list(back["activity"]) == list(log["activity"])


@pytest.mark.parametrize(
    ("text", "expected"), [("0,1", [0, 1]), ("3", [3]), ("0-2,5", [0, 1, 2, 5]), (" 1 , 1 ", [1])]
)
def test_parse_replications(text: str, expected: list[int]) -> None:
    assert processlog.parse_replications(text) == expected


@pytest.mark.parametrize("text", ["", "a", "-1", "3-1", "1.5"])
def test_parse_replications_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        processlog.parse_replications(text)


@pytest.fixture()
def scenario_file(tmp_path: Path) -> Path:
    data = base_scenario_dict()
    data["run"]["horizon_days"] = 120
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.filterwarnings("ignore:Install the optional requirement")
def test_cli_run_writes_the_chosen_replications_as_xes(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pm4py = pytest.importorskip("pm4py")
    out = tmp_path / "out"
    status = main(["run", str(scenario_file), "-n", "2", "--workers", "1", "--out", str(out),
                   "--event-log", "xes", "--event-log-replications", "1"])  # fmt: skip
    assert status == 0
    assert f"Event log written to {out / 'eventlog.xes'}" in capsys.readouterr().out
    read = pm4py.read_xes(str(out / "eventlog.xes"))
    assert set(read["case:concept:name"].str.split("-").str[0]) == {"1"}
    events = pd.read_csv(out / "events.csv")
    assert len(read) == int((events["replication"] == 1).sum())


def test_cli_run_writes_csv_event_log(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "-n", "2", "--workers", "1", "--out", str(out),
                 "--event-log", "csv"]) == 0  # fmt: skip
    log = pd.read_csv(out / "eventlog.csv")
    assert set(log["case_id"].str.split("-").str[0]) == {"0", "1"}
    assert {"case_id", "activity", "timestamp", "resource", "lifecycle"} <= set(log.columns)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--event-log", "xes"], "needs --out"),
        (["--event-log", "csv", "--out", "{out}", "--event-log-replications", "9"], "do not exist"),
        (
            ["--event-log", "csv", "--out", "{out}", "--event-log-replications", "x"],
            "not a replication",
        ),
        (["--out", "{out}", "--event-log-replications", "0"], "needs --event-log"),
    ],
)
def test_cli_event_log_user_errors_exit_2_before_running(
    scenario_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in extra]
    assert main(["run", str(scenario_file), "-n", "2", "--workers", "1", *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists(), "nothing may run (or be written) when the arguments are wrong"
