"""The local web app: phrase library, themes and call pages over a run's output folder.

``create_app(out_dir)`` returns a FastAPI app; ``callinsight serve`` runs it with uvicorn on
127.0.0.1. Pages are server-rendered Jinja2 (autoescape on, data never marked safe), with
no external URL at all and one small same-origin script (copy button, audio seeking), so
the app works with the network cut.

Routes: ``/`` phrase library (GET form: q, outcome, theme, objection, rep, since, until,
limit), ``/export.csv`` the same results as CSV, ``/themes`` the theme report,
``/calls`` and ``/calls/{call_id}`` transcripts, ``/audio/{call_id}`` the call's recording
(HTTP Range supported) served only for a call known in the store whose recording resolves
inside the run's input folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles

from callinsight.contracts import InputError
from callinsight.serve.search import (
    Filters,
    Hit,
    PhraseIndex,
    cached_index,
    fingerprint,
    format_timestamp,
    hits_csv,
    latest_summary,
    read_only,
    store_path,
    table_exists,
)
from callinsight.stages import report

__all__ = ["create_app", "serve_command", "RunStore", "recording_file", "AUDIO_TYPES"]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
WEB_TEMPLATES = TEMPLATE_DIR / "web"
DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
LIMITS = (25, 50, 100, 250, 1000)
AUDIO_TYPES = {
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac",
    ".ogg": "audio/ogg", ".opus": "audio/ogg", ".oga": "audio/ogg", ".flac": "audio/flac",
    ".webm": "audio/webm",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# --------------------------------------------------------------------------- store access


@dataclass
class Snapshot:
    """What the pages need from ``insights.db`` besides the phrase index (one store state)."""

    calls: dict[str, dict[str, Any]]
    deals: dict[str, dict[str, Any]]
    themes: dict[str, str]  # theme_id -> label
    summary: dict[str, Any]
    input_roots: list[Path]
    has_deals: bool
    _report: dict[str, Any] | None = field(default=None, repr=False)


def _frame(con: sqlite3.Connection, table: str, columns: str = "*") -> pd.DataFrame:
    if not table_exists(con, table):
        return pd.DataFrame()
    return pd.read_sql_query(f'SELECT {columns} FROM "{table}"', con)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def input_roots(con: sqlite3.Connection, calls: dict[str, dict[str, Any]]) -> list[Path]:
    """Folders recordings may be served from: each run's manifest folder (``input_root`` in
    the run summaries), else the common parent of the stored recording/transcript paths."""
    roots: list[Path] = []
    if table_exists(con, "runs"):
        for (text,) in con.execute("SELECT summary FROM runs"):
            try:
                root = (json.loads(text or "{}") or {}).get("input_root")
            except json.JSONDecodeError:
                root = None
            if root and Path(root).is_absolute():
                resolved = Path(root).resolve()
                if resolved not in roots:
                    roots.append(resolved)
    if roots:
        return roots
    parents = [str(Path(p).parent) for c in calls.values() for p in (c.get("recording"),
               c.get("transcript")) if p and Path(p).is_absolute()]
    if not parents:
        return []
    common = Path(os.path.commonpath(parents)).resolve()
    return [] if common == Path(common.anchor) else [common]  # never the filesystem root


def load_snapshot(out_dir: Path) -> Snapshot:
    con = read_only(store_path(out_dir))
    try:
        calls = {r["call_id"]: r for r in _records(_frame(con, "calls",
                 "call_id, deal_id, rep, started_at, recording, transcript, source, duration"))}
        deals_df = _frame(con, "deals")
        deals = {str(r["deal_id"]): r for r in _records(deals_df)} if len(deals_df) else {}
        themes_df = _frame(con, "themes", "theme_id, label")
        themes = {str(t): str(lbl) for t, lbl in themes_df.itertuples(index=False)}
        summary = latest_summary(con)
        roots = input_roots(con, calls)
    finally:
        con.close()
    has_deals = bool(deals) or bool(summary.get("deals_csv"))
    return Snapshot(calls, deals, themes, summary, roots, has_deals)


def recording_file(snapshot: Snapshot, call_id: str) -> Path | None:
    """The call's recording, only if the call is in the store and its stored (absolute)
    recording path resolves to an audio file inside one of the run's input folders."""
    call = snapshot.calls.get(call_id)
    recording = call.get("recording") if call else None
    if not recording or not Path(recording).is_absolute():
        return None
    try:
        real = Path(recording).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real.suffix.lower() not in AUDIO_TYPES or not real.is_file():
        return None
    if not any(real == root or root in real.parents for root in snapshot.input_roots):
        return None
    return real


