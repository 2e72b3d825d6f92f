"""The report: self-contained, escaped, readable in Chinese, numbers taken from the results."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import base_scenario_dict, make_scenario


import model
from model.analysis.outputs import format_interval, format_number
from model.analysis.targets import target_shares
from model.cli.app import main
from model.outputs import fonts
from model.outputs.folders import (
    OutputExistsError,
    ResultsFolderError,
    StoredResults,
    load_results,
    write_comparison,
)
from model.report import render as report
from model.report.sections import assumption_rows, difference_table, level_table

IN_CI = bool(os.environ.get("CI"))
from model.report.sentences import difference_sentence

HOSTILE = "<script>alert('x')</script>"


def _hostile_scenario(**overrides: object) -> model.Scenario:
    """The small county with a project type, a department and a note that are markup."""
    data = base_scenario_dict()
    data["project_types"][HOSTILE] = data["project_types"].pop("industrial")
    data["departments"]["<b>局</b>"] = data["departments"].pop("住建局")
    for item in data["items"].values():
        if item["department"] == "住建局":
            item["department"] = "<b>局</b>"
    data["items"]["filing"]["source"] = "<img src=x onerror=alert(1)>"
    data["name"] = "基准 <i>serial</i>"
    data.update(overrides)
    return model.Scenario.model_validate(data)


@pytest.fixture(scope="module")
def comparison() -> model.Comparison:
    serial = _hostile_scenario()
    parallel = _hostile_scenario(name="并联 parallel", approval_mode="parallel")
    return model.compare([serial, parallel], replications=3, workers=1)


@pytest.fixture(scope="module")
def results_dir(comparison: model.Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results")
    write_comparison(comparison, folder, "csv", ["serial", "parallel"])
    return folder


@pytest.fixture(scope="module")
def html_zh(results_dir: Path, comparison: model.Comparison) -> str:
    scenarios = {
        "serial": comparison.results[0].scenario,
        "parallel": comparison.results[1].scenario,
    }
    return report.render_html(load_results(results_dir, scenarios), "zh")


@pytest.fixture(scope="module")
def html_en(results_dir: Path) -> str:
    return report.render_html(load_results(results_dir), "en")


def _text(html: str) -> str:
    """The page without base64 payloads (what a reader sees, roughly)."""
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,", html)


def test_scenario_strings_are_escaped(html_zh: str) -> None:
    assert "<script" not in html_zh.lower()
    assert "<b>局</b>" not in html_zh and "<i>serial</i>" not in html_zh
    assert "<img src=x" not in html_zh
    assert "&lt;script&gt;" in html_zh, "the project type is shown, as text"
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_zh, "the source note is shown, as text"


def test_page_is_self_contained(html_zh: str) -> None:
    text = _text(html_zh)
    assert "<link" not in text
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", text)
    images = re.findall(r'<img [^>]*src="([^"]+)"', html_zh)
    assert len(images) >= 5
    assert all(src.startswith("data:image/png;base64,") for src in images)
    for src in images:  # every embedded image is a real PNG
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_embedded_font_covers_every_character_of_the_page(html_zh: str) -> None:
    from fontTools.ttLib import TTFont

    match = re.search(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", html_zh)
    assert match, "the page embeds its CJK font"
    font = TTFont(io.BytesIO(base64.b64decode(match.group(1))))
    covered = set(font.getBestCmap())
    text = re.sub(r"<style>.*?</style>", "", _text(html_zh), flags=re.S)
    cjk = {c for c in text if ord(c) >= 0x2E80}
    assert len(cjk) > 50
    missing = sorted(c for c in cjk if ord(c) not in covered)
    assert missing == []


def test_summary_sentences_carry_the_paired_differences(
    html_en: str, html_zh: str, comparison: model.Comparison
) -> None:
    d = comparison.differences().set_index("output").loc["signing_to_start_days"]
    en = difference_sentence(
        "并联 parallel",
        "基准 <i>serial</i>",
        "signing_to_start_days",
        d["difference"],
        d["ci_low"],
        d["ci_high"],
        "en",
    )
    zh = difference_sentence(
        "并联 parallel",
        "基准 <i>serial</i>",
        "signing_to_start_days",
        d["difference"],
        d["ci_low"],
        d["ci_high"],
        "zh",
    )
    escape = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    assert escape(en) in html_en
    assert escape(zh) in html_zh
    if d["ci_high"] < 0:
        assert (
            f"saves {format_number(-d['difference'])} days (95 % CI {format_number(-d['ci_high'])}"
            in en
        )
    elif d["ci_low"] > 0:
        adds = f"adds {format_number(d['difference'])} days"
        assert f"{adds} (95 % CI {format_number(d['ci_low'])}" in en
    else:
        assert "makes no clear difference" in en


def _stored(label: str, summary: dict[str, list[float]]) -> StoredResults:
    """A scenario's results with only a summary table (enough for the tables)."""
    empty = pd.DataFrame()
    table = pd.DataFrame({"replication": range(len(next(iter(summary.values())))), **summary})
    return StoredResults(label, None, {}, table, empty, empty, empty)


