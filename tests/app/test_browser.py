"""A real browser on the real server: ``sosim app`` in a subprocess, headless Chromium.

Opens the page, times a what-if on the default scenario (printed and recorded, not
asserted), shortens the run, changes the in-house oncologists, runs twice and sees
the in-house utilisation fall; compares the edit with the file as loaded; saves
screenshots of the scenario, answer and compare views (set ``SOSIM_SCREENSHOTS`` to a
folder to keep copies); fails if the page shows an exception. Uses Debian's
``chromium`` (``apt-get install chromium``) driven by Playwright: no browser download.
Skipped, saying so, only when that browser is absent; CI installs it (``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_api  # the test extra requires it: never skipped
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():  # a system program, not a Python dependency
    WHY = ("the browser test needs Debian's chromium at /usr/bin/chromium "
           "(apt-get install chromium); .ci/run installs it")
    if os.environ.get("CI"):  # CI must run it: a missing browser is a failure there
        pytest.fail(WHY, pytrace=False)
    pytest.skip(WHY, allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 240_000
APP = '[data-testid="stApp"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    """This checkout first on the path, in the server and in the commands run here."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = _env()
    log = tmp_path_factory.mktemp("server") / "sosim-app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)],
                                cwd=tmp_path_factory.mktemp("cwd"), env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sosim app did not start:\n{log.read_text()}")
            time.sleep(0.5)
        assert f"serving on {url}" in log.read_text()  # bound to loopback, address printed
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _no_exception(page) -> None:  # noqa: ANN001
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, shown.first.inner_text()


def _settled(page) -> None:  # noqa: ANN001
    """The script's run is over: Streamlit marks the app ``notRunning`` when it is.

    Called only after the page shows something the awaited run wrote, so a run that has not
    started yet cannot pass for one that has finished (no waiting for a quiet second).
    """
    page.locator(f'{APP}[data-test-script-state="notRunning"]').wait_for()


def _set(page, key: str, value: float) -> None:  # noqa: ANN001
    """Type ``value`` into the field ``key`` (not edited before); return when the page has
    taken the edit: the run that took it marks the field "edited · was ...", one mark more."""
    marks = page.get_by_text("edited · was ")
    before = marks.count()
    box = page.locator(f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)} input")
    box.fill(str(value))
    box.press("Enter")
    marks.nth(before).wait_for()
    playwright_api.expect(box).to_have_value(str(value))
    _settled(page)


def _metric(page, label: str) -> str:  # noqa: ANN001
    card = page.locator('[data-testid="stMetric"]', has_text=label).first
    card.wait_for(timeout=TIMEOUT_MS)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _run(page, title: str) -> None:  # noqa: ANN001
    """Click Run on the Scenario view; return when the Answer view ``title`` shows its run."""
    page.get_by_role("button", name="Run ▶").first.click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.get_by_text("Ran in ").wait_for()  # written after the run, above the KPI cards
    _settled(page)


