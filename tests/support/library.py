"""The phrase-library corpus: imported transcripts with known themes, run once per session."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from callinsight.contracts import Call, Segment, Transcript
from callinsight.store import Store
from support.audio import tone, write_wav  # noqa: F401

TIME = [
    "Honestly it cuts the admin work for my whole team.",  # no word of "saves time"
    "We spend far fewer hours on data entry now.",
    "My reps stopped copying notes into spreadsheets after every call.",
    "The follow-up emails basically write themselves, which my team loves.",
]
CRM = [
    "The Salesforce integration is exactly what we were missing.",
    "Having every call logged in Salesforce automatically is huge for us.",
    "Pushing every call into HubSpot without manual work is the main reason we like it.",
    "The native HubSpot sync was the deciding factor for our ops lead.",
    "Our CRM finally shows what customers actually said on the calls.",
    "If it syncs with our CRM automatically that would be huge for us.",
]
PRICE = [
    "Honestly the price is way more than we pay for our current tool.",
    "Finance froze all new spend this quarter, so the budget is not there.",
    "It is too expensive for a team of our size right now.",
    "The per-seat cost doesn't work once we add the whole sales floor.",
    "We can't justify that price to our CFO this year.",
    "Another vendor quoted us about half of that.",
]
SECURITY = [
    "Our security team needs a SOC 2 report before we sign anything.",
    "Legal wants to review how you store customer recordings.",
    "We would need the data to stay in the EU for compliance reasons.",
    "Our CISO asked whether recordings are encrypted at rest.",
]
SMALL = ["The weather has been really nice this week.", "I spent the weekend hiking with my kids.",
         "We had a great time at the conference last month."]
SCRIPT = 'Our intranet literally showed <script>alert("pwned")</script> on the login page.'
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\") is what the spreadsheet showed."
REPS = ["Ann", "Bob", "Cara"]


def _calls() -> dict[str, tuple[str | None, str | None, str, str, list[str]]]:
    """call -> (deal, outcome, rep, date, customer lines): 8 won, 8 lost, 2 open, 1 no deal."""
    firsts = [SMALL[0], SMALL[1], SMALL[2], SCRIPT, FORMULA, SMALL[0], SMALL[1], SMALL[2]]
    calls = {}
    for i in range(8):  # won: CRM sync and time saved
        lines = [firsts[i], CRM[i % 6], CRM[(i + 2) % 6]]
        if i < 4:
            lines.insert(1, TIME[i])
        else:
            lines.append(CRM[(i + 4) % 6])
        calls[f"c{i:02d}"] = (f"D{i:02d}", "won", REPS[i % 3], f"2026-09-{1 + 3 * i:02d}", lines)
    for j in range(8):  # lost: price and security
        lines = [PRICE[j % 6], PRICE[(j + 3) % 6], SECURITY[j % 4]]
        if j % 3 == 0:
            lines.append(SMALL[j % 3])
        calls[f"c{8 + j:02d}"] = (f"D{8 + j:02d}", "lost", REPS[(j + 1) % 3],
                                  f"2026-10-{1 + 3 * j:02d}", lines)
    calls["c16"] = ("D16", "open", "Ann", "2026-10-26", [SECURITY[2], CRM[5], SMALL[0]])
    calls["c17"] = ("D17", "open", "Cara", "2026-10-28", [PRICE[1], CRM[1], SECURITY[3]])
    calls["c18"] = (None, None, "Bob", "2026-10-30", [CRM[0], PRICE[2], SMALL[1]])
    return calls


CALLS = _calls()
OPEN_CALLS = {"c16", "c17"}
NO_RECORDING = "c18"  # transcript only
AMOUNT = {f"D{i:02d}": 10000 + 1000 * i for i in range(18)}
STAGE = {"won": "Closed Won", "lost": "closedlost", "open": "Negotiation"}


def customer_start(line: int) -> float:
    """Start second of a call's n-th customer turn (see ``build_corpus``)."""
    return line * 7 + 2.5


