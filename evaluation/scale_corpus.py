"""Scale corpus: sales calls whose text does not repeat, for the speed benchmark only.

Why: :mod:`evaluation.synthetic` repeats itself (10,000 calls have 531,850 customer sentences
but only 2,014 distinct texts), so the embedding cache turns the sentence encoder into a
dictionary lookup and ``benchmarks/scale.py`` measures a cost that real speech, which hardly
ever repeats a sentence word for word, never has.

How the text stays distinct: every sentence is assembled from a template (~100 customer
templates over 14 buying topics, 28 short answers and questions, small talk, rep lines and
the planted themes' own templates), each with 2-5 slots whose fillers
(:mod:`evaluation.scale_vocab`, ~2,900 fillers in ~280 pools) may contain slots themselves:
seat counts, prices, weeks, percentages, tools, departments, roles, regions, industries, ...
Word-level pools (``{need}``, ``{really}``, ``{q_tail}``) vary wording at no cost in length.
Statements get a clause tail (joiner + tail template) 12% of the time and sentences a filler
("yeah", "um", "I mean") 20% of the time. Choices are uniform; a template's effective space
(1 / the chance two draws coincide) is ~1e5-1e7 sentences for business talk and ~3e4-3e5 for
small talk and planted themes, which are rarer. 10,000 calls (~360,000 customer sentences,
~15.8 words on average) have ~98% distinct customer sentences; most repeats are short
backchannels ("Right.", "Okay, sure."), ~1.8% of customer sentences. No person names appear.

Deals, outcomes (won / lost / open), amounts, reps, dates and which planted themes each call
mentions come from :func:`evaluation.synthetic.generate` (so deal ``i`` depends only on
``(seed, i)`` and a bigger corpus extends a smaller one); six planted themes (three that make
a win likelier, three a loss) have their own combinatorial templates. The signal is there so
the analysis has something real to find, but this corpus backs no quality claim: it is for
speed only (:mod:`evaluation.synthetic` and :mod:`evaluation.synthetic_b` are for quality).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from callinsight.contracts import Segment
from evaluation import scale_vocab as vocab
from evaluation.synthetic import (
    _WORDS_PER_SECOND,
    CallPlan,
    PlantedTheme,
    SentenceTruth,
    SyntheticCall,
    SyntheticCorpus,
    generate,
)

# planted themes: (name, direction, objection category, p_won, p_lost)
_THEME_SPECS: tuple[tuple[str, str, str | None, float, float], ...] = (
    ("pilot_results", "win", None, 0.6, 0.12),
    ("exec_sponsor", "win", None, 0.55, 0.12),
    ("rollout_planning", "win", None, 0.6, 0.15),
    ("budget_freeze", "loss", "budget", 0.12, 0.6),
    ("competitor_renewal", "loss", "competitor", 0.1, 0.55),
    ("priority_shift", "loss", "timing", 0.12, 0.55),
)
SCALE_THEMES: tuple[PlantedTheme, ...] = tuple(
    PlantedTheme(name, direction, objection, p_won, p_lost, vocab.THEMES[name])  # type: ignore[arg-type]
    for name, direction, objection, p_won, p_lost in _THEME_SPECS
)

T = TypeVar("T")

# --------------------------------------------------------------------------- template compiler
# A compiled template is a list of parts: a str (literal) or a tuple (a pool to pick from); a
# pool's entries are str (plain filler) or list (a filler with slots of its own).
Compiled = list
_FORMATTER = string.Formatter()
_POOLS: dict[str, tuple] = {}
_COMPILING: set[str] = set()


def _pool(name: str) -> tuple:
    if name not in _POOLS:
        if name in _COMPILING:
            raise ValueError(f"scale_vocab pool {name!r} refers to itself")
        _COMPILING.add(name)
        entries = vocab.POOLS[name].split("|")
        _POOLS[name] = tuple(_compile(e) if "{" in e else e for e in entries)
        _COMPILING.discard(name)
    return _POOLS[name]


def _compile(template: str) -> Compiled:
    parts: Compiled = []
    for literal, field, _, _ in _FORMATTER.parse(template):
        if literal:
            parts.append(literal)
        if field:
            parts.append(_pool(field))
    return parts


def _fill(parts: Compiled, rnd: Callable[[], float]) -> str:
    out = []
    for part in parts:
        if part.__class__ is str:
            out.append(part)
        else:
            value = part[int(rnd() * len(part))]
            out.append(value if value.__class__ is str else _fill(value, rnd))
    return "".join(out)


@dataclass(frozen=True)
class _Template:
    parts: Compiled
    literal_start: bool  # starts with literal text (not a slot): lowercase it after a filler
    question: bool


def _templates(texts: Sequence[str]) -> tuple[_Template, ...]:
    return tuple(_Template(_compile(t), not t.startswith("{"), t.rstrip().endswith("?")) for t in texts)


_CUSTOMER = {topic: _templates(ts) for topic, ts in vocab.CUSTOMER.items() if topic != "short"}
_TOPICS = tuple(_CUSTOMER)
_SHORT = _templates(vocab.CUSTOMER["short"])  # short answers and questions, mixed into every topic
_SMALL_TALK = _templates(vocab.SMALL_TALK)
_REP = _templates(vocab.REP["generic"])
_REP_TOPIC = {topic: _templates(vocab.REP[topic]) for topic in _TOPICS}
_REP_OPEN = _templates(vocab.REP_OPEN)
_REP_CLOSE = _templates(vocab.REP_CLOSE)
_CUSTOMER_CLOSE = _templates(vocab.CUSTOMER_CLOSE)
_TAILS = _templates(vocab.TAILS)
_THEME_TEMPLATES = {t.name: _templates(t.templates) for t in SCALE_THEMES}
_THEME_OBJECTION = {t.name: t.objection for t in SCALE_THEMES}

FILLER_P = 0.2  # a filler before a sentence
SHORT_P = 0.36  # a customer sentence is a short answer or question
TAIL_P = 0.12  # a clause tail after a statement
BACKCHANNEL_P = 0.015  # a customer turn starts with a backchannel


def _sentence(tpl: _Template, rnd: Callable[[], float], filler: bool = True, tail: bool = True) -> str:
    text = _fill(tpl.parts, rnd)
    if tail and not tpl.question and rnd() < TAIL_P:
        joiner = vocab.JOINERS[int(rnd() * len(vocab.JOINERS))]
        text = text[:-1] + joiner + _fill(_TAILS[int(rnd() * len(_TAILS))].parts, rnd) + "."
    if filler and rnd() < FILLER_P:
        prefix = vocab.FILLERS[int(rnd() * len(vocab.FILLERS))]
        if tpl.literal_start and not text.startswith(("I ", "I'")) and not text[1:2].isupper():
            text = text[0].lower() + text[1:]
        return prefix + text
    return text[0].upper() + text[1:]


def _pick(options: Sequence[T], rnd: Callable[[], float]) -> T:
    return options[int(rnd() * len(options))]


# --------------------------------------------------------------------------- corpus


Sent = tuple[str, str | None, str | None, str]  # (text, theme, objection, kind)


class ScaleCorpus(SyntheticCorpus):
    """:class:`SyntheticCorpus` (deals, plans, truth) whose calls come from the scale grammar."""

    def iter_calls(self) -> Iterator[SyntheticCall]:
        """Calls one at a time (constant memory), in plan order."""
        for plan in self.plans:
            yield make_call(plan, self.words_per_call or 1000)

    def subset(self, deal_ids: Sequence[str]) -> ScaleCorpus:
        keep = set(deal_ids)
        return ScaleCorpus(self.seed, {d: v for d, v in self.deals.items() if d in keep},
                           [p for p in self.plans if p.deal_id in keep], self.themes, self.words_per_call)


def generate_scale(n_calls: int, *, seed: int = 0, words_per_call: int = 1000) -> ScaleCorpus:
    """Plan ``n_calls`` calls (deals, outcomes, themes as :func:`evaluation.synthetic.generate`).

    Call ``k``'s text depends only on ``(seed, its call id)``; each call has about
    ``words_per_call`` words (rep and customer together, +-20%), about half of them customer.
    """
    base = generate(None, seed=seed, n_calls=n_calls, words_per_call=words_per_call, themes=SCALE_THEMES)
    return ScaleCorpus(base.seed, base.deals, base.plans, base.themes, words_per_call)


def make_call(plan: CallPlan, words_per_call: int = 1000) -> SyntheticCall:
    """One call's segments and customer-sentence truth, from ``plan.seed`` alone."""
    rng = random.Random(f"scale:{plan.seed}")
    rnd = rng.random
    target = words_per_call * (0.8 + 0.4 * rnd())
    turns: list[tuple[str, list[Sent]]] = []
    words = 0

    def add(speaker: str, sents: list[Sent]) -> None:
        nonlocal words
        turns.append((speaker, sents))
        words += sum(s[0].count(" ") + 1 for s in sents)

    def customer_line(tpl: _Template, kind: str = "neutral", theme: str | None = None) -> Sent:
        text = _sentence(tpl, rnd, tail=kind != "small_talk")  # no business tail on small talk
        return (text, theme, _THEME_OBJECTION.get(theme) if theme else None, kind)

    add("rep", [(_sentence(_pick(_REP_OPEN, rnd), rnd, filler=False), None, None, "rep")])
    add("customer", [customer_line(_pick(_SMALL_TALK, rnd), "small_talk")
                     for _ in range(1 + (rnd() < 0.5))])
    body: list[int] = []  # indexes of body customer turns
    while words < target - 70:  # the last exchange, planted mentions and the goodbye come on top
        name = _pick(_TOPICS, rnd)
        topic = _CUSTOMER[name]
        rep: list[Sent] = []
        if rnd() < 0.3:
            rep.append((_pick(vocab.REP_ACK, rnd), None, None, "rep"))
        lines = [_pick(_REP_TOPIC[name], rnd)] if rnd() < 0.6 else []
        lines += rng.sample(_REP, 1 + (rnd() < 0.6) + (rnd() < 0.3) - bool(lines))
        rep += [(_sentence(tpl, rnd), None, None, "rep") for tpl in lines]
        add("rep", rep)
        cust: list[Sent] = []
        if rnd() < BACKCHANNEL_P:
            cust.append((_pick(vocab.BACKCHANNEL, rnd), None, None, "backchannel"))
        for _ in range(1 + (rnd() < 0.6) + (rnd() < 0.3) + (rnd() < 0.1)):
            r = rnd()
            if r < 0.03:
                cust.append(customer_line(_pick(_SMALL_TALK, rnd), "small_talk"))
            elif r < 0.03 + SHORT_P:
                cust.append(customer_line(_pick(_SHORT, rnd)))
            else:
                cust.append(customer_line(_pick(topic if r < 0.88 else _CUSTOMER[_pick(_TOPICS, rnd)],
                                                rnd)))
        body.append(len(turns))
        add("customer", cust)
        if rnd() < 0.025:  # the rep explains at length, the customer only acknowledges
            add("rep", [(_sentence(_pick(_REP, rnd), rnd), None, None, "rep")])
            add("customer", [(_pick(vocab.BACKCHANNEL, rnd), None, None, "backchannel")])
    for name in plan.themes:  # planted mentions go into random body turns
        sents = turns[_pick(body, rnd)][1] if body else turns[1][1]
        sents.insert(int(rnd() * (len(sents) + 1)),
                     customer_line(_pick(_THEME_TEMPLATES[name], rnd), "theme", name))
    add("rep", [(_sentence(_pick(_REP_CLOSE, rnd), rnd, filler=False), None, None, "rep")])
    add("customer", [customer_line(_pick(_CUSTOMER_CLOSE, rnd))])

    segments: list[Segment] = []
    truth: list[SentenceTruth] = []
    t = 0.0
    for speaker, sents in turns:
        text = " ".join(s[0] for s in sents)
        dur = max(0.6, (text.count(" ") + 1) / _WORDS_PER_SECOND)
        idx = len(segments)
        segments.append(Segment(round(t, 2), round(t + dur, 2), speaker, text))  # type: ignore[arg-type]
        t += dur + 0.3 + rnd() * 0.5
        if speaker == "customer":
            for sent, theme, objection, kind in sents:
                truth.append(SentenceTruth(plan.call_id, idx, sent, theme, objection, kind))  # type: ignore[arg-type]
    return SyntheticCall(plan.call_id, plan.deal_id, plan.rep, plan.started_at, segments, truth)


