"""Content briefs: revenue figures from the published tables, customer-only quotes,
company anonymisation, clearances kept across exports, Markdown escaping."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from callinsight.cli import main
from callinsight.contracts import InputError
from callinsight.stages.report.brief import (
    describe_company,
    load_source,
    quote_id,
    read_clearances,
    write_briefs,
)
from callinsight.stages.report.content import suggest_content
from callinsight.stages.report.formatting import format_money, format_pct, format_timestamp
from callinsight.store import Store

DEALS = {  # deal -> (outcome, amount, account, seats, employees, industry)
    "D1": ("won", 50000, "Acme Logistics Inc.", "50", "", "Logistics"),
    "D2": ("lost", 20000, "Globex", "", "800", "Insurance"),
    "D3": ("won", 30000, "Initech", "", "", ""),
    "D4": ("lost", 10000, "Umbrella Corp", "", "", "SaaS"),
}
CALL_DEAL = {"c1": "D1", "c2": "D2", "c3": "D3", "c4": "D4"}
INJECTION = ('Click [here](http://evil.example) or www.evil.example, <img src=x onerror=alert(1)> '
             '**now** | `code`')
ACME = "We at Acme Logistics switched because the Salesforce sync just works."
QUOTES = [  # (theme, call, start, speaker, text, representative)
    ("T1", "c1", 12.0, "customer", ACME, 1),
    ("T1", "c1", 30.0, "customer", "Honestly acme logistics would not have signed without the sync.", 0),
    ("T1", "c1", 45.0, "customer", "Globex told us the sync saved their ops team hours every week.", 0),
    ("T1", "c1", 60.0, "rep", "Our Salesforce sync is the best on the market, trust me.", 1),
    ("T1", "c2", 8.5, "customer", "Globex's team wants the Salesforce sync in every single call.", 1),
    ("T1", "c2", 70.0, "customer", "The sync would save my reps a whole afternoon every week.", 0),
    ("T1", "c2", 95.0, "customer", INJECTION, 1),
    ("T1", "c3", 61.0, "customer", "Initech needs the sync to work with every single call we make.", 1),
    ("T1", "c3", 75.0, "customer", "Send the sync details to [EMAIL] so our admin can check them.", 0),
    ("T1", "c4", 3.0, "customer", "Umbrella Corp cannot live without a proper CRM sync anymore.", 0),
    ("T1", "c4", 20.0, "customer", "Our reps hate typing call notes into the CRM by hand.", 0),
    ("T1", "c4", 40.0, "customer", "If the sync breaks we lose a day of pipeline data each time.", 0),
    ("T1", "c4", 55.0, "unknown", "Maybe the sync, maybe not, it is hard to say for sure.", 0),
    ("S1", "c1", 12.0, "customer", ACME, 1),
    ("S1", "c3", 61.0, "customer", "Initech needs the sync to work with every single call we make.", 1),
    ("T9", "c2", 1.0, "customer", "The weather has been lovely all week over here.", 1),
]
THEMES = [
    {"theme_id": "T1", "label": "Salesforce sync <b>live</b> | *now*", "n_quotes": 12, "n_deals": 4,
     "deals_won": 2, "deals_lost": 2, "win_rate": 0.5, "baseline_win_rate": 0.5, "lift": 1.0,
     "q_value": 0.5, "p_value": 0.4, "direction": "none", "amount_won": 80000.0,
     "amount_lost": 30000.0, "ci_low": 0.15, "ci_high": 0.85, "tested": True, "level": "broad",
     "verdict": "no difference", "small_talk": False, "top_phrases": "salesforce sync; acme logistics"},
    {"theme_id": "S1", "label": "Switching for the sync", "n_quotes": 2, "n_deals": 2, "deals_won": 2,
     "deals_lost": 0, "win_rate": 1.0, "baseline_win_rate": 0.5, "lift": 2.0, "q_value": 0.01,
     "p_value": 0.001, "direction": "win", "amount_won": 80000.0, "amount_lost": 0.0,
     "ci_low": 0.34, "ci_high": 1.0, "tested": True, "level": "sub", "parent_id": "T1",
     "verdict": "win", "small_talk": False, "top_phrases": "switch"},
    {"theme_id": "T9", "label": "small talk: weather", "n_quotes": 1, "n_deals": 1, "deals_won": 0,
     "deals_lost": 1, "level": "broad", "verdict": "insufficient evidence", "small_talk": True},
]


def publish(out: Path, quotes=QUOTES, run_id: str = "r1", deals_csv: bool = True) -> Path:
    """Publish a run's tables (and a deals.csv with company columns) under ``out``."""
    path = out.parent / "deals.csv"
    rows = ["deal_id,stage,amount,Account Name,Seats,Employees,Industry"]
    rows += [f"{d},{o},{a},{n},{s},{e},{i}" for d, (o, a, n, s, e, i) in DEALS.items()]
    path.write_text("\n".join(rows) + "\n")
    deals = pd.DataFrame([{"deal_id": d, "outcome": o, "stage": o, "amount": float(a)}
                          for d, (o, a, *_) in DEALS.items()])
    quotes_frame = pd.DataFrame([{"theme_id": t, "call_id": c, "deal_id": CALL_DEAL[c], "speaker": sp,
                                  "start": s, "end": s + 3, "text": text, "representative": bool(r)}
                                 for t, c, s, sp, text, r in quotes])
    status = pd.DataFrame([{"call_id": c, "status": "ok", "reason": ""} for c in CALL_DEAL])
    summary = {"run_id": run_id, "started_at": "2026-10-02T08:00:00+00:00",
               "deals_csv": str(path) if deals_csv else None, "settings": {"alpha": 0.05}}
    Store(out / "insights.db").publish(run_id, {"themes": pd.DataFrame(THEMES), "quotes": quotes_frame,
                                                "deals": deals, "calls_status": status}, [], summary)
    return out


