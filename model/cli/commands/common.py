"""What several command handlers share: the ``--out`` folder, notes and warnings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.outputs.folders import Output
    from model.scenario.schema import Scenario


def open_output(args: argparse.Namespace, run_identity: dict[str, object]) -> Output | None:
    """Open ``--out`` (resuming a matching interrupted run) and say so; None without ``--out``."""
    if not getattr(args, "out", None):
        return None
    from model.outputs.folders import prepare_output

    output = prepare_output(args.out, run_identity, args.force)
    if output.resumed:
        print(
            f"resuming: {output.resumed} replication(s) already finished in {output.folder}",
            file=sys.stderr,
        )
    return output


def finish(output: Output) -> None:
    """Mark the ``--out`` folder complete and say where the tables are."""
    from model.outputs.folders import finish_output

    finish_output(output)
    print(f"\nTables written to {output.folder}")


def warn_overload(scenarios: Sequence[Scenario], labels: Sequence[str] | None = None) -> None:
    """Say before running which pools would be unstable or above 95 % busy, a line per pool.

    From the scenarios' own numbers (the Erlang-C screen's offered loads), on
    standard error. Every command that simulates calls it before it runs.

    Args:
        scenarios: The scenarios (or an experiment's variants) about to be simulated.
        labels: The variants' labels, when ``scenarios`` are variants of one
            experiment: each pool is then reported once, naming its variants.

    """
    from model.experiments.overload import overload_warnings

    for line in overload_warnings(scenarios, labels):
        print(f"warning: {line}", file=sys.stderr)


def print_notes(notes: Iterable[str]) -> None:
    """Print each distinct note once, in order."""
    for note in dict.fromkeys(notes):
        print(f"note: {note}")


def unique_names(stems: Sequence[str]) -> list[str]:
    """File stems made unique by numbering repeats: ``a, a-2, a-3``.

    A leading dot is dropped (``.checkpoints.yaml`` gives ``checkpoints``), so a
    scenario's folder can neither be hidden nor take the name of the run's own
    ``.checkpoints`` or ``.lock``.
    """
    seen: dict[str, int] = {}
    out = []
    for stem in (s.lstrip(".") or "scenario" for s in stems):
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return out
