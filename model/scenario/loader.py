"""Read scenario files: the entry point that reads, merges, validates and checks.

A scenario file is YAML holding plain data (no Python tags). Reading it:

1. :mod:`model.scenario.yaml_reader` parses each file (UTF-8, at most
   :data:`~model.scenario.files.MAX_FILE_BYTES`, read by
   :mod:`model.scenario.files`) into plain data and the line of every value,
   with limits on depth and size, plain-data tags only and no duplicate keys.
2. :mod:`model.scenario.extends` resolves ``extends: base.yaml`` chains by a
   deep merge.
3. :mod:`model.scenario.tables` reads ``arrivals: {kind: csv, path: ...}`` and
   ``pipeline: {path: ...}`` from their CSV files.
4. The plain dict is validated by :class:`model.scenario.schema.Scenario`;
   :mod:`model.scenario.error_translation` turns each validation error into a
   :class:`~model.scenario.problems.Problem` with file, line, dotted field path,
   a plain message and, where possible, a suggestion.
5. :mod:`model.scenario.plausibility` refuses, the same way, values that pass
   every field's own check but that no run could simulate.

Everything that goes wrong is raised as :class:`~model.scenario.problems.ScenarioError`.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from model.scenario.error_translation import locate_problem, translate
from model.scenario.extends import read_with_extends
from model.scenario.files import MAX_FILE_BYTES
from model.scenario.plausibility import implausible
from model.scenario.positions import Position
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario
from model.scenario.tables import convert_csv_arrivals, convert_csv_pipeline

__all__ = ["MAX_FILE_BYTES", "Problem", "ScenarioError", "load_scenario", "read_scenario_data"]


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: The YAML scenario file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: The file cannot be read or parsed, or the scenario is
            invalid; every problem found is listed with file and line.

    """
    data, pos = _read_merged(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # ``from None``: the pydantic traceback is exactly the jargon this hides.
        raise ScenarioError(translate(exc, data, pos)) from None
    problems = [locate_problem(loc, message, data, pos) for loc, message in implausible(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def read_scenario_data(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a scenario file into the plain dict that would be validated.

    ``extends`` is resolved and CSV arrivals are read, but nothing is validated.

    Args:
        path: The YAML scenario file.

    Returns:
        The merged data.

    Raises:
        ScenarioError: The file (or a file it extends or reads) cannot be read
            or parsed.

    """
    return _read_merged(path)[0]


def _read_merged(path: str | os.PathLike[str]) -> tuple[dict[str, Any], Position]:
    """Read ``path`` with its ``extends`` chain and CSV tables, not yet validated."""
    display = os.fsdecode(os.fspath(path))
    data, pos = read_with_extends(display)
    convert_csv_arrivals(data, pos)
    convert_csv_pipeline(data, pos)
    return data, pos
