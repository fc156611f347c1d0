"""Content briefs: a theme in revenue terms, its suggested content and its best customer
quotes, for a content writer (``callinsight brief``, the web app's "Write brief" button).

Every figure comes from the run's published tables through the report's view model
(``report_data`` + ``report_context``): nothing is computed here, so a brief, the report
and the Themes page always agree.

Files, in the target folder (default ``OUT/briefs/``), each written atomically:
``brief-<theme>.md`` and ``brief-<theme>.csv`` per theme, ``briefs.md`` (the index) and
``clearances.csv`` (the export's record of every yes / no).

Clearance: the marketer writes ``yes`` or ``no`` in a brief CSV's ``cleared`` column.
Each export reads the explicit values back, keyed by ``quote_id`` (call, start, hash of
the stored text): first ``clearances.csv``, then every ``brief-*.csv`` oldest first, so the
newest explicit edit wins and a blank cell never overrides one (write ``no`` to withdraw).
Cleared quotes come first and are never dropped while the sentence is in the run; quotes
marked ``no`` stay in the CSV (the decision sticks) but leave the Markdown. A quote whose
call is no longer in the run (``forget``) leaves every file the next export writes.

Anonymisation: quotes keep the store's redaction tokens; a deal's customer company name
(an ``account`` / ``company`` / ``Account Name`` ... column of the run's deals.csv) becomes
``[a 50-seat logistics company]`` from its size and industry columns, else ``[COMPANY]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from callinsight.contracts import InputError
from callinsight.stages.report.brief_companies import (
    Anonymise,
    anonymiser,
    company_rows,
    describe_company,
    header_key,
    read_csv_rows,
)
from callinsight.stages.report.formatting import (
    format_money,
    format_timestamp,
    md_escape,
    to_bool,
    to_float,
    to_text,
    truncate,
)
from callinsight.stages.report.inputs import NO_DEALS_NOTE, report_data
from callinsight.stages.report.sections import QUOTE_MAX_CHARS, DealLookup
from callinsight.stages.report.view import report_context
from callinsight.store.sql import from_blob
from callinsight.store.sqlite import Store
from callinsight.util.csvsafe import FORMULA_STARTS, neutralise
from callinsight.util.fsutil import atomic_write_text

__all__ = ["Brief", "BriefExport", "BriefSource", "Quote", "anonymiser", "brief_command",
           "brief_csv", "brief_markdown", "build_brief", "describe_company", "load_source",
           "quote_id", "read_clearances", "write_briefs"]

MAX_QUOTES, MIN_QUOTES, MIN_WORDS, PER_DEAL = 10, 5, 5, 2
BRIEF_TABLES = ("themes", "quotes", "calls_status", "deals")  # what report_data reads for themes
CSV_COLUMNS = ["quote_id", "cleared", "quote", "call_id", "time", "outcome", "amount", "deal_id",
               "theme_id", "start"]
LEDGER, INDEX = "clearances.csv", "briefs.md"
VERDICT_WORDS = {
    "win": "Win theme: deals whose customers raise it are won more often than other closed deals.",
    "loss": "Loss theme: deals whose customers raise it are lost more often than other closed deals.",
    "no difference": "No difference: deals that raise it are won about as often as the rest.",
    "insufficient evidence": "Insufficient evidence: the run could not test whether it wins or loses "
                             "(too few closed, won or lost deals to count); the figures only describe.",
}
_YES = {"yes", "y", "true", "t", "1", "x", "ok", "cleared", "✓", "✔"}
_NO = {"no", "n", "false", "f", "0", "declined", "rejected"}

# --------------------------------------------------------------------------- the run


@dataclass
class BriefSource:
    """What every brief of a run reads, loaded once."""

    out_dir: Path
    context: dict[str, Any]  # the report's view model (report_context)
    quotes: dict[str, list[dict[str, Any]]]  # theme_id -> its customer quotes (raw rows)
    deals: DealLookup  # deal_id -> outcome, amount (empty for a run without deals)
    anonymise: Anonymise
    typical: dict[tuple[str, str], float]  # (theme_id, quote_id) -> closeness to the centroid
    notes: list[str] = field(default_factory=list)

    def themes(self) -> list[dict[str, Any]]:
        """The content themes (no small talk): broad ones by verdict and pipeline, each
        followed by its sub-themes."""
        rank = {"win": 0, "loss": 1, "no difference": 2}
        broad = sorted(self.context["themes"],
                       key=lambda t: (rank.get(t["verdict"], 3), -t["pipeline_value"], -t["n_quotes"]))
        return [v for t in broad for v in (t, *t["subs"])]


def quote_id(call_id: Any, start: Any, text: Any) -> str:
    """A quote's stable id: call, start (centiseconds) and a hash of the stored text."""
    digest = hashlib.sha256(" ".join(to_text(text).split()).encode()).hexdigest()[:10]
    return f"{to_text(call_id)}@{round((to_float(start) or 0.0) * 100)}#{digest}"


