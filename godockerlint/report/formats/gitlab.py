"""GitLab Code Quality report (the `codequality` artifact): a JSON array of issues.

Each issue has `description`, `check_name`, `fingerprint`, `severity` (error: critical,
warning: major, info: info; a file that cannot be parsed, GDL001: blocker), and
`location.path` with `location.lines.begin` (and `end`).
"""

from __future__ import annotations

import json
import posixpath
from typing import Mapping, Sequence

from godockerlint.core.findings import Finding, Severity
from godockerlint.report.fingerprint import fingerprints

USES_SOURCES = True
SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def issue(f: Finding, fingerprint: str) -> dict:
    return {
        "type": "issue",
        "engine_name": "godockerlint",
        "check_name": f.code,
        "description": f"{f.code} {f.name}: {f.message}",
        "categories": ["Bug Risk" if f.severity is Severity.ERROR else "Performance"],
        "fingerprint": fingerprint,
        "severity": "blocker" if f.code == "GDL001" else SEVERITIES[f.severity],
        "location": {
            "path": posixpath.normpath(f.file.replace("\\", "/")),
            "lines": {"begin": f.line, "end": max(f.end_line, f.line)},
        },
    }


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0,
           sources: Mapping[str, str] | None = None) -> str:
    ordered = sorted(findings, key=Finding.sort_key)
    return json.dumps([issue(f, fp) for f, fp in zip(ordered, fingerprints(ordered, sources))],
                      indent=2, ensure_ascii=False) + "\n"
