"""The what-if page's routes: a FastAPI application rendering Jinja2 pages on the server.

Routes (every page takes ``?lang=zh|en``, Chinese by default):

* ``GET /``: the form, filled in with the chosen baseline (``?baseline=KEY``).
* ``POST /upload``: a scenario file as the new baseline.
* ``POST /run``: validate the form as a scenario file extending the baseline,
  then start a job and go to its page.
* ``GET /jobs/ID``: the form as it was posted, a progress bar while the job
  runs (polling ``GET /jobs/ID/status``), then the results.
* ``POST /jobs/ID/cancel``: stop after the replication that is finishing.
* ``GET /jobs/ID/scenario.yaml``: the variant as a scenario file (``extends:``
  the baseline).
* ``GET /jobs/ID/report.html``, ``/jobs/ID/report.pdf``: the report of the run,
  written by :func:`model.report.render.write_report`.

Bad input never reaches the simulation as an exception: it is a
:class:`~model.scenario.problems.ScenarioError` shown on the page with status
400, worded as the command line words it.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from model.analysis.outputs import Lang
from model.experiments.overload import overload_warnings
from model.outputs.folders import OutputExistsError, write_comparison
from model.outputs.fonts import PAGE_FONT, font_face
from model.report.render import ReportError, template_environment, write_report
from model.scenario.files import MAX_FILE_BYTES
from model.scenario.problems import Problem, ScenarioError
from model.web.forms import SWITCHES, Choices, build_variant
from model.web.jobs import Job, Jobs
from model.web.library import Baseline, Library
from model.web.results import result_view
from model.web.words import TEXT

log = logging.getLogger(__name__)

#: Most fields one form may post (18 switches, a few dozen departments, the rest).
MAX_FIELDS = 500


def language(value: object) -> Lang:
    """``zh`` or ``en``; anything else is the default, Chinese."""
    return "en" if value == "en" else "zh"


def templates() -> jinja2.Environment:
    """The page templates, autoescaped like the report's: names from a scenario are text."""
    return template_environment("model.web")


def input_name(problem: Problem) -> str | None:
    """The form input a problem is about (``departments.住建局.staff`` → ``staff.住建局``)."""
    parts = problem.field.split(".")
    if len(parts) == 3 and parts[0] == "departments" and parts[2] == "staff":
        return f"staff.{parts[1]}"
    if problem.field == "arrivals.rate_per_year":
        return "rate"
    if problem.field in ("run.replications", "name"):
        return problem.field.removeprefix("run.")
    for switch in SWITCHES:
        if any(problem.field.startswith(path.rsplit(".", 1)[0]) for path in switch.on):
            return f"switch-{switch.slug}"
    return None


class Pages:
    """Renders the page for a baseline, a form, errors and a job."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.environment = templates()

    def render(
        self,
        lang: Lang,
        baseline: Baseline | None,
        choices: Choices | None = None,
        *,
        errors: list[Problem] | None = None,
        job: Job | None = None,
        message: str = "",
        status: int = 200,
        path: str = "/",
        query: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The page, as an HTML response with ``status``."""
        errors = errors or []
        if baseline is not None and choices is None:
            choices = Choices.of(baseline.scenario)
        other: Lang = "en" if lang == "zh" else "zh"
        context: dict[str, Any] = {
            "lang": lang,
            "t": TEXT[lang],
            "other_lang_url": f"{path}?{urlencode({**(query or {}), 'lang': other})}",
            "baselines": self.library.choices(),
            "baseline": baseline,
            "choices": choices,
            "switches": _switch_rows(baseline, choices, lang) if baseline and choices else [],
            "errors": [str(p) for p in errors],
            "invalid": {name for p in errors if (name := input_name(p))},
            "message": message,
            "job": job,
            "view": _view(job, lang),
            "changes": job.variant.changes if job else {},
            "max_upload": MAX_FILE_BYTES,
        }
        template = self.environment.get_template("page.html.j2")
        # As the report does: render once to learn the characters, then embed the subset
        # of the bundled CJK font that covers them, so Chinese shows without Chinese fonts.
        draft = template.render(**context, font_css=Markup(""), page_font=PAGE_FONT)
        font = Markup(page_font_css("".join(sorted(set(draft)))))
        html = template.render(**context, font_css=font, page_font=PAGE_FONT)
        return HTMLResponse(html, status_code=status)


