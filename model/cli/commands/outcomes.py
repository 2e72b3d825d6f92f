"""``validate-outcomes``: the bundled scenarios against published reform outcomes.

Prints the validation table (:mod:`model.experiments.validation`) and, with
``--out``, writes it as ``validation.csv``. The scenarios are read from
``--scenarios`` (default ``scenarios/``), by name: ``baseline-serial.yaml``,
``parallel.yaml``, ``simulated.yaml`` and ``three-sixes.yaml``.
"""

from __future__ import annotations

import argparse

from model.cli.errors import user_error, value_errors_are_user_errors


@value_errors_are_user_errors
def validate_outcomes(args: argparse.Namespace) -> int:
    """Run the scenarios the published rows need; print and write the validation table."""
    from model.cli.progress import progress_bar
    from model.cli.tables import validation_text
    from model.experiments.validation import scenarios_needed
    from model.experiments.validation import validate_outcomes as run_validation
    from model.outputs.folders import write_table

    folder = args.scenarios
    files = {name: folder / f"{name}.yaml" for name in scenarios_needed()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        return user_error(
            f"validate-outcomes needs {', '.join(missing)}; "
            "give the folder of the bundled scenarios with --scenarios DIR"
        )
    with progress_bar() as progress:
        table = run_validation(
            {name: str(path) for name, path in files.items()},
            args.replications,
            args.seed,
            workers=args.workers,
            progress=progress,
        )
    print(validation_text(table))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        target = write_table(table, args.out / "validation", "csv")
        print(f"\nTable written to {target}")
    return 0
