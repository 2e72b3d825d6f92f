"""The validation table: the bundled scenarios against published reform outcomes, like for like.

Each :class:`PublishedOutcome` names a published figure, the clock it was
measured on (official government clock or the enterprise's elapsed time, in
calendar or working days, from which milestone to which), the bundled
scenario and project types it corresponds to, and how to compare. The model's
value is measured on that same clock from the same replications (common
random numbers), with a 95 % interval across replications.

The scenarios take their parameters from sourced figures and stated estimates
(``../shared/design/parameters.md``); nothing here feeds back into them. A row
the model misses says so, and the README explains why.

Verdicts:

* a reported **level** (an average) agrees when the model's mean is within
  ±25 % of it (``LEVEL_TOLERANCE``), and is otherwise "higher" or "lower";
* a **target** (``at_most``/``at_least``) is met or missed by the model's mean;
* a **reduction** compares the model's paired relative reduction between two
  scenarios with the published one (±10 percentage points).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from model.analysis.aggregate import confidence_interval
from model.experiments.backends import Progress
from model.scenario.schema import Scenario
from model.simulation.replication import build_calendar

#: A published average "agrees" with the model's within this relative band.
LEVEL_TOLERANCE = 0.25
#: A published reduction "agrees" within this many percentage points.
REDUCTION_TOLERANCE = 0.10

Comparison = Literal["level", "at_most", "at_least", "reduction"]

#: Project types that are enterprise projects (government-invested ones are not).
ENTERPRISE_TYPES = (
    "general_industrial_new_land",
    "standard_land",
    "own_land_expansion",
    "low_risk_small",
)

#: Measures: per project, from the project table (and the scenario's calendar).
MEASURES: dict[str, str] = {
    "government_prestart_days": "official government clock, 赋码 → 施工许可, calendar days",
    "government_full_wd": "official government clock, 赋码 → 竣工验收, working days",
    "government_full_days": "official government clock, 赋码 → 竣工验收, calendar days",
    "filing_to_start_wd": "enterprise's elapsed time, 立项/赋码 → 开工, working days",
    "signing_to_start_wd": "enterprise's elapsed time, signing → 开工, working days",
    "signing_to_start_days": "enterprise's elapsed time, signing → 开工, calendar days",
    "trips": "trips to government offices per project",
}


@dataclass(frozen=True)
class PublishedOutcome:
    """One published figure and the model measurement that matches it."""

    key: str
    figure: str
    """What was published, in words."""
    value: float
    """The published number (a share as 0–1, a reduction as 0–1)."""
    comparison: Comparison
    measure: str
    """A key of :data:`MEASURES`."""
    scenario: str
    """Bundled scenario name (for a reduction: the reformed one)."""
    project_types: tuple[str, ...]
    source: str
    baseline: str | None = None
    """For a reduction: the scenario it is measured from."""
    statistic: Literal["mean", "share_at_most"] = "mean"
    threshold: float | None = None
    """For ``share_at_most``: the share of projects at or under this value."""
    note: str = ""


ZJ_2018 = "http://english.zj.gov.cn/art/2018/12/29/art_5798_2300575.html"

#: The published figures of issue "Reforms as counties practise them" and parameters.md.
PUBLISHED: tuple[PublishedOutcome, ...] = (
    PublishedOutcome(
        "zhejiang_2018_before",
        "Zhejiang enterprise projects, 赋码 → 施工许可, average Jan 2018: 159 days",
        159.0,
        "level",
        "government_prestart_days",
        "baseline-serial",
        ENTERPRISE_TYPES,
        ZJ_2018,
        note="pre-reform practice: serial handling on statutory limits",
    ),
    PublishedOutcome(
        "zhejiang_2018_after",
        "Zhejiang enterprise projects, 赋码 → 施工许可, average Aug 2018: 74 days",
        74.0,
        "level",
        "government_prestart_days",
        "parallel",
        ENTERPRISE_TYPES,
        ZJ_2018,
        note="the 2018 reform was parallel approval on committed limits",
    ),
    PublishedOutcome(
        "zhejiang_2018_within_100",
        "Zhejiang enterprise projects, Aug 2018: 100 % within 100 days (赋码 → 施工许可)",
        1.0,
        "at_least",
        "government_prestart_days",
        "parallel",
        ENTERPRISE_TYPES,
        ZJ_2018,
        statistic="share_at_most",
        threshold=100.0,
    ),
    PublishedOutcome(
        "pre_reform_filing_to_start",
        "Pre-reform 立项 → 开工: 200+ working days",
        200.0,
        "at_least",
        "filing_to_start_wd",
        "baseline-serial",
        ENTERPRISE_TYPES,
        "issue 11; 国办发〔2019〕11号 background (pre-reform 200+ WD)",
    ),
    PublishedOutcome(
        "lanxi_before",
        "Lanxi industrial projects before simulated approval: 423 working days",
        423.0,
        "level",
        "signing_to_start_wd",
        "baseline-serial",
        ("general_industrial_new_land",),
        "issue 11 (Lanxi, simulated approval for industrial projects: 423 WD → 207 days)",
        note="the published span is not stated; signing → start is the closest model span",
    ),
    PublishedOutcome(
        "lanxi_after",
        "Lanxi industrial projects with simulated approval: 207 days",
        207.0,
        "level",
        "signing_to_start_days",
        "simulated",
        ("general_industrial_new_land",),
        "issue 11 (Lanxi: 423 WD → 207 days)",
    ),
    PublishedOutcome(
        "lanxi_reduction",
        "Lanxi: simulated approval cut industrial projects' time by 51 %",
        0.51,
        "reduction",
        "signing_to_start_days",
        "simulated",
        ("general_industrial_new_land",),
        "issue 11 (Lanxi: 423 WD → 207 days, −51 %)",
        baseline="baseline-serial",
    ),
    PublishedOutcome(
        "taizhou_prestart",
        "Taizhou target, 标准地 + 承诺制: pre-start ≤ 30 days",
        30.0,
        "at_most",
        "government_prestart_days",
        "three-sixes",
        ("standard_land",),
        "台政办发〔2018〕22号 http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
    ),
    PublishedOutcome(
        "taizhou_one_trip",
        "Taizhou target, 标准地 + 承诺制: at most one trip",
        1.0,
        "at_most",
        "trips",
        "three-sixes",
        ("standard_land",),
        "台政办发〔2018〕22号 http://www.zjhy.gov.cn/art/2019/7/3/art_1621863_35264637.html",
    ),
    PublishedOutcome(
        "zhejiang_low_risk",
        "Zhejiang low-risk small projects: ≤ 20 working days, full process",
        20.0,
        "at_most",
        "government_full_wd",
        "three-sixes",
        ("low_risk_small",),
        "http://big5.www.gov.cn/gate/big5/www.gov.cn/xinwen/2020-08/21/content_5536326.htm",
    ),
    PublishedOutcome(
        "doing_business_2018",
        "World Bank Doing Business 2018, Shanghai warehouse construction permits: 279 days",
        279.0,
        "level",
        "government_full_days",
        "baseline-serial",
        ("low_risk_small",),
        "World Bank, Doing Business 2018, China (Shanghai), Dealing with Construction Permits",
        note="Doing Business also counts utility connections and inspections' waiting time",
    ),
    PublishedOutcome(
        "doing_business_2019",
        "World Bank Doing Business 2019, Shanghai warehouse construction permits: 169.5 days",
        169.5,
        "level",
        "government_full_days",
        "three-sixes",
        ("low_risk_small",),
        "World Bank, Doing Business 2019, China (Shanghai), Dealing with Construction Permits",
        note="Doing Business also counts utility connections and inspections' waiting time",
    ),
)


def scenarios_needed(outcomes: Sequence[PublishedOutcome] = PUBLISHED) -> list[str]:
    """The bundled scenario names the rows use, in first-use order."""
    names: list[str] = []
    for row in outcomes:
        for name in (row.baseline, row.scenario):
            if name and name not in names:
                names.append(name)
    return names


def project_measures(projects: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """``projects`` (after the warm-up, not the pipeline) with every :data:`MEASURES` column."""
    table = projects
    if "pipeline" in table:
        table = table[~table["pipeline"].astype(bool)]
    table = table.copy()
    calendar = build_calendar(scenario)
    start = table["official_start_day"].to_numpy(float)
    stop = table["construction_start_day"].to_numpy(float)
    table["filing_to_start_wd"] = calendar.working_time_array(stop) - calendar.working_time_array(
        start
    )
    return table


def _per_replication(
    table: pd.DataFrame, row: PublishedOutcome, replications: Sequence[int]
) -> np.ndarray:
    """The row's statistic in each replication (NaN where no project qualifies)."""
    chosen = table[table["project_type"].isin(row.project_types)]
    values = []
    for r in replications:
        x = chosen.loc[chosen["replication"] == r, row.measure].to_numpy(float)
        x = x[~np.isnan(x)]
        if len(x) == 0:
            values.append(np.nan)
        elif row.statistic == "share_at_most":
            values.append(float(np.mean(x <= float(row.threshold or 0.0))))
        else:
            values.append(float(x.mean()))
    return np.array(values)


