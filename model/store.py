"""Writing results to disk: tables as CSV or Parquet plus a JSON manifest.

Output paths are taken as given by the user; nothing in a scenario decides
where files go. An existing results folder is never overwritten unless asked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from model.experiment import Comparison, Results

TABLES: tuple[str, ...] = ("projects", "items", "resources", "summary", "events")
Format = Literal["csv", "parquet"]


class OutputExistsError(Exception):
    """The results folder exists and overwriting was not allowed."""


def prepare_folder(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """Create ``path``; refuse a non-empty existing folder unless ``overwrite``."""
    folder = Path(path)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"{folder} already exists and is not empty; pass --force to overwrite it "
            "or choose another --out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_table(table: pd.DataFrame, path: Path, fmt: Format) -> Path:
    """Write one table atomically (to a temporary name, then renamed)."""
    target = path.with_suffix(f".{fmt}")
    temporary = target.with_name(target.name + ".partial")
    if fmt == "csv":
        table.to_csv(temporary, index=False)
    else:
        table.to_parquet(temporary, index=False)
    os.replace(temporary, target)
    return target


def write_results(results: Results, folder: Path, fmt: Format = "csv") -> list[Path]:
    """Write every table of one scenario's results and its manifest into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_table(getattr(results, name), folder / name, fmt)
        for name in TABLES
        if not getattr(results, name).empty
    ]
    written.append(write_table(results.kpis(), folder / "kpis", fmt))
    manifest = {
        **results.provenance,
        "notes": list(results.notes),
        "tables": [p.name for p in written],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return written


def write_comparison(
    comparison: Comparison, folder: Path, fmt: Format = "csv", names: Sequence[str] | None = None
) -> list[Path]:
    """Each scenario in a subfolder, plus the comparison tables at the top."""
    names = list(names or comparison.names)
    written: list[Path] = []
    for name, results in zip(names, comparison.results, strict=True):
        written += write_results(results, folder / name, fmt)
    written.append(write_table(comparison.kpis(), folder / "comparison_kpis", fmt))
    if len(comparison.results) > 1:
        written.append(write_table(comparison.differences(), folder / "comparison_differences", fmt))
    return written
