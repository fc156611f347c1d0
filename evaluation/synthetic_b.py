"""Second, independently written synthetic corpus of B2B inside-sales calls with known truth.

Outcomes are fixed first (exact won/lost/open counts, reps skewed by outcome); each planted
theme is then given to an exact share of the won and of the lost deals (``THEMES``), so themes
and outcomes are associated by construction. Only Prospect turns carry themes, objections and
planted phrases; Rep turns come from one pool shared by every deal.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from evaluation.synthetic_b_vocab import VOCAB

VENDOR = "Tallyloop"
# rep: (P(rep | won), P(rep | lost)); nina.r closes more than the others.
REPS = {"nina.r": (0.45, 0.25), "omar.t": (0.30, 0.35), "lee.w": (0.25, 0.40)}
# label: (expected verdict, share of won deals, share of lost deals)
THEMES: dict[str, tuple[str, float, float]] = {
    "pilot-accept": ("win", 0.55, 0.15),
    "integration-fit": ("win", 0.50, 0.15),
    "budget-approved": ("win", 0.50, 0.15),
    "pilot-decline": ("loss", 0.15, 0.55),
    "incumbent-locked": ("loss", 0.15, 0.50),
    "reference-request": ("none", 0.35, 0.35),
    "security-review": ("none", 0.35, 0.35),
}
PILOT = ("pilot-accept", "pilot-decline")  # same topic, opposite stance; never both in one deal
THEME_OBJECTION = {"incumbent-locked": "competitor", "security-review": "security"}
OBJECTION_RATES = {"budget": 0.35, "authority": 0.30, "need": 0.20, "timing": 0.35, "competitor": 0.20}
CATEGORIES = ("budget", "authority", "need", "timing", "competitor", "security")
# "@pool= alt|alt|..." (line breaks are spaces). First the planted anchor phrases of each win/loss theme
# (only that theme's sentences contain them), then customer pools, slots, and the Rep pools (shared by all).
_VOCAB = VOCAB



def _parse(text: str) -> dict[str, list[str]]:
    """Split the ``@pool= a|b`` block into pools of stripped alternatives."""
    chunks = re.split(r"@([\w-]+)= ", " ".join(text.split()))
    return {k: [a.strip() for a in v.split("|")] for k, v in zip(chunks[1::2], chunks[2::2], strict=True)}


POOLS = _parse(_VOCAB)
ANCHORS = {t: POOLS[f"a-{t}"] for t, v in THEMES.items() if v[0] != "none"}
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass
class Deal:
    """One opportunity and what its customer will say."""

    deal_id: str
    stage: str
    rep: str
    themes: set[str] = field(default_factory=set)
    objections: list[str] = field(default_factory=list)
    ctx: dict[str, str] = field(default_factory=dict)


def _norm(text: str) -> str:
    """Collapse spaces and drop the ones before punctuation."""
    return re.sub(r" +([,?.!])", r"\1", " ".join(text.split()))


def _fill(rng: random.Random, text: str, ctx: dict[str, str]) -> str:
    """Replace every ``{slot}`` (recursively) with a random choice or a fixed context value."""
    sub = _SLOT.sub(lambda m: ctx.get(m.group(1)) or _fill(rng, rng.choice(POOLS[m.group(1)]), ctx), text)
    return _norm(sub)


def _typo(rng: random.Random, text: str) -> str:
    """Swap two inner letters of one longer word."""
    words = text.split(" ")
    for i in rng.sample(range(len(words)), len(words)):
        if len(w := words[i]) >= 6 and w.isalpha():
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            break
    return " ".join(words)


def _say(rng: random.Random, pool: str, ctx: dict[str, str], used: set[str], styled: bool = True) -> str:
    """A customer sentence from ``pool`` with hedges, fillers, run-ons, typos and casing noise."""
    template = rng.choice([t for t in POOLS[pool] if t not in used] or POOLS[pool])
    used.add(template)  # no template twice in one call
    core = _fill(rng, template, ctx)
    if styled:
        if rng.random() < 0.12 and " " in core:
            first, rest = core.split(" ", 1)
            core = f"{first}{rng.choice([' uh', ', uh,', ' like', ', you know,'])} {rest}"
        if rng.random() < 0.08 and "?" not in core:
            core = f"{core}, and {rng.choice(POOLS['runon'])}"
        if "?" in core:
            tail = _fill(rng, rng.choice(POOLS["qtail"]), ctx) if rng.random() < 0.4 else ""
        else:
            tail = rng.choice(POOLS["st" if pool in ("small", "decoy", "post") else "tail"])
        core = _norm(f"{rng.choice(POOLS['open'])} {core} {tail}")
        if core[-1] not in "?.!":
            core += rng.choice([".", ".", ".", "", "!"])
        if rng.random() < 0.04:
            core = _typo(rng, core)
    first = core[0].upper() if rng.random() < 0.6 else core[0].lower()
    return first + core[1:]


def _labels(kind: str) -> list[str]:
    if kind in THEMES:
        return [kind] + ([f"objection:{THEME_OBJECTION[kind]}"] if kind in THEME_OBJECTION else [])
    if kind.startswith("obj-"):
        return [f"objection:{kind[4:]}"]
    return ["small-talk"] if kind in ("small", "decoy") else []


def _customer_items(rng: random.Random, planned: list[str], last: bool) -> list[str]:
    """Pools of one pre-decision call's customer turns, in speaking order (6-14 of them)."""
    stance = [k for k in planned if k in PILOT]
    middle = [k for k in planned if k not in PILOT]
    small = ["decoy" if rng.random() < 0.3 else "small" for _ in range(rng.randint(1, 2))]
    fill = ["neutral"] * rng.randint(2, 5) + ["back"] * rng.randint(1, 3)
    end = (stance or (["nextresp"] if last else [])) + ["closing"]
    while len(small) + len(middle) + len(fill) + len(end) > 14 and fill:
        fill.remove("neutral" if "neutral" in fill else "back")
    while len(small) + len(middle) + len(fill) + len(end) < 6:
        fill.append(rng.choice(["neutral", "back"]))
    middle += fill
    rng.shuffle(middle)
    if middle and middle[0] == "back":
        middle.append(middle.pop(0))
    return small + middle + end