def _unit(row: PublishedOutcome) -> str:
    """The unit of the row's value: ``share`` for shares and reductions, else the measure's."""
    if row.comparison == "reduction" or row.statistic == "share_at_most":
        return "share"
    if row.measure.endswith("_wd"):
        return "working days"
    return "days" if row.measure.endswith("_days") else row.measure


def verdict(row: PublishedOutcome, mean: float) -> str:
    """``agrees``/``higher``/``lower`` for a level or reduction, ``met``/``missed`` for a target."""
    if not np.isfinite(mean):
        return "no projects"
    if row.comparison == "at_most":
        return "met" if mean <= row.value else "missed"
    if row.comparison == "at_least":
        return "met" if mean >= row.value else "missed"
    tolerance = (
        REDUCTION_TOLERANCE if row.comparison == "reduction" else LEVEL_TOLERANCE * row.value
    )
    if abs(mean - row.value) <= tolerance:
        return "agrees"
    return "higher" if mean > row.value else "lower"


def validation_table(
    projects: Mapping[str, pd.DataFrame],
    scenarios: Mapping[str, Scenario],
    outcomes: Sequence[PublishedOutcome] = PUBLISHED,
) -> pd.DataFrame:
    """One row per published outcome: the figure, the model's mean [95 % CI], the verdict.

    Args:
        projects: Per scenario name, its project table over all replications
            (a ``replication`` column), all scenarios on the same seed.
        scenarios: The scenarios by name (for their calendars).
        outcomes: The published figures to compare with.

    """
    measured = {name: project_measures(table, scenarios[name]) for name, table in projects.items()}
    rows = []
    for row in outcomes:
        reformed = measured[row.scenario]
        replications = sorted(reformed["replication"].unique())
        values = _per_replication(reformed, row, replications)
        if row.comparison == "reduction":
            before = _per_replication(measured[str(row.baseline)], row, replications)
            values = 1.0 - values / before  # paired: the same projects in both
        mean, half = confidence_interval(values)
        rows.append(
            {
                "outcome": row.key,
                "published": row.figure,
                "value": row.value,
                "unit": _unit(row),
                "clock": MEASURES[row.measure]
                + (f", share ≤ {row.threshold:g}" if row.statistic == "share_at_most" else ""),
                "scenario": row.scenario
                if row.baseline is None
                else f"{row.baseline} → {row.scenario}",
                "project_types": ", ".join(row.project_types),
                "model_mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "verdict": verdict(row, mean),
                "source": row.source,
                "note": row.note,
            }
        )
    return pd.DataFrame(rows)


