"""What every reader shares: the error type, the read context, the registry and file reading.

Readers register in ``callinsight.registry.readers``; this module adds what a file
format needs on top of a name (suffixes, content sniffing) and reads files safely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callinsight.contracts import InputError, Role, Segment
from callinsight.registry import readers as reader_registry
from callinsight.sources.readers.roles import is_anonymous_label, role_value, speaker_role

MAX_TRANSCRIPT_BYTES = 50 * 1024 * 1024  # larger files are refused


class TranscriptError(InputError):
    """A transcript file cannot be read: names the file, the place, and what to fix."""

    def __init__(self, message: str, *, path: Path | str | None = None, where: str | None = None):
        self.path = None if path is None else str(path)
        self.where = where
        self.detail = message
        prefix = ""
        if path is not None:
            prefix = f"{path}: " if where is None else f"{path} ({where}): "
        elif where is not None:
            prefix = f"{where}: "
        super().__init__(prefix + message)


def collapse(text: str) -> str:
    """Whitespace-normalised text: runs of spaces and newlines become one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class ReadContext:
    """What a reader knows besides the text: where it came from and how to name roles."""

    path: Path
    rep_names: tuple[str, ...] = ()
    parties: Mapping[str, Role] = field(default_factory=dict)
    call_id: str | None = None

    def error(self, message: str, *, where: str | None = None) -> TranscriptError:
        """A TranscriptError naming this file (raise it)."""
        return TranscriptError(message, path=self.path, where=where)

    def role(self, name: object) -> Role:
        """Role of a speaker name: the ``parties`` mapping first, then :func:`speaker_role`."""
        if name is None:
            return "unknown"
        text = collapse(str(name))
        if text in self.parties:
            return self.parties[text]
        folded = text.casefold()
        for key, role in self.parties.items():
            if key.casefold() == folded:
                return role
        return speaker_role(text, self.rep_names)

    def speaker(self, name: object) -> tuple[Role, str | None]:
        """(role, label) of a speaker name: the label is the name when it is anonymous.

        "SPEAKER_00" gives ("unknown", "SPEAKER_00") unless ``parties`` names it (then its
        role, label kept for display); "Dana Kim" gives ("customer", None); None gives
        ("unknown", None).
        """
        if name is None:
            return "unknown", None
        text = collapse(str(name))
        return self.role(text), (text if is_anonymous_label(text) else None)

    def segment(self, start: float, end: float, name: object, text: str, *,
                role: Role | None = None, confidence: float | None = None,
                channel: int | None = None) -> Segment:
        """A segment spoken by ``name``, with role and label from :meth:`speaker`.

        Every reader builds segments here so anonymous labels are kept the same way. A
        ``role`` given by the format (Gong's parties) makes ``name`` an id: it is kept as
        the label while the role is unknown.
        """
        if role is None:
            role, label = self.speaker(name)
        else:
            key = "" if name is None else collapse(str(name))
            label = key if key and (role == "unknown" or is_anonymous_label(key)) else None
        return Segment(start=start, end=end, speaker=role, text=text, confidence=confidence,
                       channel=channel, label=label)


Reader = Callable[[str, ReadContext], Iterable[Segment]]
Sniffer = Callable[[str], bool]


class _ReaderView(MutableMapping[str, Reader]):
    """``READERS``: format name -> reader, a dict-like view of ``callinsight.registry.readers``."""

    def __getitem__(self, name: str) -> Reader:
        if name not in reader_registry:
            raise KeyError(name)
        return reader_registry.get(name)

    def __setitem__(self, name: str, reader: Reader) -> None:
        reader_registry.add(name, reader, replace=True)

    def __delitem__(self, name: str) -> None:
        if name not in reader_registry:
            raise KeyError(name)
        reader_registry.unregister(name)

    def __iter__(self) -> Iterator[str]:
        return iter(reader_registry.names())

    def __len__(self) -> int:
        return len(reader_registry.names())

    def __repr__(self) -> str:
        return f"READERS({dict(self)!r})"


READERS: MutableMapping[str, Reader] = _ReaderView()
_SUFFIXES: dict[str, list[str]] = {}
_SNIFFERS: dict[str, Sniffer] = {}


