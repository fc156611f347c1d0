"""Email addresses, written (``dana.kim@northwind.io``) and as Whisper spells them out.

A spoken one-word local part ("dana at northwind dot io") needs more evidence than
"find us at acme dot com": see `_plausible_mailbox`. Prefilters (an "@", a written or
spoken top-level domain) keep the detailed patterns to small windows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from callinsight.stages.redact.spans import Redaction, _windows

_EMAIL = re.compile(
    r"(?<![\w.%+\-\['’])[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-]@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w@])"
)

_TLDS = (
    "com|net|org|io|co|ai|us|uk|de|fr|ca|au|in|edu|gov|biz|info|me|app|dev|tech|eu|nl|es|it|"
    "se|ch|jp|mx|br|ie|nz|be|at|dk|no|fi|pl|pt|cz|sg|hk|za|ly|gg|cloud|so|xyz"
)
_SPOKEN_WORD = r"[A-Za-z0-9]+"
_DOMAIN_WORD = r"[A-Za-z0-9]+(?:(?:-|[ \t]+(?:dash|hyphen)[ \t]+)[A-Za-z0-9]+)*"
_SPOKEN_LOCAL_SEP = r"(?:[._\-]|[ \t]+(?:dot|underscore|dash|hyphen)[ \t]+)"
_SPOKEN_DOT = r"(?:\.|[ \t]+dot[ \t]+)"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.@\['’\-])(?P<local>{_SPOKEN_WORD}(?:{_SPOKEN_LOCAL_SEP}{_SPOKEN_WORD})*)"
    rf"(?:[ \t]*@[ \t]*|[ \t]+at[ \t]+)"
    rf"(?P<domain>{_DOMAIN_WORD}(?:{_SPOKEN_DOT}{_DOMAIN_WORD})*){_SPOKEN_DOT}(?:{_TLDS})"
    r"(?![\w@]|[ \t]+dot[ \t]+\w)",
    re.IGNORECASE,
)
_SPOKEN_TLD = re.compile(rf"[ \t][dD][oO][tT][ \t]+(?i:{_TLDS})(?![\w@])")
_WRITTEN_TLD = re.compile(rf"\.(?i:{_TLDS})(?![\w@])")
_EMAIL_CUE = re.compile(
    r"\b(?:e-?mail|mail|address|reach|contact|send|sent|write|cc|bcc|forward|inbox|message)",
    re.IGNORECASE,
)
_MAILBOXES = frozenset(
    "support sales info billing hello help admin contact team accounts accounting finance "
    "legal security privacy hr careers jobs noreply no-reply invoices ap ar procurement "
    "marketing partners press media success service orders".split()
)
_WEBMAIL = frozenset(
    "gmail googlemail yahoo outlook hotmail live icloud me aol proton protonmail gmx zoho".split()
)


def _emails(text: str) -> Iterator[Redaction]:
    """Written emails near each "@", then spoken ones ending in a top-level domain."""
    if "@" in text:
        ats = []
        i = text.find("@")
        while i >= 0:
            ats.append((i, i + 1))
            i = text.find("@", i + 1)
        for pos, endpos in _windows(ats, text, 100, 200):
            for m in _EMAIL.finditer(text, pos, endpos):
                yield Redaction("email", m.start(), m.end())
    if "dot" not in text.lower() and _WRITTEN_TLD.search(text) is None:
        return  # no top-level domain, so no spoken email
    tlds = sorted((m.start(), m.end()) for rx in (_SPOKEN_TLD, _WRITTEN_TLD)
                  for m in rx.finditer(text))
    for pos, endpos in _windows(tlds, text, 200, 0):
        for m in _SPOKEN_EMAIL.finditer(text, pos, endpos):
            local = m.group("local")
            if re.fullmatch(_SPOKEN_WORD, local) and not _plausible_mailbox(text, m):
                continue
            yield Redaction("email", m.start(), m.end())


def _plausible_mailbox(text: str, m: re.Match[str]) -> bool:
    """A one-word local part ("dana at ...") needs more evidence than "us at acme dot com"."""
    local = m.group("local").lower()
    if "@" in m.group():
        return True
    if local in _MAILBOXES or any(ch.isdigit() for ch in local):
        return True
    first_domain_word = re.split(r"[ \t.]", m.group("domain").lower(), maxsplit=1)[0]
    if first_domain_word in _WEBMAIL:
        return True
    return _EMAIL_CUE.search(text, max(0, m.start() - 60), m.start()) is not None