class RunStore:
    """One output folder: cached phrase index, store snapshot and theme-report context,
    all reloaded when ``insights.db`` changes."""

    def __init__(self, out_dir: str | Path, encoder=None):
        self.out_dir = Path(out_dir)
        self.encoder = encoder
        self._lock = threading.Lock()
        self._snap: tuple[tuple, Snapshot] | None = None

    def index(self) -> PhraseIndex:
        return cached_index(self.out_dir, self.encoder)

    def snapshot(self) -> Snapshot:
        stamp = fingerprint(self.out_dir)
        with self._lock:
            if self._snap is None or self._snap[0] != stamp:
                self._snap = (stamp, load_snapshot(self.out_dir))
            return self._snap[1]

    def report_context(self) -> dict[str, Any]:
        snap = self.snapshot()
        with self._lock:
            if snap._report is None:
                snap._report = build_report_context(self.out_dir, snap)
            return snap._report

    def call(self, call_id: str) -> dict[str, Any] | None:
        """A call's transcript with roles, sentences, objection and theme highlights."""
        snap = self.snapshot()
        meta = snap.calls.get(call_id)
        if meta is None:
            return None
        con = read_only(store_path(self.out_dir))
        try:
            segs = pd.read_sql_query('SELECT idx, start, "end", speaker, text FROM segments'
                                     " WHERE call_id = ? ORDER BY idx", con, params=(call_id,))
            utts = pd.read_sql_query(
                'SELECT idx, segment_idx, speaker, start, "end", text, objection FROM utterances'
                " WHERE call_id = ? ORDER BY idx", con, params=(call_id,))
            quotes = (pd.read_sql_query("SELECT theme_id, start, text FROM quotes WHERE call_id = ?",
                                        con, params=(call_id,))
                      if table_exists(con, "quotes") else pd.DataFrame(columns=["theme_id", "start",
                                                                                  "text"]))
        finally:
            con.close()
        return call_view(call_id, meta, snap, segs, utts, quotes)


def call_view(call_id: str, meta: dict[str, Any], snap: Snapshot, segs: pd.DataFrame,
              utts: pd.DataFrame, quotes: pd.DataFrame) -> dict[str, Any]:
    theme_of = {(float(s), t): th for th, s, t in quotes.itertuples(index=False)}
    by_segment: dict[int, list[dict[str, Any]]] = {}
    anchors: set[int] = set()
    for u in _records(utts):
        theme_id = theme_of.get((float(u["start"]), u["text"]))
        second = int(u["start"])
        by_segment.setdefault(int(u["segment_idx"]), []).append({
            "text": u["text"], "start": float(u["start"]), "second": second,
            "anchor": second not in anchors, "objection": u["objection"],
            "theme_id": theme_id, "theme_label": snap.themes.get(theme_id, theme_id) if theme_id
            else None,
        })
        anchors.add(second)
    segments = []
    for s in _records(segs):
        sentences = by_segment.get(int(s["idx"])) or [{
            "text": s["text"], "start": float(s["start"]), "second": int(s["start"]),
            "anchor": int(s["start"]) not in anchors, "objection": None, "theme_id": None,
            "theme_label": None}]
        anchors.add(int(s["start"]))
        speaker = str(s["speaker"]) if s["speaker"] in ("rep", "customer") else "unknown"
        segments.append({"speaker": speaker, "start": float(s["start"]),
                         "timestamp": format_timestamp(s["start"]), "sentences": sentences})
    sentences = [x for seg in segments for x in seg["sentences"]]
    themes: dict[str, dict[str, Any]] = {}
    for x in sentences:
        if x["theme_id"]:
            themes.setdefault(x["theme_id"], {"theme_id": x["theme_id"], "label": x["theme_label"],
                                              "count": 0, "second": x["second"]})["count"] += 1
    objections: dict[str, dict[str, Any]] = {}
    for x in sentences:
        if x["objection"]:
            objections.setdefault(x["objection"], {"category": x["objection"], "count": 0,
                                                   "second": x["second"]})["count"] += 1
    deal = snap.deals.get(str(meta.get("deal_id"))) if meta.get("deal_id") else None
    return {
        "call_id": call_id, "rep": meta.get("rep"), "started_at": meta.get("started_at"),
        "deal_id": meta.get("deal_id"), "outcome": (deal or {}).get("outcome"),
        "amount": (deal or {}).get("amount"), "duration": meta.get("duration"),
        "source": meta.get("source"), "has_audio": recording_file(snap, call_id) is not None,
        "segments": segments, "themes": list(themes.values()),
        "objections": list(objections.values()),
    }