def _typicality(store: Store, quotes: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], float]:
    """Cosine of each quote's stored embedding to its theme's centroid in the last run (the
    themes stage's own "representative" measure); {} when either is missing."""
    runs = store.recent_theme_runs(1)
    if not runs:
        return {}
    centroids = {str(t): from_blob(c) for t, c in store.table(
        "theme_history", ["theme_id", "centroid"], where="run_id = ?", params=(runs[0],)
    ).itertuples(index=False)}
    calls = sorted({q["call_id"] for rows in quotes.values() for q in rows})
    vectors: dict[tuple[str, float, str], np.ndarray] = {}
    for i in range(0, len(calls), 500):
        chunk = calls[i:i + 500]
        frame = store.table("utterances", ["call_id", "start", "text", "embedding"],
                            where=f"call_id IN ({','.join('?' * len(chunk))})", params=chunk)
        for c, s, text, blob in frame.itertuples(index=False):
            if blob is not None:
                vectors[(str(c), round(float(s), 3), str(text))] = from_blob(blob)
    out = {}
    for theme_id, rows in quotes.items():
        centre = centroids.get(theme_id)
        for q in rows:
            vec = vectors.get((q["call_id"], round(to_float(q["start"]) or 0.0, 3), q["text"]))
            if centre is not None and vec is not None and vec.shape == centre.shape:
                norm = float(np.linalg.norm(vec) * np.linalg.norm(centre))
                out[(theme_id, q["quote_id"])] = float(vec @ centre) / norm if norm else 0.0
    return out


def load_source(out_dir: str | Path) -> BriefSource:
    """The last run of ``OUT``: its theme views, customer quotes and company fields."""
    out = Path(out_dir)
    store = Store(out / "insights.db", read_only=True)  # "run `callinsight run` first"
    summary = store.last_run()
    if not summary:
        raise InputError(f"No finished run in {out}: run `callinsight run` first, or pass the "
                         "--out folder of a run.")
    tables = {name: store.table(name) for name in BRIEF_TABLES}
    runs = store.recent_theme_runs(2)
    context = report_context(report_data(tables, summary, runs[1] if len(runs) > 1 else None))
    quotes: dict[str, list[dict[str, Any]]] = {}
    for row in tables["quotes"].to_dict("records"):
        text = to_text(row.get("text"))
        if to_text(row.get("speaker")).strip().lower() != "customer" or not text.strip():
            continue  # customer side only: never a rep's or an unknown speaker's words
        row.update(call_id=to_text(row.get("call_id")), deal_id=to_text(row.get("deal_id")),
                   text=text, quote_id=quote_id(row.get("call_id"), row.get("start"), text))
        quotes.setdefault(to_text(row.get("theme_id")), []).append(row)
    notes: list[str] = []
    anonymise = anonymiser(company_rows(store, summary, notes))
    deals = DealLookup(tables["deals"] if context["run"]["has_deals"] else None)
    return BriefSource(out, context, quotes, deals, anonymise, _typicality(store, quotes), notes)


# --------------------------------------------------------------------------- one brief


@dataclass
class Quote:
    quote_id: str
    text: str  # as shown: anonymised, at most QUOTE_MAX_CHARS
    call_id: str
    time: str  # mm:ss
    start: float | None
    deal_id: str
    outcome: str
    amount: str
    cleared: str  # "yes", "no" or ""


@dataclass
class Brief:
    theme: dict[str, Any]  # the report's theme view, label and phrases anonymised
    slug: str  # file name part
    quotes: list[Quote]  # shown: cleared first
    declined: list[Quote]  # marked "no": kept in the CSV only
    run: dict[str, Any]
    notes: list[str]


