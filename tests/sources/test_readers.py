"""Transcript importers: formats, roles, validation, the registry, the VTT writer, fuzzing."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callinsight.contracts import InputError, Segment
from callinsight.sources import readers
from callinsight.sources.readers import (
    READERS,
    ReadContext,
    TranscriptError,
    detect_format,
    parse_transcript,
    read_transcript,
    register_reader,
    speaker_role,
    to_vtt,
    write_vtt,
)

DATA = Path(__file__).parents[1] / "data" / "transcripts"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _brief(segments: list[Segment]) -> list[tuple[float, float, str, str]]:
    return [(s.start, s.end, s.speaker, s.text) for s in segments]


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("name", "reps", "role"),
    [
        ("Rep", (), "rep"),
        ("AGENT", (), "rep"),
        ("sales", (), "rep"),
        ("Salesperson", (), "rep"),
        ("ae", (), "rep"),
        ("SDR", (), "rep"),
        ("customer", (), "customer"),
        ("Prospect", (), "customer"),
        ("client", (), "customer"),
        ("buyer", (), "customer"),
        ("Dana Kim", (), "customer"),
        ("Maria", ("Maria",), "rep"),
        ("maria lopez", ("Maria Lopez",), "rep"),
        ("Maria", ("Maria Lopez",), "rep"),
        ("Maria Lopez", ("maria",), "rep"),
        ("Maria Chen", ("Maria Lopez",), "customer"),
        ("", ("Maria",), "unknown"),
        ("   ", (), "unknown"),
        (None, (), "unknown"),
        ("Unknown", (), "unknown"),
    ],
)
def test_speaker_role(name, reps, role):
    assert speaker_role(name, reps) == role


# --------------------------------------------------------------------------- formats


def test_detect_format_by_suffix_and_content():
    assert detect_format(DATA / "zoom.vtt") == "vtt"
    assert detect_format(DATA / "call.srt") == "srt"
    assert detect_format(DATA / "simple.json") == "json"
    assert detect_format(DATA / "gong.json") == "gong"
    with pytest.raises(TranscriptError, match="unsupported transcript type '.txt'"):
        detect_format(Path("notes.txt"))


def test_read_vtt():
    segments = read_transcript(DATA / "zoom.vtt", rep_names=["Maria Lopez"])
    assert _brief(segments) == [
        (1.2, 4.8, "rep", "Hi Dana, thanks for making time & joining."),
        (5.0, 7.5, "customer", "Sure. Happy to be here."),
        (7.5, 9.0, "rep", "So"),
        (7.5, 9.0, "customer", "Go ahead, please."),
        (9.25, 12.0, "unknown", "Pricing starts at <$50> per seat."),
    ]
    assert all(s.confidence is None for s in segments)


def test_read_srt_crlf_prefixes_and_tags():
    segments = read_transcript(DATA / "call.srt", rep_names=["maria"])
    assert _brief(segments) == [
        (1.0, 3.5, "rep", "Hi, this is Maria from Acme."),
        (3.6, 6.0, "customer", "Hey Maria."),
        (3.6, 6.0, "rep", "How are things?"),
        (6.1, 8.0, "unknown", "[laughs] Busy quarter."),
        (8.0, 9.0, "unknown", "So the plan is: ship it."),
    ]


def test_read_simple_json():
    segments = read_transcript(DATA / "simple.json")
    assert _brief(segments) == [
        (0.0, 2.5, "rep", "Thanks for joining."),
        (2.6, 4.0, "customer", "Happy to."),
        (4.5, 5.0, "unknown", "mm-hmm"),
    ]
    assert segments[0].confidence == pytest.approx(-0.21)


def test_simple_json_plain_list_sorted(tmp_path):
    path = _write(tmp_path, "t.json", json.dumps([
        {"speaker": "customer", "start": 3, "end": 4, "text": "later"},
        {"speaker": "agent", "start": 1, "end": 2, "text": "earlier"},
    ]))
    assert _brief(read_transcript(path)) == [(1, 2, "rep", "earlier"), (3, 4, "customer", "later")]


def test_read_gong_with_inline_parties():
    segments = read_transcript(DATA / "gong.json")
    assert _brief(segments) == [
        (460.23, 462.343, "rep", "Thanks for joining, Dana."),
        (462.4, 464.0, "rep", "Shall we start?"),
        (464.5, 466.0, "customer", "Sure, go ahead."),
        (466.1, 467.0, "unknown", "Sorry, joining late."),
    ]


def test_gong_parties_argument_overrides(tmp_path):
    segments = read_transcript(DATA / "gong.json", parties={"5555555555555555555": "Internal",
                                                            "6432345678555530067": "customer"})
    assert [s.speaker for s in segments] == ["customer", "customer", "customer", "rep"]


def test_gong_sibling_parties_file():
    segments = read_transcript(DATA / "gong_sibling.json")
    assert [s.speaker for s in segments] == ["rep", "customer", "unknown"]


def test_gong_without_affiliation_is_unknown(tmp_path):
    data = json.loads((DATA / "gong.json").read_text())
    del data["parties"]
    path = _write(tmp_path, "g.json", json.dumps(data))
    assert {s.speaker for s in read_transcript(path)} == {"unknown"}


def test_gong_extensive_style_calls_list(tmp_path):
    data = json.loads((DATA / "gong_sibling.json").read_text())
    data["calls"] = [{"metaData": {"id": "333"}, "parties": [
        {"speakerId": "s1", "affiliation": "Unknown", "name": "Maria Lopez"},
        {"speakerId": "s2", "affiliation": "External"}]}]
    path = _write(tmp_path, "g.json", json.dumps(data))
    segments = read_transcript(path, rep_names=["Maria"])
    assert [s.speaker for s in segments] == ["rep", "customer", "unknown"]


def test_gong_several_calls_need_call_id():
    path = DATA / "gong_two_calls.json"
    with pytest.raises(TranscriptError, match="holds 2 calls .*pass call_id"):
        read_transcript(path)
    assert [s.text for s in read_transcript(path, call_id="222")] == ["Second call."]
    with pytest.raises(TranscriptError, match="no call with callId '999'"):
        read_transcript(path, call_id="999")


def test_parties_argument_maps_names_in_any_format():
    segments = read_transcript(DATA / "call.srt", parties={"dana": "rep", "Maria": "External"})
    assert [s.speaker for s in segments][:3] == ["customer", "rep", "customer"]
    with pytest.raises(TranscriptError, match="use rep, customer or unknown"):
        read_transcript(DATA / "call.srt", parties={"Dana": "boss"})


def test_bom_and_fmt_override(tmp_path):
    path = _write(tmp_path, "t.txt", "\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\n<v rep>hi\n")
    assert _brief(read_transcript(path, fmt="vtt")) == [(1.0, 2.0, "rep", "hi")]


def test_vtt_lenient_layouts(tmp_path):
    text = ("WEBVTT\n00:00:01.000 --> 00:00:02.000\n<v agent>one\n"
            "00:00:02.000 --> 00:00:03.000\n<v customer>two\n\n"
            "123:00:00.000 --> 123:00:01.000\n<v>three</v>\n")
    assert _brief(parse_transcript(text, "vtt")) == [
        (1.0, 2.0, "rep", "one"), (2.0, 3.0, "customer", "two"),
        (442800.0, 442801.0, "unknown", "three"),
    ]


# --------------------------------------------------------------------------- errors


BAD_INPUTS = [
    ("a.vtt", "", "is empty"),
    ("a.vtt", "hello\n", "must start with the line 'WEBVTT'"),
    ("a.vtt", "WEBVTT\n\n00:01.000 --> 00:00.500\nhi\n", "ends .* before it starts"),
    ("a.vtt", "WEBVTT\n\n00:01,000 --> 00:02,000\nhi\n", "looks like SRT"),
    ("a.vtt", "WEBVTT\n\n00:61.000 --> 00:62.000\nhi\n", r"line 3\): start time '00:61.000'"),
    ("a.vtt", "WEBVTT\n\nc1\n00:01.000 --> \nhi\n", "line 4, cue 'c1'"),
    ("a.vtt", "WEBVTT\n\njust text\n", "expected a cue timing line"),
    ("a.vtt", "WEBVTT\n\nNOTE only a note\n", "contains no vtt cues"),
    ("a.srt", "1\n00:00:01,000 -> 00:00:02,000\nhi\n", "expected a subtitle number"),
    ("a.srt", "1\n00:00:1,000 --> 00:00:02,000\nhi\n", "start time '00:00:1,000' is malformed"),
    ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "contains no srt cues"),
    ("a.json", "{", "not valid JSON"),
    ("a.json", "[]", "contains no json cues"),
    ("a.json", '{"foo": 1}', "expected a list"),
    ("a.json", '[{"start": "1", "end": 2, "text": "x"}]', r"\[0\]\): 'start' must be a number"),
    ("a.json", '[{"start": 1, "end": 2}]', "missing 'text'"),
    ("a.json", '[{"start": 1, "text": "x"}]', "missing 'end'"),
    ("a.json", '[{"start": -1, "end": 2, "text": "x"}]', "negative"),
    ("a.json", '[{"start": 3, "end": 2, "text": "x"}]', "before 'start'"),
    ("a.json", '[{"start": 1, "end": NaN, "text": "x"}]', "finite"),
    ("a.json", '[{"start": 1, "end": 2, "text": 5}]', "'text' must be a string"),
    ("a.json", '[{"start": 1, "end": 2, "text": "x", "speaker": 7}]', "'speaker' must be"),
    ("a.json", '[{"start": 1, "end": 2, "text": "x", "confidence": "hi"}]', "'confidence'"),
    ("a.json", '[{"start": 1, "end": 1e999, "text": "x"}]', "finite"),
    ("a.json", '{"callTranscripts": []}', "holds no call"),
    ("a.json", '{"callTranscripts": [{"callId": 1, "transcript": 3}]}', "'transcript' must be"),
    ("a.json", '{"callTranscripts": [{"transcript": [{"speakerId": "a", "sentences": '
               '[{"start": 5, "end": 1, "text": "x"}]}]}]}',
     r"callTranscripts\[0\]\.transcript\[0\]\.sentences\[0\]\): 'end'"),
    ("a.json", '{"callTranscripts": [{"transcript": []}], "parties": 3}', "list of parties"),
    ("a.json", "[" * 100_000, "JSON"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS)
def test_bad_input_raises_transcript_error(tmp_path, name, content, message):
    path = _write(tmp_path, name, content)
    with pytest.raises(TranscriptError, match=message) as info:
        read_transcript(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, InputError)


def test_invalid_utf8(tmp_path):
    path = _write(tmp_path, "a.srt", b"1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n")
    with pytest.raises(TranscriptError, match="not valid UTF-8 .*must be UTF-8"):
        read_transcript(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(TranscriptError, match="does not exist"):
        read_transcript(tmp_path / "nope.vtt")
    (tmp_path / "dir.vtt").mkdir()
    with pytest.raises(TranscriptError, match="is not a file"):
        read_transcript(tmp_path / "dir.vtt")


def test_files_over_50_mb_are_refused(tmp_path):
    path = tmp_path / "huge.vtt"
    with path.open("wb") as handle:
        handle.truncate(readers.MAX_TRANSCRIPT_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(TranscriptError, match="over 50 MB are refused"):
        read_transcript(path)


def test_input_file_is_not_modified(tmp_path):
    for source in sorted(DATA.iterdir()):
        if source.name.endswith(".parties.json"):
            continue
        before = (hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_mtime_ns)
        read_transcript(source, call_id="111" if "two_calls" in source.name else None)
        after = (hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_mtime_ns)
        assert before == after, source


# --------------------------------------------------------------------------- registry


def test_register_reader_adds_a_format(tmp_path):
    @register_reader("tsv-test", suffixes=("tsvtest",))
    def read_tsv(text: str, ctx: ReadContext) -> list[Segment]:
        out = []
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                speaker, start, end, body = line.split("\t")
                out.append(Segment(float(start), float(end), ctx.role(speaker), body))
            except ValueError:
                raise ctx.error("expected 4 tab-separated fields", where=f"line {number}") from None
        return out

    try:
        path = _write(tmp_path, "x.TSVTEST", "Maria\t0\t1\thello\nDana\t1\t2\thi\n")
        assert detect_format(path) == "tsv-test"
        assert [s.speaker for s in read_transcript(path, rep_names=["maria"])] == ["rep",
                                                                                  "customer"]
        bad = _write(tmp_path, "y.tsvtest", "oops\n")
        with pytest.raises(TranscriptError, match=r"y.tsvtest \(line 1\): expected 4"):
            read_transcript(bad)
    finally:
        READERS.pop("tsv-test")
        readers._SUFFIXES.pop(".tsvtest")


# --------------------------------------------------------------------------- writer


def test_to_vtt_escapes_and_formats():
    segs = [Segment(3723.004, 3725.5, "customer", "a < b && c --> d"),
            Segment(0.0, 1.0, "rep", "Hi")]
    text = to_vtt(segs)
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\n<v rep>Hi</v>\n")
    assert "01:02:03.004 --> 01:02:05.500\n<v customer>a &lt; b &amp;&amp; c --&gt; d</v>" in text
    assert _brief(parse_transcript(text, "vtt")) == [(0.0, 1.0, "rep", "Hi"),
                                                     (3723.004, 3725.5, "customer",
                                                      "a < b && c --> d")]


def test_write_vtt_to_path_and_stream(tmp_path):
    segs = [Segment(1.0, 2.0, "unknown", "x")]
    write_vtt(segs, tmp_path / "out.vtt")
    stream = io.StringIO()
    write_vtt(segs, stream)
    assert (tmp_path / "out.vtt").read_text(encoding="utf-8") == stream.getvalue()
    assert read_transcript(tmp_path / "out.vtt") == segs
    with pytest.raises(ValueError):
        to_vtt([Segment(2.0, 1.0, "rep", "backwards")])


_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
                           blacklist_characters="\x1c\x1d\x1e\x1f\x85"),
    min_size=1, max_size=12,
)
_segment = st.builds(
    lambda start_ms, dur_ms, speaker, words: Segment(
        start_ms / 1000, (start_ms + dur_ms) / 1000, speaker, " ".join(words)),
    st.integers(0, 10 * 3600 * 1000),
    st.integers(0, 600_000),
    st.sampled_from(["rep", "customer", "unknown"]),
    st.lists(_words, min_size=1, max_size=8),
)


@given(st.lists(_segment, min_size=1, max_size=20))
@settings(max_examples=150, deadline=None)
def test_vtt_round_trip(segments):
    expected = sorted(segments, key=lambda s: s.start)
    assert parse_transcript(to_vtt(segments), "vtt") == expected


# --------------------------------------------------------------------------- fuzzing

_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**400), st.floats(allow_nan=True),
    st.text(max_size=8), st.sampled_from(["Internal", "External", "rep", "0", ""]),
)
_json = st.recursive(
    _json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["callTranscripts", "callId", "transcript", "speakerId", "sentences",
                             "start", "end", "text", "speaker", "segments", "parties",
                             "affiliation", "name", "confidence", "calls", "metaData", "id"]),
            children, max_size=6),
    ),
    max_leaves=25,
)
_num = st.one_of(st.integers(0, 10**7), st.floats(0, 1e7), st.integers(0, 10**5), _json_leaf)
_txt = st.one_of(st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10), _json_leaf)
_sentence = st.fixed_dictionaries({"start": _num, "end": _num}, optional={"text": _txt})
_monologue = st.fixed_dictionaries(
    {"speakerId": st.one_of(st.sampled_from(["a", "b"]), _json_leaf),
     "sentences": st.lists(_sentence, max_size=3)}
)
_party_list = st.lists(st.fixed_dictionaries({"speakerId": _txt, "affiliation": _txt}))
_call = st.fixed_dictionaries(
    {"callId": _json_leaf, "transcript": st.lists(_monologue, max_size=3)},
    optional={"parties": st.one_of(_json, _party_list)},
)
_gongish = st.fixed_dictionaries(
    {"callTranscripts": st.lists(_call, min_size=1, max_size=2)},
    optional={"parties": st.one_of(_json, _party_list)},
)
_simpleish = st.lists(
    st.fixed_dictionaries({"start": _num, "end": _num, "text": _txt},
                          optional={"speaker": _txt, "confidence": _num}),
    max_size=4,
)


def _only_transcript_errors(path: Path, **kwargs) -> None:
    try:
        result = read_transcript(path, **kwargs)
    except TranscriptError:
        return
    assert result and all(isinstance(s, Segment) and s.text for s in result)
    assert [s.start for s in result] == sorted(s.start for s in result)


_FUZZ = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".vtt", ".srt", ".json"]))
def test_random_bytes_raise_only_transcript_error(tmp_path, data, suffix):
    _only_transcript_errors(_write(tmp_path, "fuzz" + suffix, data))


@_FUZZ
@given(data=st.text(alphabet=st.sampled_from(list("WEBVT0123456789:.,->< \n\tv/&;[]abc")),
                    max_size=300).map(lambda t: "WEBVTT\n\n" + t),
       suffix=st.sampled_from([".vtt", ".srt"]))
def test_cue_like_text_raises_only_transcript_error(tmp_path, data, suffix):
    _only_transcript_errors(_write(tmp_path, "fuzz" + suffix, data))


@_FUZZ
@given(value=st.one_of(_json, _gongish, _simpleish), call_id=st.sampled_from([None, "0", "1"]))
def test_random_json_raises_only_transcript_error(tmp_path, value, call_id):
    text = json.dumps(value, allow_nan=True)
    _only_transcript_errors(_write(tmp_path, "fuzz.json", text), call_id=call_id)
