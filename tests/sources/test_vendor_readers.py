"""Vendor transcript importers (AssemblyAI, Deepgram, AWS Transcribe, WhisperX, openai-whisper,
Zoom / Teams VTT), sniffing of ``.json`` files, and anonymous speaker labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callinsight.contracts import Segment
from callinsight.sources.readers import (
    ReadContext,
    TranscriptError,
    detect_format,
    is_anonymous_label,
    parse_transcript,
    read_transcript,
    speaker_role,
)

DATA = Path(__file__).parents[1] / "data" / "transcripts"


def _json(tmp_path: Path, data: Any, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _full(segments: list[Segment]) -> list[tuple]:
    return [(s.start, s.end, s.speaker, s.label, s.text) for s in segments]


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("name", [
    "A", "b", "0", "12", "1A", "SPEAKER_00", "speaker_01", "spk_0", "spk0", "S1", "s 2",
    "speaker 1", "Speaker 2", "Speaker B", "ch_0", "ch1", "channel 1", "Channel 2",
    "Participant 3", "Speaker", "Unknown Speaker", "  SPEAKER_00 ",
])
def test_anonymous_labels(name):
    assert is_anonymous_label(name)
    assert speaker_role(name) == "unknown"


@pytest.mark.parametrize("name", [
    "Al", "Dana", "Dana Kim", "so", "Sam", "Chris", "Rep", "agent", "customer", "1234",
    "Speakers", "Channel Partner", "Note", "", None,
])
def test_names_are_not_anonymous(name):
    assert not is_anonymous_label(name)


def test_context_speaker_and_segment():
    ctx = ReadContext(path=Path("x"), rep_names=("Maria",), parties={"B": "rep"})
    assert ctx.speaker("SPEAKER_00") == ("unknown", "SPEAKER_00")
    assert ctx.speaker("b") == ("rep", "b")  # named by parties: role known, label kept for display
    assert ctx.speaker("Maria Lopez") == ("rep", None)
    assert ctx.speaker("Dana") == ("customer", None)
    assert ctx.speaker(None) == ("unknown", None)
    assert ctx.segment(1.0, 2.0, "spk_1", "hi", channel=1) == Segment(1.0, 2.0, "unknown", "hi",
                                                                       channel=1, label="spk_1")
    # a role the format gives (Gong parties): the name is an id, kept while the role is unknown
    assert ctx.segment(0.0, 1.0, "6432345678555530067", "x", role="unknown").label == (
        "6432345678555530067")
    assert ctx.segment(0.0, 1.0, "6432345678555530067", "x", role="rep").label is None


# --------------------------------------------------------------------------- AssemblyAI

ASSEMBLYAI = {
    "id": "6rlr37h0bw-0f5b-4c4a-9a8e-4ad2b0b3c5a1", "status": "completed",
    "audio_url": "https://example.com/call.mp3", "language_code": "en_us",
    "text": "Hi, this is Maria from Acme. Hi Maria.", "speaker_labels": True,
    "utterances": [
        {"speaker": "A", "start": 250, "end": 2_345, "confidence": 0.93,
         "text": "Hi, this is  Maria from Acme.",
         "words": [{"text": "Hi,", "start": 250, "end": 600, "confidence": 0.9, "speaker": "A"}]},
        {"speaker": "B", "start": 2_500, "end": 3_100, "confidence": 0.95, "text": "Hi Maria.",
         "words": []},
    ],
    "words": [
        {"text": "Hi,", "start": 250, "end": 600, "confidence": 0.9, "speaker": "A"},
        {"text": "Hi", "start": 2_500, "end": 2_700, "confidence": 0.9, "speaker": "B"},
    ],
}


def test_assemblyai_utterances(tmp_path):
    path = _json(tmp_path, ASSEMBLYAI)
    assert detect_format(path) == "assemblyai"
    assert _full(read_transcript(path, rep_names=["Maria"])) == [
        (0.25, 2.345, "unknown", "A", "Hi, this is Maria from Acme."),
        (2.5, 3.1, "unknown", "B", "Hi Maria."),
    ]
    segments = read_transcript(path, parties={"a": "rep"})
    assert [(s.speaker, s.label) for s in segments] == [("rep", "A"), ("unknown", "B")]


def test_assemblyai_words_grouped_into_runs(tmp_path):
    words = [
        {"text": "Hello", "start": 0, "end": 400, "speaker": "A"},
        {"text": "there.", "start": 450, "end": 900, "speaker": "A"},
        {"text": "Hey.", "start": 1_000, "end": 1_300, "speaker": "B"},
        {"text": "So", "start": 1_400, "end": 1_500, "speaker": "A"},
        {"text": "later", "start": 9_000, "end": 9_400, "speaker": "A"},  # a long pause ends a run
    ]
    path = _json(tmp_path, {"status": "completed", "utterances": None, "words": words})
    assert _full(read_transcript(path)) == [
        (0.0, 0.9, "unknown", "A", "Hello there."),
        (1.0, 1.3, "unknown", "B", "Hey."),
        (1.4, 1.5, "unknown", "A", "So"),
        (9.0, 9.4, "unknown", "A", "later"),
    ]
    undiarized = [{**w, "speaker": None} for w in words]
    path = _json(tmp_path, {"status": "completed", "words": undiarized}, "u.json")
    assert _full(read_transcript(path)) == [
        (0.0, 1.5, "unknown", None, "Hello there. Hey. So"),
        (9.0, 9.4, "unknown", None, "later"),
    ]


def test_assemblyai_multichannel(tmp_path):
    data = {"status": "completed", "multichannel": True, "audio_channels": 2, "utterances": [
        {"channel": "1", "speaker": "1", "start": 0, "end": 1_000, "text": "Thanks for calling."},
        {"channel": "2", "speaker": "2", "start": 1_100, "end": 2_000, "text": "Hi there."},
        {"channel": "2", "speaker": "2B", "start": 2_100, "end": 2_500, "text": "And me."},
    ], "words": []}
    segments = read_transcript(_json(tmp_path, data))
    assert [(s.speaker, s.label, s.channel) for s in segments] == [
        ("unknown", "1", 0), ("unknown", "2", 1), ("unknown", "2B", 1)]


def test_assemblyai_unfinished_or_failed(tmp_path):
    with pytest.raises(TranscriptError, match="unfinished AssemblyAI transcript .*'processing'"):
        read_transcript(_json(tmp_path, {"status": "processing", "words": None, "utterances": None}))
    with pytest.raises(TranscriptError, match="failed AssemblyAI transcript .*transcribe the call"):
        read_transcript(_json(tmp_path, {"status": "error", "error": "Download error", "words": []}))


# --------------------------------------------------------------------------- Deepgram


def _dg_word(word: str, start: float, end: float, speaker: int | None = None) -> dict:
    out: dict[str, Any] = {"word": word.lower().strip(".,?"), "start": start, "end": end,
                           "confidence": 0.98, "punctuated_word": word}
    if speaker is not None:
        out.update(speaker=speaker, speaker_confidence=0.7)
    return out


DEEPGRAM_WORDS = [_dg_word("Hello,", 0.08, 0.4, 0), _dg_word("Acme.", 0.4, 0.9, 0),
                  _dg_word("Hi!", 1.0, 1.3, 1), _dg_word("Pricing?", 1.5, 2.0, 0)]
DEEPGRAM = {
    "metadata": {"request_id": "a1b2", "duration": 2.1, "channels": 1, "models": ["nova-2"]},
    "results": {"channels": [{"alternatives": [{
        "transcript": "hello acme hi pricing", "confidence": 0.99, "words": DEEPGRAM_WORDS}]}]},
}


def test_deepgram_diarized_words(tmp_path):
    path = _json(tmp_path, DEEPGRAM)
    assert detect_format(path) == "deepgram"
    assert _full(read_transcript(path)) == [
        (0.08, 0.9, "unknown", "0", "Hello, Acme."),
        (1.0, 1.3, "unknown", "1", "Hi!"),
        (1.5, 2.0, "unknown", "0", "Pricing?"),
    ]


def test_deepgram_utterances_preferred(tmp_path):
    data = json.loads(json.dumps(DEEPGRAM))
    data["results"]["utterances"] = [
        {"start": 0.08, "end": 0.9, "confidence": 0.9, "channel": 0, "transcript": "Hello, Acme.",
         "words": DEEPGRAM_WORDS[:2], "speaker": 0, "id": "u1"},
        {"start": 1.0, "end": 2.0, "confidence": 0.9, "channel": 0, "transcript": "Hi!  Pricing?",
         "words": DEEPGRAM_WORDS[2:], "speaker": 1, "id": "u2"},
    ]
    assert _full(read_transcript(_json(tmp_path, data))) == [
        (0.08, 0.9, "unknown", "0", "Hello, Acme."),
        (1.0, 2.0, "unknown", "1", "Hi! Pricing?"),
    ]


def test_deepgram_multichannel_words_one_speaker_per_channel(tmp_path):
    left = [_dg_word("Thanks", 0.0, 0.3), _dg_word("for", 0.3, 0.5), _dg_word("calling.", 0.5, 1.0)]
    right = [_dg_word("Hi.", 1.2, 1.5), _dg_word("Question:", 3.0, 3.4)]
    left_after = [_dg_word("Sure.", 1.6, 2.0)]
    data = {"metadata": {"channels": 2}, "results": {"channels": [
        {"alternatives": [{"transcript": "", "words": left + left_after}]},
        {"alternatives": [{"transcript": "", "words": right}]},
    ]}}
    segments = read_transcript(_json(tmp_path, data))
    assert [(s.start, s.end, s.label, s.channel, s.text) for s in segments] == [
        (0.0, 1.0, "ch_0", 0, "Thanks for calling."),
        (1.2, 1.5, "ch_1", 1, "Hi."),
        (1.6, 2.0, "ch_0", 0, "Sure."),
        (3.0, 3.4, "ch_1", 1, "Question:"),
    ]
    assert {s.speaker for s in segments} == {"unknown"}
    segments = read_transcript(_json(tmp_path, data), parties={"ch_0": "rep", "ch_1": "customer"})
    assert [s.speaker for s in segments] == ["rep", "customer", "rep", "customer"]


def test_deepgram_bad_word(tmp_path):
    data = json.loads(json.dumps(DEEPGRAM))
    data["results"]["channels"][0]["alternatives"][0]["words"][1]["end"] = "soon"
    with pytest.raises(TranscriptError, match=r"alternatives\[0\]\.words\[1\]\): 'end' must be"):
        read_transcript(_json(tmp_path, data))


# --------------------------------------------------------------------------- AWS Transcribe


def _aws_item(content: str, start: str | None = None, end: str | None = None, **extra) -> dict:
    if start is None:
        return {"alternatives": [{"confidence": "0.0", "content": content}],
                "type": "punctuation", **extra}
    return {"start_time": start, "end_time": end, "type": "pronunciation",
            "alternatives": [{"confidence": "0.99", "content": content}], **extra}


AWS_ITEMS = [
    _aws_item("I've", "4.87", "5.02", speaker_label="spk_0"),
    _aws_item("been", "5.02", "5.17", speaker_label="spk_0"),
    _aws_item("on", "5.17", "5.29", speaker_label="spk_0"),
    _aws_item("hold", "5.29", "5.64", speaker_label="spk_0"),
    _aws_item("."),
    _aws_item("Sorry", "8.49", "8.88", speaker_label="spk_1"),
    _aws_item("about", "8.88", "9.05", speaker_label="spk_1"),
    _aws_item("that", "9.05", "9.24", speaker_label="spk_1"),
    _aws_item("."),
]
AWS = {"jobName": "my-first-transcription-job", "accountId": "111122223333",
       "status": "COMPLETED",
       "results": {"transcripts": [{"transcript": "I've been on hold. Sorry about that."}],
                   "items": AWS_ITEMS}}
AWS_EXPECTED = [
    (4.87, 5.64, "unknown", "spk_0", "I've been on hold."),
    (8.49, 9.24, "unknown", "spk_1", "Sorry about that."),
]


def test_aws_items_with_speaker_labels(tmp_path):
    path = _json(tmp_path, AWS)
    assert detect_format(path) == "aws"
    assert _full(read_transcript(path)) == AWS_EXPECTED


def test_aws_audio_segments_preferred(tmp_path):
    data = json.loads(json.dumps(AWS))
    data["results"]["audio_segments"] = [
        {"id": 0, "transcript": "I've been on hold.", "start_time": "4.87", "end_time": "5.64",
         "speaker_label": "spk_0", "items": [0, 1, 2, 3, 4]},
        {"id": 1, "transcript": "Sorry about that.", "start_time": "8.49", "end_time": "9.24",
         "channel_label": "ch_1", "items": [5, 6, 7, 8]},
    ]
    segments = read_transcript(_json(tmp_path, data))
    assert [(s.start, s.end, s.label, s.channel, s.text) for s in segments] == [
        (4.87, 5.64, "spk_0", None, "I've been on hold."),
        (8.49, 9.24, "ch_1", 1, "Sorry about that."),
    ]


def test_aws_older_speaker_labels_segments(tmp_path):
    items = [{k: v for k, v in item.items() if k != "speaker_label"} for item in AWS_ITEMS]
    segments = [
        {"start_time": "4.87", "speaker_label": "spk_0", "end_time": "5.64", "items": [
            {"start_time": t, "speaker_label": "spk_0", "end_time": e}
            for t, e in (("4.87", "5.02"), ("5.02", "5.17"), ("5.17", "5.29"), ("5.29", "5.64"))]},
        {"start_time": "8.49", "speaker_label": "spk_1", "end_time": "9.24", "items": []},
    ]
    data = {"results": {"transcripts": [], "items": items,
                        "speaker_labels": {"speakers": 2, "segments": segments}}}
    assert _full(read_transcript(_json(tmp_path, data))) == AWS_EXPECTED


def test_aws_channel_labels(tmp_path):
    ch0 = [_aws_item("I've", "4.86", "5.01", channel_label="ch_0"),
           _aws_item("hold", "5.01", "5.5", channel_label="ch_0"), _aws_item(",")]
    ch1 = [_aws_item("Sorry", "8.5", "8.9", channel_label="ch_1"), _aws_item("!")]
    data = {"results": {"transcripts": [{"transcript": "I've hold, Sorry!"}],
                        "channel_labels": {"number_of_channels": 2, "channels": [
                            {"channel_label": "ch_1", "items": ch1},
                            {"channel_label": "ch_0", "items": ch0}]}}}
    segments = read_transcript(_json(tmp_path, data))
    assert [(s.start, s.end, s.speaker, s.label, s.channel, s.text) for s in segments] == [
        (4.86, 5.5, "unknown", "ch_0", 0, "I've hold,"),
        (8.5, 8.9, "unknown", "ch_1", 1, "Sorry!"),
    ]


def test_aws_bad_time_and_status(tmp_path):
    data = json.loads(json.dumps(AWS))
    data["results"]["items"][1]["start_time"] = "five"
    with pytest.raises(TranscriptError, match=r"results\.items\[1\]\): 'start_time' must be seconds"):
        read_transcript(_json(tmp_path, data))
    with pytest.raises(TranscriptError, match="status 'IN_PROGRESS'.*COMPLETED"):
        read_transcript(_json(tmp_path, {**AWS, "status": "IN_PROGRESS"}))


# --------------------------------------------------------------------------- WhisperX, whisper


WHISPERX = {
    "segments": [
        {"start": 0.031, "end": 2.5004, "text": " Thanks for joining today.", "speaker": "SPEAKER_00",
         "words": [{"word": "Thanks", "start": 0.031, "end": 0.4, "score": 0.9,
                    "speaker": "SPEAKER_00"}]},
        {"start": 2.6, "end": 4.0, "text": " Happy to be here.", "speaker": "SPEAKER_01",
         "words": [{"word": "Happy", "start": 2.6, "end": 2.9, "score": 0.8}]},
        {"start": 4.1, "end": 4.6, "text": " Mm-hmm.", "words": []},
    ],
    "word_segments": [{"word": "Thanks", "start": 0.031, "end": 0.4, "score": 0.9}],
}


def test_whisperx_speakers_stay_unknown_with_labels(tmp_path):
    path = _json(tmp_path, WHISPERX)
    assert detect_format(path) == "whisperx"
    segments = read_transcript(path, rep_names=["Maria Lopez"])
    assert _full(segments) == [
        (0.031, 2.5, "unknown", "SPEAKER_00", "Thanks for joining today."),
        (2.6, 4.0, "unknown", "SPEAKER_01", "Happy to be here."),
        (4.1, 4.6, "unknown", None, "Mm-hmm."),
    ]
    assert "customer" not in {s.speaker for s in segments}


def test_named_speakers_keep_their_roles(tmp_path):
    data = json.loads(json.dumps(WHISPERX))
    data["segments"][0]["speaker"] = "Maria Lopez"
    data["segments"][1]["speaker"] = "Dana Kim"
    segments = read_transcript(_json(tmp_path, data), rep_names=["Maria"])
    assert [(s.speaker, s.label) for s in segments] == [("rep", None), ("customer", None),
                                                        ("unknown", None)]
    assert [(s.speaker, s.label) for s in read_transcript(DATA / "simple.json")] == [
        ("rep", None), ("customer", None), ("unknown", None)]


WHISPER = {
    "text": " Thanks for joining. Happy to.",
    "segments": [
        {"id": 0, "seek": 0, "start": 0.0, "end": 2.5, "text": " Thanks for joining.",
         "tokens": [50364, 2561, 337, 5549, 13], "temperature": 0.0, "avg_logprob": -0.2512,
         "compression_ratio": 1.1, "no_speech_prob": 0.01},
        {"id": 1, "seek": 0, "start": 2.5, "end": 4.0, "text": " Happy to.", "tokens": [50489],
         "temperature": 0.0, "avg_logprob": -0.4, "compression_ratio": 1.0, "no_speech_prob": 0.02},
    ],
    "language": "en",
}


def test_openai_whisper_json(tmp_path):
    path = _json(tmp_path, WHISPER)
    assert detect_format(path) == "whisper"
    segments = read_transcript(path)
    assert _full(segments) == [(0.0, 2.5, "unknown", None, "Thanks for joining."),
                               (2.5, 4.0, "unknown", None, "Happy to.")]
    assert [s.confidence for s in segments] == [-0.2512, -0.4]


# --------------------------------------------------------------------------- sniffing, errors


def test_sniffing_picks_each_json_reader(tmp_path):
    cases = {"assemblyai": ASSEMBLYAI, "deepgram": DEEPGRAM, "aws": AWS, "whisperx": WHISPERX,
             "whisper": WHISPER, "json": [{"start": 0, "end": 1, "text": "x"}]}
    for fmt, data in cases.items():
        assert detect_format(_json(tmp_path, data, f"{fmt}.json")) == fmt
    assert detect_format(DATA / "gong.json") == "gong"
    assert detect_format(DATA / "simple.json") == "json"
    # unaligned WhisperX output is the simple {"segments": [...]} format: labels kept there too
    plain = {"segments": [{"start": 0, "end": 1, "text": "hi", "speaker": "SPEAKER_01"}]}
    path = _json(tmp_path, plain, "plain.json")
    assert detect_format(path) == "json"
    assert _full(read_transcript(path)) == [(0.0, 1.0, "unknown", "SPEAKER_01", "hi")]


def test_unknown_json_schema_lists_the_supported_ones(tmp_path):
    with pytest.raises(TranscriptError) as info:
        read_transcript(_json(tmp_path, {"transcript": {"lines": []}}))
    message = str(info.value)
    for name in ("Gong", "AssemblyAI", "Deepgram", "AWS Transcribe", "WhisperX", "openai-whisper",
                 "simple list"):
        assert name in message


BAD_VENDOR = [
    ({"utterances": [{"speaker": "A", "start": 5, "end": 1, "text": "x"}]},
     r"utterances\[0\]\): 'end' \(1\) is before 'start'"),
    ({"utterances": [{"speaker": "A", "start": 0, "end": 1, "text": "x", "channel": "left"}]},
     "'channel' must be a channel number from 1"),
    ({"utterances": [{"speaker": ["A"], "start": 0, "end": 1, "text": "x"}]},
     "'speaker' must be a string or an integer"),
    ({"results": {"utterances": [{"start": 0, "end": 1, "transcript": "x", "channel": -1}]}},
     "'channel' must be a channel index"),
    ({"results": {"channels": [{"alternatives": [{"words": [{"start": 0, "end": 1}]}]}]}},
     "missing 'word'"),
    ({"results": {"items": [{"type": "pronunciation", "alternatives": [{"content": "hi"}]}]}},
     r"results\.items\[0\]\): missing 'start_time'"),
    ({"results": {"audio_segments": [{"start_time": "1", "end_time": "2"}]}}, "missing 'transcript'"),
    ({"segments": [{"start": 0, "end": 1, "text": 3, "tokens": [1]}]}, "'text' must be a string"),
    ({"segments": [{"start": 0, "text": "x", "words": []}]}, "missing 'end'"),
]


@pytest.mark.parametrize(("data", "message"), BAD_VENDOR)
def test_bad_vendor_files_name_the_problem(tmp_path, data, message):
    path = _json(tmp_path, data)
    with pytest.raises(TranscriptError, match=message) as info:
        read_transcript(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- VTT, SRT, Gong labels

ZOOM = """WEBVTT