def build_report_context(out_dir: Path, snap: Snapshot) -> dict[str, Any]:
    """The theme report's view model (``report`` module) from the tables in the store."""
    from callinsight.settings import load_settings

    con = read_only(store_path(out_dir))
    try:
        frames = {t: _frame(con, t) for t in ("themes", "quotes", "objection_stats", "objections",
                                              "phrases", "conversation_metrics", "calls_status")}
        runs = ([r[0] for r in con.execute(
            "SELECT DISTINCT run_id FROM theme_history ORDER BY run_id DESC LIMIT 2")]
            if table_exists(con, "theme_history") else [])
    finally:
        con.close()
    settings = load_settings()
    deals = pd.DataFrame(list(snap.deals.values()), columns=["deal_id", "outcome", "amount"])
    won = int((deals["outcome"] == "won").sum()) if len(deals) else 0
    lost = int((deals["outcome"] == "lost").sum()) if len(deals) else 0
    status = frames["calls_status"]
    counts = status["status"].value_counts().to_dict() if len(status) else {}
    failed = ([(r["call_id"], r["reason"]) for r in _records(status) if r["status"] == "failed"]
              if len(status) else [])
    notes = [] if snap.has_deals else [
        "No deal outcomes were given: win/loss statistics need a CRM export (--deals deals.csv)."]
    run = report.RunInfo(
        generated_at=str(snap.summary.get("started_at") or "")[:16].replace("T", " "),
        n_calls=len(status), n_ok=int(counts.get("ok", 0)), n_failed=int(counts.get("failed", 0)),
        n_skipped=int(counts.get("skipped", 0)), n_deals_closed=won + lost, n_won=won,
        n_lost=lost, baseline_win_rate=won / (won + lost) if won + lost else None,
        has_deals=snap.has_deals, notes=notes, failed=failed, alpha=settings.alpha,
        min_support=settings.min_support, previous_run=runs[1] if len(runs) > 1 else None,
    )
    data = report.ReportData(
        themes=frames["themes"], quotes=frames["quotes"], objections=frames["objection_stats"],
        objection_quotes=frames["objections"], phrases=frames["phrases"],
        metrics=frames["conversation_metrics"], run=run, deals=deals,
    )
    return report.report_context(data)


# --------------------------------------------------------------------------- templates


def _seconds(value: Any) -> int:
    """Whole seconds from a number or an ``mm:ss`` / ``h:mm:ss`` timestamp."""
    if isinstance(value, int | float) and math.isfinite(value):
        return int(max(value, 0))
    parts = str(value or "").strip().split(":")
    if not all(p.isdigit() for p in parts):
        return 0
    total = 0
    for p in parts:
        total = total * 60 + int(p)
    return total


def _money(value: Any) -> str:
    return report.format_money(value) if value is not None else ""


def _media_time(value: float) -> str:
    """A media-fragment start time: ``12.5``, ``12``."""
    return f"{max(float(value), 0.0):.2f}".rstrip("0").rstrip(".")


def _date(value: Any) -> str:
    return str(value or "")[:10]


def _humanize(value: Any) -> str:
    text = re.sub(r"[_\-]+", " ", str(value or "")).strip()
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(WEB_TEMPLATES),
            jinja2.PrefixLoader({"report": jinja2.FileSystemLoader(TEMPLATE_DIR)}),
        ]),
        autoescape=True,  # every {{ }} is HTML-escaped; templates never use |safe
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(mmss=format_timestamp, seconds=_seconds, money=_money,
                       media_time=_media_time, day=_date, humanize=_humanize)
    return env


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status)


# --------------------------------------------------------------------------- app


_FORM_KEYS = ("q", "outcome", "theme", "objection", "rep", "since", "until", "limit")


def _form(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in _FORM_KEYS}


def _limit(text: str) -> int:
    try:
        return min(max(int(text), 1), MAX_LIMIT)
    except ValueError:
        return DEFAULT_LIMIT


def run_search(store: RunStore, form: dict[str, str]) -> tuple[list[Hit], Filters]:
    filters = Filters.parse(form["outcome"], form["theme"], form["objection"], form["rep"],
                            form["since"], form["until"])
    return store.index().search(form["q"], filters, limit=_limit(form["limit"])), filters


