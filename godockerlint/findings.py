"""Findings, fixes and severities: what rules produce and reporters consume."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum


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


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] (offsets in the decoded text) with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: str  # SAFE or UNSAFE
    message: str = ""  # what the fix does, for --diff and summaries


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

    @property
    def level(self) -> str:
        return self.severity.label

    @property
    def fix_applicability(self) -> str | None:
        return self.fix.applicability if self.fix else None

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.message)
