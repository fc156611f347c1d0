"""Synthetic sales-call corpus with known ground truth, for evaluation and benchmarks.

Deterministic by seed. Deals (won / lost / open, amounts) each have 1-4 calls with a rep
and a customer. Customer turns mix small talk and neutral product questions (common to
every outcome), short backchannels, filler words and person names with *planted themes*
whose sentences come from template grammars (many templates x slot fillers, so
paraphrases differ in wording). Some planted themes are far more frequent in won deals,
one in lost deals, and some objection themes are equally common in both (they must be
detected as objections but must not come out significant). Reps say lines that correlate
with the outcome too; only customer speech is analysed, so those must never surface.

``generate(...)`` builds the plan (deals, calls, which planted themes go where) eagerly,
which is small; call texts are produced lazily by :meth:`SyntheticCorpus.iter_calls` so a
10,000-call corpus (~10M words with ``words_per_call=1000``) streams in constant memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal

from callinsight.contracts import Call, Deal, Segment
from evaluation.synthetic_grammar import (  # noqa: F401
    _FORMATTER,
    _SLOT_CACHE,
    _START,
    _WORDS_PER_SECOND,
    _ZIPF,
    BACKCHANNEL,
    FILLER_PREFIX,
    NEUTRAL,
    PLANTED_THEMES,
    REP_GENERIC,
    REP_LOST,
    REP_WON,
    SLOTS,
    SMALL_TALK,
    Direction,
    PlantedTheme,
    _pick,
    _slots_of,
    render,
)

# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class SentenceTruth:
    """Ground truth of one customer sentence."""

    call_id: str
    segment_idx: int
    text: str
    theme: str | None  # planted theme name or None
    objection: str | None  # objection category or None
    kind: Literal["theme", "small_talk", "neutral", "backchannel"]


@dataclass(frozen=True)
class CallPlan:
    call_id: str
    deal_id: str
    rep: str
    started_at: datetime
    outcome: str
    themes: tuple[str, ...]  # planted theme mentions in this call (repeats allowed)
    seed: str


@dataclass
class SyntheticCall:
    call_id: str
    deal_id: str
    rep: str
    started_at: datetime
    segments: list[Segment]
    truth: list[SentenceTruth]

    def as_call(self) -> Call:
        return Call(call_id=self.call_id, rep=self.rep, deal_id=self.deal_id,
                    started_at=self.started_at)

    @property
    def n_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments)


@dataclass
class SyntheticCorpus:
    """Deals and call plans; call texts are generated on demand (deterministically)."""

    seed: int
    deals: dict[str, Deal]
    plans: list[CallPlan]
    themes: tuple[PlantedTheme, ...]
    words_per_call: int | None = None
    _cache: list[SyntheticCall] | None = field(default=None, repr=False)

    def iter_calls(self) -> Iterator[SyntheticCall]:
        """Calls one at a time (constant memory), in plan order."""
        for plan in self.plans:
            yield _make_call(plan, self.themes, self.words_per_call)

    @property
    def calls(self) -> list[SyntheticCall]:
        if self._cache is None:
            self._cache = list(self.iter_calls())
        return self._cache

    @property
    def call_meta(self) -> list[dict]:
        return [
            {"call_id": p.call_id, "deal_id": p.deal_id, "rep": p.rep, "started_at": p.started_at}
            for p in self.plans
        ]

    @property
    def segments(self) -> dict[str, list[Segment]]:
        return {c.call_id: c.segments for c in self.calls}

    @property
    def truth(self) -> list[SentenceTruth]:
        return [t for c in self.calls for t in c.truth]

    @cached_property
    def _truth_index(self) -> dict[tuple[str, int], list[SentenceTruth]]:
        index: dict[tuple[str, int], list[SentenceTruth]] = {}
        for t in self.truth:
            index.setdefault((t.call_id, t.segment_idx), []).append(t)
        return index

    def truth_of(self, call_id: str, segment_idx: int, text: str) -> SentenceTruth | None:
        """The planted sentence an extracted sentence comes from (containment match)."""
        cands = self._truth_index.get((call_id, int(segment_idx)), [])
        text = text.strip()
        for t in cands:
            if t.text == text:
                return t
        for t in cands:
            if text in t.text or t.text in text:
                return t
        return None

    def theme(self, name: str) -> PlantedTheme:
        return next(t for t in self.themes if t.name == name)

    def subset(self, deal_ids: Sequence[str]) -> SyntheticCorpus:
        keep = set(deal_ids)
        return SyntheticCorpus(
            self.seed, {d: v for d, v in self.deals.items() if d in keep},
            [p for p in self.plans if p.deal_id in keep], self.themes, self.words_per_call,
        )


# --------------------------------------------------------------------------- generation


def generate(
    n_deals: int | None = 70,
    *,
    seed: int = 0,
    n_calls: int | None = None,
    n_reps: int = 6,
    words_per_call: int | None = None,
    outcome_weights: tuple[float, float, float] = (0.45, 0.45, 0.1),
    calls_per_deal: Sequence[int] = (1, 2, 2, 3, 3, 4),
    themes: Sequence[PlantedTheme] = PLANTED_THEMES,
) -> SyntheticCorpus:
    """Plan a corpus of ``n_deals`` deals (or as many as ``n_calls`` calls need).

    Deal ``i``'s outcome, calls and planted themes depend only on ``(seed, i)``, so a
    bigger corpus with the same seed extends a smaller one. ``words_per_call`` pads each
    call with more small talk, neutral questions and rep explanations up to roughly that
    many words (None: short calls, ~150-250 words).
    """
    if n_deals is None and n_calls is None:
        raise ValueError("give n_deals or n_calls")
    reps = [f"rep_{chr(ord('a') + i)}" for i in range(n_reps)]
    deals: dict[str, Deal] = {}
    plans: list[CallPlan] = []
    i = 0
    while (n_calls is not None and len(plans) < n_calls) or (n_calls is None and i < n_deals):
        rng = random.Random(f"{seed}:deal:{i}")
        deal_id = f"D{i:05d}"
        outcome = rng.choices(("won", "lost", "open"), weights=outcome_weights)[0]
        amount = round(rng.lognormvariate(10.0, 0.6), -2)
        created = _START + timedelta(days=rng.randrange(0, 60))
        n_c = rng.choice(tuple(calls_per_deal))
        closed = created + timedelta(days=7 * n_c + rng.randrange(1, 20))
        deals[deal_id] = Deal(deal_id, outcome, amount, created,
                              closed if outcome != "open" else None,
                              {"won": "Closed Won", "lost": "Closed Lost"}.get(outcome, "Negotiation"))
        rep = rng.choice(reps)
        per_call: list[list[str]] = [[] for _ in range(n_c)]
        for theme in themes:
            p = {"won": theme.p_won, "lost": theme.p_lost}.get(outcome, theme.p_open)
            if rng.random() < p:
                mentions = 1 + (rng.random() < 0.5) + (rng.random() < 0.25)
                for _ in range(mentions):
                    per_call[rng.randrange(n_c)].append(theme.name)
        for j in range(n_c):
            if n_calls is not None and len(plans) >= n_calls:
                break
            call_id = f"C{i:05d}_{j}"
            plans.append(CallPlan(
                call_id, deal_id, rep, created + timedelta(days=7 * j, hours=rng.randrange(0, 8)),
                outcome, tuple(per_call[j]), f"{seed}:call:{call_id}",
            ))
        i += 1
    return SyntheticCorpus(seed, deals, plans, tuple(themes), words_per_call)


def _make_call(plan: CallPlan, themes: Sequence[PlantedTheme], words_per_call: int | None) -> SyntheticCall:
    rng = random.Random(plan.seed)
    by_name = {t.name: t for t in themes}
    turns: list[tuple[str, list[tuple[str, str | None, str | None, str]]]] = []
    # each turn: (speaker, [(sentence, theme, objection, kind)])

    def rep(*lines: str) -> None:
        turns.append(("rep", [(line, None, None, "rep") for line in lines]))

    def customer_sentence(kind: str, theme: PlantedTheme | None = None) -> tuple:
        prefix = rng.random() < 0.25
        pool = {"small_talk": SMALL_TALK, "neutral": NEUTRAL}.get(kind)
        template = rng.choice(theme.templates if theme else pool)
        text = render(template, rng, lowercase_start=prefix)
        if prefix:
            text = rng.choice(FILLER_PREFIX) + text
        return (text, theme.name if theme else None, theme.objection if theme else None, kind)

    def customer(*sentences: tuple) -> None:
        turns.append(("customer", list(sentences)))

    rep(render(rng.choice(REP_GENERIC[:1]), rng), "How's your week going?")
    customer(customer_sentence("small_talk"), customer_sentence("small_talk"))
    body: list[str] = list(plan.themes)
    rng.shuffle(body)
    n_neutral = 2 + rng.randrange(3)
    slots: list[str | None] = body + [None] * n_neutral
    rng.shuffle(slots)
    for name in slots:
        rep(render(rng.choice(REP_GENERIC), rng))
        if name is None:
            sents = [customer_sentence("neutral")]
        else:
            sents = [customer_sentence("theme", by_name[name])]
        if rng.random() < 0.3:
            sents.insert(0, (rng.choice(BACKCHANNEL), None, None, "backchannel"))
        if rng.random() < 0.2:
            sents.append(customer_sentence("neutral"))
        customer(*sents)
        if rng.random() < 0.3:
            rep("Got it.")
            customer((rng.choice(BACKCHANNEL), None, None, "backchannel"))
    if words_per_call:
        words = sum(len(s[0].split()) for _, ss in turns for s in ss)
        while words < words_per_call - 40:
            r = rng.random()
            rep_line = render(rng.choice(REP_GENERIC), rng)
            rep(rep_line, render(rng.choice(REP_GENERIC), rng))
            kind = "neutral" if r < 0.6 else "small_talk"
            sents = [customer_sentence(kind)]
            if rng.random() < 0.5:
                sents.append(customer_sentence("neutral"))
            if rng.random() < 0.3:
                sents.insert(0, (rng.choice(BACKCHANNEL), None, None, "backchannel"))
            customer(*sents)
            words += sum(len(s[0].split()) for s in sents) + len(rep_line.split()) + 8
    closing = REP_WON if plan.outcome == "won" else REP_LOST if plan.outcome == "lost" else ()
    if closing and rng.random() < 0.8:
        rep(rng.choice(closing))
    else:
        rep("Thanks again, talk soon.")
    customer(("Sounds good, talk soon.", None, None, "backchannel"))

    segments: list[Segment] = []
    truth: list[SentenceTruth] = []
    t = 0.0
    for speaker, sents in turns:
        text = " ".join(s[0] for s in sents)
        dur = max(0.6, len(text.split()) / _WORDS_PER_SECOND)
        idx = len(segments)
        segments.append(Segment(round(t, 2), round(t + dur, 2), speaker, text))  # type: ignore[arg-type]
        t += dur + 0.3 + rng.random() * 0.5
        if speaker == "customer":
            for sent, theme, objection, kind in sents:
                truth.append(SentenceTruth(plan.call_id, idx, sent, theme, objection, kind))  # type: ignore[arg-type]
    return SyntheticCall(plan.call_id, plan.deal_id, plan.rep, plan.started_at, segments, truth)


# --------------------------------------------------------------------------- loading


def load_into_store(corpus: SyntheticCorpus, store, extractor, extract_key: str = "synthetic",
                    batch: int = 64) -> int:
    """Save every call's transcript and extracted utterances into a :class:`Store`."""
    from callinsight.contracts import Transcript

    n = 0
    pending: list[SyntheticCall] = []

    def flush() -> None:
        rows = extractor.extract({c.call_id: c.segments for c in pending})
        for c in pending:
            store.save_utterances(c.call_id, extract_key, rows[c.call_id])
        pending.clear()

    for call in corpus.iter_calls():
        transcript = Transcript(call.call_id, call.segments, "import:synthetic",
                                duration=call.segments[-1].end if call.segments else 0.0)
        store.save_transcript(call.as_call(), transcript, f"synthetic:{call.call_id}")
        pending.append(call)
        n += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return n


