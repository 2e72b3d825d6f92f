"""The brief: the report's first two pages, for a county leader with five minutes.

A title that says the key message in one sentence, computed from the results
("三个六使签约至开工从 443 天缩短到 105 天"); one chart; one table of the key
outputs on both clocks (the enterprise's elapsed days and the government clock);
the share of projects meeting each target; the three biggest mechanisms (from
the attribution when the folder has one, otherwise the three biggest steps
between consecutive scenarios); and the main assumptions with how sure they are
(assumption groups counted by their source tags, ``[E]`` being an estimate).

Every number of the brief is taken from the same tables and formatters as the
details that follow (:func:`model.report.sections.level_table`,
:func:`model.report.sections.target_rows`), so the brief and the tables agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from model.analysis.aggregate import kpi_table, paired_differences
from model.analysis.outputs import (
    LAND_TO_START_SHARE,
    LAND_TO_START_WD,
    Lang,
    format_interval,
    format_number,
)
from model.analysis.outputs import output as definition
from model.outputs.folders import ResultsFolder, StoredResults
from model.report.names import Names
from model.report.sections import level_table
from model.report.sentences import difference_sentence
from model.report.words import TEXT

#: The key message's output: the enterprise's elapsed days from signing to construction start.
HEADLINE = "signing_to_start_days"

#: The brief's table: each output with the clock it is measured on.
BRIEF_OUTPUTS: tuple[tuple[str, str], ...] = (
    ("signing_to_start_days", "enterprise"),
    ("government_prestart_days", "government"),
    # 拿地即开工 is elapsed time from land to start, whoever holds the file.
    (LAND_TO_START_SHARE, "enterprise"),
    ("signing_to_production_days", "enterprise"),
    ("government_full_days", "government"),
    ("trips", "enterprise"),
    ("share_items_within_limit", "government"),
)

#: Assumptions the brief names (locations in the scenario), the rest are in the appendix.
MAIN_ASSUMPTIONS: tuple[str, ...] = (
    "arrivals",
    "government",
    "handoff_days",
    "enterprise",
    "intake_wd",
)


def brief(data: ResultsFolder, context: dict[str, Any], names: Names) -> dict[str, Any] | None:
    """The brief's context, or None when the folder holds no runs (sweep or attribution only)."""
    parts = data.scenarios
    if not parts:
        return None
    lang = names.lang
    shown = [dataclasses.replace(p, label=names.scenario(p.label)) for p in parts]
    message, detail = key_message(shown, lang)
    outputs = [o for o, _ in BRIEF_OUTPUTS if all(o in p.summary for p in parts)]
    clocks = dict(BRIEF_OUTPUTS)
    table = level_table(shown, outputs, lang)
    t = TEXT[lang]
    table["header"].insert(1, t["clock"])
    for name, row in zip(outputs, table["rows"], strict=True):
        row.insert(1, t[f"clock_{clocks[name]}"])
    note = t["land_to_start_note"].format(days=LAND_TO_START_WD)
    return {
        "message": message,
        "detail": detail,
        "chart": context["figures"].get("stages"),
        "table": table,
        "table_note": note if LAND_TO_START_SHARE in outputs else "",
        "targets": brief_targets(context["targets"], shown),
        "mechanisms": biggest_mechanisms(data, shown, names),
        "assumptions": main_assumptions(context["assumptions"], lang),
    }


def _mean(part: StoredResults, name: str) -> float:
    return float(kpi_table(part.summary, [name]).iloc[0]["mean"])


def key_message(parts: Sequence[StoredResults], lang: Lang) -> tuple[str, str]:
    """The title's one sentence, and one line under it with the interval and the other clock.

    The numbers are the key-output table's means of signing → construction start,
    the last scenario against the first (the baseline).
    """
    base, reform = parts[0], parts[-1]
    if HEADLINE not in base.summary:
        return TEXT[lang]["title"], ""
    before = _mean(base, HEADLINE)
    if len(parts) == 1:
        if lang == "zh":
            return f"{base.label}：签约至开工平均 {format_number(before)} 天", ""
        return (
            f"{base.label}: {format_number(before)} days from signing to construction start",
            "",
        )
    after = _mean(reform, HEADLINE)
    shorter = after < before
    if lang == "zh":
        verb = "缩短" if shorter else "延长"
        message = (
            f"{reform.label}使签约至开工从 {format_number(before)} 天{verb}到 "
            f"{format_number(after)} 天"
        )
    else:
        verb = "cuts" if shorter else "lengthens"
        message = (
            f"{reform.label} {verb} signing → construction start from {format_number(before)} "
            f"to {format_number(after)} days"
        )
    lines = [_difference_words(base, reform, HEADLINE, lang)]
    if "government_prestart_days" in base.summary and "government_prestart_days" in reform.summary:
        g0 = format_number(_mean(base, "government_prestart_days"))
        g1 = format_number(_mean(reform, "government_prestart_days"))
        if lang == "zh":
            lines.append(f"政府用时（赋码→施工许可）从 {g0} 天变为 {g1} 天")
        else:
            lines.append(f"on the government clock (filing → permit) from {g0} to {g1} days")
    sep = "；" if lang == "zh" else "; "
    end = "。" if lang == "zh" else "."
    return message, sep.join(x for x in lines if x) + end


