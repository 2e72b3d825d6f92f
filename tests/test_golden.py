"""Golden results: the four bundled reform steps reproduce bit for bit.

A refactoring must leave these unchanged. A change that moves results on purpose
regenerates them with ``python scripts/golden.py`` in a commit of its own that
says why the numbers moved.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("golden", ROOT / "scripts" / "golden.py")
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def _csv(frame: object) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.17g")  # type: ignore[attr-defined]
    return buffer.getvalue()


@pytest.mark.slow  # the four bundled steps in full; CI runs it, `make check` skips it
@pytest.mark.parametrize("step", golden.STEPS)
def test_bundled_step_matches_golden_file(step: str) -> None:
    summary, projects = golden.golden_tables(step)
    expected_summary = (golden.GOLDEN / f"{step}-summary.csv").read_text()
    expected_projects = (golden.GOLDEN / f"{step}-projects.csv").read_text()
    assert _csv(summary) == expected_summary, f"{step}: key outputs moved"
    assert _csv(projects) == expected_projects, f"{step}: per-project milestones moved"