def build_corpus(root: Path) -> tuple[Path, Path]:
    """calls.csv (imported JSON transcripts + WAV recordings) and deals.csv under ``root``."""
    (root / "t").mkdir(parents=True, exist_ok=True)
    (root / "audio").mkdir(exist_ok=True)
    calls = ["call_id,deal_id,rep,started_at,transcript,recording"]
    for call_id, (deal, _, rep, day, lines) in CALLS.items():
        segs = []
        for j, text in enumerate(lines):
            t = j * 7.0
            segs.append({"speaker": "Rep", "start": t, "end": t + 2, "text": f"Thanks, question {j}?"})
            segs.append({"speaker": "Customer", "start": customer_start(j), "end": t + 6, "text": text})
        (root / "t" / f"{call_id}.json").write_text(json.dumps(segs))
        recording = ""
        if call_id != NO_RECORDING:
            write_wav(root / "audio" / f"{call_id}.wav", [tone(len(lines) * 7.0, rate=8000)], rate=8000)
            recording = f"audio/{call_id}.wav"
        calls.append(f"{call_id},{deal or ''},{rep},{day},t/{call_id}.json,{recording}")
    deals = ["deal_id,stage,amount,created_at,closed_at"]
    for deal, outcome, *_ in CALLS.values():
        if deal:
            deals.append(f"{deal},{STAGE[outcome]},{AMOUNT[deal]},2026-08-01,2026-10-30")
    (root / "calls.csv").write_text("\n".join(calls) + "\n")
    (root / "deals.csv").write_text("\n".join(deals) + "\n")
    return root / "calls.csv", root / "deals.csv"


_BUILT: dict[str, Path] = {}


def library_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OUT folder of one real flow run on ``build_corpus`` (built once per session)."""
    if "out" not in _BUILT:
        from flows.nightly import nightly_insights

        base = tmp_path_factory.mktemp("library")
        calls, deals = build_corpus(base / "in")
        out = base / "out"
        nightly_insights(calls=str(calls), deals=str(deals), out=str(out),
                         settings={"min_support": 3, "theme_min_size": 3})
        _BUILT["out"] = out
    return _BUILT["out"]


# --- a small store: two identical sentences in different themes

TWIN = "Too pricey for us."  # said twice at the same second, in two themes
TWIN_THEMES = {1: ("T-price", "Pricing"), 2: ("T-budget", "Budget freeze")}
DIM = 4


def publish_run(out: Path, run_id: str, settings: dict | None) -> None:
    """Publish a run record (with ``settings`` unless None) and the twins' themes."""
    summary = {"run_id": run_id, "started_at": f"2026-10-0{run_id[-1]}T08:00:00+00:00",
               "input_root": str(out.parent), "deals_csv": None}
    if settings is not None:
        summary["settings"] = settings
    themes = pd.DataFrame([{"theme_id": t, "label": label} for t, label in TWIN_THEMES.values()])
    Store(out / "insights.db").publish(
        run_id, {"themes": themes}, [], summary,
        sentence_themes=[("t1", idx, t) for idx, (t, _) in TWIN_THEMES.items()])


def small_store(out: Path, settings: dict | None = None) -> Path:
    """One call: a rep question, then one customer turn whose two sentences have the same
    start and text but are different utterances (idx 1 and 2) in different themes."""
    store = Store(out / "insights.db")
    call = Call(call_id="t1", rep="Ann", deal_id="DX", started_at=datetime(2026, 10, 1, 9))
    segments = [Segment(0.0, 3.0, "rep", "Any concerns?"),
                Segment(4.0, 9.0, "customer", f"{TWIN} {TWIN}")]
    store.save_transcript(call, Transcript("t1", segments, "import:json", duration=10.0), "key-t1")
    eye = np.eye(DIM, dtype=np.float32)
    rows = [{"segment_idx": 0, "speaker": "rep", "start": 0.0, "end": 3.0,
             "text": "Any concerns?", "phrases": [], "embedding": eye[0]}]
    rows += [{"segment_idx": 1, "speaker": "customer", "start": 4.0, "end": 6.0, "text": TWIN,
              "phrases": ["pricey"], "objection": "price", "embedding": eye[i]} for i in (1, 2)]
    store.save_utterances("t1", "extract-key", rows)
    publish_run(out, "r1", settings)
    return out


class AnyEncoder:
    """Encodes every text to the same unit vector (the ranking is not under test)."""

    def encode(self, texts):
        return np.tile(np.eye(DIM, dtype=np.float32)[1], (len(texts), 1))
