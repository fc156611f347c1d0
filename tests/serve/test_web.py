"""The local web app on a real run: pages, escaping, audio path safety, CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from argparse import Namespace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callinsight.contracts import InputError
from callinsight.serve.web import create_app, serve_command
from support.library import (
    CALLS,
    FORMULA,
    NO_RECORDING,
    SCRIPT,
    TIME,
    TWIN,
    TWIN_THEMES,
    AnyEncoder,
    customer_start,
    small_store,
)

RAW_SCRIPT = '<script>alert("pwned")</script>'


@pytest.fixture(scope="module")
def client(library_out) -> TestClient:
    return TestClient(create_app(library_out))


def external_refs(html: str) -> list[str]:
    """Attribute URLs that leave the app (src/href/action not starting with / or #)."""
    return re.findall(r'(?:src|href|action)="(?![/#])([^"]*)"', html)


def test_pages_render(client):
    for url in ("/", "/?q=saves+time", "/themes", "/calls", "/calls/c00", "/calls/c03",
                "/static/app.js", "/static/app.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        if url.startswith("/static"):
            continue
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert external_refs(response.text) == [], url
        assert "http://" not in response.text.replace("http://evil.example", "")


def test_library_result_shows_quote_call_deal_and_audio(client):
    html = client.get("/", params={"q": "saves time"}).text
    assert TIME[0] in html
    start = customer_start(1)
    assert f'src="/audio/c00#t={start:g}"' in html  # media fragment: starts at that second
    assert f'href="/calls/c00#t={int(start)}"' in html
    assert "00:09" in html and "$10,000" in html and "deal <span class=\"mono\">D00</span>" in html
    assert 'class="pill won"' in html and "data-copy=" in html
    assert 'href="/export.csv?q=saves+time"' in html


def test_filters_narrow_the_page(client):
    def count(**params) -> int:
        html = client.get("/", params=params).text
        return int(re.search(r'data-count="(\d+)"', html).group(1))

    everything = count(limit=1000)
    assert everything > 40
    for params in ({"outcome": "lost"}, {"rep": "Cara"}, {"objection": "budget"},
                   {"since": "2026-10-01"}, {"until": "2026-09-10"}):
        assert 0 < count(limit=1000, **params) < everything, params
    lost = client.get("/", params={"outcome": "lost", "limit": 1000}).text
    assert 'class="pill won"' not in lost and 'class="pill lost"' in lost
    bad = client.get("/", params={"since": "someday"})
    assert bad.status_code == 400 and "since must be a date" in bad.text


def test_theme_filter_and_theme_links(client):
    html = client.get("/themes").text
    theme_ids = re.findall(r'id="theme-([^"]+)"', html)
    assert theme_ids
    library = client.get("/", params={"theme": theme_ids[0]}).text
    assert 0 < int(re.search(r'data-count="(\d+)"', library).group(1))
    assert f'href="/themes#theme-{theme_ids[0]}"' in library
    # every quote on the themes page links to its call page at a second
    assert re.search(r'href="/calls/c\d\d#t=\d+"', html)
    assert "<svg" in html and "pipeline touched" in html


def test_data_is_escaped_everywhere(client):
    pages = [client.get("/", params={"q": "intranet login page"}).text,
             client.get("/calls/c03").text, client.get("/", params={"limit": 1000}).text,
             client.get("/themes").text]
    assert SCRIPT.split("<")[0] in pages[0]
    for html in pages:
        assert RAW_SCRIPT not in html
    # the tags were removed on import (markup.py); the words stay, and their quotes are escaped
    assert "<script>alert" not in pages[1] and "showed alert(&#34;pwned&#34;) on the login page" in pages[1]
    reflected = client.get("/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in reflected and "&lt;script&gt;alert(1)" in reflected


def test_call_page_roles_highlights_and_anchors(client):
    html = client.get("/calls/c00").text
    assert 'class="role role-rep"' in html and 'class="role role-customer"' in html
    assert f'id="t={int(customer_start(1))}"' in html and TIME[0] in html
    assert 'class="sent in-theme' in html
    assert 'src="/audio/c00"' in html
    lost = client.get("/calls/c08").text
    assert "objection" in lost and "Budget" in lost
    assert "No recording" in client.get(f"/calls/{NO_RECORDING}").text
    assert client.get("/calls/nope").status_code == 404


def test_audio_served_with_ranges(client, library_out):
    response = client.get("/audio/c00")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    assert response.content[:4] == b"RIFF"
    part = client.get("/audio/c00", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"].startswith("bytes 0-99/")


@pytest.mark.parametrize("path", [
    "/audio/nope", f"/audio/{NO_RECORDING}", "/audio/..%2F..%2F..%2Fetc%2Fpasswd",
    "/audio/%2Fetc%2Fpasswd", "/audio/c00%2F..%2F..%2Fcalls.csv", "/audio/c00%00",
    "/audio/../../etc/passwd",
])
def test_audio_refuses_unknown_calls_and_paths(client, path):
    assert client.get(path).status_code == 404


def test_audio_refuses_recordings_outside_the_input_folder(library_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(library_out, out)
    db = out / "insights.db"
    with sqlite3.connect(db) as con:
        recording = Path(con.execute("SELECT recording FROM calls WHERE call_id='c00'").fetchone()[0])
    root = recording.parent.parent  # the manifest folder (calls.csv's folder)
    outside = root.parent / "outside.wav"
    shutil.copy(recording, outside)
    link = recording.parent / "link.wav"
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    try:
        _check_outside_paths(out, db, root, outside, link)
    finally:
        link.unlink()
        outside.unlink()


def _check_outside_paths(out: Path, db: Path, root: Path, outside: Path, link: Path) -> None:
    client = TestClient(create_app(out))
    assert client.get("/audio/c00").status_code == 200
    cases = {"c01": "/etc/passwd", "c02": str(outside), "c03": str(root / "audio" / ".." / ".." /
             "outside.wav"), "c04": str(link), "c05": str(root / "calls.csv"), "c06": "audio/c06.wav"}
    with sqlite3.connect(db) as con:
        for call_id, value in cases.items():
            con.execute("UPDATE calls SET recording = ? WHERE call_id = ?", (value, call_id))
    for call_id in cases:
        assert client.get(f"/audio/{call_id}").status_code == 404, call_id
    assert client.get("/audio/c07").status_code == 200


def test_csv_export_matches_results_and_neutralises_formulas(client):
    params = {"q": "spreadsheet", "limit": 25}
    page = client.get("/", params=params).text
    response = client.get("/export.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == int(re.search(r'data-count="(\d+)"', page).group(1)) > 0
    formula = next(r for r in rows if "HYPERLINK" in r["text"])
    assert formula["text"] == "'" + FORMULA
    everything = list(csv.DictReader(io.StringIO(client.get("/export.csv?limit=1000").text)))
    assert len(everything) == sum(1 for c in CALLS.values() for _ in c[4])
    for row in everything:
        for value in row.values():
            assert value[:1] not in ("=", "+", "@", "\t", "\r"), value
            assert not value.startswith("-") or re.fullmatch(r"-?[\d.]+", value), value
    lost = list(csv.DictReader(io.StringIO(client.get("/export.csv?outcome=lost&limit=1000").text)))
    assert lost and {r["outcome"] for r in lost} == {"lost"}


def test_foreign_host_header_is_refused(client):
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_missing_run_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="callinsight run"):
        create_app(tmp_path)


def test_serve_binds_localhost_by_default(library_out, monkeypatch):
    import uvicorn

    from callinsight.cli import build_parser

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    monkeypatch.setattr("callinsight.serve.web._warm_up", lambda store: None)
    args = build_parser().parse_args(["serve", "--out", str(library_out)])
    assert serve_command(args) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8765
    assert serve_command(Namespace(out=str(library_out), host="127.0.0.1", port=9000)) == 0
    assert seen["port"] == 9000


def test_themes_page_shows_the_runs_statistics_settings(library_out, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(library_out, out)
    with sqlite3.connect(out / "insights.db") as con:
        run_id, text = con.execute("SELECT run_id, summary FROM runs ORDER BY run_id DESC"
                                   " LIMIT 1").fetchone()
        summary = json.loads(text)
        summary["settings"].update(alpha=0.2, min_support=4)
        con.execute("UPDATE runs SET summary = ? WHERE run_id = ?", (json.dumps(summary), run_id))
    monkeypatch.setenv("CALLINSIGHT_ALPHA", "0.01")
    monkeypatch.setenv("CALLINSIGHT_MIN_SUPPORT", "9")
    html = TestClient(create_app(out)).get("/themes").text
    assert "α = 0.2" in html and "α = 0.01" not in html
    assert "fewer than 4 closed deals" in html and "fewer than 9 closed" not in html


def test_call_page_takes_each_sentences_theme_from_the_store(tmp_path):
    client = TestClient(create_app(small_store(tmp_path), encoder=AnyEncoder()))
    html = client.get("/calls/t1").text
    assert html.count(f">{TWIN}</span>") == 2
    for theme_id, label in TWIN_THEMES.values():
        assert html.count(f'title="Theme: {label}"') == 1, label
        assert f'href="/themes#theme-{theme_id}">{label}</a>' in html
    library = client.get("/", params={"theme": "T-budget"}).text
    assert int(re.search(r'data-count="(\d+)"', library).group(1)) == 1
    assert client.get("/themes").status_code == 200  # a run with no deals and few tables
