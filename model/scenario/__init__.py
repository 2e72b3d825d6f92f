"""The scenario stage: what a county's approval process is, written down and checked.

A :class:`Scenario` describes one county and one policy: departments and their
staff, the approval items and their prerequisites, project types, arrivals,
projects already in progress, the reform mechanisms in force and the run's
calendar. Everything later in the pipeline (simulation, analysis, experiments,
outputs, report, cli) starts from a validated scenario; this stage imports no
other stage.

Modules, roughly in the order a scenario file passes through them:

- :mod:`~model.scenario.schema`: the pydantic models (:class:`Scenario` and its
  parts) and the cross-reference checks between them.
- :mod:`~model.scenario.distributions`: the duration distributions
  (fixed, triangular, lognormal, ...) and their quantile functions.
- :mod:`~model.scenario.mechanisms`: the catalogue of the eighteen "three
  sixes" reform mechanisms: names, the scenario key that switches each on and
  the output each should move.
- :mod:`~model.scenario.files`: reading the files a scenario names, safely
  (UTF-8, bounded size, no devices).
- :mod:`~model.scenario.positions`: the file and line of every value read.
- :mod:`~model.scenario.yaml_reader`: safe, size-limited YAML with the line
  of every key.
- :mod:`~model.scenario.extends`: ``extends:`` chains and the merge rule.
- :mod:`~model.scenario.tables`: CSV tables of signings (arrivals) and of
  projects in progress (pipeline).
- :mod:`~model.scenario.error_translation`: pydantic's errors as problems with
  file, line, field and "did you mean".
- :mod:`~model.scenario.plausibility`: values that validate but that no run
  could simulate.
- :mod:`~model.scenario.loader`: :func:`load_scenario`, which runs all of the
  above on a file.
- :mod:`~model.scenario.problems`: :class:`Problem` and :class:`ScenarioError`,
  how everything above reports what is wrong.
- :mod:`~model.scenario.overrides`: ``path=value`` changes to a validated
  scenario, for the command line and the experiments.

Modules inside this package import from each other's modules, never from this
``__init__``; it only gathers the names other stages use.
"""

from __future__ import annotations

from model.scenario.distributions import Distribution
from model.scenario.loader import load_scenario, read_scenario_data
from model.scenario.mechanisms import MECHANISMS
from model.scenario.overrides import apply_overrides, check_path, parse_assignment
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario

__all__ = [
    "MECHANISMS",
    "Distribution",
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "check_path",
    "load_scenario",
    "parse_assignment",
    "read_scenario_data",
]
