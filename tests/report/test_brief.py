"""The brief: its numbers are the tables' numbers, and the PDF is short, numbered and in order.

The brief (the first two pages) takes every number from the same tables the
details show; these tests read both and compare them, so a brief that drifts
from its tables fails here. Difference intervals are never clamped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import named_fixtures
import pandas as pd
import pytest
from markupsafe import Markup, escape

from model.analysis.aggregate import kpi_table, paired_differences
from model.analysis.outputs import (
    LAND_TO_START_SHARE,
    format_interval,
    format_number,
)
from model.analysis.outputs import output as definition
from model.outputs.folders import ResultsFolder, StoredResults
from model.report import render as report
from model.report.brief import HEADLINE, biggest_mechanisms, brief
from model.report.names import Names
from model.report.sections import changed_assumptions, report_context

# The shared fixtures, registered in this module (see named_fixtures).
named_comparison = named_fixtures.named_comparison
named_dir = named_fixtures.named_dir
named_data = named_fixtures.named_data


@pytest.fixture(scope="module", params=["zh", "en"])
def context(request: pytest.FixtureRequest, named_data: ResultsFolder) -> dict[str, Any]:
    context = report_context(named_data, request.param)
    context["brief"] = brief(named_data, context, context["names"])
    return context


def test_key_message_is_the_key_output_tables_means(
    context: dict[str, Any], named_data: ResultsFolder
) -> None:
    parts = named_data.scenarios
    before = kpi_table(parts[0].summary, [HEADLINE]).iloc[0]["mean"]
    after = kpi_table(parts[-1].summary, [HEADLINE]).iloc[0]["mean"]
    message = context["brief"]["message"]
    assert f"{format_number(before)} " in message and f"{format_number(after)} " in message
    row = next(
        r
        for r in context["kpi_table"]["rows"]
        if r[0] in ("签约→开工", "signing → construction start")
    )
    assert row[1].startswith(format_number(before) + " [")
    assert row[-1].startswith(format_number(after) + " [")
    last = context["brief"]["table"]["header"][-1]
    assert last in message, "the message names the reform by its display name"


def test_brief_table_cells_are_the_key_output_tables_cells(context: dict[str, Any]) -> None:
    details = {row[0]: row[1:] for row in context["kpi_table"]["rows"]}
    rows = context["brief"]["table"]["rows"]
    assert len(rows) == 7, "both clocks: four enterprise and three government outputs"
    for row in rows:
        assert row[2:] == details[row[0]], row[0]
    clocks = {row[1] for row in rows}
    assert len(clocks) == 2, clocks
    assert context["brief"]["table"]["header"][2:] == context["kpi_table"]["header"][1:]


def test_brief_targets_are_the_targets_tables_cells(context: dict[str, Any]) -> None:
    targets = context["brief"]["targets"]
    assert len(targets["rows"]) == len(context["targets"]) > 0
    for short, full in zip(targets["rows"], context["targets"], strict=True):
        assert short["label"] == full["label"]
        assert short["cells"] == [full["cells"][0], full["cells"][-1]]


def test_biggest_steps_are_the_paired_differences_of_consecutive_scenarios(
    context: dict[str, Any], named_data: ResultsFolder
) -> None:
    mechanisms = context["brief"]["mechanisms"]
    assert mechanisms["kind"] == "steps", "the folder has no attribution"
    parts = named_data.scenarios
    expected = []
    for before, after in zip(parts[:-1], parts[1:], strict=True):
        d = paired_differences(before.summary, after.summary, [HEADLINE]).iloc[0]
        cell = format_interval(
            HEADLINE, d["difference"], d["ci_low"], d["ci_high"], difference=True
        )
        expected.append((abs(d["difference"]), cell))
    expected.sort(key=lambda e: -e[0])
    assert [r["value"] for r in mechanisms["rows"]] == [cell for _, cell in expected][:3]
    # The first step is also a column of the difference table: the same cell, without its "*".
    details = next(r for r in context["difference_table"]["rows"] if r[0] == mechanisms["output"])
    first = paired_differences(parts[0].summary, parts[1].summary, [HEADLINE]).iloc[0]
    cell = format_interval(
        HEADLINE, first["difference"], first["ci_low"], first["ci_high"], difference=True
    )
    assert details[1].removesuffix(" *") == cell


def test_assumptions_are_counted_by_source_tag(context: dict[str, Any]) -> None:
    assumptions = context["brief"]["assumptions"]
    last = context["assumptions"][-1]
    counts = last["counts"]
    assert sum(counts.values()) == last["total"]
    assert counts["E"] > 0 and counts["P"] > 0 and counts["none"] > 0
    assert str(counts["E"]) in assumptions["summary"] and "[E]" in assumptions["summary"]
    assert assumptions["rows"], "the main assumptions are named"


def _stored(label: str, values: list[float]) -> StoredResults:
    empty = pd.DataFrame()
    summary = pd.DataFrame({"replication": range(len(values)), HEADLINE: values})
    return StoredResults(label, None, {}, summary, empty, empty, empty)


def test_attributed_mechanisms_keep_their_signs_and_intervals() -> None:
    """The three largest contributions, by size, named in Chinese; intervals never clamped."""
    attribution = pd.DataFrame(
        {"factor": ["mechanisms.one_window", "approval_mode", "mechanisms.agents", "x"],
         "output": HEADLINE, "contribution": [-20.0, -50.0, 4.0, -1.0],
         "ci_low": [-25.0, -60.0, -2.0, -3.0], "ci_high": [-15.0, -40.0, 10.0, 1.0]}
    )  # fmt: skip
    data = ResultsFolder(Path("."), [_stored("b", [1, 2]), _stored("r", [1, 2])])
    data.attribution = attribution
    rows = biggest_mechanisms(data, data.scenarios, Names("zh"))
    assert rows is not None and rows["kind"] == "attribution"
    assert [r["name"] for r in rows["rows"]] == ["并联审批", "一个窗口办理", "代理办"]
    assert [r["value"] for r in rows["rows"]] == [
        "-50 [-60, -40]",
        "-20 [-25, -15]",
        "4.0 [-2.0, 10]",
    ]


def test_difference_of_shares_is_not_clamped_in_the_brief_either() -> None:
    assert format_interval("share_at_most_one_trip", -0.02, -0.025, -0.015, difference=True) == (
        "-2.0 pp [-2.5 pp, -1.5 pp]"
    )


@pytest.mark.parametrize(
    ("lang", "label", "clock"),
    [
        ("zh", "拿地即开工（供地后5个工作日内开工）", "企业经历"),
        ("en", "land → start within 5 working days (拿地即开工)", "enterprise, elapsed"),
    ],
)
def test_brief_shows_the_share_that_started_within_five_working_days_of_land(
    lang: str, label: str, clock: str
) -> None:
    """Each scenario's 拿地即开工 share, by hand: a mean with its clamped t-interval, or —."""
    empty = pd.DataFrame()

    def stored(name: str, shares: list[float]) -> StoredResults:
        summary = pd.DataFrame(
            {"replication": range(3), HEADLINE: [100.0, 110.0, 120.0], LAND_TO_START_SHARE: shares}
        )
        return StoredResults(name, None, {}, summary, empty, empty, empty)

    nan = float("nan")
    data = ResultsFolder(
        Path("."),
        [stored("a", [0.5, 0.75, 1.0]), stored("b", [nan, nan, nan]), stored("c", [0.0, 0.0, 0.0])],
    )
    context = {"figures": {}, "targets": [], "assumptions": []}
    short = brief(data, context, Names(lang))  # type: ignore[arg-type]
    assert short is not None
    row = next(r for r in short["table"]["rows"] if r[0] == label)
    # a: mean 0.75, sd 0.25, half-width t(2, 0.975) 4.303 × 0.25 / √3 = 0.621 -> [13 %, 100 %]
    # (clamped); b: no project qualified in any replication; c: none started within 5 WD.
    assert row == [label, clock, "75 % [13 %, 100 %]", "—", "0 % [0 %, 0 %]"]
    assert "5" in short["table_note"] and "拿地即开工" in short["table_note"]


