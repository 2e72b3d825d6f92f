"""approvalsim: a discrete-event model of a Chinese county's investment-project approvals.

The public API, for analysts in Jupyter::

    import model
    scenario = model.load_scenario("scenarios/parallel.yaml")
    results = model.run(scenario, replications=10, seed=1)
    results.projects  # one row per project, a pandas DataFrame

The package is one subpackage per pipeline stage, imported one way:
``scenario`` → ``simulation`` → ``analysis`` → ``experiments`` → ``outputs``
→ ``report`` → ``cli``. Names are exported lazily (PEP 562), so that
``import model`` and the command line load only the stages they use (the
report's matplotlib and jinja2 are loaded by the first call that needs them).
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.experiments.attribution import attribute
    from model.experiments.batch import Comparison, Results, compare, run
    from model.experiments.planning import plan_staff
    from model.experiments.sensitivity import sensitivity
    from model.experiments.sweep import sweep
    from model.outputs import plots
    from model.report.render import write_report
    from model.scenario.loader import load_scenario
    from model.scenario.problems import ScenarioError
    from model.scenario.schema import Scenario
    from model.simulation.replication import run_replication

try:
    __version__ = metadata.version("approvalsim")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: Public modules, by their public name.
_MODULES: dict[str, str] = {"plots": "model.outputs.plots"}

#: Public functions and classes → the module that defines them.
_EXPORTS: dict[str, str] = {
    "Comparison": "model.experiments.batch",
    "Results": "model.experiments.batch",
    "Scenario": "model.scenario.schema",
    "ScenarioError": "model.scenario.problems",
    "attribute": "model.experiments.attribution",
    "compare": "model.experiments.batch",
    "load_scenario": "model.scenario.loader",
    "plan_staff": "model.experiments.planning",
    "run": "model.experiments.batch",
    "run_replication": "model.simulation.replication",
    "sensitivity": "model.experiments.sensitivity",
    "sweep": "model.experiments.sweep",
    "write_report": "model.report.render",
}

__all__ = [
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "attribute",
    "compare",
    "load_scenario",
    "plan_staff",
    "plots",
    "run",
    "run_replication",
    "sensitivity",
    "sweep",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
