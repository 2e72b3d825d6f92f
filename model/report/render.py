"""The report: one self-contained HTML page (or PDF) built from a results folder.

``write_report(results_dir)`` reads what ``approvalsim run``/``compare`` wrote
(and, if present, sweep and attribution tables), and renders
``templates/report.html.j2`` into a single file that opens offline:

* figures are PNG images embedded as base64 ``data:`` URIs, drawn by
  :mod:`model.outputs.plots` with the bundled Chinese font;
* the page's own text uses a subset of the same font (Noto Sans CJK SC, SIL
  Open Font License), embedded as a base64 ``@font-face``, so Chinese renders
  without missing-glyph boxes on a machine that has no Chinese font;
* every string that comes from a scenario or a results folder is escaped by
  Jinja's autoescaping (a project type named ``<script>`` shows as text).

PDF is made from the same HTML by WeasyPrint (a PyPI package; it needs the
Pango library, which Linux desktops have) or, if WeasyPrint cannot load, by a
headless Chromium (``chromium --print-to-pdf``) when one is installed.

Folder layout read (see :mod:`model.outputs.folders`):

* a single run: ``manifest.json`` and the tables (``summary``, ``projects``,
  ``items``, ``resources``, optionally ``events``, ``scorecard``) as CSV or
  Parquet, plus ``scenario.json`` (the validated scenario) when stored;
* a comparison: one such folder per scenario, plus ``comparison_kpis`` at the
  top, whose scenario order (first = baseline) the report keeps;
* optional at the top: ``sweep`` (a sweep's per-replication table or its KPI
  table) and ``attribution`` (+ ``attribution_total``).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
import matplotlib as mpl
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from model.analysis import metrics
from model.analysis.aggregate import confidence_interval, kpi_table, paired_differences
from model.analysis.outputs import KEY_OUTPUTS
from model.outputs import fonts, plots
from model.outputs.folders import OutputExistsError
from model.scenario.distributions import Distribution
from model.scenario.schema import Scenario

Lang = Literal["en", "zh"]
Format = Literal["html", "pdf"]

#: Family name of the embedded page font (not a system font name, on purpose:
#: the page must not depend on what the reader's machine has installed).
PAGE_FONT = "ApprovalsimCJK"

#: Outputs described in the executive summary's sentences.
SENTENCE_OUTPUTS: tuple[str, ...] = (
    "signing_to_start_days",
    "land_to_start_days",
    "signing_to_production_days",
    "trips",
    "rework_rounds",
)

#: ``kind`` tags of the distribution families (read from the union, so new ones count).
_DISTRIBUTION_KINDS: frozenset[str] = frozenset(
    str(cls.model_fields["kind"].default) for cls in get_args(get_args(Distribution)[0])
)


class ReportError(Exception):
    """The results folder cannot be turned into a report (a user error)."""


# -- wording ---------------------------------------------------------------------

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Investment-project approval: simulation report",
        "generated": "Generated",
        "contents": "Contents",
        "summary": "Executive summary",
        "scenarios": "Scenarios",
        "baseline": "baseline",
        "key_outputs": "Key outputs (mean and 95 % confidence interval over replications)",
        "differences": "Paired difference from the baseline (95 % CI; * = the interval excludes zero)",
        "output": "output",
        "targets": "Targets",
        "targets_intro": (
            "Share of projects that meet each target of the reform documents, mean over "
            "replications with 95 % CI. Durations here are on the enterprise clock (they include "
            "the enterprise's own preparation and intermediaries), while the official targets count "
            "government time only, so these shares are conservative. The government clock of each "
            "approval item is compared with its limit in 'share of items within limit' above."
        ),
        "target": "target",
        "measured_as": "measured as",
        "figures": "Figures",
        "fig_ecdf": "Signing to production: distribution over projects",
        "fig_ecdf_note": "Share of projects (all replications pooled) that reached production within x calendar days of signing.",
        "fig_stages": "Where the time goes: mean days per phase",
        "fig_gantt": "One typical project",
        "fig_gantt_note": (
            "The median project of the most common type (by signing to production in the baseline); "
            "the same project, with the same draws, under each scenario."
        ),
        "fig_gantt_items_only": "Event log not stored: waiting is shown, the rest of each item's time is one block.",
        "fig_trips": "Trips per project",
        "fig_trips_note": "Box: quartiles; triangle: mean; dashed line: the target of at most one trip.",
        "fig_utilisation": "Utilisation of departments and other pools",
        "scorecard": "Department scorecard",
        "fig_waterfall": "Days saved per mechanism (attribution)",
        "fig_waterfall_note": "Shapley attribution of the reform's effect; bars below zero are savings.",
        "fig_sweep": "Staffing curves (sweep)",
        "assumptions": "Assumptions and sources",
        "assumptions_intro": (
            "Every parameter of each scenario with the source note that covers it. Parameters "
            "with no note on themselves or on the object that holds them are flagged as "
            "assumptions."
        ),
        "assumption": "assumption: no source",
        "flagged": "flagged",
        "parameters": "parameters",
        "source": "source",
        "where": "where",
        "no_scenario": (
            "The validated scenario is not stored in this results folder (scenario.json), so its "
            "sources cannot be listed."
        ),
        "provenance": "Provenance",
        "version": "version",
        "scenario_hash": "scenario hash",
        "seed": "seed",
        "replications": "replications",
        "created": "results created",
        "folder": "folder",
        "notes": "Notes from the runs",
        "font_note": "Page font: Noto Sans CJK SC (subset, SIL Open Font License 1.1).",
        "scenario": "scenario",
        "description": "description",
        "department": "department",
        "none": "—",
        "one_replication": "one replication: no confidence interval",
        "no_runs": "This folder holds sweep or attribution results only: see the figures.",
    },
    "zh": {
        "title": "投资项目审批仿真报告",
        "generated": "生成时间",
        "contents": "目录",
        "summary": "摘要",
        "scenarios": "情景",
        "baseline": "基准",
        "key_outputs": "主要结果（各次重复的均值及 95% 置信区间）",
        "differences": "与基准情景的配对差值（95% 置信区间；* 表示区间不含零）",
        "output": "指标",
        "targets": "目标达成情况",
        "targets_intro": (
            "达到各项改革目标的项目占比，为各次重复的均值及 95% 置信区间。此处时长按企业口径计算"
            "（含企业自身准备和中介服务时间），而官方目标只计政府办理时间，因此这些占比偏保守。"
            "各审批事项的政府口径时长与其办理时限的比较见上表“在时限内办结的事项占比”。"
        ),
        "target": "目标",
        "measured_as": "计算口径",
        "figures": "图表",
        "fig_ecdf": "签约至投产：项目分布",
        "fig_ecdf_note": "在签约后 x 个日历天内投产的项目占比（合并所有重复）。",
        "fig_stages": "时间花在哪里：各阶段平均天数",
        "fig_gantt": "一个典型项目",
        "fig_gantt_note": "基准情景中最常见项目类型的中位数项目（按签约至投产时长）；各情景下为同一项目、同一组随机数。",
        "fig_gantt_items_only": "未保存事件日志：图中显示排队等待，每个事项的其余时间合为一段。",
        "fig_trips": "每个项目的跑动次数",
        "fig_trips_note": "箱体：四分位数；三角：均值；虚线：“最多跑一次”目标。",
        "fig_utilisation": "各部门及其他资源的利用率",
        "scorecard": "部门评价表",
        "fig_waterfall": "各项机制节省的天数（贡献分解）",
        "fig_waterfall_note": "改革效果的 Shapley 分解；低于零的柱为节省。",
        "fig_sweep": "人员配置曲线（参数扫描）",
        "assumptions": "假设与来源",
        "assumptions_intro": "各情景的每个参数及其来源说明。参数本身及其所属对象都没有来源说明的，标为假设。",
        "assumption": "假设：无来源",
        "flagged": "标为假设",
        "parameters": "参数",
        "source": "来源",
        "where": "位置",
        "no_scenario": "此结果文件夹未保存经校验的情景（scenario.json），无法列出其来源。",
        "provenance": "来源与可复现信息",
        "version": "版本",
        "scenario_hash": "情景哈希",
        "seed": "随机种子",
        "replications": "重复次数",
        "created": "结果生成时间",
        "folder": "文件夹",
        "notes": "运行提示",
        "font_note": "页面字体：Noto Sans CJK SC（子集，SIL 开源字体许可 1.1）。",
        "scenario": "情景",
        "description": "说明",
        "department": "部门",
        "none": "—",
        "one_replication": "仅一次重复：无置信区间",
        "no_runs": "此文件夹只有参数扫描或贡献分解结果，请见图表。",
    },
}

#: Labels of per-replication outputs: (English, Chinese, unit en, unit zh).
OUTPUTS: dict[str, tuple[str, str, str, str]] = {
    "signing_to_land_days": ("signing → land", "签约→供地", "days", "天"),
    "land_to_start_days": ("land → construction start", "供地→开工", "days", "天"),
    "signing_to_start_days": ("signing → construction start", "签约→开工", "days", "天"),
    "signing_to_start_p90_days": (
        "signing → start, 90th percentile",
        "签约→开工（第90百分位）",
        "days",
        "天",
    ),
    "completion_to_production_days": ("completion → production", "竣工→投产", "days", "天"),
    "signing_to_production_days": ("signing → production", "签约→投产", "days", "天"),
    "signing_to_production_wd": (
        "signing → production (working days)",
        "签约→投产（工作日）",
        "working days",
        "个工作日",
    ),
    "trips": ("trips per project", "每个项目跑动次数", "trips", "次"),
    "share_at_most_one_trip": ("share with at most one trip", "最多跑一次的项目占比", "", ""),
    "rework_rounds": ("rework rounds per project", "每个项目补正轮数", "rounds", "轮"),
    "share_items_within_limit": ("share of items within limit", "在时限内办结的事项占比", "", ""),
    "signing_to_first_application_days": (
        "signing → first application",
        "签约→首次申报",
        "days",
        "天",
    ),
    "share_zero_trips": ("share with zero trips", "零跑动项目占比", "", ""),
    "mean_item_days": (
        "mean days per item (queue → decision)",
        "事项平均办理天数（排队→决定）",
        "days",
        "天",
    ),
}

#: What the summary sentences call each output.
PHRASES: dict[str, tuple[str, str]] = {
    "signing_to_start_days": ("from signing to construction start", "签约至开工的时间"),
    "land_to_start_days": ("from land to construction start", "供地至开工的时间"),
    "signing_to_production_days": ("from signing to production", "签约至投产的时间"),
    "trips": ("per project", "每个项目的跑动次数"),
    "rework_rounds": ("of rework per project", "每个项目的补正轮数"),
}

MILESTONE_WORDS: dict[str, tuple[str, str]] = {
    "land_obtained": ("land", "供地"),
    "construction_start": ("start", "开工"),
    "completed": ("completed", "竣工"),
    "accepted": ("accepted", "验收"),
    "production": ("production", "投产"),
}


def output_label(output: str, lang: Lang) -> str:
    """How an output is called in the report."""
    if output in OUTPUTS:
        return OUTPUTS[output][0 if lang == "en" else 1]
    return output


# -- targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One target of parameters.md and how a project is checked against it.

    ``check`` maps the project table to True/False per project, NaN where the
    project has not reached the milestones the target needs.
    """

    key: str
    en: str
    zh: str
    measure_en: str
    measure_zh: str
    source: str
    check: Callable[[pd.DataFrame], pd.Series]


