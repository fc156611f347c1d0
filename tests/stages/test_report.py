"""Tests for the report stage (HTML + Markdown rendering, atomic writes)."""

from __future__ import annotations

import html
import math
import os
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from callinsight.stages import report
from callinsight.stages.report import (
    ReportData,
    RunInfo,
    format_lift,
    format_money,
    format_pct,
    format_q,
    format_timestamp,
    md_escape,
    render_html,
    render_markdown,
    suggest_content,
    write_report,
)
from callinsight.stages.report.sections import _pick_quotes
from callinsight.util import fsutil
from callinsight.util.fsutil import atomic_write_bytes, atomic_write_text

NAN = math.nan

THEME_COLUMNS = [
    "theme_id",
    "label",
    "n_quotes",
    "n_deals",
    "deals_won",
    "deals_lost",
    "win_rate",
    "baseline_win_rate",
    "lift",
    "p_value",
    "q_value",
    "direction",
    "amount_won",
    "amount_lost",
    "top_phrases",
    "ci_low",
    "ci_high",
    "trend",
    "single_rep",
    "tested",
]


def theme(
    tid,
    label,
    won,
    lost,
    direction,
    amount_won,
    amount_lost,
    q,
    *,
    trend="stable",
    single_rep=False,
    tested=True,
    phrases="",
    ci=None,
    n_quotes=12,
):
    closed = won + lost
    rate = won / closed if closed else NAN
    lo, hi = ci if ci else ((rate - 0.2, min(rate + 0.15, 1.0)) if tested else (NAN, NAN))
    return {
        "theme_id": tid,
        "label": label,
        "n_quotes": n_quotes,
        "n_deals": closed + 1,
        "deals_won": won,
        "deals_lost": lost,
        "win_rate": rate if tested else NAN,
        "baseline_win_rate": 0.45,
        "lift": rate / 0.45 if tested else NAN,
        "p_value": q / 2 if tested else NAN,
        "q_value": q if tested else NAN,
        "direction": direction,
        "amount_won": amount_won,
        "amount_lost": amount_lost,
        "top_phrases": phrases,
        "ci_low": max(lo, 0.0) if tested else NAN,
        "ci_high": hi,
        "trend": trend,
        "single_rep": single_rep,
        "tested": tested,
    }


def quote(tid, call, deal, start, text, rep=True):
    return {
        "theme_id": tid,
        "call_id": call,
        "deal_id": deal,
        "speaker": "customer",
        "start": start,
        "end": start + 6,
        "text": text,
        "representative": rep,
    }


def objection(item, won, lost, direction, amount_won, amount_lost, q, tested=True):
    closed = won + lost
    rate = won / closed
    return {
        "item": item,
        "mentions": closed * 2,
        "deals": closed,
        "deals_won": won,
        "deals_lost": lost,
        "win_rate": rate,
        "ci_low": max(rate - 0.2, 0),
        "ci_high": min(rate + 0.2, 1),
        "lift": rate / 0.45,
        "p_value": q / 3,
        "q_value": q,
        "direction": direction,
        "amount_won": amount_won,
        "amount_lost": amount_lost,
        "tested": tested,
    }


def make_run(**changes) -> RunInfo:
    run = RunInfo(
        generated_at="2025-03-04 02:10 UTC",
        n_calls=214,
        n_ok=208,
        n_failed=2,
        n_skipped=4,
        n_deals_closed=61,
        n_won=27,
        n_lost=34,
        baseline_win_rate=0.45,
        has_deals=True,
        notes=["3 mono calls are not in customer-only analyses (set include_mono to opt in)"],
        failed=[("C-0191", "audio file is empty (0 bytes)"), ("C-0207", "unsupported codec")],
        previous_run="2025-03-03 02:10 UTC",
    )
    return replace(run, **changes)


