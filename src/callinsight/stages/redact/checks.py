"""Checksums and digit-run classification: what makes a digit string a card, phone or IBAN."""

from __future__ import annotations

__all__ = ["iban_ok", "luhn_ok"]


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "LY": 25, "SD": 18, "BI": 27, "DJ": 27,
    "SO": 23, "NI": 28, "MN": 20, "RU": 33, "FK": 18, "OM": 23, "YE": 30, "HN": 28,
}  # fmt: skip


def iban_ok(candidate: str) -> bool:
    """IBAN check: a registered country, its IBAN length, and mod-97 == 1."""
    iban = candidate.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isascii() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _nanp(digits: str) -> bool:
    """10 digits shaped like a North American number (area and exchange start 2-9)."""
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _classify(digits: str) -> str:
    """Kind of a bare digit string of 7+ digits."""
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return "card"
    if _nanp(digits) or (len(digits) == 11 and digits[0] == "1" and _nanp(digits[1:])):
        return "phone"
    return "number"


def _digits(text: str) -> str:
    """The ASCII digits of ``text``, dropping separators ("415-555-0134" -> "4155550134")."""
    return "".join(ch for ch in text if "0" <= ch <= "9")
