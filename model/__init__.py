"""approvalsim: a discrete-event model of a Chinese county's investment-project approvals.

The public API, for analysts in Jupyter::

    import model
    scenario = model.load_scenario("scenarios/parallel.yaml")
    results = model.run(scenario, replications=10, seed=1)
    results.projects  # one row per project, a pandas DataFrame
"""

from model.attribution import attribute
from model.errors import ScenarioError
from model.experiment import Comparison, Results, compare, run
from model.loader import load_scenario
from model.report import write_report
from model.scenario import Scenario
from model.sensitivity import sensitivity
from model.simulation import run_replication
from model.staffing import plan_staff
from model.sweep import sweep

__all__ = [
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "attribute",
    "compare",
    "load_scenario",
    "plan_staff",
    "run",
    "run_replication",
    "sensitivity",
    "sweep",
    "write_report",
]