@pytest.fixture
def out(tmp_path) -> Path:
    return publish(tmp_path / "out")


def brief_rows(folder: Path, theme: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / f"brief-{theme}.csv").read_text(), newline="")))


def quote_lines(md: str) -> list[str]:
    section = md.split("## Customer quotes")[1].split("\n---\n")[0]
    return [line for line in section.splitlines() if line[:1].isdigit()]


def test_one_theme_brief_has_the_published_revenue_figures(out):
    export = write_briefs(out, "S1")
    folder = out / "briefs"
    assert sorted(p.name for p in folder.iterdir()) == ["brief-S1.csv", "brief-S1.md", "briefs.md",
                                                        "clearances.csv"]
    md = (folder / "brief-S1.md").read_text()
    assert md == export.markdown["S1"]
    published = Store(out / "insights.db", read_only=True).table("themes").set_index("theme_id").loc["S1"]
    assert f"Won: **2 deals**, \\{format_money(published.amount_won)}" in md
    assert f"Lost: **0 deals**, \\{format_money(published.amount_lost)}" in md
    assert f"Win rate: **{format_pct(published.win_rate)}** (95% interval 34%–100%)" in md
    assert "against 50% for all closed deals; lift 2.0×" in md and "q 0.010" in md
    assert "**Verdict: win.** Win theme:" in md
    assert suggest_content("win", "theme") + "." in md
    assert "sub-theme of “Salesforce sync &lt;b&gt;live&lt;/b&gt; \\| \\*now\\*”" in md
    row = "| ↳ Switching for the sync (S1) | win | 2 · \\$80,000 | 0 · \\$0 | 2 (0) |"
    assert row + " [brief-S1.md](brief-S1.md) |" in export.index
    assert "| Salesforce sync" in export.index and "| — |" in export.index  # T1: not exported yet