def _within(columns: Sequence[str], limit: float) -> Callable[[pd.DataFrame], pd.Series]:
    def check(projects: pd.DataFrame) -> pd.Series:
        total = sum((projects[c] for c in columns), start=pd.Series(0.0, index=projects.index))
        known = projects[list(columns)].notna().all(axis=1)
        return (total <= limit + 1e-9).where(known)

    return check


def _trips_at_most_one(projects: pd.DataFrame) -> pd.Series:
    return (projects["trips"] <= 1).where(projects["finished"].astype(bool))


TARGETS: tuple[Target, ...] = (
    Target(
        "national_120wd",
        "National full process ≤ 120 working days (国办发〔2019〕11号)",
        "全国全流程 ≤ 120 个工作日（国办发〔2019〕11号）",
        "land → construction start + completion → acceptance, working days (construction excluded)",
        "供地→开工 + 竣工→验收，工作日（不含施工期）",
        "http://rb.lhrb.com.cn/html/2019-03/20/content_48383.htm",
        _within(("land_to_start_wd", "completion_to_acceptance_wd"), 120),
    ),
    Target(
        "zhejiang_90d",
        "Zhejiang '最多90天' full process ≤ 90 days",
        "浙江“最多90天”全流程 ≤ 90 天",
        "land → construction start + completion → acceptance, calendar days",
        "供地→开工 + 竣工→验收，日历天",
        "http://www.liao1.com/news/2019042716114.html",
        _within(("land_to_start_days", "completion_to_acceptance_days"), 90),
    ),
    Target(
        "zhejiang_prestart_100d",
        "Zhejiang pre-start ≤ 100 calendar days (赋码 → 施工许可)",
        "浙江开工前审批 ≤ 100 个日历天（赋码→施工许可）",
        "land → construction start, calendar days",
        "供地→开工，日历天",
        "http://english.zj.gov.cn/art/2018/12/29/art_5798_2300575.html",
        _within(("land_to_start_days",), 100),
    ),
    Target(
        "taizhou_prestart_30d",
        "Taizhou pre-start ≤ 30 days (标准地 + 承诺制)",
        "台州开工前审批 ≤ 30 天（标准地＋承诺制）",
        "land → construction start, calendar days (all project types)",
        "供地→开工，日历天（全部项目类型）",
        "http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
        _within(("land_to_start_days",), 30),
    ),
    Target(
        "at_most_one_trip",
        "At most one trip (最多跑一次)",
        "最多跑一次",
        "trips to government offices over the whole lifecycle, finished projects",
        "全生命周期跑政府部门次数，已投产项目",
        "http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
        _trips_at_most_one,
    ),
)