def test_difference_of_shares_keeps_its_negative_interval() -> None:
    # Paired differences -1.5, -2.5 and -2.0 points: mean -2, t-interval about [-3.2, -0.8].
    base = _stored("b", {"share_at_most_one_trip": [0.50, 0.60, 0.70]})
    other = _stored("p", {"share_at_most_one_trip": [0.485, 0.575, 0.68]})
    table = difference_table([base, other], ["share_at_most_one_trip"], "en")
    cell = table["rows"][0][1]
    assert cell == "-2.0 pp [-3.2 pp, -0.8 pp] *"
    assert "0 %" not in cell, "a difference is not clamped to [0, 1] like a level"


def test_level_of_a_share_is_clamped_to_one() -> None:
    stored = _stored("b", {"share_at_most_one_trip": [0.96, 1.0, 1.0]})
    cell = level_table([stored], ["share_at_most_one_trip"], "en")["rows"][0][1]
    assert cell == "99 % [93 %, 100 %]"


def test_rendered_differences_are_formatted_as_differences(
    html_en: str, comparison: model.Comparison
) -> None:
    differences = comparison.differences().set_index("output")
    for name in ("share_items_within_limit", "signing_to_start_days"):
        d = differences.loc[name]
        cell = format_interval(name, d["difference"], d["ci_low"], d["ci_high"], difference=True)
        assert f'<td class="num">{cell}' in html_en


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (-41.2, -45.0, -37.0, "en"),
            "p saves 41 days (95 % CI 37–45) from signing to construction start compared with b.",
        ),
        (
            (12.0, 10.0, 14.0, "en"),
            "p adds 12 days (95 % CI 10–14) from signing to construction start compared with b.",
        ),
        (
            (-41.2, -45.0, -37.0, "zh"),
            "与 b 相比，p 使签约至开工的时间缩短 41 天（95% 置信区间 37–45 天）。",
        ),
        (
            (1.0, -3.0, 5.0, "zh"),
            "与 b 相比，p 对签约至开工的时间没有明显影响"
            "（变化 +1.0 天，95% 置信区间 -3.0 至 5.0）。",
        ),
    ],
)
def test_difference_sentence(args: tuple[float, float, float, str], expected: str) -> None:
    difference, low, high, lang = args
    assert (
        difference_sentence("p", "b", "signing_to_start_days", difference, low, high, lang)
        == expected
    )  # type: ignore[arg-type]


def test_no_clear_difference_in_english() -> None:
    text = difference_sentence("p", "b", "trips", 0.4, -0.2, 1.0, "en")
    assert text.startswith("p makes no clear difference to trips per project")


def test_target_shares_count_projects_per_replication() -> None:
    """Each target reads its own government clock (filing → permit, filing → acceptance)."""
    projects = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 1],
            "government_prestart_days": [20.0, 50.0, 120.0, 10.0, float("nan")],
            "government_full_days": [25.0, 100.0, 130.0, 20.0, float("nan")],
            "government_full_wd": [18.0, 72.0, 122.0, 14.0, float("nan")],
            # The enterprise's elapsed days must not be what a target reads.
            "land_to_start_days": [500.0, 500.0, 500.0, 500.0, 500.0],
            "trips": [0, 1, 2, 5, 1],
            "finished": [True, True, True, True, False],
        }
    )
    shares = target_shares(projects).set_index("replication")
    assert shares.loc[0, "taizhou_prestart_30d"] == pytest.approx(1 / 3)
    assert shares.loc[0, "zhejiang_prestart_100d"] == pytest.approx(2 / 3)
    assert shares.loc[0, "zhejiang_90d"] == pytest.approx(1 / 3)  # 25, 100, 130 days
    assert shares.loc[0, "national_120wd"] == pytest.approx(2 / 3)  # 18, 72, 122 WD
    assert shares.loc[0, "at_most_one_trip"] == pytest.approx(2 / 3)
    assert shares.loc[1, "taizhou_prestart_30d"] == 1.0  # the unfinished one is not counted
    assert shares.loc[1, "at_most_one_trip"] == 0.0


