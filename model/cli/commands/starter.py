"""``init`` and ``diff``: start a scenario file, and see how two of them differ."""

from __future__ import annotations

import argparse
from pathlib import Path

from model.cli.errors import user_error

#: Longest ``source:`` note quoted on a line of ``diff`` (``--full`` prints them whole).
SOURCE_WIDTH = 100


def init(args: argparse.Namespace) -> int:
    """Write the commented starter scenario to ``PATH``; refuse to replace a file unless forced."""
    from model.files import write_atomic
    from model.scenario.starter import starter_text

    path: Path = args.path
    if path.is_dir():
        return user_error(f"{path} is a folder; give the scenario file to write, e.g. county.yaml")
    if path.exists() and not args.force:
        return user_error(
            f"{path} already exists; pass --force to replace it or choose another PATH"
        )
    name = args.name or (path.stem if path.stem not in ("", "scenario") else "my-county")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, starter_text(name, path.name))
    except OSError as error:
        return user_error(f"{path}: cannot write the scenario: {error.strerror or error}")
    print(f"Starter scenario written to {path}; check it with: approvalsim validate {path}")
    return 0


def diff(args: argparse.Namespace) -> int:
    """Print every setting two scenarios differ in, one line each, with both values and sources."""
    from model.scenario.diff import differences, format_value
    from model.scenario.loader import load_scenario

    a, b = load_scenario(args.a), load_scenario(args.b)
    found = differences(a, b)
    print(f"A: {args.a} ({a.name})")
    print(f"B: {args.b} ({b.name})")
    width = None if args.full else SOURCE_WIDTH
    for d in found:
        line = f"{d.path}: {format_value(d.a)} → {format_value(d.b)}"
        if d.source_a == d.source_b:
            if d.source_a:
                line += f"  [source: {_cut(d.source_a, width)}]"
        else:
            if d.source_a:
                line += f"  [A source: {_cut(d.source_a, width)}]"
            if d.source_b:
                line += f"  [B source: {_cut(d.source_b, width)}]"
        print(line)
    count = len(found)
    print({0: "no settings differ", 1: "1 setting differs"}.get(count, f"{count} settings differ"))
    return 0


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"