# --------------------------------------------------------------------------- evaluation


def f1(found: set, truth: set) -> float:
    if not found or not truth:
        return 0.0
    tp = len(found & truth)
    return 2 * tp / (len(found) + len(truth))


def evaluate_themes(
    corpus: SyntheticCorpus,
    theme_sentences: Mapping[str, set[tuple[str, int, str]]],
    directions: Mapping[str, str],
    q_values: Mapping[str, float],
    pool: set[tuple[str, int, str]],
    *,
    alpha: float = 0.05,
    min_f1: float = 0.6,
) -> dict:
    """Score themes against the planted ground truth.

    ``theme_sentences`` maps a theme id to its member sentences as (call_id, segment_idx,
    text); ``pool`` is every sentence that could have been clustered (the F1 is computed
    over it, so planted sentences that never entered clustering don't count against a
    method). Returns per planted theme the best-matching theme, its F1, direction and q,
    plus the significant themes that match nothing planted of the right direction.
    """
    truth_of = {key: corpus.truth_of(*key) for key in pool}
    planted: dict[str, set] = {t.name: set() for t in corpus.themes}
    for key, tr in truth_of.items():
        if tr is not None and tr.theme is not None:
            planted[tr.theme].add(key)
    per_planted = {}
    matched_ids: dict[str, str] = {}
    for pt in corpus.themes:
        best_id, best = None, 0.0
        for tid, members in theme_sentences.items():
            score = f1(members & pool, planted[pt.name])
            if score > best:
                best_id, best = tid, score
        per_planted[pt.name] = {
            "theme_id": best_id, "f1": round(best, 3), "expected": pt.direction,
            "direction": directions.get(best_id, "none") if best_id else "none",
            "q_value": q_values.get(best_id) if best_id else None,
            "n_planted": len(planted[pt.name]),
        }
        if best_id and best >= min_f1:
            matched_ids[best_id] = pt.name
        r = per_planted[pt.name]
        r["recovered"] = bool(
            best >= min_f1 and r["direction"] == pt.direction
            and (pt.direction == "none" or (r["q_value"] is not None and r["q_value"] < alpha))
        )
    # a significant theme is false unless most of its sentences come from one planted theme
    # of the same direction (a planted theme split in two significant parts is not false)
    false_sig, composition = [], {}
    for tid, direction in directions.items():
        if direction not in ("win", "loss"):
            continue
        members = [k for k in theme_sentences.get(tid, ()) if k in truth_of]
        kinds = _count(
            (tr.theme or tr.kind) if (tr := truth_of[k]) is not None else "?" for k in members
        )
        composition[tid] = dict(kinds.most_common(3))
        top, n_top = kinds.most_common(1)[0] if kinds else ("?", 0)
        planted_dir = {t.name: t.direction for t in corpus.themes}.get(top)
        if planted_dir != direction or n_top < 0.5 * max(1, len(members)):
            false_sig.append(tid)
    return {"planted": per_planted, "false_significant": false_sig, "composition": composition,
            "n_recovered": sum(r["recovered"] for r in per_planted.values())}


def _count(values):
    from collections import Counter

    return Counter(values)
