"""Lead hand-off (issue #17): speed to first call, lead source, feedback lists, the report section."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from callinsight.contracts import OUTPUT_TABLES, CallStatus
from callinsight.registry import analyses
from callinsight.settings import Settings
from callinsight.sources.manifest import read_deals
from callinsight.stages.analyse import handoff as ho
from callinsight.stages.analyse.handoff import Item, analyse_handoff, deals_frame, handoff_table, summarise
from callinsight.stages.analyse.stats import benjamini_hochberg, wilson_interval
from callinsight.stages.report import ReportData, RunInfo, render_html, render_markdown

T0 = "2026-01-05T00:00:00+00:00"


def deal(deal_id, outcome="open", amount=1000.0, created=T0, source=None, **extra):
    return {"deal_id": deal_id, "outcome": outcome, "amount": amount, "created_at": created,
            "lead_source": source, **extra}


def call(call_id, deal_id, started):
    return {"call_id": call_id, "deal_id": deal_id, "started_at": started}


def frames(deals, calls):
    return pd.DataFrame(deals), pd.DataFrame(calls, columns=["call_id", "deal_id", "started_at"])


def row(table, deal_id):
    return table.set_index("deal_id").loc[deal_id]


# --------------------------------------------------------------------------- per deal


def test_hours_to_first_call_and_the_sla():
    deals, calls = frames(
        [deal("D1"), deal("D2"), deal("D3"), deal("D4", created="2026-01-05"),
         deal("D5", created="2026-01-05T09:00:00-05:00")],
        [call("c1", "D1", "2026-01-05T10:00:00+00:00"),
         call("c2", "D2", "2026-01-07T00:00:00Z"),              # exactly 48 h: within (<=)
         call("c3", "D3", "2026-01-09T06:00:00+00:00"),         # 4 days 6 h
         call("c3b", "D3", "2026-01-08T00:00:00+00:00"),        # ...but this one is earlier: 72 h
         call("c4", "D4", "2026-01-05T12:30:00"),               # naive times are UTC: 12.5 h
         call("c5", "D5", "2026-01-06T09:00:00-05:00")])        # zones respected: 24 h
    table = handoff_table(deals, calls, sla_hours=48.0)
    assert list(table.columns) == OUTPUT_TABLES["handoff"].names
    hours = dict(zip(table["deal_id"], table["hours_to_first_call"], strict=True))
    assert hours == {"D1": 10.0, "D2": 48.0, "D3": 72.0, "D4": 12.5, "D5": 24.0}
    assert list(table["within_sla"]) == [True, True, False, True, True]
    assert row(table, "D3")["first_call_at"] == "2026-01-08T00:00:00+00:00"
    assert row(table, "D3")["calls"] == 2
    assert (table["note"] == "").all()  # open deals, nothing missing


def test_edge_cases_are_named_counted_and_kept_out_of_the_speed_figures():
    deals, calls = frames(
        [deal("OK"), deal("NOCALL", "won"), deal("EARLY", "lost"), deal("NODATE", created=None),
         deal("UNDATED")],
        [call("c1", "OK", "2026-01-05T05:00:00Z"),
         call("c2", "EARLY", "2026-01-04T21:00:00Z"),           # 3 h before the deal existed
         call("c3", "EARLY", "2026-01-06T00:00:00Z"),
         call("c4", "NODATE", "2026-01-06T00:00:00Z"),
         call("c5", "UNDATED", "2026-01-05T01:00:00Z"), call("c6", "UNDATED", None)])
    table = handoff_table(deals, calls, 48.0)
    early = row(table, "EARLY")
    assert early["hours_to_first_call"] == -3.0 and pd.isna(early["within_sla"])  # kept, not clamped
    assert ho.BEFORE in early["note"]
    nocall = row(table, "NOCALL")
    assert nocall["calls"] == 0 and pd.isna(nocall["hours_to_first_call"]) and ho.NO_CALL in nocall["note"]
    nodate = row(table, "NODATE")
    assert pd.isna(nodate["hours_to_first_call"]) and nodate["first_call_at"] == "2026-01-06T00:00:00Z"
    assert ho.NO_CREATED in nodate["note"]
    assert ho.UNDATED in row(table, "UNDATED")["note"] and pd.isna(row(table, "UNDATED")["within_sla"])

    h = summarise(table, sla_hours=48.0)
    assert h.n_deals == 5 and h.timed == 1 and h.within_sla == 1  # only OK is in the speed figures
    assert h.excluded == {ho.NO_CALL: ["NOCALL"], ho.BEFORE: ["EARLY"], ho.NO_CREATED: ["NODATE"],
                          ho.UNDATED: ["UNDATED"]}
    assert [d["deal_id"] for d in h.no_call] == ["NOCALL"]
    assert h.median_hours == 5.0


def test_sla_share_has_the_wilson_interval():
    deals = [deal(f"D{i}") for i in range(8)]
    calls = [call(f"c{i}", f"D{i}", f"2026-01-0{6 if i < 3 else 9}T00:00:00Z") for i in range(8)]
    h = summarise(handoff_table(*frames(deals, calls), 48.0))
    assert (h.within_sla, h.timed, h.sla_share) == (3, 8, 3 / 8)
    assert h.sla_ci == wilson_interval(3, 8)  # the project's Wilson interval (z = 1.96)...
    assert h.sla_ci == pytest.approx(proportion_confint(3, 8, method="wilson"), abs=1e-4)  # ...= statsmodels
    assert h.sla_ci == pytest.approx((0.1368, 0.6943), abs=1e-4)
    assert sum(b["deals"] for b in h.bins) == 8 and h.bins[-1]["hi"] >= 96
    assert [b["deals"] for b in h.bins if b["within"]] == [0, 0, 3, 0]  # 24 h: the (12, 24] bin


def closed_set(within_won, within_lost, later_won, later_lost, source=None):
    """Closed deals: first calls at 2 h (within 48 h) or at 5 days (later)."""
    deals, calls, i = [], [], 0
    for n, outcome, when in ((within_won, "won", "2026-01-05T02:00:00Z"),
                             (within_lost, "lost", "2026-01-05T02:00:00Z"),
                             (later_won, "won", "2026-01-10T00:00:00Z"),
                             (later_lost, "lost", "2026-01-10T00:00:00Z")):
        for _ in range(n):
            deals.append(deal(f"D{i:02d}", outcome, 1000.0 * (i + 1), source=source))
            calls.append(call(f"c{i}", f"D{i:02d}", when))
            i += 1
    return frames(deals, calls)


def test_win_rate_within_sla_against_later_uses_fisher_and_wilson():
    deals, calls = closed_set(5, 1, 2, 4)
    h = analyse_handoff(deals, calls, Settings())
    assert (h.within.won, h.within.lost, h.later.won, h.later.lost) == (5, 1, 2, 4)
    assert h.p_value == pytest.approx(sps.fisher_exact([[5, 1], [2, 4]]).pvalue)
    assert h.within.ci == wilson_interval(5, 6) and h.later.ci == wilson_interval(2, 6)
    assert h.within.ci == pytest.approx(proportion_confint(5, 6, method="wilson"), abs=1e-4)
    assert h.within.ci == pytest.approx((0.4365, 0.9700), abs=1e-4)
    assert h.within.amount_won == sum(1000.0 * (i + 1) for i in range(5))
    assert h.later.amount_lost == sum(1000.0 * (i + 1) for i in range(8, 12))
    assert h.verdict == "no difference"  # p = 0.24 with 12 closed deals

    fast_wins = analyse_handoff(*closed_set(7, 1, 1, 7), Settings())
    assert fast_wins.p_value == pytest.approx(sps.fisher_exact([[7, 1], [1, 7]]).pvalue)
    assert fast_wins.p_value < 0.05 and fast_wins.verdict == "win"
    assert analyse_handoff(*closed_set(1, 7, 7, 1), Settings()).verdict == "loss"


def test_too_few_closed_deals_is_insufficient_evidence():
    h = analyse_handoff(*closed_set(3, 1, 1, 3), Settings())  # 8 closed < min_closed_deals 10
    assert h.p_value is not None and h.verdict == "insufficient evidence"
    eight = analyse_handoff(*closed_set(3, 1, 1, 3), {"min_closed_deals": 8})
    assert eight.verdict == "no difference"
    assert analyse_handoff(*closed_set(9, 1, 1, 1), Settings()).verdict == "insufficient evidence"  # 2 lost
    nothing_later = analyse_handoff(*closed_set(6, 6, 0, 0), Settings())
    assert nothing_later.p_value is None and nothing_later.verdict == "insufficient evidence"
    assert "No closed deal was first called after 48 h" in render_markdown(report_data(nothing_later))


# --------------------------------------------------------------------------- deals.csv


@pytest.mark.parametrize("header", ["lead_source", "Lead Source", "LeadSource", "Original Source",
                                    "Original Source Type"])
def test_lead_source_spellings(tmp_path, header):
    p = tmp_path / "deals.csv"
    p.write_text(f"deal_id,stage,amount,created_at,{header}\nD1,Closed Won,10,2026-01-05, Webinar \n"
                 "D2,open,5,2026-01-05,PAID_SEARCH\nD3,open,5,2026-01-05,\n", encoding="utf-8")
    deals = read_deals(p).deals
    assert [deals[d].lead_source for d in ("D1", "D2", "D3")] == ["Webinar", "Paid search", ""]
    frame = deals_frame(deals)
    assert list(frame["lead_source"]) == ["Webinar", "Paid search", ""]


def test_reason_columns(tmp_path):
    p = tmp_path / "deals.csv"
    p.write_text("deal_id,stage,amount,Loss Reason\nW1,won,1,\nL1,lost,1,Price\nL2,lost,1,\nO1,open,1,\n",
                 encoding="utf-8")
    deals = read_deals(p).deals
    assert deals["W1"].outcome_reason is None  # a loss-reason column does not speak for won deals
    assert (deals["L1"].outcome_reason, deals["L2"].outcome_reason) == ("Price", "")
    assert deals["L1"].reason_columns == ("Loss Reason",) and deals["L1"].lead_source is None
    h = summarise(handoff_table(deals_frame(deals), frames([], [])[1], 48.0))
    assert h.reason_column and [d["deal_id"] for d in h.missing_reason] == ["L2"]
    assert not h.sources  # no lead-source column: no by-source figures

    p.write_text("deal_id,stage,reason\nW1,won,\nL1,lost,Timing\n", encoding="utf-8")
    h = summarise(handoff_table(deals_frame(read_deals(p).deals), frames([], [])[1], 48.0))
    assert [d["deal_id"] for d in h.missing_reason] == ["W1"]  # a generic reason: every closed deal

    p.write_text("deal_id,stage,created_at\nW1,won,2026-01-05\nO1,open,2026-01-05\n", encoding="utf-8")
    table = handoff_table(deals_frame(read_deals(p).deals), frames([], [])[1], 48.0)
    assert list(table["note"]) == [f"{ho.NO_CALL}; {ho.NO_REASON_COLUMN}", ho.NO_CALL]
    h = summarise(table)
    assert not h.reason_column and not h.missing_reason
    md = render_markdown(report_data(h))
    assert "deals.csv has no outcome reason column" in md


def test_sample_deals_have_a_lead_source():
    deals = read_deals("sample_calls/deals.csv").deals
    assert len(deals) == 19
    assert {d.lead_source for d in deals.values()} == {"Webinar", "Paid search", "Referral", "Outbound"}


# --------------------------------------------------------------------------- by source


def source_data():
    """Referral: 4 won of 5 closed, Paid search: 1 of 5; one open deal without a source."""
    deals, calls = [], []
    plan = [("Referral", "won")] * 4 + [("Referral", "lost")] + [("Paid search", "won")] \
        + [("Paid search", "lost")] * 4 + [("Paid search", "open")]
    for i, (source, outcome) in enumerate(plan):
        deals.append(deal(f"D{i:02d}", outcome, 100.0 * (i + 1), source=source))
        calls.append(call(f"c{i}", f"D{i:02d}", "2026-01-05T03:00:00Z" if i % 2 else "2026-01-09T00:00:00Z"))
    deals.append(deal("DX", "open", 50.0, source=None))
    return frames(deals, calls)


def test_per_source_pipeline_amounts_and_wilson():
    h = analyse_handoff(*source_data(), Settings())
    by = {s.source: s for s in h.sources}
    assert list(by) == ["Paid search", "Referral", ho.NOT_RECORDED]
    ref, paid = by["Referral"], by["Paid search"]
    assert (ref.deals, ref.won, ref.lost, ref.pipeline, ref.amount_won) == (5, 4, 1, 1500.0, 1000.0)
    assert (paid.deals, paid.won, paid.lost, paid.pipeline, paid.amount_won) == (6, 1, 4, 5100.0, 600.0)
    assert paid.ci == wilson_interval(1, 5) == pytest.approx((0.0362, 0.6245), abs=1e-4)
    assert by[ho.NOT_RECORDED].deals == 1 and by[ho.NOT_RECORDED].pipeline == 50.0
    assert h.source_p == pytest.approx(sps.fisher_exact([[1, 4], [4, 1]]).pvalue)  # sorted: Paid, Referral
    assert h.source_verdict == "no difference"


def test_themes_and_objections_by_source_fisher_bh_and_min_support():
    deals, calls = source_data()
    referral = {f"D{i:02d}" for i in range(5)}
    memberships = {
        "theme:T1": Item("theme", "CRM sync", referral | {"D05"}),        # 5 of 5 against 1 of 6
        "theme:T2": Item("theme", "Onboarding", {"D00", "D01", "D05", "D06", "D07"}),
        "objection:budget": Item("objection", "budget", {"D06", "D08"}),  # 2 deals < min_support
        "objection:timing": Item("objection", "timing", {"DX", "D01"}),   # DX: no source, not counted
    }
    h = analyse_handoff(deals, calls, Settings(), memberships=memberships)
    by = {d.label: d for d in h.differences}
    assert set(by) == {"CRM sync", "Onboarding"} and h.n_items_untested == 2
    assert by["CRM sync"].shares == {"Paid search": (1, 6), "Referral": (5, 5)}
    p1 = sps.fisher_exact([[1, 5], [5, 0]]).pvalue
    p2 = sps.fisher_exact([[3, 3], [2, 3]]).pvalue
    assert by["CRM sync"].p_value == pytest.approx(p1) and by["Onboarding"].p_value == pytest.approx(p2)
    q = benjamini_hochberg([p1, p2])
    assert by["CRM sync"].q_value == pytest.approx(q[0]) and by["Onboarding"].q_value == pytest.approx(q[1])
    assert by["CRM sync"].verdict == "differs by source" and by["CRM sync"].top_source == "Referral"
    assert by["Onboarding"].verdict == "no difference"
    assert [d.label for d in h.differences] == ["CRM sync", "Onboarding"]  # by q
    few = analyse_handoff(deals, calls, {"min_closed_deals": 50}, memberships=memberships)
    assert not few.differences and few.n_items_untested == 4  # too few deals: nothing tested


def test_independence_p_over_more_than_two_sources():
    big = np.array([[30, 70], [50, 50], [10, 90]])
    p, test = ho.independence_p(big)
    assert test == "chi-square" and p == pytest.approx(sps.chi2_contingency(big, correction=False).pvalue)
    small = np.array([[3, 7], [5, 5], [1, 9], [6, 4]])
    p1, test = ho.independence_p(small, seed=1)
    assert test == "fisher (monte carlo)" and 0 < p1 < 1 and ho.independence_p(small, seed=1)[0] == p1
    assert ho.independence_p(np.array([[2, 0], [3, 0]]))[0] is None  # nothing varies
    assert ho.independence_p(np.array([[2, 3], [0, 0]]))[0] is None  # one source left


# --------------------------------------------------------------------------- pipeline and store


def test_registered_analysis_and_published_table(tmp_path):
    import callinsight.stages.analyse.analyses  # noqa: F401  (registers the built-in analyses)
    from callinsight.contracts import Deal
    from callinsight.pipeline.outputs import write_tables
    from callinsight.stages.analyse.insights import AnalysisContext, Insights
    from callinsight.stages.analyse.stats import StatsOptions

    assert "handoff" in Settings().analyses and OUTPUT_TABLES["handoff"].csv
    utterances = pd.DataFrame({"call_id": ["c1", "c1", "c2"], "deal_id": ["D1", "D1", "D9"],
                               "started_at": ["2026-01-05T06:00:00Z"] * 3})
    ctx = AnalysisContext(customer=utterances, utterances=utterances, segments=pd.DataFrame(),
                          deals={"D1": Deal("D1", "won", 10.0, datetime(2026, 1, 5, tzinfo=UTC)),
                                 "D2": Deal("D2", "open", 5.0, datetime(2026, 1, 5))},
                          deal_reps={}, settings=Settings(handoff_sla_hours=4.0), stats=StatsOptions())
    table = analyses.get("handoff")(ctx).tables["handoff"]
    assert list(table["deal_id"]) == ["D1", "D2"]  # deals of deals.csv only; D9 is not one
    assert list(table["hours_to_first_call"].fillna(-1)) == [6.0, -1]
    assert list(table["within_sla"]) == [False, None]  # the SLA setting (4 h) is used
    assert ho.NO_REASON_COLUMN in table["note"][0]  # plain Deals: no CRM reason column
    files = write_tables(tmp_path, [CallStatus("c1", "ok")], Insights(tables={"handoff": table}))
    back = pd.read_csv(files["handoff"])
    assert list(back.columns) == OUTPUT_TABLES["handoff"].names
    h = ho.handoff_from_tables({"handoff": back}, {"handoff_sla_hours": 4.0})
    assert h is not None and h.timed == 1 and h.within_sla == 0 and h.sla_hours == 4.0
    assert ho.handoff_from_tables({}, {}) is None


def test_memberships_from_the_published_tables():
    themes = pd.DataFrame({"theme_id": ["T1", "T1.1", "T2"], "label": ["CRM", "CRM sync", "Weather"],
                           "level": ["broad", "sub", "broad"], "small_talk": [False, False, True]})
    quotes = pd.DataFrame({"theme_id": ["T1", "T1", "T1.1", "T2"], "deal_id": ["D1", "D2", "D1", "D3"]})
    objections = pd.DataFrame({"category": ["budget", "budget", "timing"], "deal_id": ["D1", "D1", None]})
    items = ho.memberships_from_tables(quotes, themes, objections)
    assert {k: (v.kind, v.label, v.deals) for k, v in items.items()} == {
        "theme:T1": ("theme", "CRM", {"D1", "D2"}),  # broad content themes only
        "objection:budget": ("objection", "budget", {"D1"}),
        "objection:timing": ("objection", "timing", set()),
    }


# --------------------------------------------------------------------------- report

HOSTILE = "<script>alert(1)</script>"


def report_data(h, **run_changes) -> ReportData:
    run = RunInfo(generated_at="2026-01-10 02:00 UTC", n_calls=3, n_ok=3, n_failed=0, n_skipped=0,
                  n_deals_closed=2, n_won=1, n_lost=1, baseline_win_rate=0.5, has_deals=True,
                  notes=[], failed=[], **run_changes)
    empty = pd.DataFrame()
    return ReportData(themes=pd.DataFrame(columns=["theme_id", "label"]), quotes=empty,
                      objections=empty, objection_quotes=empty, phrases=empty, metrics=empty,
                      run=run, handoff=h)


def hostile_handoff():
    deals, calls = source_data()
    deals.loc[0, "lead_source"] = HOSTILE
    deals.loc[len(deals)] = deal("<b>D-new</b>", "lost", 10.0, source="Webinar")
    memberships = {"theme:T1": Item("theme", HOSTILE, {f"D{i:02d}" for i in range(6)})}
    return analyse_handoff(deals, calls, Settings(), memberships=memberships)


def test_section_renders_escaped_in_html():
    page = render_html(report_data(hostile_handoff()))
    assert 'href="#handoff"' in page
    section = re.search(r'<section id="handoff">(.*?)</section>', page, re.S).group(1)
    assert "Lead hand-off" in section and "SLA 48 h" in section and "<svg" in section
    assert "By lead source" in section and "For the sales manager" in section
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<b>D-new</b>" not in page and "&lt;b&gt;D-new&lt;/b&gt;" in section  # a never-called deal
    assert "deals.csv has no outcome reason column" in section


def test_section_renders_escaped_in_markdown():
    md = render_markdown(report_data(hostile_handoff()))
    part = md[md.index("## Lead hand-off"):md.index("## Failed calls")]
    assert "<script" not in md and "&lt;script&gt;" in part
    assert "| Referral | 4 | \\$1,400 | \\$900 | 3 / 4 | 75% (30%–95%)" in part  # D00 is hostile's
    assert "Deals with no call (2): DX, &lt;b&gt;D-new&lt;/b&gt;" in part
    assert "Webinar — (0/0)" not in part  # its one deal has no call: not in the by-source tests
    assert "**Verdict: " in part


def test_no_section_without_handoff_figures_or_deals():
    assert '<section id="handoff">' not in render_html(report_data(None))
    assert "Lead hand-off" not in render_markdown(report_data(None))
    no_deals = report_data(hostile_handoff())
    no_deals.run.has_deals = False
    assert "Lead hand-off" not in render_html(no_deals)
