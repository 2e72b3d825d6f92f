"""The report's wording, in English and Chinese.

Headings, notes and captions of the page (:data:`TEXT`), what the summary
sentences call each output (:data:`PHRASES`) and the milestones drawn on a
project's timeline (:data:`MILESTONE_WORDS`). Output labels and units are not
here: they come from the shared registry, :mod:`model.analysis.outputs`, and the
policy targets' wording from :mod:`model.analysis.targets`.
"""

from __future__ import annotations

from model.analysis.outputs import Lang

#: Every string of the page, by language and key (the template reads ``t.<key>``).
TEXT: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "Investment-project approval: simulation report",
        "brief": "Brief",
        "clock": "clock",
        "clock_enterprise": "enterprise, elapsed",
        "clock_government": "government",
        "brief_chart": "Where the time goes: mean days per phase",
        "brief_outputs": "Key outputs on both clocks (mean and 95 % CI over replications)",
        "land_to_start_note": (
            "拿地即开工: of the projects on newly supplied land that started construction, the "
            "share that started within {days} working days of obtaining the land (Zhejiang "
            "counties hand the permits over with the land contract or within a few working "
            "days; {days} days is an estimate [E]). Projects on their own land are not "
            "counted; — means no project qualified."
        ),
        "brief_targets": "Targets: share of projects that meet each",
        "brief_mechanisms_attribution": (
            "The three biggest mechanisms (attribution, {output}, days)"
        ),
        "brief_mechanisms_steps": (
            "The three biggest steps between scenarios ({output}, paired difference in days; "
            "the folder has no attribution)"
        ),
        "brief_assumptions": "Main assumptions and how sure they are",
        "assumptions_counted": (
            "{scenario}: {total} groups of parameters, grouped by the source note that covers "
            "them; {counts}. "
            "The full list is in the appendix."
        ),
        "count_E": "estimates [E]: {n} ({share} %)",
        "count_R": "statutes quoted from memory [R]: {n}",
        "count_N": "news reports of official figures [N]: {n}",
        "count_P": "official texts [P]: {n}",
        "count_untagged": "notes without a tag: {n}",
        "count_none": "no source at all: {n}",
        "certainty": "how sure",
        "details": "Details",
        "appendix": "Appendix: every assumption and its source",
        "changes_only": "parameters that differ from the baseline",
        "generated": "Generated",
        "contents": "Contents",
        "summary": "Executive summary",
        "scenarios": "Scenarios",
        "baseline": "baseline",
        "key_outputs": "Key outputs (mean and 95 % confidence interval over replications)",
        "clocks_note": (
            "Two clocks. Signing → start and the other phases are the enterprise's elapsed "
            "days: its own preparation, corrections, intermediaries, expert review and idle "
            "time included. The government clock is the time a government office holds the "
            "file (in-tray, queues, the case officer's touch hours, the chief's and leader's "
            "sign-off, meeting waits), from project filing (赋码), with parallel items counted "
            "once; this is what the official targets count. For example, a permit returned "
            "after one working day and corrected by the enterprise in four days, then "
            "reviewed again in one, has two working days on the government clock and four "
            "days on the enterprise's."
        ),
        "differences": (
            "Paired difference from the baseline (95 % CI; * = the interval excludes zero)"
        ),
        "output": "output",
        "targets": "Targets",
        "targets_intro": (
            "Share of projects that meet each target of the reform documents, mean over "
            "replications with 95 % CI. Each target is measured on its own clock: the "
            "government clock, the time a government office holds the file, from project "
            "filing (赋码) to the target's end; the enterprise's own preparation and "
            "corrections, intermediaries and expert review or public notice do not count. "
            "The enterprise's elapsed days (signing → start and so on) are in the key outputs "
            "above. Each approval item's government time is compared with its limit in "
            "'share of items within limit'."
        ),
        "target": "target",
        "measured_as": "measured as",
        "figures": "Figures",
        "fig_ecdf": "Signing to production: distribution over projects",
        "fig_ecdf_note": (
            "Share of projects (all replications pooled) that reached production within x "
            "calendar days of signing."
        ),
        "fig_stages": "Where the time goes: mean days per phase",
        "fig_gantt": "One typical project",
        "fig_gantt_note": (
            "The median project of the most common type (by signing to production in the "
            "baseline); the same project, with the same draws, under each scenario."
        ),
        "fig_gantt_items_only": (
            "Event log not stored: waiting is shown, the rest of each item's time is one block."
        ),
        "fig_trips": "Trips per project",
        "fig_trips_note": (
            "Box: quartiles; triangle: mean; dashed line: the target of at most one trip."
        ),
        "fig_utilisation": "Utilisation of departments and other pools",
        "scorecard": "Department scorecard",
        "fig_waterfall": "Days saved per mechanism (attribution)",
        "fig_waterfall_note": (
            "Shapley attribution of the reform's effect; bars below zero are savings."
        ),
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
        "parameters_groups": "groups of parameters",
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
        "brief": "要点",
        "clock": "口径",
        "clock_enterprise": "企业经历",
        "clock_government": "政府用时",
        "brief_chart": "时间花在哪里：各阶段平均天数",
        "brief_outputs": "主要结果：企业经历与政府用时两种口径（均值及 95% 置信区间）",
        "land_to_start_note": (
            "拿地即开工：在新供地且已开工的项目中，供地后 {days} 个工作日内开工的项目占比"
            "（浙江各地随土地出让合同或在其后几个工作日内交付许可；{days} 个工作日为估计值 [E]）。"
            "使用自有土地的项目不计入；“—”表示没有符合条件的项目。"
        ),
        "brief_targets": "目标达成：达到各项目标的项目占比",
        "brief_mechanisms_attribution": "作用最大的三项机制（贡献分解，{output}，天）",
        "brief_mechanisms_steps": (
            "变化最大的三个改革步骤（{output}，配对差值，天；此文件夹没有贡献分解）"
        ),
        "brief_assumptions": "主要假设及其把握程度",
        "assumptions_counted": (
            "{scenario}：共 {total} 组参数（按所依据的来源说明分组）；{counts}。全部假设见附录。"
        ),
        "count_E": "估计 [E] {n} 组（{share}%）",
        "count_R": "凭记忆引用的法规 [R] {n} 组",
        "count_N": "新闻报道的官方数字 [N] {n} 组",
        "count_P": "官方文件 [P] {n} 组",
        "count_untagged": "有说明、未标注类别 {n} 组",
        "count_none": "无来源 {n} 组",
        "certainty": "把握程度",
        "details": "详细结果",
        "appendix": "附录：全部假设与来源",
        "changes_only": "与基准情景不同的参数",
        "generated": "生成时间",
        "contents": "目录",
        "summary": "摘要",
        "scenarios": "情景",
        "baseline": "基准",
        "key_outputs": "主要结果（各次重复的均值及 95% 置信区间）",
        "clocks_note": (
            "两种口径。签约→开工等各阶段为企业经历的天数，含企业自身准备、补正、中介服务、"
            "专家评审及空档时间。政府用时是政府部门持有材料的时间（待办、排队、承办人实际办理、"
            "审核与签发、等待会议），自赋码起计，并联事项只计一次，即官方目标所计的时间。"
            "例如：一项许可办理一个工作日后退回，企业用四天补正，再审一个工作日，"
            "则政府用时为两个工作日，企业用时为四天。"
        ),
        "differences": "与基准情景的配对差值（95% 置信区间；* 表示区间不含零）",
        "output": "指标",
        "targets": "目标达成情况",
        "targets_intro": (
            "达到各项改革目标的项目占比，为各次重复的均值及 95% 置信区间。"
            "每项目标按其自身口径计算：政府用时，即政府部门持有材料的时间，自赋码起至该目标的终点；"
            "企业自身准备和补正、中介服务以及专家评审、公示期间不计入。"
            "企业口径的经历天数（签约→开工等）见上表关键指标。"
            "各审批事项的政府用时与其办理时限的比较见“在时限内办结的事项占比”。"
        ),
        "target": "目标",
        "measured_as": "计算口径",
        "figures": "图表",
        "fig_ecdf": "签约至投产：项目分布",
        "fig_ecdf_note": "在签约后 x 个日历天内投产的项目占比（合并所有重复）。",
        "fig_stages": "时间花在哪里：各阶段平均天数",
        "fig_gantt": "一个典型项目",
        "fig_gantt_note": (
            "基准情景中最常见项目类型的中位数项目（按签约至投产时长）；"
            "各情景下为同一项目、同一组随机数。"
        ),
        "fig_gantt_items_only": "未保存事件日志：图中显示排队等待，每个事项的其余时间合为一段。",
        "fig_trips": "每个项目的跑动次数",
        "fig_trips_note": "箱体：四分位数；三角：均值；虚线：“最多跑一次”目标。",
        "fig_utilisation": "各部门及其他资源的利用率",
        "scorecard": "部门评价表",
        "fig_waterfall": "各项机制节省的天数（贡献分解）",
        "fig_waterfall_note": "改革效果的 Shapley 分解；低于零的柱为节省。",
        "fig_sweep": "人员配置曲线（参数扫描）",
        "assumptions": "假设与来源",
        "assumptions_intro": (
            "各情景的每个参数及其来源说明。参数本身及其所属对象都没有来源说明的，标为假设。"
        ),
        "assumption": "假设：无来源",
        "flagged": "标为假设",
        "parameters": "参数",
        "parameters_groups": "组参数",
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

