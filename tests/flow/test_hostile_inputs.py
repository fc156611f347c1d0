"""Hostile, broken and private inputs: the run goes on, each bad row says why,
no PII and no live markup reaches any output, and the inputs are untouched."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd

from support.audio import tone, write_wav

PII = {
    "email": "dana.kim@northwind.io",
    "phone": "415-555-0134",
    "card": "4111 1111 1111 1111",
    "ssn": "123-45-6789",
}
HOSTILE = ['<script>alert("x")</script>', '<img src=x onerror="alert(1)">']
WIN = ["The Salesforce integration is exactly what we were missing.",
       "If it syncs with our CRM automatically that would be huge for us."]
LOSS = ["Honestly the price is way more than we pay for our current tool.",
        "Finance froze all new spend this quarter, so the budget is not there."]


def checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def build_inputs(root: Path) -> tuple[Path, Path, dict[str, str]]:
    inp = root / "in"
    (inp / "t").mkdir(parents=True)
    outside = root / "outside.wav"
    write_wav(outside, [tone(1.0)])
    rows, expect = [], {}
    for i in range(10):
        won = i < 5
        lines = [(WIN if won else LOSS)[i % 2], (WIN if won else LOSS)[(i + 1) % 2]]
        if i == 0:
            lines.append(f"My email is {PII['email']} and my cell is {PII['phone']}.")
        if i == 1:
            lines.append(f"Use card {PII['card']}, my SSN is {PII['ssn']}.")
        if i == 2:
            lines += [HOSTILE[0] + " is what our old vendor sent us.", HOSTILE[1] + " and that too."]
        segs = [{"speaker": "customer" if k % 2 else "rep", "start": k * 5.0, "end": k * 5.0 + 4,
                 "text": text if k % 2 else "Could you tell me more?"}
                for k, text in enumerate(x for line in lines for x in ("Rep line?", line))]
        (inp / "t" / f"g{i}.json").write_text(json.dumps(segs))
        rep = "<b onmouseover=alert(2)>Ann</b>" if i == 3 else "Ann"  # markup in a CRM cell too
        rows.append(f"g{i},D{i},{rep},2026-10-0{i % 9 + 1},t/g{i}.json,")
    # the bad input matrix: file-level problems
    (inp / "empty.wav").write_bytes(b"")
    # fixed bytes: some random draws parse as a container without an audio stream
    (inp / "junk.mp3").write_bytes(random.Random(7).randbytes(4000))
    full = write_wav(inp / "full.wav", [tone(2.0)]).read_bytes()
    (inp / "full.wav").unlink()
    (inp / "trunc.wav").write_bytes(full[:40])
    write_wav(inp / "silent.wav", [np.zeros(16000), np.zeros(16000)])
    (inp / "notes.txt").write_text("this is a text file, not audio")
    (inp / "t" / "broken.vtt").write_text("WEBVTT\n\n00:00:xx --> nope\n<v Rep>hi\n")
    latin1 = "1\n00:00:01,000 --> 00:00:02,000\nCaf\xe9 cr\xe8me\n".encode("latin-1")
    (inp / "t" / "latin1.srt").write_bytes(latin1)
    (inp / "link.wav").symlink_to(outside)
    bad = {
        "missing": ("recording", "nope.wav", "nope.wav"),
        "empty": ("recording", "empty.wav", "empty"),
        "junk": ("recording", "junk.mp3", "decode"),
        "trunc": ("recording", "trunc.wav", "truncated"),
        "silent": ("recording", "silent.wav", "silent"),
        "textfile": ("recording", "notes.txt", "decode"),
        "badvtt": ("transcript", "t/broken.vtt", "broken.vtt"),
        "latin1": ("transcript", "t/latin1.srt", "UTF-8"),
        "escape": ("recording", "../outside.wav", "outside"),
        "absolute": ("recording", str(outside), "outside"),
        "symlink": ("recording", "link.wav", "outside"),
    }
    for call_id, (kind, path, reason) in bad.items():
        rec, tr = (path, "") if kind == "recording" else ("", path)
        rows.append(f"{call_id},D1,Ann,2026-10-05,{tr},{rec}")
        expect[call_id] = reason
    rows.append("g0,D1,Ann,2026-10-05,t/g0.json,")  # duplicate call_id
    rows.append("baddate,D1,Ann,31/02/2026,t/g1.json,")
    expect["baddate"] = "row"
    rows.append("unknowndeal,D999,Ann,2026-10-05,t/g3.json,")
    calls = inp / "calls.csv"
    calls.write_text("call_id,deal_id,rep,started_at,transcript,recording\n" + "\n".join(rows) + "\n")
    deals = inp / "deals.csv"
    deal_rows = [f"D{i},{'Closed Won' if i < 5 else 'closedlost'},{1000 * (i + 1)},2026-09-01,2026-10-20"
                 for i in range(10)]
    deal_rows += ["D20,closed_won,-5,2026-09-01,2026-10-20", "D21,closed_won,lots,2026-09-01,",
                  "D22,closed_won,100,someday,", "D3,closedlost,4000,2026-09-01,2026-10-22"]
    deals.write_text("deal_id,stage,amount,created_at,closed_at\n" + "\n".join(deal_rows) + "\n")
    return calls, deals, expect


def test_hostile_manifest_runs_and_leaks_nothing(tmp_path, prefect_server):
    from callinsight.cli import main

    calls, deals, expect = build_inputs(tmp_path)
    before = checksums(tmp_path / "in")
    out = tmp_path / "out"
    config = tmp_path / "settings.yaml"
    config.write_text("min_support: 2\ntheme_min_size: 2\n")
    exit_code = main(["run", "--calls", str(calls), "--deals", str(deals), "--out", str(out),
                      "--config", str(config)])
    assert exit_code == 0  # the run goes on past every bad row

    status = pd.read_csv(out / "calls_status.csv").fillna("")
    assert (status.status == "failed").sum() >= len(expect)
    ok = set(status.loc[status.status == "ok", "call_id"])
    assert {f"g{i}" for i in range(10)} <= ok and "unknowndeal" in ok
    failed = status[status.status == "failed"]
    for call_id, word in expect.items():
        reasons = " ".join(failed.loc[failed.call_id == call_id, "reason"])
        assert word.lower() in reasons.lower(), (call_id, reasons)
    assert "duplicate call_id" in " ".join(failed.reason)
    unknown = status[status.call_id == "unknowndeal"].iloc[0]
    assert unknown.status == "ok" and "D999" in unknown.reason
    html = (out / "report.html").read_text()
    for deal_row_problem in ("row 11", "row 12", "row 13", "duplicate deal"):
        assert deal_row_problem in html, deal_row_problem

    assert checksums(tmp_path / "in") == before  # inputs never modified

    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "insights.db" for p in files)
    for p in files:
        data = p.read_bytes()
        for kind, value in PII.items():
            assert value.encode() not in data, f"{kind} leaked into {p.name}"
            digits = "".join(c for c in value if c.isdigit())
            if digits:
                assert digits.encode() not in data, f"{kind} digits leaked into {p.name}"
        lowered = data.lower()
        for markup in (b"<script", b"<img", b"onerror=", b"onmouseover=", b"<b "):
            assert markup not in lowered, f"markup {markup!r} in {p.name}"
    db = (out / "insights.db").read_bytes()
    assert b"is what our old vendor sent us" in db  # the words around removed markup are kept
