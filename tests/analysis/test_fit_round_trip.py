"""The calibration loop the README documents: simulate → export → fit → extend → simulate.

A county's records are stood in for by the event log of a known scenario (the
*truth*) run on another seed, exported with ``run --event-log csv``. ``fit``
turns it into a fragment; the fragment ``extends:`` a base whose item durations
are rough guesses; the extended scenario, simulated on the truth's seed,
recovers every key output: the two means differ by no more than the sum of
their 95 % half-widths.

Intermediary time is the case the loop used to get wrong: fitted into
``preparation_days``, it was counted twice by a base with its own
``intermediary_days`` (+30 days signing → start here). The same check fails on
a log in that old form, so it has the power to see the bug.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import base_scenario_dict

import model
from model.analysis import fitting as fit
from model.analysis.outputs import KEY_OUTPUTS
from model.cli.app import main
from model.scenario.loader import load_scenario
from model.scenario.schema import Scenario

REPLICATIONS = 8


def _truth() -> dict:  # type: ignore[type-arg]
    data = base_scenario_dict()
    items = data["items"]
    items["planning_permit"]["intermediary_days"] = {
        "kind": "triangular", "low": 10, "mode": 20, "high": 40
    }  # fmt: skip
    items["construction_permit"]["preparation_days"] = {"kind": "gamma", "mean": 8, "sd": 3}
    return data


def _guessed_base(truth: dict) -> dict:  # type: ignore[type-arg]
    """The county's first guesses: wrong wherever the records can tell."""
    base = copy.deepcopy(truth)
    base["items"]["planning_permit"]["intermediary_days"] = 30
    base["items"]["planning_permit"]["effort_wd"] = 2
    base["items"]["construction_permit"]["preparation_days"] = 15
    return base


def _dump(path: Path, data: dict) -> Path:  # type: ignore[type-arg]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _extend(fragment: Path, base: str) -> Path:
    """What the README says to do with a fragment: ``extends:`` the base at its top."""
    county = fragment.with_name(f"county-{fragment.stem}.yaml")
    county.write_text(f"extends: {base}\n" + fragment.read_text(encoding="utf-8"), "utf-8")
    return county


def _outside(truth: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    both = truth.merge(other, on="output", suffixes=("", "_other"))
    gap = (both["mean_other"] - both["mean"]).abs()
    allowed = both["half_width"] + both["half_width_other"]
    return [
        f"{row.output}: {row.mean:.2f} ± {row.half_width:.2f} vs {row.mean_other:.2f}"
        for row, out in zip(both.itertuples(), gap > allowed + 1e-9, strict=True)
        if out
    ]


@pytest.mark.slow
def test_fit_extend_simulate_recovers_the_key_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truth_data = _truth()
    _dump(tmp_path / "truth.yaml", truth_data)
    _dump(tmp_path / "base.yaml", _guessed_base(truth_data))
    (tmp_path / "history.yaml").write_text("extends: truth.yaml\nrun: {seed: 99}\n", "utf-8")
    records = tmp_path / "records"
    assert main(["run", str(tmp_path / "history.yaml"), "-n", "10", "--workers", "1",
                 "--out", str(records), "--event-log", "csv"]) == 0  # fmt: skip
    fragment = tmp_path / "fitted.yaml"
    assert main(["fit", str(records / "eventlog.csv"), "--out", str(fragment)]) == 0
    capsys.readouterr()

    fitted_items = yaml.safe_load(fragment.read_text(encoding="utf-8"))["items"]
    planning = fitted_items["planning_permit"]
    assert "intermediary_days" in planning
    assert "preparation_days" not in planning, "intermediary time is not preparation"
    assert fitted_items["construction_permit"]["preparation_days"]["mean"] == pytest.approx(
        8, rel=0.1
    )

    truth = Scenario.model_validate(truth_data)
    county = load_scenario(_extend(fragment, "base.yaml"))
    assert county.items["planning_permit"].intermediary_days.mean == pytest.approx(
        truth.items["planning_permit"].intermediary_days.mean, rel=0.05
    )
    expected = model.run(truth, replications=REPLICATIONS, workers=1, keep_events=False)
    recovered = model.run(county, replications=REPLICATIONS, workers=1, keep_events=False)
    assert _outside(expected.kpis(KEY_OUTPUTS), recovered.kpis(KEY_OUTPUTS)) == []

    # The old form of the log: intermediary time recorded (so fitted) as preparation.
    log = pd.read_csv(records / "eventlog.csv")
    old = log.assign(event=log["event"].replace({"intermediary": "preparation"}))
    old = old.drop(columns=["activity"])
    old.to_csv(tmp_path / "old.csv", index=False)
    old_fragment = tmp_path / "old-fitted.yaml"
    assert main(["fit", str(tmp_path / "old.csv"), "--out", str(old_fragment)]) == 0
    twice = model.run(
        load_scenario(_extend(old_fragment, "base.yaml")),
        replications=REPLICATIONS,
        workers=1,
        keep_events=False,
    )
    outside = _outside(expected.kpis(KEY_OUTPUTS), twice.kpis(KEY_OUTPUTS))
    assert any(line.startswith("signing_to_start_days") for line in outside), outside
    gap = twice.kpis().set_index("output")["mean"] - expected.kpis().set_index("output")["mean"]
    assert gap["signing_to_start_days"] > 20, "the base's 30 intermediary days counted again"


def _log(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["case_id", "item", "event", "lifecycle", "day"])
    origin = pd.Timestamp("2026-03-02T00:00:00+08:00")
    frame["timestamp"] = [
        (origin + pd.Timedelta(days=d)).isoformat() for d in frame.pop("day")
    ]
    return fit.prepare_log(frame, "records.csv")


def test_intermediary_and_preparation_are_fitted_to_their_own_fields() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for case in range(40):
        t = float(case)
        chosen, prepared = rng.uniform(10, 30), rng.uniform(2, 6)
        rows += [
            (str(case), "eia", "intermediary", "start", t),
            (str(case), "eia", "intermediary", "complete", t + chosen),
            (str(case), "eia", "preparation", "start", t + chosen),
            (str(case), "eia", "preparation", "complete", t + chosen + prepared),
        ]
    entry = fit.fit_log(_log(rows))["items"]["eia"]
    assert entry["intermediary_days"]["kind"] == "uniform"
    assert (entry["intermediary_days"]["low"], entry["intermediary_days"]["high"]) == (
        pytest.approx((10, 30), abs=1.5)
    )
    assert (entry["preparation_days"]["low"], entry["preparation_days"]["high"]) == (
        pytest.approx((2, 6), abs=0.5)
    )
    assert entry["intermediary_days"]["source"].startswith("fitted from records.csv: n=40")


def test_a_discrete_sample_stays_discrete() -> None:
    """Efforts of exactly 1, 2 or 3 days: a continuous family would smear them (KS p = 0)."""
    values = np.repeat([1.0, 2.0, 3.0], [50, 30, 20])
    result = fit.fit_durations(values)
    assert result is not None and result.family == "empirical"
    assert result.params == {"values": [1.0, 2.0, 3.0], "weights": [50.0, 30.0, 20.0]}
    assert result.mean == pytest.approx(1.7)
    assert "3 distinct values: empirical" in result.describe("log.csv")
    # Continuous samples are untouched (every value distinct).
    assert fit.fit_durations(np.random.default_rng(1).uniform(1, 3, 100)).family == "uniform"  # type: ignore[union-attr]