def test_rendered_brief_shows_each_scenarios_share_of_quick_starts(
    context: dict[str, Any], named_data: ResultsFolder
) -> None:
    """The page's brief table has the 拿地即开工 row: every scenario's cell, and its note."""
    lang = context["lang"]
    template = report.template_environment().get_template("report.html.j2")
    html = template.render(**context, font_css=Markup(""), page_font="sans-serif")
    brief_html = html.split('id="summary"')[0]
    label = definition(LAND_TO_START_SHARE).label(lang)
    cells = []
    for part in named_data.scenarios:
        k = kpi_table(part.summary, [LAND_TO_START_SHARE]).iloc[0]
        cells.append(format_interval(LAND_TO_START_SHARE, k["mean"], k["ci_low"], k["ci_high"]))
    clock = context["t"]["clock_enterprise"]
    row = f'<td class="label">{escape(label)}</td><td>{escape(clock)}</td>' + "".join(
        f'<td class="num">{c}</td>' for c in cells
    )
    assert row in brief_html
    assert escape(context["brief"]["table_note"]) in brief_html


def test_appendix_lists_the_baseline_in_full_and_only_changes_after() -> None:
    base = {"available": True, "rows": [
        {"where": "a", "values": [("x", 1)], "source": "[E]", "assumed": False},
        {"where": "b", "values": [("y", 2)], "source": None, "assumed": True},
    ]}  # fmt: skip
    other = {"available": True, "rows": [
        {"where": "a", "values": [("x", 1)], "source": "[E]", "assumed": False},
        {"where": "b", "values": [("y", 3)], "source": None, "assumed": True},
    ]}  # fmt: skip
    tables = changed_assumptions([base, other])
    assert len(tables[0]["rows"]) == 2 and not tables[0]["changes_only"]
    assert [r["where"] for r in tables[1]["rows"]] == ["b"] and tables[1]["changes_only"]
    assert tables[1]["flagged"] == 1


