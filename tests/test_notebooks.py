"""The notebooks run: each is executed top to bottom in a fresh kernel and must not fail.

Notebooks are stored without outputs (checked here too). They read their run
size from environment variables, which the test sets small (two replications,
a short horizon) so that they exercise every cell in seconds; an analyst who
opens them gets the scenarios' own settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

#: Small runs: enough to exercise every cell, CIs included (two replications).
FAST = {
    "APPROVALSIM_NB_REPLICATIONS": "2",
    "APPROVALSIM_NB_HORIZON_DAYS": "100",
    "APPROVALSIM_NB_WARMUP_DAYS": "30",
    "APPROVALSIM_NB_WORKERS": "1",
    "MPLBACKEND": "Agg",
}


def test_the_four_notebooks_exist() -> None:
    names = {p.stem for p in NOTEBOOKS}
    assert {
        "01-quick-start",
        "02-serial-parallel-simulated",
        "03-staffing",
        "04-three-sixes",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has stored outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    # The kernel is a child process: it inherits this environment, including a
    # PYTHONPATH pointing at the source tree when the package is not installed.
    root = str(path.parent.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") == "error"
    ]
    assert not errors
