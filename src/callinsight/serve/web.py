"""The local web app: phrase library, themes and call pages over a run's output folder.

``create_app(out_dir)`` returns a FastAPI app; ``callinsight serve`` runs it with uvicorn on
127.0.0.1. Pages are server-rendered Jinja2 (autoescape on, data never marked safe), with
no external URL at all and one small same-origin script (copy button, audio seeking), so
the app works with the network cut.

Routes: ``/`` phrase library (GET form: q, outcome, theme, objection, rep, since, until,
limit), ``/export.csv`` the same results as CSV, ``/themes`` the theme report,
``/calls`` and ``/calls/{call_id}`` transcripts, ``/audio/{call_id}`` the call's recording
(HTTP Range supported) served only for a call known in the store whose recording resolves
inside the run's input folder. What the pages show is built in ``web_views``.

``POST /briefs`` and ``POST /briefs/{theme_id}`` (the Themes page's "Write brief" buttons)
write content briefs into ``OUT/briefs/`` (``stages.report.brief``) and download their
Markdown. The only requests that write anything: refused unless same-origin (``Origin`` /
``Sec-Fetch-Site``), so another web page cannot trigger them from the marketer's browser.
"""

from __future__ import annotations

import argparse
import math
import re
import threading
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles

from callinsight.contracts import InputError
from callinsight.serve.run_db import store_path
from callinsight.serve.search import Filters, Hit, QueryEncoder
from callinsight.serve.search_cli import hits_csv
from callinsight.serve.web_views import AUDIO_TYPES, RunStore, recording_file
from callinsight.stages.report.brief import write_briefs
from callinsight.stages.report.formatting import format_money, format_timestamp, humanize

__all__ = ["create_app", "serve_command", "RunStore", "recording_file", "AUDIO_TYPES"]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
WEB_TEMPLATES = TEMPLATE_DIR / "web"
DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
LIMITS = (25, 50, 100, 250, 1000)
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


def _media_time(value: float) -> str:
    """A media-fragment start time: ``12.5``, ``12``."""
    return f"{max(float(value), 0.0):.2f}".rstrip("0").rstrip(".")


def _date(value: Any) -> str:
    return str(value or "")[:10]


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
    env.filters.update(mmss=format_timestamp, seconds=_seconds,
                       money=partial(format_money, missing=""), media_time=_media_time, day=_date,
                       humanize=humanize)
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
    return urlencode({k: v for k, v in form.items() if v})


def same_origin(request: Request) -> bool:
    """A request that may change files: not sent by another site's page. Browsers send
    ``Sec-Fetch-Site`` to 127.0.0.1 / localhost, and it decides (with this app's
    ``Referrer-Policy: no-referrer`` a same-origin form post says ``Origin: null``); an older
    browser's ``Origin`` must then be this host ("null" is refused); a client sending neither
    (curl, the test client) is no browser another site could drive."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


def create_app(out_dir: str | Path, *, allowed_hosts: list[str] | None = None,
               encoder: QueryEncoder | None = None) -> FastAPI:
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
        return page("themes.html.j2", active="themes", briefs_dir=str(store.out_dir.resolve() / "briefs"),
                    **store.report_context())

    brief_lock = threading.Lock()  # one export at a time: each reads, then rewrites, the clearances

    def brief(request: Request, theme_id: str | None) -> Response:
        if not same_origin(request):
            return Response("Cross-site request refused.", status_code=403, media_type="text/plain")
        try:
            with brief_lock:
                export = write_briefs(store.out_dir, theme_id)
        except InputError as exc:
            return page("error.html.j2", 404, title="No such theme", message=str(exc), active="themes")
        name = f"brief-{export.briefs[0].slug}.md" if theme_id is not None else "briefs-all.md"
        text = export.markdown[theme_id] if theme_id is not None else export.combined()
        return Response(text, media_type="text/markdown; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

    @app.post("/briefs")
    def briefs_all(request: Request):
        return brief(request, None)

    @app.post("/briefs/{theme_id:path}")
    def brief_one(request: Request, theme_id: str):
        return brief(request, theme_id)

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
