from __future__ import annotations

import numpy as np
import pytest

from callinsight.contracts import InputError
from callinsight.settings import Settings
from callinsight.stages.analyse.smalltalk import load_small_talk, small_talk_scores


def test_packaged_examples_load():
    examples = load_small_talk(Settings().small_talk_file)
    assert len(examples) >= 10 and all(isinstance(e, str) and e for e in examples)


@pytest.mark.parametrize(
    ("text", "message"),
    [("examples: [1, 2]", "needs an 'examples:' list"), ("examples: [unclosed", "not valid YAML")],
)
def test_bad_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "chat.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        load_small_talk(path)
    assert "chat.yaml" in str(err.value)


def test_missing_file_names_the_setting(tmp_path):
    with pytest.raises(InputError, match="small_talk_file"):
        load_small_talk(tmp_path / "nope.yaml")


def test_empty_list_turns_the_check_off(tmp_path):
    path = tmp_path / "chat.yaml"
    path.write_text("examples: []\n")
    assert load_small_talk(path) == ()
    assert small_talk_scores(np.eye(2, dtype=np.float32), np.zeros((0, 2))).tolist() == [0.0, 0.0]


def test_scores_average_the_nearest_examples():
    centroids = np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 4.0]], dtype=np.float32)  # not unit length
    examples = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    # centroid 0: cosines 0.6, 0, 1 -> nearest two 1 and 0.6; centroid 1: 0.48, 0.8, 0
    np.testing.assert_allclose(small_talk_scores(centroids, examples), [0.8, 0.64], atol=1e-6)
    np.testing.assert_allclose(small_talk_scores(centroids, examples, k=1), [1.0, 0.8], atol=1e-6)
    np.testing.assert_allclose(small_talk_scores(centroids, examples[:1], k=2), [0.6, 0.48], atol=1e-6)


def test_example_vectors_are_kept_in_the_store(tmp_path, monkeypatch):
    from callinsight.stages import embed
    from callinsight.stages.analyse.smalltalk import example_vectors
    from callinsight.store.sqlite import Store

    calls = []

    class Encoder:  # the sentence model is the boundary; what is under test is the caching
        def encode(self, texts):
            calls.append(list(texts))
            return np.arange(len(texts) * 3, dtype=np.float32).reshape(len(texts), 3)

    monkeypatch.setattr(embed, "get_embedder", lambda model, backend="sentence-transformers": Encoder())
    store = Store(tmp_path / "insights.db")
    first = example_vectors(("How was your weekend?", "Nice weather."), "m", store)
    again = example_vectors(("How was your weekend?", "Nice weather."), "m", Store(tmp_path / "insights.db"))
    np.testing.assert_array_equal(first, again)
    assert len(calls) == 1  # the second call came from the store
    example_vectors(("How was your weekend?",), "m", store)  # other examples: encoded again
    example_vectors(("How was your weekend?", "Nice weather."), "other-model", store)
    assert len(calls) == 3
    assert example_vectors((), "m", store).shape == (0, 0)
