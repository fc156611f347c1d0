"""Customer acts: what a sentence *does* (agrees, declines, asks for proof, ...), beside its topic.

Outcomes follow what the customer does as much as what it talks about, and a sentence
embedding puts "we can accept the pilot" next to "we can't accept the pilot". Themes are
therefore built within each act (see `stages.analyse.hierarchy`). Acts come from an editable
YAML taxonomy of regular expressions (``acts_file`` setting): explainable, and the same on
every corpus. A sentence takes every act whose pattern matches; the rest are
``statement``, grouped by topic only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callinsight.contracts import InputError
from callinsight.settings import read_yaml

STATEMENT = "statement"

__all__ = ["STATEMENT", "Act", "ActTaxonomy", "load_acts"]


@dataclass(frozen=True)
class Act:
    name: str
    label: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ActTaxonomy:
    acts: tuple[Act, ...]

    def classify(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Every act each sentence performs, in taxonomy order (``("statement",)`` for none).

        "I understand, but we can't do that" both acknowledges and declines: it belongs to
        both acts' themes, and never to a theme of agreements.
        """
        out = []
        for text in texts:
            t = " ".join(str(text).replace("\u2019", "'").split())
            found = tuple(a.name for a in self.acts if any(p.search(t) for p in a.patterns))
            out.append(found or (STATEMENT,))
        return out

    def label(self, name: str) -> str:
        return next((a.label for a in self.acts if a.name == name), "says")


def load_acts(path: str | Path) -> ActTaxonomy:
    """Read an acts YAML file (``acts: {name: {label, patterns: [...]}}``); errors name the act."""
    path = Path(path)
    data = read_yaml(path, "Acts file", "acts_file") or {}
    acts_data = data.get("acts") if isinstance(data, dict) else None
    if not isinstance(acts_data, dict):
        raise InputError(f"Acts file {path} needs an 'acts:' mapping of name: {{label, patterns}}.")
    acts = []
    for name, spec in acts_data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("patterns"), list):
            raise InputError(f"Acts file {path}: act {name!r} needs a 'patterns:' list.")
        patterns = []
        for pattern in spec["patterns"]:
            try:
                patterns.append(re.compile(str(pattern), re.IGNORECASE))
            except re.error as exc:
                raise InputError(f"Acts file {path}: act {name!r} pattern {pattern!r}: {exc}") from exc
        if name == STATEMENT:
            raise InputError(f"Acts file {path}: {STATEMENT!r} is the name of sentences with no act.")
        acts.append(Act(str(name), str(spec.get("label") or name), tuple(patterns)))
    return ActTaxonomy(tuple(acts))
