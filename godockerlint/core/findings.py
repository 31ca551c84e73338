"""Findings, fixes and severities: what rules produce and reporters consume."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum

from godockerlint.core.record import Frozen, _set


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (expected error, warning or info)") from None


SAFE = "safe"
UNSAFE = "unsafe"


class Edit(Frozen):
    """Replace text[start:end] (offsets in the decoded text) with `text`."""

    __slots__ = ("start", "end", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "text", text)


class Fix(Frozen):
    __slots__ = ("edits", "applicability", "message", "layout")

    def __init__(self, edits: tuple[Edit, ...], applicability: str, message: str = "", layout: str = "") -> None:
        _set(self, "edits", edits)
        _set(self, "applicability", applicability)  # SAFE or UNSAFE
        _set(self, "message", message)  # what the fix does, for --diff and summaries
        # for the --fix loop: "changes" (inserts a dependency step: which RUN downloads first changes),
        # "follows" (its place depends on that: it waits for a "changes" fix of its stage), else ""
        _set(self, "layout", layout)


class Related(Frozen):
    """Another place a finding names ("the sources are copied here"): 1-based, end exclusive."""

    __slots__ = ("line", "column", "end_line", "end_column", "message")

    def __init__(self, line: int, column: int, end_line: int, end_column: int, message: str) -> None:
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)
        _set(self, "message", message)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    url: str = ""
    fix: Fix | None = field(default=None, compare=False)
    related: tuple[Related, ...] = field(default=(), compare=False)

    @property
    def level(self) -> str:
        return self.severity.label

    @property
    def fix_applicability(self) -> str | None:
        return self.fix.applicability if self.fix else None

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)

    def __reduce__(self):  # pickled by the process pool: plain values, rebuilt with __init__
        return _finding, (self.code, self.name, int(self.severity), self.file, self.line, self.column,
                          self.end_line, self.end_column, self.message, self.url, self.fix, self.related)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.message)


_SEVERITIES = {int(s): s for s in Severity}


def _finding(code, name, severity, *rest) -> Finding:
    return Finding(code, name, _SEVERITIES[severity], *rest)
