"""The progress bar counts the replications the command was asked for, resumed or not."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import model.cli.progress as progress
from model.cli.app import main
from model.scenario.starter import starter_text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder:
    """Stands in for the bar: records every ``(done, total)``; may stop the run with Ctrl-C."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls: list[tuple[int, int]] = []
        self.stop_at = stop_at

    @contextlib.contextmanager
    def __call__(
        self, label: str = "replications", stream: object = None, resumed: int = 0
    ) -> Iterator[object]:
        def update(done: int, total: int) -> None:
            self.calls.append((done, total))
            if self.stop_at is not None and done >= self.stop_at:
                raise KeyboardInterrupt

        yield update


def _scenarios(tmp_path: Path) -> tuple[Path, Path]:
    short = "horizon_days: 120"
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(starter_text("a").replace("horizon_days: 365", short), encoding="utf-8")
    b.write_text(
        starter_text("b").replace("horizon_days: 365", short).replace(
            "approval_mode: serial", "approval_mode: parallel"
        ),
        encoding="utf-8",
    )
    return a, b


def _check(calls: list[tuple[int, int]], asked: int) -> None:
    assert calls, "the bar was never told anything"
    assert calls[-1] == (asked, asked)
    assert all(done <= total for done, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls), "never counts backwards"


def test_the_count_is_every_replication_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    cases = [
        (["run", str(a), "-n", "3"], 3),
        (["compare", str(a), str(b), "-n", "2"], 4),
        (["sweep", str(a), "--set", "departments.发改局.staff=1,2,3", "-n", "2"], 6),
    ]
    for args, asked in cases:
        recorder = Recorder()
        monkeypatch.setattr(progress, "progress_bar", recorder)
        assert main([*args, "--workers", "1"]) == 0, args
        _check(recorder.calls, asked)
        assert {total for _, total in recorder.calls} == {asked}, args
    capsys.readouterr()


def test_a_resumed_run_counts_to_the_same_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    args = ["compare", str(a), str(b), "-n", "3", "--workers", "1", "--out", str(tmp_path / "o")]
    first = Recorder(stop_at=2)
    monkeypatch.setattr(progress, "progress_bar", first)
    assert main(args) == 130  # Ctrl-C after two replications
    again = Recorder()
    monkeypatch.setattr(progress, "progress_bar", again)
    assert main(args) == 0
    assert "resuming: 2 replication(s)" in capsys.readouterr().err
    _check(again.calls, 6)
    assert again.calls[0] == (0, 6)


def test_precision_grows_the_total_batch_by_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _scenarios(tmp_path)
    recorder = Recorder()
    monkeypatch.setattr(progress, "progress_bar", recorder)
    args = ["compare", str(a), str(b), "-n", "3", "--precision", "0.001", "--max-replications", "5"]
    assert main([*args, "--workers", "1"]) == 0
    totals = [total for _, total in recorder.calls]
    assert totals[0] == 6 and totals[-1] == 10, "from 3 per scenario to the cap of 5"
    assert totals == sorted(totals)
    _check(recorder.calls, 10)
    capsys.readouterr()


@pytest.mark.parametrize(("resumed", "eta"), [(8, "<00:10"), (0, "<00:01")])
def test_the_eta_times_only_what_is_computed(
    monkeypatch: pytest.MonkeyPatch, resumed: int, eta: str
) -> None:
    """Eight replications read back at once, then one computed in 10 s: 10 s to go, not 1."""
    now = [0.0]
    monkeypatch.setattr("tqdm.std.time", lambda: now[0])
    terminal = Terminal()
    with progress.progress_bar(stream=terminal, resumed=resumed) as update:
        for done in range(9):  # 0, then eight read back from checkpoints
            update(done, 10)
        now[0] = 10.0
        update(9, 10)  # the first computed replication
        drawn = terminal.getvalue().split("\r")[-1]
    assert "9/10" in drawn and eta in drawn, drawn


def test_no_bar_off_a_terminal() -> None:
    quiet = io.StringIO()
    with progress.progress_bar(stream=quiet) as update:
        update(1, 2)
    assert quiet.getvalue() == ""