def _difference_words(base: StoredResults, other: StoredResults, name: str, lang: Lang) -> str:
    d = paired_differences(base.summary, other.summary, [name]).iloc[0]
    sentence = difference_sentence(
        other.label,
        base.label,
        name,
        float(d["difference"]),
        float(d["ci_low"]),
        float(d["ci_high"]),
        lang,
    )
    return sentence.rstrip("。.")


def brief_targets(rows: Sequence[dict[str, Any]], parts: Sequence[StoredResults]) -> dict[str, Any]:
    """Each target's share of projects, baseline and last scenario (the targets table's cells)."""
    columns = [0] if len(parts) == 1 else [0, len(parts) - 1]
    return {
        "header": [parts[k].label for k in columns],
        "rows": [{"label": r["label"], "cells": [r["cells"][k] for k in columns]} for r in rows],
    }


def biggest_mechanisms(
    data: ResultsFolder, parts: Sequence[StoredResults], names: Names
) -> dict[str, Any] | None:
    """The three largest effects on signing → start: attributed mechanisms, or reform steps.

    With an attribution table (``approvalsim attribute --out``) these are the
    mechanisms with the largest Shapley contributions; without one, the largest
    paired differences between consecutive scenarios (each step adds a reform).
    """
    table = data.attribution
    if table is not None and not table.empty and {"factor", "contribution"} <= set(table):
        name = HEADLINE
        if "output" in table:
            present = list(pd.unique(table["output"]))
            name = name if name in present else str(present[0])
            table = table[table["output"] == name]
        order = table["contribution"].abs().sort_values(ascending=False, kind="stable").index
        rows = []
        for _, row in table.loc[order].head(3).iterrows():
            low = float(row["ci_low"]) if "ci_low" in row else float("nan")
            high = float(row["ci_high"]) if "ci_high" in row else float("nan")
            value = format_interval(name, float(row["contribution"]), low, high, difference=True)
            rows.append({"name": names.mechanism(str(row["factor"])), "value": value})
        return {"kind": "attribution", "output": definition(name).label(names.lang), "rows": rows}
    if len(parts) < 2 or not all(HEADLINE in p.summary for p in parts):
        return None
    steps = []
    for before, after in zip(parts[:-1], parts[1:], strict=True):
        d = paired_differences(before.summary, after.summary, [HEADLINE]).iloc[0]
        steps.append((before.label, after.label, d))
    steps.sort(key=lambda s: -abs(float(s[2]["difference"])))
    rows = [
        {
            "name": f"{a} → {b}",
            "value": format_interval(
                HEADLINE, d["difference"], d["ci_low"], d["ci_high"], difference=True
            ),
        }
        for a, b, d in steps[:3]
    ]
    return {"kind": "steps", "output": definition(HEADLINE).label(names.lang), "rows": rows}


def main_assumptions(tables: Sequence[dict[str, Any]], lang: Lang) -> dict[str, Any] | None:
    """How sure the assumptions are (the last scenario's, by source tag) and the main ones."""
    available = [t for t in tables if t["available"]]
    if not available:
        return None
    last = available[-1]
    counts = last["counts"]
    total = sum(counts.values())
    t = TEXT[lang]
    parts = [
        t["count_" + tag].format(n=n, share=f"{100 * n / total:.0f}")
        for tag, n in counts.items()
        if n and total
    ]
    sep = "；" if lang == "zh" else "; "
    summary = t["assumptions_counted"].format(
        scenario=last["scenario"], total=total, counts=sep.join(parts)
    )
    base_rows = {r["where"]: r for r in available[0]["rows"]}
    main = [
        {
            "place": base_rows[w]["place"],
            "text": ("；" if lang == "zh" else "; ").join(base_rows[w]["shown"]),
            "certainty": base_rows[w]["certainty_words"],
            "estimate": base_rows[w]["certainty"] in ("E", "none", "untagged"),
        }
        for w in MAIN_ASSUMPTIONS
        if w in base_rows
    ]
    return {"summary": summary, "rows": main}
