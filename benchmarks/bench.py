"""Benchmark of the default county-year: speed, domain-layer overhead, pool speed-up, memory.

Run with ``make bench`` (or ``python benchmarks/bench.py [--replications N]
[--markdown benchmarks/RESULTS.md]``). In one run it measures:

* the domain model (``run_replication``): seconds per replication, event-log
  facts and SimPy events per second; with the metrics as well (``replicate``);
* the same workload in bare SimPy (``benchmarks/bare.py``: same draws, item
  order, reviewer pools and calendar, no event log or metrics) and the ratio
  of the two (target: at most 2);
* the process pool on all cores against one core, same replications
  (target: at least 1.7 on 2 cores);
* peak memory of ``run`` against the number of replications, in fresh
  processes, with the tables kept and with ``keep_tables=False`` (target: flat);
* where the domain model's time goes (cProfile, top functions by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare import bare_replication  # noqa: E402

import model  # noqa: E402
from model.experiments.batch import replicate, run  # noqa: E402
from model.simulation import steady_state  # noqa: E402
from model.simulation.replication import build_calendar, run_replication  # noqa: E402

DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline-serial.yaml"


class _CountingEnvironment(simpy.Environment):
    """A SimPy environment that remembers itself, so events can be counted after a run."""

    last: _CountingEnvironment | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _CountingEnvironment.last = self


def _simpy_events(env: simpy.Environment | None) -> int:
    return int(next(env._eid)) if env is not None else 0  # noqa: SLF001 - no public count


def _time(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def without_government_work(scenario: model.Scenario) -> model.Scenario:
    """``scenario`` with no sign-off, meetings, in-tray pace or competing workload."""
    data = scenario.model_dump(mode="python")
    for department in data["departments"].values():
        department.update(signoff=(), meetings=None, background=None)
    for item in data["items"].values():
        item["at_meeting"] = False
    data["government"]["pace"] = {"kind": "fixed", "value": 0.0}
    # The bare model simulates every replication's warm-up: so does the domain model here.
    data["run"]["warm_start"] = False
    return model.Scenario.model_validate(data)


def measure_warm_start(scenario: model.Scenario, replications: int) -> dict[str, float]:
    """Seconds per replication (with tables) from a simulated warm-up and from a warm start.

    The pilot of a warm start is simulated once per scenario and seed in each
    process; it is timed on its own (the first replication after clearing the cache,
    less a later one) and spread over 10 and over 1,000 replications.
    """
    cold = scenario.with_overrides({"run.warm_start": False})
    warm = scenario.with_overrides({"run.warm_start": True})
    seed = scenario.run.seed
    steady_state.PILOTS.clear()
    first_s = _time(lambda: replicate(warm, 0, seed, keep_events=False))[0]
    cold_s, warm_s = [], []
    for r in range(1, replications + 1):  # interleaved, as above
        cold_s.append(_time(lambda r=r: replicate(cold, r, seed, keep_events=False))[0])
        warm_s.append(_time(lambda r=r: replicate(warm, r, seed, keep_events=False))[0])
    warm_median = statistics.median(warm_s)
    pilot_s = max(first_s - warm_median, 0.0)
    return {
        "cold_s": statistics.median(cold_s),
        "warm_s": warm_median,
        "pilot_s": pilot_s,
        "warm_10_s": warm_median + pilot_s / 10,
        "warm_1000_s": warm_median + pilot_s / 1000,
    }


def measure_models(scenario: model.Scenario, replications: int) -> dict[str, float]:
    """Per-replication seconds and event counts of the domain and the bare model."""
    calendar = build_calendar(scenario)
    run_replication(scenario, 0, calendar=calendar)  # warm caches and imports
    bare_replication(scenario, 0, calendar=calendar)
    original = simpy.Environment
    simpy.Environment = _CountingEnvironment  # type: ignore[misc]
    domain_s, bare_s, facts, domain_events, bare_events = [], [], 0, 0, 0
    try:
        # Interleaved, so that a change in machine load hits both alike.
        for r in range(replications):
            seconds, raw = _time(lambda r=r: run_replication(scenario, r, calendar=calendar))
            domain_s.append(seconds)
            facts += len(raw.events)
            domain_events += _simpy_events(_CountingEnvironment.last)
            seconds, (_, events) = _time(
                lambda r=r: bare_replication(scenario, r, calendar=calendar)
            )
            bare_s.append(seconds)
            bare_events += events
    finally:
        simpy.Environment = original  # type: ignore[misc]
    full_s = [
        _time(lambda r=r: replicate(scenario, r, scenario.run.seed, keep_events=False))[0]
        for r in range(replications)
    ]
    return {
        "domain_s": statistics.median(domain_s),
        "bare_s": statistics.median(bare_s),
        "full_s": statistics.median(full_s),
        "facts": facts / replications,
        "domain_events": domain_events / replications,
        "bare_events": bare_events / replications,
    }


def measure_pool(scenario: model.Scenario, replications: int, repeats: int = 2) -> dict[str, float]:
    """Wall time of the same replications inline and on a pool of every core.

    Each is timed ``repeats`` times, interleaved, and the fastest kept: other
    work on a shared machine can only slow a run down, never speed it up.
    """
    cores = os.cpu_count() or 1
    ones, alls = [], []
    for _ in range(repeats):
        ones.append(
            _time(
                lambda: run(scenario, replications, workers=1, keep_events=False, keep_tables=False)
            )[0]
        )
        alls.append(
            _time(
                lambda: run(
                    scenario, replications, workers=cores, keep_events=False, keep_tables=False
                )
            )[0]
        )
    one, every = min(ones), min(alls)
    return {"cores": cores, "one_s": one, "all_s": every, "speedup": one / every}


def measure_dask(
    scenario: model.Scenario, replications: int, sizes: tuple[int, ...] = (1, 2)
) -> dict[int, float]:
    """Replications per second on a local Dask cluster of each size (one thread per worker).

    The cluster is started here and counted out: each size is timed once warm
    (after a first run that starts the workers, imports and pilots).
    """
    from distributed import LocalCluster

    rates: dict[int, float] = {}
    for size in sizes:
        with LocalCluster(
            n_workers=size, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            address = cluster.scheduler_address
            run(scenario, size, scheduler=address, keep_events=False, keep_tables=False)
            seconds = _time(
                lambda address=address: run(
                    scenario,
                    replications,
                    scheduler=address,
                    keep_events=False,
                    keep_tables=False,
                )
            )[0]
        rates[size] = replications / seconds
    return rates


def measure_memory(scenario_path: str, sizes: list[int]) -> list[dict[str, Any]]:
    """Peak RSS of a fresh process running ``run`` with each size, tables kept or not."""
    rows = []
    for keep in (True, False):
        for n in sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--scenario", scenario_path, "--memory-child", str(n),
                 *(["--keep-tables"] if keep else [])],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            held, peak = (float(x) for x in out.stdout.split()[-2:])
            rows.append(
                {"replications": n, "keep_tables": keep, "results_mb": held, "peak_rss_mb": peak}
            )
    return rows


def memory_child(scenario_path: str, replications: int, keep_tables: bool) -> None:
    """Run inline; print the results' own size and this process's peak RSS, in MB."""
    scenario = model.load_scenario(scenario_path)
    results = run(scenario, replications, workers=1, keep_events=False, keep_tables=keep_tables)
    held = sum(
        int(getattr(results, name).memory_usage(deep=True).sum())
        for name in ("projects", "items", "resources", "summary", "events")
    )
    print(held / 2**20, _peak_rss_mb())


def _peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    On Linux from VmHWM, which starts afresh at exec: ``ru_maxrss`` survives the
    fork and exec of a child, so a child of a large parent (this benchmark, once it
    has simulated) reported the parent's size (777 MB whatever the replications).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Linux and most Unixes report ru_maxrss in KB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profile(scenario: model.Scenario, top: int = 12) -> str:
    """The domain model's top functions by own time, as text."""
    calendar = build_calendar(scenario)
    profiler = cProfile.Profile()
    profiler.enable()
    run_replication(scenario, 1, calendar=calendar)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    text = stream.getvalue().replace(str(ROOT) + os.sep, "")
    for folder in {p for p in sys.path if p.endswith("site-packages")}:
        text = text.replace(folder + os.sep, "site-packages/")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start : start + top + 1])


