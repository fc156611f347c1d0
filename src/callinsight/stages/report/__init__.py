"""The report stage: what marketers read after each nightly run.

Public API
----------
``ReportData`` / ``RunInfo``      inputs (frames from the stats and themes stages, run facts)
``report_context(data)``          the view model both renderings (and the web app) read
``render_html(data)``             one self-contained HTML page (inline CSS + SVG, no JS, no URLs)
``render_markdown(data)``         a compact Markdown version (for a Prefect artifact)
``write_report(data, out_dir)``   writes ``report.html`` and ``report.md`` atomically
``suggest_content(direction, kind, category=None)``   the "suggested content" line
``format_money`` / ``format_pct`` / ``format_timestamp`` / ``format_lift`` / ``format_q`` /
``format_metric`` / ``humanize`` / ``truncate`` / ``md_escape``   the project's formatters
``to_float`` / ``to_int`` / ``to_text`` / ``to_bool``   frame-cell coercions they build on

Modules: ``formatting`` (display formatters), ``content`` (suggested content),
``sections`` (theme/objection/phrase rows), ``view`` (inputs and ``report_context``),
``charts`` (SVG geometry), ``render`` (Jinja environments and files).
"""

from callinsight.stages.report import formatting
from callinsight.stages.report.content import suggest_content
from callinsight.stages.report.formatting import *  # noqa: F403  (its __all__: the formatters)
from callinsight.stages.report.render import TEMPLATE_DIR, render_html, render_markdown, write_report
from callinsight.stages.report.view import ReportData, RunInfo, report_context

__all__ = [
    "ReportData",
    "RunInfo",
    "report_context",
    "render_html",
    "render_markdown",
    "write_report",
    "suggest_content",
    "TEMPLATE_DIR",
]
__all__ += formatting.__all__