def test_all_briefs_cover_every_content_theme_and_no_small_talk(out):
    export = write_briefs(out)
    assert [b.theme["theme_id"] for b in export.briefs] == ["T1", "S1"]
    names = {p.name for p in (out / "briefs").iterdir()}
    assert {"brief-T1.md", "brief-T1.csv", "brief-S1.md", "brief-S1.csv", "briefs.md"} <= names
    assert not any("T9" in n for n in names)
    md = export.markdown["T1"]
    assert "**Verdict: no difference.**" in md and "Won: **2 deals**, \\$80,000" in md
    assert "Lost: **2 deals**, \\$30,000" in md
    assert "[brief-T1.md](brief-T1.md)" in export.index and "↳ Switching for the sync (S1)" in export.index
    assert export.combined().startswith(export.index)


def test_quotes_are_customer_only_with_call_time_and_outcome(out):
    export = write_briefs(out, "T1")
    rows = brief_rows(out / "briefs", "T1")
    assert 5 <= len(rows) <= 10
    said = {(c, s): (sp, text) for t, c, s, sp, text, _ in QUOTES if t == "T1"}
    for row in rows:
        speaker, _ = said[(row["call_id"], float(row["start"]))]
        assert speaker == "customer"
        assert row["time"] == format_timestamp(float(row["start"]))
        outcome, amount, *_ = DEALS[CALL_DEAL[row["call_id"]]]
        assert (row["outcome"], row["amount"], row["deal_id"]) == (outcome, format_money(amount),
                                                                   CALL_DEAL[row["call_id"]])
    assert len({r["deal_id"] for r in rows[:4]}) == 4  # one quote per deal before a second
    md = export.markdown["T1"]
    assert "trust me" not in md and "hard to say" not in md  # rep and unknown speakers
    assert "call c2 at 00:08 · lost · \\$20,000 · _not yet cleared_" in md
    assert len(quote_lines(md)) == len(rows)


def test_company_names_become_descriptions(out):
    assert describe_company({"Seats": "50", "Industry": "Logistics"}) == "[a 50-seat logistics company]"
    assert describe_company({"employees": "800", "vertical": "Insurance"}) == \
        "[an 800-employee insurance company]"
    assert describe_company({"Industry": "SaaS"}) == "[a SaaS company]"
    assert describe_company({"Seats__c": "1,200", "Industry__c": "Retail"}) == "[a 1,200-seat retail company]"
    assert describe_company({"employees": "80", "industry": ""}) == "[an 80-employee company]"
    assert describe_company({"account": "Initech"}) == "[COMPANY]"
    write_briefs(out, "T1")
    text = "\n".join(r["quote"] for r in brief_rows(out / "briefs", "T1"))
    md = (out / "briefs" / "brief-T1.md").read_text()
    for name in ("Acme", "acme", "Globex", "Initech", "Umbrella"):
        assert name not in text and name not in md, name
    assert "We at [a 50-seat logistics company] switched" in text
    assert "[an 800-employee insurance company]'s team" in text  # possessive kept
    assert "[COMPANY] needs the sync" in text
    assert "[a SaaS company] cannot live" in text  # "Umbrella Corp": the name with its suffix
    assert "[EMAIL]" in text  # redaction tokens stay as stored
    assert "We at \\[a 50-seat logistics company\\] switched" in md
    assert "Customers' own words: salesforce sync; \\[a 50-seat logistics company\\]." in md


def test_without_company_columns_the_brief_says_so(tmp_path):
    out = publish(tmp_path / "out", deals_csv=False)
    (tmp_path / "deals.csv").unlink()
    md = write_briefs(out, "S1").markdown["S1"]
    assert "Acme Logistics" in md  # nothing to look the names up in: a run without deals.csv
    out2 = publish(tmp_path / "out2")
    (tmp_path / "deals.csv").unlink()  # the run's deals.csv went away
    assert "no longer readable" in write_briefs(out2, "S1").markdown["S1"]