#: What the summary sentences call each output.
PHRASES: dict[str, tuple[str, str]] = {
    "signing_to_start_days": ("from signing to construction start", "签约至开工的时间"),
    "land_to_start_days": ("from land to construction start", "供地至开工的时间"),
    "signing_to_production_days": ("from signing to production", "签约至投产的时间"),
    "trips": ("per project", "每个项目的跑动次数"),
    "rework_rounds": ("of rework per project", "每个项目的补正轮数"),
}

#: Milestones of the project table (``<name>_day`` columns) and their words.
MILESTONE_WORDS: dict[str, tuple[str, str]] = {
    "land_obtained": ("land", "供地"),
    "construction_start": ("start", "开工"),
    "completed": ("completed", "竣工"),
    "accepted": ("accepted", "验收"),
    "production": ("production", "投产"),
}


def text(lang: Lang) -> dict[str, str]:
    """The page's strings in ``lang``."""
    return TEXT[lang]


def phrase(output: str, lang: Lang) -> str | None:
    """What the summary sentences call ``output`` in ``lang``, or None for its label."""
    if output not in PHRASES:
        return None
    return PHRASES[output][0 if lang == "en" else 1]


def milestone(name: str, lang: Lang) -> str:
    """A milestone's word on the timeline (``construction_start`` → "start" / "开工")."""
    return MILESTONE_WORDS[name][0 if lang == "en" else 1]
