"""Word-to-channel attribution of the mixed decode, with a stand-in for the Whisper model
(the model is the boundary; the attribution and segmenting are under test)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from callinsight.contracts import InputError
from callinsight.settings import Settings
from callinsight.stages.transcribe import SAMPLE_RATE, TranscribeOptions, transcribe_mixed
from support.audio import tone


class FakeWhisper:
    """Returns fixed words with times; records the audio it was given."""

    def __init__(self, words: list[tuple[float, float, str]]):
        self.words = words
        self.audio = None

    def transcribe(self, audio, **kwargs):
        self.audio, self.kwargs = audio, kwargs
        words = [SimpleNamespace(start=a, end=b, word=" " + w, probability=0.9) for a, b, w in self.words]
        segment = SimpleNamespace(words=words, start=0.0, end=words[-1].end, text="", avg_logprob=-0.1)
        return iter([segment]), None


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE))


def two_parties():
    # rep speaks 0-2 s and 5-6 s (loud); customer 2.5-4.5 s (quiet line: a tenth of the level)
    rep = np.concatenate([tone(2.0), silence(3.0), tone(1.0), silence(1.0)])
    cust = np.concatenate([silence(2.5), 0.1 * tone(2.0, 300), silence(2.5)])
    return [rep, cust]


def test_each_word_goes_to_the_channel_that_carries_it():
    model = FakeWhisper([(0.1, 0.6, "Hi"), (0.7, 1.9, "there."), (2.3, 3.0, "Hello"),  # starts early
                         (3.1, 4.4, "back."), (5.1, 5.9, "Great.")])
    segs = transcribe_mixed(two_parties(), model, TranscribeOptions(), roles=("rep", "customer"))
    assert [(s.speaker, s.text) for s in segs] == [
        ("rep", "Hi there."), ("customer", "Hello back."), ("rep", "Great.")]
    assert [s.channel for s in segs] == [0, 1, 0]
    assert segs[1].start >= 2.48  # the early first word is moved to where the customer's voice begins
    assert all(s.confidence == pytest.approx(np.log(0.9), abs=1e-3) for s in segs)
    assert model.audio.ndim == 1 and model.kwargs["word_timestamps"] is True


def test_a_pause_splits_one_speakers_run():
    model = FakeWhisper([(0.1, 1.0, "One."), (5.1, 5.9, "Two.")])
    segs = transcribe_mixed(two_parties(), model, TranscribeOptions(), roles=("rep", "customer"))
    assert [(s.speaker, s.text) for s in segs] == [("rep", "One."), ("rep", "Two.")]


def test_words_over_silence_keep_the_current_speaker():
    model = FakeWhisper([(2.6, 3.0, "Yes"), (3.1, 4.5, "I"), (4.6, 4.9, "agree")])  # 4.6-4.9: quiet
    segs = transcribe_mixed(two_parties(), model, TranscribeOptions(), roles=("rep", "customer"))
    assert [(s.speaker, s.text) for s in segs] == [("customer", "Yes I agree")]


def test_unknown_stereo_mode_is_a_clear_error():
    with pytest.raises(InputError, match="stereo_decode must be one of mix, separate"):
        TranscribeOptions.from_settings(Settings(stereo_decode="both"))


class LoopingWhisper:
    """First pass: one good segment and one that repeats itself; a retry of the looping
    stretch gives ``retry`` (a stand-in for the model: the loop guard is under test)."""

    def __init__(self, retry: list[tuple[str, float]]):
        self.retry = retry
        self.calls: list[dict] = []

    def transcribe(self, audio, **kwargs):
        from faster_whisper.transcribe import Segment as WSegment

        def seg(start, end, text, ratio):
            return WSegment(id=0, seek=0, start=start, end=end, text=text, tokens=[], avg_logprob=-0.2,
                            compression_ratio=ratio, no_speech_prob=0.0, words=None, temperature=0.0)

        self.calls.append(kwargs)
        if len(self.calls) == 1:
            return iter([seg(0.0, 2.0, "Hello there.", 1.2),
                         seg(2.0, 8.0, "or a computer, " * 20, 9.0)]), None
        return iter([seg(0.1, 1.0, text, ratio) for text, ratio in self.retry]), None


def test_a_repeating_segment_is_decoded_again_without_context_or_dropped():
    from callinsight.stages.transcribe.models import decode

    audio = np.zeros(8 * SAMPLE_RATE, dtype=np.float32)
    fixed = LoopingWhisper([("You can use a computer.", 1.3)])
    out = decode(audio, fixed, TranscribeOptions())
    assert [s.text for s in out] == ["Hello there.", "You can use a computer."]
    assert out[1].start == pytest.approx(1.9)  # back on the signal's timeline (slice from 1.8 s)
    assert fixed.calls[1]["condition_on_previous_text"] is False
    assert fixed.calls[0]["temperature"] == 0.0  # no sampling: reruns give the same words
    still = LoopingWhisper([("again again " * 30, 8.0)])
    assert [s.text for s in decode(audio, still, TranscribeOptions())] == ["Hello there."]
    sampled = LoopingWhisper([])
    kept = decode(audio, sampled, TranscribeOptions(temperature_fallback=True))
    assert len(kept) == 2 and len(sampled.calls) == 1  # with the fallback, faster-whisper decides
