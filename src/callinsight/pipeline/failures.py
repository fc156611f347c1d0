"""Failed calls grouped by kind, and the error of a run in which no call could be processed.

A hundred calls failing for one reason should read as one line with a count and an
example, not a hundred lines: the reason's call-specific parts (paths, quoted values,
row and line numbers) are set aside as the example and the rest is the kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callinsight.contracts import CallStatus, InputError

# call-specific parts of a reason: paths, file names (not the manifest's), quoted values,
# row / line / byte numbers
_SPECIFIC = re.compile(
    r"""(?P<path>(?<![\w.])(?:[A-Za-z]:\\|/)[^\s'"()<>,;]*[^\s'"()<>,;.:])"""
    r"""|(?P<file>(?<![\w/.:\\-])[\w-][\w.-]*\.(?!csv\b)[A-Za-z][A-Za-z0-9]{1,4}\b)"""
    r"""|(?P<quoted>(?<!\w)'[^'\n]*'(?!\w)|"[^"\n]*")"""
    r"""|(?P<number>\b(?:row|line|byte|offset|cue|segment)s? \d+\b)""",
    re.IGNORECASE,
)
_EXAMPLE_BEFORE = re.compile(r"(?:like|e\.g\.|such as|as|form)\s*$", re.IGNORECASE)
_UNCHANGED = " (unchanged since the last run)"
_TIDY = [
    (re.compile(r"\(\s*[:;,.]?\s*\)"), ""),  # brackets left empty
    (re.compile(r"\(\s*[\w ]+:\s*\)"), ""),  # "(allowed roots: )"
    (re.compile(r"\s+([:;,.)])"), r"\1"),
    (re.compile(r"([(])\s+"), r"\1"),
    (re.compile(r"([:;,])(?:\s*[:;,])+"), r"\1"),
    (re.compile(r"\s{2,}"), " "),
]


def failure_kind(reason: str) -> tuple[str, str]:
    """``(kind, specifics)`` of a reason: the kind without the call's paths, values and rows."""
    text = reason.removesuffix(_UNCHANGED)
    specifics: list[str] = []

    def set_aside(m: re.Match[str]) -> str:
        if m.group("quoted") and _EXAMPLE_BEFORE.search(text, 0, m.start()):
            return m.group(0)  # "like 'rep,customer'": part of the advice, not of the call
        if m.group(0) not in specifics:
            specifics.append(m.group(0))
        if m.group("number") and not text[:m.start()].endswith("("):
            return " " + m.group(0).split()[0]  # "row 4" -> "row": the kind still says where
        return " "

    kind = _SPECIFIC.sub(set_aside, text)
    for pattern, repl in _TIDY:
        kind = pattern.sub(repl, kind)
    kind = kind.strip(" :;,.") or "unknown reason"
    if kind.startswith(("is ", "has ", "was ", "does ", "cannot ")):  # its subject was the path
        kind = "file " + kind
    return kind, ", ".join(specifics)


@dataclass(frozen=True)
class FailureKind:
    """Calls that failed (or were skipped) for one kind of reason, with one example."""

    status: str
    kind: str
    count: int
    call_id: str
    example: str  # the example call's specifics (its path, value or row); may be empty

    def line(self) -> str:
        calls = "call" if self.count == 1 else "calls"
        example = f"{self.call_id}: {self.example}" if self.example else self.call_id
        return f"{self.count} {calls} {self.status}: {self.kind} (e.g. {example})"


def group_failures(statuses: Sequence[CallStatus]) -> list[FailureKind]:
    """Failed and skipped calls by kind of reason, most frequent first."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for s in statuses:
        if s.status == "ok":
            continue
        kind, specifics = failure_kind(s.reason)
        groups.setdefault((s.status, kind), []).append((s.call_id, specifics))
    kinds = [FailureKind(status, kind, len(items), items[0][0], items[0][1])
             for (status, kind), items in groups.items()]
    return sorted(kinds, key=lambda k: (-k.count, k.status, k.kind))


class NoCallProcessed(InputError):
    """No call of the run could be transcribed or imported: every call failed or was skipped.

    ``str()`` is what the command prints: one line per kind of failure, then where
    calls_status.csv is; ``headline`` is the one-line version (the flow run's state message).
    """

    def __init__(self, kinds: Sequence[FailureKind], total: int, status_file: Path | str) -> None:
        self.kinds = list(kinds)
        self.total = total
        self.status_file = Path(status_file)
        body = "\n".join(f"  {k.line()}" for k in self.kinds)
        super().__init__(f"No call could be processed ({self.total} {_calls(self.total)}):\n{body}\n"
                         f"Every call's status: {self.status_file}")

    @property
    def headline(self) -> str:
        counts: dict[str, int] = {}
        for k in self.kinds:
            counts[k.status] = counts.get(k.status, 0) + k.count
        parts = ", ".join(f"{n} {status}" for status, n in counts.items())
        return (f"No call could be processed ({self.total} {_calls(self.total)}: {parts}, "
                f"{len(self.kinds)} kind(s) of failure); every call's status: {self.status_file}")

    def markdown(self) -> str:
        """The failure as a Prefect artifact: deployments have no terminal to print to."""
        rows = "\n".join(f"| {k.count} | {k.status} | {_md(k.kind)} | {_md(k.call_id)}: {_md(k.example)} |"
                         for k in self.kinds)
        return (f"# No call could be processed\n\n{self.total} {_calls(self.total)}; every call's status "
                f"is in `{self.status_file}`.\n\n| calls | status | reason | example |\n"
                f"| ---: | --- | --- | --- |\n{rows}\n")

    def __reduce__(self):  # picklable although __init__ takes other arguments than Exception's
        return (type(self), (self.kinds, self.total, self.status_file))


def _calls(n: int) -> str:
    return "call" if n == 1 else "calls"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
