"""PII redaction of transcript text, run before anything is stored.

``redact(text)`` replaces personal data with tokens and counts them per kind:

========  ==========  =============================================================
kind      token       what
========  ==========  =============================================================
email     [EMAIL]     ``dana.kim@northwind.io``; Whisper's spoken form
                      ``dana dot kim at northwind dot io`` (a one-word local part
                      like ``dana at ...`` needs an email cue word nearby, a mailbox
                      word such as ``support``, a digit, or a webmail domain, so
                      "find us at acme dot com" stays)
phone     [PHONE]     ``+44 20 7946 0958``, ``+1 (415) 555-0134``, ``415-555-0134``,
                      ``(415) 555 0134``, ``415.555.0134``, ``415 555 0134``,
                      ``1-800-555-0199``, ``555-0134``, ``020 7946 0958``, and
                      10-digit runs (plain or spoken) shaped like a North American
                      number (``4155550134``, "four one five five five five ...")
card      [CARD]      13-19 digits, plain or grouped by spaces/dashes, Luhn-valid
ssn       [SSN]       ``123-45-6789`` and ``123 45 6789``
iban      [IBAN]      country code + check digits + BBAN in capitals, spaces allowed,
                      of the registered length for the country, mod-97 valid
number    [NUMBER]    any other run of 7+ digits: plain (``20240113``), spoken
                      ("five five five zero one three four", "oh" = 0, "double
                      five" = 55, "triple" = 3 digits), or spaced single digits
                      (``5 5 5 0 1 3 4``), and card-shaped groups
                      (``4111 1111 1111 1112``) that fail the Luhn check
========  ==========  =============================================================

Decisions: a Luhn-invalid digit run is not a card but, having 7+ digits, still
becomes [NUMBER]; spoken digit runs are classified like written ones (10 digits
shaped like a North American number -> [PHONE], Luhn-valid 13-19 -> [CARD], else
[NUMBER]); spoken number words other than digits ("twenty", "hundred") are not read.

Not redacted: money (``$20,000``, ``20,000 dollars``, ``$1.5 million``,
``1500000 dollars``), counts, years, versions, quarters, dates (``2026-11-24``,
``11/24/2026``), times (``10:30``) and ranges such as ``250-1000``.

Person names (kind ``name``, token ``[NAME]``) are found by a model, not by ``redact``:
``NameRedactor(settings).redact_batch(texts, rep_names)`` (module `names`: Presidio's spaCy
NER, call cues such as "my name is", given-name and surname lists, an allow-list of product,
company and competitor names). Run it after ``redact`` so e-mail addresses are already tokens;
``NAME_DETECTOR_VERSION`` changes whenever what it finds may change.

Overlapping matches keep the longest (then the more specific kind). ``redact`` is
idempotent: it repeats until nothing more is found (tokens never match a pattern).

Modules: `spans` (the span type, tokens, scan windows), `checks` (Luhn, IBAN, digit-run
kinds), `emails`, `numbers` (written numeric PII), `spoken` (spoken digit runs) and
`redactor` (`find_pii`, `redact`); `names` and `name_words` (person names).
"""

from __future__ import annotations

from callinsight.stages.redact.checks import iban_ok, luhn_ok
from callinsight.stages.redact.names import NAME_DETECTOR_VERSION, NameRedactor, find_names, redact_names
from callinsight.stages.redact.redactor import find_pii, redact
from callinsight.stages.redact.spans import ALL_KINDS, KINDS, NAME_KIND, TOKENS, Redaction

__all__ = ["ALL_KINDS", "KINDS", "NAME_DETECTOR_VERSION", "NAME_KIND", "TOKENS", "NameRedactor", "Redaction",
           "find_names", "find_pii", "iban_ok", "luhn_ok", "redact", "redact_names"]
