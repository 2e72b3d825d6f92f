"""No silent mistakes: what used to run quietly and mislead now refuses or warns.

- ``compare`` refuses two scenarios of the same name and scenarios whose run
  settings differ (``allow_unpaired`` marks the differences unpaired instead);
- every command that simulates warns, before running, about pools offered at
  least 95 % of their capacity, one line per pool;
- the in-run check flags a pool that is overloaded from the start but whose
  queue, after a long warm-up, no longer doubles within the measured window
  (the bundled baseline with 人防办 at one reviewer reported ``unstable_pools`` 0);
- zero replications is an error.

The scenarios are one department ``D`` with one item of one working day, so a
replication takes a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import model
from model.cli.app import main
from model.experiments.batch import compare, refuse_duplicate_names, replicate
from model.experiments.overload import overload_warnings, pool_loads
from model.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]


def one_department(
    staff: int = 2,
    rate: float = 100,
    *,
    name: str = "d",
    horizon: float = 1460,
    warmup: float = 1095,
    seed: int = 3,
) -> Scenario:
    """Department D, one item of 1 working day; about 249 working days a year."""
    return Scenario.model_validate(
        {
            "name": name,
            "departments": {"D": {"staff": staff}},
            "items": {"review": {"department": "D", "stage": 1, "effort_wd": 1}},
            "project_types": {
                "t": {"share": 1, "items": ["review"], "land": "own", "construction_days": 0}
            },
            "arrivals": {"kind": "poisson", "rate_per_year": rate},
            "run": {
                "start_date": dt.date(2026, 1, 1),
                "horizon_days": horizon,
                "warmup_days": warmup,
                "replications": 1,
                "seed": seed,
            },
        }
    )


def write(path: Path, scenario: Scenario) -> Path:
    """Write ``scenario`` as a YAML file."""
    data = scenario.model_dump(mode="json")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def warnings(err: str) -> list[str]:
    """The ``warning:`` lines of standard error."""
    return [line for line in err.splitlines() if line.startswith("warning:")]


# -- the in-run instability check ----------------------------------------------------------


def test_overload_hidden_by_a_long_warm_up_is_flagged() -> None:
    """1.2 times capacity from day 0: after three years the queue grows only ~30 % a year."""
    tables = replicate(one_department(staff=1, rate=300), 0, 3, keep_events=False)
    assert tables.summary["unstable_pools"] == 1
    (note,) = [n for n in tables.notes if n.startswith("unstable")]
    assert "at D never clears" in note


def test_a_critically_loaded_pool_is_flagged_as_saturated() -> None:
    """At capacity the queue drifts (here it shrinks a little), but it is never worked off."""
    tables = replicate(one_department(staff=1, rate=250, seed=1), 0, 1, keep_events=False)
    assert tables.resources["utilisation"].iloc[0] >= 0.99
    assert tables.summary["unstable_pools"] == 1
    assert any("at D is saturated" in n for n in tables.notes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_stable_pool_is_not_flagged(seed: int) -> None:
    tables = replicate(one_department(staff=1, rate=200, seed=seed), 0, seed, keep_events=False)
    assert tables.summary["unstable_pools"] == 0


@pytest.mark.slow  # the bundled county, one replication (about 10 s)
def test_bundled_sweep_with_one_civil_defence_reviewer_is_flagged() -> None:
    base = model.load_scenario(ROOT / "scenarios" / "baseline-serial.yaml")
    result = model.sweep(base, {"departments.人防办.staff": [1]}, replications=1)
    assert result.table["unstable_pools"].iloc[0] >= 1
    assert result.resources.query("resource == '人防办'")["utilisation"].iloc[0] >= 0.99


# -- overload warnings before running ----------------------------------------------------


def test_overload_warnings_name_unstable_and_near_capacity_pools() -> None:
    (load,) = pool_loads(one_department(staff=1, rate=240))
    assert 0.95 < load.utilisation < 1, load
    (near,) = overload_warnings([one_department(staff=1, rate=240)])
    assert near.startswith(f"d: near capacity: D would be {load.utilisation:.0%} busy")
    (unstable,) = overload_warnings([one_department(staff=1, rate=300)])
    assert unstable.startswith("d: unstable: D is offered 1.2 people's worth of work but has 1")
    assert overload_warnings([one_department(staff=2, rate=240)]) == []


def test_variants_give_one_line_per_pool_naming_them() -> None:
    variants = [one_department(staff=s, rate=300) for s in (1, 2, 3)]
    (line,) = overload_warnings(variants, ["staff=1", "staff=2", "staff=3"])
    assert "unstable: D" in line and "at staff=1" in line
    assert "2 of the 3 variants" not in line  # staff=2 is at 60 %: only one variant


def test_run_warns_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "near.yaml", one_department(staff=1, rate=240))
    assert main(["run", str(path), "-n", "1", "--workers", "1"]) == 0
    (line,) = warnings(capsys.readouterr().err)
    assert line.startswith("warning: d: near capacity: D would be 97% busy")


def test_sweep_warns_once_per_pool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "s.yaml", one_department(staff=2, rate=300))
    command = ["sweep", str(path), "--set", "departments.D.staff=1..3", "-n", "1"]
    assert main([*command, "--workers", "1"]) == 0
    (line,) = warnings(capsys.readouterr().err)
    assert line.startswith("warning: d: unstable: D is offered 1.2 people's worth")
    assert "at staff=1" in line


def test_sweep_notes_the_variants_found_unstable_while_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "s.yaml", one_department(staff=2, rate=300))
    command = ["sweep", str(path), "--set", "departments.D.staff=1,2", "-n", "1"]
    assert main([*command, "--workers", "1"]) == 0
    notes = [n for n in capsys.readouterr().out.splitlines() if n.startswith("note: unstable")]
    assert len(notes) == 1 and notes[0].startswith("note: unstable: variant 0 (staff=1)")


def test_sensitivity_warns_at_the_end_of_a_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "s.yaml", one_department(staff=3, rate=300, horizon=60, warmup=0))
    command = ["sensitivity", str(path), "--param", "departments.D.staff=1:4"]
    assert main([*command, "--trajectories", "2", "-n", "1", "--workers", "1"]) == 0
    (line,) = warnings(capsys.readouterr().err)
    assert "unstable: D" in line and "at staff=1" in line


def test_attribute_warns_about_a_coalition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write(tmp_path / "base.yaml", one_department(staff=3, rate=300, horizon=60, warmup=0))
    busier = one_department(staff=3, rate=700, name="busier", horizon=60, warmup=0)
    reformed = write(tmp_path / "reformed.yaml", busier)
    assert main(["attribute", str(base), str(reformed), "-n", "1", "--workers", "1"]) == 0
    (line,) = warnings(capsys.readouterr().err)
    assert "unstable: D" in line and "at arrivals" in line


# -- compare: names and run settings -------------------------------------------------------


def test_compare_refuses_two_files_with_the_same_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a.yaml", one_department(name="parallel", horizon=60, warmup=0))
    b = write(tmp_path / "b.yaml", one_department(staff=3, name="parallel", horizon=60, warmup=0))
    assert main(["compare", str(a), str(b), "-n", "2", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{a} and {b} are both named 'parallel'" in err
    assert "give each file its own name" in err


def test_compare_api_refuses_two_scenarios_with_the_same_name() -> None:
    a = one_department(name="parallel", horizon=60, warmup=0)
    b = one_department(staff=3, name="parallel", horizon=60, warmup=0)
    with pytest.raises(ValueError, match="scenarios 1 and 2 are both named 'parallel'"):
        compare([a, b], replications=2)
    with pytest.raises(ValueError, match="both named 'parallel'"):
        refuse_duplicate_names([a, b])
    refuse_duplicate_names([a, b.with_overrides({"name": "more staff"})])


def test_compare_refuses_different_run_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a.yaml", one_department(name="a", horizon=60, warmup=0))
    b = write(tmp_path / "b.yaml", one_department(name="b", horizon=60, warmup=10))
    assert main(["compare", str(a), str(b), "-n", "2", "--workers", "1"]) == 2
    captured = capsys.readouterr()
    assert "run.warmup_days: 0.0 in 'a' but 10.0 in 'b'" in captured.err
    assert captured.out == ""  # nothing ran


def test_compare_api_refuses_or_labels_unpaired_settings() -> None:
    a, b = (
        one_department(name="a", horizon=60, warmup=0),
        one_department(name="b", horizon=90, warmup=0),
    )
    with pytest.raises(ValueError, match="run.horizon_days: 60.0 in 'a' but 90.0 in 'b'"):
        compare([a, b], replications=2)
    unpaired = compare([a, b], replications=2, allow_unpaired=True)
    assert unpaired.unpaired == ("run.horizon_days: 60.0 in 'a' but 90.0 in 'b'",)
    assert not unpaired.differences()["paired"].any()
    paired = compare([a, one_department(staff=3, name="c", horizon=60, warmup=0)], replications=2)
    assert paired.paired and paired.differences()["paired"].all()


def test_seed_and_replications_may_differ() -> None:
    """compare takes both from the first scenario: they do not break the pairing."""
    a = one_department(name="a", horizon=60, warmup=0)
    b = a.with_overrides({"name": "b", "run.seed": 99, "run.replications": 7})
    assert compare([a, b], replications=2).paired


# -- replications ---------------------------------------------------------------------------


def test_zero_replications_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = one_department(horizon=60, warmup=0)
    with pytest.raises(ValueError, match="replications must be at least 1, got 0"):
        model.run(scenario, replications=0)
    with pytest.raises(ValueError, match="at least 1"):
        compare([scenario], replications=0)
    path = write(tmp_path / "s.yaml", scenario)
    with pytest.raises(SystemExit) as stop:
        main(["run", str(path), "-n", "0"])
    assert stop.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