def target_shares(projects: pd.DataFrame) -> pd.DataFrame:
    """Per replication, the share of projects meeting each target (columns = target keys)."""
    if "replication" not in projects:
        projects = projects.assign(replication=0)
    rows = []
    for replication, group in projects.groupby("replication", sort=True):
        row: dict[str, float] = {"replication": float(replication)}
        for target in TARGETS:
            met = target.check(group).dropna()
            row[target.key] = float(met.mean()) if len(met) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


# -- loading ---------------------------------------------------------------------


@dataclass
class ScenarioResults:
    """The stored results of one scenario."""

    label: str
    folder: Path | None
    manifest: dict[str, Any]
    summary: pd.DataFrame
    projects: pd.DataFrame
    items: pd.DataFrame
    resources: pd.DataFrame
    events: pd.DataFrame | None = None
    scorecard: pd.DataFrame | None = None
    scenario: Scenario | None = None


@dataclass
class ReportData:
    """Everything a report shows; the first scenario is the baseline."""

    folder: Path
    scenarios: list[ScenarioResults]
    sweep: pd.DataFrame | None = None
    sweep_variants: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    attribution_total: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def read_table(folder: Path, stem: str) -> pd.DataFrame | None:
    """``stem.parquet`` or ``stem.csv`` from ``folder``, or None if neither exists."""
    parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    if parquet.is_file():
        return pd.read_parquet(parquet)
    if csv.is_file():
        return pd.read_csv(csv)
    return None


