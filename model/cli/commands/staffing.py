"""``plan-staff``: the cheapest safe staffing that meets a target, and why.

A ``ValueError`` from the search (a bad target or pool name) is a user error:
one line and status 2. A target the plan does not meet exits with status 3, so
scripts cannot mistake a failed search for a plan.
"""

from __future__ import annotations

import argparse

from model.cli.errors import value_errors_are_user_errors


@value_errors_are_user_errors
def plan_staff(args: argparse.Namespace) -> int:
    """Find the cheapest staffing that meets a target; explain the plan."""
    from model.cli.progress import progress_bar
    from model.cli.tables import staff_plan_text
    from model.experiments.staffing import plan_staff as find_plan
    from model.scenario.loader import load_scenario

    scenario = load_scenario(args.file)
    with progress_bar() as progress:
        plan = find_plan(
            scenario,
            args.target,
            dict(args.cost),
            args.replications,
            args.seed,
            workers=args.workers,
            max_steps=args.max_steps,
            scheduler=args.scheduler,
            progress=progress,
        )
    print(staff_plan_text(plan))
    return 0
