"""Results folders: streamed tables equal in-memory ones; resuming only the same run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from conftest import make_scenario
from model.experiments.checkpoints import CheckpointStore
from model.experiments.batch import identity, replicate, run
from model.outputs.folders import (
    OutputExistsError,
    finish_output,
    prepare_output,
    write_results,
)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_streamed_from_checkpoints_equal_the_in_memory_ones(
    tmp_path: Path, fmt: str
) -> None:
    scenario = make_scenario(**{"run.horizon_days": 200})
    memory = run(scenario, replications=3, seed=2, keep_events=True)
    write_results(memory, tmp_path / "memory", fmt)  # type: ignore[arg-type]

    store = CheckpointStore(tmp_path / "streamed")
    slim = run(scenario, replications=3, seed=2, keep_events=True, keep_tables=False,
               checkpoint_dir=tmp_path / "streamed")
    assert slim.projects.empty and slim.events.empty  # nothing big was kept in memory
    write_results(slim, tmp_path / "streamed", fmt, store)  # type: ignore[arg-type]

    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    for name in ("projects", "items", "resources", "summary", "events", "kpis", "scorecard"):
        a = read(tmp_path / "memory" / f"{name}.{fmt}")
        b = read(tmp_path / "streamed" / f"{name}.{fmt}")
        assert_frame_equal(a, b, check_exact=True, obj=name)
    assert not list((tmp_path / "streamed").glob("*.partial")), "no temporary file is left"


def test_output_folder_resumes_only_the_same_run(tmp_path: Path) -> None:
    scenario = make_scenario()
    same = identity("compare", [scenario], 1)
    out = tmp_path / "out"

    fresh = prepare_output(out, same, overwrite=False)
    assert fresh.resumed == 0
    fresh.checkpoints.save("a", replicate(scenario, 0, 1, keep_tables=False))
    fresh.checkpoints.save("b", replicate(scenario, 1, 1, keep_tables=False))

    again = prepare_output(out, same, overwrite=False)  # the rerun after a kill
    assert again.resumed == 2

    other = identity("compare", [scenario], 2)  # another seed: not this run
    with pytest.raises(OutputExistsError, match="different run"):
        prepare_output(out, other, overwrite=False)

    forced = prepare_output(out, other, overwrite=True)
    assert forced.resumed == 0 and forced.checkpoints.count() == 0

    finish_output(forced)
    (out / "kpis.csv").write_text("x\n")
    with pytest.raises(OutputExistsError, match="--force"):  # a finished folder stays put
        prepare_output(out, other, overwrite=False)