def distinct_share(corpus: SyntheticCorpus, normalize: Callable[[str], str] | None = None) -> dict:
    """How often customer sentences repeat over the whole corpus (calls are streamed).

    Sentences are counted exactly as generated (``call.truth``, one entry per sentence), after
    ``normalize`` if given (e.g. ``callinsight.stages.extract.strip_discourse``, which is what
    the encoder sees). Distinct texts are kept as 64-bit hashes (~25 MB at 10k calls; chance of
    a collision ~1e-8).
    """
    seen: set[int] = set()
    n = calls = words = sentence_words = backchannels = 0
    for call in corpus.iter_calls():
        calls += 1
        words += call.n_words
        for tr in call.truth:
            text = normalize(tr.text) if normalize else tr.text
            seen.add(hash(text))
            n += 1
            sentence_words += tr.text.count(" ") + 1
            backchannels += tr.kind == "backchannel"
    return {
        "calls": calls, "customer_sentences": n, "distinct": len(seen),
        "share": round(len(seen) / n, 4) if n else 0.0,
        "mean_words": round(words / calls, 1) if calls else 0.0,  # per call, rep + customer
        "mean_sentence_words": round(sentence_words / n, 1) if n else 0.0,  # per customer sentence
        "backchannel_share": round(backchannels / n, 4) if n else 0.0,
    }


def write_files(corpus: SyntheticCorpus, out: Path) -> Path:
    """The corpus as a user's input: calls.csv, deals.csv and transcripts/*.json in ``out``."""
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    calls = []
    for c in corpus.iter_calls():
        segs = [{"speaker": "Rep" if s.speaker == "rep" else "Customer", "start": s.start, "end": s.end,
                 "text": s.text} for s in c.segments]
        (out / "transcripts" / f"{c.call_id}.json").write_text(json.dumps(segs))
        calls.append(f"{c.call_id},{c.deal_id},{c.rep},{c.started_at.isoformat()},transcripts/{c.call_id}.json")
    (out / "calls.csv").write_text("call_id,deal_id,rep,started_at,transcript\n" + "\n".join(calls) + "\n")
    stages = {"won": "closed_won", "lost": "closed_lost"}
    rows = [f"{d.deal_id},{stages.get(d.outcome, 'open')},{d.amount},"
            f"{d.created_at.date() if d.created_at else ''},{d.closed_at.isoformat() if d.closed_at else ''}"
            for d in corpus.deals.values()]
    (out / "deals.csv").write_text("deal_id,stage,amount,created_at,closed_at\n" + "\n".join(rows) + "\n")
    return out
