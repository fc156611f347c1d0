"""Phrase library search on a real run (the flow on imported transcripts).

``library_run`` builds that run once per session; test_web.py and test_browser.py use it too.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import numpy as np
import pandas as pd
import pytest

from callinsight.cli import main
from callinsight.contracts import InputError
from callinsight.serve.search import Filters, PhraseIndex, cached_index, lemma, load_index, tokenize
from support.library import (  # noqa: F401
    AMOUNT,
    CALLS,
    CRM,
    DIM,
    FORMULA,
    NO_RECORDING,
    OPEN_CALLS,
    PRICE,
    REPS,
    SCRIPT,
    SECURITY,
    SMALL,
    STAGE,
    TIME,
    TWIN,
    TWIN_THEMES,
    AnyEncoder,
    build_corpus,
    customer_start,
    library_run,
    publish_run,
    small_store,
)


@pytest.fixture(scope="session")
def index(library_out) -> PhraseIndex:
    return load_index(library_out)


# --------------------------------------------------------------------------- unit


def test_lemmas_make_inflections_meet():
    assert {lemma(w) for w in ("saves", "saved", "saving", "save")} == {"save"}
    assert {lemma(w) for w in ("prices", "pricing", "priced")} == {"price"}
    assert lemma("companies") == "company" and lemma("cutting") == "cut"
    assert tokenize("It CUTS the admin work!") == ["cut", "admin", "work"]


def test_filters_parse_rejects_bad_values():
    assert Filters.parse(since="2026-10-01").since == date(2026, 10, 1)
    assert Filters.parse().is_empty()
    with pytest.raises(InputError, match="since"):
        Filters.parse(since="last week")
    with pytest.raises(InputError, match="outcome"):
        Filters.parse(outcome="maybe")


class FakeEncoder:
    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def encode(self, texts):
        return np.vstack([self.vectors[t] for t in texts])


def test_fusion_ranks_by_meaning_and_keyword_without_a_model():
    texts = ["alpha beta", "gamma delta", "beta gamma"]
    rows = pd.DataFrame({
        "text": texts, "call_id": ["a", "b", "c"], "deal_id": [None] * 3, "speaker": ["customer"] * 3,
        "start": [1.0, 2.0, 3.0], "end": [2.0, 3.0, 4.0], "theme_id": [None] * 3,
        "theme_label": [None] * 3, "outcome": [None] * 3, "amount": [None] * 3, "rep": ["x"] * 3,
        "started_at": ["2026-10-01"] * 3, "objection": [None] * 3, "idx": [0, 0, 0],
    })
    emb = np.eye(3, dtype=np.float32)
    idx = PhraseIndex(rows, emb, encoder=FakeEncoder({"delta": emb[0], "zzz": emb[1]}))
    # "delta" means row 0 (cosine 1) but is spelled in row 1 (keyword): meaning weighs more
    hits = idx.search("delta", limit=3, min_score=0.0)
    assert [h.call_id for h in hits[:2]] == ["a", "b"]
    assert hits[0].keyword == 0 and hits[1].keyword > 0
    # a word found nowhere: meaning alone
    assert idx.search("zzz", limit=1)[0].call_id == "b"


# --------------------------------------------------------------------------- real run


def test_meaning_finds_a_quote_without_the_query_words(index):
    hits = index.search("saves time", limit=10)
    texts = [h.text for h in hits]
    assert TIME[0] in texts, texts
    hit = hits[texts.index(TIME[0])]
    assert not set(tokenize("saves time")) & set(tokenize(hit.text))
    assert hit.keyword == 0 and hit.semantic > 0.2
    assert hit.call_id == "c00" and hit.deal_id == "D00" and hit.outcome == "won"
    assert hit.amount == AMOUNT["D00"] and hit.rep == "Ann" and hit.speaker == "customer"
    assert hit.start == pytest.approx(customer_start(1))


def test_keyword_hit_ranks_first(index):
    hits = index.search("HubSpot", limit=3)
    assert hits and "HubSpot" in hits[0].text and hits[0].keyword > 0
    soc = index.search("SOC 2 report", limit=1)[0]
    assert soc.text == SECURITY[0] and soc.keyword > 0.5


def test_each_filter_narrows(index):
    query, everything = "customers talk about the product", index.search("", limit=None)
    assert len(everything) == len(index) > 30
    checks = {
        "outcome": (Filters(outcome="lost"), lambda h: h.outcome == "lost"),
        "rep": (Filters(rep="cara"), lambda h: h.rep == "Cara"),
        "objection": (Filters(objection="budget"), lambda h: h.objection == "budget"),
        "since": (Filters(since=date(2026, 10, 1)), lambda h: h.started_at >= "2026-10-01"),
        "until": (Filters(until=date(2026, 9, 10)), lambda h: h.started_at[:10] <= "2026-09-10"),
    }
    theme_id = next(h.theme_id for h in everything if h.theme_id)
    checks["theme"] = (Filters(theme_id=theme_id), lambda h: h.theme_id == theme_id)
    for name, (filters, ok) in checks.items():
        listed = index.search("", filters, limit=None)
        assert 0 < len(listed) < len(everything), name
        assert all(ok(h) for h in listed), name
        found = index.search(query, filters, limit=None, min_score=-1)
        assert len(found) == len(listed) and all(ok(h) for h in found), name
    both = index.search("", Filters(outcome="lost", rep="Bob"), limit=None)
    assert both and all(h.outcome == "lost" and h.rep == "Bob" for h in both)
    assert index.search("", Filters(rep="nobody"), limit=None) == []


def test_open_deals_and_calls_without_deal(index):
    open_hits = index.search("", Filters(outcome="open"), limit=None)
    assert {h.call_id for h in open_hits} == OPEN_CALLS
    no_deal = [h for h in index.search("", limit=None) if h.call_id == NO_RECORDING]
    assert no_deal and all(h.deal_id is None and h.outcome is None for h in no_deal)


def test_cli_json_shape(library_out, capsys):
    code = main(["search", "saves time", "--out", str(library_out), "--json", "--limit", "10"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert 0 < len(rows) <= 10
    for key in ("text", "call_id", "deal_id", "speaker", "start", "theme_id", "outcome", "score"):
        assert all(key in r for r in rows), key
    assert TIME[0] in [r["text"] for r in rows]
    assert rows == sorted(rows, key=lambda r: -r["score"])

    code = main(["search", "price", "--out", str(library_out), "--json", "--outcome", "won"])
    assert code == 0 and all(r["outcome"] == "won" for r in json.loads(capsys.readouterr().out))


def test_cli_table_and_errors(library_out, tmp_path, capsys):
    assert main(["search", "HubSpot", "--out", str(library_out), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "HubSpot" in out and "call c0" in out
    assert main(["search", "x", "--out", str(tmp_path / "nothing")]) == 2
    assert "callinsight run" in capsys.readouterr().err
    assert main(["search", "x", "--out", str(library_out), "--since", "soon"]) == 2


def test_cached_index_reloads_when_the_store_changes(library_out, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(library_out, out)
    first = cached_index(out)
    assert cached_index(out) is first
    with sqlite3.connect(out / "insights.db") as con:
        con.execute("DELETE FROM utterances WHERE call_id = 'c00'")
    second = cached_index(out)
    assert second is not first and len(second) < len(first)


# --------------------------------------------------------------------------- small store


def test_sentence_themes_come_from_the_utterance_key(tmp_path):
    index = load_index(small_store(tmp_path), encoder=AnyEncoder())
    hits = index.search("", limit=None)
    assert [h.text for h in hits] == [TWIN, TWIN] and {h.start for h in hits} == {4.0}
    assert {(h.idx, h.theme_id, h.theme_label) for h in hits} == {
        (idx, t, label) for idx, (t, label) in TWIN_THEMES.items()}
    assert index.themes() == sorted(TWIN_THEMES.values(), key=lambda p: p[1].lower())
    budget = index.search("pricey", Filters(theme_id="T-budget"), limit=None, min_score=0)
    assert [(h.idx, h.theme_id) for h in budget] == [(2, "T-budget")]


@pytest.fixture
def embedder_calls(monkeypatch) -> list[str]:
    """Models the search asked the embedder factory for (the environment says another)."""
    seen: list[str] = []

    def factory(model: str, backend: str = "sentence-transformers") -> AnyEncoder:
        seen.append(model)
        return AnyEncoder()

    monkeypatch.setattr("callinsight.stages.embed.get_embedder", factory)
    monkeypatch.setenv("CALLINSIGHT_EMBEDDING_MODEL", "env-model-Y")
    return seen


@pytest.mark.parametrize(("settings", "expected"), [
    ({"embedding_model": "run-model-X", "alpha": 0.05, "min_support": 5}, "run-model-X"),
    (None, "all-MiniLM-L6-v2"),  # a store from before runs recorded their settings
])
def test_queries_use_the_runs_embedding_model(tmp_path, embedder_calls, settings, expected):
    index = load_index(small_store(tmp_path, settings))
    assert index.search("pricey", limit=1)[0].text == TWIN
    assert embedder_calls == [expected]


def test_cli_search_uses_the_runs_embedding_model(tmp_path, embedder_calls, capsys):
    small_store(tmp_path, {"embedding_model": "run-model-X"})
    assert main(["search", "pricey", "--out", str(tmp_path), "--json"]) == 0
    assert [r["theme_id"] for r in json.loads(capsys.readouterr().out)] == ["T-price", "T-budget"]
    assert embedder_calls == ["run-model-X"]


def test_cached_index_follows_a_new_runs_embedding_model(tmp_path, embedder_calls):
    small_store(tmp_path, {"embedding_model": "run-model-X"})
    cached_index(tmp_path).encode_query("pricey")
    publish_run(tmp_path, "r2", {"embedding_model": "run-model-Z"})
    cached_index(tmp_path).encode_query("pricey")
    assert embedder_calls == ["run-model-X", "run-model-Z"]
