"""Paired effect of each "three sixes" mechanism alone, from the bundled scenarios.

Each mechanism is switched on by itself over ``baseline-serial.yaml`` with the
parameters it has in ``three-sixes.yaml``; all variants run on common random
numbers with the baseline, and the paired mean difference of the mechanism's
named output (``model.scenario.mechanisms``) is printed as a Markdown table for the README.

    python scripts/mechanism_table.py --replications 10 > mechanism-effects.md
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import model
from model.scenario.mechanisms import MECHANISMS

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def variant_overrides(switch: dict[str, Any], reformed: dict[str, Any]) -> dict[str, Any]:
    """The switch, with each switched mechanism's whole block taken from the reformed file."""
    overrides: dict[str, Any] = {}
    for path, value in switch.items():
        parts = path.split(".")
        if parts[0] == "mechanisms":
            overrides[f"mechanisms.{parts[1]}"] = reformed["mechanisms"][parts[1]]
        elif path == "simulated_approval":
            overrides[path] = value
            overrides["simulated_approval_options"] = reformed["simulated_approval_options"]
        else:
            overrides[path] = value
    if switch.get("approval_mode") == "parallel":  # 并联办: 一门受理 ... 限时反馈, as parallel.yaml
        for key in ("one_window", "time_limited_feedback"):
            overrides[f"mechanisms.{key}"] = reformed["mechanisms"][key]
    return overrides


def main() -> None:
    """Run baseline + 18 variants and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    base = model.load_scenario(SCENARIOS / "baseline-serial.yaml")
    reformed = model.load_scenario(SCENARIOS / "three-sixes.yaml").model_dump(mode="python")
    print("| group | # | mechanism | key | output | paired difference [95 % CI] |")
    print("|---|---|---|---|---|---|")
    for info in MECHANISMS:
        context = base.with_overrides(info.context) if info.context else base
        variant = context.with_overrides(
            {**variant_overrides(info.switch, reformed), "name": info.english}
        )
        comparison = model.compare(
            [context, variant], replications=args.replications, workers=args.workers
        )
        row = comparison.differences([info.output]).iloc[0]
        where = f" (over {', '.join(f'{k}: {v}' for k, v in info.context.items())})" if info.context else ""
        print(
            f"| {info.group} | {info.number} | {info.chinese} {info.english} | `{info.key}` | "
            f"`{info.output}`{where} | {row['difference']:+.2f} "
            f"[{row['ci_low']:+.2f}, {row['ci_high']:+.2f}] |",
            flush=True,
        )


if __name__ == "__main__":
    main()
