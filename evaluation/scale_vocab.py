"""Word pools and sentence templates of the scale corpus (:mod:`evaluation.scale_corpus`).

``POOLS`` maps a slot name to its fillers, ``|``-separated; a filler may itself contain slots
(``{slot}``), one level of nesting or more, never a cycle. Templates are full sentences ending
in ``.`` or ``?``; the generator capitalises the first letter, adds fillers at sentence starts
and clause tails (``JOINERS`` + ``TAILS``) to statements. Topics are B2B software buying talk;
there are no person names anywhere.
"""

from __future__ import annotations


def _nums(values: range | list[int], fmt: str = "{}") -> str:
    return "|".join(fmt.format(v) for v in values)


POOLS: dict[str, str] = {
    # ------------------------------------------------------------------ numbers
    "n_small": _nums(range(2, 13)),
    "n_team": _nums([*range(5, 60), *range(60, 400, 5)]),
    "n_wk": _nums(range(2, 17)),
    "n_mo": _nums(range(2, 19)),
    "n_hr": _nums(range(2, 21)),
    "n_yr": "two|three|four|five|2|3|4|5",
    "n_days": _nums(range(10, 400, 10)),
    "n_q": _nums(range(60, 410, 10)),
    "n_min": _nums(range(5, 65, 5)),
    "pct": _nums(range(5, 81), "{} percent") + "|" + _nums(range(5, 81), "{}%"),
    "p": _nums(range(15, 155, 5)),
    "k": _nums([*range(8, 100), *range(100, 410, 10)]),
    "year": "2027|2028|next year|the following year",
    "q": "1|2|3|4",
    "day_num": _nums(range(1, 29)),
    "month": "January|February|March|April|May|June|July|August|September|October|November|December",
    "weekday": "Monday|Tuesday|Wednesday|Thursday|Friday",
    "seat_price": "${p} a seat|${p} per user a month|about ${p} per license|roughly ${p} a head|"
                  "${p} per rep per month|${p} a user",
    "usd_total": "${k},000 a year|about ${k}k annually|${k},000 all in|north of ${k},000|"
                 "around ${k},000|${k}k for the first year",
    "weeks": "{n_wk} weeks|about {n_wk} weeks|almost {n_mo} months|a full quarter|most of last year|"
             "close to {n_wk} weeks",
    "hours": "{n_hr} hours|half a day|a full day|a couple of hours|an hour a day|{n_hr} or so hours",
    "time_ago": "last year|last spring|a few months ago|{n_mo} months ago|two years ago|last quarter|"
                "back in {month}",
    "timeframe": "next quarter|the end of the year|our sales kickoff|the holidays|the spring|"
                 "the budget reset|renewal season|our busy season|{month}|Q{q}|the end of {month}|"
                 "the new fiscal year|the second half|{month} {year}",
    "duration": "two years|a while now|{n_mo} months|most of the year|ages|"
                "longer than I'd like to admit",
    # ------------------------------------------------------------------ tools and vendors
    "tool": "Salesforce|HubSpot|Dynamics|Pipedrive|Zoho|Slack|Microsoft Teams|Zoom|Google Meet|Webex|"
            "Outlook|Gmail|Google Calendar|Jira|Confluence|Asana|Trello|Monday|Notion|Airtable|"
            "Smartsheet|Zendesk|Intercom|Freshdesk|ServiceNow|NetSuite|QuickBooks|Xero|Sage|Workday|"
            "SAP|Oracle|Marketo|Pardot|Mailchimp|Klaviyo|Segment|Mixpanel|Amplitude|Looker|Tableau|"
            "Power BI|Snowflake|BigQuery|Redshift|Databricks|Fivetran|Zapier|Workato|MuleSoft|Okta|"
            "SharePoint|Box|Dropbox|DocuSign|PandaDoc|Ironclad|Coupa|Gusto|Rippling|BambooHR|"
            "Greenhouse|Calendly|ZoomInfo|Apollo|LinkedIn Sales Navigator|Outreach|Salesloft|Dialpad|"
            "Aircall|RingCentral|Five9|Genesys|Twilio|Shopify|Stripe|Chargebee|Zuora|Gainsight|"
            "ChurnZero|Totango|Highspot|Seismic|Loom|Miro|Excel|Google Sheets|Freshsales|Insightly|Keap|"
            "Eloqua|Braze|Iterable|Qualtrics|SurveyMonkey|Typeform|Hootsuite|Sprout Social|Canva|"
            "Adobe Sign|Concur|Expensify|Brex|Navan|Procore|Veeva|Yardi|AppFolio|Toast|Square|"
            "Lightspeed|Clio|Guidewire|Samsara|Paylocity|Paycom|ADP|UKG|Pendo|Hotjar|Heap|Sisense|"
            "Domo|Qlik|Alteryx|Informatica|Boomi|Celigo|GitHub|GitLab|Datadog|PagerDuty|Splunk|"
            "CrowdStrike|Zscaler|LastPass|Duo|Slack Connect|Front|Help Scout|Kustomer|Gladly",
    "crm": "Salesforce|HubSpot|Dynamics|Pipedrive|Zoho|our homegrown CRM|the CRM|our Salesforce org|"
           "the old CRM|Dynamics 365",
    "competitor": "Gong|Chorus|Clari|Avoma|Fathom|Fireflies|Otter|Jiminny|Wingman|ExecVision|Allego|"
                  "Sybill|Grain|Modjo|Momentum|Attention|Salesloft Conversations|Zoom Revenue Accelerator|"
                  "Copilot|Mindtickle|a homegrown tool|a cheaper tool|the tool our parent company uses|"
                  "the vendor we had before",
    "phone_system": "Zoom|Teams|RingCentral|Dialpad|Aircall|our desk phones|Five9|Google Meet|Webex|"
                    "Genesys|cell phones|a softphone",
    "middleware": "Zapier|Workato|a custom script|our integration platform|MuleSoft|a contractor's "
                  "integration|a nightly CSV job",
    "sso": "Okta|Azure AD|Google Workspace|OneLogin|Ping|JumpCloud",
    "fmt": "Excel|CSV|Google Sheets|PDF|Snowflake|our data warehouse|Power BI|Tableau|BigQuery",
    # ------------------------------------------------------------------ organisation
    "dept": "sales|marketing|customer success|support|finance|legal|procurement|IT|RevOps|sales ops|"
            "enablement|the SDR team|the BDR team|account management|field sales|inside sales|"
            "partnerships|channel sales|product|engineering|HR|people ops|operations|the exec team|"
            "security|compliance|the data team|analytics|implementation|professional services|"
            "renewals|training|solutions engineering|presales|the contact center|marketing ops|field "
            "marketing|demand gen|growth|revenue enablement|the deal desk|billing|collections|the "
            "service desk|quality assurance|regional sales|the channel team|strategic accounts|the "
            "enterprise team|the mid-market team|the SMB team|investor relations",
    "role": "our VP of sales|the CRO|our CFO|the head of RevOps|my manager|the sales director|our COO|"
            "the CEO|the CIO|our IT director|the procurement lead|our general counsel|the controller|"
            "the enablement manager|our regional managers|the team leads|the frontline managers|"
            "our security officer|the data protection officer|the ops manager|the head of customer "
            "success|the founders|our CTO|the board|the regional VP|the sales managers|the finance "
            "director|the purchasing manager|my skip level|the head of marketing|the head of enablement|"
            "the VP of customer success|our chief of staff|our Salesforce admin|the IT security lead|"
            "the compliance officer|the managing partner|the practice lead|the regional director|the "
            "country manager|the head of inside sales|the director of sales development|the CMO|"
            "the VP of finance|the owner",
    "exec": "CEO|CRO|CFO|COO|chief revenue officer|VP of sales|head of sales|president|general manager|"
            "SVP of sales|founder|managing director|board chair|division head",
    "sec_who": "our security team|IT|our CISO|the infosec folks|compliance|our legal team|"
               "the privacy office|our auditors|the risk committee|vendor management",
    "finance_who": "our CFO|finance|the finance team|the board|leadership|corporate|our parent company|"
                   "procurement|the budget committee|the controller",
    "rep_kind": "SDRs|account executives|customer success managers|sales engineers|account managers|"
                "inside reps|field reps|renewal reps|channel managers|BDRs|new hires|team leads|SEs|CSMs|AEs|"
                "territory managers|key account managers|enterprise reps|mid-market reps|solutions "
                "consultants|onboarding specialists|telesales reps|outside reps|partner managers|"
                "sales managers|junior reps|senior reps|remote reps",
    "team_kind": "regional teams|managers|the enterprise team|SDR pods|partner managers|"
                 "the EMEA team|the west coast team|our franchise owners",
    "pilot_group": "the {rep_kind}|the {region} team|the managers|the pilot reps|the {dept} team|"
                   "my top reps|the new hires|a group of {n_small} reps",
    "segment": "regional banks|credit unions|insurance brokers|hospitals|dental clinics|veterinary "
               "practices|property managers|construction firms|HVAC contractors|auto dealerships|"
               "freight brokers|logistics companies|manufacturers|food distributors|restaurant groups|"
               "hotel groups|universities|school districts|law firms|accounting firms|staffing "
               "agencies|real estate brokerages|mortgage lenders|solar installers|utilities|telecom "
               "carriers|retail chains|online brands|software companies|IT resellers|medical device "
               "makers|pharma companies|biotech startups|nonprofits|city governments|fitness studios|"
               "senior living communities|home builders|trucking fleets|wholesale distributors|"
               "marketing agencies|architecture firms|engineering firms|energy companies|farm co-ops|"
               "car washes|self-storage operators|landscaping companies|pest control firms|plumbing "
               "contractors|roofing companies|elevator servicers|equipment rental shops|boat dealers|"
               "RV dealers|tire shops|security guard firms|cleaning services|catering companies|"
               "breweries|wineries|coffee roasters|bakeries|florists|print shops|sign makers|"
               "orthodontists|physical therapy clinics|urgent care centers|home health agencies|"
               "airlines|travel agencies|event venues|franchise owners|payroll providers|"
               "cybersecurity vendors|printing companies|packaging suppliers|chemical suppliers|"
               "furniture retailers|grocery chains|pharmacies|clinical labs|charter schools|museums",
    "region": "Ohio|Texas|the Midwest|the Pacific Northwest|Canada|the UK|Germany|Mexico|Australia|"
              "the Southeast|New England|Florida|California|Colorado|Arizona|Georgia|the Carolinas|"
              "Ireland|the Netherlands|France|Spain|Brazil|India|Singapore|Japan|Poland|the Nordics|"
              "Quebec|Ontario|the Bay Area|upstate New York|the Gulf Coast|Utah|Michigan|Minnesota|Nevada|"
              "Oregon|Washington state|Idaho|Montana|Kansas|Missouri|Iowa|Wisconsin|Illinois|Indiana|"
              "Kentucky|Tennessee|Alabama|Louisiana|Oklahoma|Nebraska|the Dakotas|New Jersey|"
              "Pennsylvania|Virginia|Maryland|Connecticut|Scotland|Belgium|Switzerland|Austria|Italy|"
              "Portugal|Chile|Colombia|Argentina|South Africa|the Philippines|Vietnam|New Zealand|"
              "the Middle East|Latin America|Asia Pacific|EMEA",
    "city": "Denver|Chicago|Austin|Boston|Seattle|Atlanta|Phoenix|Dallas|Houston|Miami|Portland|"
            "Nashville|Charlotte|Raleigh|Columbus|Cleveland|Detroit|Minneapolis|Kansas City|St Louis|"
            "Salt Lake City|San Diego|Sacramento|Toronto|Vancouver|Montreal|London|Dublin|Berlin|"
            "Amsterdam|Madrid|Paris|Sydney|Tampa|Orlando|Pittsburgh|Philadelphia|Baltimore|Omaha|"
            "Milwaukee|Indianapolis|Louisville|New Orleans|Albuquerque|Tucson|Boise|Spokane|Reno|"
            "Las Vegas|Fresno|Oakland|San Jose|Tacoma|Anchorage|Honolulu|El Paso|San Antonio|"
            "Fort Worth|Oklahoma City|Tulsa|Wichita|Des Moines|Madison|Grand Rapids|Cincinnati|"
            "Buffalo|Rochester|Hartford|Providence|Richmond|Norfolk|Savannah|Jacksonville|Birmingham|"
            "Memphis|Knoxville|Lexington|Calgary|Edmonton|Ottawa|Manchester|Edinburgh|Munich|"
            "Hamburg|Lisbon|Barcelona|Milan|Stockholm|Copenhagen|Oslo|Zurich|Warsaw|Prague|"
            "Melbourne|Auckland|Singapore|Bangalore|Mexico City|Monterrey|Bogota|Santiago",
    # ------------------------------------------------------------------ product and process
    "feature": "the call recording|the transcripts|the keyword alerts|the deal board|the forecasting "
               "view|the coaching scorecards|the talk ratio stats|the topic tracker|the search|the "
               "mobile app|the browser extension|the email digest|the manager dashboard|the playlists|"
               "the call library|the AI summaries|the action items|the follow-up drafts|the pipeline "
               "view|the win-loss report|the objection tracker|the competitor mentions|the redaction "
               "settings|the admin console|the permissions model|the API|the webhooks|the Slack alerts|"
               "the usage reports|the custom fields|the tagging|the translation|the speaker detection|"
               "the highlights|the comments|the calendar sync|the data export|the audit log|the deal "
               "warnings|the talk tracks|the battlecards|the meeting prep notes|the recap emails|"
               "the rep leaderboard|the question tracker|the next-step detection|the smart chapters|"
               "the snippet sharing",
    "feature_noun": "dashboard|mobile app|search|scorecard|browser extension|admin console|call library|"
                    "email digest|pipeline view|deal board|forecast screen|summary layout",
    "records": "call notes|activities|next steps|summaries|contact roles|deal stages|meeting outcomes|"
               "logged calls|opportunity updates|follow-up tasks|email threads"
               "|close dates|competitor fields|product interest|lead scores|renewal dates|quote "
               "numbers|support tickets|churn reasons",
    "metric": "win rate|average deal size|ramp time|talk to listen ratio|pipeline coverage|forecast "
              "accuracy|quota attainment|churn|net revenue retention|renewal rate|response time|first "
              "call resolution|meetings booked|show rate|demo to close conversion|sales cycle length|"
              "cost per lead|activity per rep|call volume|handle time|customer satisfaction|NPS|"
              "expansion revenue|stage conversion|time to first value|discount rate|upsell rate|"
              "lead response time|no-show rate|average handle time|gross margin|bookings|ARR|pipeline "
              "velocity|average selling price|multi-threading|follow-up time|email reply rate|"
              "connect rate|dials per day|trial conversion|time in stage|forecast variance|cohort "
              "retention|CSAT|logo churn|deal slippage|discount depth|rep attrition",
    "doc": "SOC 2 report|pen test summary|data processing agreement|security questionnaire|ISO 27001 "
           "certificate|business associate agreement|insurance certificate|master services agreement|"
           "order form|statement of work|SLA document|architecture diagram|data retention policy|"
           "subprocessor list|vendor risk assessment|accessibility report|GDPR addendum|disaster "
           "recovery plan|incident response policy|W-9",
    "pain": "manual data entry|copying notes into the CRM|chasing reps for updates|spreadsheets nobody "
            "trusts|duplicate records|missed follow-ups|stale pipeline data|guesswork in forecasting|"
            "long ramp times|inconsistent pitches|lost context between handoffs|endless status "
            "meetings|recordings nobody listens to|reps skipping the methodology|coaching that happens "
            "once a quarter|reports that take a week to build|deals slipping without warning|"
            "zero visibility into calls|too many disconnected tools|notes scattered across inboxes|"
            "managers flying blind on deals|rebuilding the forecast every Monday|reps reinventing the "
            "pitch|customer feedback getting lost|handoffs to {dept} falling apart|pricing exceptions "
            "nobody tracks|approvals stuck in email|renewals we forget about|quotes going out with "
            "errors|onboarding docs that are years old|reps cherry-picking leads|territory fights|"
            "a forecast built on gut feel|coaching notes nobody reads|calls nobody reviews|"
            "deal reviews that turn into storytelling"
            "|warranty claims piling up|invoices disputed for months|demos no-showing|RFP answers rewritten "
            "from scratch|commission disputes|clunky quoting|lead routing mistakes|voicemails nobody "
            "returns|shadow spreadsheets|compliance scripts skipped",
    "workaround": "a shared spreadsheet|sticky notes and memory|a weekly email thread|a Google Doc per "
                  "account|screenshots in Slack|a form in {tool}|recordings on someone's laptop|a "
                  "legacy {tool} setup|a whiteboard in the office|a macro one of the analysts wrote",
    "pain_adj": "a mess|barely holding together|slow|error prone|impossible to audit|fine until someone "
                "is out sick|painful at quarter end|a full-time job for somebody|frankly embarrassing",
    "use_case": "coaching new reps|deal reviews|onboarding|competitive intelligence|product feedback|"
                "forecast calls|renewal risk|qualification checks|handoffs from sales to {dept}|"
                "training {rep_kind}|call quality checks|pricing conversations|account planning"
                "|churn interviews|partner enablement|objection libraries|messaging tests|hiring "
                "interviews|escalation reviews|upsell plays|territory planning",
    "method": "MEDDIC|SPIN|Challenger|BANT|Sandler|value selling|command of the message|our own",
    "discovery_topic": "budget|timeline|decision makers|current tools|pain points|next steps|"
                       "competition|success criteria|the buying process|contract dates",
    "keyword": "{competitor}|cancellation|price increases|a specific feature|the new product line|"
               "delivery delays|contract terms|a data breach|switching vendors|the warranty|"
               "implementation fees|the {feature_noun}",
    "dimension": "region|segment|product line|deal stage|lead source|team|quarter|territory|tenure|"
                 "deal size|industry",
    "audience": "the board|the weekly forecast call|regional managers|the exec team|quarterly business "
                "reviews|the sales kickoff|the Monday pipeline meeting|our investors",
    "report": "call stats|coaching scores|deal summaries|topic trends|usage report|team activity|"
              "win-loss notes|adoption numbers|forecast snapshot",
    "included": "onboarding|the API|premium support|the {feature_noun}|storage for recordings|"
                "additional admin seats|the sandbox|single sign-on|training sessions for {dept}|"
                "the forecasting module|translation",
    "clause": "data ownership|termination rights|liability caps|uptime guarantees|price protection|"
              "auto-renewal|subprocessors|indemnification|data deletion|breach notification",
    "sensitive": "patients|card numbers|minors|employee disputes|legal matters|financial advice|"
                 "insurance claims|benefits enrollment",
    "pii": "credit card numbers|social security numbers|bank details|dates of birth|health "
           "information|home addresses|account numbers|driver's license numbers",
    "data_region": "the US|the EU|Canada|the UK|Australia|our own cloud account|a single region|Germany",
    "project": "a reorg|a CRM migration|an ERP rollout|annual planning|hiring for {n_small} new "
               "territories|a pricing change|an acquisition|a rebrand|an office move|a system audit|"
               "the switch to {crm}|a big product launch"
               "|a warehouse expansion|a website relaunch|a union negotiation|a tax audit|a leadership "
               "search|a data center migration",
    "event": "our sales kickoff|the new fiscal year|the summer slowdown|renewal season|the board "
             "meeting|our busy season|the product launch in {month}|the holidays|the user conference|"
             "the trade show in {city}|open enrollment"
             "|the partner summit|the investor day|inventory count|the annual audit|the spring catalog|the "
             "customer advisory board|the {dept} offsite",
    "busy_period": "end of quarter|our busy season|open enrollment|the holiday rush|a launch week|"
                   "month end|tax season|the back to school rush",
    "support_role": "customer success manager|support engineer|account manager|implementation lead|"
                    "solutions consultant|technical account manager",
    "bad_support": "pretty painful|a ticket black hole|slow and scripted|fine until we escalated|"
                   "great for the first month only|mostly chatbots|outsourced and slow",
    "term_len": "one-year|two-year|three-year|month-to-month|twelve-month|multi-year",
    "company_kind": "us|our parent company|public companies|a company our size|the group|"
                    "the franchise network|anyone in {segment}",
    "team_split": "inbound and outbound|by region|by industry|new business and renewals|small business "
                  "and enterprise|field and inside sales|by product line|hunters and farmers",
    "call_style": "short and transactional|long technical deep dives|mostly renewals|very relationship "
                  "driven|full of compliance language|heavy on pricing|mostly on the phone|often with "
                  "{n_small} people on the line|half in Spanish",
    "capability": "forecasting|coaching|call summaries|deal risk alerts|calls in other languages|"
                  "integration with {crm}|manager reporting|search across calls|data retention|"
                  "admin controls",
    "opinion": "people stopped logging in after a month|the transcripts were pretty rough|they liked "
               "the coaching part|it got expensive fast|the integration was flaky|nobody trusted the "
               "forecast numbers|the managers loved it but the reps didn't"
               "|the search was surprisingly good|setup took forever|it never really understood "
               "accents|support disappeared after signing|the summaries were hit or miss",
    "obj": "partner deals|renewals|support escalations|channel quotes|multi-year contracts|parent "
           "accounts|franchise locations",
    "period": "other week|month|time they pushed an update|quarter|time someone renamed a field",
    "chat_channel": "a Slack channel|our Teams channels|the deal rooms in Slack|a shared inbox|"
                    "the manager channel",
    "goal": "spot churn risk earlier|hear what customers say about {competitor}|find the best "
            "discovery calls|check that reps follow the {method} framework|prepare for quarterly "
            "reviews|catch pricing objections|share wins in the Monday meeting|collect feature requests",
    "since": "the last reorg|we moved to {crm}|we doubled the team|{month}|the start of the year|we went "
             "remote|the acquisition",
    "knowledge": "context on accounts|call notes|relationships|deal history|customer quirks|objection "
                 "handling tricks",
    "surprise": "a lost renewal|a competitor undercutting us|a pricing complaint|a product bug customers "
                "kept mentioning|our champion leaving|a deal stuck in legal|a churn spike in {region}"
                "|a shipping delay|a billing error|a rival's discount campaign|a recall rumor|a reseller "
                "going quiet|a procurement policy change",
    "cat": "tools like this|sales tooling|new software|enablement tools|the whole {dept} stack|"
           "anything call related",
    "fit": "probably fine|a stretch|right at the edge|a bit high|doable with a two-year term|workable "
           "if onboarding is included",
    "use_rarely": "log in once a month|need read-only access|join calls occasionally|look at reports "
                  "now and then|work part of the year",
    "term": "year|two years|contract|first year",
    "minutes": "a few minutes|an hour|the same day|{n_min} minutes",
    "response_time": "an hour|a couple of hours|{n_small} hours|the same business day",
    "net": "30|45|60|90",
    "hq_place": "headquarters|the parent company|our legal team in {region}|group procurement|"
                "the holding company",
    "topic_noun": "call reviews|forecasting|onboarding|coaching|CRM hygiene|deal reviews|win-loss "
                  "analysis|competitive intel|pricing approvals|handoffs to {dept}",
    "sync_speed": "within minutes|right after the call|automatically|on a schedule you pick|in real time",
    "deal_kind": "renewal|new logo deal|upsell|discovery call|demo|pricing call",
    "rollout": "a {n_wk}-week pilot with one team|starting with the managers|a phased rollout by region|"
               "a kickoff plus weekly office hours|a pilot in {region} first",
    "switch_reason": "the price at renewal|transcript quality|the admin overhead|how reps felt about it|"
                     "the add-on costs|support response times",
    "artifact": "a recap and the {doc}|a mutual action plan|pricing for {n_team} seats|a short video of "
                "{feature}|two customer references from {segment}|the implementation timeline",
    "concern": "pricing|security|timing|adoption|the integration|the contract terms|support|training",
    "next_step": "loop in {role}|review the {doc}|check with {dept}|share this with {role}|look at the "
                 "numbers again|talk to {dept} about seats|sort out the {doc}"
                 "|run it past {committee}|map out the seats|pull our usage numbers|write up a summary for "
                 "{role}|get {dept} to weigh in|compare it with {competitor}|check the budget for "
                 "{plan_period}|talk to our {exec}",
    "bad_thing": "long implementations|surprise price increases|shelfware|tools nobody adopted|vendors "
                 "who disappeared after signing",
    # ------------------------------------------------------------------ small talk
    "weather": "raining nonstop|freezing|really hot|foggy every morning|snowing on and off|honestly "
               "beautiful|super humid|windy and gray|weirdly warm",
    "weekend": "hiking up in the hills|at a soccer tournament|painting the garage|at a wedding in "
               "{city}|camping by the lake|moving apartments|at a concert|doing yard work|watching the "
               "playoffs|visiting family in {region}|at a cooking class|fixing the fence|cleaning out "
               "the basement|on a bike ride|at the farmers market"
               "|kayaking on the river|at a birthday party|assembling bunk beds|at a county fair|fishing off "
               "the pier|building a treehouse|at an escape room|refinishing a dresser|skiing|at a pottery "
               "class|planting tomatoes|at a high school reunion",
    "trip": "a conference in {city}|a week at the beach|a family trip to {region}|our offsite in {city}|"
            "a long weekend camping|visiting customers in {region}|a trade show in {city}",
    "sports_event": "the game|the playoff game|the hockey game|the match|the finals|the draft|"
                    "the late game|the tournament",
    "week_adj": "long|crazy|busy|strange|good|quiet",
    "week_reason": "board prep|{n_small} new hires starting|a server outage|quarter end|an all-hands|a "
                   "customer event|a team offsite|two audits at once"
                   "|a surprise site visit|a flooded basement at the office|the annual benefits enrollment|a "
                   "product recall drill|three interviews a day",
    "spot": "the car|a hotel lobby|the airport|our warehouse|a client site in {city}|my kitchen|a coffee "
            "shop|the train",
    "office_days": "two days|three days|four days|most days",
    "office_opinion": "people have mixed feelings about|has been good for onboarding|makes scheduling "
                      "calls harder|the managers love",
    "food": "tacos|barbecue|ramen|pizza|a burrito|leftovers|a salad|sushi|a sandwich|pho|a bagel|"
            "dumplings|curry|a smoothie|falafel|a burger|soup|oatmeal|a wrap",
}

