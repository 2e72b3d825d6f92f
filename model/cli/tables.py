"""Terminal tables: a plain-text grid that lines up Chinese text, and each command's tables.

Labels, units and number formats come from the output registry
(:mod:`model.analysis.outputs`), as in the report: a level is shown with
:func:`~model.analysis.outputs.format_interval`'s default (a share as a
percentage, clamped to [0, 1]), a difference with ``difference=True`` (never
clamped; a share's difference in percentage points).

Every function returns text; the command handlers print it. The result types
are imported for type checking only, so importing this module loads no pandas.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from model.analysis.outputs import KEY_OUTPUTS, format_interval, format_number, format_value, output

if TYPE_CHECKING:
    import pandas as pd

    from model.experiments.attribution import Attribution
    from model.experiments.batch import Comparison, Results
    from model.experiments.planning import StaffPlan
    from model.experiments.sensitivity import SensitivityResult
    from model.experiments.sweep import SweepResult

#: The outputs a sweep's table shows for each variant.
SWEEP_OUTPUTS = ("signing_to_start_days", "signing_to_start_p90_days", "trips")


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns."""
    return text + " " * (columns - width(text))


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table: columns two spaces apart, each as wide as its widest cell."""
    widths = [max(width(x) for x in [h, *(r[k] for r in rows)]) for k, h in enumerate(header)]
    lines = [header, *rows]
    return "\n".join(
        "  ".join(pad(cell, w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def label(name: str) -> str:
    """The English label of output ``name``."""
    return output(name).label("en")


def kpi_text(results: Results) -> str:
    """One scenario's key outputs: mean and 95 % confidence interval."""
    table = results.kpis()
    n = int(table["n"].max()) if len(table) else 0
    lines = [f"{results.scenario.name}: {n} replications, mean [95 % CI]"]
    columns = max((width(label(name)) for name in table["output"]), default=0)
    for row in table.itertuples():
        cell = format_interval(row.output, row.mean, row.ci_low, row.ci_high)
        lines.append(f"  {pad(label(row.output), columns)}  {cell}")
    return "\n".join(lines)


def pools_text(resources: pd.DataFrame) -> str:
    """Utilisation and waits of every pool, and the bottleneck if there is one."""
    from model.analysis.metrics import bottlenecks

    by = resources.groupby("resource", sort=False)
    table = by[["utilisation", "mean_wait_days", "mean_queue"]].mean()
    rows = [
        [
            str(name),
            format_number(row.utilisation),
            format_number(row.mean_wait_days),
            format_number(row.mean_queue),
        ]
        for name, row in table.iterrows()
    ]
    worst = bottlenecks(resources)
    return "\n".join(
        [
            "\nPools (mean over replications)",
            grid(["pool", "utilisation", "mean wait (days)", "mean queue"], rows),
            f"bottleneck: {', '.join(worst)}"
            if worst
            else "bottleneck: none (no pool at 90 % or more)",
        ]
    )


def comparison_text(comparison: Comparison) -> str:
    """Each scenario's key outputs side by side, then the paired differences from the first."""
    kpis = comparison.kpis()
    names = comparison.names
    rows = []
    for name in KEY_OUTPUTS:
        row = [label(name)]
        for scenario in names:
            k = kpis[(kpis["scenario"] == scenario) & (kpis["output"] == name)].iloc[0]
            row.append(format_interval(name, k["mean"], k["ci_low"], k["ci_high"]))
        rows.append(row)
    text = [
        f"{len(names)} scenarios on common random numbers: mean [95 % CI]",
        grid(["output", *names], rows),
    ]
    differences = comparison.differences()
    if not differences.empty:
        text.append(f"\nPaired difference from {names[0]} [95 % CI] (* = CI excludes zero)")
        diff_rows = []
        for name in KEY_OUTPUTS:
            row = [label(name)]
            for scenario in names[1:]:
                d = differences[
                    (differences["scenario"] == scenario) & (differences["output"] == name)
                ].iloc[0]
                cell = format_interval(
                    name, d["difference"], d["ci_low"], d["ci_high"], difference=True
                )
                row.append(cell + (" *" if d["significant"] else ""))
            diff_rows.append(row)
        text.append(grid(["output", *[f"{n} − {names[0]}" for n in names[1:]]], diff_rows))
    return "\n".join(text)


