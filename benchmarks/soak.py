"""Soak: a 30-year horizon at high load, memory against horizon.

Runs the default county at a high signing rate for 5, 15 and 30 years (one
replication each, no warm-up) and reports, per horizon, the peak memory the
run allocated (tracemalloc) and the size of what it returns (event log and
tables). The peak includes the metrics' temporary copies of the log, so it is
a fixed multiple of the results; if the simulation kept anything beyond its
results, that multiple would grow with the horizon.

    python benchmarks/soak.py [--rate 220]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import model
from model.experiments.batch import replicate

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print one line per horizon."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=220.0, help="signings per year")
    parser.add_argument("--years", default="5,15,30")
    args = parser.parse_args()
    base = model.load_scenario(ROOT / "scenarios" / "baseline-serial.yaml")
    print("| horizon | projects | events | seconds | peak allocated | results | peak / results |")
    print("|---|---|---|---|---|---|---|")
    for years in (int(y) for y in args.years.split(",")):
        scenario = base.with_overrides(
            {
                "arrivals.rate_per_year": args.rate,
                "run.horizon_days": 365.0 * years,
                "run.warmup_days": 0.0,
            }
        )
        tracemalloc.start()
        started = time.perf_counter()
        tables = replicate(scenario, 0, scenario.run.seed)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results = sum(
            int(frame.memory_usage(deep=True).sum())
            for frame in (tables.events, tables.projects, tables.items, tables.resources)
            if frame is not None
        )
        mb = 1024 * 1024
        print(
            f"| {years} years | {len(tables.projects)} | {len(tables.events):,} | {seconds:.1f} | "
            f"{peak / mb:.0f} MB | {results / mb:.0f} MB | {peak / results:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