def register_reader(
    name: str, suffixes: Iterable[str], *, sniff: Sniffer | None = None
) -> Callable[[Reader], Reader]:
    """Decorator adding a reader for files ending in ``suffixes``.

    When several readers share a suffix, the first one whose ``sniff(text)`` returns True
    is used; a reader without ``sniff`` is the fallback. Registering a name again
    replaces the earlier reader.
    """

    def decorate(func: Reader) -> Reader:
        READERS[name] = func
        if sniff is not None:
            _SNIFFERS[name] = sniff
        else:
            _SNIFFERS.pop(name, None)
        for suffix in suffixes:
            key = suffix.lower() if suffix.startswith(".") else "." + suffix.lower()
            names = _SUFFIXES.setdefault(key, [])
            if name not in names:
                names.append(name)
        return func

    return decorate


def detect_format(path: Path | str, text: str | None = None) -> str:
    """Format name for a file, by suffix; a shared suffix (``.json``) is told apart by content."""
    path = Path(path)
    names = [n for n in _SUFFIXES.get(path.suffix.lower(), []) if n in READERS]
    if not names:
        known = ", ".join(sorted(s for s, n in _SUFFIXES.items() if n))
        raise TranscriptError(
            f"unsupported transcript type {path.suffix or '(no suffix)'!r}; "
            f"use one of {known} or add a reader with register_reader().",
            path=path,
        )
    if len(names) == 1:
        return names[0]
    if text is None:
        text = read_text(path)
    for name in names:
        sniffer = _SNIFFERS.get(name)
        if sniffer is not None and sniffer(text):
            return name
    fallback = [n for n in names if n not in _SNIFFERS]
    return fallback[0] if fallback else names[0]


def read_text(path: Path) -> str:
    """The text of a transcript file: UTF-8 (BOM allowed), non-empty, not over the size cap."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TranscriptError("does not exist; check the transcript path.", path=path) from None
    except OSError as exc:
        raise TranscriptError(f"cannot read the file ({exc.strerror}).", path=path) from None
    if not path.is_file():
        raise TranscriptError("is not a file; give the path of a transcript file.", path=path)
    if size > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"is {size / 1024 / 1024:.0f} MB; transcripts over "
            f"{MAX_TRANSCRIPT_BYTES // 1024 // 1024} MB are refused. Split the file or check it "
            "is really a transcript.",
            path=path,
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read the file ({exc.strerror}).", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"is not valid UTF-8 (bad byte at offset {exc.start}); the transcript must be "
            "UTF-8 text: re-export or convert it (e.g. iconv -t UTF-8).",
            path=path,
        ) from None
    if not text.strip():
        raise TranscriptError("is empty; export the transcript again.", path=path)
    return text


def read_transcript(
    path: Path | str,
    *,
    rep_names: Iterable[str] = (),
    parties: Mapping[str, str] | None = None,
    call_id: str | None = None,
    fmt: str | None = None,
) -> list[Segment]:
    """Read a transcript file into segments sorted by start time.

    ``fmt`` overrides suffix detection; ``parties`` maps speaker names or Gong speakerIds to
    roles; ``call_id`` picks one call of a multi-call Gong file. Raises TranscriptError.
    """
    path = Path(path)
    text = read_text(path)
    name = fmt or detect_format(path, text)
    return parse_transcript(text, name, path=path, rep_names=rep_names, parties=parties,
                            call_id=call_id)


def parse_transcript(
    text: str,
    fmt: str,
    *,
    path: Path | str = "<string>",
    rep_names: Iterable[str] = (),
    parties: Mapping[str, str] | None = None,
    call_id: str | None = None,
) -> list[Segment]:
    """Parse transcript text in the named format (``path`` is only used in messages)."""
    path = Path(path)
    reader = READERS.get(fmt)
    if reader is None:
        raise TranscriptError(
            f"unknown transcript format {fmt!r}; known: {', '.join(sorted(READERS))}.", path=path
        )
    ctx = ReadContext(
        path=path,
        rep_names=tuple(str(r) for r in rep_names),
        parties=_clean_parties(parties or {}, "the parties argument", path),
        call_id=None if call_id is None else str(call_id),
    )
    segments = [s for s in reader(text.lstrip("\ufeff"), ctx) if s.text.strip()]
    if not segments:
        raise ctx.error(f"contains no {fmt} cues with text; export the transcript again.")
    segments.sort(key=lambda s: s.start)
    return segments


def _clean_parties(parties: Mapping[str, Any], what: str, path: Path) -> dict[str, Role]:
    clean: dict[str, Role] = {}
    for key, value in parties.items():
        role = role_value(value)
        if role is None:
            raise TranscriptError(
                f"{what} gives {value!r} for speaker {key!r}; use rep, customer or unknown "
                "(or Gong's Internal / External / Unknown).",
                path=path,
            )
        clean[collapse(str(key))] = role
    return clean
