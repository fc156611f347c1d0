"""Person-name redaction: the labelled call lines, the placeholder, settings, common words."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.redaction import allow_terms, load_cases, score
from callinsight.settings import Settings, load_settings
from callinsight.stages.redact import (
    ALL_KINDS,
    NAME_DETECTOR_VERSION,
    TOKENS,
    NameRedactor,
    Redaction,
    find_names,
    redact,
)

CASES = load_cases()


@pytest.fixture(scope="module")
def redactor() -> NameRedactor:
    return NameRedactor(Settings(vocabulary=tuple(allow_terms(CASES))))


def _found(r: NameRedactor, texts: list[str]) -> list[list[tuple[int, int]]]:
    return [[(x.start, x.end) for x in spans] for spans in r.find_batch(texts)]


def test_case_file_shape():
    assert len(CASES) >= 300
    assert sum(len(c.names) for c in CASES) >= 250
    assert sum(len(c.orgs) for c in CASES) >= 100
    assert sum(1 for c in CASES if c.text == c.text.lower()) >= 150  # lower-case lines
    assert sum(1 for c in CASES if not c.names) >= 100  # lines with no name at all


def test_labelled_set_with_allow_list(redactor):
    """Recall >= 0.95 on person names, <= 2% of company/product mentions redacted."""
    result = score(CASES, _found(redactor, [c.text for c in CASES]))
    assert result["recall"] >= 0.95, result["misses"]
    assert result["org_fp_rate"] <= 0.02, result["false"]
    assert result["precision"] >= 0.95, result["false"]
    assert result["trap_fp"] <= 2, result["false"]  # places and common words that are names


def test_labelled_set_without_allow_list():
    """The same recall without any configuration; company names then get caught more often."""
    result = score(CASES, _found(NameRedactor(), [c.text for c in CASES]))
    assert result["recall"] >= 0.95, result["misses"]
    assert result["org_fp_rate"] <= 0.15, result["false"]


def test_placeholder_keeps_the_sentence():
    r = NameRedactor()
    assert r.redact("Hi, my name is Jennifer Williams and I need a new checkbook.") == (
        "Hi, my name is [NAME] and I need a new checkbook.", 1)
    assert r.redact("hi my name is robert johnson i would like to transfer money") == (
        "hi my name is [NAME] i would like to transfer money", 1)
    assert r.redact("I spoke with Kwame Okafor and Siobhan O'Brien.") == (
        "I spoke with [NAME] and [NAME].", 2)
    assert r.redact("Okafor's team uses it every day.") == ("[NAME]'s team uses it every day.", 1)
    assert r.redact("ask for mister okafor at the front desk") == (
        "ask for mister [NAME] at the front desk", 1)
    assert r.redact("this is dana from northwind") == ("this is [NAME] from northwind", 1)
    assert TOKENS["name"] == "[NAME]" and "name" in ALL_KINDS


@pytest.mark.parametrize("text", [
    "hi my name is jennifer williams", "hi my name is grant abernathy-lee", "this is siobhan o'brien",
    "my name is minh nguyen", "hello lucia garcia here", "my name is maria de la cruz",
    "talk to priya about the contract", "ayesha siddiqui and tomasz kowalski are on the thread",
    "thanks mark", "call me frank", "this is bill from accounting", "frank o'brien reviewed the contract",
    "yes hello this is uh robert jones i'd like to know your hours",
])
def test_lower_case_names(text):
    redacted, count = NameRedactor().redact(text)
    assert count >= 1
    words = redacted.replace("[NAME]", " ").split()
    assert not {"jennifer", "abernathy-lee", "o'brien", "nguyen", "garcia", "cruz", "priya", "siddiqui",
                "kowalski", "mark", "frank", "bill", "jones"} & set(words), redacted


@pytest.mark.parametrize("text", [
    "I will grant you that, it's not cheap.", "i will grant you that", "The bill is due on the fifteenth.",
    "the bill is due on the fifteenth", "Can you mark it down as paid?", "mark it down",
    "We may need another week.", "May I ask who's calling?", "We start the pilot in May.",
    "I hope that works for you.", "Hope you had a good weekend.", "I'll chase the invoice with finance.",
    "To be frank, the price is the problem.", "be frank with me", "Will you send me the contract?",
    "Bill me at the end of the quarter.", "Mark my words, they will switch.", "we will bill you monthly",
    "We got a grant for this project.", "There's still hope for this quarter.",
    "Our warehouse is in New Jersey.", "we have offices in austin denver and seattle",
    "We're moving the team from San Francisco to Phoenix.", "The Dallas branch closes at five.",
])
def test_common_words_and_places_stay(text):
    assert NameRedactor().redact(text) == (text, 0)


def test_names_used_as_names_are_redacted():
    r = NameRedactor()
    for text in ("Bill Kowalski is our new point of contact.", "Ask Mark, he set up the integration.",
                 "Chase Nguyen is the one who signs.", "My name is Will Turner.", "Thanks, Will.",
                 "I'll have May Zhang send over the W-9."):
        redacted, count = r.redact(text)
        assert count == 1 and "[NAME]" in redacted, (text, redacted)
        left = set(redacted.replace(",", " ").split())
        assert not {"Bill", "Mark", "Chase", "Will", "May"} & left, redacted


def test_allow_list_from_vocabulary_company_names_and_name_allow_list():
    text = "Lisa from Salesforce said Outreach and Zendesk cost more, Harper Valley National Bank too."
    plain, _ = NameRedactor().redact(text)
    assert "Zendesk" in plain  # a lone word in no name list is taken for a product, not a person
    brand = "We switched from Gong to Clari, and Gong was cheaper."
    assert NameRedactor().redact(brand)[1] == 1  # "Gong" is also a surname: redacted unless listed
    assert NameRedactor(Settings(vocabulary=("Gong",))).redact(brand) == (brand, 0)
    settings = Settings(vocabulary=("Salesforce", "Outreach", "Zendesk"),
                        company_names=("Harper Valley National Bank",))
    assert NameRedactor(settings).redact(text) == (
        "[NAME] from Salesforce said Outreach and Zendesk cost more, Harper Valley National Bank too.", 1)
    chase = Settings(name_allow_list=("Chase",))
    assert NameRedactor(chase).redact("my name is chase miller") == ("my name is chase [NAME]", 1)
    assert NameRedactor().redact("my name is chase miller") == ("my name is [NAME]", 1)


def test_keep_rep_first_names():
    text = "Hi, this is Dana from Northwind, am I speaking with Rachel Goldberg?"
    assert NameRedactor().redact(text, rep_names=["Dana Kim"])[0] == (
        "Hi, this is [NAME] from Northwind, am I speaking with [NAME]?")
    keep = NameRedactor(Settings(keep_rep_first_names=True))
    assert keep.redact(text, rep_names=["Dana Kim"])[0] == (
        "Hi, this is Dana from Northwind, am I speaking with [NAME]?")
    assert keep.redact("Dana Kim here.", rep_names=["dana kim"]) == ("Dana [NAME] here.", 1)
    assert keep.redact(text)[0].startswith("Hi, this is [NAME]")  # no rep given: nothing kept


def test_switched_off_and_settings():
    off = NameRedactor(Settings(redact_names=False))
    assert off.redact("my name is robert johnson") == ("my name is robert johnson", 0)
    assert off.find_batch(["my name is robert johnson"]) == [[]]
    s = load_settings(env={"CALLINSIGHT_KEEP_REP_FIRST_NAMES": "true", "CALLINSIGHT_REDACT_NAMES": "no"})
    assert s.keep_rep_first_names is True and s.redact_names is False
    assert Settings().replace(name_allow_list=["Chase", "Gong"]).name_allow_list == ("Chase", "Gong")


def test_spans_batches_and_structured_tokens():
    text = "Sure, my email is dana.kim@northwind.io, ask for Mr. Okafor."
    structured, counts = redact(text)
    assert structured == "Sure, my email is [EMAIL], ask for Mr. Okafor." and counts == {"email": 1}
    spans = find_names(structured)
    assert spans == [Redaction("name", structured.index("Okafor"), structured.index("Okafor") + 6)]
    r = NameRedactor()
    once = r.redact_batch([structured, "", "no names here", "thanks priya"])
    assert once == [("Sure, my email is [EMAIL], ask for Mr. [NAME].", 1), ("", 0), ("no names here", 0),
                    ("thanks [NAME]", 1)]
    assert r.redact_batch([t for t, _ in once]) == [(t, 0) for t, _ in once]  # idempotent
    assert r.redact_batch([]) == []


def test_threads_share_one_model():
    texts = [c.text for c in CASES[:60]]
    r = NameRedactor()
    expected = r.redact_batch(texts)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: r.redact_batch(texts), range(4)))
    assert all(res == expected for res in results)
    assert isinstance(NAME_DETECTOR_VERSION, str) and "presidio" in NAME_DETECTOR_VERSION


def test_loads_offline_without_any_download():
    """A fresh process with every network connection refused still loads and redacts."""
    code = textwrap.dedent("""
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network use in the name redactor")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from callinsight.stages.redact.names import NameRedactor
        print(NameRedactor().redact("hi my name is robert johnson"))
        import spacy.util
        print(spacy.util.is_package("en_core_web_lg"))
    """)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "('hi my name is [NAME]', 1)"
    assert out.stdout.splitlines()[1] == "False"  # Presidio's default model is not there, nor fetched
    assert "network use" not in out.stderr