# ---------------------------------------------------------------------------- customer talk by topic
# Every template has enough slots for hundreds of thousands of distinct sentences (lowercase
# word-level pools such as {need}, {really} or {q_tail} vary wording at no cost in length).
POOLS.update({
    "resist": "push back on|ignore|hate|quietly skip|complain about",
    "effortless": "effortless|one click|invisible|automatic|zero extra work|basically free for them",
    "skeptics": "the veterans|the top performers|the {rep_kind}|people in {region}|the old guard|"
                "managers who hate dashboards",
    "adopt": "adopt|use|open|trust|stick with|log into",
    "follow_along": "follow along|fall in line|copy that|take it seriously|start using it",
    "adoption_metric": "weekly logins|calls reviewed|comments left|playlists created|scorecards "
                       "filled out|summaries edited|searches run",
    "skeptical": "skeptical|nervous|touchy|uneasy|worried|split",
    "sensitive_call": "renewal|pricing|escalation|termination|collections|HR|legal",
    "criterion": "price|ease of use|the {crm} integration|security|support|transcript accuracy|"
                 "coaching features|reporting|contract flexibility|implementation time|references",
    "committee": "steering committee|buying committee|tech council|budget committee|IT review board|"
                 "architecture board|vendor council",
    "proof": "pilot|proof of concept|reference call|ROI model|security review|sandbox trial|"
             "side-by-side comparison",
    "decision_item": "anything over {usd_total}|multi-year deals|new vendors|the final price|"
                     "the contract terms|tools that record calls",
    "past_year": "2021|2022|2023|2024|2025|{month}|the spring|last fall",
    "day_when": "last night|on {weekday}|over the weekend|yesterday",
    "totally": "totally|completely|basically|really|kind of",
    "it_work": "their time|setup work|integration work|testing|SSO work",
    "needs_change": "needs changes|needs a redline|has to change|needs work|won't fly as written",
    "about": "about|roughly|around|maybe|close to|just over|just under",
    "probably": "probably|likely|maybe|I'd guess|realistically",
    "not_really": "not really|not yet|no|not today|not at the moment|honestly no",
    "yes": "yes|yep|we do|that's right|correct",
    "ramp_thing": "ramp|onboarding|a new territory|a renewal|procurement|security review|a typical deal",
    "deal_thing": "deals|renewals|pilots|RFPs|expansions",
    "need": "need|would need|have to have|really need|would want|will need|are going to need",
    "want": "want|need|would like|would love|are hoping for",
    "really": "really|pretty|super|quite|fairly|very|incredibly",
    "problem": "problem|issue|headache|pain|challenge|sticking point|blocker",
    "now": "right now|today|at the moment|currently|these days|lately",
    "right_now": "right now|today|honestly|at the moment|these days",
    "realistically": "realistically|honestly|probably|frankly|most likely",
    "us_tail": "| for us| on our side| in our case| here| for our team",
    "q_tail": "| exactly| by the way| on your end| today| in practice",
    "is_there": "is there|do you have|can you do|would you offer",
    "can_you": "can you|could you|would you|will you",
    "include": "include|cover|come with|already have",
    "do": "do|consider|go to|offer",
    "lives": "live|basically live|spend all day|work mostly",
    "anything": "anything|the rest|any feature|pricing, honestly",
    "direction": "one way|in one direction|into {crm}|from {phone_system}|out of {tool}",
    "how_often": "every night|every hour|in real time|once a week|on demand|after every call",
    "would": "would|will|might|probably",
    "ask": "ask|want to know|check|need to confirm",
    "perm": "full admin rights|write access to {records}|a service account|API access|its own license|"
            "a managed package",
    "actually": "actually|finally|definitely|probably",
    "look_at": "look at|read|use|pay attention to",
    "auto": "automatically|on its own|without anyone clicking|right away",
    "usually": "usually|typically|normally|realistically",
    "is_that": "is that|would that be|are we talking|does it take",
    "wider": "wider|company-wide|to {dept}|to the {rep_kind}|to everyone",
    "live_data": "live data|real customer calls|production|the real {crm}|our actual pipeline",
    "before": "before|ahead of|in time for|well before",
    "tiny": "tiny|small|three people|stretched thin|swamped|mostly contractors",
    "start_fresh": "do we start fresh|is that on us|does {dept} do it|is that a separate project",
    "want_doc": "want|ask for|need to see|insist on|review",
    "sec_area": "encryption|access control|data retention|subprocessors|incident response|backups|"
                "AI models|{clause}",
    "questionnaire": "questionnaire|vendor review|security assessment|risk review|intake form",
    "handle": "handle|automate|play|take care of",
    "restrict": "restrict|control|limit|lock down",
    "gets": "gets|is|ends up",
    "much": "a lot|way|much|really",
    "vendor_kind": "vendors|anything that records calls|new tools|cloud apps|tools touching {records}",
    "wont_have": "won't have|won't really have|doesn't have|won't have any",
    "starts": "starts|begins|kicks off|resets",
    "budget_thing": "new budget|the {spend} budget|headcount money|the tooling budget|discretionary money",
    "sort_out": "sort this out|figure this out|get it done|pick a vendor|get {dept} aligned",
    "rush": "rush|hard deadline|fire drill|pressure",
    "like": "like|love|want|hope",
    "behind": "behind|back for|aside for",
    "other_thing": "{project}|other priorities|{other_project}|hiring",
    "looking_at": "looking at|talking to|evaluating|getting demos from",
    "cares": "cares|worries|asks|keeps asking",
    "differently": "differently|better|that's different",
    "nicer": "nicer|cleaner|better|slicker|more flexible",
    "easier": "easier|simpler|more intuitive|faster",
    "budget_source": "their own budget|the {dept} budget|a discretionary fund|the regional budget",
    "switched": "switched|moved|migrated",
    "import": "import|bring over|migrate|keep",
    "viewer": "managers|the regional VPs|{role}|team leads|the reps themselves",
    "morning": "morning|night|before the forecast call|afternoon",
    "say": "say|actually say|promise|hear",
    "history": "history|data|recordings|transcripts",
    "period_cmp": "year over year|quarter over quarter|against last {month}|across {n_yr} years",
    "channel": "phone support|chat|a Slack channel|weekend coverage|an escalation line",
    "breaks": "breaks|goes down|stops syncing|acts up",
    "not_days": "days|next week|whenever|a ticket number",
    "queue": "ticket queue|shared inbox|chatbot|general support line",
    "support_q": "support|response time|escalation|onboarding help",
    "support_tier": "premium support|phone support|a dedicated {support_role}|the onboarding package|"
                    "24/7 coverage",
    "needs": "needs|requires|asks for|insists on",
    "legal": "legal|our general counsel|the legal team|outside counsel|our contracts team",
    "invoice": "annual|quarterly|monthly|consolidated|per-region",
    "always": "always|usually|will|definitely",
    "bigger": "bigger|larger|holding|private equity",
    "clause_bad": "auto-renewal|uncapped liability|a price increase clause|unlimited data retention|"
                  "the exclusivity clause",
    "changed": "changed|removed|taken out|rewritten",
    "too_many": "too many|way too many|a lot|too many for one person",
    "properly": "properly|well|every week|one on one",
    "share_of": "half of|most of|about a third of|a few of|maybe {pct} of",
    "different": "completely different|totally separate|their own|conflicting",
    "later": "later on|next year|after the pilot|once it sticks|in {month}",
    "use": "use|lean on|mostly use|probably use",
    "which_call": "first|discovery|second|demo|pricing",
    "cust_word": "customer|prospect|buyer|caller|decision maker",
    "often": "often|usually|mostly|almost always",
    "handle_that": "handle that|keep up with that|make sense of that|cope with that",
    "complaining": "complaining|on us|on my case|frustrated|asking questions",
    "guesswork": "guesswork|basically guesswork|a coin flip|mostly vibes|hit or miss",
    "all_their": "all their|their|most of their",
    "goes": "go with them|walk out the door|disappear|leave with them",
    "way": "way|much|months|weeks",
    "when_past": "last quarter|this year|in {month}|every single time",
})

