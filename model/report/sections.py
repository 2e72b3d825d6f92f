"""The report's sections: everything the template shows, as plain strings and images.

:func:`report_context` turns a results folder read back by
:func:`model.outputs.folders.load_results` into the template's context: the
scenario list and summary sentences, the key-output and difference tables,
the targets, the figures (:mod:`model.report.figures`), the department
scorecards, the assumptions with their sources, and provenance.

Every number is formatted by the shared registry :mod:`model.analysis.outputs`.
A level of a share (a mean and its interval) is clamped to [0, 1]; a paired
*difference* is never clamped, since it can be negative.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, get_args

import matplotlib as mpl
import pandas as pd

from model.analysis.aggregate import confidence_interval, kpi_table, paired_differences
from model.analysis.metrics import scorecard
from model.analysis.outputs import KEY_OUTPUTS, Lang, format_interval, format_number, format_share
from model.analysis.outputs import output as definition
from model.analysis.targets import TARGETS, target_shares
from model.outputs import fonts
from model.outputs.folders import ResultsFolder, StoredResults
from model.report import figures
from model.report.names import Names, certainty
from model.report.sentences import SENTENCE_OUTPUTS, difference_sentence, scenario_sentence
from model.report.words import TEXT
from model.scenario.distributions import Distribution
from model.scenario.schema import Scenario

#: Fields that name or describe, not parameters of the run.
_DISPLAY_FIELDS: tuple[str, ...] = (
    "name", "description", "label_zh", "description_zh", "source",
)  # fmt: skip

#: ``kind`` tags of the distribution families (read from the union, so new ones count).
_DISTRIBUTION_KINDS: frozenset[str] = frozenset(
    str(cls.model_fields["kind"].default) for cls in get_args(get_args(Distribution)[0])
)


def report_context(data: ResultsFolder, lang: Lang) -> dict[str, Any]:
    """Everything the template needs, as plain strings, numbers and base64 images."""
    context: dict[str, Any] = {
        "lang": lang,
        "t": TEXT[lang],
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "version": _version(),
        "scenarios": [],
        "sentences": [],
        "kpi_table": None,
        "difference_table": None,
        "difference_sentences": [],
        "targets": [],
        "figures": {},
        "gantt": [],
        "scorecards": [],
        "waterfall": None,
        "sweep": [],
        "assumptions": [],
        "provenance": [],
        "notes": [],
        "brief": None,
    }
    names = Names.build([(p.label, p.scenario) for p in data.scenarios], lang)
    with mpl.rc_context(fonts.cjk_rc()):  # type: ignore[arg-type]  # keys are plain str
        context["waterfall"] = figures.waterfall_figure(data, lang, names.mechanism)
        context["sweep"] = figures.sweep_figures(data, lang, names.where)
        if data.scenarios:
            context.update(scenario_sections(data.scenarios, lang, names))
    context["names"] = names
    return context


def shown_part(part: StoredResults, names: Names) -> StoredResults:
    """The scenario's results with its label and the names in its tables as displayed.

    Only the names change (items, departments, pools, project types): every number
    is the stored one, so a figure drawn from the copy shows the same values.
    """
    if names.lang == "en":
        return part

    def named(frame: pd.DataFrame | None, *columns: tuple[str, Callable[[str], str]]) -> Any:
        if frame is None:
            return None
        changed = {}
        for column, name in columns:
            if column in frame:
                mapping = {
                    v: name(str(v)) if isinstance(v, str) else v for v in frame[column].unique()
                }
                changed[column] = frame[column].map(mapping)
        return frame.assign(**changed) if changed else frame

    return dataclasses.replace(
        part,
        label=names.scenario(part.label),
        projects=named(part.projects, ("project_type", names.project_type)),
        items=named(part.items, ("item", names.item), ("department", names.department)),
        resources=named(part.resources, ("resource", names.pool)),
        events=named(part.events, ("item", names.item), ("resource", names.pool)),
        scorecard=named(part.scorecard, ("department", names.department), ("resource", names.pool)),
    )


def scenario_sections(
    parts: Sequence[StoredResults], lang: Lang, names: Names | None = None
) -> dict[str, Any]:
    """The sections that need stored runs (the first is the baseline)."""
    names = names or Names.build([(p.label, p.scenario) for p in parts], lang)
    shown = [shown_part(p, names) for p in parts]
    outputs = [o for o in KEY_OUTPUTS if all(o in p.summary for p in parts)]
    notes: list[str] = []
    for part in parts:
        for note in map(str, part.manifest.get("notes", [])):
            note = run_note(note, lang)
            if note not in notes:
                notes.append(note)
    all_assumptions = [assumptions(p, names) for p in shown]
    sections: dict[str, Any] = {
        "scenarios": [_scenario_entry(p, k == 0, names) for k, p in enumerate(shown)],
        "sentences": [
            scenario_sentence(p.label, kpi_table(p.summary, outputs), lang) for p in shown
        ],
        "kpi_table": level_table(shown, outputs, lang),
        "targets": target_rows(shown, lang),
        "figures": figures.scenario_figures(shown, lang),
        "gantt": figures.gantt_figures(shown, lang),
        "scorecards": [
            {"scenario": p.label, "table": display_table(scorecard_table(p), lang)} for p in shown
        ],
        "provenance": [provenance(p) for p in shown],
        "notes": notes,
        "assumptions": changed_assumptions(all_assumptions),
    }
    if len(parts) > 1:
        sections["difference_table"] = difference_table(shown, outputs, lang)
        sections["difference_sentences"] = difference_sentences(shown, lang)
    return sections


def _scenario_entry(part: StoredResults, baseline: bool, names: Names) -> dict[str, Any]:
    scenario = part.scenario
    description = ""
    if scenario is not None:
        description = scenario.description
        if names.lang == "zh" and scenario.description_zh:
            description = scenario.description_zh
    return {
        "label": part.label,
        "baseline": baseline,
        "description": description,
        "switches": scenario_switches(scenario, names) if scenario else [],
    }


#: Notes the simulation writes into a manifest, and their Chinese wording.
_NOTES_ZH: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^public holidays of (.+) projected by rule: "
            r"projected \(holidays package, no make-up days\)$"
        ),
        "{0} 年的法定节假日按规则推算（holidays 软件包，不含调休上班日）",
    ),
    (
        re.compile(r"^public holidays of (.+) projected by rule: (.+)$"),
        "{0} 年的法定节假日按规则推算：{1}",
    ),
)


def run_note(note: str, lang: Lang) -> str:
    """A run's note in the report's language (known notes are translated; others kept)."""
    if lang != "zh":
        return note
    for pattern, words in _NOTES_ZH:
        match = pattern.match(note)
        if match:
            return words.format(*match.groups())
    return note


# -- tables ----------------------------------------------------------------------


def level_table(
    parts: Sequence[StoredResults], outputs: Sequence[str], lang: Lang
) -> dict[str, Any]:
    """Each output's mean and 95 % interval per scenario (a share's clamped to [0, 1])."""
    kpis = [kpi_table(p.summary, outputs).set_index("output") for p in parts]
    rows = []
    for name in outputs:
        cells = [definition(name).label(lang)]
        for table in kpis:
            row = table.loc[name]
            cells.append(format_interval(name, row["mean"], row["ci_low"], row["ci_high"]))
        rows.append(cells)
    return {"header": [TEXT[lang]["output"], *[p.label for p in parts]], "rows": rows}


def difference_table(
    parts: Sequence[StoredResults], outputs: Sequence[str], lang: Lang
) -> dict[str, Any]:
    """Each scenario minus the first, paired by replication, with its 95 % interval.

    The interval of a difference is never clamped (a share's difference can be
    negative); ``*`` marks an interval that excludes zero.
    """
    base = parts[0]
    rows = {name: [definition(name).label(lang)] for name in outputs}
    for part in parts[1:]:
        table = paired_differences(base.summary, part.summary, outputs).set_index("output")
        for name in outputs:
            d = table.loc[name]
            cell = format_interval(
                name, d["difference"], d["ci_low"], d["ci_high"], difference=True
            )
            rows[name].append(cell + (" *" if bool(d["significant"]) else ""))
    header = [TEXT[lang]["output"], *[f"{p.label} − {base.label}" for p in parts[1:]]]
    return {"header": header, "rows": list(rows.values())}


def difference_sentences(parts: Sequence[StoredResults], lang: Lang) -> list[list[str]]:
    """Per scenario after the first, its difference from the first in words."""
    base = parts[0]
    groups = []
    for part in parts[1:]:
        outputs = [o for o in SENTENCE_OUTPUTS if o in base.summary and o in part.summary]
        table = paired_differences(base.summary, part.summary, outputs).set_index("output")
        groups.append(
            [
                difference_sentence(
                    part.label,
                    base.label,
                    name,
                    float(table.loc[name, "difference"]),
                    float(table.loc[name, "ci_low"]),
                    float(table.loc[name, "ci_high"]),
                    lang,
                )
                for name in outputs
            ]
        )
    return groups


def target_rows(parts: Sequence[StoredResults], lang: Lang) -> list[dict[str, Any]]:
    """Per target, the share of projects meeting it in each scenario (mean, 95 % CI)."""
    shares = {p.label: target_shares(p.projects) for p in parts}
    rows = []
    for target in TARGETS:
        cells = []
        for part in parts:
            mean, half = confidence_interval(shares[part.label][target.key].to_numpy(float))
            cells.append(format_interval(target.output, mean, mean - half, mean + half))
        rows.append(
            {
                "label": target.label(lang),
                "measure": target.measure(lang),
                "source": target.source,
                "cells": cells,
            }
        )
    return rows


def scorecard_table(part: StoredResults) -> pd.DataFrame:
    """The stored department scorecard, or one computed from the tables."""
    if part.scorecard is not None:
        return part.scorecard
    if "kind" in part.resources:
        try:
            card: pd.DataFrame = scorecard(part.items, part.resources)
            return card
        except (KeyError, ValueError):
            pass
    # Older results: utilisation and waits per resource only.
    by = part.resources.groupby("resource", sort=False)
    return pd.DataFrame(
        {
            "utilisation": by["utilisation"].mean(),
            "mean_wait_days": by["mean_wait_days"].mean(),
        }
    ).reset_index()


#: Columns of the scorecard and resource tables, in words.
COLUMN_WORDS: dict[str, tuple[str, str]] = {
    "department": ("department", "部门"),
    "resource": ("pool", "资源"),
    "items": ("items decided", "办结事项数"),
    "mean_item_days": ("mean days per item", "事项平均天数"),
    "p90_item_days": ("90th percentile days per item", "事项第90百分位天数"),
    "share_within_limit": ("share within limit", "时限内办结占比"),
    "utilisation": ("utilisation", "利用率"),
    "mean_wait_days": ("mean wait, days", "平均等待天数"),
}


def display_table(frame: pd.DataFrame, lang: Lang = "en") -> dict[str, Any]:
    """A DataFrame as header + rows of display strings (escaped later by Jinja)."""
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if isinstance(value, float):
                proportion = "share" in column or "utilisation" in column
                cells.append(format_share(value) if proportion else format_number(value))
            else:
                cells.append(str(value))
        rows.append(cells)
    header = [
        COLUMN_WORDS.get(str(c), (str(c), str(c)))[0 if lang == "en" else 1] for c in frame.columns
    ]
    return {"header": header, "rows": rows}


# -- provenance and assumptions --------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("approvalsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def provenance(part: StoredResults) -> dict[str, str]:
    """Where one scenario's results come from, from its manifest."""
    m = part.manifest
    return {
        "scenario": part.label,
        "folder": str(part.folder.name if part.folder else ""),
        "version": str(m.get("version", "unknown")),
        "scenario_hash": str(m.get("scenario_hash", "")),
        "seed": str(m.get("seed", "")),
        "replications": str(m.get("replications", len(part.summary))),
        "created": str(m.get("created", "")),
    }


