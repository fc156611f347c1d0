"""Two-level themes: acts keep an acceptance apart from a refusal; ids, curation and stability."""

from __future__ import annotations

import numpy as np
import pytest

from callinsight.settings import PACKAGE_CONFIG
from callinsight.stages.analyse.acts import load_acts
from callinsight.stages.analyse.curation import apply_curation, load_curation
from callinsight.stages.analyse.hierarchy import build_theme_tree
from callinsight.stages.analyse.stability import theme_stability
from callinsight.stages.analyse.themes import PhraseLabeller, ThemeOptions

ACCEPT = [
    "Sounds good, let's go ahead with the pilot next week.",
    "We can do the pilot with the support team first.",
    "That works for us, we will start the pilot in March.",
    "Let's do it, send over the pilot agreement.",
    "We're happy with the pilot plan you sent.",
    "Yes, the pilot with ten users works for us.",
]
REFUSE = [
    "We can't do the pilot with the support team right now.",
    "The pilot is not going to work for us this quarter.",
    "No, we will pass on the pilot for now.",
    "We won't sign up for the pilot next week.",
    "I don't think so, the pilot plan doesn't work for us.",
    "We cannot accept the pilot with ten users.",
]
OTHER = [
    "Our reps spend hours writing call notes by hand.",
    "Call notes are always missing from the CRM records.",
    "Writing call notes after every meeting takes forever.",
    "Most of our call notes never make it into the CRM.",
    "The managers complain that call notes are too short.",
    "Half the call notes in the CRM are empty.",
]


@pytest.fixture(scope="module")
def vectors():
    from callinsight.stages.embed import get_embedder

    return get_embedder("all-MiniLM-L6-v2").encode(ACCEPT + REFUSE + OTHER)


def _tree(vectors, texts, previous=()):
    acts = load_acts(PACKAGE_CONFIG / "customer_acts.yaml").classify(texts)
    phrases = [[w.strip(".,").lower() for w in t.split() if len(w) > 4] for t in texts]
    options = ThemeOptions(min_size=3, distance_threshold=0.86)
    tree = build_theme_tree(vectors, phrases, acts, act_label=lambda a: a, labeller=PhraseLabeller(),
                            previous=previous, options=options, max_broad=25)
    return tree, acts, phrases, options


def test_acceptance_and_refusal_are_never_one_theme(vectors):
    texts = ACCEPT + REFUSE + OTHER
    # the trap: their embeddings are close, a topic clustering puts them together
    sim = vectors[: len(ACCEPT)] @ vectors[len(ACCEPT): 2 * len(ACCEPT)].T
    assert sim.mean() > 0.5
    tree, acts, _, _ = _tree(vectors, texts)
    accept, refuse = set(range(6)), set(range(6, 12))
    assert all(a[0] == "decline" for a in acts[6:12])
    assert all("decline" not in a for a in acts[:6])
    for t in tree.themes:
        members = set(t.members.tolist())
        assert not (members & accept and members & refuse), (t.label, t.level)
    broad_of = {t.act: t for t in tree.broad()}
    assert {"decline", "statement"} <= set(broad_of)
    assert refuse <= set(broad_of["decline"].members.tolist())


def test_ids_survive_a_rerun_and_subthemes_sit_under_their_broad_theme(vectors):
    texts = ACCEPT + REFUSE + OTHER
    first, *_ = _tree(vectors, texts)
    previous = [{"theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes, "centroid": t.centroid}
                for t in first.themes]
    second, *_ = _tree(vectors, texts, previous)
    assert [t.theme_id for t in second.themes] == [t.theme_id for t in first.themes]
    assert all(t.trend == "stable" for t in second.themes)
    for t in second.themes:
        if t.level == "sub":
            assert t.theme_id.startswith("S") and t.parent_id.startswith("T")
            parent = next(p for p in second.themes if p.theme_id == t.parent_id)
            assert set(t.members) <= set(parent.members)


def test_curation_renames_merges_and_marks_not_content(tmp_path, vectors):
    texts = ACCEPT + REFUSE + OTHER
    tree, *_ = _tree(vectors, texts)
    broad = tree.broad()
    keep, gone = broad[0].theme_id, broad[1].theme_id
    path = tmp_path / "curation.yaml"
    path.write_text(f"themes:\n  {keep}: {{label: Our own words}}\n  {gone}: {{merge_into: {keep}}}\n"
                    f"  T999: {{content: false}}\n")
    themes, notes = apply_curation(tree.themes, vectors, load_curation(path))
    by_id = {t.theme_id: t for t in themes}
    assert gone not in by_id and by_id[keep].label == "Our own words"
    assert set(broad[1].members) <= set(by_id[keep].members)
    assert any("T999" in n for n in notes)


def test_stability_is_high_for_clear_themes_and_low_for_noise(vectors):
    texts = ACCEPT + REFUSE + OTHER
    tree, acts, phrases, options = _tree(vectors, texts)
    clear = theme_stability(vectors, phrases, acts, [(t.level, t.members) for t in tree.broad()],
                            options=options, max_broad=25, resamples=5)
    assert clear.mean() > 0.8
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(60, 16)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    n_acts = [("statement",)] * 60
    n_phrases = [[f"w{i}"] for i in range(60)]
    opts = ThemeOptions(min_size=3, distance_threshold=0.9)
    t2 = build_theme_tree(noise, n_phrases, n_acts, act_label=str, labeller=PhraseLabeller(),
                          options=opts, max_broad=8)
    noisy = theme_stability(noise, n_phrases, n_acts, [(t.level, t.members) for t in t2.broad()],
                            options=opts, max_broad=8, resamples=5)
    assert noisy.mean() < clear.mean() - 0.2