def test_rendered_brief_comes_first(named_data: ResultsFolder) -> None:
    html = report.render_html(named_data, "zh")
    h1 = re.search(r"<h1>(.*?)</h1>", html, flags=re.S)
    assert h1 and "使签约至开工从" in h1.group(1)
    order = [
        html.index(s) for s in ('id="brief"', 'id="summary"', 'id="provenance"', 'id="appendix"')
    ]
    assert order == sorted(order), "brief, details, provenance, then the appendix"
    assert "<details" not in html.split('id="appendix"')[1], "the appendix prints as it shows"


# -- the PDF ------------------------------------------------------------------------------


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError):
        pytest.skip("WeasyPrint (with Pango) is not available")
    return weasyprint


def _texts(box: Any) -> str:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return str(box.text)
    return "".join(_texts(c) for c in getattr(box, "children", []))


def layout(html: str) -> Any:
    """The report laid out by WeasyPrint, as the PDF prints it."""
    return _weasyprint().HTML(string=html).render()


def pages_before_appendix(document: Any) -> int:
    return next(k for k, page in enumerate(document.pages) if "appendix" in page.anchors)


def page_footers(document: Any) -> list[str]:
    """The text of each page's margin boxes (WeasyPrint's page box tree)."""
    from weasyprint.formatting_structure import boxes

    return [
        " ".join(_texts(b) for b in page._page_box.children if isinstance(b, boxes.MarginBox))
        for page in document.pages
    ]


def one_character_columns(document: Any) -> list[str]:
    """Table cells laid out as a column of single characters (three lines or more)."""
    from weasyprint.formatting_structure import boxes

    narrow = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableCellBox):
                lines = [
                    _texts(b).strip() for b in box.descendants() if isinstance(b, boxes.LineBox)
                ]
                if len(lines) >= 3 and sum(len(line) <= 1 for line in lines) >= len(lines) - 1:
                    narrow.append("|".join(lines))
    return narrow


@pytest.fixture(scope="module")
def laid_out(named_data: ResultsFolder) -> Any:
    return layout(report.render_html(named_data, "zh"))


