"""The reform documents' targets, and the share of projects that meets each.

A target is a clean data definition: its key, its wording in both languages,
how it is measured on the project table, and the document it comes from (a
URL). :func:`target_shares` applies every target to the project table of each
replication. New targets (for instance on other clocks) are new entries of
:data:`TARGETS`; the report and anything else that lists targets read them
from here.

Each target is measured on its own clock, like for like: the official targets
(国办发〔2019〕11号, 最多90天, 最多100天, Taizhou's 30 days) count the government
clock from the official start (赋码, project filing) to their official end,
with the enterprise's corrections, intermediaries and expert review or notice
periods off the clock (:mod:`model.analysis.clocks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from model.analysis.outputs import Lang, Output

#: Checks a project table: True/False per project, NaN where it cannot be told yet.
Check = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Target:
    """One target of the reform documents and how a project is checked against it."""

    key: str
    """Column of :func:`target_shares`."""
    label_en: str
    label_zh: str
    measure_en: str
    """How the target is measured on the project table, in English."""
    measure_zh: str
    source: str
    """Where the target is stated (a URL)."""
    check: Check
    """Maps the project table to True/False per project, NaN where the project
    has not reached the milestones the target needs."""

    def label(self, lang: Lang) -> str:
        """The target in ``lang``."""
        return self.label_en if lang == "en" else self.label_zh

    def measure(self, lang: Lang) -> str:
        """How it is measured, in ``lang``."""
        return self.measure_en if lang == "en" else self.measure_zh

    @property
    def output(self) -> Output:
        """The share meeting the target as an output (formatted like any share)."""
        return Output(self.key, "share", self.label_en, self.label_zh)


def within(columns: Sequence[str], limit: float) -> Check:
    """The sum of ``columns`` is at most ``limit`` (NaN where one of them is missing)."""

    def check(projects: pd.DataFrame) -> pd.Series:
        total = sum((projects[c] for c in columns), start=pd.Series(0.0, index=projects.index))
        known = projects[list(columns)].notna().all(axis=1)
        return (total <= limit + 1e-9).where(known)

    return check


def trips_at_most_one(projects: pd.DataFrame) -> pd.Series:
    """At most one trip to a government office, for projects that finished."""
    return (projects["trips"] <= 1).where(projects["finished"].astype(bool))


TARGETS: tuple[Target, ...] = (
    Target(
        key="national_120wd",
        label_en="National full process ≤ 120 working days (国办发〔2019〕11号)",
        label_zh="全国全流程 ≤ 120 个工作日（国办发〔2019〕11号）",
        measure_en="government clock, filing → completion acceptance, working days",
        measure_zh="政府用时，赋码→竣工验收，工作日",
        source="http://rb.lhrb.com.cn/html/2019-03/20/content_48383.htm",
        check=within(("government_full_wd",), 120),
    ),
    Target(
        key="zhejiang_90d",
        label_en="Zhejiang '最多90天' full process ≤ 90 days",
        label_zh="浙江“最多90天”全流程 ≤ 90 天",
        measure_en="government clock, filing → completion acceptance, calendar days",
        measure_zh="政府用时，赋码→竣工验收，日历天",
        source="http://www.liao1.com/news/2019042716114.html",
        check=within(("government_full_days",), 90),
    ),
    Target(
        key="zhejiang_prestart_100d",
        label_en="Zhejiang pre-start ≤ 100 calendar days (赋码 → 施工许可)",
        label_zh="浙江开工前审批 ≤ 100 个日历天（赋码→施工许可）",
        measure_en="government clock, filing → construction permit, calendar days",
        measure_zh="政府用时，赋码→施工许可，日历天",
        source="http://english.zj.gov.cn/art/2018/12/29/art_5798_2300575.html",
        check=within(("government_prestart_days",), 100),
    ),
    Target(
        key="taizhou_prestart_30d",
        label_en="Taizhou pre-start ≤ 30 days (标准地 + 承诺制)",
        label_zh="台州开工前审批 ≤ 30 天（标准地＋承诺制）",
        measure_en="government clock, filing → construction permit, calendar days (all types)",
        measure_zh="政府用时，赋码→施工许可，日历天（全部项目类型）",
        source="http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
        check=within(("government_prestart_days",), 30),
    ),
    Target(
        key="at_most_one_trip",
        label_en="At most one trip (最多跑一次)",
        label_zh="最多跑一次",
        measure_en="trips to government offices over the whole lifecycle, finished projects",
        measure_zh="全生命周期跑政府部门次数，已投产项目",
        source="http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
        check=trips_at_most_one,
    ),
)


def target_shares(projects: pd.DataFrame) -> pd.DataFrame:
    """Per replication, the share of projects meeting each target (columns = target keys).

    Projects a target cannot judge yet (NaN from its check) are left out of
    that target's share; a replication with none left gets NaN.
    """
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
