"""``plan-staff``: the cheapest safe staffing that meets a target, and why.

A ``ValueError`` from the search (a bad target or pool name) is a user error:
one line and status 2. A target the plan does not meet exits with status 3, so
scripts cannot mistake a failed search for a plan.
"""

from __future__ import annotations

import argparse
import sys

from model.cli.errors import value_errors_are_user_errors

#: Exit status of a search whose plan does not meet the target (2 is a user error).
TARGET_NOT_MET = 3


@value_errors_are_user_errors
def plan_staff(args: argparse.Namespace) -> int:
    """Find the cheapest safe staffing that meets a target; explain the plan."""
    from model.cli.commands.common import finish, open_output, warn_overload
    from model.cli.progress import progress_bar
    from model.cli.tables import staff_plan_text
    from model.experiments.batch import identity
    from model.experiments.planning import plan_staff as find_plan
    from model.outputs.staff_plans import write_staff_plan
    from model.scenario.loader import load_scenario

    scenario = load_scenario(args.file)
    warn_overload([scenario])
    _, seed = scenario.run.resolve(None, args.seed)
    settings = {
        "target": args.target,
        "costs": sorted(dict(args.cost).items()),
        "max_utilisation": args.max_utilisation,
        "allow_worse": args.allow_worse,
        "replications": args.replications,
    }
    output = open_output(args, identity("plan-staff", [scenario], seed, **settings))

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with progress_bar(resumed=output.resumed if output else 0) as progress:
        plan = find_plan(
            scenario,
            args.target,
            dict(args.cost),
            args.replications,
            args.seed,
            workers=args.workers,
            max_utilisation=args.max_utilisation,
            allow_worse=args.allow_worse,
            marginal=args.marginal,
            max_steps=args.max_steps,
            scheduler=args.scheduler,
            progress=progress,
            on_step=say,
            checkpoint_dir=str(output.folder) if output else None,
        )
    print(staff_plan_text(plan))
    if output:
        write_staff_plan(plan, output.folder, args.format)
        finish(output)
    return 0 if plan.met else TARGET_NOT_MET