CUSTOMER: dict[str, tuple[str, ...]] = {
    "pricing": (
        "We budgeted {usd_total} for {cat}, so {seat_price} is {fit}.",
        "Is {seat_price} the list price, or {is_there} a discount at {n_team} seats{us_tail}?",
        "For {n_team} seats over {n_yr} years, {can_you} hold {seat_price}{q_tail}?",
        "Our {tool} contract costs us {usd_total}, and {finance_who} will compare {everything} to that.",
        "Does {seat_price} {include} {included} for all {n_team} seats, or is {included} extra?",
        "Would you {do} {pct} off on {n_team} seats if we paid the {term} upfront?",
        "The per-seat model is {really} tricky, since {n_team} people in {dept} only {use_rarely}.",
        "We {need} the {n_team} seats priced separately for {dept} and {dept}.",
        "Our {tool} price went up {pct} after {n_yr} years, so I {want} a cap.",
        "What would {n_team} seats cost us if {dept} only gets {n_small} admin licenses{q_tail}?",
    ),
    "integrations": (
        "Can {feature} sync both ways with {crm}, or only push {records} {direction}?",
        "For {dept} we {need} {records} from {phone_system} to land in {crm} within {minutes}.",
        "Our {n_team} people in {dept} {lives} in {tool}, so that integration matters more than "
        "{anything}.",
        "How would {feature} handle the {n_small} custom objects {dept} built in {crm} for {obj}?",
        "We tried {middleware} between {tool} and {crm}, and it broke every {period}.",
        "Can {dept} pull {records} into {tool} through the API {how_often}?",
        "The {crm} admin in {dept} will {ask} whether {feature} would need {perm}.",
        "If {feature} can post into {chat_channel}, {dept} would {actually} {look_at} it.",
        "We still have {n_team} thousand {records} in {tool} that {would} need to map into {crm}.",
        "Can {feature} pick up {phone_system} calls {auto}, or do {rep_kind} upload them?",
    ),
    "onboarding": (
        "How long does implementation {usually} take for {n_team} {rep_kind} selling to {segment}?",
        "Our last rollout of {tool} took {weeks}, and it {totally} burned out {dept}.",
        "Who {would} run the kickoff with our {n_team} people in {dept}{q_tail}?",
        "We {want} to start with {n_small} {rep_kind} in {region} before we go {wider}.",
        "Can {dept} test {feature} in a sandbox without touching {live_data}{q_tail}?",
        "If we start on {month} {day_num}, could we {realistically} be live in {region} before {event}?",
        "IT in {city} is {tiny}, so {n_small} days of {it_work} is a {problem}.",
        "We {need} training for {n_team} {rep_kind} across {n_small} time zones{us_tail}.",
        "Do you migrate {n_yr} years of {records} from {tool}, or {start_fresh}?",
    ),
    "security": (
        "Before {dept} signs anything, {sec_who} will {want_doc} your {doc} and {doc}.",
        "Can recordings from {dept} calls with {sensitive} stay in {data_region} for {n_days} "
        "days{q_tail}?",
        "We {need} recordings deleted after {n_days} days when {dept} talks about {sensitive}{us_tail}.",
        "Can {feature} redact {pii} and {pii} for {dept} before storage?",
        "{role} will {want_doc} {sso} login and an audit log for {dept}.",
        "After a {incident} in {region} {time_ago}, {sec_who} got {much} stricter about {vendor_kind}.",
        "Can we {restrict} who sees recordings from {dept} versus {dept} in {region}{q_tail}?",
        "The {questionnaire} from {sec_who} has {n_q} questions on {sec_area}, so plan for {weeks}.",
        "Do you {handle} call consent for {dept}, since we call {segment} in {region}?",
    ),
    "timing": (
        "{realistically} {dept} couldn't start before {timeframe}, because of {project}.",
        "We're in the middle of {project}, so {dept} {wont_have} time until {timeframe}.",
        "If we decide by {month} {day_num}, what would a go-live for {n_team} {rep_kind} in {month} "
        "look like?",
        "Our fiscal year {starts} in {month}, when {budget_thing} opens up for {dept} in {region}.",
        "{role} wants a decision by {event}, so {dept} has {weeks} to {sort_out}.",
        "No {rush}, but I'd {like} something live for {n_team} {rep_kind} by {timeframe}.",
        "{dept} has talked about fixing {pain} for {duration}, but it keeps losing to {other_thing}.",
    ),
    "competitors": (
        "We're also {looking_at} {competitor} and {competitor}, mostly because {dept} {cares} about "
        "{concern}.",
        "{n_small} of our {rep_kind} used {competitor} before and said {opinion}.",
        "What do you do {differently} from {competitor} on {capability} for {segment} like us{q_tail}?",
        "{competitor} quoted us {seat_price} for {n_team} seats, so you'd need to be close to that.",
        "{competitor} has a {nicer} {feature_noun}, but yours looks {easier} for the {rep_kind} in {region}.",
        "{n_small} of our {team_kind} already pay {seat_price} for {competitor}.",
        "If {dept} {switched} from {competitor}, could you {import} {n_yr} years of {records}{q_tail}?",
    ),
    "reporting": (
        "Can {viewer} see {metric} and {metric} by rep and by {dimension}{q_tail}?",
        "Every {weekday} {role} builds a {metric} report by hand in {tool}.",
        "We {want} {metric} and {metric} for {dept} on one dashboard for {audience}.",
        "Can we export the {report} for {dept} in {region} to {fmt} every {weekday} {morning}?",
        "{right_now} nobody in {dept} trusts our {metric} numbers, because {reason}.",
        "If {metric} tied to what {rep_kind} {say} on calls, {dept} would stop arguing.",
        "How much {history} can {feature} keep, since {dept} compares {metric} {period_cmp}?",
    ),
    "support": (
        "What are your support hours for our {n_team} {dept} users in {region}, and is {channel} "
        "included?",
        "If it {breaks} during {busy_period}, {dept} in {region} needs help in {response_time}, "
        "not {not_days}.",
        "Do we get a named {support_role} for {dept} at {n_team} seats, or a {queue}?",
        "{tool} support was {bad_support} {time_ago}, so {support_q} is a sore spot for {dept}.",
        "Is {support_tier} included at {n_team} seats for {dept}, or is that a separate line item{q_tail}?",
        "We {want} a review every {n_small} weeks on {metric} and {metric}.",
    ),
    "contracts": (
        "Our procurement team in {city} {needs} {n_small} quotes for anything above {usd_total}.",
        "{legal} in {city} will redline the {doc}, which {usually} takes {weeks}.",
        "Can we do a {term_len} contract for {n_team} seats in {dept} with an out clause after {n_mo} "
        "months?",
        "For {n_team} seats we {need} net {net} terms and {invoice} invoicing, that's standard for "
        "{company_kind}.",
        "Does the {doc} cover {clause} and {clause}, because {sec_who} {always} asks about that{q_tail}?",
        "As part of a {bigger} group, our {doc} {usually} goes through {hq_place} and {dept}.",
        "{clause_bad} is a deal breaker for {role} in {region}, so the {doc} {needs_change}.",
    ),
    "team": (
        "We have {n_team} {rep_kind} split across {n_small} teams in {region}, mostly {team_split}.",
        "Each manager in {region} has {n_small} {rep_kind}, {too_many} to coach {properly}.",
        "We're hiring {n_team} more {rep_kind} in {region} before {timeframe}.",
        "{share_of} the {rep_kind} sit in {city}, and the rest work remotely from {region} and {region}.",
        "The {rep_kind} in {region} and the {rep_kind} in {region} use {different} playbooks {now}.",
        "Turnover on the {rep_kind} team in {region} was about {pct} last year, which hurts {metric}.",
    ),
    "use_cases": (
        "Mostly {dept} would use it for {use_case}, and maybe {use_case} {later}.",
        "Our {dept} team in {region} would {use} {feature} to {goal}.",
        "Mainly the {rep_kind} in {region} should ask about {discovery_topic} and {discovery_topic} on the "
        "{which_call} call.",
        "Could {dept} search every call from {time_ago} where a {cust_word} mentions {keyword}{q_tail}?",
        "We sell mostly to {segment} in {region}, so the calls are {often} {call_style}.",
        "{segment} calls in {region} are {often} {call_style}, can you {handle_that}?",
    ),
    "short": (
        "{about} {n_team} {rep_kind} in {region}{us_tail}.",
        "Mostly {tool} and {tool}, plus {tool}.",
        "We're on {crm}, and {dept} uses {tool} for {records}.",
        "{realistically} {month} for {dept} in {region}, maybe {month}.",
        "{probably} {n_team} seats to start, then {n_team} by {month}.",
        "It's {dept} first, then {dept} in {region}.",
        "{probably} {role}, with {role} signing off in {month}.",
        "We pay {about} {seat_price} for {tool} {now}.",
        "{not_really}, {dept} handles that in {tool}.",
        "{yes}, {dept} uses {sso} with {tool}.",
        "{about} {pct} of the {rep_kind} in {region}.",
        "Every {weekday} {morning} in {city}, with {role} and {dept}.",
        "{metric}, mostly, and {metric} for {dept}.",
        "What about {feature} for the {rep_kind} in {region}?",
        "So {seat_price} for {n_team} seats in {dept}{q_tail}?",
        "Does that work with {tool} and {tool} for {dept}?",
        "We tried {competitor} with {n_small} {rep_kind} back in {past_year}.",
        "{about} {usd_total} for {dept} {this_period}, give or take.",
        "For {dept}, {ramp_thing} in {region} takes {weeks} {now}.",
        "{n_small} managers and {n_team} reps, mostly in {city}.",
        "{yes}, {feature} came up with {dept} in {region} on {weekday}.",
        "{segment} in {region} are {about} {pct} of our pipeline.",
        "We have {n_small} {deal_thing} open with {segment} in {region}.",
        "Only {n_small} of the {n_team} {rep_kind} log calls in {crm}.",
        "{tool} renews in {month}, at {usd_total}.",
        "Our {metric} in {region} is {about} {pct} {now}.",
        "The {rep_kind} close {about} {n_small} deals a month in {region}.",
        "Would {feature} be included for {dept} at {n_team} seats?",
    ),
    "adoption": (
        "The {rep_kind} in {region} {resist} anything that adds clicks, so it has to be {effortless}.",
        "{share_of} our {rep_kind} never opened {tool} after the {tool} rollout{us_tail}.",
        "How do you get {skeptics} in {dept} to actually {adopt} {feature}?",
        "If {role} uses {feature} in the {meeting_kind}, the {rep_kind} will {follow_along}.",
        "We'd track {adoption_metric} for {dept} in {region} every {weekday} for the first {n_wk} weeks.",
        "Our {rep_kind} in {region} are {skeptical} about recording {sensitive_call} calls with {segment}.",
    ),
    "decision": (
        "{role} and {role} both have to sign off, and {role} can veto{us_tail}.",
        "{dept} will score you against {competitor} on {criterion}, {criterion} and {criterion}.",
        "The {committee} in {city} meets every {n_small} weeks, next on {month} {day_num}.",
        "{dept} wants a {proof} with {n_small} {rep_kind} before {role} looks at pricing.",
        "I'm the champion in {dept}, but {role} in {city} has the final say on {decision_item}.",
        "We {need} a business case showing {metric} moving {pct} before {event}.",
    ),
    "pains": (
        "{right_now} the biggest {problem} for {dept} in {region} is {pain}.",
        "Our {rep_kind} in {region} lose {hours} a week to {pain}.",
        "{role} has been {complaining} about {pain} since {since}{us_tail}.",
        "{dept} handles {topic_noun} with {workaround}, and it's {pain_adj}.",
        "Managers hear {n_small} calls a month from {n_team} {rep_kind}, so coaching is {guesswork}.",
        "When {rep_kind} in {region} leave, {all_their} {knowledge} {goes}.",
        "Our {dept} team found out about {surprise} in {region} {way} too late {when_past}.",
    ),
}

