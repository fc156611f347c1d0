"""Folder mode: the calls of a folder of recordings and transcripts, without a calls.csv.

For a first look at a pile of files. Each file is a call named by its path relative to
the folder without the suffix, ``/`` replaced by ``-`` (``east/acme.wav`` -> ``east-acme``),
so call ids stay flat file names (``OUT/transcripts/<call_id>.vtt``); a recording and a
transcript with the same name in the same folder are one call. Subfolders are scanned;
hidden files and folders, symlinked folders and the run's output folder are not. A
calls.csv in the folder is not used: pass it as ``--calls`` for deals, reps and dates.
Calls have no rep and no deal, and are dated by their file's modification time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from callinsight.contracts import Call, CallStatus, InputError
from callinsight.sources.manifest import Manifest, _resolve, file_date_warning, file_time

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".mp4")
SIDECAR_SUFFIXES = (".parties.json",)  # read by the Gong reader beside its transcript, not calls


def transcript_suffixes() -> tuple[str, ...]:
    """The suffixes the registered transcript readers accept (plugins included)."""
    from callinsight.sources.readers import _SUFFIXES

    return tuple(sorted(s for s, names in _SUFFIXES.items() if names))


def _files(folder: Path, skip: tuple[Path, ...]) -> Iterator[Path]:
    skipped = {p.resolve() for p in skip}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and (here / d).resolve() not in skipped)
        for name in sorted(filenames):
            if not name.startswith("."):
                yield here / name


def call_id_for(folder: Path, path: Path) -> str:
    """``east/acme.wav`` -> ``east-acme``: the relative path without suffix, flat."""
    return path.relative_to(folder).with_suffix("").as_posix().replace("/", "-")


def scan_folder(folder: str | Path, *, allowed_roots: tuple[Path, ...] = (),
                skip: tuple[Path, ...] = ()) -> Manifest:
    """A manifest of the recordings and transcripts in ``folder`` (see the module docstring).

    Two recordings (or two transcripts) that map to one call id, and symlinks pointing
    outside the folder, become ``failed`` statuses naming the files.
    """
    folder = Path(folder)
    audio, texts = AUDIO_SUFFIXES, transcript_suffixes()
    found: dict[str, dict[str, list[Path]]] = {}
    for path in _files(folder, skip):
        name = path.name.lower()
        if name.endswith(SIDECAR_SUFFIXES):
            continue
        kind = "recording" if name.endswith(audio) else "transcript" if name.endswith(texts) else None
        if kind:
            found.setdefault(call_id_for(folder, path), {}).setdefault(kind, []).append(path)
    if not found:
        raise InputError(f"{folder} has no recordings ({' '.join(audio)}) or transcripts "
                         f"({' '.join(texts)}), in it or its subfolders. Pass a folder of call files "
                         "or a calls.csv.")
    calls: list[Call] = []
    statuses: list[CallStatus] = []
    dated: list[tuple[str, datetime]] = []
    for call_id in sorted(found):
        try:
            paths = {kind: _one(folder, call_id, kind, files, allowed_roots)
                     for kind, files in found[call_id].items()}
        except ValueError as exc:
            statuses.append(CallStatus(call_id, "failed", str(exc)))
            continue
        recording, transcript = paths.get("recording"), paths.get("transcript")
        started = file_time(recording, transcript)
        if started is not None:
            dated.append((call_id, started))
        calls.append(Call(call_id=call_id, started_at=started, recording=recording, transcript=transcript))
    warnings = file_date_warning(dated)
    if (folder / "calls.csv").is_file():
        warnings.append(f"{folder / 'calls.csv'} is not used when --calls is a folder: pass the "
                        "file itself as --calls to use its deals, reps and dates.")
    return Manifest(calls=calls, statuses=statuses, root=folder, warnings=warnings)


def _one(folder: Path, call_id: str, kind: str, files: list[Path], allowed_roots: tuple[Path, ...]) -> Path:
    if len(files) > 1:
        names = ", ".join(str(f.relative_to(folder)) for f in files)
        raise ValueError(f"{len(files)} {kind}s would be call {call_id}: {names}; keep one, or list "
                         "the calls in a calls.csv")
    return _resolve(folder, str(files[0].relative_to(folder)), allowed_roots)