@functools.lru_cache(maxsize=64)
def page_font_css(characters: str) -> str:
    """The ``@font-face`` of the CJK subset covering ``characters`` (pages share most)."""
    return font_face(characters)


def _switch_rows(baseline: Baseline, choices: Choices, lang: Lang) -> list[dict[str, Any]]:
    rows = []
    for switch in SWITCHES:
        info = switch.info
        rows.append(
            {
                "slug": switch.slug,
                "group": info.group,
                "number": info.number,
                "label": info.chinese if lang == "zh" else info.english,
                "other": info.english if lang == "zh" else info.chinese,
                "settings": ", ".join(f"{path}: {value}" for path, value in switch.on.items()),
                "note": TEXT[lang][switch.note] if switch.note else "",
                "checked": choices.switches.get(switch.slug, False),
                "in_baseline": switch.is_on(baseline.scenario),
            }
        )
    return rows


def _view(job: Job | None, lang: Lang) -> dict[str, Any] | None:
    if job is None or job.comparison is None or not job.finished_state:
        return None
    with job.lock:
        if lang not in job.views:
            job.views[lang] = result_view(job.comparison, lang)
        return cast(dict[str, Any], job.views[lang])


def _attachment(name: str) -> str:
    """A Content-Disposition for ``name`` that keeps Chinese (RFC 6266 ``filename*``)."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def create_app(library: Library, jobs: Jobs) -> FastAPI:
    """The what-if application over ``library``'s baselines, running on ``jobs``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(jobs.close)

    app = FastAPI(title="approvalsim what-if", lifespan=lifespan, docs_url=None, redoc_url=None)
    pages = Pages(library)

    def not_found(lang: Lang, text: str) -> HTMLResponse:
        return pages.render(lang, library.default, message=TEXT[lang][text], status=404)

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        lang = language(request.query_params.get("lang"))
        key = request.query_params.get("baseline")
        baseline = library.get(key) if key else library.default
        if baseline is None and key:
            return not_found(lang, "no_baseline")
        query = {"baseline": key} if key else {}
        return pages.render(lang, baseline, path="/", query=query)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=MAX_FIELDS)
        lang = language(form.get("lang"))
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            problem = Problem("upload", None, "", "choose a scenario file (.yaml) to upload")
            return pages.render(lang, library.default, errors=[problem], status=400)
        content = await sent.read(MAX_FILE_BYTES + 1)
        try:
            baseline = await run_in_threadpool(library.upload, sent.filename, content)
        except ScenarioError as error:
            return pages.render(lang, library.default, errors=error.problems, status=400)
        url = f"/?{urlencode({'baseline': baseline.key, 'lang': lang})}"
        return RedirectResponse(url, status_code=303)

    @app.post("/run", response_class=HTMLResponse)
    async def run(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = language(form.get("lang"))
        key = str(form.get("baseline", ""))
        baseline = library.get(key)
        if baseline is None:
            return not_found(lang, "no_baseline")
        choices = Choices.from_form(form, baseline.scenario)
        job_id, folder = jobs.new_folder()
        try:
            variant = await run_in_threadpool(
                build_variant, choices, baseline.scenario, baseline.path, folder
            )
        except ScenarioError as error:
            shutil.rmtree(folder, ignore_errors=True)
            return pages.render(lang, baseline, choices, errors=error.problems, status=400)
        job = Job(
            id=job_id,
            baseline_key=baseline.key,
            baseline_file=baseline.path.name,
            baseline=baseline.scenario,
            variant=variant,
            choices=choices,
            seed=baseline.scenario.run.seed,
            folder=folder,
            warnings=overload_warnings([variant.scenario]),
        )
        try:
            jobs.submit(job)
        except ValueError as error:
            problem = Problem(variant.file_name, None, "", str(error))
            return pages.render(lang, baseline, choices, errors=[problem], status=400)
        return RedirectResponse(f"/jobs/{job.id}?lang={lang}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(job_id: str, request: Request) -> HTMLResponse:
        lang = language(request.query_params.get("lang"))
        job = jobs.get(job_id)
        if job is None:
            return not_found(lang, "no_job")
        baseline = library.get(job.baseline_key)
        if baseline is None:
            return not_found(lang, "no_baseline")
        return pages.render(lang, baseline, job.choices, job=job, path=f"/jobs/{job_id}")

    @app.get("/jobs/{job_id}/status")
    def job_status(job_id: str) -> JSONResponse:
        job = jobs.get(job_id)
        if job is None:
            return JSONResponse({"state": "unknown", "id": job_id}, status_code=404)
        return JSONResponse(job.status())

    @app.post("/jobs/{job_id}/cancel")
    async def cancel(job_id: str, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
        lang = language(form.get("lang"))
        if jobs.cancel(job_id) is None:
            return not_found(lang, "no_job")
        return RedirectResponse(f"/jobs/{job_id}?lang={lang}", status_code=303)

    @app.get("/jobs/{job_id}/scenario.yaml")
    def scenario_file(job_id: str, request: Request) -> Response:
        job = jobs.get(job_id)
        if job is None:
            return not_found(language(request.query_params.get("lang")), "no_job")
        text = job.variant.yaml_text(job.baseline_file, job.seed)
        return Response(
            text,
            media_type="application/x-yaml; charset=utf-8",
            headers={"Content-Disposition": _attachment(job.variant.file_name)},
        )

    @app.get("/jobs/{job_id}/report.{fmt}")
    def report(job_id: str, fmt: str, request: Request) -> Response:
        lang = language(request.query_params.get("lang"))
        job = jobs.get(job_id)
        if job is None or fmt not in ("html", "pdf"):
            return not_found(lang, "no_job")
        baseline = library.get(job.baseline_key)
        if job.comparison is None or not job.finished_state:
            return pages.render(
                lang, baseline, job.choices, job=job, message=TEXT[lang]["no_results"], status=409
            )
        try:
            path = _report(job, lang, fmt)
        except (ReportError, OutputExistsError, OSError) as error:
            message = str(error)
            return pages.render(lang, baseline, job.choices, job=job, message=message, status=409)
        stem = Path(job.variant.file_name).stem
        return FileResponse(
            path,
            media_type="text/html; charset=utf-8" if fmt == "html" else "application/pdf",
            headers={"Content-Disposition": _attachment(f"{stem}-report-{lang}.{fmt}")},
        )

    return app


def _report(job: Job, lang: Lang, fmt: str) -> Path:
    """The job's report in ``lang`` and ``fmt``, written once (the report writer's own)."""
    assert job.comparison is not None
    target = job.folder / f"report-{lang}.{fmt}"
    with job.lock:
        if target.is_file():
            return target
        results = job.folder / "results"
        base = Path(job.baseline_file).stem
        variant = Path(job.variant.file_name).stem
        names = [base, variant if variant != base else f"{variant}-2"]
        if not results.is_dir():
            write_comparison(job.comparison, results, "csv", names)
        scenarios = dict(zip(names, job.scenarios, strict=True))
        return write_report(
            results,
            target,
            lang,
            "pdf" if fmt == "pdf" else "html",
            scenarios=scenarios,
            overwrite=True,
        )


__all__ = ["create_app", "language"]
