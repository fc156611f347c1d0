"""Synthesize the callinsight sample calls from scripts/dialogues.yaml.

Regenerate everything (from the repository root; takes about a minute):

    .venv/bin/python sample_calls/generate.py
    .venv/bin/python sample_calls/generate.py --only c07     # one call (CSVs are rewritten too)
    .venv/bin/python sample_calls/generate.py --out /tmp/x   # somewhere else

Needs on PATH: espeak-ng, sox (with libsox-fmt-all for Ogg Vorbis) and soxi; Python packages
PyYAML and numpy. No network.

What it writes under --out (default: this folder):
    audio/<call_id>.ogg      stereo Ogg Vorbis, 8 kHz: REP on channel 0 (left), CUSTOMER on
                             channel 1 (right); a channel is digital silence while the other
                             party talks (and in the gaps).
    reference/<call_id>.json the true timeline: [{"speaker", "start", "end", "text"}, ...]
                             (seconds, 2 decimals); the project's simple JSON transcript format.
    calls.csv                call_id,deal_id,rep,started_at,recording
    deals.csv                deal_id,stage,amount,created_at,closed_at,lead_source

How a call is made: each turn is spoken by espeak-ng (rep and customer voices from the script,
speed / pitch / word gap drawn from a per-call RNG seeded with `seed` and the call_id), resampled
to 8 kHz and band-limited to 300-3400 Hz by sox, trimmed to its speech, peak-normalised, and laid
out one after the other with 0.3-0.9 s gaps from the same RNG. Very light noise (about -60 dBFS)
is added to a party's channel only while that party speaks. Timings depend only on the script,
the seed and the espeak-ng version, so two runs give the same reference files; sox runs in
repeatable mode (-R), so the Ogg files normally come out byte-identical too.

Before writing anything the script checks the planted themes: the keyword rules in THEME_RULES
must find in each deal's customer turns exactly the themes listed under deals[].themes.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import wave
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "scripts" / "dialogues.yaml"

RATE = 8000  # telephone sample rate
BAND = "300-3400"  # telephone pass band (Hz)
PEAK = 0.5  # per-turn peak level after normalisation (about -6 dBFS)
NOISE_STD = 0.001  # line noise, about -60 dBFS, only while the party speaks
TRIM_THRESHOLD = 0.02  # |sample| above this fraction of the turn's peak counts as speech
PAD = 0.03  # seconds of the synthesized clip kept around the speech
GAP = (0.3, 0.9)  # pause between turns (s)
LEAD_IN = (0.4, 0.8)  # silence before the first turn (s)
TAIL = (0.5, 0.9)  # silence after the last turn (s)
SPEED = (146, 160)  # espeak-ng words per minute
PITCH = (38, 62)  # espeak-ng pitch (0-99)
WORD_GAP = (2, 4)  # espeak-ng extra pause between words (units of 10 ms)
VORBIS_QUALITY = "5"  # sox -C for Vorbis (-1..10)

SPEAKERS = ("rep", "customer")
CHANNEL = {"rep": 0, "customer": 1}
WON = {"closed won", "closedwon", "closed_won"}
LOST = {"closed lost", "closedlost", "closed_lost"}

# Where each deal's lead came from (deals.csv `lead_source`, read by the lead hand-off section);
# a deal in the script may set its own `lead_source`.
LEAD_SOURCES = {
    "D1001": "Referral", "D1002": "Webinar", "D1003": "Referral", "D1004": "Webinar",
    "D1005": "Paid search", "D1006": "Outbound", "D1007": "Referral", "D1008": "Referral",
    "D1009": "Webinar", "D1010": "Paid search", "D1011": "Outbound", "D1012": "Paid search",
    "D1013": "Webinar", "D1014": "Outbound", "D1015": "Paid search", "D1016": "Outbound",
    "D1017": "Webinar", "D1018": "Referral", "D1019": "Paid search",
}

# Keyword rules used to verify the planted themes (customer turns only).
THEME_RULES: dict[str, re.Pattern[str]] = {
    "crm_sync": re.compile(r"\b(crm|salesforce|hubspot|syncs?|integration)\b", re.I),
    "time_savings": re.compile(
        r"\b(save|saves|hours every week|manual|admin work|data entry|wastes?)\b", re.I
    ),
    "price": re.compile(
        r"\b(expensive|budget|price|prices|cost|costs|new spend|afford|cheaper|steep)\b", re.I
    ),
    "competitor": re.compile(r"\b(outreach|gong|salesloft|apollo|competitor|other vendor)\b", re.I),
    "security": re.compile(r"\b(security|soc 2|sso|single sign on|audit log|data is stored)\b", re.I),
}

# Rep lines planted to correlate with the outcome (rep turns; must never be customer speech).
REP_RULES: dict[str, re.Pattern[str]] = {
    "order_form": re.compile(r"\border form\b", re.I),
    "discount": re.compile(r"\bdiscount\b", re.I),
}


@dataclass
class Voice:
    name: str
    speed: int
    pitch: int
    word_gap: int


# --- script ---------------------------------------------------------------------------


def load_script(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    deals = {d["deal_id"]: d for d in data["deals"]}
    seen = set()
    for call in data["calls"]:
        cid = call["call_id"]
        if cid in seen:
            raise SystemExit(f"duplicate call_id {cid}")
        seen.add(cid)
        for key in ("rep", "started_at", "rep_voice", "customer_voice", "turns"):
            if not call.get(key):
                raise SystemExit(f"call {cid}: missing {key}")
        if call.get("deal_id") is not None and call["deal_id"] not in deals:
            raise SystemExit(f"call {cid}: unknown deal_id {call['deal_id']}")
        started = datetime.fromisoformat(call["started_at"])
        if started.tzinfo is None:
            raise SystemExit(f"call {cid}: started_at needs a UTC offset")
        for i, turn in enumerate(call["turns"], 1):
            if turn.get("speaker") not in SPEAKERS or not str(turn.get("text", "")).strip():
                raise SystemExit(f"call {cid} turn {i}: needs speaker rep|customer and text")
    for deal in data["deals"]:
        date.fromisoformat(deal["created_at"])
        if deal["closed_at"]:
            date.fromisoformat(deal["closed_at"])
    return data


def outcome(stage: str) -> str:
    key = stage.strip().lower()
    return "won" if key in WON else "lost" if key in LOST else "open"


def detected_themes(data: dict) -> dict[str, set[str]]:
    """Themes the keyword rules find in each deal's customer turns."""
    found: dict[str, set[str]] = {d["deal_id"]: set() for d in data["deals"]}
    for call in data["calls"]:
        if call.get("deal_id") is None:
            continue
        for turn in call["turns"]:
            if turn["speaker"] != "customer":
                continue
            for theme, rule in THEME_RULES.items():
                if rule.search(turn["text"]):
                    found[call["deal_id"]].add(theme)
    return found


