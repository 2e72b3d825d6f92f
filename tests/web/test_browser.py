"""The what-if page in a real browser: Debian's Chromium driven by Selenium, headless.

The server runs in a thread on a free port over the small test county; nothing
downloads a browser or a driver (``.ci/run`` installs ``chromium`` and
``chromium-driver`` from Debian). Locally without them the tests skip; in CI a
missing browser is a failure.

The screenshot the README shows is taken here: it is written to
``docs/images/serve.png`` when that file is missing or when
``APPROVALSIM_UPDATE_SCREENSHOT=1`` is set (so an ordinary test run leaves the
working tree clean).

``APPROVALSIM_WEB_TIMING=1`` also times "run" → results for the bundled
default scenario (``scenarios/baseline-serial.yaml``, ``APPROVALSIM_WEB_TIMING_N``
replications, default 4, every core; ``APPROVALSIM_WEB_TIMING_SCENARIOS`` names
another folder of scenarios), the figure the README quotes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from web_fixtures import HOUSING, live_server, make_app

import model

IN_CI = bool(os.environ.get("CI"))
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = ROOT / "docs" / "images" / "serve.png"

# .ci/run installs Debian's chromium and chromium-driver: in CI their absence is a failure.
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not IN_CI,
    reason="Debian's chromium and chromium-driver are not installed",
)

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver


def chromium(downloads: Path, profile: Path) -> WebDriver:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--window-size=1360,1000",
        "--lang=zh-CN",
    ):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="approvalsim-web-") as scratch:
        yield Path(scratch)


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    app, _, _ = make_app(folder / "app", workers=1)
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(folder: Path) -> Iterator[WebDriver]:
    (folder / "downloads").mkdir()
    driver = chromium(folder / "downloads", folder / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def results(browser: WebDriver, seconds: float = 60) -> None:
    WebDriverWait(browser, seconds).until(ec.presence_of_element_located((By.ID, "results")))


def cell(browser: WebDriver, table: str, row_label: str, column: int = 1) -> str:
    for row in browser.find_elements(By.CSS_SELECTOR, f"#{table} tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells and cells[0].text.strip() == row_label:
            return str(cells[column].text)
    raise AssertionError(f"no row {row_label!r} in #{table}")


def screenshot(browser: WebDriver, target: Path) -> None:
    """The whole page as one PNG (the window made as tall as the page)."""
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1360, min(height + 40, 4200))
    browser.execute_async_script("document.fonts.ready.then(arguments[arguments.length - 1])")
    time.sleep(0.3)  # let the layout settle at the new size
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    browser.set_window_size(1360, 1000)


def test_toggle_a_mechanism_run_read_the_result_and_download_the_scenario(
    server: str, browser: WebDriver, folder: Path
) -> None:
    browser.get(f"{server}/?lang=zh")
    assert "审批改革" in browser.title
    switch = browser.find_element(By.ID, "switch-approval_mode")  # 并联办, off in the baseline
    assert not switch.is_selected()
    switch.click()
    replications = browser.find_element(By.ID, "replications")
    replications.clear()
    replications.send_keys("3")
    browser.find_element(By.ID, "run").click()
    results(browser)
    assert browser.find_element(By.ID, "switch-approval_mode").is_selected()  # form kept
    difference = cell(browser, "differences", "签约→开工")
    assert re.match(r"^-?[\d.,]+ \[-?[\d.,]+, -?[\d.,]+\]", difference), difference
    assert "%" in cell(browser, "utilisation", HOUSING)
    assert "%" in cell(browser, "targets", "最多跑一次")
    shot = folder / "serve.png"
    screenshot(browser, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("APPROVALSIM_UPDATE_SCREENSHOT") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)

    browser.find_element(By.ID, "download-scenario").click()
    downloaded = folder / "downloads" / "small-whatif.yaml"
    deadline = time.monotonic() + 30
    while not downloaded.exists():
        assert time.monotonic() < deadline, "the scenario file was not downloaded"
        time.sleep(0.1)
    text = downloaded.read_text(encoding="utf-8")
    assert "extends: small.yaml" in text and "approval_mode: parallel" in text
    shutil.copyfile(
        folder / "app" / "scenarios" / "small.yaml", folder / "downloads" / "small.yaml"
    )
    variant = model.load_scenario(downloaded)
    assert variant.approval_mode == "parallel" and variant.name == "small-whatif"


def test_bad_input_shows_the_message_and_marks_the_field(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/?lang=en")
    staff = browser.find_element(By.CSS_SELECTOR, f'input[name="staff.{HOUSING}"]')
    staff.clear()
    staff.send_keys("-1")
    rate = browser.find_element(By.ID, "rate")
    rate.clear()
    rate.send_keys("abc")
    browser.find_element(By.ID, "run").click()
    errors = WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "errors")))
    text = errors.text
    assert f"departments.{HOUSING}.staff: must be greater than or equal to 0, got -1" in text
    assert "arrivals.rate_per_year: expected a number, got 'abc'" in text
    staff = browser.find_element(By.CSS_SELECTOR, f'input[name="staff.{HOUSING}"]')
    assert "invalid" in (staff.get_attribute("class") or "")
    assert staff.get_attribute("value") == "-1"  # what was typed stays, to be corrected
    assert browser.find_elements(By.ID, "results") == []


def test_a_long_run_can_be_cancelled_from_the_page(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/?lang=en")
    replications = browser.find_element(By.ID, "replications")
    replications.clear()
    replications.send_keys("50")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "progress")))
    browser.find_element(By.ID, "cancel").click()
    WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.ID, "cancelled")))
    assert "Cancelled" in browser.find_element(By.ID, "cancelled").text


def test_the_page_switches_to_english_and_back(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/")
    assert "审批改革" in browser.title
    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, 30).until(lambda b: "What if?" in b.title)
    assert "signing = landing" in browser.page_source
    browser.find_element(By.ID, "language").click()
    WebDriverWait(browser, 30).until(lambda b: "审批改革" in b.title)


@pytest.mark.skipif(
    not os.environ.get("APPROVALSIM_WEB_TIMING"), reason="set APPROVALSIM_WEB_TIMING=1 to time"
)
def test_time_from_run_to_results_for_the_default_scenario(folder: Path) -> None:
    from model.web.app import create_app
    from model.web.jobs import Jobs
    from model.web.library import Library

    n = os.environ.get("APPROVALSIM_WEB_TIMING_N", "4")
    where = Path(os.environ.get("APPROVALSIM_WEB_TIMING_SCENARIOS", ROOT / "scenarios"))
    files = sorted(where.glob("*.yaml"), key=lambda p: p.stem != "baseline-serial")
    library = Library(files, folder / "timing" / "uploads")
    app = create_app(library, Jobs(folder / "timing", workers=None))
    (folder / "timing-downloads").mkdir()
    driver = chromium(folder / "timing-downloads", folder / "timing-profile")
    try:
        with live_server(app) as url:
            timings = []
            for switch in ("switch-approval_mode", "switch-one_window"):
                driver.get(f"{url}/?lang=zh" if not timings else driver.current_url)
                driver.find_element(By.ID, switch).click()
                field = driver.find_element(By.ID, "replications")
                field.clear()
                field.send_keys(n)
                before = driver.current_url
                start = time.monotonic()
                driver.find_element(By.ID, "run").click()
                WebDriverWait(driver, 600).until(lambda d, url=before: d.current_url != url)
                results(driver, 600)
                timings.append(time.monotonic() - start)
            first, again = timings
            print(f"\nrun → results, baseline-serial, {n} replications: first {first:.1f} s, "
                  f"again with one change {again:.1f} s")  # fmt: skip
    finally:
        driver.quit()