POOLS.update({
    "since_when": "all week|since {weekday}|for days|the whole month|since we got back",
    "weather_effect": "everyone is working from home|the commute was awful|I've been stuck inside|the "
                      "kids are going stir crazy|we moved the team lunch|I finally got outside|the "
                      "flights out were a mess|half the office called in|the power flickered twice|"
                      "I've been walking to work",
    "catching_up": "catching up on email|a bit jet-lagged|digging out of my inbox|running on coffee|"
                   "half asleep",
    "which_weekend": "the weekend|last weekend|the long weekend|Saturday|Sunday|most of Saturday",
    "company": "the kids|my in-laws|{n_small} friends from college|the neighbors|my brother's family|"
               "the whole extended family|the dog",
    "weekend_after": "I'm a little tired today|it rained the whole time|the kids loved it|I need "
                     "another weekend to recover|my back is still sore|it was exactly what I needed|"
                     "I'm already planning the next one",
    "stuck": "stuck at work|on calls until nine|at the {dept} offsite|driving back from {city}|asleep by "
             "ten|buried in the {report}"
             "|at my kid's recital|grilling in the backyard|on a red-eye flight",
    "cut_out": "cut out|drop|sound like a robot|freeze up",
    "eating": "eating|chewing|a bit distracted",
    "relative": "sister|brother|cousin|daughter|son|neighbor|best friend|roommate",
    "life_event": "getting married|graduating|moving|running a marathon|starting a new job",
    "time_off": "that whole week|on {weekday}|for a few days|after {weekday}",
    "sounds_good": "sounds good|great|perfect|okay|that works",
    "talk": "talk again|pick this up|regroup|reconnect",
})
POOLS["weather"] += "|cold and rainy|dry and dusty|stormy|muggy|perfect|brutal|unpredictable"

