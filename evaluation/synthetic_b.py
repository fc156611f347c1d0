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
_VOCAB = """
@a-pilot-accept= happy to move forward|send over the paperwork|kick off the pilot|book the kickoff|get the
trial started @a-integration-fit= syncs with our|plugs into our|works with our existing|native integration
@a-budget-approved= budget is approved|signed off on|money set aside|already in the budget|our champion
@a-pilot-decline= pass on the|decided against|not going to move|don't want to start @a-incumbent-locked=
already signed with|under contract with|locked into|we already use|renewed with
@pilot-accept= {yes} we're happy to move forward with the {pilot} {when}|{yes} send over the paperwork and
we'll kick off the pilot {when}|if you send over the paperwork today I can get it signed {when}|I talked to
{team} and we want to kick off the pilot {when}|let's get the trial started with {team}, no reason to
wait|put us down for the {pilot}, we're happy to move forward|can we kick off the pilot {when}? I don't
wanna lose momentum|{yes} we're in, happy to move forward, just send over the paperwork|go ahead and book
the kickoff, {team} is pretty excited about it|{yes} book the kickoff and we'll get the trial started
{when}|we'll sign the order form for the {pilot}, just send it to {person} @pilot-decline= {no} we're going
to pass on the {pilot}, {reason_d}|so we'll pass on the pilot, but thanks for all the time on this|{team}
decided against it, so we'll pass on the trial|{no} we decided against the {pilot}, {reason_d}|we met on
{day} and decided against the trial, {reason_d}|{no} we're not going to move forward with the {pilot}|I'm
sorry, we're not going to move ahead, we'll pass on the {pilot}|we talked it over and we don't want to start
a {pilot}, {reason_d}|{person} and I don't want to start a trial, {reason_d}|we're not going to move
forward, {boss} decided against the trial|it's a no on the {pilot} from {team}, {reason_d} @integration-fit=
oh nice, so it syncs with our {sys} automatically? that's {big}|the fact that it plugs into our {sys} is
{big}|we basically live in {sys}, so if it works with our existing setup that's {big}|so the native
integration with {sys} means the notes just land on the record?|if it syncs with our {sys} then the reps
don't have to change a thing|{person} saw that it plugs into our {sys} and got kind of excited|I poked at
the {sys} connector last night and it plugs into our instance fine, which is {big}|as long as it works with
our existing {sys} fields we're good|the native integration is {big}, it syncs with our {sys} in like real
time @budget-approved= good news, the budget is approved {quarter}|{boss} already signed off on the spend,
so money's not the problem|we have money set aside for this {quarter}, it's earmarked|it's already in the
budget, {boss} put it in {ago}|the budget is approved, so it's really just about picking the right
vendor|finance signed off on the spend {ago}, we're good there|{boss} is kind of our champion here, they
signed off on the budget {ago}|there's money set aside and the budget is approved {quarter}|{boss} is our
champion on this and it's already in the budget @incumbent-locked= we already signed with {comp} {ago}, so
I'm not sure where this fits|we're locked into a contract with {comp} until {month}|honestly we're under
contract with {comp} and people kind of like it|we just renewed with {comp} for {years}, so we're under
contract with them|we already use {comp} for recording calls, so this would be a second tool|{comp} is
pretty baked in here, we already signed with them for {years}|the thing is we're locked into {comp} and
legal won't touch the contract|we're still under contract with {comp} through {month}|we already use {comp}
and we already signed with them through {month}|we renewed with {comp} {ago}, and we're locked into that for
{years} @reference-request= could you connect me with a customer {like_us}?|do you have a case study for
{industry} companies?|before we go further I'd want to talk to a customer who's been on it a while|can you
send a couple of references, ideally {like_us}|is there someone in {industry} I could call about how it's
going for them|I'd love to see real numbers from a customer, like before and after|{person} is going to ask
me who else uses this, so a case study would help @security-review= our infosec team will need to review
this before anything gets signed|do you have a SOC 2 report you can share with {person}?|where are the
recordings actually stored, like {region}?|we'll have to send you our security questionnaire, it's
{long}|what's your data retention policy on the transcripts?|{person} in IT is going to ask about SSO and
encryption at rest|can we turn off recording for certain calls, for privacy reasons?|does our data get used
to train your models? infosec always asks @obj-budget= that's more than we usually pay for tools like
this|it's a bit pricey for a team our size, {hedge}|the per-seat price is going to be a tough sell here|we
don't really have budget for another tool this year|can you do anything on price? {price} a seat is
steep|{price} a seat is too rich for us, {hedge}|I think the cost is going to be a problem, not gonna lie
@obj-authority= I'd have to run it by {boss} first|this isn't really my call, {boss} makes these
decisions|I'll need to loop in {boss} before I can commit to anything|procurement has to get involved for
anything over {amount}|I can push for it internally but I can't sign anything myself|let me take it to
{boss} and see what they say @obj-need= I'm not sure we need this, our managers already listen to
calls|honestly we're doing fine with {old}|not sure it solves a real problem for us, {hedge}|I'm not
convinced the reps would actually use it|we're kind of ok with how things work today, {hedge}|what would
this give us that we don't get from {old}? @obj-timing= let me think about it and get back to you|now's not
a great time, we're in the middle of a {event}|can we revisit this {later}?|we've got a lot on our plate
until {month}|ask me again after {event2}, things are crazy|the timing just isn't great with the {event}
@obj-competitor= we're also looking at {comp}, their demo was pretty slick|how are you different from
{comp}, honestly?|{comp} quoted us quite a bit lower|we're talking to two other vendors, just so you
know|{person} used {comp} at her last job and keeps bringing it up @small= it's been {weather} here in
{city} all week|{wopen} it's {weather} again, {wremark}|my weekend was {wk}, {kid} had {activity} both
days|we went {trip} over the weekend, {tripremark}|did you catch the {sport} game last night?
{reaction}|sorry if you hear noise, {kid} is home {home}|I just got back from {city}, the flight was
{flight}|how's the weather over there? we're getting {weather} in {city}|{kid} started {activity} this month
so my saturdays are gone, ha|{wopen} I'm still thawing out, it's {weather} in {city} @decoy= ha, my weekend
was way too expensive, {kid} discovered the arcade|I need a vacation, like, badly{st}|honestly I need a nap
more than anything right now{st}|my boss is out today so it's nice and quiet{st}|I'd have to ask my wife,
she runs the calendar at home, lol|the timing on this rain is terrible, I just washed the car|not sure we
need another {sport} losing season, ha|{kid}'s daycare has better security than our office, ha|me and
{person} are competitors in the fantasy league{st}|concert tickets are so pricey now, we paid a fortune in
{city}|can't think about anything right now, still recovering from the {sport} game{st} @neutral= how long
does {setup} usually take?|does it work for {call_type} calls too?|can managers {feature} from the
{screen}?|what happens if a call {edge}?|so how does the {feat} work, exactly?|we've got about {n} reps,
mostly {motion}|right now {process}|our sales cycle is {cycle}, give or take|the main thing for us is
{goal}|is there a {platform} app or is it all in the browser?|how do the reps see their own {feat}?|does the
transcription cope with {language}?|can I {feature} without an admin login?|how far back does {feat} go?
|we're about {n} people on the sales floor, {motion} mostly|do the summaries go out {cadence}? @nextresp=
okay, send me a summary and I'll share it with {team}|cool, put some notes in an email and I'll take a
look|okay, can you send the deck from today?|alright, I'll read the recap when it comes through @runon=
we've also got a new manager starting|I'm juggling like three things today|sorry, my slack is blowing up
@post= who should we add as admins? probably {person} and me|when does training start for {team}?|can we get
{team} set up first, then everybody else|is there a kickoff deck I can forward to {person}?|how do I invite
the rest of the reps, is it by email?|what do you need from our IT guy to get accounts created?|can training
be recorded for people who can't make it live?|{person} wants to be an admin too, is that a problem?|do we
get a dedicated person for onboarding?|should we do the training {when2}? @back=
yeah|mm-hm|right|okay|sure|got it|yep|uh-huh|makes sense|okay, cool|right, right|mhm|oh interesting|huh,
okay @closing= {bye1}{bye2}
@yes= yeah,|okay,|sure,|alright,|yep,|honestly yes,|that works,|perfect,|sounds good, @no= so,|yeah,
so|honestly,|look,|okay so|I'll be straight with you, @reason_d= it's just not a fit for how we work|the
team wasn't sold on it|it didn't really click for us|we didn't see enough there|nobody really wanted to own
it @pilot= pilot|two-week pilot|thirty day pilot @when= |next week|on monday|starting the first|before month
end|as soon as you can|this sprint|after the long weekend @team= the inbound team|our SDRs|the west coast
pod|my team|the renewals group|our enterprise reps|the new hires|the EMEA folks|the mid-market squad
@person= Dana|Marcus|Priya|Tom|Keisha|Raj|Elena|Ben|Sofia|Hank @boss= my VP|our CFO|the CRO|Keisha, our head
of sales,|my director|the COO|our VP of revenue @ago= last week|a couple weeks ago|in the last planning
cycle|back in january|on friday|yesterday @quarter= this quarter|for Q3|for the second half|this fiscal
year|for next quarter @big= huge for us|honestly the whole ballgame|a big deal|most of why I'm on this
call|a really big plus|exactly what we need @sys=
salesforce|hubspot|zendesk|outreach|salesloft|dynamics|pipedrive @comp=
Gong|Chorus|Wingman|Avoma|Jiminny|Clari @month= march|june|the end of the year|october|next
spring|the fall @years= two years|another year|eighteen months|three years @industry=
logistics|healthcare|fintech|staffing|insurance|manufacturing @like_us= our size|in {industry}|with a team
like ours|that sells to {industry}|who switched from {comp} @long= like two hundred questions, sorry|a
monster, fair warning|long but pretty standard|mostly yes or no stuff @hedge= I think|just being honest|to
be fair|if I'm being real|I gotta say @price= $80|ninety bucks|a hundred and ten|$65|$120 @amount= ten
grand|$25k|fifty thousand|20k @old= spreadsheets|our weekly pipeline review|shadowing calls|manager
ride-alongs|the notes reps already write @event= reorg|CRM migration|hiring push|pricing change|office move
@later= next quarter|in a few months|after {month}|once things settle down @event2= the board meeting|sales
kickoff|our fiscal year end|the audit @city=
Denver|Chicago|Austin|Boston|Phoenix|Seattle|Atlanta|Toronto|Columbus|Portland @weather= super
rainy|freezing|weirdly warm|so humid|snowy|gray and windy|gorgeous actually @wopen= ugh,|oh man,|so|honestly
@wremark= I'm over it|the dog refuses to go outside|can't complain I guess|my commute was a mess @wk= pretty
chill|a blur|busy|honestly great|exhausting @kid= my daughter|my son|my oldest|the twins|my little one
@activity= soccer|a swim meet|a robotics thing|hockey practice|a birthday party|a dance recital @trip=
camping|up to the lake|to my in-laws|to a wedding|hiking @tripremark= it rained the whole time|super
relaxing|the drive was brutal|the kids loved it @sport= Cubs|Celtics|Broncos|Leafs|Seahawks|Braves|Suns|Blue
Jays @reaction= what a finish|brutal, just brutal|I stayed up way too late for that|I turned it off at
halftime @home= sick today|on spring break|because school's closed|for a teacher work day @flight= delayed
three hours|fine actually|a nightmare|bumpy but fine @st= ||, ha|, anyway|, sorry, tangent|, lol|, but
yeah|, whatever|, life, right?|, it's been a week @qtail= ||||just curious.|I'm asking for {person}.|that
came up last time.|we had issues with that before.|sorry if that's obvious.|asking because {person}
will.|that's a big one for {team}. @screen= dashboard|call page|weekly report|team view @platform=
mobile|desktop|ipad|android @language= spanish|french|heavy accents|crosstalk|bad audio|portuguese|german
@cadence= daily|after every call|weekly|to the whole team @region= which region|US or EU|whose cloud|which
data center @bye1= alright, thanks {repfirst}|okay cool|perfect|great|cool cool|alright|okay|thanks @bye2=
|, talk soon|, have a good one|, thanks for the time today|, appreciate it|, enjoy the rest of your day|,
bye now|, speak soon|, catch you later @setup= setup|the rollout|getting everyone set up|the admin side
@call_type= outbound|zoom|phone|international|after-hours @feature= leave comments|flag moments|build
playlists|filter by rep|export clips @edge= drops halfway|is in spanish|has like five people on it|runs over
an hour @feat= scoring|search|coaching view|keyword alerts|talk-ratio thing|summary email @n=
twelve|twenty|forty|eight|sixty|a hundred @motion= inbound|outbound|a mix of inbound and outbound|account
managers|SDRs and a few AEs @process= managers just spot-check a few calls a week|nobody really reviews
calls|we do a monthly call review|reps write their own notes after calls|coaching is pretty ad hoc @cycle=
about a month|six to eight weeks|like ninety days|two weeks for small deals @goal= ramping new reps
faster|getting managers time back|figuring out why deals stall|consistent messaging|better forecast calls
@when2= tuesday morning|next thursday|the week after next|before the team meeting @open= |||||uh,|um,
so|yeah so|I mean,|honestly,|you know,|okay so like,|so|well,|look,|right, so @tail= ||||||, if that makes
sense|, you know|, so yeah|, I think|, and yeah that's kinda where we are|, right?|- does that make sense?|,
to be honest|, anyway @cust_name=
Jen|Mike|Carla|Darnell|Wei|Ana|Greg|Tasha|Luis|Rachel|Omar|Bridget|Kofi|Hana @co_a=
North|Harbor|Blue|Summit|Cedar|Iron|Bright|Maple|Granite|Lakeshore @co_b=
Logistics|Health|Supply|Labs|Freight|Insurance|Staffing|Systems|Foods|Capital @day=
monday|tuesday|wednesday|friday
@r-greet= Hi {cust}, it's {repfirst} from {vendor}, thanks for hopping on.|Hey {cust}! Good to see you
again. How are things at {company}?|Morning {cust}, {repfirst} here with {vendor}. How's your week going?|Hi
there, thanks for making time, I know {company} is busy this time of year. @r-small= Ha, I hear you.|Oh no,
that sounds rough.|Nice, that sounds fun.|Same here honestly.|Ha, fair enough. @r-disc= How are your
managers coaching calls today?|Walk me through what happens after a first call.|What made you take this
meeting?|Who else on your side should be part of this?|How do you decide which calls get reviewed?|What does
a good quarter look like for your team?|What tools are the reps in every day? @r-pitch= So what we do is
record, transcribe and tag every call, then surface the moments that matter.|Managers get a weekly digest of
the calls worth listening to.|Reps can search every conversation by keyword.|The coaching view shows talk
ratio, questions asked and next steps. @r-ack= Got it, that's helpful.|Okay, makes
sense.|Understood.|Thanks, that's good context.|Right, totally. @r-answer= Good question. Yes, that's
covered.|Short answer, yes, I can show you in a minute.|That depends a bit on setup, but usually yes.|Let me
double check and send that over. @r-obj= Totally fair.|I hear that a lot, and it's a reasonable
concern.|That makes sense, let me see what I can do.|Understood, no pressure. @r-next= What I'd suggest from
here is getting a few of your reps hands-on for a couple weeks. How does that sound?|As a next step, I could
get one team using it for a couple of weeks. Would that work? @r-bye= Great, I'll send a recap this
afternoon.|Thanks {cust}, talk soon.|Appreciate the time, have a good one. @r-welcome= Hi {cust}, welcome
aboard! Excited to get {company} rolling.|Hey {cust}, thanks again. Let's plan the rollout. @r-post= Sure,
I'll set that up.|Yep, I'll send the invite.|We can do that, no problem.|Good call, I'll add that to the
plan.
"""


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
