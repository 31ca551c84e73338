"""Text report: `file:line:col: CODE level: message`, then a summary line."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import click

from godockerlint.core.findings import Finding, Severity

LEVEL_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0) -> str:
    """One line per finding; then, unless `quiet`, a summary line.

    `failed` is the number of files that could not be linted (their errors go to stderr).
    """
    lines = [_line(f, color) for f in sorted(findings, key=Finding.sort_key)]
    if not quiet:
        lines.append(summary(findings, failed))
    return "".join(line + "\n" for line in lines)


def _line(f: Finding, color: bool) -> str:
    where = f"{f.file}:{f.line}:{f.column}:"
    if not color:
        return f"{where} {f.code} {f.level}: {f.message}"
    level = click.style(f"{f.level}:", fg=LEVEL_COLORS[f.severity], bold=True)
    return f"{click.style(where, bold=True)} {click.style(f.code, bold=True)} {level} {f.message}"


def summary(findings: Sequence[Finding], failed: int = 0) -> str:
    """`All checks passed.`, `Found 3 problems (1 error, 2 warnings).`, and when some files
    could not be linted: `No problems found; 1 file could not be linted.`"""
    if failed:
        found = summary(findings).rstrip(".") if findings else "No problems found"
        return f"{found}; {failed} file{'' if failed == 1 else 's'} could not be linted."
    if not findings:
        return "All checks passed."
    counts = Counter(f.severity for f in findings)
    parts = []
    for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts.get(sev, 0)
        if n:
            noun = sev.label if n == 1 or sev is Severity.INFO else sev.label + "s"
            parts.append(f"{n} {noun}")
    total = len(findings)
    return f"Found {total} problem{'' if total == 1 else 's'} ({', '.join(parts)})."