def _slug(theme_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", theme_id).strip(".-") or "theme"
    return slug if slug == theme_id else f"{slug}-{hashlib.sha256(theme_id.encode()).hexdigest()[:6]}"


def _select(rows: list[dict[str, Any]], marks: dict[str, str], score: dict[str, float]):
    """(shown rows, declined rows): every cleared quote, then the most typical others (long
    enough ones, the representative ones first), one per deal before a second per deal and
    a sentence said word for word only once, up to MAX_QUOTES (MIN_QUOTES at any spread)."""
    unique = list({r["quote_id"]: r for r in reversed(rows)}.values())[::-1]  # first row kept
    ranked = sorted(unique, key=lambda r: (len(r["text"].split()) < MIN_WORDS,
                                           not to_bool(r.get("representative")),
                                           -score.get(r["quote_id"], 0.0)))
    chosen = [r for r in ranked if marks.get(r["quote_id"]) == "yes"]
    declined = [r for r in ranked if marks.get(r["quote_id"]) == "no"]
    taken = {r["quote_id"] for r in chosen + declined}
    said = {" ".join(r["text"].lower().split()) for r in chosen}

    def deal(r: dict[str, Any]) -> str:
        return r["deal_id"] or "call " + r["call_id"]
    per_deal = Counter(deal(r) for r in chosen)
    for cap, limit in ((1, MAX_QUOTES), (PER_DEAL, MAX_QUOTES), (len(ranked), MIN_QUOTES)):
        for r in ranked:
            words = " ".join(r["text"].lower().split())
            if len(chosen) < limit and r["quote_id"] not in taken and words not in said \
                    and per_deal[deal(r)] < cap:
                chosen.append(r)
                taken.add(r["quote_id"])
                said.add(words)
                per_deal[deal(r)] += 1
    return chosen, declined


def build_brief(source: BriefSource, theme: dict[str, Any], marks: dict[str, str]) -> Brief:
    """One theme's brief; ``marks`` are the clearances (``read_clearances``)."""
    theme_id = theme["theme_id"]
    score = {q: s for (t, q), s in source.typical.items() if t == theme_id}
    chosen, declined = _select(source.quotes.get(theme_id, []), marks, score)

    def quote(row: dict[str, Any]) -> Quote:  # the report's quote facts (sections._quote_view)
        amount = source.deals.amount.get(row["deal_id"])
        text = truncate(source.anonymise(row["text"], row["deal_id"]), QUOTE_MAX_CHARS)
        return Quote(row["quote_id"], text, row["call_id"], format_timestamp(row.get("start")),
                     to_float(row.get("start")), row["deal_id"],
                     source.deals.outcome.get(row["deal_id"], ""),
                     format_money(amount) if amount else "", marks.get(row["quote_id"], ""))
    anon = source.anonymise
    shown = {**theme, "label": anon(theme["label"]), "parent_label": anon(theme["parent_label"]),
             "phrases": [anon(p) for p in theme["phrases"]]}
    return Brief(shown, _slug(theme_id), [quote(r) for r in chosen], [quote(r) for r in declined],
                 source.context["run"], list(source.notes))


# --------------------------------------------------------------------------- rendering


def _md(value: Any) -> str:
    """``md_escape``, and bare URLs defused so no renderer turns them into links."""
    text = re.sub(r"(?i)\b([a-z][a-z0-9+.\-]*):(?=//)", r"\1\\:", md_escape(value))
    return re.sub(r"(?i)\bwww\.", r"www\\.", text)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def brief_markdown(brief: Brief) -> str:
    """The brief a writer reads; every value from the run is escaped (``_md``)."""
    t, run, f = brief.theme, brief.run, {k: _md(v) for k, v in brief.theme.items() if isinstance(v, str)}
    kind = ("sub-theme" + (f" of “{f['parent_label']}”" if t["parent_label"] else "")
            if t["level"] == "sub" else "broad theme")
    lines = [f"# Content brief: {f['label']}", "",
             f"_Theme {f['theme_id']} · {kind} · run of {_md(run['generated_at'])} · "
             f"{_n(t['n_quotes'], 'customer sentence')} in {_n(t['n_deals'], 'deal')}_", "",
             "## In revenue terms", ""]
    if run["has_deals"]:
        lines += [f"**Verdict: {f['verdict']}.** {VERDICT_WORDS[t['verdict']]}", "",
                  f"- Won: **{_n(t['won'], 'deal')}**, {f['amount_won']}",
                  f"- Lost: **{_n(t['lost'], 'deal')}**, {f['amount_lost']}",
                  f"- Win rate: **{f['win_rate']}**"
                  + (f" (95% interval {f['win_rate_ci']})" if t["win_rate_ci"] else "")
                  + f" against {f['baseline']} for all closed deals; lift {f['lift']}"
                  + (f" ({f['lift_ci']})" if t["lift_ci"] else "") + f"; q {f['q']}"]
        if t["single_rep"]:
            lines.append("- ⚠ Mostly one rep's deals: may be a rep habit, not the theme")
    else:
        lines.append(f"**Verdict: insufficient evidence.** {_md(NO_DEALS_NOTE)}")
    lines += ["", "## Suggested content", "",
              f"{f['suggestion']}." if run["has_deals"] else
              "Needs deal outcomes: rerun with a deals file to see whether this theme wins or loses."]
    if t["phrases"]:
        lines += ["", "Customers' own words: " + "; ".join(_md(p) for p in t["phrases"]) + "."]
    lines += ["", "## Customer quotes", "",
              "Customer side only: the theme's most typical sentences, spread over deals. ✅ = cleared "
              f"for publishing (the `cleared` column of `brief-{brief.slug}.csv`).", ""]
    for i, q in enumerate(brief.quotes, 1):
        facts = " · ".join([f"call {_md(q.call_id)} at {_md(q.time)}"]
                           + [_md(x) for x in (q.outcome, q.amount) if x])
        lines.append(f"{i}. ✅ **cleared** “{_md(q.text)}” — {facts}" if q.cleared == "yes"
                     else f"{i}. “{_md(q.text)}” — {facts} · _not yet cleared_")
    if not brief.quotes:
        lines.append("No customer quote is left for this theme.")
    lines += ["", "---", "", "Anonymised: each deal's customer company name is replaced by a "
              "description such as \\[a 50-seat logistics company\\] (\\[COMPANY\\] when the deal "
              "gives no size or industry); \\[EMAIL\\], \\[PHONE\\], \\[NUMBER\\] ... are redactions."]
    return "\n".join(lines + [f"\n⚠ {_md(n)}" for n in brief.notes]) + "\n"


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise(to_text(v)) for v in row] for row in rows])
    return buf.getvalue()


