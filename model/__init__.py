"""approvalsim: a discrete-event model of a Chinese county's investment-project approvals.

The public API, for analysts in Jupyter::

    import model
    scenario = model.load_scenario("scenarios/parallel.yaml")
    results = model.run(scenario, replications=10, seed=1)
    results.projects  # one row per project, a pandas DataFrame
"""

from model.errors import ScenarioError
from model.experiment import Comparison, Results, compare, run
from model.loader import load_scenario
from model.scenario import Scenario
from model.simulation import run_replication

__all__ = [
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "compare",
    "load_scenario",
    "run",
    "run_replication",
]