1
00:00:01.500 --> 00:00:04.000
Maria Lopez: Hi Dana, thanks for joining.

2
00:00:04.200 --> 00:00:06.000
Dana Kim: Happy to be here.

3
00:00:06.100 --> 00:00:08.000
Maria Lopez: Note: the price includes support.

4
00:00:08.100 --> 00:00:09.000
Sounds good.
"""


def test_zoom_vtt_name_prefixes():
    segments = parse_transcript(ZOOM, "vtt", rep_names=["Maria Lopez"])
    assert _full(segments) == [
        (1.5, 4.0, "rep", None, "Hi Dana, thanks for joining."),
        (4.2, 6.0, "customer", None, "Happy to be here."),
        (6.1, 8.0, "rep", None, "Note: the price includes support."),
        (8.1, 9.0, "unknown", None, "Sounds good."),
    ]


def test_vtt_prefix_only_when_most_cues_have_one():
    text = ("WEBVTT\n\n00:01.000 --> 00:02.000\nNote: the price is fixed.\n\n"
            "00:02.000 --> 00:03.000\nWe ship in May.\n\n00:03.000 --> 00:04.000\nThanks.\n")
    assert [(s.speaker, s.text) for s in parse_transcript(text, "vtt")] == [
        ("unknown", "Note: the price is fixed."), ("unknown", "We ship in May."),
        ("unknown", "Thanks.")]


def test_teams_vtt_voices_and_anonymous_labels():
    text = ("WEBVTT\n\n5d1e7c2a-1f0b-4a53-9d2e-0c1a/12-0\n00:00:01.000 --> 00:00:02.500\n"
            "<v Maria Lopez>Hello everyone.</v>\n\n"
            "5d1e7c2a-1f0b-4a53-9d2e-0c1a/13-0\n00:00:02.600 --> 00:00:03.000\n"
            "<v Dana Kim>Hi.</v>\n\n00:00:03.100 --> 00:00:04.000\n<v SPEAKER_01>Who is this?</v>\n")
    assert _full(parse_transcript(text, "vtt", rep_names=["maria"])) == [
        (1.0, 2.5, "rep", None, "Hello everyone."),
        (2.6, 3.0, "customer", None, "Hi."),
        (3.1, 4.0, "unknown", "SPEAKER_01", "Who is this?"),
    ]


def test_zoom_vtt_anonymous_prefixes():
    text = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nSpeaker 1: Hi.\n\n"
            "2\n00:00:02.000 --> 00:00:03.000\nSpeaker 2: Hello.\n")
    assert [(s.speaker, s.label, s.text) for s in parse_transcript(text, "vtt")] == [
        ("unknown", "Speaker 1", "Hi."), ("unknown", "Speaker 2", "Hello.")]


def test_srt_and_simple_json_keep_anonymous_labels(tmp_path):
    srt = "1\n00:00:01,000 --> 00:00:02,000\nspk_0: Hi.\n\n2\n00:00:02,000 --> 00:00:03,000\nB: Yo.\n"
    assert [(s.speaker, s.label) for s in parse_transcript(srt, "srt")] == [
        ("unknown", "spk_0"), ("unknown", "B")]
    data = [{"speaker": "SPEAKER_00", "start": 0, "end": 1, "text": "a"},
            {"speaker": "SPEAKER_01", "start": 1, "end": 2, "text": "b"}]
    segments = read_transcript(_json(tmp_path, data))
    assert [(s.speaker, s.label) for s in segments] == [("unknown", "SPEAKER_00"),
                                                        ("unknown", "SPEAKER_01")]


def test_gong_speaker_ids_without_role_become_labels(tmp_path):
    segments = read_transcript(DATA / "gong.json")  # the late joiner is in no parties list
    assert [(s.speaker, s.label) for s in segments] == [
        ("rep", None), ("rep", None), ("customer", None), ("unknown", "5555555555555555555")]


# --------------------------------------------------------------------------- fuzzing

_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                  st.text(max_size=6), st.sampled_from(["1", "A", "spk_0", "ch_1", "4.2", "x"]))
_keys = st.sampled_from([
    "utterances", "words", "speaker", "start", "end", "text", "channel", "results", "channels",
    "alternatives", "word", "punctuated_word", "transcript", "items", "start_time", "end_time",
    "type", "content", "speaker_label", "channel_label", "audio_segments", "speaker_labels",
    "channel_labels", "segments", "tokens", "seek", "avg_logprob", "word_segments", "status",
])
_vendorish = st.recursive(_leaf, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=6)), max_leaves=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_vendorish)
def test_random_vendor_json_raises_only_transcript_error(tmp_path, value):
    path = _json(tmp_path, value, "fuzz.json")
    try:
        result = read_transcript(path)
    except TranscriptError:
        return
    assert result and all(isinstance(s, Segment) and s.text for s in result)
