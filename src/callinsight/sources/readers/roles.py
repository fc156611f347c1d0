"""Speaker names to roles, so every format labels rep and customer the same way."""

from __future__ import annotations

from collections.abc import Iterable

from callinsight.contracts import Role

REP_LABELS = frozenset({"rep", "agent", "sales", "salesperson", "ae", "sdr", "sales rep"})
CUSTOMER_LABELS = frozenset({"customer", "prospect", "client", "buyer"})


def norm_name(name: object) -> str:
    """A name compared case- and whitespace-insensitively ("" for None)."""
    return " ".join(str(name).split()).casefold() if name is not None else ""


def speaker_role(name: str | None, rep_names: Iterable[str] = ()) -> Role:
    """Role of a speaker label: rep words or the call's rep -> rep; other names -> customer.

    ``rep_names`` match case-insensitively, on the full name or on the first name when one
    side is a single word ("Maria" matches "Maria Lopez" and vice versa). Empty names and
    the literal "unknown" give "unknown".
    """
    key = norm_name(name)
    if not key or key == "unknown":
        return "unknown"
    if key in REP_LABELS:
        return "rep"
    if is_rep_name(key, rep_names):
        return "rep"
    return "customer"


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
