"""``--format xlsx``: one workbook per results folder, a sheet per table, read back as written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import make_scenario

import model
from model.cli.app import main
from model.outputs import folders, workbooks
from model.outputs.workbooks import WORKBOOK, Workbook, add_sheet, read_sheet, sheet_names
from model.scenario.starter import starter_text


@pytest.fixture(scope="module")
def results() -> model.Results:  # type: ignore[name-defined]
    return model.run(make_scenario(), replications=2, workers=1)


def test_a_folder_is_one_workbook_whose_sheets_read_back_as_the_csv_tables(
    results: model.Results,  # type: ignore[name-defined]
    tmp_path: Path,
) -> None:
    csv, xlsx = tmp_path / "csv", tmp_path / "xlsx"
    folders.write_results(results, csv, "csv")
    written = folders.write_results(results, xlsx, "xlsx")
    # The event log (a million rows a county-year) is a CSV beside the workbook.
    assert written == [xlsx / WORKBOOK, xlsx / "events.csv"]
    assert sorted(p.name for p in xlsx.iterdir()) == [
        "events.csv", "manifest.json", "scenario.json", WORKBOOK
    ]  # fmt: skip
    manifest = json.loads((xlsx / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"] == [WORKBOOK, "events.csv"]
    expected = ["projects", "items", "resources", "summary", "kpis", "scorecard"]
    assert manifest["sheets"] == expected == sheet_names(xlsx / WORKBOOK)
    for name in [*expected, "events"]:
        a, b = folders.read_table(csv, name), folders.read_table(xlsx, name)
        assert a is not None and b is not None, name
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12, obj=name)
    # The report's reader takes the workbook like the CSV files.
    stored = folders.load_results(xlsx).scenarios[0]
    assert len(stored.items) == len(results.items)
    assert "自然资源局" in set(stored.items["department"])


def test_cells_are_excel_safe(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "name": ["发改局", "=HYPERLINK(\"http://x\")", "bell\x07", None],
            "value": [1.5, np.nan, 3.0, 4.0],
            "flag": [True, False, True, False],
            "count": np.array([1, 2, 3, 4], dtype=np.int64),
        }
    )
    path = tmp_path / WORKBOOK
    with Workbook(path) as book:
        assert book.add("t", [table])
        assert not book.add("nothing", [table.iloc[:0]])
    sheet = openpyxl.load_workbook(path)["t"]
    assert [c.value for c in sheet[1]] == ["name", "value", "flag", "count"]
    assert sheet["A2"].value == "发改局"
    assert sheet["A3"].data_type == "s", "a scenario's text never becomes a formula"
    assert sheet["A4"].value == "bell"
    assert sheet["B3"].value is None and sheet["A5"].value is None
    back = read_sheet(path, "t")
    assert back is not None
    assert back["name"].tolist()[:3] == ["发改局", "=HYPERLINK(\"http://x\")", "bell"]
    assert np.isnan(back["value"][1]) and back["count"].tolist() == [1, 2, 3, 4]
    assert read_sheet(path, "nothing") is None


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbooks, "MAX_ROWS", 5)  # a header and four rows per sheet
    pieces = [pd.DataFrame({"k": range(a, a + 3)}) for a in (0, 3, 6, 9)]
    path = tmp_path / WORKBOOK
    with Workbook(path) as book:
        book.add("events", iter(pieces))
    assert sheet_names(path) == ["events", "events_2", "events_3"]
    back = read_sheet(path, "events")
    assert back is not None and back["k"].tolist() == list(range(12))


def test_tables_written_one_by_one_share_the_workbook(tmp_path: Path) -> None:
    first, second = pd.DataFrame({"a": [1]}), pd.DataFrame({"b": ["县"]})
    folders.write_table(first, tmp_path / "sweep", "xlsx")
    folders.write_table(second, tmp_path / "sweep_kpis", "xlsx")
    folders.write_table(pd.DataFrame({"a": [2]}), tmp_path / "sweep", "xlsx")  # replaced
    assert sheet_names(tmp_path / WORKBOOK) == ["sweep_kpis", "sweep"]
    assert folders.read_table(tmp_path, "sweep")["a"].tolist() == [2]  # type: ignore[index]
    assert folders.read_table(tmp_path, "sweep_kpis")["b"].tolist() == ["县"]  # type: ignore[index]
    assert folders.read_table(tmp_path, "missing") is None
    add_sheet(tmp_path / WORKBOOK, "x", first)
    assert "x" in sheet_names(tmp_path / WORKBOOK)


def test_a_damaged_workbook_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / WORKBOOK).write_bytes(b"not a zip")
    with pytest.raises(folders.ResultsFolderError, match="tables.xlsx: cannot be read"):
        folders.read_table(tmp_path, "summary")


def test_cli_run_compare_and_report_with_xlsx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(starter_text("a").replace("horizon_days: 365", "horizon_days: 120"), "utf-8")
    b.write_text(
        starter_text("b").replace("horizon_days: 365", "horizon_days: 120").replace(
            "approval_mode: serial", "approval_mode: parallel"
        ),
        "utf-8",
    )
    out = tmp_path / "cmp"
    args = ["compare", str(a), str(b), "-n", "2", "--workers", "1", "--out", str(out)]
    assert main([*args, "--format", "xlsx"]) == 0
    assert sheet_names(out / WORKBOOK) == ["comparison_kpis", "comparison_differences"]
    assert (out / "a" / WORKBOOK).is_file() and (out / "b" / WORKBOOK).is_file()
    assert main(["report", str(out), "--lang", "zh"]) == 0
    assert (out / "report-zh.html").is_file()
    run = tmp_path / "run"
    assert main(["run", str(a), "-n", "1", "--workers", "1", "--out", str(run),
                 "--format", "xlsx", "--event-log", "csv"]) == 0  # fmt: skip
    assert (run / "eventlog.csv").is_file()
    capsys.readouterr()