def precision_text(comparison: Comparison) -> str:
    """How many replications ``compare --precision`` ran, and which outputs missed the target."""
    table = comparison.precision
    assert table is not None
    target = float(table["target"].iloc[0])
    worst = table.sort_values("relative_half_width", ascending=False)
    head = f"\nReplications: {comparison.replications} (precision target {target:.1%} of the mean)"
    if not comparison.capped:
        return head + ": reached for every key output of every scenario"
    unmet = worst[~worst["met"]]
    missed = ", ".join(
        f"{r.scenario}/{label(r.output)} {r.relative_half_width:.1%}"
        for r in unmet.head(5).itertuples()
    )
    return head + f": stopped at --max-replications; not reached for {missed}"


def sweep_text(result: SweepResult, kpis: pd.DataFrame) -> str:
    """One row per variant: its overrides and a few key outputs (``kpis``: ``result.kpis()``)."""
    rows = []
    for _, variant in result.variants.iterrows():
        cells = [str(variant["variant_id"]), *[str(variant[path]) for path in result.paths]]
        for name in SWEEP_OUTPUTS:
            k = kpis[(kpis["variant_id"] == variant["variant_id"]) & (kpis["output"] == name)].iloc[
                0
            ]
            cells.append(format_interval(name, k["mean"], k["ci_low"], k["ci_high"]))
        rows.append(cells)
    replications = int(result.table["replication"].nunique())
    return "\n".join(
        [
            f"{len(result.variants)} variants × {replications} "
            "replications on common random numbers: mean [95 % CI]",
            grid(["variant", *result.paths, *map(label, SWEEP_OUTPUTS)], rows),
        ]
    )


def staff_plan_text(plan: StaffPlan) -> str:
    """The verdict, the plan per pool, the search that found it, and what one more would save."""
    column = plan.target.column
    unit = "working days" if column.endswith("_wd") else "days" if column.endswith("_days") else ""
    if plan.met:
        verdict = "met"
    elif not plan.feasible:
        verdict = (
            "NOT met, and staffing alone cannot meet it: with ample staff everywhere it is "
            f"{format_number(plan.bound_statistic)} {unit}; the plan adds only what the "
            "utilisation ceiling needs"
        )
    else:
        verdict = "NOT met within --max-steps; no cuts are proposed"
    pools = [
        [
            r.pool,
            str(r.current),
            format_number(r.offered_load),
            str(r.ceiling_min),
            str(r.planned),
            f"{r.planned - r.current:+d}" if r.planned != r.current else "",
            format_number(r.utilisation),
        ]
        for r in plan.pools.itertuples(index=False)
    ]
    steps = [
        [str(r.step), r.action, r.pool, format_number(r.statistic), "yes" if r.met else "no"]
        for r in plan.steps.itertuples(index=False)
    ]
    marginal = [
        [
            r.pool,
            format_number(r.saved),
            f"[{format_number(r.saved_low)}, {format_number(r.saved_high)}]"
            if math.isfinite(r.saved_low)
            else "",
            format_number(r.erlang_wait_saved_wd),
            r.source,
        ]
        for r in plan.marginal.sort_values(
            ["saved", "erlang_wait_saved_wd"], ascending=False
        ).itertuples(index=False)
    ]
    lines = [
        f"Target {plan.target.text}: {verdict}.",
        f"  start {format_number(plan.start_statistic)}, plan {format_number(plan.statistic)}, "
        f"ample staff {format_number(plan.bound_statistic)} {unit}".rstrip(),
        grid(
            [
                "pool",
                "now",
                "Erlang load",
                f"min at {plan.max_utilisation:.0%}",
                "plan",
                "change",
                "utilisation",
            ],
            pools,
        ),  # fmt: skip
        f"Plan cost: {format_number(plan.cost)}",
    ]
    if plan.over_ceiling:
        lines.append(f"Still above the ceiling: {', '.join(plan.over_ceiling)}")
    if plan.worse:
        lines.append(f"Worse than at the start (allowed): {', '.join(plan.worse)}")
    lines += [
        "\nSearch:",
        grid(["step", "action", "pool", "statistic", "met"], steps),
        f"\nBottleneck: {plan.bottleneck_level}. "
        "What one more person (or no wait for a meeting's sitting) would save "
        f"({unit or 'units'}):",
        grid(["pool", "saved", "95% CI", "Erlang wait saved (wd/file)", "from"], marginal),
    ]
    return "\n".join(lines)


