"""Rendering the view model to HTML and Markdown, and writing both files.

Security: every value that comes from data (quotes, labels, phrases, call ids, failure
reasons...) is escaped by the template engine: the HTML environment has autoescape on and
the templates never use ``|safe``; SVG charts are drawn by the template from numbers
computed in ``charts``, so their text is escaped too. The Markdown environment escapes
every ``{{ }}`` output with ``md_escape``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from callinsight.stages.report.formatting import md_escape
from callinsight.stages.report.view import ReportData, report_context
from callinsight.util.fsutil import atomic_write_text

__all__ = ["TEMPLATE_DIR", "render_html", "render_markdown", "write_report"]

# src/callinsight/templates (this file is src/callinsight/stages/report/render.py).
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
HTML_TEMPLATE = "report.html.j2"
MD_TEMPLATE = "report.md.j2"


@lru_cache(maxsize=1)
def _html_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every {{ }} is HTML-escaped; templates never use |safe
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _md_finalize(value: Any) -> Markup:
    """Markdown-escape one ``{{ }}`` output. Macro output is already Markup (built from
    escaped parts) and passes through; the Markup wrapper stops autoescape from
    HTML-escaping a second time."""
    if isinstance(value, Markup):
        return value
    return Markup(md_escape(value))


@lru_cache(maxsize=1)
def _md_env() -> jinja2.Environment:
    # autoescape=True only so macro output is Markup and is not escaped twice; the real
    # escaping is _md_finalize. Data must not go through filters that HTML-escape (join).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        finalize=_md_finalize,  # every {{ }} is Markdown-escaped
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(data: ReportData) -> str:
    """The whole report as one self-contained HTML page (no scripts, no external URLs)."""
    return _html_env().get_template(HTML_TEMPLATE).render(**report_context(data))


def render_markdown(data: ReportData) -> str:
    """A compact Markdown summary: top win/loss themes with one quote each, objections,
    failed calls."""
    text = str(_md_env().get_template(MD_TEMPLATE).render(**report_context(data)))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def write_report(data: ReportData, out_dir: Path) -> tuple[Path, Path]:
    """Render both versions, then write ``report.html`` and ``report.md`` atomically.

    Both are rendered before either is written, so a rendering error leaves the previous
    report in place untouched.
    """
    out_dir = Path(out_dir)
    html = render_html(data)
    markdown = render_markdown(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = atomic_write_text(out_dir / "report.html", html)
    md_path = atomic_write_text(out_dir / "report.md", markdown)
    return html_path, md_path