def _read_scenario(folder: Path) -> Scenario | None:
    path = folder / "scenario.json"
    if not path.is_file():
        return None
    try:
        return Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError):
        return None  # the report still renders; the assumptions section says why


def _load_one(folder: Path, scenario: Scenario | None) -> ScenarioResults:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = {
        name: read_table(folder, name) for name in ("summary", "projects", "items", "resources")
    }
    missing = [name for name, table in tables.items() if table is None]
    if missing:
        raise ReportError(f"{folder}: missing result tables: {', '.join(missing)}")
    return ScenarioResults(
        label=str(manifest.get("scenario") or folder.name),
        folder=folder,
        manifest=manifest,
        summary=tables["summary"],
        projects=tables["projects"],
        items=tables["items"],
        resources=tables["resources"],
        events=read_table(folder, "events"),
        scorecard=read_table(folder, "scorecard"),
        scenario=scenario or _read_scenario(folder),
    )


def load_results(
    results_dir: str | os.PathLike[str], scenarios: Mapping[str, Scenario] | None = None
) -> ReportData:
    """Read a results folder written by ``run`` or ``compare`` (and sweep/attribution tables).

    Args:
        results_dir: The folder given to ``--out``.
        scenarios: Validated scenarios by subfolder name (or scenario name), used
            instead of a stored ``scenario.json`` (``compare --report`` passes them).

    Raises:
        ReportError: The folder holds no results.

    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder of results")
    given = dict(scenarios or {})
    parts: list[ScenarioResults] = []
    if (folder / "manifest.json").is_file():
        scenario = given.get(folder.name) or (
            next(iter(given.values())) if len(given) == 1 else None
        )
        parts.append(_load_one(folder, scenario))
    else:
        subfolders = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
        for sub in subfolders:
            part = _load_one(sub, None)
            part.scenario = given.get(sub.name) or given.get(part.label) or part.scenario
            parts.append(part)
        order = read_table(folder, "comparison_kpis")
        if order is not None and "scenario" in order:
            rank = {name: k for k, name in enumerate(pd.unique(order["scenario"]))}
            parts.sort(
                key=lambda p: (rank.get(p.label, len(rank)), p.folder.name if p.folder else "")
            )
        labels = [p.label for p in parts]
        for part in parts:  # two runs of one scenario: tell them apart by folder
            if labels.count(part.label) > 1 and part.folder is not None:
                part.label = part.folder.name
    sweep = read_table(folder, "sweep")
    attribution = read_table(folder, "attribution")
    if not parts and sweep is None and attribution is None:
        raise ReportError(
            f"{folder} holds no results (no manifest.json here or in a subfolder); "
            "write some with 'approvalsim run ... --out' or 'approvalsim compare ... --out'"
        )
    return ReportData(
        folder=folder,
        scenarios=parts,
        sweep=sweep,
        sweep_variants=read_table(folder, "sweep_variants"),
        attribution=attribution,
        attribution_total=read_table(folder, "attribution_total"),
    )


# -- numbers in words ------------------------------------------------------------


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def _share(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.0f} %"


def _cell(output: str, mean: float, low: float, high: float) -> str:
    fmt = _share if output.startswith("share") else _num
    if output.startswith("share"):  # a t-interval can overshoot [0, 1]; a share cannot
        low, high = max(low, 0.0), min(high, 1.0)
    if not math.isfinite(low):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def _unit(output: str, lang: Lang) -> str:
    if output in OUTPUTS:
        return OUTPUTS[output][2 if lang == "en" else 3]
    return ""


def difference_sentence(
    scenario: str,
    baseline: str,
    output: str,
    difference: float,
    low: float,
    high: float,
    lang: Lang,
) -> str:
    """A paired difference in plain words, e.g. "parallel saves 41 days (95 % CI 37–45) ..."."""
    phrase_en, phrase_zh = PHRASES.get(
        output, (output_label(output, "en"), output_label(output, "zh"))
    )
    unit = _unit(output, lang)
    has_ci = math.isfinite(low) and math.isfinite(high)
    clear = has_ci and (low > 0 or high < 0)
    if has_ci and max(abs(low), abs(high), abs(difference)) < 1e-9:
        if lang == "zh":
            return f"与 {baseline} 相比，{scenario} 不改变{phrase_zh}（各次重复均相同）。"
        return (
            f"{scenario} does not change {output_label(output, 'en')} compared with {baseline} "
            "(identical in every replication)."
        )
    if lang == "zh":
        verb_less, verb_more = ("缩短", "延长") if output.endswith("_days") else ("减少", "增加")
        if not has_ci:
            return (
                f"与 {baseline} 相比，{scenario} 使{phrase_zh}{verb_less if difference < 0 else verb_more}"
                f" {_num(abs(difference))} {unit}（{TEXT['zh']['one_replication']}）。"
            )
        if clear and difference < 0:
            return (
                f"与 {baseline} 相比，{scenario} 使{phrase_zh}{verb_less} {_num(-difference)} {unit}"
                f"（95% 置信区间 {_num(-high)}–{_num(-low)} {unit}）。"
            )
        if clear:
            return (
                f"与 {baseline} 相比，{scenario} 使{phrase_zh}{verb_more} {_num(difference)} {unit}"
                f"（95% 置信区间 {_num(low)}–{_num(high)} {unit}）。"
            )
        return (
            f"与 {baseline} 相比，{scenario} 对{phrase_zh}没有明显影响（变化 {difference:+.1f} {unit}，"
            f"95% 置信区间 {_num(low)} 至 {_num(high)}）。"
        )
    if not has_ci:
        verb = "saves" if difference < 0 else "adds"
        return (
            f"{scenario} {verb} {_num(abs(difference))} {unit} {phrase_en} compared with "
            f"{baseline} ({TEXT['en']['one_replication']})."
        )
    if clear and difference < 0:
        return (
            f"{scenario} saves {_num(-difference)} {unit} (95 % CI {_num(-high)}–{_num(-low)}) "
            f"{phrase_en} compared with {baseline}."
        )
    if clear:
        return (
            f"{scenario} adds {_num(difference)} {unit} (95 % CI {_num(low)}–{_num(high)}) "
            f"{phrase_en} compared with {baseline}."
        )
    return (
        f"{scenario} makes no clear difference to {output_label(output, 'en')} compared with {baseline} "
        f"({difference:+.1f} {unit}, 95 % CI {_num(low)} to {_num(high)})."
    )


def scenario_sentence(label: str, kpis: pd.DataFrame, lang: Lang) -> str:
    """Each scenario's headline numbers in one sentence."""
    k = kpis.set_index("output")

    def part(output: str) -> str:
        if output not in k.index:
            return "—"
        row = k.loc[output]
        if output.startswith("share"):
            return _share(float(row["mean"]))
        if math.isfinite(float(row["ci_low"])):
            ci = f"{_num(float(row['ci_low']))}–{_num(float(row['ci_high']))}"
            return f"{_num(float(row['mean']))} ({ci})"
        return _num(float(row["mean"]))

    if lang == "zh":
        return (
            f"{label}：签约至开工平均 {part('signing_to_start_days')} 天，签约至投产平均 "
            f"{part('signing_to_production_days')} 天（括号内为 95% 置信区间）；每个项目平均跑动 "
            f"{part('trips')} 次，最多跑一次的项目占 {part('share_at_most_one_trip')}。"
        )
    return (
        f"{label}: on average {part('signing_to_start_days')} days from signing to construction "
        f"start and {part('signing_to_production_days')} days from signing to production (95 % CI "
        f"in brackets); {part('trips')} trips per project, and "
        f"{part('share_at_most_one_trip')} of projects make at most one trip."
    )


