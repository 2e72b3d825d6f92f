"""``serve``: the what-if page in the browser, for a reform office."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.errors import user_error

#: Where ``serve`` looks for baselines when given none (the bundled scenarios).
BUNDLED = Path("scenarios")


def serve(args: argparse.Namespace) -> int:
    """Start the page on ``--host``/``--port`` with the given (or bundled) baselines."""
    from model.web.server import port_problem
    from model.web.server import serve as start

    files: list[Path] = list(args.files)
    if not files:
        # The serial baseline first: the bundled reforms are its variants.
        files = sorted(BUNDLED.glob("*.yaml"), key=lambda p: (p.stem != "baseline-serial", p.name))
    if not files:
        return user_error(
            f"no scenario files: give some (approvalsim serve A.yaml B.yaml) or start it in "
            f"the folder that holds {BUNDLED}/"
        )
    from model.scenario.loader import load_scenario

    for path in files:  # a bad file is told before anything starts
        load_scenario(path)
    problem = port_problem(args.host, args.port)
    if problem:
        return user_error(problem)
    print(
        f"What-if page at http://{args.host}:{args.port}/ with {len(files)} baseline(s); "
        "Ctrl-C stops it.",
        flush=True,
    )
    start(files, args.host, args.port, workers=args.workers, concurrent=args.concurrent)
    return 0