def assumptions(part: StoredResults, names: Names | None = None) -> dict[str, Any]:
    """One scenario's assumption rows, or a note that its scenario is not stored.

    Each row carries its parameters in words (``shown``), its location in words
    (``place``) and how sure its source is (``certainty``: the weakest source tag,
    see :func:`model.report.names.certainty`).
    """
    names = names or Names("en")
    if part.scenario is None:
        return {"scenario": part.label, "available": False, "rows": []}
    rows = assumption_rows(part.scenario)
    for row in rows:
        row["place"] = names.where(row["where"])
        row["shown"] = [
            f"{names.field(name)}{'：' if names.lang == 'zh' else ': '}{names.value(name, value)}"
            if name != "value"
            else names.value(row["where"].rsplit(".", 1)[-1], value)
            for name, value in row["values"]
            if value not in (None, [], (), {})
        ]
        row["certainty"] = certainty(row["source"])
        row["certainty_words"] = names.tag(row["certainty"])
    return {
        "scenario": part.label,
        "rows": rows,
        "flagged": sum(1 for r in rows if r["assumed"]),
        "total": len(rows),
        "available": True,
        "counts": certainty_counts(rows),
    }


def certainty_counts(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many assumption groups rest on each kind of source, weakest first."""
    counts = {tag: 0 for tag in ("E", "R", "N", "P", "untagged", "none")}
    for row in rows:
        counts[certainty(row["source"])] += 1
    return counts


def changed_assumptions(tables: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first scenario's assumptions in full, the others' only where they differ.

    Reform scenarios inherit almost every parameter from the baseline; repeating
    them would print the same list once per scenario.
    """
    result: list[dict[str, Any]] = []
    base: dict[str, Any] | None = None
    for k, table in enumerate(tables):
        if k == 0 or not table["available"] or base is None or not base["available"]:
            result.append({**table, "changes_only": False})
            if k == 0:
                base = table
            continue
        known = {(r["where"], repr(r["values"]), r["source"]) for r in base["rows"]}
        rows = [
            r for r in table["rows"] if (r["where"], repr(r["values"]), r["source"]) not in known
        ]
        flagged = sum(1 for r in rows if r["assumed"])
        result.append({**table, "rows": rows, "flagged": flagged, "changes_only": True})
    return result


def _compact(value: Any) -> str:
    """A parameter value in a few characters."""
    if isinstance(value, dict) and value.get("kind") in _DISTRIBUTION_KINDS:
        args = ", ".join(
            f"{k}={_compact(v)}"
            for k, v in value.items()
            if k not in ("kind", "source") and v is not None
        )
        return f"{value['kind']}({args})"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        if len(value) > 8:
            return f"[{len(value)} entries]"
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return str(value)


def assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """Every parameter grouped by the source note that covers it.

    Walks ``scenario.model_dump()``. A parameter is covered by the nearest
    ``source`` on itself (a distribution's own note) or on an enclosing object
    below the top level; the scenario-wide ``source`` does not count, since it
    describes the file as a whole. Top-level switches (approval mode, time
    limits, ...) and run settings are scenario choices, listed under provenance,
    not calibration parameters.

    Returns:
        Rows ``{"where", "parameters", "source", "assumed"}``, in scenario order.

    """
    data = scenario.model_dump(mode="json", by_alias=True)
    groups: dict[str, dict[str, Any]] = {}

    def add(owner: str, source: str | None, name: str, value: Any) -> None:
        group = groups.setdefault(
            owner, {"where": owner, "parameters": [], "values": [], "source": source}
        )
        group["parameters"].append(f"{name} = {_compact(value)}")
        group["values"].append((name, value))

    def table_of_objects(value: Any) -> bool:
        """A non-empty mapping of named objects (departments, items, ...)."""
        if not isinstance(value, dict) or not value:
            return False
        return all(isinstance(v, dict) for v in value.values())

    def walk(node: dict[str, Any], path: str, covering: tuple[str, str | None]) -> None:
        if node.get("enabled") is False:
            return  # a switched-off mechanism: its parameters do not enter the run
        own = node.get("source")
        here = (path, own) if own else covering
        for key, value in node.items():
            if key in _DISPLAY_FIELDS:
                continue
            child = f"{path}.{key}"
            if isinstance(value, dict) and value.get("kind") in _DISTRIBUTION_KINDS:
                note = value.get("source")
                owner, source = (child, note) if note else here
                add(owner, source, key if owner != child else "value", value)
            elif table_of_objects(value):
                for name, sub in value.items():  # a table of named objects
                    walk(sub, f"{child}.{name}", here)
            elif isinstance(value, dict) and value:
                walk(value, child, here)
            else:
                add(here[0], here[1], key, value)

    for key, value in data.items():
        if key in ("run", *_DISPLAY_FIELDS):
            continue
        if isinstance(value, dict) and value.get("kind") in _DISTRIBUTION_KINDS:
            add(key, value.get("source"), "value", value)
        elif table_of_objects(value):
            for name, sub in value.items():
                walk(sub, f"{key}.{name}", (f"{key}.{name}", None))
        elif isinstance(value, dict):
            walk(value, key, (key, None))
        # top-level scalars are scenario switches, shown with the scenario
    return [{**group, "assumed": not group["source"]} for group in groups.values()]


def scenario_switches(scenario: Scenario, names: Names | None = None) -> list[tuple[str, str]]:
    """The scenario's top-level settings (approval mode, time limits, ...), in words."""
    names = names or Names("en")
    data = scenario.model_dump(mode="json", by_alias=True)
    return [
        names.setting(key, value)
        for key, value in data.items()
        if key not in _DISPLAY_FIELDS and not isinstance(value, dict)
    ]