def _rep_line(rng: random.Random, prev: str | None, cur: str, prev_text: str, ctx: dict[str, str]) -> str:
    """The Rep turn before a customer turn of kind ``cur``: reacts to the last turn, never to a theme."""
    if prev is None:
        return _fill(rng, rng.choice(POOLS["r-welcome" if cur.startswith("post") else "r-greet"]), ctx)
    if cur.startswith("post"):
        ctx["last_rep"] = rng.choice([r for r in POOLS["r-post"] if r != ctx["last_rep"]])
        return ctx["last_rep"]
    talk = ("small", "decoy")
    lead = rng.choice(POOLS["r-obj"]) if prev.startswith("obj-") else ""
    lead = lead or (rng.choice(POOLS["r-answer"]) if "?" in prev_text else "")
    if prev in talk and cur not in talk:
        lead = f"{rng.choice(POOLS['r-small'])} Anyway,"
    if cur in PILOT or cur == "nextresp":
        body = rng.choice(POOLS["r-next"])
    elif cur in ("closing", "back"):
        body = _fill(rng, rng.choice(POOLS["r-bye" if cur == "closing" else "r-pitch"]), ctx)
        lead = "" if cur == "closing" else lead
    elif cur in talk:
        body = "" if lead else rng.choice(POOLS["r-small"])
    else:
        body = rng.choice([q for q in POOLS["r-disc"] if q not in ctx["last_rep"]])
        lead = lead or (rng.choice(POOLS["r-ack"]) if rng.random() < 0.6 else "")
    if lead.endswith(","):
        body = body[0].lower() + body[1:]
    ctx["last_rep"] = _norm(f"{lead} {body}")
    return ctx["last_rep"]


Turn = tuple[str, str, list[str]]  # speaker, text, labels


def _transcript(rng: random.Random, kinds: list[str], ctx: dict[str, str]) -> list[Turn]:
    """Alternating (mostly) Rep/Prospect turns for one call."""
    turns: list[Turn] = []
    prev, prev_text, ctx["last_rep"], skipped, used = None, "", "", False, set()
    for kind in kinds:
        base = kind.removeprefix("post:")
        if prev is None or skipped or base in ("back", "closing", "nextresp", *PILOT) or rng.random() > 0.1:
            turns.append(("Rep", _rep_line(rng, prev, kind, prev_text, ctx), []))
        else:
            skipped = True  # the customer keeps talking, at most once a call
        text = _say(rng, base, ctx, used, styled=base not in ("back", "closing"))
        turns.append(("Prospect", text, _labels(base) + (["post-close"] if kind != base else [])))
        prev, prev_text = kind, text
    return turns


