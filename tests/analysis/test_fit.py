"""Calibration from records: MLE with censoring, AIC family choice, and the full round trip.

Round trip: simulate a small county with known parameters, export its event
log as CSV, fit it, and recover the parameters. Tolerances (one seeded run of
about 500 projects): means within 10 %, standard deviations within 20 %,
uniform bounds within 0.15 working days, deficiency rates within 0.05.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import base_scenario_dict, make_scenario

import model
from model.analysis import fitting as fit
from model.outputs import event_logs as processlog
from model.cli.app import main
from model.scenario.loader import load_scenario


def test_censored_exponential_recovers_the_mean_where_dropping_would_not() -> None:
    rng = np.random.default_rng(7)
    durations = rng.exponential(10.0, 600)
    cut = 12.0  # the log ends: everything longer is still open
    observed = durations[durations < cut]
    censored = np.full(int((durations >= cut).sum()), cut)
    result = fit.fit_durations(observed, censored, families=("exponential",))
    assert result is not None and result.family == "exponential"
    assert result.mean == pytest.approx(10.0, rel=0.1)
    naive = fit.fit_durations(observed, families=("exponential",))
    assert naive is not None and naive.mean < 0.7 * 10.0, "dropping open cases biases the mean down"
    assert result.censored == len(censored)


def test_censored_lognormal_and_gamma_recover_their_moments() -> None:
    rng = np.random.default_rng(3)
    sigma2 = np.log(1 + (3.0 / 8.0) ** 2)
    sample = rng.lognormal(np.log(8.0) - sigma2 / 2, np.sqrt(sigma2), 800)
    cut = np.quantile(sample, 0.8)
    for family in ("lognormal", "gamma"):
        result = fit.fit_durations(
            sample[sample < cut], np.full(int((sample >= cut).sum()), cut), (family,)
        )
        assert result is not None
        assert result.params["mean"] == pytest.approx(8.0, rel=0.1), family
        assert result.params["sd"] == pytest.approx(3.0, rel=0.25), family


@pytest.mark.parametrize(
    ("family", "draw"),
    [
        ("uniform", lambda rng: rng.uniform(2.0, 6.0, 400)),
        ("triangular", lambda rng: rng.triangular(1.0, 2.0, 7.0, 400)),
        ("lognormal", lambda rng: rng.lognormal(1.0, 0.6, 400)),
    ],
)
def test_aic_picks_the_generating_family(family: str, draw) -> None:  # type: ignore[no-untyped-def]
    result = fit.fit_durations(draw(np.random.default_rng(11)))
    assert result is not None
    assert result.family == family, result.candidates
    assert result.aic == min(result.candidates.values())
    assert 0 <= result.ks_p <= 1


def test_equal_values_are_fixed_and_few_values_are_empirical() -> None:
    fixed = fit.fit_durations([2.5] * 20)
    assert fixed is not None and fixed.family == "fixed" and fixed.params == {"value": 2.5}
    few = fit.fit_durations([1.0, 2.0, 2.0], min_n=8)
    assert few is not None and few.family == "empirical"
    assert few.params == {"values": [1.0, 2.0], "weights": [1.0, 2.0]}
    assert fit.fit_durations([], [3.0]) is None


def test_unknown_family_is_a_fit_error() -> None:
    with pytest.raises(fit.FitError, match="unknown family"):
        fit.fit_durations(np.arange(1.0, 20.0), families=("weibull",))


def _known_county(**run: object) -> model.Scenario:
    """One department with ample staff (no queueing) and two items with known laws."""
    return make_scenario(
        departments={"D": {"staff": 60}},
        items={
            "A": {
                "department": "D",
                "stage": 1,
                "effort_wd": {"kind": "lognormal", "mean": 4, "sd": 1.5},
                "preparation_days": {"kind": "gamma", "mean": 10, "sd": 3},
                "deficiency_probability": 0.3,
                "resubmission_deficiency_probability": 0.1,
                "fix_days": {"kind": "uniform", "low": 3, "high": 9},
                "rework_effort_fraction": 0.5,
            },
            "B": {
                "department": "D",
                "stage": 2,
                "effort_wd": {"kind": "uniform", "low": 1, "high": 3},
                "elapsed_days": {"kind": "exponential", "mean": 10},
            },
        },
        project_types={"T": {"share": 1, "items": ["A", "B"], "construction_days": 1}},
        handoff_days=0,
        arrivals={"kind": "poisson", "rate_per_year": 500},
        **{f"run.{k}": v for k, v in {"replications": 1, **run}.items()},
    )


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    scenario = _known_county()
    results = model.run(scenario, replications=1, workers=1)
    folder = tmp_path_factory.mktemp("fit")
    path = processlog.write_csv(
        processlog.process_log(results.events, scenario.run.start_date), folder / "log.csv"
    )
    return path, fit.fit_log(fit.read_log(path))


def test_round_trip_recovers_durations(round_trip: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, fragment = round_trip
    a, b = fragment["items"]["A"], fragment["items"]["B"]
    assert a["effort_wd"]["kind"] in ("lognormal", "gamma")
    assert a["effort_wd"]["mean"] == pytest.approx(4.0, rel=0.10)
    assert a["effort_wd"]["sd"] == pytest.approx(1.5, rel=0.20)
    assert a["preparation_days"]["mean"] == pytest.approx(10.0, rel=0.10)
    assert a["preparation_days"]["sd"] == pytest.approx(3.0, rel=0.20)
    assert a["fix_days"]["kind"] == "uniform"
    assert (a["fix_days"]["low"], a["fix_days"]["high"]) == pytest.approx((3.0, 9.0), abs=0.3)
    assert b["effort_wd"]["kind"] == "uniform"
    assert (b["effort_wd"]["low"], b["effort_wd"]["high"]) == pytest.approx((1.0, 3.0), abs=0.15)
    elapsed = b["elapsed_days"]
    assert elapsed["kind"] in ("exponential", "gamma")
    assert elapsed["mean"] == pytest.approx(10.0, rel=0.10)
    assert (
        "fitted from log.csv: n=" in a["effort_wd"]["source"] and "AIC" in a["effort_wd"]["source"]
    )


def test_round_trip_recovers_deficiency_and_rework(round_trip: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, fragment = round_trip
    a, b = fragment["items"]["A"], fragment["items"]["B"]
    assert a["deficiency_probability"] == pytest.approx(0.3, abs=0.05)
    assert a["resubmission_deficiency_probability"] == pytest.approx(0.1, abs=0.05)
    assert a["rework_effort_fraction"] == pytest.approx(0.5, abs=0.05)
    assert b["deficiency_probability"] == 0.0


def test_fragment_loads_into_a_scenario(round_trip: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    _, fragment = round_trip
    base = base_scenario_dict()
    base["departments"] = {"D": {"staff": 60}}
    base["items"] = {
        "A": {"department": "D", "stage": 1, "effort_wd": 1},
        "B": {"department": "D", "stage": 2, "effort_wd": 1},
    }
    base["project_types"] = {"T": {"share": 1, "items": ["A", "B"], "construction_days": 1}}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    text = fit.write_fragment(fragment, None, "log.csv")
    (tmp_path / "fitted.yaml").write_text("extends: base.yaml\n" + text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "fitted.yaml")
    assert (
        scenario.items["A"].deficiency_probability
        == fragment["items"]["A"]["deficiency_probability"]
    )
    assert scenario.items["B"].effort_wd.kind == "uniform"
    assert scenario.items["A"].effort_wd.source.startswith("fitted from log.csv")


def test_round_trip_with_open_cases_at_the_end_of_the_log(tmp_path: Path) -> None:
    """No drain: the log stops while expert reviews (mean 30 days) are still running."""
    scenario = _known_county(drain=False, horizon_days=150).with_overrides(
        {"items.B.elapsed_days": {"kind": "exponential", "mean": 30}}
    )
    results = model.run(scenario, replications=1, workers=1)
    path = processlog.write_csv(
        processlog.process_log(results.events, scenario.run.start_date), tmp_path / "l.csv"
    )
    log = fit.read_log(path)
    records = fit.item_records(log)
    observed, censored = records["B"].samples["elapsed_days"]
    assert len(censored) > 10, "the test needs elapsed delays still open at the end"
    fitted = fit.fit_durations(observed, censored, ("exponential",))
    dropped = fit.fit_durations(observed, (), ("exponential",))
    assert fitted is not None and dropped is not None
    assert fitted.mean == pytest.approx(30.0, rel=0.2)
    assert abs(dropped.mean - 30.0) > abs(fitted.mean - 30.0)


def test_activity_column_alone_is_enough(round_trip: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    path, fragment = round_trip
    log = pd.read_csv(path).drop(columns=["item", "event", "time_days"])
    again = fit.fit_log(fit.prepare_log(log, "log.csv"))
    assert (
        again["items"]["A"]["deficiency_probability"]
        == fragment["items"]["A"]["deficiency_probability"]
    )


def test_cli_fit_writes_the_fragment_and_refuses_to_overwrite(
    round_trip: tuple[Path, dict],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[type-arg]
) -> None:
    path, fragment = round_trip
    out = tmp_path / "fragment.yaml"
    assert main(["fit", str(path), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == yaml.safe_load(
        fit.write_fragment(fragment, None, "log.csv")
    )
    assert main(["fit", str(path), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_cli_fit_reports_a_bad_log_as_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("when,what\n2026-01-01,x\n", encoding="utf-8")
    assert main(["fit", str(bad)]) == 2
    assert "missing column" in capsys.readouterr().err