# -- assumptions -----------------------------------------------------------------


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
        group = groups.setdefault(owner, {"where": owner, "parameters": [], "source": source})
        group["parameters"].append(f"{name} = {_compact(value)}")

    def walk(node: dict[str, Any], path: str, covering: tuple[str, str | None]) -> None:
        if node.get("enabled") is False:
            return  # a switched-off mechanism: its parameters do not enter the run
        own = node.get("source")
        here = (path, own) if own else covering
        for key, value in node.items():
            if key == "source":
                continue
            child = f"{path}.{key}"
            if isinstance(value, dict) and value.get("kind") in _DISTRIBUTION_KINDS:
                note = value.get("source")
                owner, source = (child, note) if note else here
                add(owner, source, key if owner != child else "value", value)
            elif (
                isinstance(value, dict)
                and value
                and all(isinstance(v, dict) for v in value.values())
            ):
                for name, sub in value.items():  # a table of named objects
                    walk(sub, f"{child}.{name}", here)
            elif isinstance(value, dict) and value:
                walk(value, child, here)
            else:
                add(here[0], here[1], key, value)

    for key, value in data.items():
        if key in ("name", "description", "source", "run"):
            continue
        if isinstance(value, dict) and value.get("kind") in _DISTRIBUTION_KINDS:
            add(key, value.get("source"), "value", value)
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            for name, sub in value.items():
                walk(sub, f"{key}.{name}", (f"{key}.{name}", None))
        elif isinstance(value, dict):
            walk(value, key, (key, None))
        # top-level scalars are scenario switches, shown with the scenario
    rows = []
    for group in groups.values():
        rows.append({**group, "assumed": not group["source"]})
    return rows


