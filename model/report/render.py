"""The report as a file: one self-contained HTML page, or a PDF of it.

``write_report(results_dir)`` reads what ``approvalsim run``/``compare`` wrote
(and, if present, sweep and attribution tables; see the read side of
:mod:`model.outputs.folders`), builds the sections
(:mod:`model.report.sections`) and renders ``templates/report.html.j2`` into a
single file that opens offline:

* figures are PNG images embedded as base64 ``data:`` URIs
  (:mod:`model.report.figures`);
* the page's own text uses a subset of the bundled CJK font (Noto Sans CJK SC,
  SIL Open Font License), embedded as a base64 ``@font-face``
  (:func:`model.outputs.fonts.font_face`), so Chinese renders without
  missing-glyph boxes on a machine that has no Chinese font;
* every string that comes from a scenario or a results folder is escaped by
  Jinja's autoescaping (a project type named ``<script>`` shows as text).

PDF is made from the same HTML by WeasyPrint (a PyPI package; it needs the
Pango library, which Linux desktops have) or, if WeasyPrint cannot load, by a
headless Chromium (``chromium --print-to-pdf``) when one is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import jinja2
from markupsafe import Markup

from model.analysis.outputs import Lang
from model.files import atomic_path
from model.outputs.folders import (
    OutputExistsError,
    ResultsFolder,
    ResultsFolderError,
    load_results,
)
from model.outputs.folders import read_table as read_table  # the CLI's old import path
from model.outputs.fonts import PAGE_FONT, font_face
from model.report.brief import brief
from model.report.sections import report_context
from model.report.words import TEXT
from model.scenario.schema import Scenario

Format = Literal["html", "pdf"]

#: Browsers tried, in order, for PDF when WeasyPrint is not usable.
BROWSERS: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome")


class ReportError(Exception):
    """The results folder cannot be turned into a report (a user error)."""


def template_environment(package: str = "model.report") -> jinja2.Environment:
    """The templates of ``package`` (the report's by default), autoescaped."""
    # Autoescape on for every template: scenario strings are data, never markup.
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(data: ResultsFolder, lang: Lang = "zh") -> str:
    """The report as one self-contained HTML string.

    Raises:
        ReportError: ``lang`` is not a language of the report.

    """
    if lang not in TEXT:
        raise ReportError(f"unknown language {lang!r}; use one of: {', '.join(TEXT)}")
    context = report_context(data, lang)
    context["brief"] = brief(data, context, context["names"])
    template = template_environment().get_template("report.html.j2")
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
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        raise ReportError(
            f"cannot write PDF: WeasyPrint is not usable ({reason}) and no Chromium was found; "
            "install Pango (Linux: your distribution's pango package) or Chromium, "
            "or use --format html"
        )
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "report.html"
        page.write_text(html, encoding="utf-8")
        command = [
            *chromium_command(browser, Path(scratch) / "profile"),
            f"--print-to-pdf={target}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
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
    if target.is_dir():
        raise ReportError(
            f"{target} is a folder; give the report's file name, e.g. {target / f'report.{fmt}'}"
        )
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target} already exists; pass --force to replace it or choose another --out"
        )
    try:
        data = load_results(results_dir, scenarios)
    except ResultsFolderError as error:
        raise ReportError(str(error)) from error
    html = render_html(data, lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        if fmt == "html":
            temporary.write_text(html, encoding="utf-8")
        else:
            html_to_pdf(html, temporary)
    return target


__all__ = [
    "Format",
    "ReportError",
    "chromium_command",
    "default_report_path",
    "html_to_pdf",
    "render_html",
    "write_report",
]
