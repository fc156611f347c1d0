"""``callinsight search``: hits as a readable listing, JSON or CSV (the web export too).

Output only: finding the hits is ``search``. Values are shown with the project's
formatters and CSV cells pass the one spreadsheet guard (``util.csvsafe``), so the CLI,
the web app and the report print the same figure the same way.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from callinsight.serve.search import Filters, Hit, load_index
from callinsight.stages.report.formatting import format_money
from callinsight.util.csvsafe import neutralise

__all__ = ["CSV_COLUMNS", "hits_csv", "format_table", "hit_json", "search_command"]

CSV_COLUMNS = ["text", "call_id", "deal_id", "speaker", "start", "end", "timestamp", "theme_id",
               "theme_label", "outcome", "amount", "rep", "started_at", "objection", "score"]


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit as a JSON-ready dict, its ``mm:ss`` timestamp included."""
    return {**asdict(hit), "timestamp": hit.timestamp}


def hits_csv(hits: Sequence[Hit]) -> str:
    """Hits as CSV text (every cell quoted where needed; formula cells neutralised)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        record = hit_json(hit)
        writer.writerow(["" if record[c] is None else neutralise(record[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def format_table(hits: Sequence[Hit], width: int = 100) -> str:
    """A readable plain-text listing of hits."""
    if not hits:
        return "No matching customer quotes."
    lines = []
    for n, h in enumerate(hits, start=1):
        facts = [f"call {h.call_id} @ {h.timestamp}"]
        if h.deal_id:
            facts.append(" ".join(x for x in (f"deal {h.deal_id}", h.outcome or "",
                                              format_money(h.amount, missing="")) if x))
        facts += [x for x in (h.rep, (h.started_at or "")[:10]) if x]
        if h.theme_label or h.theme_id:
            facts.append(f"theme: {h.theme_label or h.theme_id}")
        if h.objection:
            facts.append(f"objection: {h.objection}")
        lines.append(f"{n:>2}. [{h.score:.2f}] " + " · ".join(facts))
        lines += textwrap.wrap(f"“{h.text}”", width=width, initial_indent="    ",
                               subsequent_indent="     ")
    return "\n".join(lines)


def search_command(args: argparse.Namespace) -> int:
    """``callinsight search QUERY [--out OUT] [--json] [filters]``."""
    filters = Filters.parse(args.outcome, args.theme, args.objection, args.rep, args.since,
                            args.until)
    hits = load_index(args.out).search(args.query, filters, limit=args.limit)
    if args.json:
        json.dump([hit_json(h) for h in hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(hits))
    return 0