def _plan_deals(rng: random.Random, n_deals: int) -> list[Deal]:
    """Outcomes first, then exact per-outcome shares of each theme and objection."""
    n_open = round(0.1 * n_deals)
    n_won = round(0.5 * (n_deals - n_open))
    stages = ["open"] * n_open + ["closed_won"] * n_won + ["closed_lost"] * (n_deals - n_open - n_won)
    rng.shuffle(stages)
    deals = []
    for i, stage in enumerate(stages):
        col = 0 if stage == "closed_won" else 1
        weights = [w[col] for w in REPS.values()] if stage != "open" else [1, 1, 1]
        rep = rng.choices(list(REPS), weights=weights)[0]
        ctx = {"cust": _fill(rng, "{cust_name}", {}), "company": _fill(rng, "{co_a} {co_b}", {}),
               "repfirst": rep.split(".")[0].title(), "vendor": VENDOR}
        deals.append(Deal(f"D{3001 + i}", stage, rep, ctx=ctx))
    for stage, col in (("closed_won", 1), ("closed_lost", 2), ("open", 0)):
        group = [d for d in deals if d.stage == stage]

        def share(rates: tuple, group: list[Deal] = group, col: int = col) -> int:
            return round((rates[col] if col else (rates[1] + rates[2]) / 2) * len(group))

        for theme, rates in THEMES.items():
            pool = [d for d in group if not (theme in PILOT and d.themes & set(PILOT))]
            for d in rng.sample(pool, min(len(pool), share(rates))):
                d.themes.add(theme)
        for cat, rate in OBJECTION_RATES.items():
            for d in rng.sample(group, share(("", rate, rate))):
                d.objections.append(cat)
    return deals


def build(seed: int = 7, n_deals: int = 90) -> tuple[list[dict], list[dict], dict[str, list[dict]], dict]:
    """Generate (calls rows, deals rows, transcripts by call id, truth) in memory."""
    rng = random.Random(seed)

    def stamp(day: date) -> str:  # 20% date only
        t = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
        return day.isoformat() if rng.random() < 0.2 else t.isoformat()

    calls, deal_rows, transcripts, utterances = [], [], {}, []
    deals = _plan_deals(rng, n_deals)
    text_by_deal: dict[str, list[str]] = {}
    for d in deals:
        created = date(2025, 1, 6) + timedelta(days=rng.randint(0, 170))
        k = rng.choice((1, 2, 2, 3, 3))
        planned: list[list[str]] = [[] for _ in range(k)]
        for theme in sorted(d.themes):
            spots = [k - 1] if theme in PILOT else [rng.randrange(k)]
            if k > 1 and rng.random() < 0.3:
                spots.append(rng.choice([i for i in range(k) if i != spots[0]]))
            for s in spots:
                twice = theme not in PILOT and rng.random() < 0.2 and len(planned[s]) < 7
                planned[s] += [theme] * (2 if twice else 1)
        for cat in d.objections:
            planned[min(range(k), key=lambda i: len(planned[i]) + rng.random())].append(f"obj-{cat}")
        days, day = [], created
        for i in range(k):
            day += timedelta(days=rng.randint(1, 6) if i == 0 else rng.randint(4, 14))
            days.append(day)
        closed = days[-1] + timedelta(days=rng.randint(3, 21)) if d.stage != "open" else None
        plans = [(days[i], _customer_items(rng, planned[i], i == k - 1)) for i in range(k)]
        if d.stage == "closed_won" and rng.random() < 0.3:
            items = ["post:post"] * rng.randint(3, 6) + ["post:back"] * rng.randint(1, 2)
            rng.shuffle(items)
            items = ["post:small", "post:post"] + items
            plans.append((closed + timedelta(days=rng.randint(2, 12)), items + ["post:closing"]))
        for day, kinds in plans:
            cid = f"C{len(calls) + 1:04d}"
            turns, t, rows = _transcript(rng, kinds, d.ctx), rng.uniform(0.5, 2.0), []
            for speaker, text, labels in turns:
                dur = 0.4 * len(text.split()) + rng.uniform(0.1, 0.6)
                rows.append({"speaker": speaker, "start": round(t, 2), "end": round(t + dur, 2),
                             "text": text})
                t += dur + rng.uniform(0.15, 0.9)
                if speaker == "Prospect":
                    utterances.append({"call_id": cid, "text": text, "labels": labels})
                    if "post-close" not in labels:
                        text_by_deal.setdefault(d.deal_id, []).append(text.lower())
            transcripts[cid] = rows
            calls.append({"call_id": cid, "deal_id": d.deal_id, "rep": d.rep, "started_at": stamp(day),
                          "transcript": f"transcripts/{cid}.json"})
        deal_rows.append({"deal_id": d.deal_id, "stage": d.stage,
                          "amount": rng.randrange(5000, 120001, 500), "created_at": created.isoformat(),
                          "closed_at": closed.isoformat() if closed else ""})
    truth = {
        "expect": {t: v[0] for t, v in THEMES.items()},
        "utterances": utterances,
        "objections": {c: sorted({u["text"] for u in utterances if f"objection:{c}" in u["labels"]})
                       for c in CATEGORIES},
        "phrases": _phrases(deals, text_by_deal),
        "notes": _notes(),
    }
    return calls, deal_rows, transcripts, truth


