"""The "suggested content" line: what marketing should make of a theme or an objection.

Kept in one table so the report and the web app suggest the same asset for the same
finding; the objection verbs are here too, because they name the same categories.
"""

from __future__ import annotations

__all__ = ["suggest_content", "objection_verb", "act_words"]

_THEME_CONTENT = {
    "win": "Case study, landing-page copy and customer proof points built on this theme",
    "loss": "FAQ entry, battlecard and pricing-page copy that answer this before it comes up",
    "none": "No content change yet: not linked to winning or losing",
}

_OBJECTION_CONTENT = {
    "competitor": "Competitive battlecard and a head-to-head comparison page",
    "budget": "Pricing-page copy and an ROI calculator",
    "security": "Security FAQ and a trust page (certifications, data handling)",
    "timing": "Nurture email sequence that keeps the deal warm until the timing is right",
    "authority": "Champion enablement deck the contact can take to the decision-maker",
    "need": "Use-case page that shows the problem solved, with numbers",
}
_OBJECTION_DEFAULT = "FAQ entry and battlecard that answer this objection"

# How the headline sentence names an objection category.
_OBJECTION_VERB = {
    "budget": "raise budget concerns",
    "authority": "say someone else makes the decision",
    "need": "question the need",
    "timing": "push back on timing",
    "competitor": "bring up a competitor",
    "security": "raise security concerns",
}

# What the customer does in a theme's sentences (the ``act`` column; labels as in
# config/customer_acts.yaml). "statement" (plain talk about a topic) is not shown.
_ACT_WORDS = {
    "agree": "customer agrees",
    "decline": "customer declines",
    "empathy": "customer acknowledges the other side",
    "challenge": "customer pushes back",
    "proof": "customer asks for proof",
    "defer": "customer puts it off",
    "no_need": "customer says it is not needed",
    "need": "customer states a need",
    "offer": "customer proposes terms",
    "amount": "customer names an amount",
    "question": "customer asks",
}


def act_words(act: str | None) -> str:
    """What the customer does, in words ("customer declines"); "" for a plain statement or
    no act. An act from a custom acts file reads as its name."""
    key = (act or "").strip().lower()
    if key in ("", "statement", "nan", "none"):
        return ""
    return _ACT_WORDS.get(key, "customer: " + key.replace("_", " "))


def objection_verb(key: str, item: str) -> str:
    """How the headline says customers bring up objection ``key`` (lower-cased ``item``)."""
    return _OBJECTION_VERB.get(key, f"raise {item or 'other'} objections")


def suggest_content(direction: str | None, kind: str, category: str | None = None) -> str:
    """The "suggested content" line for a theme, phrase or objection.

    kind: "theme" / "phrase" (win: case study, landing-page copy, proof points; loss: FAQ
    entry, battlecard, pricing-page copy) or "objection" (a category-specific asset:
    competitor -> battlecard, budget -> pricing page / ROI calculator, security -> security
    FAQ / trust page, timing -> nurture sequence, authority -> champion enablement deck,
    need -> use-case page).
    """
    direction = (direction or "none").strip().lower()
    if direction not in ("win", "loss"):
        direction = "none"
    kind = (kind or "").strip().lower()
    if kind == "objection":
        asset = _OBJECTION_CONTENT.get((category or "").strip().lower(), _OBJECTION_DEFAULT)
        if direction == "win":
            asset = asset[0].lower() + asset[1:]
            return f"Reps already win when this comes up: turn their answers into {asset}"
        return asset
    if kind in ("theme", "phrase"):
        return _THEME_CONTENT[direction]
    raise ValueError(f"kind must be 'theme', 'phrase' or 'objection', not {kind!r}")
