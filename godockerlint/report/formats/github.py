"""GitHub Actions report: one workflow command per finding, shown as an annotation on the PR.

`::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message`; `warning` and
`notice` for the lower levels. Property values escape `%`, CR, LF, `:` and `,`; the message
escapes `%`, CR and LF (the runner's rules). `col`/`endColumn` are given only for a finding on
one line, as GitHub's annotations accept columns only then. No summary line.
"""

from __future__ import annotations

from typing import Sequence

from godockerlint.core.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    props = [("file", f.file.replace("\\", "/")), ("line", str(f.line))]
    one_line = f.end_line == f.line
    if one_line:
        props.append(("col", str(f.column)))
    props.append(("endLine", str(max(f.end_line, f.line))))
    if one_line:
        props.append(("endColumn", str(f.end_column)))
    props.append(("title", f"{f.code} {f.name}"))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[f.severity]} {joined}::{escape_data(f.message)}"


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0) -> str:
    """One command line per finding, sorted by file, line and column."""
    return "".join(command(f) + "\n" for f in sorted(findings, key=Finding.sort_key))