SMALL_TALK: tuple[str, ...] = (
    "The weather in {city} has been {weather} {since_when}, so {weather_effect}.",
    "I just got back from {trip} with {n_small} people from {dept}, so I'm {catching_up}.",
    "We spent {which_weekend} {weekend} with {company} near {city}, and {weekend_after}.",
    "Did you catch {sports_event} in {city} {day_when}, or were you {stuck} like me?",
    "It's been a {week_adj} week in {city}, we had {week_reason} and {week_reason}.",
    "I'm calling from {spot} in {city} on {weekday}, so let me know if I {cut_out}.",
    "{dept} is back in the {city} office {office_days} a week, which {office_opinion}.",
    "I grabbed {food} between calls with {dept} and {dept}, so excuse me if I'm {eating}.",
    "My {relative} is {life_event} in {city} next {weekday}, so I'm out {time_off}.",
)

REP: dict[str, tuple[str, ...]] = {
    "generic": (
        "How are you handling {topic_noun} today?",
        "What would it mean for {dept} if {metric} improved by {pct}?",
        "A lot of {segment} we work with started with {n_small} managers and expanded after {weeks}.",
        "{feature} can sync with {crm} out of the box, so {records} sync {sync_speed}.",
        "Let me share my screen and show you {feature} on a sample {deal_kind}.",
        "Who else would be involved in a decision like this, maybe {role}?",
        "For a team of {n_team} we'd usually suggest {rollout}.",
        "Pricing depends on seats and term, but for {n_team} users you'd be at {seat_price}.",
        "We can send the {doc} under NDA today, and {sec_who} can ask us anything.",
        "What does success look like for {dept} by {timeframe}?",
        "Many teams switch from {competitor} because of {switch_reason}.",
        "Is {metric} the number {role} watches most closely?",
        "I'll send over {artifact} after the call.",
        "That's a fair point about {concern}, a lot of {segment} bring it up.",
        "Would it help if I walk through how {segment} use {feature}?",
        "How many {rep_kind} would need access on day one?",
        "What happens today when a deal in {region} slips past {timeframe}?",
        "Most customers your size see {metric} move within {n_wk} weeks.",
        "Let me pull up a {deal_kind} from one of our {segment} customers in {region}.",
        "Can I ask what prompted you to look at this {now}?",
        "If it's useful, I can bring our solutions engineer in for the {concern} questions.",
        "What would make this an easy yes for {role}?",
    ),
    "pricing": (
        "For {n_team} seats on a {term_len} term, list is {seat_price}, and we have room on {lever}.",
        "What budget range did {finance_who} set for {cat}?",
    ),
    "integrations": (
        "Which systems besides {crm} would {feature} need to talk to?",
        "Most teams connect {crm} and {phone_system} in the first {n_wk} days.",
    ),
    "onboarding": (
        "Our onboarding team usually runs {n_small} sessions per group, starting with {dept}.",
        "Who would own the rollout on your side, {role}?",
    ),
    "security": (
        "We're SOC 2 Type II, and {sec_who} can get the {doc} under NDA today.",
        "Where would {sec_who} want the recordings hosted, {data_region}?",
    ),
    "timing": (
        "Is there a date driving this, like {event}?",
        "What would have to happen for a decision by {timeframe}?",
    ),
    "competitors": (
        "Which other vendors are you looking at, maybe {competitor}?",
        "Teams moving from {competitor} usually care most about {capability}.",
    ),
    "reporting": (
        "Which numbers does {role} look at every {weekday}?",
        "Managers can slice {metric} by {dimension} right in {feature}.",
    ),
    "support": (
        "Every account over {n_team} seats gets a named {support_role}.",
        "Support is {support_hours} for teams in {region}.",
    ),
    "contracts": (
        "Our standard {doc} covers {clause}, and legal can redline the rest.",
        "Who signs contracts over {usd_total} on your side?",
    ),
    "team": (
        "How are the {rep_kind} split between {region} and {region}?",
        "How many managers do you have for the {n_team} {rep_kind}?",
    ),
    "use_cases": (
        "What's the first use case you'd want, {use_case} or {use_case}?",
        "A lot of {segment} start with {use_case} and add {use_case} later.",
    ),
    "adoption": (
        "The {rep_kind} at most {segment} use {feature} daily within {n_wk} weeks.",
        "What has made tools like {tool} stick with your team in the past?",
    ),
    "decision": (
        "Who else should be in the room when we present to the {committee}?",
        "What criteria will {dept} use to compare vendors?",
    ),
    "pains": (
        "How much time do the {rep_kind} spend on {pain} each week?",
        "What happens when {pain} shows up at quarter end?",
    ),
}
POOLS["lever"] = "the term|payment timing|the ramp|onboarding fees|manager seats|a multi-year lock"
POOLS["support_hours"] = ("around the clock|follow-the-sun|business hours|seven to seven Eastern|"
                          "24/5 with weekend escalation")