def check_themes(data: dict) -> list[str]:
    """Compare declared and detected themes; return a list of problems."""
    problems = []
    found = detected_themes(data)
    for deal in data["deals"]:
        declared = set(deal.get("themes") or [])
        got = found[deal["deal_id"]]
        if declared != got:
            problems.append(
                f"{deal['deal_id']}: declared {sorted(declared)} but customer turns show {sorted(got)}"
            )
    # rep turns must not carry the win theme in lost deals (keeps the signal customer-only)
    lost = {d["deal_id"] for d in data["deals"] if outcome(d["stage"]) == "lost"}
    for call in data["calls"]:
        if call.get("deal_id") in lost:
            for turn in call["turns"]:
                if turn["speaker"] == "rep" and THEME_RULES["crm_sync"].search(turn["text"]):
                    problems.append(f"{call['call_id']}: rep mentions CRM sync in a lost deal")
    return problems


def theme_table(data: dict) -> str:
    """Ground-truth table: customer themes and planted rep lines per deal, then rep spread."""
    themes, rep_marks = list(THEME_RULES), list(REP_RULES)
    rows = [["deal_id", "outcome", "rep", "calls", *themes, *(f"rep:{m}" for m in rep_marks)]]
    spread: dict[str, dict[str, int]] = {t: {} for t in themes}
    for deal in data["deals"]:
        calls = [c for c in data["calls"] if c.get("deal_id") == deal["deal_id"]]
        reps = sorted({c["rep"] for c in calls})
        declared = set(deal.get("themes") or [])
        rep_text = " ".join(t["text"] for c in calls for t in c["turns"] if t["speaker"] == "rep")
        rows.append(
            [
                deal["deal_id"],
                outcome(deal["stage"]),
                "/".join(reps),
                " ".join(c["call_id"] for c in calls),
                *("x" if t in declared else "" for t in themes),
                *("x" if REP_RULES[m].search(rep_text) else "" for m in rep_marks),
            ]
        )
        if outcome(deal["stage"]) != "open":
            for t in declared:
                for rep in reps:
                    spread[t][rep] = spread[t].get(rep, 0) + 1
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append("\nclosed deals per theme by rep:")
    for t, counts in spread.items():
        lines.append(f"  {t:13s} " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items())))
    return "\n".join(lines)


