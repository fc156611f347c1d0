"""The second generator's word pools (one ``[pool]`` header per list), kept apart from its logic."""

VOCAB = """
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
