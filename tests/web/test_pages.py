"""The what-if page without a browser: routes, forms, errors, cancel, jobs side by side.

FastAPI's TestClient calls the application in-process; the jobs run for real
(inline, ``workers=1``) on the small test county, a fraction of a second each.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
import yaml
from web_fixtures import HOUSING, free_port, live_server, make_app, wait

import model
from model.web.forms import SWITCHES, Choices, changes_of
from model.web.jobs import Job, Jobs
from model.web.library import Library

IN_CI = bool(os.environ.get("CI"))

with warnings.catch_warnings():
    # Starlette would have httpx2 instead of httpx under its TestClient; httpx still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Library, Jobs]]:
    app, library, jobs = make_app(tmp_path)
    with TestClient(app) as client:
        yield client, library, jobs


def post_run(client: TestClient, **fields: str) -> object:
    data = {"lang": "en", "baseline": "small", "replications": "2", **fields}
    return client.post("/run", data=data, follow_redirects=False)


def started(client: TestClient, jobs: Jobs, **fields: str) -> Job:
    response = post_run(client, **fields)
    assert response.status_code == 303, response.text[:2000]
    job_id = response.headers["location"].split("/")[2].split("?")[0]
    job = jobs.get(job_id)
    assert job is not None
    return job


def text_of(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:]))


def test_the_form_shows_the_eighteen_mechanisms_staff_and_arrivals(served) -> None:
    client, _, _ = served
    page = client.get("/")
    assert page.status_code == 200
    assert "审批改革" in page.text  # Chinese by default
    assert len(SWITCHES) == 18
    for switch in SWITCHES:
        assert f'id="switch-{switch.slug}"' in page.text
    assert "签约即落地" in page.text and "一套机制运行" in page.text
    assert f'name="staff.{HOUSING}"' in page.text and 'name="rate"' in page.text
    english = client.get("/?lang=en")
    assert "What if?" in english.text and "signing = landing" in english.text


def test_the_form_starts_as_the_baseline_and_writes_only_what_changed(served) -> None:
    _, library, _ = served
    baseline = library.get("small-parallel")
    assert baseline is not None
    choices = Choices.of(baseline.scenario)
    assert choices.switches["approval_mode"] is True  # 并联办 on in this baseline
    assert changes_of(choices, baseline.scenario) == {}
    off = Choices(
        choices.name,
        {**choices.switches, "approval_mode": False, "agents": True},
        {**choices.staff, HOUSING: "5"},
        "60",
        "2",
    )
    assert changes_of(off, baseline.scenario) == {
        "approval_mode": "serial",
        "mechanisms.agents.enabled": True,
        f"departments.{HOUSING}.staff": 5,
        "arrivals.rate_per_year": 60,
    }


def test_a_run_shows_both_scenarios_their_paired_differences_pools_and_targets(served) -> None:
    client, _, jobs = served
    job = wait(started(client, jobs, **{"switch-approval_mode": "on"}))
    assert job.state == "done", job.message
    assert job.comparison is not None and job.comparison.replications == 2
    page = client.get(f"/jobs/{job.id}?lang=en")
    assert page.status_code == 200
    for table in ("levels", "differences", "production", "utilisation", "targets"):
        assert f'id="{table}"' in page.text
    assert "government clock, filing → construction permit" in text_of(page.text, "levels")
    assert "small-whatif − small" in text_of(page.text, "differences")
    assert HOUSING in text_of(page.text, "utilisation")
    assert "At most one trip" in text_of(page.text, "targets")
    assert "data:image/png;base64," in page.text
    # Common random numbers: the signing → first application wait is not touched by
    # parallel approval, so its paired difference is exactly zero.
    differences = job.comparison.differences().set_index("output")
    assert differences.loc["signing_to_first_application_days", "difference"] == 0
    assert differences.loc["signing_to_start_days", "difference"] < 0


def test_the_pages_numbers_are_model_compares(served) -> None:
    """The page runs what ``model.compare`` runs: same seed, same replications, same numbers."""
    client, _, jobs = served
    job = wait(started(client, jobs, **{"switch-checklist_notice": "on"}))
    assert job.comparison is not None
    direct = model.compare([job.baseline, job.variant.scenario], replications=2, seed=job.seed)
    for page, api in zip(job.comparison.results, direct.results, strict=True):
        assert page.summary.equals(api.summary)


def test_running_again_with_one_change_reuses_the_baselines_replications(served) -> None:
    client, _, jobs = served
    first = wait(started(client, jobs, **{"switch-agents": "on"}))
    loaded = jobs.store.loaded
    second = wait(started(client, jobs, **{"switch-agents": "on", f"staff.{HOUSING}": "4"}))
    assert first.state == second.state == "done"
    assert jobs.store.loaded - loaded == 2  # the baseline's two replications, read back
    assert first.comparison is not None and second.comparison is not None
    base_first = first.comparison.results[0].summary
    base_second = second.comparison.results[0].summary
    assert base_first.equals(base_second)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {f"staff.{HOUSING}": "-1"},
            f"departments.{HOUSING}.staff: must be greater than or equal to 0, got -1",
        ),
        ({"rate": "abc"}, "arrivals.rate_per_year: expected a number, got &#39;abc&#39;"),
        ({"replications": "0"}, "run.replications: must be a whole number from 2 to 50"),
        ({"name": "small"}, "name: the variant is named like its baseline"),
    ],
)
def test_bad_input_gets_the_command_lines_message_and_runs_nothing(
    served, fields: dict[str, str], expected: str
) -> None:
    client, _, jobs = served
    response = post_run(client, **fields)
    assert response.status_code == 400
    assert expected in response.text
    assert 'class="invalid"' in response.text or "invalid" in response.text
    assert jobs.all() == []


def test_the_page_message_is_the_one_the_cli_prints_for_the_downloaded_file(
    served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, library, _ = served
    response = post_run(client, **{f"staff.{HOUSING}": "-1"})
    shown = re.search(r"small-whatif\.yaml:\d+: departments[^<]*", response.text)
    assert shown is not None
    baseline = library.get("small")
    assert baseline is not None
    folder = tmp_path / "cli"
    folder.mkdir()
    shutil.copy(baseline.path, folder / "small.yaml")
    (folder / "small-whatif.yaml").write_text(
        "extends: small.yaml\nname: small-whatif\nlabel_zh: 小县基准（调整）\n"
        f"description: 'small with: departments.{HOUSING}.staff = -1'\n"
        f"departments:\n  {HOUSING}:\n    staff: -1\n",
        encoding="utf-8",
    )
    status = subprocess.run(
        [sys.executable, "-m", "model", "validate", "small-whatif.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 2
    assert status.stderr.strip() == shown.group(0).strip()


def test_the_variant_downloads_as_a_scenario_file_that_extends_the_baseline(
    served, tmp_path: Path
) -> None:
    client, library, jobs = served
    job = wait(started(client, jobs, **{"switch-online": "on", f"staff.{HOUSING}": "3"}))
    download = client.get(f"/jobs/{job.id}/scenario.yaml")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    data = yaml.safe_load(download.text)
    assert data["extends"] == "small.yaml"
    assert data["mechanisms"] == {"online": {"enabled": True}}
    assert data["departments"] == {HOUSING: {"staff": 3}}
    baseline = library.get("small")
    assert baseline is not None
    shutil.copy(baseline.path, tmp_path / "small.yaml")
    (tmp_path / "small-whatif.yaml").write_text(download.text, encoding="utf-8")
    loaded = model.load_scenario(tmp_path / "small-whatif.yaml")
    assert loaded.content_hash() == job.variant.scenario.content_hash()


def test_the_report_downloads_as_html(served) -> None:
    client, _, jobs = served
    job = wait(started(client, jobs, **{"switch-approval_mode": "on"}))
    report = client.get(f"/jobs/{job.id}/report.html?lang=zh")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "小县基准（调整）" in report.text and "<html" in report.text
    again = client.get(f"/jobs/{job.id}/report.html?lang=en")
    assert again.status_code == 200 and "small-whatif" in again.text


def test_the_report_downloads_as_pdf(served) -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        if not shutil.which("chromium") and not IN_CI:
            pytest.skip("neither WeasyPrint (with Pango) nor Chromium is available")
    client, _, jobs = served
    job = wait(started(client, jobs, **{"switch-online": "on"}))
    report = client.get(f"/jobs/{job.id}/report.pdf?lang=zh")
    assert report.status_code == 200
    assert report.headers["content-type"] == "application/pdf"
    assert report.content[:5] == b"%PDF-"
    assert "small-whatif-report-zh.pdf" in report.headers["content-disposition"]


def test_a_report_of_a_run_still_going_is_a_message_not_an_error(served) -> None:
    client, _, jobs = served
    job = started(client, jobs, replications="50")
    response = client.get(f"/jobs/{job.id}/report.html")
    jobs.cancel(job.id)
    wait(job)
    assert response.status_code == 409 and 'id="message"' in response.text
    assert client.get(f"/jobs/{job.id}/report.xyz").status_code == 404


def test_a_broken_upload_is_told_with_file_line_and_field(served) -> None:
    client, _, _ = served
    broken = "name: mine\ndepartments:\n  住建局:\n    stafff: 3\n  - oops\n"
    response = client.post(
        "/upload", data={"lang": "en"}, files={"file": ("mine.yaml", broken.encode(), "text/yaml")}
    )
    assert response.status_code == 400
    assert "mine.yaml:" in response.text
    misspelt = "extends: small.yaml\nname: mine\ndepartments:\n  住建局:\n    stafff: 3\n"
    response = client.post(
        "/upload", data={"lang": "en"}, files={"file": ("mine.yaml", misspelt.encode())}
    )
    assert response.status_code == 400
    assert "mine.yaml:5: departments.住建局.stafff: unknown key" in response.text
    assert "did you mean &#39;staff&#39;?" in response.text
    nothing = client.post("/upload", data={"lang": "en"})
    assert nothing.status_code == 400


def test_an_uploaded_scenario_becomes_the_baseline(served) -> None:
    client, _, jobs = served
    mine = "extends: small.yaml\nname: mine\narrivals: {rate_per_year: 30}\n"
    response = client.post(
        "/upload", data={"lang": "en"}, files={"file": ("我的县.yaml", mine.encode())},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    key = response.headers["location"].split("baseline=")[1].split("&")[0]
    page = client.get(f"/?baseline={key}&lang=en")
    assert page.status_code == 200 and 'value="30"' in page.text
    response = client.post(
        "/run", data={"lang": "en", "baseline": key, "replications": "2", "rate": "40"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    (job,) = jobs.all()
    assert wait(job).state == "done"
    assert yaml.safe_load(job.variant.yaml_text(job.baseline_file, job.seed))["extends"] == (
        "我的县.yaml"
    )


def test_cancel_stops_between_replications_and_keeps_the_finished_pairs(served) -> None:
    client, _, jobs = served
    job = started(client, jobs, replications="50")
    while job.done < 2 and not job.finished_state:
        time.sleep(0.02)
    response = client.post(f"/jobs/{job.id}/cancel", data={"lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    wait(job)
    assert job.state == "cancelled"
    assert job.comparison is not None and 1 <= job.comparison.replications < 50
    page = client.get(f"/jobs/{job.id}?lang=en")
    assert page.status_code == 200 and 'id="cancelled"' in page.text and 'id="results"' in page.text


def test_a_run_cancelled_while_queued_never_starts(served) -> None:
    client, _, jobs = served
    busy = [started(client, jobs, replications="50") for _ in range(2)]  # both threads
    queued = started(client, jobs)
    assert queued.state == "queued"
    client.post(f"/jobs/{queued.id}/cancel", data={"lang": "en"})
    for job in busy:
        jobs.cancel(job.id)
    wait(queued)
    assert queued.state == "cancelled" and queued.kept == 0 and queued.comparison is None
    page = client.get(f"/jobs/{queued.id}?lang=en")
    assert page.status_code == 200 and 'id="results"' not in page.text
    assert "kept the 0 replications" in page.text
    assert all(wait(job).state == "cancelled" for job in busy)


def test_two_jobs_run_side_by_side_without_mixing(served) -> None:
    client, _, jobs = served
    one = started(client, jobs, **{"switch-approval_mode": "on"}, replications="3")
    two = started(client, jobs, **{f"staff.{HOUSING}": "1"})
    wait(one), wait(two)
    assert one.state == two.state == "done"
    assert one.comparison is not None and two.comparison is not None
    assert one.comparison.replications == 3 and two.comparison.replications == 2
    assert one.variant.changes == {"approval_mode": "parallel"}
    assert two.variant.changes == {f"departments.{HOUSING}.staff": 1}
    assert client.get(f"/jobs/{one.id}/status").json()["total"] == 6
    assert client.get(f"/jobs/{two.id}/status").json()["total"] == 4


def test_unknown_jobs_and_baselines_are_404_pages_not_errors(served) -> None:
    client, _, _ = served
    assert client.get("/jobs/nope").status_code == 404
    assert client.get("/jobs/nope/status").status_code == 404
    assert client.get("/jobs/nope/scenario.yaml").status_code == 404
    assert client.get("/jobs/nope/report.html").status_code == 404
    assert client.post("/jobs/nope/cancel", data={}).status_code == 404
    assert client.get("/?baseline=nope").status_code == 404
    assert post_run(client, baseline="nope").status_code == 404


def test_the_server_survives_a_client_that_disconnects_mid_run(tmp_path: Path) -> None:
    app, _, jobs = make_app(tmp_path)
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = urlencode(
            {"lang": "en", "baseline": "small", "replications": "6", "switch-agents": "on"}
        )
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request(
            "POST", "/run", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        connection.sock.close()  # gone before the answer, as a closed tab is
        connection.close()
        deadline = time.monotonic() + 30
        while not jobs.all():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (job,) = jobs.all()
        # A poll that hangs up mid-answer while the run goes on.
        poll = http.client.HTTPConnection(host, int(port), timeout=30)
        poll.request("GET", f"/jobs/{job.id}/status")
        poll.close()
        with urlopen(f"{url}/healthz", timeout=30) as health:
            assert health.status == 200
        assert wait(job).state == "done"
        with urlopen(f"{url}/jobs/{job.id}?lang=en", timeout=30) as page:
            assert 'id="results"' in page.read().decode()


def test_serve_starts_from_the_command_line_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    from web_fixtures import write_scenarios

    files = write_scenarios(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "serve", *map(str, files), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert f"http://127.0.0.1:{port}/" in line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as health:
                    assert health.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        with urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert "small.yaml" in page.read().decode()
        process.send_signal(2)  # SIGINT, as Ctrl-C
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_serve_refuses_a_port_in_use_and_a_bad_scenario(tmp_path: Path) -> None:
    from web_fixtures import write_scenarios

    from model.cli.app import main

    files = write_scenarios(tmp_path)
    with __import__("socket").socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", str(files[0]), "--port", str(port)]) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n", encoding="utf-8")
    assert main(["serve", str(broken), "--port", str(free_port())]) == 2
