"""The web app in a real browser (Debian chromium driven by Playwright) on a real run.

Saves screenshots of the three pages at 1280x800 under ``out/screenshots/``.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from callinsight.serve.search import tokenize
from support.library import TIME, customer_start
from support.web import CHROMIUM, serve_app

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def base_url(library_out) -> Iterator[str]:
    """The real app served by uvicorn in a background thread on a free local port."""
    with serve_app(library_out) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip("install Debian package 'chromium' (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=base_url)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    assert all(u.startswith(base_url) or u.startswith(("data:", "blob:")) for u in requests), requests
    context.close()


def result_texts(page) -> list[str]:
    return [t.strip().strip("“”") for t in page.locator(".result-quote p").all_inner_texts()]


def test_search_by_meaning_finds_a_quote_without_the_query_words(page):
    page.goto("/")
    page.fill("input[name=q]", "saves time")
    page.click("button[type=submit]")
    page.wait_for_url("**/?q=saves+time*")
    texts = result_texts(page)
    assert TIME[0] in texts
    assert not set(tokenize("saves time")) & set(tokenize(TIME[0]))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "library.png"))


def test_filters_narrow_results(page):
    page.goto("/?q=what+customers+say&limit=1000")
    everything = page.locator(".result").count()
    page.select_option("select[name=outcome]", "lost")
    page.click("button[type=submit]")
    page.wait_for_url("**outcome=lost*")
    lost = page.locator(".result").count()
    assert 0 < lost < everything
    assert set(page.locator(".result .pill").all_inner_texts()) == {"LOST"}
    page.select_option("select[name=rep]", "Bob")
    page.fill("input[name=since]", "2026-10-05")
    page.click("button[type=submit]")
    page.wait_for_url("**rep=Bob*")
    narrower = page.locator(".result").count()
    assert 0 < narrower < lost


def test_quote_links_to_its_call_page_and_audio_points_at_the_second(page, base_url):
    page.goto("/?q=saves+time")
    result = page.locator(".result", has_text=TIME[0]).first
    start = customer_start(1)
    audio = result.locator("audio")
    assert audio.get_attribute("src") == f"/audio/c00#t={start:g}"
    # the browser honours the media fragment: loading the element seeks to that second
    current = audio.evaluate(
        """a => new Promise((done, fail) => {
               a.addEventListener('loadedmetadata', () => done(a.currentTime), {once: true});
               a.addEventListener('error', () => fail('audio error'), {once: true});
               a.preload = 'metadata'; a.load();
           })""")
    assert current == pytest.approx(start, abs=0.05)
    fetched = page.request.get(f"{base_url}/audio/c00")
    assert fetched.ok and fetched.headers["content-type"] == "audio/wav"

    result.locator("a.call-link").click()
    page.wait_for_url(f"**/calls/c00#t={int(start)}")
    current = page.locator(".sent.current")
    current.wait_for()
    assert current.inner_text() == TIME[0]
    player = page.locator("#player")
    assert player.get_attribute("src") == "/audio/c00"
    page.wait_for_function("document.getElementById('player').currentTime > 0")
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(int(start))
    page.screenshot(path=str(SCREENSHOTS / "call.png"))


def test_csv_export_downloads_the_rows(page, tmp_path):
    page.goto("/?q=price&limit=25")
    shown = page.locator(".result").count()
    assert shown > 0
    with page.expect_download() as download_info:
        page.click("#export-csv")
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == shown
    assert [r["text"] for r in rows] == result_texts(page)


def test_themes_page_renders_charts_and_links_to_calls(page):
    page.goto("/themes")
    assert page.locator("svg.chart").count() >= 1
    link = page.locator(".card a.call-link").first
    href = link.get_attribute("href")
    assert href.startswith("/calls/") and "#t=" in href
    page.screenshot(path=str(SCREENSHOTS / "themes.png"))
    link.click()
    page.wait_for_url("**/calls/**")
    assert page.locator(".sent.current").count() == 1


def test_copy_button_copies_the_quote(browser, base_url):
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.goto("/?q=saves+time")
    button = page.locator(".result", has_text=TIME[0]).first.locator("button.copy")
    button.click()
    page.wait_for_function("document.querySelector('button.copied') !== null")
    assert TIME[0] in page.evaluate("navigator.clipboard.readText()")
    context.close()
