"""JSON report: an array of finding objects, sorted by file, line and column."""

from __future__ import annotations

import json
from typing import Sequence

from godockerlint.core.findings import Finding


def as_dict(f: Finding) -> dict:
    return {
        "code": f.code,
        "name": f.name,
        "level": f.level,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "message": f.message,
        "url": f.url,
        "fix": f.fix_applicability,
    }


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0) -> str:
    """The whole report; `color`, `quiet` and `failed` do not apply to JSON."""
    return json.dumps([as_dict(f) for f in sorted(findings, key=Finding.sort_key)], indent=2) + "\n"
