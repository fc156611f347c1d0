"""Customer company names in quotes, anonymised for publishing (content briefs).

A deal's customer company (an ``account`` / ``company`` / ``Account Name`` ... column of the
run's deals.csv) becomes ``[a 50-seat logistics company]`` from its size and industry
columns, else ``[COMPANY]``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callinsight.stages.report.formatting import to_text
from callinsight.store.sqlite import Store
from callinsight.util.markup import without_markup

Anonymise = Callable[..., str]  # (text, deal_id="") -> text


_NAME_KEYS = ("account", "account_name", "company", "company_name", "customer", "customer_name",
              "organization", "organisation", "organization_name", "client", "client_name")
_SIZE_KEYS = {"seats": "seat", "seat_count": "seat", "licenses": "seat", "licences": "seat",
              "users": "user", "employees": "employee", "employee_count": "employee",
              "number_of_employees": "employee", "num_employees": "employee",
              "of_employees": "employee", "headcount": "person", "company_size": "employee"}
_INDUSTRY_KEYS = ("industry", "vertical", "sector")
_LEGAL = re.compile(r"[\s,]+(inc|incorporated|llc|ltd|limited|gmbh|corp|corporation|co|company|plc|"
                    r"ag|s\.?a|b\.?v|pty|oy|ab)\.?$", re.I)


def header_key(header: Any) -> str:
    """A column name compared loosely: ``"Account Name" -> "account_name"``, Salesforce
    ``Seats__c -> "seats"``."""
    text = to_text(header).strip()
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return key[:-2] if text.endswith("__c") else key


def _article(word: str) -> str:
    lead = re.sub(r"\D", "", word.split("–")[0])
    if lead:  # "an 80-seat", "an 11-seat", "an 18,000-employee"
        vowel = lead[0] == "8" or lead in ("11", "18") or (len(lead) in (5, 8) and lead[:2] in ("11", "18"))
    else:
        vowel = word[:1].lower() in "aeiou"
    return "an" if vowel else "a"


def describe_company(row: dict[str, Any]) -> str:
    """``[a 50-seat logistics company]`` from a deal's size and industry fields (either
    may be missing), else ``[COMPANY]``."""
    fields = {header_key(k): to_text(v).strip() for k, v in row.items()}
    words = []
    for k, unit in _SIZE_KEYS.items():
        m = re.fullmatch(r"(\d+)(?:[-–](\d+))?", fields.get(k, "").replace(",", "").replace(" ", ""))
        if m:
            words.append(f"{int(m[1]):,}" + (f"–{int(m[2]):,}" if m[2] else "") + f"-{unit}")
            break
    industry = next((fields[k] for k in _INDUSTRY_KEYS if fields.get(k)), "")
    if industry:  # "Logistics" -> "logistics"; "SaaS", "IT" stay
        words.append(industry if any(c.isupper() for c in industry[1:]) else industry.lower())
    return f"[{_article(words[0])} {' '.join(words)} company]" if words else "[COMPANY]"


def _names(row: dict[str, Any]) -> set[str]:
    """A deal's company names, lower-cased, with and without a legal suffix ("Inc.")."""
    out = set()
    for k, v in row.items():
        name = " ".join(to_text(v).split()).lower()
        if header_key(k) in _NAME_KEYS and name:
            out |= {n for n in (name, _LEGAL.sub("", name).strip(" ,."))
                    if len(n) >= 2 and re.search(r"[^\W\d_]", n)}
    return out


def anonymiser(rows: list[dict[str, Any]]) -> Anonymise:
    """``f(text, deal_id="")`` replacing every deal's company name (any case, whole words)
    by that company's description; a quote's own deal decides between namesakes."""
    own = {to_text(r.get("deal_id")): (_names(r), describe_company(r)) for r in rows}
    described: dict[str, str] = {}
    for names, text in own.values():
        for n in names:
            described.setdefault(n, text)
    if not described:
        return lambda text, deal_id="": text
    alternatives = "|".join(r"\s+".join(map(re.escape, n.split()))
                            for n in sorted(described, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.I)

    def anonymise(text: str, deal_id: str = "") -> str:
        names, mine = own.get(deal_id, (set(), ""))

        def swap(m: re.Match) -> str:
            key = " ".join(m[0].split()).lower()
            return mine if key in names else described.get(key, "[COMPANY]")
        return pattern.sub(swap, text)
    return anonymise


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV as written by us or saved back by a spreadsheet (BOM, ``;`` or tab, Latin-1)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [{(k or "").strip(): without_markup((v or "").strip()) for k, v in row.items() if k}
            for row in csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)]


def company_rows(store: Store, summary: dict[str, Any], notes: list[str]) -> list[dict[str, Any]]:
    """Deal rows with company fields: the deals table if it ever keeps them, else the run's
    deals.csv (the store's deals table has no company columns today)."""
    table = store.table("deals")
    if any(header_key(c) in _NAME_KEYS for c in table.columns):
        return table.to_dict("records")
    if not summary.get("deals_csv"):
        return []
    try:
        rows = read_csv_rows(Path(str(summary["deals_csv"])))
    except OSError:
        rows = None
    if rows is None or (rows and not any(header_key(k) in _NAME_KEYS for k in rows[0])):
        notes.append(("The run's deals.csv is no longer readable" if rows is None else
                      "deals.csv has no account / company column")
                     + ": company names in quotes are not replaced; check them before publishing.")
    return rows or []