def main() -> None:
    """Measure and print; optionally write the markdown summary."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--replications", type=int, default=4, help="replications per timing")
    parser.add_argument(
        "--memory-sizes", default="2,8", help="replication counts for the memory check"
    )
    parser.add_argument("--markdown", type=Path, help="also write the figures as markdown here")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keep-tables", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child is not None:
        memory_child(args.scenario, args.memory_child, args.keep_tables)
        return

    scenario = model.load_scenario(args.scenario)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SimPy {simpy.__version__}, load average {load:.1f}"
    )
    # The bare model covers the project flow only: the ratio is measured on the
    # scenario without sign-off levels, meetings, pace and competing workload.
    m = measure_models(without_government_work(scenario), args.replications)
    ratio = m["domain_s"] / m["bare_s"]
    per_event = (m["domain_s"] / m["domain_events"]) / (m["bare_s"] / m["bare_events"])
    warm = measure_warm_start(scenario, args.replications)
    # A multiple of the cores, so that no worker idles at the end (5 on 2 cores caps at 5/3).
    pool = measure_pool(scenario, 4 * (os.cpu_count() or 1))
    dask = measure_dask(scenario, 4 * (os.cpu_count() or 1))
    memory = (
        []
        if args.skip_memory
        else measure_memory(args.scenario, [int(x) for x in args.memory_sizes.split(",")])
    )
    hot = profile(scenario)

    lines = [
        f"machine: {machine}",
        f"scenario: {scenario.name}, median of {args.replications} replications",
        f"domain model:         {m['domain_s']:.3f} s per replication; {m['facts']:,.0f} event-log facts "
        f"({m['facts'] / m['domain_s']:,.0f}/s), {m['domain_events']:,.0f} SimPy events "
        f"({m['domain_events'] / m['domain_s']:,.0f}/s)",
        f"domain + tables:      {m['full_s']:.3f} s per replication",
        f"bare SimPy:           {m['bare_s']:.3f} s per replication; {m['bare_events']:,.0f} SimPy events "
        f"({m['bare_events'] / m['bare_s']:,.0f}/s)",
        f"domain / bare:        {ratio:.2f}x per replication, {per_event:.2f}x per SimPy event (target <= 2)",
        f"pool on {pool['cores']} cores:      {pool['one_s']:.2f} s on one, {pool['all_s']:.2f} s on all: "
        f"{pool['speedup']:.2f}x (target >= 1.7 on 2 cores)",
        "dask, local cluster:  "
        + ", ".join(f"{k} worker(s) {v:.2f} replications/s" for k, v in dask.items())
        + f" ({max(dask.values()) / dask[min(dask)]:.2f}x from {min(dask)} to {max(dask)})",
        f"warm start:           {warm['cold_s']:.3f} s per replication with a simulated warm-up, "
        f"{warm['warm_s']:.3f} s from a sampled steady state, pilot {warm['pilot_s']:.2f} s once "
        f"({warm['warm_10_s']:.3f} s over 10 replications, {warm['warm_1000_s']:.3f} s over 1,000)",
    ]
    for row in memory:
        lines.append(
            f"memory, {row['replications']:>3} replications, keep_tables={row['keep_tables']!s:<5}: "
            f"results {row['results_mb']:.1f} MB, peak RSS {row['peak_rss_mb']:.0f} MB"
        )
    print("\n".join(lines))
    print("\nDomain model, top functions by own time:\n" + hot)
    if args.markdown:
        args.markdown.write_text(
            _markdown(
                machine,
                scenario.name,
                args.replications,
                m,
                ratio,
                per_event,
                pool,
                memory,
                hot,
                warm,
                dask,
            ),
            encoding="utf-8",
        )


def _markdown(
    machine: str,
    name: str,
    replications: int,
    m: dict[str, float],
    ratio: float,
    per_event: float,
    pool: dict[str, float],
    memory: list[dict[str, Any]],
    hot: str,
    warm: dict[str, float],
    dask: dict[int, float],
) -> str:
    rows = [
        "| measure | value | target |",
        "|---|---|---|",
        f"| domain model, seconds per replication | {m['domain_s']:.3f} | |",
        f"| domain model + metrics tables, seconds per replication | {m['full_s']:.3f} | |",
        f"| event-log facts per replication (per second) | {m['facts']:,.0f} ({m['facts'] / m['domain_s']:,.0f}/s) | |",
        f"| SimPy events per replication, domain (per second) | {m['domain_events']:,.0f} "
        f"({m['domain_events'] / m['domain_s']:,.0f}/s) | |",
        f"| bare SimPy, seconds per replication | {m['bare_s']:.3f} | |",
        f"| SimPy events per replication, bare (per second) | {m['bare_events']:,.0f} "
        f"({m['bare_events'] / m['bare_s']:,.0f}/s) | |",
        f"| domain / bare, per replication | {ratio:.2f}x | ≤ 1.0x |",
        f"| domain / bare, per SimPy event | {per_event:.2f}x | |",
        f"| pool speed-up, {pool['cores']} cores vs 1 | {pool['speedup']:.2f}x "
        f"({pool['one_s']:.1f} s → {pool['all_s']:.1f} s) | ≥ 1.7x on 2 cores |",
        "| Dask local cluster, replications per second by workers | "
        + ", ".join(f"{k}: {v:.2f}" for k, v in dask.items())
        + f" ({max(dask.values()) / dask[min(dask)]:.2f}x) | linear in workers |",
        f"| as bundled (with tables), simulated warm-up, seconds per replication | "
        f"{warm['cold_s']:.3f} | |",
        f"| as bundled (with tables), warm start, seconds per replication (pilot once: "
        f"{warm['pilot_s']:.2f} s) | {warm['warm_s']:.3f} (over 10: {warm['warm_10_s']:.3f}; "
        f"over 1,000: {warm['warm_1000_s']:.3f}) | ≤ 0.15 |",
    ]
    for row in memory:
        rows.append(
            f"| memory, {row['replications']} replications, keep_tables={row['keep_tables']} "
            f"| results {row['results_mb']:.1f} MB, peak RSS {row['peak_rss_mb']:.0f} MB "
            f"| flat with keep_tables=False |"
        )
    return (
        f"# Benchmark results\n\nMeasured by `python benchmarks/bench.py --markdown benchmarks/RESULTS.md` "
        f"on {machine}.\nScenario `{name}` (the default county-year), median of {replications} replications.\n\n"
        + "\n".join(rows)
        + "\n\nThe bare model (`benchmarks/bare.py`) does the same work with the same draws: a test "
        "(`tests/test_bench.py`) checks that every project reaches every milestone at the same time "
        "in both.\n\n## Where the domain model's time goes (cProfile, by own time)\n\n```\n"
        + hot
        + "\n```\n"
    )


if __name__ == "__main__":
    main()
