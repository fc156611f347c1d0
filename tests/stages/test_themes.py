"""Themes stage: determinism, labels, representative quotes, stable ids across runs."""

from __future__ import annotations

import re

import numpy as np

from callinsight.stages.analyse.themes import (
    AgglomerativeClusterer,
    PhraseLabeller,
    Theme,
    ThemeOptions,
    _assign_ids,
    build_themes,
)

TOPICS = {
    "crm": ["salesforce sync", "crm integration", "call note"],
    "price": ["price", "budget", "annual cost"],
    "ramp": ["new hire", "ramp time", "onboarding"],
    "weather": ["weather", "rain", "weekend"],
}
STOP = {"the", "and", "we", "a", "of", "to", "it", "is", "our", "that"}


def blobs(n_per: int = 30, dim: int = 32, seed: int = 0, noise: float = 0.35):
    """Four well-separated topics; each row's phrases come from its topic (plus a stopword)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(TOPICS), dim))
    vectors, phrases, truth = [], [], []
    for k, (_name, words) in enumerate(TOPICS.items()):
        for i in range(n_per):
            vectors.append(centres[k] + noise * rng.normal(size=dim))
            phrases.append([words[i % 3], words[(i + 1) % 3]])
            truth.append(k)
    v = np.asarray(vectors, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True), phrases, np.asarray(truth)


def test_recovers_topics_deterministically():
    v, p, truth = blobs()
    a = build_themes(v, p, options=ThemeOptions(min_size=5))
    b = build_themes(v, p, options=ThemeOptions(min_size=5))
    assert len(a.themes) == 4
    assert [(t.theme_id, t.label, t.members.tolist()) for t in a.themes] == [
        (t.theme_id, t.label, t.members.tolist()) for t in b.themes
    ]
    for t in a.themes:  # each theme is one topic
        assert len(set(truth[t.members])) == 1
    assert [t.theme_id for t in a.themes] == ["T001", "T002", "T003", "T004"]


def test_micro_cluster_path_matches_direct():
    v, p, truth = blobs(n_per=60)
    direct = AgglomerativeClusterer(seed=0).fit_predict(v, p)
    micro = AgglomerativeClusterer(max_direct=100, micro_size=6, seed=0).fit_predict(v, p)
    for labels in (direct, micro):
        # same partition as the truth (up to renaming)
        pairs = set(zip(labels.tolist(), truth.tolist(), strict=True))
        assert len(pairs) == len(set(labels)) == len(set(truth.tolist()))


def test_labels_are_readable_phrases():
    v, p, _ = blobs()
    p = [row + ["the", "and we", "17"] for row in p]  # junk every cluster shares
    res = build_themes(v, p, options=ThemeOptions(min_size=5))
    for t in res.themes:
        assert not re.search(r"\d+_", t.label)
        assert 1 <= len(t.top_phrases) <= 3
        for phrase in t.top_phrases:
            assert phrase not in ("the", "and we", "17")
            assert not set(phrase.split()) <= STOP
        assert t.label == ", ".join(t.top_phrases)
    labels = {t.label for t in res.themes}
    assert any("salesforce sync" in lab or "crm integration" in lab for lab in labels)


def test_labeller_prefers_distinctive_phrases():
    members = [[["price", "meeting"], ["price", "meeting"], ["budget", "meeting"]],
               [["weather", "meeting"], ["weather", "meeting"], ["rain", "meeting"]]]
    labels = PhraseLabeller(n_words=2).label(members)
    assert labels[0][0] == "price" and labels[1][0] == "weather"
    assert "meeting" not in labels[0][:1] + labels[1][:1]


def test_labeller_counts_a_phrase_inside_longer_ones():
    # "data entry" is in four of five sentences, three times inside a longer phrase;
    # "manual data" is never a phrase of its own, so it is never a label.
    members = [[["manual data entry", "rep"], ["data entry"], ["slow data entry", "rep"],
                ["manual data entry", "rep"], ["rep", "call"]],
               [["weather"], ["weather"], ["rain"], ["rain"], ["call"]]]
    labels = PhraseLabeller(n_words=2).label(members)
    assert labels[0][0] == "data entry"
    assert not any("manual data" == lab or "slow data" == lab for lab in labels[0])


def test_label_phrases_are_compared_word_by_word():
    # "rain" is inside "training" as letters, not as a word: both may label the theme
    members = [[["training", "rain"], ["training", "rain"], ["training", "rain"]],
               [["price"], ["price"], ["budget"]]]
    assert sorted(PhraseLabeller(n_words=2).label(members)[0]) == ["rain", "training"]


def test_fallback_label_when_no_phrase_is_distinctive():
    class Silent:  # a labeller with nothing to say: the theme falls back to frequent phrases
        def label(self, members):
            return [[] for _ in members]

    v, _, _ = blobs()
    phrases = [["run first half marathon", "half marathon"] if i % 2 else ["half marathon", "rain"]
               for i in range(len(v))]
    res = build_themes(v, phrases, options=ThemeOptions(min_size=5), labeller=Silent())
    for t in res.themes:
        assert t.top_phrases[0] == "half marathon"
        assert "run first half marathon" not in t.top_phrases  # contains a chosen phrase
        assert "rain" in t.top_phrases


def test_representative_quotes_nearest_the_centre():
    v, p, _ = blobs()
    res = build_themes(v, p, options=ThemeOptions(min_size=5, n_representative=5))
    for t in res.themes:
        assert 3 <= len(t.representative) <= 5
        sims = v[t.members] @ t.centroid
        best = set(t.members[np.argsort(-sims)[: len(t.representative)]].tolist())
        assert set(t.representative) == best
        assert set(t.representative) <= set(t.members.tolist())


def _theme(vec, n=10):
    v = np.asarray(vec, dtype=np.float32)
    return Theme("", "x", [], np.arange(n), [], v / np.linalg.norm(v))


def test_hungarian_matching_beats_greedy():
    # greedy would give A -> P1 (0.95) and leave B with P2 (0.5 < 0.8: new id);
    # the assignment that maximises total similarity keeps both ids.
    p1 = np.array([1.0, 0.0, 0.0])
    p2 = np.array([0.9, np.sqrt(1 - 0.81), 0.0])
    a = 0.97 * p1 + 0.25 * p2  # close to both previous themes
    b = np.array([0.9, -np.sqrt(1 - 0.81), 0.0])  # close to P1 only
    themes = [_theme(a), _theme(b)]
    prev = [{"theme_id": "T001", "n_quotes": 10, "centroid": p1},
            {"theme_id": "T002", "n_quotes": 10, "centroid": p2}]
    sims = np.vstack([t.centroid for t in themes]) @ np.vstack([p1, p2 / np.linalg.norm(p2)]).T
    assert sims[0, 0] > sims[0, 1] >= 0.8 and sims[1, 0] >= 0.8 > sims[1, 1]
    _assign_ids(themes, prev, set(), 0.8)
    assert [t.theme_id for t in themes] == ["T002", "T001"]
    assert all(t.trend == "stable" for t in themes)


def test_ids_and_trends_across_runs():
    v, p, truth = blobs()
    first = build_themes(v, p, options=ThemeOptions(min_size=5))
    records = [{"theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes,
                "centroid": t.centroid} for t in first.themes]
    by_topic = {int(truth[t.members[0]]): t.theme_id for t in first.themes}
    # next night: topic 0 doubles, topic 3 halves, a new topic 4 appears
    v2, p2, truth2 = blobs(seed=0)
    rng = np.random.default_rng(1)
    extra = v2[truth2 == 0] + 0.05 * rng.normal(size=v2[truth2 == 0].shape)
    new_topic = rng.normal(size=(30, v.shape[1])).mean(axis=0) + 0.3 * rng.normal(size=(30, v.shape[1]))
    keep = (truth2 != 3) | (np.arange(len(truth2)) % 2 == 0)
    vectors = np.vstack([v2[keep], extra, new_topic]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    phrases = [p2[i] for i in np.flatnonzero(keep)] + [p2[i] for i in np.flatnonzero(truth2 == 0)]
    phrases += [["renewal date", "contract"]] * 30
    topic = np.concatenate([truth2[keep], np.zeros(len(extra), int), np.full(30, 4)])
    second = build_themes(vectors, phrases, previous=records,
                          used_ids={r["theme_id"] for r in records},
                          options=ThemeOptions(min_size=5))
    got = {int(topic[t.members[0]]): t for t in second.themes}
    for k in range(4):
        assert got[k].theme_id == by_topic[k]
    assert got[0].trend == "growing" and got[3].trend == "shrinking"
    assert got[1].trend == "stable" and got[1].previous_n_quotes == 30
    assert got[4].trend == "new" and got[4].theme_id == "T005"