def _query_string(form: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in form.items() if v})


def create_app(out_dir: str | Path, *, allowed_hosts: list[str] | None = None,
               encoder=None) -> FastAPI:
    """The web app over one run's output folder (``OUT/insights.db`` must exist)."""
    store_path(out_dir)  # fail early with "run `callinsight run` first"
    store = RunStore(out_dir, encoder)
    app = FastAPI(title="callinsight", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    hosts = allowed_hosts or ["127.0.0.1", "localhost", "[::1]", "::1", "testserver"]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    app.mount("/static", StaticFiles(directory=WEB_TEMPLATES / "static"), name="static")

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        snap = store.snapshot()
        return render(name, status, run_summary=snap.summary, has_deals=snap.has_deals,
                      n_calls=len(snap.calls), **context)

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and not request.url.path.startswith(("/audio/", "/static/")):
            return page("error.html.j2", 404, title="Not found",
                        message="There is no such page or call in this run.", active="")
        return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")

    @app.get("/", response_class=HTMLResponse)
    def library(request: Request):
        form = _form(request)
        index = store.index()
        error, hits = None, []
        try:
            hits, _ = run_search(store, form)
        except InputError as exc:
            error = str(exc)
        snap = store.snapshot()
        return page(
            "library.html.j2", 400 if error else 200, active="library", form=form, hits=hits,
            error=error, query_string=_query_string(form), limits=LIMITS,
            limit=_limit(form["limit"]), n_sentences=len(index), themes=index.themes(),
            reps=index.values("rep"), objections=index.values("objection"),
            audio={h.call_id for h in hits if recording_file(snap, h.call_id)},
            browsing=not form["q"],
        )

    @app.get("/export.csv")
    def export(request: Request):
        form = _form(request)
        try:
            hits, _ = run_search(store, form)
        except InputError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain")
        slug = re.sub(r"[^a-z0-9]+", "-", form["q"].lower()).strip("-")[:40] or "all"
        return Response(hits_csv(hits), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="callinsight-quotes-{slug}.csv"'})

    @app.get("/themes", response_class=HTMLResponse)
    def themes(request: Request):
        return page("themes.html.j2", active="themes", **store.report_context())

    @app.get("/calls", response_class=HTMLResponse)
    def calls(request: Request):
        snap = store.snapshot()
        rows = []
        for call_id, c in sorted(snap.calls.items(), key=lambda kv: (str(kv[1].get("started_at")
                                                                         or ""), kv[0]),
                                 reverse=True):
            deal = snap.deals.get(str(c.get("deal_id"))) or {}
            rows.append({**c, "outcome": deal.get("outcome"), "amount": deal.get("amount"),
                         "has_audio": recording_file(snap, call_id) is not None})
        return page("calls.html.j2", active="calls", calls=rows)

    @app.get("/calls/{call_id:path}", response_class=HTMLResponse)
    def call(call_id: str):
        view = store.call(call_id)
        if view is None:
            raise StarletteHTTPException(404)
        return page("call.html.j2", active="calls", call=view)

    @app.get("/audio/{call_id:path}")
    def audio(call_id: str):
        path = recording_file(store.snapshot(), call_id)
        if path is None:
            raise StarletteHTTPException(404, "No recording for this call.")
        return FileResponse(path, media_type=AUDIO_TYPES[path.suffix.lower()],
                            content_disposition_type="inline")

    return app


def serve_command(args: argparse.Namespace) -> int:
    """``callinsight serve [--out OUT] [--host 127.0.0.1] [--port 8765]``."""
    import uvicorn

    out = Path(args.out)
    store_path(out)
    host = args.host
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"]
    if host in ("0.0.0.0", "::"):
        print("warning: serving on every network interface; anyone who can reach this machine "
              "can read the calls.")
        hosts = ["*"]
    elif host not in hosts:
        hosts.append(host)
    app = create_app(out, allowed_hosts=hosts)
    threading.Thread(target=_warm_up, args=(app.state.store,), daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    print(f"callinsight: phrase library at http://{shown}:{args.port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=args.port, log_level="warning")
    return 0


def _warm_up(store: RunStore) -> None:
    """Load the index and the embedding model before the first search asks for them."""
    try:
        store.index().encode_query("warm up")
    except Exception as exc:  # the first search will report it properly
        print(f"warning: could not preload the search model: {exc}")
