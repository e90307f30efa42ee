"""The web page driven by headless Chromium (Debian's chromium + chromium-driver, Selenium from PyPI).

The screenshot goes to $SIAMKIT_ARTIFACTS (default: build/test-artifacts/) as web_page.png.
"""

import os
import shutil
from pathlib import Path

import httpx
import pytest
from deploy_helpers import digit_label, digit_png, make_checkpoint

from siamkit.deploy.service.app import create_app
from siamkit.deploy.service.runner import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("SIAMKIT_ARTIFACTS", ROOT / "build" / "test-artifacts"))

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed; `make install-dev` installs it"
)
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium/chromedriver on PATH; install them with `apt-get install chromium chromium-driver` "
    "(done by `make install-dev` when run as root)",
)


@pytest.fixture
def server(tmp_path):
    """The service on 127.0.0.1 in a thread, with four digits enrolled; stopped after the test."""
    app = create_app(make_checkpoint(tmp_path / "model.ckpt"), tmp_path / "gallery")
    for i in range(4):
        app.state.engine.enroll(f"digit{i}", str(digit_label(i)), digit_png(i))
    with serve_in_thread(app) as base:
        yield app, base


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_page_verifies_two_uploads_and_searches_the_gallery(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    app, base = server
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    first.write_bytes(digit_png(0))
    second.write_bytes(digit_png(1))
    expected = app.state.engine.verify(first, second)

    browser.get(base + "/")
    browser.find_element(By.ID, "image1").send_keys(str(first))
    browser.find_element(By.ID, "image2").send_keys(str(second))
    browser.find_element(By.ID, "verify-button").click()
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_element(By.ID, "decision").text in ("SAME", "DIFFERENT"))
    assert browser.find_element(By.ID, "decision").text == ("SAME" if expected["same"] else "DIFFERENT")
    assert f"{expected['score']:.4f}" in browser.find_element(By.ID, "score").text
    # Both previews show the chosen images.
    for preview in ("preview1", "preview2"):
        assert browser.execute_script(f"return document.getElementById('{preview}').naturalWidth") == 8

    browser.find_element(By.ID, "query").send_keys(str(first))
    browser.find_element(By.ID, "search-button").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#matches tbody tr")) > 0)
    rows = browser.find_elements(By.CSS_SELECTOR, "#matches tbody tr")
    assert len(rows) == 4 and rows[0].find_elements(By.TAG_NAME, "td")[1].text == "digit0"
    assert "gallery items" in browser.find_element(By.ID, "model-info").text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "web_page.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000


def test_page_shows_the_error_of_a_bad_upload(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _, base = server
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    good.write_bytes(digit_png(0))
    bad.write_bytes(digit_png(0, size=(16, 16)))
    browser.get(base + "/")
    browser.find_element(By.ID, "image1").send_keys(str(good))
    browser.find_element(By.ID, "image2").send_keys(str(bad))
    browser.find_element(By.ID, "verify-button").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "decision").text.startswith("Error"))
    assert "expects 8×8" in browser.find_element(By.ID, "decision").text
    assert httpx.get(base + "/health", timeout=5).status_code == 200