def make_data(**run_changes) -> ReportData:
    themes = pd.DataFrame(
        [
            theme(
                "t1",
                "Salesforce integration",
                9,
                1,
                "win",
                540_000,
                60_000,
                0.003,
                trend="growing",
                phrases="salesforce sync; two-way sync; crm fields",
            ),
            theme(
                "t2",
                "Onboarding speed",
                8,
                2,
                "win",
                1_150_000,
                220_000,
                0.02,
                trend="new",
                single_rep=True,
                phrases="go live; onboarding; week one",
            ),
            theme(
                "t3",
                "Per-seat pricing",
                2,
                11,
                "loss",
                90_000,
                910_000,
                0.004,
                trend="shrinking",
                phrases="per seat; too expensive; license cost",
            ),
            theme(
                "t4",
                "Reporting dashboards",
                6,
                7,
                "none",
                300_000,
                350_000,
                0.61,
                phrases="dashboard; export",
            ),
            theme("t5", "Mobile app", 1, 2, "none", 10_000, 30_000, NAN, tested=False),
        ]
    )
    themes["top_rep"] = ["", "Dana & Co", "", "", ""]
    quotes = pd.DataFrame(
        [
            quote("t1", "C-0101", "D-17", 205.4, "If it syncs both ways with Salesforce, done."),
            quote("t1", "C-0102", "D-18", 62, "Our reps live in Salesforce, so that's the deal."),
            quote("t1", "C-0140", "D-22", 3725, "The field mapping was the thing we needed."),
            quote("t1", "C-0150", "D-23", 15, "Not a representative one.", rep=False),
            quote("t2", "C-0110", "D-30", 95, "We need to be live before the quarter starts."),
            quote("t3", "C-0120", "D-40", 130, "Per seat gets really expensive for us."),
            quote("t3", "C-0121", "D-41", 44, "Thirty seats at that price is a non-starter."),
            quote("t4", "C-0130", "D-50", 12, "Can I export the dashboard to PDF?"),
        ]
    )
    objections = pd.DataFrame(
        [
            objection("budget", 3, 12, "loss", 120_000, 1_300_000, 0.01),
            objection("competitor", 4, 9, "loss", 200_000, 700_000, 0.04),
            objection("security", 5, 4, "none", 400_000, 350_000, 0.5),
            objection("timing", 3, 3, "none", 100_000, 150_000, 0.9),
        ]
    )
    objection_quotes = pd.DataFrame(
        [
            {
                "call_id": "C-0120",
                "deal_id": "D-40",
                "speaker": "customer",
                "start": 300,
                "end": 305,
                "text": "Honestly we don't have budget this year.",
                "category": "budget",
                "score": 0.9,
            },
            {
                "call_id": "C-0160",
                "deal_id": "D-60",
                "speaker": "customer",
                "start": 75,
                "end": 80,
                "text": "We're also looking at Gong.",
                "category": "competitor",
                "score": 0.8,
            },
        ]
    )
    phrases = pd.DataFrame(
        [
            {
                "phrase": "per seat",
                "mentions": 40,
                "deals": 14,
                "deals_won": 2,
                "deals_lost": 11,
                "win_rate": 0.15,
                "lift": 0.34,
                "z": -3.1,
                "p_value": 0.001,
                "q_value": 0.01,
                "direction": "loss",
                "single_rep": False,
            },
            {
                "phrase": "two-way sync",
                "mentions": 22,
                "deals": 10,
                "deals_won": 9,
                "deals_lost": 1,
                "win_rate": 0.9,
                "lift": 2.0,
                "z": 2.9,
                "p_value": 0.002,
                "q_value": 0.02,
                "direction": "win",
                "single_rep": False,
            },
            {
                "phrase": "the weather",
                "mentions": 60,
                "deals": 30,
                "deals_won": 14,
                "deals_lost": 15,
                "win_rate": 0.48,
                "lift": 1.07,
                "z": 0.2,
                "p_value": 0.8,
                "q_value": 0.9,
                "direction": "none",
                "single_rep": False,
            },
        ]
    )
    metrics = pd.DataFrame(
        [
            {
                "metric": "customer_talk_share",
                "n_won": 90,
                "n_lost": 110,
                "mean_won": 0.46,
                "mean_lost": 0.31,
                "p_value": 0.002,
            },
            {
                "metric": "questions_asked",
                "n_won": 90,
                "n_lost": 110,
                "mean_won": 11.2,
                "mean_lost": 10.9,
                "p_value": 0.7,
            },
        ]
    )
    deals = pd.DataFrame(
        [
            {"deal_id": "D-17", "outcome": "won", "amount": 60_000},
            {"deal_id": "D-18", "outcome": "won", "amount": 45_000},
            {"deal_id": "D-40", "outcome": "lost", "amount": 80_000},
        ]
    )
    return ReportData(
        themes=themes,
        quotes=quotes,
        objections=objections,
        objection_quotes=objection_quotes,
        phrases=phrases,
        metrics=metrics,
        run=make_run(**run_changes),
        deals=deals,
    )


def empty_data(**run_changes) -> ReportData:
    return ReportData(
        themes=pd.DataFrame(columns=THEME_COLUMNS),
        quotes=pd.DataFrame(),
        objections=pd.DataFrame(),
        objection_quotes=pd.DataFrame(),
        phrases=pd.DataFrame(),
        metrics=pd.DataFrame(),
        run=make_run(notes=[], failed=[], n_failed=0, **run_changes),
    )


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"section {section_id} missing"
    return match.group(1)


