"""The Themes page's "Write brief" buttons: a same-origin POST writes OUT/briefs/ and
downloads the Markdown; other sites cannot trigger it; theme labels are HTML-escaped."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from callinsight.serve.web import create_app
from callinsight.store import Store
from support.web import CHROMIUM, serve_app

RAW_SCRIPT = '<script>alert("pwned")</script>'


@pytest.fixture
def out(library_out, tmp_path) -> Path:
    """A copy of the library run: the briefs written here stay out of the shared run."""
    copy = tmp_path / "out"
    shutil.copytree(library_out, copy, ignore=shutil.ignore_patterns("briefs"))
    return copy


def content_themes(out: Path) -> list[str]:
    themes = Store(out / "insights.db", read_only=True).table("themes")
    return sorted(themes.loc[~themes["small_talk"].astype(bool), "theme_id"])


def test_themes_page_has_a_brief_button_per_content_theme_and_one_for_all(out):
    html = TestClient(create_app(out)).get("/themes").text
    actions = set(re.findall(r'<form class="brief-form" method="post" action="([^"]+)"', html))
    assert actions == {"/briefs"} | {f"/briefs/{t}" for t in content_themes(out)}
    assert "Write briefs for all themes" in html and "Write brief</button>" in html
    assert str((out / "briefs").resolve()) in html


def test_post_writes_the_brief_and_downloads_its_markdown(out):
    client = TestClient(create_app(out))
    theme = content_themes(out)[0]
    response = client.post(f"/briefs/{theme}", headers={"Origin": "http://testserver",
                                                        "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="brief-{theme}.md"'
    assert "default-src 'none'" in response.headers["content-security-policy"]
    written = out / "briefs" / f"brief-{theme}.md"
    assert response.text == written.read_text() and response.text.startswith("# Content brief: ")
    assert (out / "briefs" / f"brief-{theme}.csv").is_file() and (out / "briefs" / "briefs.md").is_file()

    everything = client.post("/briefs")
    assert everything.status_code == 200
    assert 'filename="briefs-all.md"' in everything.headers["content-disposition"]
    assert everything.text.startswith("# Content briefs")
    for t in content_themes(out):
        assert (out / "briefs" / f"brief-{t}.md").read_text() in everything.text


def test_other_sites_cannot_write_briefs(out):
    client = TestClient(create_app(out))
    theme = content_themes(out)[0]
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        assert client.post(f"/briefs/{theme}", headers=headers).status_code == 403, headers
        assert client.post("/briefs", headers=headers).status_code == 403, headers
    # with no-referrer, a same-origin form post says "Origin: null": fetch metadata decides
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post(f"/briefs/{theme}", headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}
                       ).status_code == 403
    assert client.get(f"/briefs/{theme}").status_code == 405  # never on a GET (links, prefetch)
    assert client.post("/briefs", headers={"Host": "evil.example"}).status_code == 400
    assert not (out / "briefs").exists()
    assert client.post(f"/briefs/{theme}", headers=same).status_code == 200


def test_unknown_theme_is_a_page_listing_the_themes(out):
    response = TestClient(create_app(out)).post("/briefs/T999")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert "T999" in response.text and content_themes(out)[0] in response.text
    assert not (out / "briefs").exists()


def test_theme_labels_are_escaped_on_the_page_and_in_the_brief(tmp_path):
    out = tmp_path / "out"
    themes = pd.DataFrame([{"theme_id": "T1", "label": f"pricing {RAW_SCRIPT}", "n_quotes": 1,
                            "level": "broad", "verdict": "insufficient evidence", "small_talk": False}])
    quotes = pd.DataFrame([{"theme_id": "T1", "call_id": "c1", "speaker": "customer", "start": 5.0,
                            "end": 7.0, "text": f"Too pricey {RAW_SCRIPT} [x](http://e.example)",
                            "representative": True}])
    Store(out / "insights.db").publish("r1", {"themes": themes, "quotes": quotes}, [],
                                       {"run_id": "r1", "started_at": "2026-10-01T08:00:00+00:00"})
    client = TestClient(create_app(out))
    page = client.get("/themes").text
    assert RAW_SCRIPT not in page
    assert str(escape(RAW_SCRIPT)) in page  # Jinja's escape: &lt;script&gt;alert(&#34;pwned&#34;)...
    assert 'action="/briefs/T1"' in page
    md = client.post("/briefs/T1").text
    assert "<script>" not in md and "&lt;script&gt;" in md and "\\[x\\](http\\://e.example)" in md




@pytest.fixture
def served(out) -> Iterator[str]:
    """The app over ``out``, served by uvicorn on a free local port."""
    with serve_app(out) as url:
        yield url


def test_a_real_browser_click_downloads_and_another_site_cannot_post(out, served, tmp_path):
    """What the test client cannot show: the headers a browser really sends."""
    if not Path(CHROMIUM).exists():
        pytest.skip("install Debian package 'chromium' to run browser tests")
    from playwright.sync_api import sync_playwright

    theme = content_themes(out)[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(served + "/themes")
            with page.expect_download() as download:
                page.locator(f'form[action="/briefs/{theme}"] button').first.click()
            assert download.value.suggested_filename == f"brief-{theme}.md"
            download.value.save_as(tmp_path / "got.md")
            assert (tmp_path / "got.md").read_text() == (out / "briefs" / f"brief-{theme}.md").read_text()
            (out / "briefs" / "briefs.md").unlink()
            statuses: list[int] = []
            page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
            page.goto(f"data:text/html,<form id=f method=post action='{served}/briefs'></form>"
                      "<script>f.submit()</script>")
            page.wait_for_timeout(1500)
            assert statuses == [403] and not (out / "briefs" / "briefs.md").exists()
        finally:
            browser.close()