def _shoot(page, folder: Path, name: str) -> Path:  # noqa: ANN001
    _settled(page)
    # images decoded and every chart drawn (Vega draws its canvas after the script ends)
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                 .every(c => c.querySelector('canvas, svg'))""")
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if keep := os.environ.get("SOSIM_SCREENSHOTS"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def _view(page, name: str, shows: str) -> None:  # noqa: ANN001
    """Open view ``name`` in the sidebar; return when its heading ``shows`` is drawn."""
    page.locator('[data-testid="stSidebar"] label', has_text=name).first.click()
    page.get_by_role("heading", name=shows).first.wait_for()
    _settled(page)


def _tab(page, name: str) -> None:  # noqa: ANN001
    """Open tab ``name`` (the page draws a tab's contents on its own run)."""
    tab = page.get_by_role("tab", name=name)
    tab.click()
    playwright_api.expect(tab).to_have_attribute("aria-selected", "true")
    _settled(page)


def _timed_run(page, title: str) -> tuple[float, float]:  # noqa: ANN001
    """Click Run; seconds from the click to the first KPI card and to the whole answer."""
    page.get_by_role("button", name="Run ▶").first.click()
    start = time.monotonic()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    first = time.monotonic() - start
    page.get_by_text(title, exact=True).wait_for()
    page.get_by_text("Ran in").wait_for()
    page.locator('[data-testid="stMetric"]', has_text="utilisation in_house").first.wait_for()
    return first, time.monotonic() - start


def _what_if_on_the_default_scenario(page, record_property) -> None:  # noqa: ANN001
    """Time a what-if on the default scenario, as a planner does it: run the file as it is,
    add two oncologists, run again. Reported (printed and recorded), not asserted: the
    machine may be busy (issue #24's target: under 2 s from the click)."""
    first = _timed_run(page, "Answer · baseline")
    _settled(page)
    _view(page, "Scenario", "Scenario · baseline")
    _set(page, "edit:pools.in_house.specialists.oncology", 6)
    page.get_by_text("edited · was 4").wait_for()
    what_if = _timed_run(page, "Answer · baseline (edited: 1)")
    _settled(page)
    _no_exception(page)
    for name, (card, answer) in (("first run", first), ("what-if", what_if)):
        print(f"\nbrowser, default scenario, {name}: first KPI card {card:.2f} s, whole "
              f"answer {answer:.2f} s from the click")
        record_property(f"{name} first KPI card s", round(card, 2))
        record_property(f"{name} answer s", round(answer, 2))
    _view(page, "Scenario", "Scenario · baseline")
    # back to the file's value: the field loses its "edited" mark, so _set's wait does not apply
    box = page.locator(".st-key-edit-pools-in_house-specialists-oncology input")
    box.fill("4")
    box.press("Enter")
    playwright_api.expect(box).to_have_value("4")
    page.get_by_text("as written: valid").wait_for()
    _settled(page)


def test_change_oncologists_run_and_compare_in_a_browser(server: str, tmp_path: Path,
                                                         record_property) -> None:  # noqa: ANN001
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1300})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(server)
            page.get_by_role("heading", name="Scenario · baseline").wait_for()
            _settled(page)
            _no_exception(page)
            _what_if_on_the_default_scenario(page, record_property)
            for key, value in (("edit:simulation.horizon_days", 20),
                               ("edit:simulation.warmup_days", 2),
                               ("edit:simulation.replications", 2)):
                _set(page, key, value)
            _shoot(page, tmp_path, "scenario")
            with page.expect_download() as got:
                page.get_by_role("button", name="Download YAML").click()
            edited = tmp_path / "edited.yaml"
            got.value.save_as(edited)
            checked = subprocess.run([sys.executable, "-m", "sim", "validate", str(edited)],
                                     capture_output=True, text=True, env=_env())
            assert checked.returncode == 0, checked.stderr
            assert "horizon_days: 20" in edited.read_text() and "# " in edited.read_text()
            _run(page, "Answer · baseline (edited: 3)")
            four = _metric(page, "utilisation in_house")
            _no_exception(page)

            _view(page, "Scenario", "Scenario · baseline")
            _set(page, "edit:pools.in_house.specialists.oncology", 6)
            _run(page, "Answer · baseline (edited: 4)")
            six = _metric(page, "utilisation in_house")
            _no_exception(page)
            assert float(six.rstrip("%")) < float(four.rstrip("%")), (four, six)
            _shoot(page, tmp_path, "answer")

            _tab(page, "Figures")  # drawn only when opened
            page.locator('[data-testid="stImage"] img').nth(4).wait_for()  # all five figures
            _settled(page)
            _no_exception(page)

            _tab(page, "Downloads")
            with page.expect_download() as got:
                page.get_by_role("button", name="run folder (.zip)").click()
            archive = tmp_path / "run.zip"
            got.value.save_as(archive)
            shutil.unpack_archive(archive, tmp_path / "unzipped")
            again = subprocess.run([sys.executable, "-m", "sim", "rerun",
                                    str(tmp_path / "unzipped" / "baseline" / "manifest.json")],
                                   capture_output=True, text=True, env=_env())
            assert again.returncode == 0 and "bit for bit" in again.stdout, again.stderr
            _no_exception(page)

            _view(page, "Compare", "Compare")
            page.get_by_role("button", name="Compare ▶").click()
            page.get_by_role("heading", name="B against A").wait_for()
            page.locator('[data-testid="stDataFrame"]').first.wait_for()
            _settled(page)
            _no_exception(page)
            _shoot(page, tmp_path, "compare")

            _view(page, "Market", "Market")
            page.get_by_text("market 2035").wait_for()
            _settled(page)
            _no_exception(page)
            _shoot(page, tmp_path, "market")
            _tab(page, "Figures")
            page.get_by_text("segments by source").wait_for()
            _no_exception(page)
        finally:
            browser.close()
    for name in ("scenario", "answer", "compare", "market"):
        assert (tmp_path / f"{name}.png").stat().st_size > 20_000
