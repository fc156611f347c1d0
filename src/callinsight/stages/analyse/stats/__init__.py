"""Statistics stage: which items (phrases, themes, objections) go with won or lost deals.

The unit of analysis is the deal: an item is "present" in a deal when any customer
utterance of any of the deal's calls contains it, however many times. Only closed deals
(won / lost) enter the tests; open deals are reported but never tested. Many items are
tested at once, so every table controls the false discovery rate (Benjamini-Hochberg)
over the items that reach the minimum support.

Modules: `intervals` (Wilson), `significance` (Fightin' Words, Fisher), `fdr`
(Benjamini-Hochberg), `association` (the per-item table), `continuous` (per-deal metrics).
"""

from __future__ import annotations

from callinsight.stages.analyse.stats.association import (
    ASSOCIATION_COLUMNS,
    StatsOptions,
    association_table,
)
from callinsight.stages.analyse.stats.continuous import metric_association
from callinsight.stages.analyse.stats.fdr import benjamini_hochberg
from callinsight.stages.analyse.stats.intervals import wilson_interval
from callinsight.stages.analyse.stats.significance import (
    _fisher_shared_margins as _fisher_shared_margins,  # private, but tests import it from here
)
from callinsight.stages.analyse.stats.significance import fightin_words_z, fisher_exact_p

__all__ = [
    "ASSOCIATION_COLUMNS",
    "StatsOptions",
    "association_table",
    "benjamini_hochberg",
    "fightin_words_z",
    "fisher_exact_p",
    "metric_association",
    "wilson_interval",
]