def test_pdf_pages_are_numbered(laid_out: Any) -> None:
    footers = page_footers(laid_out)
    total = len(laid_out.pages)
    assert footers[0] == f"第 1 页，共 {total} 页"
    assert footers[-1] == f"第 {total} 页，共 {total} 页"


def test_brief_is_two_pages_and_the_details_stay_short(laid_out: Any) -> None:
    first_details = next(k for k, p in enumerate(laid_out.pages) if "summary" in p.anchors)
    assert first_details <= 2, "the brief fills at most the first two pages"
    assert pages_before_appendix(laid_out) <= 20


def test_chinese_table_columns_do_not_wrap_one_character_per_line(laid_out: Any) -> None:
    assert one_character_columns(laid_out) == []


def pages_ending_with_a_heading(document: Any) -> list[int]:
    """Pages whose last heading, paragraph, row, image or list item is a heading."""
    from weasyprint.formatting_structure import boxes

    kinds = (boxes.BlockBox, boxes.ReplacedBox, boxes.TableRowBox)
    tags = ("h2", "h3", "p", "tr", "img", "li", "figcaption")
    ending = []
    for number, page in enumerate(document.pages, start=1):
        blocks = [
            b
            for b in page._page_box.descendants()
            if isinstance(b, kinds) and b.element_tag in tags
        ]
        if blocks and blocks[-1].element_tag in ("h2", "h3"):
            ending.append(number)
    return ending


def test_headings_are_kept_with_what_follows(laid_out: Any) -> None:
    """No page ends with a heading (break-after: avoid, and kept blocks)."""
    assert pages_ending_with_a_heading(laid_out) == []


@pytest.mark.slow
def test_demo_comparison_pdf_is_at_most_twenty_pages_before_the_appendix(tmp_path: Path) -> None:
    """The README's demo (the four bundled reform steps), two replications.

    Shortened to two years of signings (one warm-up): the report's length depends on
    what it holds (steps, outputs, pools), not on how long the county ran.
    """
    import model
    from model.outputs.folders import load_results, write_comparison

    _weasyprint()
    root = Path(__file__).resolve().parents[2] / "scenarios"
    steps = ["baseline-serial", "parallel", "simulated", "three-sixes"]
    short = {"run.horizon_days": 730.0, "run.warmup_days": 365.0}
    scenarios = [model.load_scenario(root / f"{s}.yaml").with_overrides(short) for s in steps]
    comparison = model.compare(scenarios, replications=2, workers=2)
    write_comparison(comparison, tmp_path, "csv", steps)
    for lang in ("zh", "en"):
        document = layout(report.render_html(load_results(tmp_path), lang))
        assert pages_before_appendix(document) <= 20, lang
        assert one_character_columns(document) == [], lang
        assert pages_ending_with_a_heading(document) == [], lang
        assert page_footers(document)[0].strip() in (
            f"第 1 页，共 {len(document.pages)} 页",
            f"page 1 of {len(document.pages)}",
        )


def test_one_scenario_has_a_brief_without_steps(named_dir: Path) -> None:
    """A ``run`` folder: the message is its own signing → start; no steps to rank."""
    from model.outputs.folders import load_results

    data = load_results(named_dir / "s0")
    context = report_context(data, "zh")
    short = brief(data, context, context["names"])
    assert short is not None and short["mechanisms"] is None
    mean = kpi_table(data.scenarios[0].summary, [HEADLINE]).iloc[0]["mean"]
    assert short["message"] == f"串联基准：签约至开工平均 {format_number(mean)} 天"
    html = report.render_html(data, "zh")
    assert short["message"] in html


def test_collapsed_sections_do_not_print(laid_out: Any) -> None:
    """Three scorecards on screen, the first open: the PDF prints only the open one."""
    from weasyprint.formatting_structure import boxes

    headers = [
        box
        for page in laid_out.pages
        for box in page._page_box.descendants()
        if isinstance(box, boxes.TableCellBox) and _texts(box).strip() == "事项平均天数"
    ]
    assert len(headers) == 1