def _phrases(deals: list[Deal], text_by_deal: dict[str, list[str]]) -> dict[str, list[str]]:
    """Planted anchors that really occur, in >= 3 deals and at twice the rate of the other outcome."""
    groups = {s: [" | ".join(text_by_deal.get(d.deal_id, [])) for d in deals if d.stage == s]
              for s in ("closed_won", "closed_lost")}
    out: dict[str, list[str]] = {"win": [], "loss": []}
    for theme, anchors in ANCHORS.items():
        win = THEMES[theme][0] == "win"
        fav, other = ("closed_won", "closed_lost") if win else ("closed_lost", "closed_won")
        for a in anchors:
            hits = {s: sum(a in txt for txt in g) for s, g in groups.items()}
            rate = {s: hits[s] / max(1, len(groups[s])) for s in groups}
            if hits[fav] >= 3 and rate[fav] >= 2 * rate[other]:
                out[THEMES[theme][0]].append(a)
    return out


def _notes() -> str:
    rates = "; ".join(f"{t}: {v[0]} (won {v[1]:.0%}, lost {v[2]:.0%})" for t, v in THEMES.items())
    return ("evaluation.synthetic_b. Outcomes drawn first: 10% open, closed deals 50/50 won/lost, reps "
            "drawn by outcome (nina.r wins more). Each theme then goes to an exact share of won and of lost "
            f"deals (open: the mean): {rates}. pilot-accept/pilot-decline: same topic, opposite stance, "
            "never in one deal. Objections budget/authority/need/timing/competitor hit equal shares of won "
            "and lost deals; incumbent-locked is also objection:competitor, security-review also "
            "objection:security. Small-talk decoys look like objections. ~30% of won deals get a post-close "
            "onboarding call (after closed_at), all its Prospect turns labelled post-close. Rep turns come "
            "from one shared pool. Phrases: planted anchors seen in >= 3 deals of their direction at >= 2x "
            "the other outcome's rate.")


def write_corpus(out_dir: Path, *, seed: int = 7, n_deals: int = 90) -> Path:
    """Write calls.csv, deals.csv, transcripts/*.json and truth.json into out_dir; return out_dir."""
    out_dir = Path(out_dir)
    (out_dir / "transcripts").mkdir(parents=True, exist_ok=True)
    calls, deals, transcripts, truth = build(seed, n_deals)
    for name, rows in (("calls.csv", calls), ("deals.csv", deals)):
        with open(out_dir / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    for cid, rows in transcripts.items():
        (out_dir / "transcripts" / f"{cid}.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> None:
    """``python -m evaluation.synthetic_b OUT_DIR [--seed N] [--deals N]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--deals", type=int, default=90)
    args = ap.parse_args(argv)
    print(write_corpus(args.out_dir, seed=args.seed, n_deals=args.deals))


if __name__ == "__main__":
    main()