def scenario_switches(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's top-level settings (approval mode, time limits, ...)."""
    data = scenario.model_dump(mode="json", by_alias=True)
    return [
        (key, _compact(value))
        for key, value in data.items()
        if key not in ("name", "description", "source") and not isinstance(value, dict)
    ]


# -- figures ---------------------------------------------------------------------


def _png(draw: Callable[[Any], Any], size: tuple[float, float]) -> str:
    """Draw on a fresh figure (not pyplot's global state) and return base64 PNG."""
    # Constrained layout makes room for labels and outside legends in one pass;
    # bbox_inches="tight" would draw every figure twice.
    figure = Figure(figsize=size, layout="constrained")
    ax = figure.subplots()
    draw(ax)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _stack(parts: Sequence[ScenarioResults], table: str) -> pd.DataFrame:
    frames = [
        getattr(p, table).assign(scenario=p.label) for p in parts if getattr(p, table) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _gantt_figures(parts: Sequence[ScenarioResults], lang: Lang) -> list[dict[str, Any]]:
    """The same typical project (picked in the baseline) under every scenario."""
    if not parts or parts[0].projects.empty:
        return []
    try:
        chosen = plots.typical_project(parts[0].projects)
    except ValueError:
        return []
    figures = []
    for part in parts:
        projects = part.projects
        same = projects[
            (projects["project_id"] == chosen["project_id"])
            & (projects.get("replication", 0) == chosen.get("replication", 0))
        ]
        if same.empty or pd.isna(same.iloc[0]["production_day"]):
            try:
                row = plots.typical_project(projects)
            except ValueError:
                continue
        else:
            row = same.iloc[0]
        segments = plots.project_timeline(row, part.items, part.events)
        if segments.empty:
            continue
        origin = float(row["signed_day"])
        milestones = {
            MILESTONE_WORDS[m][0 if lang == "en" else 1]: float(row[f"{m}_day"]) - origin
            for m in MILESTONE_WORDS
            if f"{m}_day" in row and pd.notna(row[f"{m}_day"])
        }
        rows = segments["row"].nunique()
        image = _png(
            functools.partial(plots.timeline, segments, lang=lang, milestones=milestones),
            (8.5, 1.2 + 0.3 * rows),
        )
        figures.append(
            {
                "scenario": part.label,
                "project": (
                    f"{row['project_type']} (#{int(row['project_id'])}, replication "
                    f"{int(row.get('replication', 0))})"
                    if lang == "en"
                    else f"{row['project_type']}（#{int(row['project_id'])}，第 "
                    f"{int(row.get('replication', 0))} 次重复）"
                ),
                "days": _num(float(row["signing_to_production_days"])),
                "image": image,
                "items_only": part.events is None or part.events.empty,
            }
        )
    return figures


def _waterfall_figure(data: ReportData, lang: Lang) -> dict[str, Any] | None:
    table = data.attribution
    if table is None or table.empty:
        return None
    label = next((c for c in ("factor", "mechanism", "step", "label") if c in table), None)
    value = next(
        (c for c in ("contribution", "days_saved", "difference", "value") if c in table), None
    )
    if label is None or value is None:
        return None
    output = "signing_to_start_days"
    if "output" in table:
        outputs = list(pd.unique(table["output"]))
        output = output if output in outputs else outputs[0]
        table = table[table["output"] == output]
    start = None
    total = data.attribution_total
    if total is not None and "baseline" in total:
        match = total[total["output"] == output] if "output" in total else total
        if len(match):
            start = float(match.iloc[0]["baseline"])
    steps = table.rename(columns={label: "label", value: "value"})
    image = _png(lambda ax: plots.waterfall(steps, ax, start=start, lang=lang), (8.5, 4.5))
    return {"output": output_label(output, lang), "image": image}


def _sweep_kpis(data: ReportData) -> tuple[pd.DataFrame, list[str]] | None:
    """Normalise a sweep table to KPI form: swept paths, output, mean, ci_low, ci_high."""
    table = data.sweep
    if table is None or table.empty:
        return None
    known = {
        "variant_id", "label", "replication", "output", "mean", "ci_low", "ci_high",
        "half_width", "n",
    }  # fmt: skip
    columns = list(table.columns)
    if data.sweep_variants is not None:
        paths = [c for c in data.sweep_variants.columns if c not in ("variant_id", "label")]
    elif "variant_id" in columns and "replication" in columns:
        # model.experiments.sweep writes variant_id, the swept paths, replication, outputs.
        paths = columns[columns.index("variant_id") + 1 : columns.index("replication")]
    else:
        paths = [c for c in columns if "." in c and c not in known]
    if not paths:
        return None
    if {"output", "mean"} <= set(table.columns):
        return table, paths
    outputs = [c for c in KEY_OUTPUTS if c in table]
    frames = []
    for keys, group in table.groupby(paths, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        kpis = kpi_table(group, outputs)
        for path, key in zip(paths, keys, strict=True):
            kpis[path] = key
        frames.append(kpis)
    return pd.concat(frames, ignore_index=True), paths


def _sweep_figures(data: ReportData, lang: Lang) -> list[dict[str, Any]]:
    normal = _sweep_kpis(data)
    if normal is None:
        return []
    kpis, paths = normal
    x_path = paths[0]
    if not pd.api.types.is_numeric_dtype(kpis[x_path]):
        return []
    by = paths[1] if len(paths) > 1 else None
    figures = []
    for output in ("signing_to_start_days", "signing_to_production_days", "trips"):
        part = kpis[kpis["output"] == output]
        if part.empty:
            continue
        frame = part.rename(columns={x_path: "value"})
        draw = functools.partial(
            plots.staffing_curve,
            frame,
            x="value",
            by=by,
            ylabel=output_label(output, lang),
            lang=lang,
        )
        image = _png(draw, (7.0, 4.0))
        figures.append({"output": output_label(output, lang), "x": x_path, "image": image})
    return figures


def _scorecard(part: ScenarioResults) -> pd.DataFrame:
    if part.scorecard is not None:
        return part.scorecard
    function = getattr(metrics, "scorecard", None)
    if function is not None and "kind" in part.resources:
        try:
            card: pd.DataFrame = function(part.items, part.resources)
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


def _table(frame: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as header + rows of display strings (escaped later by Jinja)."""
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            if isinstance(value, float):
                cells.append(
                    _share(value) if "share" in column or "utilisation" in column else _num(value)
                )
            else:
                cells.append(str(value))
        rows.append(cells)
    return {"header": [str(c) for c in frame.columns], "rows": rows}


# -- assembling ------------------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("approvalsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def report_context(data: ReportData, lang: Lang) -> dict[str, Any]:
    """Everything the template needs, as plain strings, numbers and base64 images."""
    text = TEXT[lang]
    parts = data.scenarios
    context: dict[str, Any] = {
        "lang": lang,
        "t": text,
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
    }
    with mpl.rc_context(fonts.cjk_rc()):  # type: ignore[arg-type]  # keys are plain str
        context["waterfall"] = _waterfall_figure(data, lang)
        context["sweep"] = _sweep_figures(data, lang)
        if parts:
            _scenario_sections(context, parts, lang)
    return context


def _scenario_sections(context: dict[str, Any], parts: list[ScenarioResults], lang: Lang) -> None:
    text = TEXT[lang]
    outputs = [o for o in KEY_OUTPUTS if all(o in p.summary for p in parts)]
    kpis = {p.label: kpi_table(p.summary, outputs) for p in parts}
    base = parts[0]
    for k, part in enumerate(parts):
        scenario = part.scenario
        context["scenarios"].append(
            {
                "label": part.label,
                "baseline": k == 0,
                "description": scenario.description if scenario else "",
                "switches": scenario_switches(scenario) if scenario else [],
            }
        )
        context["sentences"].append(scenario_sentence(part.label, kpis[part.label], lang))
    context["kpi_table"] = {
        "header": [text["output"], *[p.label for p in parts]],
        "rows": [
            [
                output_label(o, lang),
                *[
                    _cell(
                        o, *kpis[p.label].set_index("output").loc[o, ["mean", "ci_low", "ci_high"]]
                    )
                    for p in parts
                ],
            ]
            for o in outputs
        ],
    }
    if len(parts) > 1:
        diff_rows = {o: [output_label(o, lang)] for o in outputs}
        differences = []
        for part in parts[1:]:
            table = paired_differences(base.summary, part.summary, outputs).set_index("output")
            for o in outputs:
                d = table.loc[o]
                mark = " *" if bool(d["significant"]) else ""
                diff_rows[o].append(_cell(o, d["difference"], d["ci_low"], d["ci_high"]) + mark)
            differences.append(
                [
                    difference_sentence(
                        part.label, base.label, o, float(table.loc[o, "difference"]),
                        float(table.loc[o, "ci_low"]), float(table.loc[o, "ci_high"]), lang,
                    )
                    for o in SENTENCE_OUTPUTS
                    if o in table.index
                ]
            )  # fmt: skip
        context["difference_table"] = {
            "header": [text["output"], *[f"{p.label} − {base.label}" for p in parts[1:]]],
            "rows": list(diff_rows.values()),
        }
        context["difference_sentences"] = differences

    shares = {p.label: target_shares(p.projects) for p in parts}
    for target in TARGETS:
        cells = []
        for part in parts:
            mean, half = confidence_interval(shares[part.label][target.key].to_numpy(float))
            cells.append(_cell("share", mean, mean - half, mean + half))
        context["targets"].append(
            {
                "label": target.en if lang == "en" else target.zh,
                "measure": target.measure_en if lang == "en" else target.measure_zh,
                "source": target.source,
                "cells": cells,
            }
        )

    projects = _stack(parts, "projects")
    resources = _stack(parts, "resources")
    figures = context["figures"]
    figures["ecdf"] = _png(lambda ax: plots.ecdf(projects, ax, lang=lang), (7.5, 4.2))
    figures["stages"] = _png(
        lambda ax: plots.stage_times(projects, ax, lang=lang), (8.0, 1.6 + 0.6 * len(parts))
    )
    figures["trips"] = _png(
        lambda ax: plots.trips(projects, ax, lang=lang), (7.5, 1.2 + 0.6 * len(parts))
    )
    if not resources.empty:
        figures["utilisation"] = _png(
            lambda ax: plots.utilisation(resources, ax, lang=lang),
            (7.5, 1.0 + 0.3 * resources["resource"].nunique() * max(1, len(parts)) ** 0.5),
        )
    context["gantt"] = _gantt_figures(parts, lang)
    for part in parts:
        context["scorecards"].append({"scenario": part.label, "table": _table(_scorecard(part))})
        m = part.manifest
        context["provenance"].append(
            {
                "scenario": part.label,
                "folder": str(part.folder.name if part.folder else ""),
                "version": str(m.get("version", "unknown")),
                "scenario_hash": str(m.get("scenario_hash", "")),
                "seed": str(m.get("seed", "")),
                "replications": str(m.get("replications", len(part.summary))),
                "created": str(m.get("created", "")),
            }
        )
        context["notes"].extend(
            str(n) for n in m.get("notes", []) if str(n) not in context["notes"]
        )
        if part.scenario is not None:
            rows = assumption_rows(part.scenario)
            context["assumptions"].append(
                {
                    "scenario": part.label,
                    "rows": rows,
                    "flagged": sum(1 for r in rows if r["assumed"]),
                    "total": len(rows),
                    "available": True,
                }
            )
        else:
            context["assumptions"].append({"scenario": part.label, "available": False, "rows": []})


# -- fonts for the page ------------------------------------------------------------


def font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding the CJK font, subset to the characters of ``text``.

    Returns an empty string when the font is unavailable (the page then relies
    on the reader's fonts). Subsetting keeps the page small: a report uses a
    few hundred distinct characters out of the font's 65,000 glyphs.
    """
    path = fonts.cjk_font_path()
    if path is None:
        return ""
    from fontTools import subset  # noqa: PLC0415 - only needed when writing a page

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence names (OFL)
    options.notdef_outline = True
    # No OpenType layout features: horizontal Chinese needs none, and keeping
    # them would more than double the embedded subset.
    options.layout_features = []
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    characters = {c for c in text if ord(c) >= 32} | {chr(c) for c in range(32, 127)}
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"@font-face {{ font-family: '{PAGE_FONT}'; "
        f"src: url(data:font/otf;base64,{data}) format('opentype'); }}"
    )


def _environment() -> jinja2.Environment:
    # Autoescape on for every template: scenario strings are data, never markup.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("model.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ReportData, lang: Lang = "zh") -> str:
    """The report as one self-contained HTML string."""
    if lang not in TEXT:
        raise ReportError(f"unknown language {lang!r}; use one of: {', '.join(TEXT)}")
    context = report_context(data, lang)
    template = _environment().get_template("report.html.j2")
    # Render once to learn which characters the page uses, then embed the font
    # subset that covers them (the font CSS itself adds no new characters).
    draft = template.render(**context, font_css=Markup(""), page_font=PAGE_FONT)
    return template.render(**context, font_css=Markup(font_face(draft)), page_font=PAGE_FONT)


def html_to_pdf(html: str, target: Path) -> str:
    """Print the HTML to PDF; returns the engine used ("weasyprint" or "chromium").

    Raises:
        ReportError: Neither WeasyPrint (with its Pango library) nor Chromium is available.

    """
    try:
        import weasyprint  # noqa: PLC0415 - optional at run time (needs Pango)
    except (ImportError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    else:
        weasyprint.HTML(string=html, base_url=str(target.parent)).write_pdf(str(target))
        return "weasyprint"
    browser = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if browser is None:
        raise ReportError(
            f"cannot write PDF: WeasyPrint is not usable ({reason}) and no Chromium was found; "
            "install Pango (Linux: your distribution's pango package) or Chromium, or use --format html"
        )
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "report.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [*chromium_command(browser, Path(scratch) / "profile"), f"--print-to-pdf={target}",
             "--no-pdf-header-footer", page.as_uri()],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    return "chromium"


def chromium_command(browser: str, profile: Path) -> list[str]:
    """Headless Chromium with no network chatter and a throw-away profile."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]


def default_report_path(results_dir: str | os.PathLike[str], lang: Lang, fmt: Format) -> Path:
    """Where a report goes when no ``--out`` is given: ``RESULTS_DIR/report-<lang>.<fmt>``."""
    return Path(results_dir) / f"report-{lang}.{fmt}"


def write_report(
    results_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    lang: Lang = "zh",
    fmt: Format = "html",
    scenarios: Mapping[str, Scenario] | None = None,
    overwrite: bool = False,
) -> Path:
    """Build the report of a results folder and write it to ``out``.

    Args:
        results_dir: Folder written by ``run``/``compare`` (``--out``).
        out: Target file, taken as given; default ``RESULTS_DIR/report-<lang>.<fmt>``.
        lang: ``zh`` or ``en``.
        fmt: ``html`` or ``pdf``.
        scenarios: Validated scenarios by folder or scenario name, when the
            folder does not store them.
        overwrite: Replace an existing file.

    Returns:
        The path written.

    Raises:
        ReportError: The folder holds no results, or PDF cannot be made.
        OutputExistsError: ``out`` exists and ``overwrite`` is off.

    """
    if fmt not in ("html", "pdf"):
        raise ReportError(f"unknown format {fmt!r}; use html or pdf")
    target = Path(out) if out is not None else default_report_path(results_dir, lang, fmt)
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target} already exists; pass --force to replace it or choose another --out"
        )
    data = load_results(results_dir, scenarios)
    html = render_html(data, lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".partial")
    if fmt == "html":
        temporary.write_text(html, encoding="utf-8")
    else:
        html_to_pdf(html, temporary)
    os.replace(temporary, target)
    return target


__all__ = [
    "TARGETS",
    "ReportData",
    "ReportError",
    "ScenarioResults",
    "assumption_rows",
    "difference_sentence",
    "load_results",
    "render_html",
    "target_shares",
    "write_report",
]