class _Collector(HTMLParser):
    """Collects tags and attributes, to check what the browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "value, expected",
    [
        (540_000, "$540,000"),
        (0, "$0"),
        (999.6, "$1,000"),
        (1_234_567, "$1.2M"),
        (1_000_000, "$1M"),
        (999_999.7, "$1M"),
        (2_500_000_000, "$2.5B"),
        (-45_000, "-$45,000"),
        (NAN, "—"),
        (None, "—"),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


def test_format_timestamps_pcts_lifts_and_q():
    assert format_timestamp(205.4) == "03:25"
    assert format_timestamp(0) == "00:00"
    assert format_timestamp(3725) == "1:02:05"
    assert format_timestamp(NAN) == "—"
    assert format_pct(0.9) == "90%"
    assert format_pct(0.456, 1) == "45.6%"
    assert format_pct(None) == "—"
    assert format_lift(2.04) == "2.0×"
    assert format_lift(0.456) == "0.46×"
    assert format_q(0.0004) == "<0.001"
    assert format_q(0.0123) == "0.012"
    assert format_q(NAN) == "—"


# --------------------------------------------------------------------------- suggestions


def test_suggest_content_by_direction_and_category():
    win = suggest_content("win", "theme").lower()
    assert "case study" in win and "landing-page" in win and "proof points" in win
    loss = suggest_content("loss", "theme").lower()
    assert "faq" in loss and "battlecard" in loss and "pricing-page" in loss
    assert "case study" not in suggest_content("none", "theme").lower()
    expected = {
        "competitor": "battlecard",
        "budget": "roi calculator",
        "security": "security faq",
        "timing": "nurture",
        "authority": "champion enablement deck",
        "need": "use-case page",
    }
    for category, words in expected.items():
        assert words in suggest_content("loss", "objection", category).lower(), category
    assert "pricing-page" in suggest_content("loss", "objection", "budget").lower()
    assert "trust page" in suggest_content("loss", "objection", "security").lower()
    # An objection reps already win on: keep the asset, framed as capturing the answers.
    win_obj = suggest_content("win", "objection", "competitor").lower()
    assert "battlecard" in win_obj and "reps already win" in win_obj
    assert "faq" in suggest_content("loss", "objection", "something-else").lower()
    with pytest.raises(ValueError):
        suggest_content("win", "banana")


# --------------------------------------------------------------------------- HTML


def test_html_has_every_section_and_headline_in_revenue_language():
    page = render_html(make_data())
    for section_id in (
        "summary",
        "win-themes",
        "loss-themes",
        "flat-themes",
        "lift-chart",
        "objections",
        "phrases",
        "metrics",
        "failed",
        "notes",
    ):
        assert f'<section id="{section_id}">' in page
    summary = " ".join(section(page, "summary").split())
    # Top win theme by pipeline: Onboarding speed ($1.37M) beats Salesforce ($600k).
    assert "Deals where customers talk about <strong>“Onboarding speed”</strong> won" in summary
    assert "<strong>8 of 10</strong> ($1.1M won)" in summary
    # Top loss objection by pipeline: budget.
    assert "raise budget concerns" in summary and "<strong>3 of 15</strong>" in summary
    assert "($1.3M lost)" in summary
    assert "208" in summary and "214" in summary and "45%" in summary
    assert "Benjamini–Hochberg" in page and "α = 0.05" in page
    assert "fewer than 5 closed deals" in page


def test_win_themes_are_ordered_by_pipeline_and_show_their_figures():
    win = section(render_html(make_data()), "win-themes")
    assert win.index("Onboarding speed") < win.index("Salesforce integration")
    assert "Per-seat pricing" not in win and "Reporting dashboards" not in win
    assert "$600,000" in win and "$540,000 won" in win  # Salesforce pipeline and won
    assert "9 of 10" in win and "2.0×" in win and "0.003" in win
    assert "growing" in win and "new this run" in win
    assert "Mostly one rep's deals (Dana &amp; Co): may be a rep habit" in win
    assert "two-way sync" in win
    assert win.count("Case study, landing-page copy") == 2
    loss = section(render_html(make_data()), "loss-themes")
    assert "Per-seat pricing" in loss and "shrinking" in loss
    assert "FAQ entry, battlecard and pricing-page copy" in loss
    flat = section(render_html(make_data()), "flat-themes")
    assert "Reporting dashboards" in flat and "Mobile app" in flat


def test_lift_interval_comes_from_wilson_win_rate_interval():
    page = render_html(make_data())
    # Salesforce: win rate 0.9, ci 0.7..1.0, baseline 0.45 -> lift interval 1.6..2.2
    assert "interval 1.6–2.2×" in section(page, "win-themes")


def test_quotes_carry_call_id_timestamp_and_outcome():
    win = section(render_html(make_data()), "win-themes")
    card = next(a for a in win.split("<article") if "Salesforce integration</h3>" in a)
    salesforce = re.findall(r"<blockquote.*?</blockquote>", card, re.S)
    assert len(salesforce) == 3  # representative quotes only: there are three
    first = " ".join(salesforce[0].split())
    assert "C-0101" in first and "03:25" in first and "D-17" in first
    assert '<span class="pill won">won</span>' in first and "$60,000" in first
    assert any("1:02:05" in q for q in salesforce)
    assert "Not a representative one." not in win
    # A theme with a single representative quote is topped up to MIN_QUOTES when it can be.
    picked = _pick_quotes(
        [quote("x", f"C{i}", "D", i, f"text {i}", rep=i == 0) for i in range(6)], 5, 3
    )
    assert [q["call_id"] for q in picked] == ["C0", "C1", "C2"]


def test_objections_table_chart_and_quotes():
    obj = section(render_html(make_data()), "objections")
    assert "<svg" in obj and "bar-win" in obj and "bar-loss" in obj
    assert "3 won · 12 lost" in obj
    assert "Pricing-page copy and an ROI calculator" in obj
    assert "Competitive battlecard" in obj and "Security FAQ" in obj
    assert "Nurture email sequence" in obj
    assert "don&#39;t have budget this year" in obj and "C-0120" in obj and "05:00" in obj
    # significant loss objections first, then by pipeline
    assert obj.index("Budget") < obj.index("Competitor") < obj.index("Security")


def test_lift_chart_has_a_dot_and_whisker_per_tested_theme_and_a_line_at_one():
    chart = section(render_html(make_data()), "lift-chart")
    assert chart.count("<circle") == 4  # four tested themes, the untested one is left out
    assert "1.0× = baseline" in chart
    parser = _Collector()
    parser.feed(chart)
    dashed = [v for t, k, v in parser.attrs if t == "line" and k == "stroke-dasharray"]
    assert dashed, "reference line at lift 1.0 missing"


def test_phrases_metrics_failed_and_notes():
    page = render_html(make_data())
    phrases = section(page, "phrases")
    assert phrases.index("per seat") < phrases.index("the weather")
    assert phrases.index("two-way sync") < phrases.index("the weather")
    metrics = section(page, "metrics")
    assert "Customer talk share" in metrics and "0.46" in metrics and "0.002" in metrics
    failed = section(page, "failed")
    assert "C-0191" in failed and "audio file is empty (0 bytes)" in failed
    assert "3 mono calls are not in customer-only analyses" in section(page, "notes")


def test_html_is_self_contained():
    page = render_html(make_data())
    assert "http://" not in page and "https://" not in page
    assert "<svg" in page
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "img" not in parser.tags and "iframe" not in parser.tags
    for tag, key, value in parser.attrs:
        assert key != "src", tag
        if key == "href":
            assert value and value.startswith("#"), value
        assert not key.startswith("on"), (tag, key)
    assert "url(" not in page and "@import" not in page


HOSTILE = '<script>alert(1)</script> " onmouseover="x & Co'


def hostile_data() -> ReportData:
    data = make_data()
    data.themes.loc[0, "label"] = HOSTILE
    data.themes.loc[0, "top_phrases"] = HOSTILE + "; ok"
    data.themes.loc[2, "label"] = HOSTILE
    data.themes.loc[1, "top_rep"] = HOSTILE
    data.quotes.loc[0, "text"] = HOSTILE
    data.quotes.loc[0, "call_id"] = HOSTILE
    data.quotes.loc[0, "deal_id"] = HOSTILE
    data.objection_quotes.loc[0, "text"] = HOSTILE
    data.objections.loc[0, "item"] = HOSTILE
    data.phrases.loc[0, "phrase"] = HOSTILE
    data.metrics.loc[0, "metric"] = HOSTILE
    data.run.failed = [(HOSTILE, HOSTILE)]
    data.run.notes = [HOSTILE]
    data.run.generated_at = HOSTILE
    return data


def test_everything_from_data_is_escaped_in_html():
    page = render_html(hostile_data())
    assert "<script" not in page.lower()
    assert "onmouseover=" not in page.replace("onmouseover=&#34;", "")  # only escaped form
    assert '" onmouseover="x' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp; Co" in page and " & Co" not in page
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert not [k for _, k, _ in parser.attrs if k.startswith("on")]
    # the hostile text still reaches the reader, escaped, in labels, SVG text and tables
    assert page.count("&lt;script&gt;") >= 8
    chart = section(page, "lift-chart")
    assert "&lt;script&gt;" in chart  # SVG <text> and <title>
    # unescaping gives the original text back: nothing was lost or double-escaped
    assert HOSTILE in html.unescape(page)


def test_has_deals_false_shows_themes_without_statistics_and_a_callout():
    data = make_data(has_deals=False, n_deals_closed=0, n_won=0, n_lost=0, baseline_win_rate=None)
    data.themes[["direction", "q_value", "lift", "win_rate"]] = [["none", NAN, NAN, NAN]] * 5
    data.themes["tested"] = False
    page = render_html(data)
    assert "Win/loss statistics need deal outcomes" in page
    assert "--deals deals.csv" in page
    assert '<section id="win-themes">' not in page and '<section id="lift-chart">' not in page
    assert '<section id="metrics">' not in page
    themes = section(page, "themes")
    assert "Salesforce integration" in themes and "C-0101" in themes and "03:25" in themes
    assert "q-value" not in themes and "pill won" not in themes and "lift" not in themes
    assert "mentions" in section(page, "objections")
    md = render_markdown(data)
    assert "Win/loss statistics need deal outcomes" in md and "`--deals deals.csv`" in md
    assert "Salesforce integration" in md


def test_empty_inputs_render_gracefully():
    page = render_html(empty_data())
    assert "No theme is significantly linked to won deals" in page
    assert "No objections were detected in this run." in page
    assert "No theme had enough closed deals to test." in page
    assert "Every call was processed." in page
    assert "No phrases in this run." in page
    md = render_markdown(empty_data())
    assert "No objections were detected" in md and "every call was processed" in md
    # frames without any columns (and None) are fine too
    bare = ReportData(
        themes=pd.DataFrame(),
        quotes=None,
        objections=pd.DataFrame(),
        objection_quotes=pd.DataFrame(),
        phrases=pd.DataFrame(),
        metrics=None,
        run=make_run(has_deals=False, notes=[], failed=[]),
    )
    assert "No themes were found in this run." in render_html(bare)
    assert render_markdown(bare)


# --------------------------------------------------------------------------- Markdown


def test_markdown_summary_has_figures_quotes_objections_and_failures():
    md = render_markdown(make_data())
    assert md.startswith("# Call insight report")
    win = md.split("## Top win themes")[1].split("## Top loss themes")[0]
    assert win.index("Onboarding speed") < win.index("Salesforce integration")
    assert "won 9 of 10 deals" in win and r"\$540,000 won" in win
    assert "C-0101 at 03:25" in win and "(won)" in win
    assert "Per-seat pricing" in md.split("## Top loss themes")[1]
    table = md.split("## Objections")[1].split("## Failed calls")[0]
    assert "| Budget | 3 / 15 |" in table and "ROI calculator" in table
    assert "- C-0191: audio file is empty (0 bytes)" in md


def test_md_escape():
    assert md_escape("a|b") == r"a\|b"
    assert md_escape("[x](javascript:y)") == r"\[x\](javascript:y)"
    assert md_escape("<b>&") == "&lt;b&gt;&amp;"
    assert md_escape("*bold* _it_ `code`") == r"\*bold\* \_it\_ \`code\`"
    assert md_escape("line\nbreak") == "line break"
    assert md_escape("# heading") == r"\# heading"
    assert md_escape("- item") == r"\- item"
    assert md_escape("1. first") == r"1\. first"
    assert md_escape("2.5") == "2.5"
    assert md_escape(None) == ""


def test_markdown_escapes_data():
    md = render_markdown(hostile_data())
    assert "<script" not in md and "<" not in md.replace("`--deals deals.csv`", "")
    data = make_data()
    data.objections.loc[0, "item"] = "budget | pricing"
    data.themes.loc[1, "label"] = "*Onboarding* [speed](x) `now` _fast_"
    data.quotes.loc[4, "text"] = "We need it | now\n> really"
    md = render_markdown(data)
    assert r"Budget \| pricing" in md
    assert r"\*Onboarding\* \[speed\](x) \`now\` \_fast\_" in md
    assert r"We need it \| now &gt; really" in md
    for line in md.splitlines():
        if line.startswith("| Budget"):
            # 9 cell separators: the escaped pipe is not one of them
            assert len(re.findall(r"(?<!\\)\|", line)) == 9


# --------------------------------------------------------------------------- writing


def test_write_report_writes_both_files_atomically(tmp_path):
    out = tmp_path / "out"
    html_path, md_path = write_report(make_data(), out)
    assert html_path == out / "report.html" and md_path == out / "report.md"
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert md_path.read_text(encoding="utf-8").startswith("# Call insight report")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.md"]
    # writing again replaces in place and leaves no temp files either
    write_report(empty_data(), out)
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.md"]
    assert "No objections were detected" in html_path.read_text(encoding="utf-8")


def test_failed_write_keeps_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    atomic_write_text(target, "old")
    os.chmod(target, 0o640)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fsutil.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    # the replacement keeps the permission bits of the file it replaces
    atomic_write_bytes(target, b"\x00new")
    assert target.read_bytes() == b"\x00new"
    assert target.stat().st_mode & 0o777 == 0o640
    fresh = atomic_write_text(tmp_path / "fresh.md", "x\n")
    assert fresh.stat().st_mode & 0o777 == 0o644


def test_render_error_leaves_previous_report_untouched(tmp_path, monkeypatch):
    write_report(make_data(), tmp_path)
    before = (tmp_path / "report.md").read_text(encoding="utf-8")

    def fail(data):
        raise RuntimeError("template broke")

    monkeypatch.setattr("callinsight.stages.report.render.render_markdown", fail)
    with pytest.raises(RuntimeError):
        write_report(empty_data(), tmp_path)
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == before
    assert "Salesforce integration" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["report.html", "report.md"]


def test_trend_badges_and_single_rep_warning():
    page = render_html(make_data())
    assert "new this run" in page and "↗ growing" in page and "↘ shrinking" in page
    # the single-rep theme is flagged in the chart and in the legend too
    chart = section(page, "lift-chart")
    assert "Onboarding speed ⚠" in chart and "may be a rep habit" in chart
    # First run: nothing to compare with, so "new" would be on every theme: not shown.
    first = render_html(make_data(previous_run=None))
    assert "new this run" not in first and "↗ growing" in first
    assert "first run: no trend comparison yet" in first


def test_templates_never_mark_data_safe():
    for template in report.TEMPLATE_DIR.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", re.sub(r"\{#.*?#\}", "", text, flags=re.S))
        assert not re.search(r"autoescape\s+false", text, re.I), template.name
        assert "http://" not in text and "https://" not in text, template.name


def test_small_talk_themes_are_kept_apart_from_content_themes():
    data = make_data()
    chat = theme("t9", "weekend, hiking", 9, 1, "win", 400_000, 10_000, 0.01, phrases="weekend; hiking")
    chat["small_talk"] = True
    data = replace(data, themes=pd.concat([data.themes, pd.DataFrame([chat])], ignore_index=True))
    page = render_html(data)
    assert "weekend, hiking" not in section(page, "win-themes")
    assert "weekend, hiking" not in section(page, "lift-chart")
    flat = section(page, "flat-themes")
    assert "Small talk" in flat
    assert '<span class="chip" title="12 quotes, 9 / 10 won">weekend, hiking</span>' in flat
    md = render_markdown(data)
    assert "Small talk, kept apart (not content): weekend, hiking" in md
    assert md.count("weekend, hiking") == 1
    ctx = report.report_context(data)
    assert [t["theme_id"] for t in ctx["small_talk_themes"]] == ["t9"]
    assert all(not t["small_talk"] for t in ctx["themes"])
    assert "Small talk" not in render_html(make_data())  # nothing flagged: no line


# --------------------------------------------------------------------------- theme tree


METHOD = {
    "window": "calls started on or before the deal's close date; 12 later call(s) (40 customer "
              "sentences) are shown but not counted",
    "confounders": "Cochran-Mantel-Haenszel test within rep (4 reps) x customer talk volume "
                   "(3 bands of customer words): 12 strata",
}


def tree_data(**run_changes) -> ReportData:
    """Broad theme T001 (win) with sub-themes T001.1 (win, unstable) and T001.2 (too few
    deals), and broad theme T002 (no difference) with a loss sub-theme T002.1."""
    rows = [
        theme("T001", "Integrations", 12, 3, "win", 800_000, 100_000, 0.004),
        theme("T001.1", "Salesforce sync", 9, 1, "win", 500_000, 50_000, 0.01),
        theme("T001.2", "Zapier hooks", 2, 1, "none", 20_000, 10_000, NAN, tested=False),
        theme("T002", "Pricing", 7, 8, "none", 300_000, 400_000, 0.5),
        theme("T002.1", "Per-seat cost", 1, 9, "loss", 10_000, 700_000, 0.02),
    ]
    extra = [
        ("broad", "", "statement", 0.91, True, "win", "renamed"),
        ("sub", "T001", "need", 0.41, False, "win", ""),
        ("sub", "T001", "question", NAN, None, "insufficient evidence", ""),
        ("broad", "", "statement", 0.77, True, "no difference", "merged T007"),
        ("sub", "T002", "decline", 0.65, True, "loss", ""),
    ]
    for row, (level, parent, act, stability, stable, verdict, curated) in zip(rows, extra, strict=True):
        row.update(level=level, parent_id=parent, act=act, stability=stability, stable=stable,
                   verdict=verdict, log_odds=0.5, test="cmh", curated=curated)
    quotes = pd.DataFrame([
        quote("T001.1", "C-1", "D-1", 30, "The Salesforce sync is what sold me."),
        quote("T002.1", "C-2", "D-2", 65, "Per seat we can't do it."),
    ])
    run_changes.setdefault("method", dict(METHOD))
    return replace(make_data(**run_changes), themes=pd.DataFrame(rows), quotes=quotes)


def test_theme_tree_nests_sub_themes_under_broad_themes():
    ctx = report.report_context(tree_data())
    assert [t["theme_id"] for t in ctx["themes"]] == ["T001", "T002"]
    assert [s["theme_id"] for s in ctx["themes"][0]["subs"]] == ["T001.1", "T001.2"]
    assert [s["parent_label"] for s in ctx["sub_themes"]] == ["Integrations"] * 2 + ["Pricing"]
    verdicts = {t["theme_id"]: t["verdict"] for t in ctx["themes"] + ctx["sub_themes"]}
    assert verdicts == {"T001": "win", "T001.1": "win", "T001.2": "insufficient evidence",
                        "T002": "no difference", "T002.1": "loss"}
    assert [t["theme_id"] for t in ctx["win_themes"]] == ["T001"]
    # a loss sub-theme under a flat broad theme is not hidden: it is a loss theme too
    assert [t["theme_id"] for t in ctx["loss_themes"]] == ["T002.1"]
    assert [t["theme_id"] for t in ctx["flat_themes"]] == ["T002"]
    assert ctx["n_unstable_themes"] == 1


def test_html_shows_levels_nesting_verdicts_stability_and_acts():
    page = render_html(tree_data())
    win = section(page, "win-themes")
    card = win.split('<div class="subthemes">')
    assert len(card) == 2 and "Integrations" in card[0]  # one broad card, its subs inside it
    subs = card[1]
    assert subs.index("Salesforce sync") < subs.index("Zapier hooks")
    assert '<td class="num-tag">1.1</td>' in subs and '<td class="num-tag">1.2</td>' in subs
    assert "⚠ unstable" in subs and "stability 0.41" in subs and "customer states a need" in subs
    assert "insufficient evidence" in subs and "▲ win" in subs and "customer asks" in subs
    assert "The Salesforce sync is what sold me." in subs
    assert "stability 0.91" in card[0] and "curated: renamed" in card[0] and "▲ win" in card[0]
    assert "customer" not in card[0].split("<h3>")[1].split("</div>")[0]  # a statement: no act
    loss = section(page, "loss-themes")
    assert "Per-seat cost" in loss and "sub-theme of “Pricing”" in loss and "▼ loss" in loss
    assert "customer declines" in loss
    flat = section(page, "flat-themes")
    assert flat.index("Pricing") < flat.index("Per-seat cost")  # indented under its theme
    assert '<tr class="sub-row">' in flat and ">1.1</td>" in flat and "▼ loss" in flat
    assert "curated: merged T007" in flat
    assert "Per-seat cost" in section(page, "lift-chart")
    method = section(page, "method")
    assert "How these figures were made" in method
    assert "12 later call(s) (40 customer sentences) are shown but not counted" in method
    assert "Cochran-Mantel-Haenszel test within rep (4 reps)" in method
    assert "Only closed deals are tested; the deal is the unit; broad themes are tested first" in method
    assert "hierarchical false discovery control" in method
    assert 'href="#method"' in page
    assert "2 broad" not in page and "3 sub-themes · 1 unstable" in section(page, "summary")


def test_markdown_shows_the_tree_verdicts_and_method():
    md = render_markdown(tree_data())
    win = md.split("## Top win themes")[1].split("## Top loss themes")[0]
    assert "1. **Integrations** — win: won 12 of 15" in win and "stability 0.91" in win
    assert "   - 1.1 **Salesforce sync** — win, won 9 of 10 deals" in win
    assert "⚠ unstable" in win and "customer states a need" in win
    assert "   - 1.2 **Zapier hooks** — insufficient evidence" in win
    loss = md.split("## Top loss themes")[1].split("## Objections")[0]
    assert "**Per-seat cost** (sub-theme of Pricing) — loss" in loss
    method = md.split("## How these figures were made")[1]
    assert "- **Calls counted:** calls started on or before the deal's close date" in method
    assert "- **Confounders:** Cochran-Mantel-Haenszel" in method
    assert "(hierarchical false discovery control)." in method
    # the objection table says the verdict in words
    assert "| Budget | 3 / 15 |" in md and "| loss |" in md and "| no difference |" in md


def test_theme_tree_without_deals_nests_sub_themes_in_the_plain_cards():
    data = tree_data(has_deals=False, n_deals_closed=0, n_won=0, n_lost=0, baseline_win_rate=None)
    page = render_html(data)
    themes = section(page, "themes")
    assert "Integrations" in themes and '<td class="num-tag">1.1</td>' in themes
    assert "⚠ unstable" in themes and "▲ win" not in themes
    assert "   - 1.1 **Salesforce sync** — 1" in render_markdown(data).replace("12 quotes", "1")


def test_tree_and_method_text_are_escaped():
    data = tree_data(method={"window": HOSTILE, "confounders": HOSTILE, HOSTILE: HOSTILE})
    data.themes.loc[1, "label"] = HOSTILE
    data.themes.loc[0, "curated"] = HOSTILE
    data.themes.loc[4, "act"] = HOSTILE
    page = render_html(data)
    assert "<script" not in page.lower() and '" onmouseover="x' not in page
    assert section(page, "method").count("&lt;script&gt;") == 4
    assert HOSTILE in html.unescape(section(page, "win-themes"))
    md = render_markdown(data)
    assert "<script" not in md and "&lt;script&gt;" in md.split("## How these figures were made")[1]


def test_old_runs_without_tree_columns_or_method_render_as_before():
    page = render_html(make_data())  # no level/verdict/stability columns, no method
    assert '<section id="method">' not in page and 'href="#method"' not in page
    assert "sub-themes" not in page.lower() and "unstable" not in page and "stability" not in page
    assert "▲ win" in page and "▼ loss" in page and "no difference" in page
    ctx = report.report_context(make_data())
    assert {t["verdict"] for t in ctx["themes"]} == {"win", "loss", "no difference",
                                                     "insufficient evidence"}
    assert all(t["level"] == "broad" and t["stable"] and not t["subs"] for t in ctx["themes"])
    md = render_markdown(make_data())
    assert "## How these figures were made" not in md and "unstable" not in md


def test_report_data_reads_the_method_and_tolerates_old_runs():
    from callinsight.stages.report.inputs import report_data

    tables = {"themes": tree_data().themes}
    run = {"started_at": "2025-03-04T02:10:00+00:00", "settings": {}, "notes": [],
           "deals_csv": "deals.csv", "method": METHOD}
    data = report_data(tables, run)
    assert data.run.method == METHOD
    assert "hierarchical false discovery control" in render_html(data)
    for old in ({}, {"method": None}, {"method": "junk"}, {"method": {"window": None}}):
        data = report_data({}, {"started_at": "2025-03-04", **old})
        assert data.run.method == {}  # None values are dropped, not shown as "None"
        page = render_html(data)
        assert '<section id="method">' not in page and render_markdown(data)
    partial = report_data({}, {"method": {"confounders": "Fisher's exact test (one rep)"}})
    method = section(render_html(partial), "method")
    assert "Fisher&#39;s exact test (one rep)" in method and "Calls counted" not in method


def test_web_themes_page_shares_the_tree_and_method():
    from callinsight.serve.web import environment

    def themes_page(data: ReportData) -> str:
        return environment().get_template("themes.html.j2").render(
            active="themes", run_summary={}, has_deals=data.run.has_deals, n_calls=3,
            **report.report_context(data))

    page = themes_page(tree_data())
    # every theme has one anchor; the loss sub-theme listed on its own keeps its anchor
    # in its broad theme's table
    assert sorted(re.findall(r'id="theme-([^"]+)"', page)) == [
        "T001", "T001.1", "T001.2", "T002", "T002.1"]
    assert '<td class="num-tag">1.1</td>' in page and "⚠ unstable" in page
    other = section(page, "flat-themes")
    assert other.index("Pricing") < other.index("Per-seat cost") and ">1.1</td>" in other
    assert "insufficient evidence" in page and "▼ loss" in page and "customer declines" in page
    assert 'href="/calls/C-1#t=30"' in page  # a sub-theme's example links to its call
    assert "hierarchical false discovery control" in section(page, "method")
    data = tree_data()
    data.themes.loc[1, "label"] = HOSTILE
    data.run.method = {"window": HOSTILE}
    hostile = themes_page(data)
    assert "<script>alert" not in hostile and "&lt;script&gt;" in section(hostile, "method")
    assert "&lt;script&gt;" in section(hostile, "win-themes")
    old = themes_page(make_data())  # no tree columns, no method
    assert '<section id="method">' not in old and "unstable" not in old