def validate_outcomes(
    scenario_files: Mapping[str, str],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    *,
    outcomes: Sequence[PublishedOutcome] = PUBLISHED,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Run the scenarios the rows need on common random numbers; the validation table.

    Args:
        scenario_files: Scenario name → file, for every name in
            :func:`scenarios_needed` (e.g. the bundled ``scenarios/*.yaml``).
        replications: Per scenario (default: the first scenario's).
        seed: Root seed (default: the first scenario's).
        workers: Local processes (None: all cores).
        outcomes: The published figures.
        progress: ``progress(done, total)`` after each replication.

    Raises:
        ValueError: A scenario the rows need has no file.

    """
    from model.experiments.batch import compare
    from model.scenario.loader import load_scenario

    names = scenarios_needed(outcomes)
    missing = [n for n in names if n not in scenario_files]
    if missing:
        raise ValueError(f"validation needs scenario(s) {', '.join(missing)}; none given")
    scenarios = [load_scenario(scenario_files[n]) for n in names]
    comparison = compare(
        scenarios, replications, seed, workers=workers, progress=progress, keep_tables=True
    )
    by_name = {s.name: s for s in scenarios}
    projects = {r.scenario.name: r.projects for r in comparison.results}
    return validation_table(projects, by_name, outcomes)
