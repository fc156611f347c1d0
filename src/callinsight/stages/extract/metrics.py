"""Per-call metrics of the conversation itself (who talks, for how long, how many questions)."""

from __future__ import annotations

from collections.abc import Sequence

from callinsight.contracts import Segment

__all__ = ["conversation_metrics"]


def conversation_metrics(segments: Sequence[Segment]) -> dict[str, float]:
    """Rep talk ratio, longest customer monologue (s) and number of rep questions."""
    rep = sum(s.end - s.start for s in segments if s.speaker == "rep")
    cust = sum(s.end - s.start for s in segments if s.speaker == "customer")
    longest, run_start, run_end = 0.0, None, None
    for s in segments:
        if s.speaker == "customer":
            run_start = s.start if run_start is None else run_start
            run_end = s.end
            longest = max(longest, run_end - run_start)
        elif s.speaker == "rep":
            run_start = run_end = None
    questions = sum(s.text.count("?") for s in segments if s.speaker == "rep")
    return {
        "rep_talk_ratio": rep / (rep + cust) if rep + cust > 0 else float("nan"),
        "longest_customer_monologue": round(longest, 2),
        "rep_questions": float(questions),
    }