REP_ACK: tuple[str, ...] = (
    "Got it.", "That makes sense.", "Totally.", "Okay, great.", "Sure thing.", "Good question.",
    "Right.", "Understood.", "Perfect.", "Yeah, absolutely.",
)
REP_OPEN: tuple[str, ...] = (
    "Thanks for making time today, how are things in {city}?",
    "Good to see you again, how has the week been with {project} going on?",
    "Thanks for joining, I know {busy_period} is a busy time for {segment}.",
    "Appreciate you hopping on, did you get the {artifact_short} I sent?",
)
REP_CLOSE: tuple[str, ...] = (
    "I'll send a recap and {artifact} by {weekday}.",
    "Let's find time next week with {role} to go through {concern}.",
    "Thanks again, I'll follow up on {concern} before {weekday}.",
)
CUSTOMER_CLOSE: tuple[str, ...] = (
    "{sounds_good}, I'll {next_step} with {dept} and get back to you {time_next}.",
    "{sounds_good}, let me {next_step} first, and we can {talk} {time_next}.",
    "{sounds_good}, send over the {artifact_short} and I'll {next_step} before {event}.",
)
POOLS["artifact_short"] = "deck|pricing sheet|{doc}|case study on {segment}|recap"
POOLS["time_next"] = "next {weekday}|in {n_small} weeks|after {event}|early {month}|once I hear from {dept}"
POOLS["incident"] = ("phishing incident|data breach at a vendor|failed audit|ransomware scare|compliance "
                     "finding|lost laptop")
