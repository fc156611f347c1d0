"""A small corpus of imported transcripts with known won/lost phrasing, and a flow runner."""

from __future__ import annotations

import json
from pathlib import Path

WIN = [
    "The Salesforce integration is exactly what we were missing.",
    "If it syncs with our CRM automatically that would be huge for us.",
    "Pushing every call into HubSpot without manual work is the main reason we like it.",
]
LOSS = [
    "Honestly the price is way more than we pay for our current tool.",
    "Finance froze all new spend this quarter, so the budget is not there.",
    "It is too expensive for a team of our size right now.",
]
SMALL = ["The weather has been really nice this week.", "I spent the weekend hiking with my kids."]


def make_corpus(root: Path, n_won: int = 6, n_lost: int = 6, extra_rows: str = "") -> tuple[Path, Path]:
    (root / "t").mkdir(parents=True, exist_ok=True)
    calls, deals = [], []
    for i in range(n_won + n_lost):
        won = i < n_won
        deal = f"D{i:02d}"
        lines = [SMALL[i % 2], (WIN if won else LOSS)[i % 3], (WIN if won else LOSS)[(i + 1) % 3]]
        segs, t = [], 0.0
        for j, text in enumerate(lines):
            segs.append({"speaker": "Rep", "start": t, "end": t + 2, "text": f"Thanks, question {j}?"})
            segs.append({"speaker": "Customer", "start": t + 2.5, "end": t + 6, "text": text})
            t += 7
        (root / "t" / f"c{i:02d}.json").write_text(json.dumps(segs))
        calls.append(f"c{i:02d},{deal},{'Ann' if i % 2 else 'Bob'},2026-10-{i + 1:02d},t/c{i:02d}.json")
        stage = "Closed Won" if won else "closedlost"
        deals.append(f"{deal},{stage},{10000 + i * 1000},2026-09-01,2026-10-20")
    calls_csv = root / "calls.csv"
    calls_csv.write_text("call_id,deal_id,rep,started_at,transcript\n" + "\n".join(calls) + "\n" + extra_rows)
    deals_csv = root / "deals.csv"
    deals_csv.write_text("deal_id,stage,amount,created_at,closed_at\n" + "\n".join(deals) + "\n")
    return calls_csv, deals_csv


def run(calls, deals, out, **settings):
    from flows.nightly import nightly_insights

    return nightly_insights(calls=str(calls), deals=str(deals) if deals else None, out=str(out),
                            settings={"min_support": 3, "theme_min_size": 3, **settings})
