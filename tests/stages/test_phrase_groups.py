"""Paraphrase groups of customer phrases and the stop-word / filler filter (real MiniLM)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from callinsight.contracts import Deal
from callinsight.stages.analyse.analyses import _phrase_table
from callinsight.stages.analyse.phrase_groups import group_phrases, is_filler, lemma_key
from callinsight.stages.analyse.stats import StatsOptions

SIMILARITY = 0.8  # the settings default


@pytest.fixture(scope="module")
def encode():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from callinsight.stages.embed import get_embedder

    embedder = get_embedder("all-MiniLM-L6-v2")
    try:
        embedder.encode(["probe"])
    except Exception as exc:  # pragma: no cover - model missing offline
        pytest.skip(f"all-MiniLM-L6-v2 not available: {exc}")
    return embedder.encode


PRICE = ["too expensive", "cost too much", "costs too much"]


def test_price_paraphrases_group_and_key_is_most_mentioned(encode):
    counts = {"too expensive": 3, "cost too much": 9, "costs too much": 2,
              "need water": 5, "need food": 4, "extra food": 3, "extra firewood": 3}
    groups = group_phrases(list(counts), counts, encode, similarity=SIMILARITY)
    assert {groups[p] for p in PRICE} == {"cost too much"}
    assert groups["need water"] != groups["need food"]
    assert groups["extra food"] != groups["extra firewood"]
    assert groups["need water"] == "need water"


def test_key_ties_break_on_shortest_then_alphabetical():
    counts = {"firewood extra": 2, "extra firewood": 2}
    groups = group_phrases(list(counts), counts, None, similarity=SIMILARITY)
    assert set(groups.values()) == {"extra firewood"}
    groups = group_phrases(["water", "like water"], {"water": 1, "like water": 1}, None,
                           similarity=SIMILARITY)
    assert set(groups.values()) == {"water"}


def test_antonyms_and_negation_do_not_group(encode):
    pairs = [("too expensive", "too cheap"), ("price too high", "price too low"),
             ("need integration", "not need integration"), ("more firewood", "less firewood"),
             ("give water", "take water"), ("price", "prize")]
    for a, b in pairs:
        groups = group_phrases([a, b], {a: 2, b: 1}, encode, similarity=SIMILARITY)
        assert groups[a] != groups[b], (a, b)


def test_lemma_rule_and_filler():
    assert lemma_key("increase price") == lemma_key("price increase")
    assert lemma_key("more firewood") != lemma_key("less firewood")
    for phrase in ("you know", "kind of", "yeah okay", "really", "I mean"):
        assert is_filler(phrase), phrase
    for phrase in ("too expensive", "first call", "need food"):
        assert not is_filler(phrase), phrase


def test_phrase_table_groups_deals_and_drops_filler(encode):
    deals = {f"d{i}": Deal(f"d{i}", "won" if i % 2 else "lost") for i in range(12)}
    said = {"too expensive": range(0, 4), "cost too much": range(3, 8), "costs too much": range(8, 10),
            "need water": range(0, 6), "need food": range(6, 12), "you know": range(12),
            "kind of": range(12)}
    rows = [{"deal_id": f"d{i}", "phrases": [p], "pre_decision": True}
            for p, ids in said.items() for i in ids]
    # one sentence saying two members counts once
    rows.append({"deal_id": "d3", "phrases": ["too expensive", "cost too much"], "pre_decision": True})
    table = _phrase_table(pd.DataFrame(rows), deals, {}, StatsOptions(min_support=2),
                          encode=encode, similarity=SIMILARITY)
    by = table.set_index("phrase")
    assert "you know" not in by.index and "kind of" not in by.index
    price = by.loc["cost too much"]
    assert price["deals"] == 10  # d0..d9: the union of the members' deals
    assert price["mentions"] == 4 + 5 + 2 + 1
    assert price["members"] == "too expensive; costs too much"
    assert {"need water", "need food"} <= set(by.index)
    assert by.loc["need water", "members"] == ""
    assert not {"too expensive", "costs too much"} & set(by.index)


def test_phrase_table_without_grouping_is_unchanged():
    deals = {f"d{i}": Deal(f"d{i}", "won" if i % 2 else "lost") for i in range(6)}
    rows = [{"deal_id": f"d{i}", "phrases": ["firewood extra", "extra firewood"]} for i in range(6)]
    table = _phrase_table(pd.DataFrame(rows), deals, {}, StatsOptions(min_support=2))
    assert set(table["phrase"]) == {"firewood extra", "extra firewood"}
    assert np.all(table["members"] == "")