POOLS["reason"] = ("half the activity never gets logged|every region counts it differently|the data "
                   "lives in {n_small} different tools|reps update {crm} on Fridays only|the definitions "
                   "changed last quarter")

BACKCHANNEL: tuple[str, ...] = (
    "Right.", "Okay, sure.", "Yeah.", "Mm-hmm.", "Got it.", "Sure.", "Okay.", "Makes sense.",
    "Right, right.", "Yeah, totally.", "Interesting.", "Oh, nice.", "Okay, got it.", "Sure, go ahead.",
    "Yep.", "Uh-huh.", "Perfect.", "Fair enough.", "Oh, okay.", "That's helpful.",
)
FILLERS: tuple[str, ...] = (
    "Yeah, ", "Um, ", "So, ", "I mean, ", "Honestly, ", "You know, ", "Okay, so ", "Yeah, so ",
    "Well, ", "Uh, ", "So yeah, ", "Right, so ", "Basically, ", "Look, ", "To be honest, ",
    "Yeah, I mean, ", "I think ",
)
JOINERS: tuple[str, ...] = (
    ", and ", ", but ", ", because ", ", so ", ", since ", ", especially since ", ", although ",
    " and honestly ", ", which matters because ", ", plus ",
)
TAILS: tuple[str, ...] = (
    "the team is already stretched pretty thin", "{dept} keeps asking about it",
    "we're growing about {pct} a year", "our fiscal year starts in {month}",
    "{role} brought it up again last {weekday}", "we just hired {n_small} new managers in {region}",
    "the last rollout of {tool} took {weeks}", "nobody wants another tool to log into",
    "{metric} has been slipping since {month}", "half of {dept} is remote now",
    "we have a board meeting in {n_wk} weeks", "I promised {role} an answer by {weekday}",
    "our contract with {tool} is up in {month}",
    "the {rep_kind} are skeptical of anything that feels like surveillance",
    "we already pay for {tool} and {tool}", "{segment} are a big part of our pipeline",
    "the managers spend {hours} a week on it", "we tried something similar {time_ago}",
    "most of our calls happen on {phone_system}", "we want to show progress at {event}",
    "it ties directly to {metric}", "there's a lot of pressure on {metric} this year",
    "the data has to stay in {data_region}", "we're trying to consolidate vendors",
    "I don't want {dept} to feel like it was forced on them",
    "the {rep_kind} turn over every {n_mo} months or so", "our {region} team works completely differently",
    "that's what {role} will ask first", "we've been burned by {bad_thing} before",
    "it has to work for {n_team} people on day one",
    "our auditors flagged call retention in {month}", "our accounts in {segment} churn fastest",
    "{dept} is rebuilding its territory plan", "the new comp plan rewards multi-year deals",
    "our biggest customer in {region} asked about it", "the warehouse team in {city} is unionized",
    "we're opening an office in {city} next spring", "headcount is flat until {timeframe}",
    "the interns start in {month}", "our churn in {region} doubled after the price change",
    "we merged two sales orgs last {month}", "{role} reads every board deck line by line",
    "the call center runs three shifts", "we're switching payroll providers at the same time",
    "our product roadmap slipped a quarter", "the marketing budget moved to field events",
)

# ---------------------------------------------------------------------------- planted themes
POOLS["pilot_win"] = ("closed {pct} more deals than the rest of the team|cut their ramp time by {pct}|"
                      "asked to keep using it after the trial ended|booked {pct} more meetings|"
                      "started sharing calls with each other every day|hit quota for the first time in "
                      "{n_mo} months|spent {hours} less a week on notes")
POOLS["pilot_quote"] = ("don't want to give it back|use it before every call now|can't imagine going "
                        "back to the old way|want it rolled out to everyone|found it easier than anything "
                        "we've tried|would fight me if I took it away|already told {dept} about it|"
                        "finally trust the call notes|stopped asking for the old reports|check it "
                        "every morning")