def test_assumptions_flag_parameters_without_a_source() -> None:
    scenario = make_scenario(
        **{
            "items.filing.source": "[P] from a notice",
            "items.listing.effort_wd": {"kind": "fixed", "value": 2, "source": "[E] own note"},
            "departments.发改局.source": "[N] news",
        }
    )
    rows = {r["where"]: r for r in assumption_rows(scenario)}
    assert rows["items.filing"]["assumed"] is False
    assert any("effort_wd = uniform" in p for p in rows["items.filing"]["parameters"])
    assert rows["items.listing.effort_wd"]["source"] == "[E] own note"
    assert rows["items.listing"]["assumed"] is True  # its other fields have no note
    assert rows["departments.发改局"]["assumed"] is False
    assert rows["departments.住建局"]["assumed"] is True
    assert rows["arrivals"]["assumed"] is True
    assert not any(w.startswith("run") for w in rows), (
        "run settings are provenance, not assumptions"
    )
    mechanisms = [w for w in rows if w.startswith("mechanisms.")]
    assert mechanisms == [], "switched-off mechanisms take no part in the run"


def test_report_lists_sources_and_flags(html_zh: str) -> None:
    assert "假设：无来源" in html_zh
    assert "事项：filing" in html_zh, "an item without a Chinese name is shown by its key"


def test_stored_scenario_lists_sources_and_its_absence_is_said(
    results_dir: Path, tmp_path: Path
) -> None:
    with_scenario = report.render_html(load_results(results_dir), "en")
    assert "is not stored in this results folder" not in with_scenario
    copy = tmp_path / "results"
    shutil.copytree(results_dir, copy)
    for stored in copy.rglob("scenario.json"):
        stored.unlink()
    without = report.render_html(load_results(copy), "en")
    assert "scenario.json" in without


def test_scenario_json_is_read_when_present(
    results_dir: Path, comparison: model.Comparison, tmp_path: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(results_dir, folder)
    (folder / "parallel" / "scenario.json").unlink()  # store.py writes one per scenario
    data = load_results(folder)
    assert data.scenarios[0].scenario == comparison.results[0].scenario
    assert data.scenarios[1].scenario is None


def test_baseline_order_comes_from_the_comparison(results_dir: Path) -> None:
    data = load_results(results_dir)
    # Folders sort as "parallel" < "serial", but the comparison's baseline is serial.
    assert [p.label for p in data.scenarios] == ["基准 <i>serial</i>", "并联 parallel"]


def test_sweep_and_attribution_sections_only_when_their_files_exist(
    results_dir: Path, html_en: str, tmp_path: Path
) -> None:
    assert "Staffing curves" not in html_en
    assert "Days saved per mechanism" not in html_en
    folder = tmp_path / "with-extras"
    shutil.copytree(results_dir, folder)
    rows = []
    for variant, staff in enumerate([1, 2, 3]):
        for replication in range(3):
            rows.append(
                {
                    "variant_id": variant,
                    "departments.发改局.staff": staff,
                    "replication": replication,
                    "signing_to_start_days": 100.0 / staff + replication,
                    "trips": 5.0,
                }
            )
    pd.DataFrame(rows).to_csv(folder / "sweep.csv", index=False)
    pd.DataFrame(
        {"factor": ["one_window", "agents"], "output": "signing_to_start_days",
         "contribution": [-20.0, -5.0], "ci_low": [-25.0, -8.0], "ci_high": [-15.0, -2.0],
         "share": [0.8, 0.2]}
    ).to_csv(folder / "attribution.csv", index=False)  # fmt: skip
    pd.DataFrame(
        {"output": ["signing_to_start_days"], "baseline": [300.0], "reformed": [275.0],
         "difference": [-25.0], "ci_low": [-30.0], "ci_high": [-20.0]}
    ).to_csv(folder / "attribution_total.csv", index=False)  # fmt: skip
    html = report.render_html(load_results(folder), "en")
    assert "Staffing curves" in html and "departments.发改局.staff" in html
    assert "Days saved per mechanism" in html
    assert len(re.findall(r'src="data:image/png', html)) > len(
        re.findall(r'src="data:image/png', html_en)
    )


@pytest.fixture()
def attribution_dir(tmp_path: Path) -> Path:
    """A folder as ``approvalsim attribute --out`` leaves it: quick to report on."""
    folder = tmp_path / "attribution"
    folder.mkdir()
    pd.DataFrame(
        {"factor": ["one_window"], "output": "trips", "contribution": [-3.0], "ci_low": [-4.0],
         "ci_high": [-2.0], "share": [1.0]}
    ).to_csv(folder / "attribution.csv", index=False)  # fmt: skip
    return folder


def test_attribution_folder_alone_makes_a_report(attribution_dir: Path) -> None:
    html = report.render_html(load_results(attribution_dir), "zh")
    assert "各项机制节省的天数" in html


def test_write_report_refuses_to_overwrite_and_takes_paths_as_given(
    attribution_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "deep" / "r.html"
    assert report.write_report(attribution_dir, target, "en") == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExistsError):
        report.write_report(attribution_dir, target, "en")
    assert report.write_report(attribution_dir, target, "zh", overwrite=True) == target
    assert 'lang="zh-CN"' in target.read_text(encoding="utf-8")
    assert not list(attribution_dir.glob("report-*")), "an explicit --out writes nowhere else"
    default = report.write_report(attribution_dir, lang="en")
    assert default == attribution_dir / "report-en.html"


def test_empty_folder_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ResultsFolderError, match="no results"):
        load_results(tmp_path)
    with pytest.raises(report.ReportError, match="no results"):
        report.write_report(tmp_path)


