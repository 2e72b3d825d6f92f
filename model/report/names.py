"""What the report calls things: scenarios, items, departments, pools, mechanisms and settings.

A Chinese report never shows a raw key such as ``land_pre_review``: each name
comes from the scenario's own ``label_zh`` (items, project types, departments,
sign-off levels, the scenario itself) or, for the fixed vocabulary of the model
(mechanisms, the mechanisms' pools, top-level settings, parameter fields), from
the tables below. An English report shows the keys as written in the scenario
file, with mechanism and setting keys spelt out in words.

:class:`Names` is built once per report from the scenarios compared; every
section and figure asks it for display names, so a name is decided in one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from model.analysis.outputs import Lang
from model.scenario.schema import Scenario

#: The eighteen mechanisms of the Xianju notice (and the reform switches an attribution
#: names), in English and Chinese.
MECHANISM_WORDS: dict[str, tuple[str, str]] = {
    "landing_service": ("landing service at signing", "签约即落地"),
    "first_contact_responsibility": ("first-contact responsibility", "首问即责任"),
    "commitment_approval": ("accepted on commitment, handled at once", "承诺即办结"),
    "notification_commitment": ("approval on notified commitment", "告知承诺"),
    "one_industry_one_license": ("one industry, one licence", "准入即准营（一业一证）"),
    "joint_acceptance": ("joint acceptance", "联合验收"),
    "combined_survey": ("combined survey", "多测合一"),
    "production_prep_overlap": ("production preparation during acceptance", "验收期间生产准备"),
    "online": ("online applications", "网上办"),
    "onsite_service": ("on-site service", "上门办"),
    "conditional_acceptance": ("conditional acceptance", "容缺办"),
    "agents": ("free agents", "代理办"),
    "time_limited_feedback": ("time-limited feedback", "限时反馈"),
    "service_team": ("service team (chain leader)", "一个链长负责"),
    "process_map": ("process map", "一张蓝图导引"),
    "checklist_notice": ("one checklist", "一张表格告知"),
    "one_window": ("one comprehensive window", "一个窗口办理"),
    "monitoring_system": ("monitoring platform", "一个系统审批"),
    "performance_review": ("performance review", "一套机制运行"),
    "approval_mode": ("parallel approval", "并联审批"),
    "simulated_approval": ("simulated approval", "模拟审批"),
    "simulated_approval_options": ("simulated approval options", "模拟审批参数"),
    "time_limits": ("committed time limits", "承诺时限"),
}

#: Pools that are not departments (the mechanisms' own staff).
POOL_WORDS: dict[str, tuple[str, str]] = {
    "window": ("comprehensive window", "综合窗口"),
    "onsite_teams": ("on-site teams", "上门服务小组"),
    "agents": ("agents", "代办员"),
}

#: Sign-off levels without a ``label_zh`` of their own.
LEVEL_WORDS: dict[str, str] = {"chief": "审核", "leader": "签发", "officer": "承办"}

#: Top-level scenario settings and their values, in Chinese.
SETTING_WORDS: dict[str, str] = {
    "approval_mode": "审批方式",
    "serial": "串联",
    "parallel": "并联",
    "simulated_approval": "模拟审批",
    "time_limits": "办理时限",
    "statutory": "法定时限",
    "committed": "承诺时限",
    "pipeline": "在途项目",
}

#: Sections of a scenario (the first part of an assumption's location), in Chinese.
SECTION_WORDS: dict[str, str] = {
    "departments": "部门",
    "items": "事项",
    "project_types": "项目类型",
    "mechanisms": "机制",
    "arrivals": "项目签约",
    "government": "政府工作方式",
    "enterprise": "企业一方",
    "handoff_days": "签约后交接天数",
    "intake_wd": "窗口受理工作日",
    "calendar": "工作日历",
    "simulated_approval_options": "模拟审批参数",
    "pipeline": "在途项目",
}

#: Parameter fields in Chinese (their unit comes from the field's name, see :func:`unit_of`).
FIELD_WORDS: dict[str, str] = {
    "value": "取值",
    "staff": "承办人数",
    "staff_changes": "人员调整",
    "queue": "排队规则",
    "signoff": "审核签发",
    "meetings": "会议",
    "background": "其他业务",
    "rate_per_year": "每年件数",
    "hours": "每件小时数",
    "every": "周期",
    "weekday": "星期",
    "day": "日期",
    "department": "所属部门",
    "stage": "阶段",
    "work_hours": "承办人办理小时",
    "effort_wd": "承办人办理工作日",
    "starts_official_clock": "启动政府用时",
    "at_meeting": "上会决定",
    "elapsed_days": "专家评审／公示天数",
    "statutory_limit_wd": "法定时限",
    "committed_limit_wd": "承诺时限",
    "preparation_days": "企业准备天数",
    "intermediary_days": "选择中介天数",
    "prerequisites": "前置事项",
    "deficiency_probability": "首次申报材料不全概率",
    "resubmission_deficiency_probability": "补正后仍不全概率",
    "fix_days": "企业补正天数",
    "rework_effort_fraction": "补正复审工作量占比",
    "conversion_wd": "转正式批复工作日",
    "simulatable": "可模拟审批",
    "tolerable": "可容缺受理",
    "online_eligible": "可网上申报",
    "commitment_eligible": "可承诺审批",
    "share": "占比",
    "items": "所需事项",
    "land": "用地",
    "construction_days": "施工天数",
    "production_prep_days": "生产准备天数",
    "kind": "方式",
    "poisson": "泊松到达",
    "hours_per_day": "每个工作日小时数",
    "pace": "待办时间（占时限比例）",
    "stage_gap_days": "阶段间空档天数",
    "misroute_probability": "咨询被推诿概率",
    "misroute_delay_days": "每次推诿耽误天数",
    "max_misroutes": "最多推诿次数",
    "closures": "临时停办日",
    "change_probability": "土地出让后方案变更概率",
    "rereview_fraction": "重新审查工作量占比",
    "issue_at_land": "交地即发证（供地后一次联合发证）",
    "handoff_days": "签约后交接天数",
    "check_wd": "形式审查工作日",
    "verification_delay_days": "事后核查间隔天数",
    "verification_fraction": "核查工作量占比",
    "breach_probability": "违反承诺概率",
    "removes": "取消的事项",
    "teams": "服务小组数",
    "visit_wd": "上门服务工作日",
    "minor_share": "轻微缺陷占比",
    "supplement_days": "补齐材料天数",
    "missed_probability": "逾期未补齐概率",
    "missed_delay_days": "未补齐耽误天数",
    "count": "代办员人数",
    "caseload": "每人同时办理项目数",
    "courier": "代为跑动",
    "max_wait_days": "最长等待天数",
    "escalate_at": "提级时点（占时限比例）",
    "deemed_consent": "超时默认",
    "members": "服务团成员数",
    "commissioners": "招商专员数",
    "schedule_wd": "安排下一阶段工作日",
    "preparation_factor": "准备时间系数",
    "misroute_factor": "推诿系数",
    "deficiency_factor": "材料不全系数",
    "precheck_catch": "代办员预审发现材料问题比例",
    "clerks": "窗口人员数",
    "intermediary_factor": "选择中介时间系数",
    "effort_factor": "办理工作量系数",
    "enabled": "启用",
    "new": "新供地",
    "own": "自有土地",
    "week": "每周",
    "month": "每月",
    "fifo": "先到先办",
    "edf": "最早截止优先",
    "licence": "许可",
}

#: Distribution families in words: (English, Chinese).
KIND_WORDS: dict[str, tuple[str, str]] = {
    "fixed": ("fixed", "固定"),
    "uniform": ("uniform", "均匀分布"),
    "triangular": ("triangular", "三角分布"),
    "exponential": ("exponential", "指数分布"),
    "lognormal": ("lognormal", "对数正态分布"),
    "gamma": ("gamma", "伽马分布"),
    "empirical": ("empirical", "经验分布"),
}

#: Source tags of the scenario files, weakest first, and what each says about certainty.
SOURCE_TAGS: dict[str, tuple[str, str]] = {
    "E": ("estimate", "估计"),
    "R": ("statute quoted from memory", "法规（凭记忆引用）"),
    "N": ("news report of official figures", "新闻报道的官方数字"),
    "P": ("official text", "官方文件"),
    "untagged": ("note without a tag", "有说明、未标注类别"),
    "none": ("no source", "无来源"),
}

_TAG = re.compile(r"\[([A-Z](?:/[A-Z])*)\]")


def certainty(source: str | None) -> str:
    """The weakest source tag in a note (``E`` < ``R`` < ``N`` < ``P``), for counting.

    A note that mixes tags ("[N] a news figure ... share [E]") is only as sure as
    its weakest part; a note without any tag is ``untagged``; no note is ``none``.
    """
    if not source:
        return "none"
    tags = {t for group in _TAG.findall(source) for t in group.split("/")}
    for tag in ("E", "R", "N", "P"):
        if tag in tags:
            return tag
    return "untagged"


def unit_of(name: str, lang: Lang) -> str:
    """The unit a parameter field is measured in, read from its name."""
    zh = lang == "zh"
    if name.endswith("_days") or name in ("handoff_days",):
        return "天" if zh else "days"
    if name.endswith("_wd"):
        return "个工作日" if zh else "working days"
    if name in ("hours", "work_hours", "hours_per_day"):
        return "小时" if zh else "hours"
    return ""


def _is_share(name: str) -> bool:
    """A field that holds a proportion, shown as a percentage."""
    return name.endswith(("probability", "_fraction", "_share")) or name in ("share", "escalate_at")


def _number(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:g}"


@dataclass(frozen=True)
class Names:
    """Display names for one report, in one language."""

    lang: Lang
    items: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)
    project_types: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[str, str] = field(default_factory=dict)
    """``"<department>/<level>"`` → the level's Chinese name."""
    scenarios: Mapping[str, str] = field(default_factory=dict)
    """Scenario label → display label."""

    @classmethod
    def build(cls, labelled: Sequence[tuple[str, Scenario | None]], lang: Lang) -> Names:
        """Names from the scenarios compared (``(label, scenario)`` pairs, baseline first).

        A scenario's ``label_zh`` is used only where it tells the scenarios apart:
        a file that ``extends`` another and gives no ``label_zh`` of its own inherits
        its parent's, and two columns with the same Chinese name would mislead.
        """
        items: dict[str, str] = {}
        departments: dict[str, str] = {}
        types: dict[str, str] = {}
        levels: dict[str, str] = {}
        scenarios: dict[str, str] = {}
        if lang == "zh":
            for _, scenario in labelled:
                if scenario is None:
                    continue
                for key, item in scenario.items.items():
                    if item.label_zh:
                        items.setdefault(key, item.label_zh)
                for key, kind in scenario.project_types.items():
                    if kind.label_zh:
                        types.setdefault(key, kind.label_zh)
                for key, department in scenario.departments.items():
                    if department.label_zh:
                        departments.setdefault(key, department.label_zh)
                    for level in department.signoff:
                        name = level.label_zh or LEVEL_WORDS.get(level.name, level.name)
                        levels.setdefault(f"{key}/{level.name}", name)
            chinese = [s.label_zh if s is not None else None for _, s in labelled]
            for (label, _), zh in zip(labelled, chinese, strict=True):
                unique = zh and sum(1 for other in chinese if other == zh) == 1
                scenarios[label] = zh if unique and zh else label
        return cls(lang, items, departments, types, levels, scenarios)

    # -- one name ------------------------------------------------------------------

    def scenario(self, label: str) -> str:
        """A scenario's display label."""
        return self.scenarios.get(label, label)

    def item(self, key: str) -> str:
        """An approval item (``land_pre_review`` → 用地预审与选址意见书)."""
        return self.items.get(key, key)

    def department(self, key: str) -> str:
        """A department (its key unless the scenario gives a ``label_zh``)."""
        return self.departments.get(key, key)

    def project_type(self, key: str) -> str:
        """A project type."""
        return self.project_types.get(key, key)

    def pool(self, name: str) -> str:
        """A pool of the resource table: a department, ``<department>/<level>`` or a window."""
        if self.lang == "en":
            return name
        if name in POOL_WORDS:
            return POOL_WORDS[name][1]
        if "/" in name:
            department, level = name.split("/", 1)
            shown = self.levels.get(name) or LEVEL_WORDS.get(level, level)
            return f"{self.department(department)}/{shown}"
        return self.department(name)

    def mechanism(self, key: str) -> str:
        """A mechanism or reform switch (``mechanisms.one_window`` → 一个窗口办理)."""
        bare = key.removeprefix("mechanisms.")
        words = MECHANISM_WORDS.get(bare)
        if words is None:
            return self.field(bare) if self.lang == "zh" else bare
        return words[0 if self.lang == "en" else 1]

    def field(self, key: str) -> str:
        """A parameter field (``effort_wd`` → 承办人办理工作日); English keeps the key."""
        if self.lang == "en":
            return key
        return FIELD_WORDS.get(key, key)

    def setting(self, key: str, value: Any) -> tuple[str, str]:
        """A top-level setting and its value in words (``serial`` → 串联)."""
        if self.lang == "en":
            return key.replace("_", " "), self.value(key, value)
        if isinstance(value, str) and value in SETTING_WORDS:
            return SETTING_WORDS.get(key, self.field(key)), SETTING_WORDS[value]
        return SETTING_WORDS.get(key, self.field(key)), self.value(key, value)

    def tag(self, tag: str) -> str:
        """A certainty tag of :func:`certainty` in words."""
        return SOURCE_TAGS[tag][0 if self.lang == "en" else 1]

    def where(self, path: str) -> str:
        """An assumption's location (``items.land_pre_review`` → 事项：用地预审与选址意见书)."""
        parts = path.split(".")
        if self.lang == "en":
            return path
        head, rest = parts[0], parts[1:]
        shown = [SECTION_WORDS.get(head, self.field(head))]
        if head in ("items", "departments", "project_types", "mechanisms") and rest:
            name = rest[0]
            named = {
                "items": self.item,
                "departments": self.department,
                "project_types": self.project_type,
                "mechanisms": self.mechanism,
            }[head](name)
            shown = [f"{shown[0]}：{named}"]
            rest = rest[1:]
        shown += [self.field(p) for p in rest]
        return " · ".join(shown)

    # -- values in words -----------------------------------------------------------

    def value(self, name: str, value: Any) -> str:
        """A parameter's value in words and units, never a Python repr.

        ``{kind: triangular, low: 5, mode: 15, high: 30}`` under ``handoff_days`` is
        "三角分布，最少 5 天，最可能 15 天，最多 30 天" / "triangular: min 5, mode 15,
        max 30 days".
        """
        zh = self.lang == "zh"
        unit = unit_of(name, self.lang)
        if isinstance(value, dict) and value.get("kind") in KIND_WORDS:
            return self.distribution(value, unit)
        if isinstance(value, bool):
            if zh:
                return "是" if value else "否"
            return "yes" if value else "no"
        if isinstance(value, (int, float)):
            text = _number(float(value))
            if _is_share(name):
                return f"{100 * float(value):g}%" if zh else f"{100 * float(value):g} %"
            if zh:
                return f"{text} {unit}".strip()
            return f"{text} {unit}".strip()
        if value is None:
            return "—"
        if isinstance(value, (list, tuple)):
            return self._sequence(name, value)
        if isinstance(value, dict):
            sep = "；" if zh else "; "
            colon = "：" if zh else ": "
            return sep.join(f"{self.field(k)}{colon}{self.value(k, v)}" for k, v in value.items())
        text = str(value)
        if zh:
            return self.item(text) if text in self.items else FIELD_WORDS.get(text, text)
        return text

    def _sequence(self, name: str, values: Sequence[Any]) -> str:
        zh = self.lang == "zh"
        if not values:
            return "无" if zh else "none"
        if name == "signoff":
            return ("，" if zh else ", ").join(self._level(v) for v in values)
        if all(isinstance(v, str) for v in values):
            shown = [self.item(v) if zh else v for v in values]
            if len(shown) > 8:
                more = len(shown) - 6
                tail = f"等 {len(shown)} 项" if zh else f"and {more} more"
                return ("、" if zh else ", ").join(shown[:6]) + ("" if zh else " ") + tail
            return ("、" if zh else ", ").join(shown)
        return ("；" if zh else "; ").join(self.value(name, v) for v in values)

    def _level(self, level: Any) -> str:
        if not isinstance(level, dict):
            return self.value("signoff", level)
        zh = self.lang == "zh"
        title = level.get("label_zh") if zh and level.get("label_zh") else level.get("name", "")
        if zh:
            title = LEVEL_WORDS.get(str(title), str(title))
            return (
                f"{title} {level.get('staff', 1)} 人，每件{self.value('hours', level.get('hours'))}"
            )
        return (
            f"{title}: {level.get('staff', 1)}, {self.value('hours', level.get('hours'))} per file"
        )

    def distribution(self, spec: Mapping[str, Any], unit: str) -> str:
        """A distribution in words: its family, its parameters and their unit."""
        zh = self.lang == "zh"
        kind = str(spec["kind"])
        family = KIND_WORDS[kind][1 if zh else 0]

        def n(key: str) -> str:
            return _number(float(spec[key]))

        u = f" {unit}" if unit else ""
        if kind == "fixed":
            return f"{n('value')}{u}"
        if kind == "triangular":
            if zh:
                return f"{family}，最少 {n('low')}{u}，最可能 {n('mode')}{u}，最多 {n('high')}{u}"
            return f"{family}: min {n('low')}, mode {n('mode')}, max {n('high')}{u}"
        if kind == "uniform":
            if zh:
                return f"{family}，{n('low')}–{n('high')}{u}"
            return f"{family}: {n('low')}–{n('high')}{u}"
        if kind == "exponential":
            return f"{family}，均值 {n('mean')}{u}" if zh else f"{family}: mean {n('mean')}{u}"
        if kind in ("lognormal", "gamma"):
            if zh:
                return f"{family}，均值 {n('mean')}{u}，标准差 {n('sd')}{u}"
            return f"{family}: mean {n('mean')}, sd {n('sd')}{u}"
        values = [float(v) for v in spec.get("values", [])]
        weights = spec.get("weights") or [1.0 / len(values)] * len(values) if values else []
        total = sum(float(w) for w in weights) or 1.0
        parts = [
            f"{_number(v)}（{100 * float(w) / total:.0f}%）"
            if zh
            else f"{_number(v)} ({100 * float(w) / total:.0f} %)"
            for v, w in zip(values, weights, strict=False)
        ]
        if len(parts) > 6:
            parts = [*parts[:5], "…"]
        joined = ("、" if zh else ", ").join(parts)
        return f"{family}：{joined}{u}" if zh else f"{family}: {joined}{u}"
