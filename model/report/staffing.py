"""The staffing report: a ``plan-staff --out`` folder as one page a bureau chief can act on.

It reads what :mod:`model.outputs.staff_plans` wrote (``plan.json`` and the
plan's tables) and says, in Chinese or English: whether the target is met, the
people to add or move per pool, what one more person would save where (with
its 95 % interval), the bottleneck, and how the search decided. The page
embeds its font subset like the results report and prints to PDF the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from markupsafe import Markup

from model.analysis.outputs import Lang, format_number
from model.files import write_atomic
from model.outputs.fonts import PAGE_FONT, font_face
from model.outputs.staff_plans import PLAN_FILE, read_staff_plan
from model.report.render import html_to_pdf, template_environment

#: The page's words.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Staffing plan",
        "met": "The plan meets the target",
        "not_met": "The target is not met",
        "infeasible": "Staffing alone cannot meet the target: even with ample staff everywhere "
        "it is {bound}. The plan adds only the people the utilisation ceiling needs.",
        "statistics": "Target statistic: {start} with today's staff, {plan} under the plan, "
        "{bound} with ample staff everywhere.",
        "changes": "Changes to today's staff",
        "no_changes": "No change to today's staff is needed.",
        "pools": "Every pool",
        "pool": "pool",
        "now": "now",
        "plan": "plan",
        "change": "change",
        "load": "Erlang load (people)",
        "utilisation": "utilisation under the plan",
        "marginal": "What one more person would save",
        "saved": "saved",
        "ci": "95 % interval",
        "erlang": "Erlang C: wait saved per file (working days)",
        "bottleneck": "Bottleneck: {level}.",
        "search": "How the plan was found",
        "step": "step",
        "action": "decision",
        "statistic": "statistic",
        "rules": "The plan starts from today's staff, raises any pool expected busier than "
        "{ceiling} utilisation, adds people only while the target is missed, and removes "
        "people only when the target still holds, no pool goes over the ceiling and no "
        "other key output gets worse than today.",
        "worse": "Worse than today (allowed by --allow-worse): {names}.",
        "over": "Still over the ceiling: {names}.",
        "meeting_note": "A meeting row is what deciding without waiting for a sitting would "
        "save: an upper bound for any change of the meeting calendar.",
    },
    "zh": {
        "title": "人员配置方案",
        "met": "方案达到目标",
        "not_met": "未达到目标",
        "infeasible": "仅靠增加人员无法达到目标：即使各部门人员充足，该指标仍为 {bound}。"
        "方案仅补足利用率上限所需的人员。",
        "statistics": "目标指标：现有人员下为 {start}，方案下为 {plan}，人员充足时为 {bound}。",
        "changes": "相对现有人员的调整",
        "no_changes": "现有人员无需调整。",
        "pools": "全部岗位",
        "pool": "岗位",
        "now": "现有",
        "plan": "方案",
        "change": "调整",
        "load": "Erlang 负荷（人）",
        "utilisation": "方案下利用率",
        "marginal": "每增加一人可节省的时间",
        "saved": "节省",
        "ci": "95% 置信区间",
        "erlang": "Erlang C：每件减少等待（工作日）",
        "bottleneck": "瓶颈：{level}。",
        "search": "方案的求解过程",
        "step": "步骤",
        "action": "决策",
        "statistic": "指标",
        "rules": "方案从现有人员出发：预计利用率超过 {ceiling} 的岗位先补足；"
        "仅在未达目标时增加人员；只有在目标仍满足、各岗位不超过利用率上限、"
        "且其他关键指标不比现状差时才减少人员。",
        "worse": "比现状差的指标（因 --allow-worse 而允许）：{names}。",
        "over": "仍超过利用率上限：{names}。",
        "meeting_note": "会议一行表示无需等待会期即可决定时可节省的时间，"
        "是调整会议频次所能节省时间的上限。",
    },
}


def _number(value: Any) -> str:
    """A table number (``—`` when missing), read from JSON or a table cell."""
    return format_number(None if value is None else float(value))


def _level(pool: str, lang: Lang) -> str:
    """A pool's name as shown: pools as named, a meeting row as its department's meeting."""
    if pool.startswith("meeting:"):
        department = pool.removeprefix("meeting:")
        return f"{department} 会议" if lang == "zh" else f"meeting calendar of {department}"
    return pool


def staffing_context(folder: Path, lang: Lang) -> dict[str, Any]:
    """What the template shows, from the plan folder."""
    record, tables = read_staff_plan(folder)
    words = WORDS[lang]
    pools = tables["plan_pools"]
    marginal = tables["plan_marginal"]
    changed = pools[pools["planned"] != pools["current"]]

    def pool_row(r: Any) -> list[str]:
        change = int(r.planned) - int(r.current)
        return [
            _level(str(r.pool), lang),
            str(int(r.current)),
            str(int(r.planned)),
            f"{change:+d}" if change else "",
            _number(r.offered_load),
            _number(r.utilisation),
        ]

    simulated = marginal[marginal["saved"].notna()].sort_values("saved", ascending=False)
    headline = words["met"] if record["met"] else words["not_met"]
    return {
        "lang": lang,
        "w": words,
        "scenario": record["scenario"],
        "target": record["target"],
        "headline": headline,
        "infeasible": None
        if record["feasible"]
        else words["infeasible"].format(bound=_number(record["bound_statistic"])),
        "statistics": words["statistics"].format(
            start=_number(record["start_statistic"]),
            plan=_number(record["statistic"]),
            bound=_number(record["bound_statistic"]),
        ),
        "bottleneck": words["bottleneck"].format(level=record["bottleneck_level"]),
        "rules": words["rules"].format(ceiling=f"{record['max_utilisation']:.0%}"),
        "worse": words["worse"].format(names=", ".join(record["worse_than_start"]))
        if record["worse_than_start"]
        else None,
        "over": words["over"].format(names=", ".join(record["over_ceiling"]))
        if record["over_ceiling"]
        else None,
        "changes": [pool_row(r) for r in changed.itertuples(index=False)],
        "pools": [pool_row(r) for r in pools.itertuples(index=False)],
        "marginal": [
            [
                _level(str(r.pool), lang),
                _number(r.saved),
                f"[{_number(r.saved_low)}, {_number(r.saved_high)}]",
                _number(r.erlang_wait_saved_wd),
            ]
            for r in simulated.itertuples(index=False)
        ],
        "steps": [
            [
                str(r.step),
                str(r.action),
                str(r.pool) if isinstance(r.pool, str) else "",
                _number(r.statistic),
            ]
            for r in tables["plan_steps"].itertuples(index=False)
        ],  # fmt: skip
    }


def is_staff_plan(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` holds a staffing plan (``plan-staff --out``)."""
    return (Path(folder) / PLAN_FILE).is_file()


def render_staffing_html(folder: str | os.PathLike[str], lang: Lang = "zh") -> str:
    """The staffing report of ``folder`` as one self-contained HTML string."""
    template = template_environment().get_template("staffing.html.j2")
    context = staffing_context(Path(folder), lang)
    draft = template.render(**context, font_css=Markup(""), page_font=PAGE_FONT)
    return template.render(**context, font_css=Markup(font_face(draft)), page_font=PAGE_FONT)


def write_staffing_report(
    folder: str | os.PathLike[str], target: Path, lang: Lang = "zh", pdf: bool = False
) -> Path:
    """Write the staffing report of ``folder`` to ``target`` (HTML, or PDF when ``pdf``)."""
    html = render_staffing_html(folder, lang)
    if pdf:
        html_to_pdf(html, target)
    else:
        write_atomic(target, html)
    return target
