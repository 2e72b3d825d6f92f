"""The executive summary in words: one sentence per scenario and per paired difference.

Numbers are formatted, and outputs named and given units, by the shared
registry :mod:`model.analysis.outputs`; what a sentence calls an output comes
from :data:`model.report.words.PHRASES` where the label would read badly.
"""

from __future__ import annotations

import math

import pandas as pd

from model.analysis.outputs import Lang, format_number, format_value
from model.analysis.outputs import output as definition
from model.report.words import TEXT, phrase

#: Outputs described in the executive summary's sentences.
SENTENCE_OUTPUTS: tuple[str, ...] = (
    "signing_to_start_days",
    "land_to_start_days",
    "signing_to_production_days",
    "trips",
    "rework_rounds",
)


def difference_sentence(
    scenario: str,
    baseline: str,
    output: str,
    difference: float,
    low: float,
    high: float,
    lang: Lang,
) -> str:
    """A paired difference in plain words, e.g. "parallel saves 41 days (95 % CI 37–45) ...".

    Args:
        scenario: The scenario compared.
        baseline: The baseline it is compared with.
        output: The output (its phrase, label and unit come from the registry and
            :data:`~model.report.words.PHRASES`).
        difference: ``scenario - baseline``, mean over paired replications.
        low: Lower end of its 95 % interval (NaN for one replication).
        high: Upper end.
        lang: ``en`` or ``zh``.

    """
    label = definition(output).label(lang)
    words = phrase(output, lang) or label
    unit = definition(output).unit_words(lang)
    num = format_number
    has_ci = math.isfinite(low) and math.isfinite(high)
    clear = has_ci and (low > 0 or high < 0)
    if has_ci and max(abs(low), abs(high), abs(difference)) < 1e-9:
        if lang == "zh":
            return f"与 {baseline} 相比，{scenario} 不改变{words}（各次重复均相同）。"
        return (
            f"{scenario} does not change {label} compared with {baseline} "
            "(identical in every replication)."
        )
    if lang == "zh":
        less, more = ("缩短", "延长") if output.endswith("_days") else ("减少", "增加")
        if not has_ci:
            verb = less if difference < 0 else more
            return (
                f"与 {baseline} 相比，{scenario} 使{words}{verb} {num(abs(difference))} {unit}"
                f"（{TEXT['zh']['one_replication']}）。"
            )
        if clear and difference < 0:
            return (
                f"与 {baseline} 相比，{scenario} 使{words}{less} {num(-difference)} {unit}"
                f"（95% 置信区间 {num(-high)}–{num(-low)} {unit}）。"
            )
        if clear:
            return (
                f"与 {baseline} 相比，{scenario} 使{words}{more} {num(difference)} {unit}"
                f"（95% 置信区间 {num(low)}–{num(high)} {unit}）。"
            )
        return (
            f"与 {baseline} 相比，{scenario} 对{words}没有明显影响（变化 {difference:+.1f} "
            f"{unit}，95% 置信区间 {num(low)} 至 {num(high)}）。"
        )
    if not has_ci:
        verb = "saves" if difference < 0 else "adds"
        return (
            f"{scenario} {verb} {num(abs(difference))} {unit} {words} compared with "
            f"{baseline} ({TEXT['en']['one_replication']})."
        )
    if clear and difference < 0:
        return (
            f"{scenario} saves {num(-difference)} {unit} (95 % CI {num(-high)}–{num(-low)}) "
            f"{words} compared with {baseline}."
        )
    if clear:
        return (
            f"{scenario} adds {num(difference)} {unit} (95 % CI {num(low)}–{num(high)}) "
            f"{words} compared with {baseline}."
        )
    return (
        f"{scenario} makes no clear difference to {label} compared with {baseline} "
        f"({difference:+.1f} {unit}, 95 % CI {num(low)} to {num(high)})."
    )


def scenario_sentence(label: str, kpis: pd.DataFrame, lang: Lang) -> str:
    """Each scenario's headline numbers in one sentence (``kpis`` from ``kpi_table``)."""
    k = kpis.set_index("output")

    def part(name: str) -> str:
        if name not in k.index:
            return "—"
        row = k.loc[name]
        mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
        if definition(name).is_share:
            return format_value(name, mean)
        if math.isfinite(low):
            return f"{format_number(mean)} ({format_number(low)}–{format_number(high)})"
        return format_number(mean)

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
