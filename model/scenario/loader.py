"""Read scenario files: the entry point that reads, merges, validates and checks.

A scenario file is YAML holding plain data (no Python tags). Reading it:

1. :mod:`model.scenario.yaml_reader` parses each file (UTF-8, at most
   :data:`~model.scenario.files.MAX_FILE_BYTES`, read by
   :mod:`model.scenario.files`) into plain data and the line of every value,
   with limits on depth and size, plain-data tags only and no duplicate keys.
2. :mod:`model.scenario.extends` resolves ``extends: base.yaml`` chains by a
   deep merge, noting the departments, items and project types each file adds.
3. :mod:`model.scenario.tables` reads ``arrivals: {kind: csv, path: ...}`` and
   ``pipeline: {path: ...}`` from their CSV files.
4. The plain dict is validated by :class:`model.scenario.schema.Scenario`;
   :mod:`model.scenario.error_translation` turns each validation error into a
   :class:`~model.scenario.problems.Problem` with file, line, dotted field path,
   a plain message and, where possible, a suggestion.
5. :mod:`model.scenario.additions` refuses an added department, item or
   project type that nothing uses (a misspelt name), with "did you mean".
6. :mod:`model.scenario.plausibility` refuses, the same way, values that pass
   every field's own check but that no run could simulate.

Everything that goes wrong is raised as :class:`~model.scenario.problems.ScenarioError`.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from model.scenario.additions import Addition, unused_additions
from model.scenario.error_translation import locate_problem, translate
from model.scenario.extends import read_with_additions
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
    data, pos, additions = _read_merged(path)
    # A misspelt name added by an ``extends`` file comes first: it is the cause of
    # whatever else the validation says about the phantom entry, which is left out.
    unused = unused_additions(data, additions)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # ``from None``: the pydantic traceback is exactly the jargon this hides.
        raise ScenarioError(unused + _not_under(translate(exc, data, pos), unused)) from None
    if unused:
        raise ScenarioError(unused)
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


def _read_merged(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], Position, list[Addition]]:
    """Read ``path`` with its ``extends`` chain and CSV tables, not yet validated."""
    display = os.fsdecode(os.fspath(path))
    data, pos, additions = read_with_additions(display)
    convert_csv_arrivals(data, pos)
    convert_csv_pipeline(data, pos)
    return data, pos, additions


def _not_under(problems: list[Problem], refused: list[Problem]) -> list[Problem]:
    """``problems`` without those inside a refused entry (``departments.住建委.staff``)."""
    prefixes = tuple(f"{p.field}." for p in refused)
    fields = {p.field for p in refused}
    return [
        p
        for p in problems
        if p.field not in fields and not (prefixes and p.field.startswith(prefixes))
    ]