def screening_text(result: SensitivityResult, trajectories: int) -> str:
    """Morris screening: the parameters ranked by mean absolute effect, per output."""
    text = []
    for name, table in result.ranking.groupby("output", sort=False):
        text.append(
            f"Morris screening of {label(str(name))} "
            f"({trajectories} trajectories; mu* = mean absolute effect over the range)"
        )
        rows = [
            [
                str(r.rank),
                r.parameter,
                format_number(r.mu_star),
                format_number(r.mu_star_conf),
                format_number(r.mu),
                format_number(r.sigma),
            ]
            for r in table.itertuples(index=False)
        ]
        text.append(grid(["rank", "parameter", "mu*", "± (95 %)", "mu", "sigma"], rows))
    return "\n".join(text)


def attribution_text(
    result: Attribution, base: str, reformed: str, outputs: Sequence[str], permutations: int
) -> str:
    """A reform's change in each output, split among the mechanisms that differ."""
    method = (
        "exact Shapley values over all coalitions"
        if result.method == "exact"
        else f"Shapley values estimated from {permutations} sampled orders"
    )
    text = [
        f"{reformed} − {base}: {len(result.factors)} mechanisms differ; {method} "
        f"({result.coalitions} coalitions)"
    ]
    for name in outputs:
        total = result.total[result.total["output"] == name].iloc[0]
        change = format_interval(
            name, total["difference"], total["ci_low"], total["ci_high"], difference=True
        )
        text.append(
            f"\n{label(name)}: {format_value(name, total['baseline'])} → "
            f"{format_value(name, total['reformed'])}, change {change}"
        )
        part = result.table[result.table["output"] == name].sort_values("contribution")
        rows = [
            [
                r.factor,
                format_interval(name, r.contribution, r.ci_low, r.ci_high, difference=True),
                format_number(r.share),
            ]
            for r in part.itertuples(index=False)
        ]
        text.append(grid(["mechanism", "contribution [95 % CI]", "share"], rows))
    return "\n".join(text)


def validation_text(table: pd.DataFrame) -> str:
    """The validation table: each published figure beside the model's mean [95 % CI]."""
    rows = []
    for r in table.itertuples(index=False):
        shown = (lambda x: f"{x:.0%}") if r.unit == "share" else format_number
        rows.append(
            [
                r.outcome,
                shown(r.value),
                f"{shown(r.model_mean)} [{shown(r.ci_low)}, {shown(r.ci_high)}]",
                r.verdict,
                r.scenario,
            ]
        )
    clocks = [
        f"  {r.outcome}: {r.clock}; {r.project_types}" + (f" ({r.note})" if r.note else "")
        for r in table.itertuples(index=False)
    ]
    return "\n".join(
        [
            "Published reform outcomes against the bundled scenarios (like for like):",
            grid(["outcome", "published", "model mean [95% CI]", "verdict", "scenario"], rows),
            "\nClock and project types of each row:",
            *clocks,
        ]
    )