def brief_csv(brief: Brief) -> str:
    """The brief's quotes (shown, then declined) with the ``cleared`` column to fill."""
    return _csv(CSV_COLUMNS, [[q.quote_id, q.cleared, q.text, q.call_id, q.time, q.outcome, q.amount,
                               q.deal_id, brief.theme["theme_id"], "" if q.start is None else f"{q.start:g}"]
                              for q in brief.quotes + brief.declined])


def read_clearances(folder: str | Path) -> dict[str, str]:
    """quote_id -> "yes" / "no": ``clearances.csv``, then every brief CSV oldest first; the
    newest explicit value wins, a blank (or unreadable) cell never overrides one."""
    folder = Path(folder)
    briefs = sorted(folder.glob("brief-*.csv"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    marks: dict[str, str] = {}
    for path in [p for p in (folder / LEDGER,) if p.is_file()] + briefs:
        try:
            rows = read_csv_rows(path)
        except OSError:
            continue
        for row in rows:
            fields = {header_key(k): v for k, v in row.items()}
            qid, cell = fields.get("quote_id", ""), fields.get("cleared", "").strip().lower()
            if qid.startswith("'") and qid[1:2] in FORMULA_STARTS:
                qid = qid[1:]  # our own spreadsheet formula guard
            mark = "yes" if cell in _YES else "no" if cell in _NO else ""
            if qid and mark:
                marks[qid] = mark
    return marks


# --------------------------------------------------------------------------- export


@dataclass
class BriefExport:
    folder: Path
    briefs: list[Brief]
    markdown: dict[str, str]  # theme_id -> Markdown
    index: str
    paths: list[Path]

    def combined(self) -> str:
        """The index, then every brief: one Markdown document (the web app's download)."""
        return "\n---\n\n".join([self.index, *self.markdown.values()])


def _index(source: BriefSource, folder: Path, marks: dict[str, str]) -> str:
    run = source.context["run"]
    lines = [f"# Content briefs — run of {_md(run['generated_at'])}", "",
             "One brief per content theme: revenue figures, suggested content and customer quotes. "
             "Mark quotes cleared (yes / no) in each brief's CSV; the next export keeps them.", "",
             "| Theme | Verdict | Won | Lost | Quotes (cleared) | Brief |", "|" + " --- |" * 6]
    for t in source.themes():
        slug, label = _slug(t["theme_id"]), _md(source.anonymise(t["label"]))
        ids = {r["quote_id"] for r in source.quotes.get(t["theme_id"], [])}
        link = f"[brief-{slug}.md](brief-{slug}.md)" if (folder / f"brief-{slug}.md").is_file() else "—"
        won, lost = ((f"{t['won']} · {_md(t['amount_won'])}", f"{t['lost']} · {_md(t['amount_lost'])}")
                     if run["has_deals"] else ("—", "—"))
        lines.append(f"| {'↳ ' if t['level'] == 'sub' else ''}{label} ({_md(t['theme_id'])}) | "
                     f"{t['verdict'] if run['has_deals'] else 'no deal outcomes'} | {won} | {lost} | "
                     f"{len(ids)} ({sum(marks.get(q) == 'yes' for q in ids)}) | {link} |")
    return "\n".join(lines) + "\n"


def write_briefs(out_dir: str | Path, theme_id: str | None = None, to: str | Path | None = None,
                 source: BriefSource | None = None) -> BriefExport:
    """Write the brief of ``theme_id`` (default: every content theme), the index and the
    clearance record into ``to`` (default ``OUT/briefs``)."""
    source = source or load_source(out_dir)
    themes = source.themes()
    if theme_id is not None:
        known = {t["theme_id"]: t for t in themes}
        if theme_id not in known:
            small = any(t["theme_id"] == theme_id for t in source.context["small_talk_themes"])
            what = "is small talk, not a content theme" if small else "is not a theme of this run"
            listing = ", ".join(f"{t['theme_id']} ({t['label']})" for t in themes[:40]) or "none"
            raise InputError(f"Theme {theme_id!r} {what}. Content themes: {listing}.")
        themes = [known[theme_id]]
    if not themes:
        raise InputError(f"The run in {source.out_dir} has no content themes: nothing to brief.")
    folder = Path(to) if to is not None else Path(out_dir) / "briefs"
    folder.mkdir(parents=True, exist_ok=True)
    marks = read_clearances(folder)
    export = BriefExport(folder, [], {}, "", [])
    for theme in themes:
        brief = build_brief(source, theme, marks)
        export.briefs.append(brief)
        export.markdown[theme["theme_id"]] = text = brief_markdown(brief)
        export.paths.append(atomic_write_text(folder / f"brief-{brief.slug}.csv", brief_csv(brief)))
        export.paths.append(atomic_write_text(folder / f"brief-{brief.slug}.md", text))
    live = {r["quote_id"]: r for rows in source.quotes.values() for r in rows}
    ledger = [[q, m, live[q]["call_id"]] for q, m in sorted(marks.items()) if q in live]
    export.paths.append(atomic_write_text(folder / LEDGER, _csv(["quote_id", "cleared", "call_id"], ledger)))
    export.index = _index(source, folder, marks)
    export.paths.append(atomic_write_text(folder / INDEX, export.index))
    return export


def brief_command(args: argparse.Namespace) -> int:
    """``callinsight brief --out OUT [--theme ID] [--to FOLDER]``."""
    export = write_briefs(args.out, args.theme, args.to)
    shown = sum(len(b.quotes) for b in export.briefs)
    cleared = sum(q.cleared == "yes" for b in export.briefs for q in b.quotes)
    print(f"Wrote {_n(len(export.briefs), 'brief')} ({_n(shown, 'quote')}, {cleared} cleared) to "
          f"{export.folder.resolve()} (index: {INDEX}).")
    for note in export.briefs[0].notes:
        print(f"warning: {note}")
    print("Mark quotes cleared for publishing in the brief CSVs (column cleared: yes / no); "
          "the next export keeps them.")
    return 0