def test_markdown_escapes_customer_text(out):
    md = write_briefs(out, "T1").markdown["T1"]
    line = next(line for line in quote_lines(md) if "Click" in line)
    assert not re.search(r"(?<!\\)\]\(", line)  # no "](" that could close a link
    assert "<img" not in line and "**now**" not in line
    assert "\\[here\\](http\\://evil.example)" in line and "www\\.evil.example" in line
    assert "&lt;img src=x onerror=alert(1)&gt;" in line and "\\*\\*now\\*\\* \\| \\`code\\`" in line
    assert md.startswith("# Content brief: Salesforce sync &lt;b&gt;live&lt;/b&gt; \\| \\*now\\*\n")
    assert "<" not in md.replace("&lt;", "")


def _mark(folder: Path, theme: str, marks: dict[str, str]) -> None:
    """What a marketer does: fill ``cleared`` in a brief CSV and save it."""
    path = folder / f"brief-{theme}.csv"
    rows = brief_rows(folder, theme)
    for row in rows:
        row["cleared"] = marks.get(row["quote_id"], row["cleared"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())
    stamp = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(stamp, stamp))  # saved after the export, whatever the clock resolution


def test_cleared_quotes_are_kept_first_across_exports(out):
    folder = out / "briefs"
    first = write_briefs(out, "T1").briefs[0]
    shown = [q.quote_id for q in first.quotes]
    all_ids = {quote_id(c, s, text) for t, c, s, sp, text, _ in QUOTES if t == "T1" and sp == "customer"}
    hidden = sorted(all_ids - set(shown))
    assert hidden, "the theme needs quotes the first export left out"
    cleared, declined = shown[-1], shown[0]
    _mark(folder, "T1", {cleared: "Yes", declined: "no"})
    # a cleared quote the brief did not show: marked in the ledger, as an older export did
    (folder / "clearances.csv").write_text(f"quote_id,cleared,call_id\r\n{hidden[0]},yes,c1\r\n")

    for _ in range(2):  # the second export reads what the first wrote back
        brief = write_briefs(out, "T1").briefs[0]
        ids = [q.quote_id for q in brief.quotes]
        assert set(ids[:2]) == {cleared, hidden[0]}  # cleared first, never dropped
        assert declined not in ids and [q.quote_id for q in brief.declined] == [declined]
        rows = {r["quote_id"]: r["cleared"] for r in brief_rows(folder, "T1")}
        assert rows[cleared] == rows[hidden[0]] == "yes" and rows[declined] == "no"
        md = (folder / "brief-T1.md").read_text()
        assert [line.split(". ", 1)[1].startswith("✅ **cleared**") for line in quote_lines(md)][:3] == \
            [True, True, False]
    assert read_clearances(folder) == {cleared: "yes", hidden[0]: "yes", declined: "no"}

    for name in ("brief-T1.csv", "brief-T1.md"):  # the ledger remembers
        (folder / name).unlink()
    again = write_briefs(out, "S1")
    assert read_clearances(folder) == {cleared: "yes", hidden[0]: "yes", declined: "no"}
    assert "| 11 (2) | — |" in again.index  # T1: 11 customer quotes, 2 cleared, no brief on disk
    s1 = {q.quote_id: q.cleared for q in again.briefs[0].quotes}
    assert all(s1[q] == "yes" for q in (cleared, hidden[0]) if q in s1)  # cleared in every theme


def test_a_blank_cell_never_overrides_and_spreadsheet_csv_is_read(out):
    folder = out / "briefs"
    first = write_briefs(out).briefs
    target = first[1].quotes[0].quote_id  # in S1 and in T1
    (folder / "brief-S1.csv").write_text(f"quote_id;cleared;quote\r\n{target};Yes;x\r\n",
                                         encoding="utf-8-sig")  # ";" and a BOM: a spreadsheet's save
    for name, later in (("brief-S1.csv", 1), ("brief-T1.csv", 2)):  # T1, blank for it, is newest
        stamp = (folder / name).stat().st_mtime_ns + later * 10**9
        os.utime(folder / name, ns=(stamp, stamp))
    assert read_clearances(folder) == {target: "yes"}
    write_briefs(out)
    for theme in ("S1", "T1"):
        assert {r["quote_id"]: r["cleared"] for r in brief_rows(folder, theme)}[target] == "yes"