POOLS["plan_period"] = "next year|the second half|{year}|this fiscal year|the new fiscal year|Q{q}"
POOLS["sponsor_target"] = ("rolling it out to {dept}|making this our standard for {use_case}|the "
                           "{n_team}-seat plan|getting it live before {event}")
POOLS["meeting"] = "all-hands|kickoff|board meeting|leadership offsite|quarterly business review|town hall"
POOLS["fast"] = "a lot faster than usual|in days instead of months|quickly for once|without the usual fight"
POOLS["prev_company"] = "a previous company|their last company|a bigger competitor|a company in {region}"
POOLS["meeting_kind"] = "pipeline review|team meeting|one-on-ones|forecast call|coaching session|deal review"
POOLS["spend"] = ("software spend|vendor contracts|tool purchases|discretionary spending|headcount and "
                  "tooling|SaaS renewals")
POOLS["budget_line"] = "sales tools|enablement|the whole {dept} stack|new projects|{dept}|software"
POOLS["budget_diversion"] = ("hiring|a {tool} upgrade|the CRM migration|marketing events|a new office|"
                             "severance costs|a security project")
POOLS["freebie"] = ("free onboarding|an extra year of storage|the forecasting module|unlimited manager "
                    "seats|premium support")
POOLS["shakeup"] = ("layoffs|a merger|an acquisition|a leadership change|a restructuring of {dept}|a "
                    "hiring freeze")
POOLS["other_project"] = ("the CRM migration|the ERP rollout|a pricing overhaul|the new product launch|a "
                          "security audit|the office consolidation")
POOLS["focus"] = "cutting costs|retention|the core product|hiring|profitability|a single region"
POOLS["team_change"] = ("merged into {dept}|cut in half|moved under {dept}|reorganized last month|folded "
                        "into the {region} group")

POOLS.update({
    "everything": "everything|your quote|every option|any new tool",
    "whom": "me|our {exec}|the whole team|{role}",
    "sold_itself": "sold itself|did the selling for you|made the case for us|was a no-brainer",
    "personally": "personally|actively|officially|very publicly",
    "plan_kind": "operating|headcount|{dept}|annual|tooling",
    "fully": "fully|a hundred percent|completely|really",
    "this_kind": "this|call coaching|the rollout|fixing {pain}",
    "already": "already|actually|currently|right now",
    "start_point": "day one|week one|the kickoff|{month}",
    "hard": "hard|really hard|tough|impossible",
    "no_money": "no money|nothing|no budget|zero room",
    "this_period": "this year|this quarter|until {timeframe}|in {plan_period}",
    "tough_sell": "tough sell|hard sell|non-starter|long shot",
    "tough": "tough|off the table|a hard sell|not realistic",
    "likes": "likes it fine|is used to it|has no complaints|is happy enough",
    "leadership": "leadership|our {exec}|corporate|the parent company",
    "hates_that": "hates that idea|won't sign up for that|has no appetite for it|already said no",
    "to_whom": "to {finance_who}|to anyone|right now|to {role}",
    "slipped": "slipped down the list|got parked|fell off the roadmap|is on the back burner",
    "project_name": "call analytics|coaching|{dept}|revenue intelligence|conversation intelligence",
    "not_sure": "not sure|not clear|honestly unsure|still figuring out",
    "this_thing": "this|the project|the evaluation|the budget for it",
    "now_what": "nobody owns it now|we're starting over|the need kind of went away|I'm not sure it's "
                "still needed",
    "tool_kind": "tool|vendor|subscription|contract",
    "pushing": "pushing|pushing hard|lobbying|asking",
})
POOLS["team_change"] = ("merged into {dept}|cut in half|moved under {dept}|reorganized|folded into the "
                        "{region} group")

THEMES: dict[str, tuple[str, ...]] = {
    "pilot_results": (
        "Our {pilot_group} in the pilot saw {metric} improve {pct} in just {n_wk} weeks.",
        "The {n_wk}-week pilot with {pilot_group} went {really} well, they {pilot_win}.",
        "After the {n_wk}-week trial, {pilot_group} told {whom} they {pilot_quote}.",
        "We ran the pilot with {n_small} {rep_kind} in {region} and they {pilot_win}.",
        "The pilot numbers for {dept} are hard to argue with, {metric} moved {pct} in {n_wk} weeks.",
        "The pilot {sold_itself}, {pilot_group} in {region} {pilot_quote}.",
        "Everyone in the {dept} trial in {region} {pilot_win}, the results speak for themselves.",
        "Our pilot group in {region} {pilot_win} within the first {n_wk} weeks.",
    ),
    "exec_sponsor": (
        "Our {exec} is {personally} sponsoring this and wants it live for {dept} before {timeframe}.",
        "Our {exec} put {n_team} seats in the {plan_kind} plan for {plan_period}.",
        "I talked to our {exec} on {weekday}, and they're {fully} behind {sponsor_target}.",
        "Our {exec} wants every one of the {rep_kind} on it by {month} {day_num}.",
        "Our {exec} called {this_kind} a big bet for {plan_period} at the {meeting} in {city}.",
        "With our {exec} sponsoring it, {dept} will move {fast} on {n_team} seats.",
        "Our {exec} used this at {prev_company} and is {pushing} for {sponsor_target}.",
    ),
    "rollout_planning": (
        "Once we sign, we'd roll it out to {dept} in {region} first and then {dept} in {month}.",
        "I'm {already} drafting the rollout plan for {n_team} seats, starting with {pilot_group} in "
        "{month}.",
        "Kickoff on {month} {day_num} gets the {rep_kind} ready for {event}.",
        "Can you run {n_small} rollout trainings for {dept} in {region} in the first {n_wk} weeks?",
        "The rollout plan is {region} first with {n_team} seats, then the {region} team after {n_wk} "
        "weeks.",
        "I've blocked {n_small} afternoons in {month} to onboard the {rep_kind} in {dept}.",
        "For the rollout we'd make {feature} part of every {meeting_kind} in {region} from {start_point}.",
        "For phase one I'm thinking {n_team} seats for {dept} and {n_small} admins.",
    ),
    "budget_freeze": (
        "{finance_who} just froze all new {spend} for {dept} until {timeframe}.",
        "Our {budget_line} budget got cut {pct} in {month}, so this is {hard} to justify.",
        "Even at {seat_price} there's {no_money} left for {budget_line} {this_period}.",
        "Anything over {usd_total} needs sign-off from {finance_who}, and that's not happening "
        "{this_period}.",
        "We cancelled {tool} in {month} to save money, so a new tool for {dept} is a {tough_sell}.",
        "With the cost cuts in {dept}, I can't ask {finance_who} for {usd_total} {now}.",
        "The {usd_total} we set aside for {budget_line} went to {budget_diversion} instead.",
        "Honestly {seat_price} for {n_team} people is more than we can spend until {timeframe}.",
    ),
    "competitor_renewal": (
        "We just renewed {n_team} seats of {competitor} for {n_yr} years, so switching is {tough}.",
        "Our contract with {competitor} doesn't end until {month} {year}, and {dept} {likes}.",
        "{competitor} offered us {pct} off to stay, and that's hard for {finance_who} to walk away from.",
        "The {rep_kind} already know {competitor}, and retraining {n_team} people is a big ask.",
        "{leadership} signed a {n_yr}-year deal with {competitor} bundled with {tool} back in {month}.",
        "Switching from {competitor} means migrating {n_team} thousand recordings, and {dept} "
        "{hates_that}.",
        "{competitor} matched your {seat_price} and threw in {freebie} for {dept}.",
        "With {competitor} in place for {dept}, a second tool is {hard} to justify {to_whom}.",
    ),
    "priority_shift": (
        "After the {month} reorg in {region}, {dept} has {different} priorities, and this {slipped}.",
        "We're going through {shakeup} {now}, so nothing new for {dept} gets approved before "
        "{timeframe}.",
        "The {project_name} project got pushed behind {other_project} by {role} for at least {n_mo} "
        "months.",
        "My role changes on {month} {day_num}, and I'm {not_sure} who in {dept} will own {this_thing}.",
        "{leadership} wants {dept} focused on {focus} {this_period}, so {project_name} is on hold.",
        "The {dept} team that asked for this was {team_change} in {month}, so {now_what}.",
        "Our new {exec} is reviewing every {tool_kind} in {dept}, so nothing moves until {timeframe}.",
        "This isn't a top {n_small} priority for {dept} in {region} anymore, not since {shakeup}.",
    ),
}
