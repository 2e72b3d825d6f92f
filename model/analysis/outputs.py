"""The key outputs: one registry of what each is called, in what unit, and how it is shown.

Metrics compute them (:func:`model.analysis.metrics.summary_row`), and the CLI's
tables and the report's tables and sentences print them; all three read the names,
labels, units and number formats from here, so a label or a format changes in
one place.

Formats: a level (a mean and its confidence interval) of a share is clamped to
[0, 1], because a t-interval can overshoot where a share cannot; a *difference*
of shares is never clamped (it can be negative), and is shown in percentage
points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "zh"]
Unit = Literal["days", "working_days", "trips", "rounds", "share"]

#: Each unit's words, in English and Chinese.
UNIT_WORDS: dict[Unit, tuple[str, str]] = {
    "days": ("days", "天"),
    "working_days": ("working days", "个工作日"),
    "trips": ("trips", "次"),
    "rounds": ("rounds", "轮"),
    "share": ("", ""),
}


@dataclass(frozen=True)
class Output:
    """One key output of a replication."""

    name: str
    """Column of the per-replication summary."""
    unit: Unit
    label_en: str
    label_zh: str

    def label(self, lang: Lang) -> str:
        """The label in ``lang``."""
        return self.label_en if lang == "en" else self.label_zh

    def unit_words(self, lang: Lang) -> str:
        """The unit in ``lang`` ('' for shares)."""
        return UNIT_WORDS[self.unit][0 if lang == "en" else 1]

    @property
    def is_share(self) -> bool:
        """Whether the output is a proportion in [0, 1]."""
        return self.unit == "share"


#: 拿地即开工 (construction starts as the land is obtained): the working days from land
#: obtained to construction start that still count. [E] Zhejiang counties hand the
#: permits over with the land contract or within a few working days; five is our
#: reading of "a few", an estimate.
LAND_TO_START_WD = 5

#: The share of projects on new land that started within :data:`LAND_TO_START_WD`.
LAND_TO_START_SHARE = f"share_land_to_start_within_{LAND_TO_START_WD}wd"

_OUTPUTS: tuple[Output, ...] = (
    Output(
        "signing_to_first_application_days",
        "days",
        "signing → first application",
        "签约→首次申报",
    ),
    Output("signing_to_land_days", "days", "signing → land", "签约→供地"),
    Output("land_to_start_days", "days", "land → construction start", "供地→开工"),
    Output(
        LAND_TO_START_SHARE,
        "share",
        f"land → start within {LAND_TO_START_WD} working days (拿地即开工)",
        f"拿地即开工（供地后{LAND_TO_START_WD}个工作日内开工）",
    ),
    Output("signing_to_start_days", "days", "signing → construction start", "签约→开工"),
    Output(
        "government_prestart_days",
        "days",
        "government clock, filing → construction permit",
        "政府用时：赋码→施工许可",
    ),
    Output(
        "government_full_days",
        "days",
        "government clock, filing → acceptance",
        "政府用时：赋码→竣工验收",
    ),
    Output(
        "signing_to_start_p90_days",
        "days",
        "signing → start, 90th percentile",
        "签约→开工（第90百分位）",
    ),
    Output("completion_to_production_days", "days", "completion → production", "竣工→投产"),
    Output("signing_to_production_days", "days", "signing → production", "签约→投产"),
    Output(
        "signing_to_production_wd",
        "working_days",
        "signing → production (working days)",
        "签约→投产（工作日）",
    ),
    Output("trips", "trips", "trips per project", "每个项目跑动次数"),
    Output(
        "share_at_most_one_trip",
        "share",
        "share with at most one trip (最多跑一次)",
        "最多跑一次的项目占比",
    ),
    Output("share_zero_trips", "share", "share with zero trips", "零跑动项目占比"),
    Output("rework_rounds", "rounds", "rework rounds per project", "每个项目补正轮数"),
    Output(
        "share_items_within_limit",
        "share",
        "share of items within limit",
        "在时限内办结的事项占比",
    ),
    Output(
        "mean_item_days",
        "days",
        "mean item time, queue to decision",
        "事项平均办理天数（排队→决定）",
    ),
)

#: Every key output by name, in the order tables show them.
OUTPUTS: dict[str, Output] = {o.name: o for o in _OUTPUTS}

#: Names of the key outputs, in order.
KEY_OUTPUTS: tuple[str, ...] = tuple(OUTPUTS)


def output(name: str | Output) -> Output:
    """The definition of ``name``; an unknown name is shown as itself, in days.

    An :class:`Output` is returned as it is, so the formatters below also take
    measurements defined elsewhere (e.g. a target's share).
    """
    if isinstance(name, Output):
        return name
    known = OUTPUTS.get(name)
    if known is not None:
        return known
    unit: Unit = "share" if name.startswith("share") else "days"
    return Output(name, unit, name, name)


def format_number(value: float | None) -> str:
    """A number as tables show it: three significant figures, thousands separated."""
    if value is None or not math.isfinite(value):
        return "—"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def format_share(value: float | None) -> str:
    """A proportion as a whole percentage, ``0.42`` as ``42 %``."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{100 * value:.0f} %"


def format_value(name: str | Output, value: float | None) -> str:
    """One value of output ``name`` (a share as a percentage)."""
    if output(name).is_share:
        return format_share(value)
    return format_number(value)


def format_interval(
    name: str | Output, mean: float, low: float, high: float, *, difference: bool = False
) -> str:
    """A mean with its confidence interval, ``mean [low, high]``.

    Args:
        name: The output (decides the unit and format).
        mean: The estimate.
        low: Lower end of the interval (NaN when there is none, e.g. one replication).
        high: Upper end.
        difference: The numbers are a difference between scenarios: never clamped,
            and a share's difference is shown in percentage points with its sign.

    """
    share = output(name).is_share
    if difference:

        def fmt(value: float) -> str:
            if not math.isfinite(value):
                return "—"
            return f"{100 * value:+.1f} pp" if share else format_number(value)

    else:
        if share and math.isfinite(low):  # a t-interval can overshoot [0, 1]; a share cannot
            low, high = max(low, 0.0), min(high, 1.0)

        def fmt(value: float) -> str:
            return format_value(name, value)

    if not math.isfinite(low):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"