def test_a_forgotten_quote_leaves_the_brief_and_the_ledger(out):
    folder = out / "briefs"
    brief = write_briefs(out, "T1").briefs[0]
    gone = brief.quotes[0]
    _mark(folder, "T1", {gone.quote_id: "yes"})
    write_briefs(out, "T1")
    publish(out, [q for q in QUOTES if q[1] != gone.call_id], run_id="r2")  # forget its call
    brief = write_briefs(out, "T1").briefs[0]
    assert gone.call_id not in {q.call_id for q in brief.quotes}
    assert gone.quote_id not in (folder / "clearances.csv").read_text()
    assert gone.quote_id not in (folder / "brief-T1.csv").read_text()


def test_errors_say_what_to_do(out, tmp_path):
    with pytest.raises(InputError, match="callinsight run"):
        write_briefs(tmp_path / "nothing")
    with pytest.raises(InputError, match=r"'T7' is not a theme.*T1 \(Salesforce sync.*S1 \(Switching"):
        write_briefs(out, "T7")
    with pytest.raises(InputError, match="small talk"):
        write_briefs(out, "T9")
    assert not (out / "briefs").exists()


def test_cli(out, tmp_path, capsys):
    assert main(["brief", "--out", str(out), "--theme", "S1", "--to", str(tmp_path / "b")]) == 0
    printed = capsys.readouterr().out
    assert "Wrote 1 brief (2 quotes, 0 cleared)" in printed and str(tmp_path / "b") in printed
    assert (tmp_path / "b" / "brief-S1.md").is_file() and not (out / "briefs").exists()
    assert main(["brief", "--out", str(out), "--theme", "nope"]) == 2
    assert "Content themes: T1" in capsys.readouterr().err
    assert main(["brief", "--out", str(tmp_path / "none")]) == 2
    assert "run `callinsight run` first" in capsys.readouterr().err


def test_library_run_figures_equal_the_published_themes_table(library_out, tmp_path):
    """A real run: every content theme's figures are the themes table's, quotes are its
    customer sentences with their call, time and deal outcome."""
    store = Store(library_out / "insights.db", read_only=True)
    themes = store.table("themes").set_index("theme_id")
    quotes = store.table("quotes")
    deals = store.table("deals").set_index("deal_id")
    export = write_briefs(library_out, to=tmp_path / "briefs", source=load_source(library_out))
    content = set(themes.index[~themes["small_talk"].astype(bool)])
    assert {b.theme["theme_id"] for b in export.briefs} == content
    for brief in export.briefs:
        row = themes.loc[brief.theme["theme_id"]]
        md = export.markdown[brief.theme["theme_id"]]
        assert f"Won: **{int(row.deals_won)} deal" in md and f"Lost: **{int(row.deals_lost)} deal" in md
        assert f"\\{format_money(row.amount_won)}" in md and f"\\{format_money(row.amount_lost)}" in md
        assert f"**Verdict: {row.verdict}.**" in md
        assert f"interval {format_pct(row.ci_low)}–{format_pct(row.ci_high)}" in md
        mine = quotes[quotes["theme_id"] == brief.theme["theme_id"]]
        assert 1 <= len(brief.quotes) <= 10
        for q in brief.quotes:
            match = mine[(mine["call_id"] == q.call_id) & (mine["start"] == q.start)]
            assert set(match["speaker"]) == {"customer"} and q.text in set(match["text"])
            assert q.time == format_timestamp(q.start)
            assert q.outcome == deals.loc[q.deal_id, "outcome"] if q.deal_id else q.outcome == ""
        assert len({q.text for q in brief.quotes}) == len(brief.quotes)  # no sentence twice
