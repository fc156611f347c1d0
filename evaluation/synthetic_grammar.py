"""The synthetic corpus' grammar: planted themes, small talk, questions and their templates.

Many templates x slot fillers, so paraphrases differ in wording; ``render`` fills a template
deterministically from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Direction = Literal["win", "loss", "none"]


# --------------------------------------------------------------------------- grammar

SLOTS: dict[str, tuple[str, ...]] = {
    # crm integration
    "crm": ("Salesforce", "HubSpot", "Dynamics", "Pipedrive", "Zoho", "our CRM"),
    "records": ("call notes", "activities", "contact records", "opportunity updates",
                "meeting summaries", "deal notes", "logged calls"),
    "auto": ("automatically", "on its own", "without anyone touching it", "in real time",
             "right after the call"),
    # admin time
    "task": ("data entry", "writing call notes", "admin work", "paperwork", "filling out forms",
             "status reports", "typing up meeting recaps", "manual logging"),
    "amount": ("five hours a week", "a full day every week", "half their afternoons",
               "about an hour a day", "way too much time", "two hours every day"),
    "who": ("my reps", "the team", "our account managers", "everyone on my team", "the SDRs"),
    # onboarding
    "hires": ("new hires", "new reps", "the new SDRs", "new account executives",
              "our latest hires"),
    "long": ("three months", "a full quarter", "about ninety days", "four months",
             "half a year"),
    "short": ("a few weeks", "a month", "three weeks", "six weeks"),
    # pricing
    "price": ("the price", "the per-seat cost", "the annual cost", "the quote you sent",
              "your pricing", "the license fee"),
    "finance": ("finance", "our CFO", "the finance team", "leadership"),
    "freeze": ("put a freeze on", "paused", "cut back on", "locked down"),
    "spend": ("new software spend", "tool purchases", "any new contracts",
              "discretionary spending"),
    "until": ("until next year", "for the rest of the year", "this quarter", "for now"),
    # security
    "sec": ("our security team", "IT", "our CISO", "the infosec folks", "compliance",
            "our legal team"),
    "doc": ("SOC 2 report", "SOC 2 Type II report", "pen test results",
            "security documentation", "data processing agreement", "ISO 27001 certificate"),
    # timing
    "when": ("next quarter", "after the holidays", "in the new fiscal year",
             "once our reorg is done", "after our busy season", "in the spring"),
    # authority
    "boss": ("my VP", "our CRO", "the head of sales", "my boss", "our COO",
             "the leadership team"),
    # small talk and neutral
    "weather": ("rainy", "freezing", "really nice", "way too hot", "gray and windy", "sunny"),
    "weekend": ("at my daughter's soccer tournament", "hiking up north", "painting the kitchen",
                "visiting my in-laws", "watching movies", "at the lake"),
    "team": ("Lakers", "Yankees", "Packers", "Celtics", "Giants", "Cubs"),
    "city": ("Denver", "Chicago", "Austin", "Boston", "Seattle", "Atlanta", "Phoenix"),
    "name": ("Sarah", "Mike", "Jessica", "David", "Priya", "Carlos", "Emily", "Tom",
             "Rachel", "Kevin", "Megan", "Brian"),
    "fullname": ("Sarah Miller", "Mike Johnson", "Jessica Chen", "David Brooks",
                 "Priya Patel", "Carlos Garcia", "Emily Davis", "Tom Walsh"),
    "metric": ("talk time", "call volume", "team activity", "conversion by stage",
               "meetings booked"),
    "fmt": ("Excel", "CSV", "Google Sheets", "PDF"),
    "n": ("twenty", "thirty", "forty", "fifty", "sixty", "eighty"),
    "k": ("two", "three", "four", "five"),
    "segment": ("mid-market companies", "hospitals", "retailers", "manufacturers",
                "universities", "law firms"),
    "day": ("Monday", "Tuesday", "Thursday", "Friday"),
    "platform": ("Zoom", "Teams", "the phone", "Google Meet"),
    "tag": ("product line", "region", "deal stage", "campaign"),
    "feature": ("the search", "the dashboard", "the mobile app", "the scorecards",
                "the keyword alerts", "the coaching view"),
}


@dataclass(frozen=True)
class PlantedTheme:
    """A planted theme: its sentence grammar and how often deals of each outcome have it."""

    name: str
    direction: Direction  # the direction the statistics should find
    objection: str | None  # objection category its sentences belong to
    p_won: float
    p_lost: float
    templates: tuple[str, ...]

    @property
    def p_open(self) -> float:
        return (self.p_won + self.p_lost) / 2


PLANTED_THEMES: tuple[PlantedTheme, ...] = (
    PlantedTheme("crm_integration", "win", None, 0.7, 0.1, (
        "The fact that it pushes {records} into {crm} {auto} is a big deal for us.",
        "If {records} land in {crm} {auto}, the pipeline data would finally be accurate.",
        "We really like that the {crm} integration works out of the box.",
        "Having a native two-way sync with {crm} is honestly what sold me.",
        "Can it map our custom fields in {crm}? That integration is the main thing for us.",
        "Seeing {records} show up on the right account in {crm} would change how we forecast.",
        "The {crm} connector is exactly what our ops team has been asking for.",
        "As long as it writes back to {crm} {auto}, we're in good shape.",
        "I showed the {crm} sync to our RevOps lead and she loved it.",
        "Syncing {records} with {crm} {auto} would be a huge win.",
    )),
    PlantedTheme("admin_time_savings", "win", None, 0.65, 0.1, (
        "{who_cap} lose {amount} to {task}, and this would give that time back.",
        "Honestly the biggest win is cutting down the {task} that eats {amount}.",
        "If it saves {who} {amount} of {task}, that's more time actually selling.",
        "Nobody on my team wants to spend {amount} on {task} anymore.",
        "Less time on {task} means more selling time per rep, that's the whole pitch for me.",
        "{task_cap} is killing our productivity right now.",
        "Getting {who} out of {task} and back in front of customers is the goal.",
        "We measured it, {who} burn {amount} on {task}.",
        "Automating the {task} would free up so many hours for {who}.",
    )),
    PlantedTheme("onboarding_speed", "win", None, 0.6, 0.08, (
        "Right now it takes {long} to ramp {hires}, and we need that down to {short}.",
        "Getting {hires} productive faster is the top priority for our enablement team.",
        "If {hires} can learn from recorded calls, onboarding gets so much quicker.",
        "Our ramp time is way too long, {hires} take {long} to hit quota.",
        "We're hiring a lot this year, so faster onboarding is huge for us.",
        "The call library would help {hires} get up to speed in {short} instead of {long}.",
        "Shadowing takes forever, {hires} need a quicker way to learn the pitch.",
        "Onboarding {hires} in {short} would be a game changer.",
        "Training {hires} is slow because managers don't have time to coach everyone.",
    )),
    PlantedTheme("pricing_budget", "loss", "budget", 0.1, 0.65, (
        "Honestly {price} is more than we planned to pay for this.",
        "{finance_cap} {freeze} {spend} {until}.",
        "We just can't justify {price} for a team our size.",
        "{price_cap} is roughly double what we pay for our current tools.",
        "There's no money left this year for something like this.",
        "Unless you can come down a lot, {price} won't work for us.",
        "The numbers don't work, it costs too much for where we are.",
        "Our budget got slashed and {price} is out of reach.",
        "I like it, but we can't afford it right now.",
        "{price_cap} is hard to swallow when money is this tight.",
    )),
    PlantedTheme("security_review", "none", "security", 0.4, 0.4, (
        "Before we go further, {sec} will want to see your {doc}.",
        "Do you have a {doc} we can send over to {sec}?",
        "{sec_cap} is going to ask where the call recordings are stored.",
        "Anything that records customers has to pass a review with {sec}.",
        "How do you handle encryption of the recordings at rest?",
        "{sec_cap} will need to know who can access our data.",
        "We'd need single sign-on and an audit trail before {sec} is comfortable.",
        "Is customer data hosted in the US or in the EU?",
        "The vendor questionnaire from {sec} is pretty long, just so you know.",
    )),
    PlantedTheme("timing_later", "none", "timing", 0.3, 0.3, (
        "This probably makes more sense to revisit {when}.",
        "We're slammed right now, so realistically it would be {when}.",
        "The timing is just not great for us, maybe {when}.",
        "Can we pick this back up {when}?",
        "Nothing new is getting rolled out until {when}.",
        "Let's reconnect {when} when things calm down.",
    )),
    PlantedTheme("approval_needed", "none", "authority", 0.3, 0.3, (
        "I'd have to run this by {boss} before we commit to anything.",
        "Honestly it's not my call, {boss} decides on tools like this.",
        "{boss_cap} makes the final decision on purchases like this.",
        "I'll need to get {boss} on a call before anything gets signed.",
        "I can champion it internally, but {boss} has to approve it.",
        "Let me loop in {boss} since they own this decision.",
    )),
)

SMALL_TALK: tuple[str, ...] = (
    "The weather here has been {weather} all week.",
    "We spent the weekend {weekend}.",
    "Did you catch the {team} game last night?",
    "I flew back from {city} last night, so I'm still a bit jet-lagged.",
    "{name} from my team says hi, by the way.",
    "Sorry, my dog is barking in the background.",
    "Can you hear me okay? My connection is a bit spotty today.",
    "I've been drinking way too much coffee this week.",
    "{fullname} might join us in a few minutes.",
    "Sorry I'm a couple of minutes late, my last meeting ran over.",
    "It's been a crazy week over here, you know.",
    "My kids are off school this week, so it's chaos at home.",
    "I was talking to {name} about the {team} this morning.",
    "Traffic on the way in was terrible today.",
)
NEUTRAL: tuple[str, ...] = (
    "How does {feature} show {metric} for each rep?",
    "Can we export the reports to {fmt}?",
    "We have about {n} reps across {k} offices.",
    "Our team mostly sells to {segment}.",
    "Walk me through how {feature} works again.",
    "We run our weekly pipeline review on {day}.",
    "Most of our calls happen on {platform}.",
    "Is there a way to tag calls by {tag}?",
    "So managers would look at {metric} in {feature}?",
    "{name_poss} team ran a pilot of something similar last year.",
    "I think {feature} looks pretty intuitive.",
    "What happens if a rep forgets to hit record?",
)
BACKCHANNEL: tuple[str, ...] = (
    "Yeah.", "Okay, sure.", "Got it.", "Mm-hmm.", "Right, right.", "That makes sense.",
    "Sure.", "Okay.", "Yep, go ahead.", "Interesting.",
)
FILLER_PREFIX: tuple[str, ...] = (
    "Yeah, ", "So, ", "Honestly, ", "Um, ", "I mean, ", "You know, ", "Okay so ",
    "Yeah, you know, ", "So, kind of, ",
)
REP_GENERIC: tuple[str, ...] = (
    "Thanks for making time today, {name}.",
    "What does your current process look like?",
    "Let me share my screen and walk you through it.",
    "How many people are on your team right now?",
    "That's a great question.",
    "What would success look like for you this year?",
    "Does that make sense so far?",
    "Tell me more about that.",
    "Here's the view your managers would see every morning.",
    "Got it, that's really helpful context.",
    "How are you handling this today?",
    "We work with a lot of teams your size.",
    "Let me show you how the coaching view works.",
    "What's the biggest challenge for your team this quarter?",
)
REP_WON: tuple[str, ...] = (
    "I'll send the order form over tonight so legal can review it.",
    "Let's lock in a kickoff date with your team.",
    "I'll get our implementation team on the calendar for next week.",
    "Great, I'll draft the mutual action plan and share it.",
)
REP_LOST: tuple[str, ...] = (
    "I can ask my manager about extending the trial.",
    "Let me know if anything changes on your side.",
    "I'll check back with you in a few months then.",
    "Totally understand, I'll keep you posted on new features.",
)

_FORMATTER = string.Formatter()
_START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
_WORDS_PER_SECOND = 2.6


def _slots_of(template: str) -> tuple[str, ...]:
    return tuple(f for _, f, _, _ in _FORMATTER.parse(template) if f)


_SLOT_CACHE: dict[str, tuple[str, ...]] = {}


_ZIPF: dict[int, list[float]] = {}


def _pick(options: Sequence[str], rng: random.Random) -> str:
    """Zipf-like choice: the first filler is the most common (as Salesforce is among CRMs)."""
    n = len(options)
    cum = _ZIPF.get(n)
    if cum is None:
        weights = [1.0 / (r + 1) for r in range(n)]
        total, acc, cum = sum(weights), 0.0, []
        for w in weights:
            acc += w / total
            cum.append(acc)
        _ZIPF[n] = cum
    x = rng.random()
    for i, c in enumerate(cum):
        if x < c:
            return options[i]
    return options[-1]


def render(template: str, rng: random.Random, lowercase_start: bool = False) -> str:
    """Fill a template's slots (``{x}``; ``{x_cap}`` capitalised; ``{x_poss}`` possessive)."""
    slots = _SLOT_CACHE.get(template)
    if slots is None:
        slots = _SLOT_CACHE[template] = _slots_of(template)
    values = {}
    for slot in slots:
        base = slot.removesuffix("_cap").removesuffix("_poss")
        value = _pick(SLOTS[base], rng)
        if slot.endswith("_cap") and not lowercase_start:
            value = value[0].upper() + value[1:]
        elif slot.endswith("_poss"):
            value = value + "'s"
        values[slot] = value
    text = template.format(**values)
    if lowercase_start and not template.startswith("{") and not re.match(r"I\b|I'", text):
        text = text[0].lower() + text[1:]
    return text
