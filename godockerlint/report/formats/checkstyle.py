"""Checkstyle XML report (read by Jenkins warnings-ng, reviewdog, many CI dashboards).

`<checkstyle version="4.3">`, one `<file name=…>` per file with findings, one
`<error line column severity message source/>` per finding; attribute values are escaped
(`& < > "`, and CR, LF and TAB as character references); characters XML 1.0 cannot hold
are replaced by U+FFFD.
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import Sequence

from godockerlint.core.findings import Finding

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def attr(value: str) -> str:
    """A double-quoted XML attribute value."""
    value = _INVALID.sub("\ufffd", value)
    return '"' + "".join(_ENTITIES.get(c, c) for c in value) + '"'


def render(findings: Sequence[Finding], *, color: bool = False, quiet: bool = False, failed: int = 0) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    ordered = sorted(findings, key=Finding.sort_key)
    for file, group in groupby(ordered, key=lambda f: f.file):
        lines.append(f"  <file name={attr(file)}>")
        for f in group:
            lines.append(
                f"    <error line=\"{f.line}\" column=\"{f.column}\" severity={attr(f.level)} "
                f"message={attr(f.message)} source={attr(f'godockerlint.{f.code}')}/>"
            )
        lines.append("  </file>")
    lines.append("</checkstyle>")
    return "\n".join(lines) + "\n"
