"""Audio loading: channels, mono and duplicated stereo, and each failure mode's reason."""

import numpy as np
import pytest

from callinsight.stages.transcribe import AudioError, load_channels
from support.audio import tone, write_wav


def test_stereo_gives_two_channels(tmp_path):
    left = np.concatenate([tone(1.0, 300, rate=8000), np.zeros(8000)])
    right = np.concatenate([np.zeros(8000), tone(1.0, 500, rate=8000)])
    chans = load_channels(write_wav(tmp_path / "s.wav", [left, right], rate=8000))
    assert len(chans) == 2
    # resampled to 16 kHz; left has energy in the first second only
    assert np.abs(chans[0][:16000]).mean() > 10 * np.abs(chans[0][16000:]).mean()
    assert np.abs(chans[1][16000:]).mean() > 10 * np.abs(chans[1][:16000]).mean()


def test_mono_and_duplicated_stereo_are_mono(tmp_path):
    sig = tone(1.5, 350)
    assert len(load_channels(write_wav(tmp_path / "m.wav", [sig]))) == 1
    assert len(load_channels(write_wav(tmp_path / "d.wav", [sig, sig]))) == 1


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.wav", b"", "empty"),
        ("junk.mp3", b"this is not audio at all" * 50, "could not be decoded"),
        ("missing.wav", None, "does not exist"),
        ("subs.mp3", b"WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", "has no audio stream .*supported: WAV"),
    ],
)
def test_bad_files_have_reasons(tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError, match=reason):
        load_channels(path)


def test_silent_and_truncated(tmp_path):
    silent = write_wav(tmp_path / "silent.wav", [np.zeros(16000), np.zeros(16000)])
    with pytest.raises(AudioError, match="silent"):
        load_channels(silent)
    full = write_wav(tmp_path / "full.wav", [tone(1.0)]).read_bytes()
    truncated = tmp_path / "trunc.wav"
    truncated.write_bytes(full[:30])  # header cut mid-way: no samples
    with pytest.raises(AudioError):
        load_channels(truncated)


def test_long_recordings_stream_in_chunks_cut_at_silence(tmp_path):
    from callinsight.stages.transcribe import iter_chunks

    # 3 bursts of tone separated by silence; chunks of ~5 s must cut inside silences
    parts = []
    for _ in range(3):
        parts += [tone(4.0, 440), np.zeros(16000 * 2)]
    sig = np.concatenate(parts)
    path = write_wav(tmp_path / "long.wav", [sig, sig * 0.5])
    whole = load_channels(path)
    chunks = list(iter_chunks(path, chunk_seconds=5.0))
    assert len(chunks) >= 3
    joined = [np.concatenate([c[i] for _, c in chunks]) for i in range(2)]
    assert joined[0].size == whole[0].size
    np.testing.assert_allclose(joined[1], whole[1], atol=1e-6)
    offsets = [o for o, _ in chunks]
    assert offsets == sorted(offsets) and offsets[0] == 0.0
    for offset, _ in chunks[1:]:
        start = int(offset * 16000)
        assert np.abs(whole[0][start - 800 : start + 800]).max() < 0.01  # cut in silence
