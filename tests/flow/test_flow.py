"""The Prefect flow on imported transcripts: outputs, incremental reruns, bad rows."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from callinsight.store.sqlite import Store
from support.corpus import LOSS, SMALL, WIN, make_corpus, run  # noqa: F401


def test_flow_outputs_and_incremental_rerun(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in", extra_rows="bad1,D00,Ann,2026-10-01,t/missing.json\n")
    out = tmp_path / "out"
    summary = run(calls, deals, out)
    for name in ("insights.db", "calls_status.csv", "phrases.csv", "themes.csv", "quotes.csv",
                 "objections.csv", "report.html", "report.md"):
        assert (out / name).is_file(), name
    assert len(list((out / "transcripts").glob("*.vtt"))) == 12
    status = pd.read_csv(out / "calls_status.csv")
    bad = status[status.call_id == "bad1"].iloc[0]
    assert bad.status == "failed" and "missing.json" in bad.reason
    assert (status.status == "ok").sum() == 12
    assert summary["new"] == 12 and summary["extracted"] == 12
    vtt = (out / "transcripts" / "c00.vtt").read_text()
    assert "<v customer>" in vtt and "<v rep>" in vtt

    objections = pd.read_csv(out / "objections.csv")
    assert "budget" in set(objections.category)
    assert set(objections.speaker) == {"customer"}
    quotes = pd.read_csv(out / "quotes.csv")
    assert set(quotes.call_id) <= {f"c{i:02d}" for i in range(12)}
    assert list(pd.read_csv(out / "themes.csv").columns[:15]) == [
        "theme_id", "label", "n_quotes", "n_deals", "deals_won", "deals_lost", "win_rate",
        "baseline_win_rate", "lift", "p_value", "q_value", "direction", "amount_won",
        "amount_lost", "top_phrases"]

    store = Store(out / "insights.db")
    before = store.calls_frame()[["call_id", "updated_at", "cache_key", "extract_key"]]
    utterances_before = _rowids(out, "utterances")
    again = run(calls, deals, out)
    assert again["new"] == 0 and again["cached"] == 12 and again["extracted"] == 0
    after = store.calls_frame()[["call_id", "updated_at", "cache_key", "extract_key"]]
    pd.testing.assert_frame_equal(before, after)  # nothing re-transcribed or re-imported
    assert _rowids(out, "utterances") == utterances_before  # nothing re-extracted
    assert again["comparison"]["previous_run"] == summary["run_id"]
    runs = sorted((out / "runs").glob("*.json"))
    assert len(runs) >= 1 and json.loads(runs[-1].read_text())["cached"] == 12


def test_changed_deal_outcome_updates_statistics(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    run(calls, deals, out)
    with open(deals) as fh:
        rows = list(csv.reader(fh))
    rows[1][1] = "Negotiation"  # a won deal re-opens
    with open(deals, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    utterances_before = _rowids(out, "utterances")
    again = run(calls, deals, out)
    themes = pd.read_csv(out / "themes.csv")
    # D00 is now open: no theme may count more than 5 won deals
    assert themes.deals_won.max() <= 5
    # ...from the latest deals.csv alone: nothing was transcribed or extracted again
    assert again["new"] == 0 and again["extracted"] == 0
    assert _rowids(out, "utterances") == utterances_before
    with sqlite3.connect(out / "insights.db") as con:
        assert con.execute("SELECT outcome FROM deals WHERE deal_id = 'D00'").fetchone() == ("open",)
    phrases = pd.read_csv(out / "phrases.csv")
    assert phrases.deals_won.max() <= 5


def _rowids(out: Path, table: str) -> list[tuple]:
    """Row ids change when rows are deleted and inserted again, even with equal values."""
    with sqlite3.connect(out / "insights.db") as con:
        return con.execute(f"SELECT rowid, call_id, idx FROM {table} ORDER BY rowid").fetchall()


def test_flow_without_deals_says_statistics_need_outcomes(tmp_path, prefect_server):
    calls, _ = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    run(calls, None, out)
    html = (out / "report.html").read_text()
    assert "--deals" in html
    assert (out / "themes.csv").is_file()


def test_no_usable_call_fails_clearly(tmp_path, prefect_server):
    root = tmp_path / "in"
    root.mkdir()
    calls = root / "calls.csv"
    calls.write_text("call_id,deal_id,rep,started_at,transcript\nx,D1,Ann,2026-10-01,nope.vtt\n")
    from flows.nightly import nightly_insights

    state = nightly_insights(calls=str(calls), deals=None, out=str(tmp_path / "out"), return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="nope.vtt"):
        state.result()


def test_forget_removes_a_call_everywhere(tmp_path, prefect_server):
    from callinsight.cli import main

    calls, deals = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    run(calls, deals, out)
    quoted = pd.read_csv(out / "quotes.csv").call_id.iloc[0]
    assert main(["forget", quoted, "--out", str(out)]) == 0
    store = Store(out / "insights.db")
    assert store.transcript(quoted) == []
    assert quoted not in set(store.calls_frame().call_id)
    assert not (out / "transcripts" / f"{quoted}.vtt").exists()
    for name in ("quotes.csv", "objections.csv", "calls_status.csv"):
        assert quoted not in set(pd.read_csv(out / name).call_id)
    with store.connect() as con:
        for table in ("segments", "utterances", "quotes", "objections"):
            n = con.execute(f"SELECT COUNT(*) FROM {table} WHERE call_id = ?", (quoted,)).fetchone()[0]
            assert n == 0, table
        # every table of the store that has a call_id column, the published ones included
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        per_call = [t for t in tables
                    if "call_id" in {c[1] for c in con.execute(f'PRAGMA table_info("{t}")')}]
        assert {"call_metrics", "calls_status", "sentence_themes"} <= set(per_call)
        for table in per_call:
            n = con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE call_id = ?', (quoted,)).fetchone()[0]
            assert n == 0, table


def test_the_run_records_its_effective_settings(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in", n_won=2, n_lost=2)
    out = tmp_path / "out"
    summary = run(calls, deals, out, alpha=0.2, embedding_model="all-MiniLM-L6-v2")
    saved = json.loads((out / "runs" / f"{summary['run_id']}.json").read_text())
    for record in (summary, saved, Store(out / "insights.db").last_run()):
        assert record["settings"]["alpha"] == 0.2 and record["settings"]["min_support"] == 3
        assert record["settings"]["embedding_model"] == record["embedding_model"] == "all-MiniLM-L6-v2"
    assert Store(out / "insights.db", read_only=True).run_settings()["theme_min_size"] == 3


def test_each_quoted_sentence_has_its_theme_stored(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    run(calls, deals, out)
    store = Store(out / "insights.db", read_only=True)
    assigned = store.table("sentence_themes")
    quotes = pd.read_csv(out / "quotes.csv")
    assert len(assigned) > 0
    utts = store.table("utterances", ["call_id", "idx", "start", "text"])
    joined = assigned.merge(utts, on=["call_id", "idx"])
    # one stored theme per sentence (its finest: the sub-theme when it has one), and it is
    # one of the themes quoting that sentence
    assert set(zip(joined.theme_id, joined.call_id, joined.text, strict=True)) <= set(
        zip(quotes.theme_id, quotes.call_id, quotes.text, strict=True))
    assert set(zip(joined.call_id, joined.text, strict=True)) == set(
        zip(quotes.call_id, quotes.text, strict=True))
    assert not assigned.duplicated(["call_id", "idx"]).any()


def test_an_analysis_added_through_the_registry_publishes_its_table(tmp_path, prefect_server):
    """The extension point the data team uses: one function, one declared table."""
    from callinsight.contracts import OUTPUT_TABLES, Column, TableSchema, register_output_table
    from callinsight.registry import analyses
    from callinsight.settings import Settings
    from callinsight.stages.analyse.insights import AnalysisOutput

    register_output_table(TableSchema("customer_words", (Column("call_id"), Column("words", "int")),
                                      "customer words per call", csv=True))

    @analyses.register("customer_words")
    def customer_words(ctx):
        words = ctx.customer.groupby("call_id")["text"].apply(lambda s: int(s.str.split().str.len().sum()))
        return AnalysisOutput({"customer_words": words.rename("words").reset_index()})

    try:
        calls, deals = make_corpus(tmp_path / "in", n_won=2, n_lost=2)
        out = tmp_path / "out"
        run(calls, deals, out, analyses=",".join((*Settings().analyses, "customer_words")))
        table = pd.read_csv(out / "customer_words.csv")
        assert list(table.columns) == ["call_id", "words"] and len(table) == 4
        assert (table["words"] > 10).all()
        with Store(out / "insights.db").connect() as con:
            assert con.execute("SELECT COUNT(*) FROM customer_words").fetchone()[0] == 4
        assert (out / "themes.csv").is_file()  # the built-in analyses still ran
    finally:
        analyses.unregister("customer_words")
        OUTPUT_TABLES.pop("customer_words", None)


def test_curation_survives_the_next_nightly_run(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    run(calls, deals, out)
    first = pd.read_csv(out / "themes.csv")
    broad = first[first["level"] == "broad"]["theme_id"].tolist()
    assert len(broad) >= 2
    keep, gone = broad[0], broad[1]
    (out / "curation.yaml").write_text(
        f"themes:\n  {keep}: {{label: 'In their words'}}\n  {gone}: {{merge_into: {keep}}}\n")
    run(calls, deals, out)  # the next night: the same ids, and the marketer's decisions applied
    second = pd.read_csv(out / "themes.csv").set_index("theme_id")
    assert second.loc[keep, "label"] == "In their words"
    assert gone not in second.index
    assert "merged " + gone in second.loc[keep, "curated"]
    assert set(first["theme_id"]) - {gone} <= set(second.index)
    moved = first.loc[first["parent_id"] == gone, "theme_id"]
    assert (second.loc[moved, "parent_id"] == keep).all()
    quotes = pd.read_csv(out / "quotes.csv")
    assert gone not in set(quotes["theme_id"])
    run(calls, deals, out)  # and the night after: the merged theme is still recognised and merged
    third = pd.read_csv(out / "themes.csv").set_index("theme_id")
    assert gone not in third.index and "merged " + gone in third.loc[keep, "curated"]