def test_cli_report(
    attribution_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(attribution_dir), "--lang", "en", "--out", str(out)]) == 0
    assert f"Report written to {out}" in capsys.readouterr().out
    assert main(["report", str(attribution_dir), "--lang", "en", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2


@pytest.mark.slow
def test_cli_compare_report_writes_into_the_out_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = base_scenario_dict()
    data["run"]["horizon_days"] = 150
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    data["approval_mode"] = "parallel"
    data["name"] = "parallel"
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    files = [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    options = ["-n", "2", "--workers", "1", "--out", str(out), "--report", "--report-lang", "en"]
    status = main(["compare", *files, *options])
    assert status == 0
    assert f"Report written to {out / 'report-en.html'}" in capsys.readouterr().out
    html = (out / "report-en.html").read_text(encoding="utf-8")
    assert "parallel" in html and "assumption: no source" in html  # the scenarios were passed in


def test_pdf(results_dir: Path, tmp_path: Path) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        if not shutil.which("chromium") and not IN_CI:
            pytest.skip("neither WeasyPrint (with Pango) nor Chromium is available")
    path = report.write_report(results_dir, tmp_path / "r.pdf", "zh", "pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    assert path.stat().st_size > 50_000


# -- looked at as a page: headless Chromium ------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run installs Debian's chromium, so in CI a missing browser is a failure, not a skip.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI, reason="headless Chromium is not installed"
)


def _screenshot(html: str, folder: Path, name: str, size: str = "900,200") -> bytes:
    page = folder / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    png = folder / f"{name}.png"
    command = report.chromium_command(str(CHROMIUM), folder / f"profile-{name}")
    shot = [f"--screenshot={png}", f"--window-size={size}", "--hide-scrollbars", page.as_uri()]
    subprocess.run([*command, *shot], check=True, capture_output=True, timeout=120)
    return png.read_bytes()


def _page(text: str, with_font: bool) -> str:
    face = fonts.font_face(text) if with_font else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{face} body {{ margin: 0; }}"
        f"p {{ font: 40px '{fonts.PAGE_FONT}', 'DejaVu Sans Mono', monospace; }}</style></head>"
        f"<body><p>{text}</p></body></html>"
    )


@needs_chromium
def test_chinese_renders_as_glyphs_not_boxes(tmp_path: Path) -> None:
    """The embedded font draws real glyphs; without it, this machine draws boxes.

    Characters from the Private Use Area have no glyph in any font, so they render
    as the fallback "tofu" box. The report's Chinese, in the embedded font, must
    not look like that.
    """
    chinese = "投资项目审批仿真报告"
    tofu = "".join(chr(0xE000 + k) for k in range(len(chinese)))
    with_font = _screenshot(_page(chinese, True), tmp_path, "with")
    boxes = _screenshot(_page(tofu, False), tmp_path, "tofu")
    assert with_font != boxes
    installed = subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True
    ).stdout.strip()
    if not installed:  # the control: on a machine without Chinese fonts, no font means boxes
        without_font = _screenshot(_page(chinese, False), tmp_path, "without")
        assert without_font == boxes


@needs_chromium
def test_report_page_renders(html_zh: str, tmp_path: Path) -> None:
    from PIL import Image

    png = _screenshot(html_zh, tmp_path, "report", "1000,2400")
    image = Image.open(io.BytesIO(png)).convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.005 < dark < 0.5, "a page with text and figures, neither blank nor black"


def test_manifest_provenance_is_shown(results_dir: Path, html_en: str) -> None:
    manifest = json.loads((results_dir / "serial" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_hash"] in html_en
    assert str(manifest["seed"]) in html_en


def test_key_outputs_say_which_clock_they_are_on(html_zh: str, html_en: str) -> None:
    """Both clocks are in the key-output table, and the page explains them with an example."""
    assert "政府用时：赋码→施工许可" in html_zh and "两种口径" in html_zh
    assert "government clock, filing → construction permit" in html_en
    assert "has two working days on the government clock" in html_en