# --- audio ----------------------------------------------------------------------------


def check_voices(data: dict) -> list[str]:
    """espeak-ng falls back silently on an unknown voice or a +variant it cannot apply
    (``en-gb+f2`` sounds exactly like ``en-gb``; write ``en+f2``): catch both."""
    listing = subprocess.run(
        ["espeak-ng", "--voices"], check=True, capture_output=True, text=True
    ).stdout.split("\n")[1:]
    known = set()
    for line in listing:
        cols = line.split()
        if len(cols) >= 5:
            known.update({cols[1].lower(), cols[4].lower(), cols[4].split("/")[-1].lower()})

    def speak(name: str) -> bytes:
        return subprocess.run(
            ["espeak-ng", "-v", name, "--stdout", "testing one two three"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip

    problems = []
    for name in sorted({c[f"{r}_voice"] for c in data["calls"] for r in SPEAKERS}):
        base = name.split("+")[0]
        if base.lower() not in known:
            problems.append(f"voice {name!r}: espeak-ng has no voice {base!r}")
        elif "+" in name and speak(name) == speak(base):
            problems.append(f"voice {name!r}: the variant has no effect (try 'en+...' for en-gb)")
    return problems


def call_rng(seed: int, call_id: str) -> random.Random:
    return random.Random(f"{seed}:{call_id}")


def pick_voices(call: dict, rng: random.Random) -> dict[str, Voice]:
    voices = {}
    for role in SPEAKERS:
        voices[role] = Voice(
            name=call[f"{role}_voice"],
            speed=int(call.get(f"{role}_speed") or rng.randint(*SPEED)),
            pitch=int(call.get(f"{role}_pitch") or rng.randint(*PITCH)),
            word_gap=int(call.get(f"{role}_word_gap") or rng.randint(*WORD_GAP)),
        )
    return voices


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1 or w.getframerate() != RATE:
            raise RuntimeError(f"unexpected WAV format in {path}")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0


def write_wav(path: Path, stereo: np.ndarray) -> None:
    pcm = np.clip(np.round(stereo * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(stereo.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def synthesize(text: str, voice: Voice, tmp: Path) -> tuple[np.ndarray, int, int]:
    """Speak one turn at 8 kHz in the telephone band.

    Returns (clip, lead, speech): the clip trimmed to its speech plus up to PAD seconds either
    side, the number of samples before the speech starts, and the speech length in samples.
    """
    raw, tel = tmp / "raw.wav", tmp / "tel.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch),
         "-g", str(voice.word_gap), "-w", str(raw), "--stdin"],
        input=text.encode("utf-8"), check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["sox", "-R", "-D", "-V1", str(raw), "-b", "16", "-c", "1", str(tel),
         "gain", "-n", "-6", "sinc", BAND, "rate", "-h", str(RATE)],
        check=True, capture_output=True,
    )  # fmt: skip
    audio = read_wav(tel)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r}")
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD * peak)
    pad = int(PAD * RATE)
    first, last = int(loud[0]), int(loud[-1]) + 1
    begin = max(0, first - pad)
    clip = audio[begin : min(audio.size, last + pad)]
    return clip * (PEAK / peak), first - begin, last - first


def render_call(call: dict, seed: int, audio_dir: Path, ref_dir: Path) -> list[dict]:
    cid = call["call_id"]
    rng = call_rng(seed, cid)
    voices = pick_voices(call, rng)
    clips, segments = [], []
    t = round(rng.uniform(*LEAD_IN), 2)
    with tempfile.TemporaryDirectory(prefix=f"callgen-{cid}-") as td:
        tmp = Path(td)
        for i, turn in enumerate(call["turns"]):
            if i:
                t = round(t + rng.uniform(*GAP), 2)
            role = turn["speaker"]
            clip, lead, speech = synthesize(turn.get("say") or turn["text"], voices[role], tmp)
            start, end = round(t, 2), round(t + speech / RATE, 2)
            clips.append((role, int(round(start * RATE)) - lead, clip))
            segments.append({"speaker": role, "start": start, "end": end, "text": turn["text"]})
            t = end
        total = int(round((t + rng.uniform(*TAIL)) * RATE))
        stereo = np.zeros((total, 2))
        noise = np.random.default_rng(zlib.crc32(f"{seed}:{cid}".encode()))
        for role, offset, clip in clips:
            ch = CHANNEL[role]
            stereo[offset : offset + clip.size, ch] += clip + noise.normal(0, NOISE_STD, clip.size)
        wav = tmp / "call.wav"
        write_wav(wav, stereo)
        out = audio_dir / f"{cid}.ogg"
        subprocess.run(
            ["sox", "-R", "-V1", str(wav), "-C", VORBIS_QUALITY, str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
    (ref_dir / f"{cid}.json").write_text(json.dumps(segments, indent=1) + "\n", encoding="utf-8")
    return segments


# --- CSVs and report ----------------------------------------------------------------------


def write_csvs(data: dict, out: Path) -> None:
    with (out / "calls.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["call_id", "deal_id", "rep", "started_at", "recording"])
        for call in sorted(data["calls"], key=lambda c: c["call_id"]):
            w.writerow(
                [call["call_id"], call.get("deal_id") or "", call["rep"], call["started_at"],
                 f"audio/{call['call_id']}.ogg"]
            )  # fmt: skip
    with (out / "deals.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["deal_id", "stage", "amount", "created_at", "closed_at", "lead_source"])
        for deal in data["deals"]:
            w.writerow(
                [deal["deal_id"], deal["stage"], deal["amount"], deal["created_at"],
                 deal["closed_at"] or "",
                 deal.get("lead_source") or LEAD_SOURCES.get(deal["deal_id"], "")]
            )  # fmt: skip


def soxi_duration(path: Path) -> float:
    res = subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True)
    return float(res.stdout.strip())


def report(data: dict, out: Path) -> None:
    deals = {d["deal_id"]: d for d in data["deals"]}
    print(f"\n{'call':5} {'deal':6} {'outcome':7} {'rep':7} {'turns':>5} {'dur_s':>6} "
          f"{'cust%':>6} {'KB':>6}")  # fmt: skip
    durations, total_bytes = [], 0
    for call in sorted(data["calls"], key=lambda c: c["call_id"]):
        cid = call["call_id"]
        path, ref = out / "audio" / f"{cid}.ogg", out / "reference" / f"{cid}.json"
        if not path.exists() or not ref.exists():
            continue
        dur = soxi_duration(path)
        segs = json.loads(ref.read_text(encoding="utf-8"))
        talk = {r: sum(s["end"] - s["start"] for s in segs if s["speaker"] == r) for r in SPEAKERS}
        share = 100 * talk["customer"] / max(1e-9, sum(talk.values()))
        size = path.stat().st_size
        durations.append(dur)
        total_bytes += size
        deal = call.get("deal_id") or ""
        oc = outcome(deals[deal]["stage"]) if deal else "-"
        print(f"{cid:5} {deal:6} {oc:7} {call['rep']:7} {len(segs):5d} {dur:6.1f} "
              f"{share:6.1f} {size / 1024:6.0f}")  # fmt: skip
    per = {"won": 0, "lost": 0, "open": 0}
    for d in data["deals"]:
        per[outcome(d["stage"])] += 1
    no_deal = sum(1 for c in data["calls"] if not c.get("deal_id"))
    print(f"\ncalls: {len(data['calls'])} ({no_deal} without a deal); deals: {len(data['deals'])} "
          f"(won {per['won']}, lost {per['lost']}, open {per['open']})")  # fmt: skip
    if durations:
        print(f"duration: min {min(durations):.1f} s, max {max(durations):.1f} s, "
              f"total {sum(durations) / 60:.1f} min; audio {total_bytes / 1e6:.2f} MB")  # fmt: skip
    print("\nplanted themes (customer speech, per deal):")
    print(theme_table(data))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: %(default)s)")
    ap.add_argument("--only", metavar="CALL_ID", help="synthesize just this call")
    ap.add_argument("--script", type=Path, default=SCRIPT, help="dialogue script (YAML)")
    args = ap.parse_args(argv)

    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found on PATH (apt-get install espeak-ng sox libsox-fmt-all)")
    data = load_script(args.script)
    problems = check_themes(data)
    if problems:
        raise SystemExit("planted themes do not match the script:\n  " + "\n  ".join(problems))
    problems = check_voices(data)
    if problems:
        raise SystemExit("voice problems:\n  " + "\n  ".join(problems))
    calls = data["calls"]
    if args.only:
        calls = [c for c in calls if c["call_id"] == args.only]
        if not calls:
            raise SystemExit(f"no call {args.only!r} in {args.script}")

    out: Path = args.out
    audio_dir, ref_dir = out / "audio", out / "reference"
    audio_dir.mkdir(parents=True, exist_ok=True)
    ref_dir.mkdir(parents=True, exist_ok=True)
    for call in calls:
        segs = render_call(call, int(data["seed"]), audio_dir, ref_dir)
        print(f"{call['call_id']}: {len(segs)} turns, {segs[-1]['end']:.1f} s", file=sys.stderr)
    write_csvs(data, out)
    report(data, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
