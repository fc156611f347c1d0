"""Speaker names to roles, so every format labels rep and customer the same way.

Diarizers and vendors name speakers "A", "SPEAKER_00", "spk_1" or "ch_0": such labels say
who is who but not who is the rep, so they get role "unknown" and are kept as a label for
the stage that assigns roles from what is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from callinsight.contracts import Role

REP_LABELS = frozenset({"rep", "agent", "sales", "salesperson", "ae", "sdr", "sales rep"})
CUSTOMER_LABELS = frozenset({"customer", "prospect", "client", "buyer"})

# "A", "0", "1A" (AssemblyAI channel 1, speaker A), "SPEAKER_00", "spk_0", "spk0", "S1",
# "Speaker 2", "speaker B", "ch_0", "channel 1", "Participant 3"; a bare "Speaker" too.
_ANON_PREFIX = r"(?:speaker|spkr|spk|sp|s|channel|chan|ch|voice|participant|person|talker)"
_ANONYMOUS = re.compile(
    rf"[a-z]|[0-9]{{1,3}}|[0-9]{{1,2}}[a-z]"
    rf"|{_ANON_PREFIX}[ _\-.#]?[0-9]{{1,3}}"
    rf"|{_ANON_PREFIX}[ _\-.#][a-z]"
    r"|speaker|unknown[ _]speaker(?:[ _]?[0-9]{1,3})?"
)
# a speaker name as written before a colon: up to four words, no sentence punctuation
NAME_PATTERN = r"[^\W\d_][\w.'’\-]*(?: [\w.'’\-]+){0,3}"
NON_SPEECH = frozenset(
    {
        "laughs", "laughter", "laughing", "music", "applause", "inaudible", "crosstalk",
        "silence", "noise", "background noise", "coughs", "cough", "pause", "sighs",
        "chuckles", "phone rings", "unintelligible", "no audio", "static", "beep",
    }
)


def norm_name(name: object) -> str:
    """A name compared case- and whitespace-insensitively ("" for None)."""
    return " ".join(str(name).split()).casefold() if name is not None else ""


def speaker_role(name: str | None, rep_names: Iterable[str] = ()) -> Role:
    """Role of a speaker label: rep words or the call's rep -> rep; other names -> customer.

    ``rep_names`` match case-insensitively, on the full name or on the first name when one
    side is a single word ("Maria" matches "Maria Lopez" and vice versa). Empty names, the
    literal "unknown" and anonymous labels (:func:`is_anonymous_label`) give "unknown": a
    diarizer's "SPEAKER_00" may be either party.
    """
    key = norm_name(name)
    if not key or key == "unknown":
        return "unknown"
    if key in REP_LABELS:
        return "rep"
    if is_rep_name(key, rep_names):
        return "rep"
    if is_anonymous_label(key):
        return "unknown"
    return "customer"


def is_anonymous_label(name: object) -> bool:
    """Whether a speaker name is a diarizer's or a channel's label rather than a person's.

    Single letters or digits ("A", "0"), "1A", "SPEAKER_00", "spk_0", "spk0", "S1",
    "Speaker 2", "speaker B", "ch_0", "channel 1" (channels count as anonymous: which party
    a channel carries is decided later, like any label), case- and spacing-insensitive.
    """
    key = norm_name(name)
    return bool(key) and _ANONYMOUS.fullmatch(key) is not None


def looks_like_name(name: str) -> bool:
    """A ``Name:`` speaker prefix, not a sound note ("[laughs]") or a clause ("So the thing is:")."""
    key = norm_name(name)
    if not key or key in NON_SPEECH:
        return False
    words = name.split()
    return (len(words) == 1 or key in REP_LABELS or key in CUSTOMER_LABELS
            or is_anonymous_label(key) or all(w[0].isupper() for w in words[1:]))


def is_rep_name(key: str, rep_names: Iterable[str]) -> bool:
    """Whether a normalised name (see :func:`norm_name`) is one of ``rep_names``."""
    words = key.split()
    for rep in rep_names:
        rep_key = norm_name(rep)
        if not rep_key:
            continue
        if key == rep_key:
            return True
        rep_words = rep_key.split()
        if (len(words) == 1 or len(rep_words) == 1) and words[0] == rep_words[0]:
            return True
    return False


_ROLE_VALUES: dict[str, Role] = {
    "rep": "rep",
    "internal": "rep",
    "customer": "customer",
    "external": "customer",
    "unknown": "unknown",
    "": "unknown",
}


def role_value(value: object) -> Role | None:
    """A role given explicitly (rep/customer/unknown, Internal/External/Unknown, or a label)."""
    if not isinstance(value, str):
        return None
    key = norm_name(value)
    if key in _ROLE_VALUES:
        return _ROLE_VALUES[key]
    if key in REP_LABELS:
        return "rep"
    if key in CUSTOMER_LABELS:
        return "customer"
    return None
