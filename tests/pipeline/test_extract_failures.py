"""A call whose extraction fails stays failed until its input or the extraction settings change."""

from __future__ import annotations

import json

from callinsight.contracts import Call
from callinsight.pipeline import check_call, extract_pending, extraction, pending_extraction, process_call
from callinsight.settings import Settings
from callinsight.store.sqlite import Store


class Broken:  # stands in for a spaCy / model failure on this machine
    def extract(self, transcripts):
        raise ValueError("tokenizer crashed")


def test_failed_extraction_is_retried_when_the_extraction_settings_change(tmp_path, monkeypatch):
    path = tmp_path / "t1.json"
    path.write_text(json.dumps([
        {"speaker": "Customer", "start": 0, "end": 3, "text": "The price is too high for our team."},
        {"speaker": "Rep", "start": 3, "end": 5, "text": "What budget did you have in mind?"},
    ]))
    call = Call(call_id="t1", transcript=path)
    store, out, settings = Store(tmp_path / "insights.db"), tmp_path / "out", Settings()
    assert process_call(call, settings, store, out).status == "new"

    monkeypatch.setattr(extraction, "make_extractor", lambda s: Broken())
    report = extract_pending(["t1"], settings, store)
    assert "tokenizer crashed" in report.failed["t1"] and not report.extracted
    again = check_call(call, settings, store, out)
    assert again.status == "failed" and "unchanged since the last run" in again.reason

    monkeypatch.undo()
    changed = settings.replace(objection_threshold=settings.objection_threshold + 0.05)
    retry = check_call(call, changed, store, out)
    assert retry.status == "cached"  # the transcript is reused; only extraction reruns
    assert pending_extraction(["t1"], changed, store) == ["t1"]
    done = extract_pending(["t1"], changed, store)
    assert done.extracted == ["t1"] and not done.failed
    assert store.failure("t1") is None
    assert check_call(call, settings, store, out).status == "cached"  # old settings: no stale failure
