"""Fingerprints of findings that survive unrelated edits (for SARIF, GitLab and baselines).

A fingerprint hashes the rule code, the file (as reported), the normalised text
of the instruction the finding points into (continuations joined, whitespace
collapsed), and the occurrence index of that (code, file, text) triple in the
file. It never includes a line number, so lines added above a finding leave
its fingerprint unchanged; an edit of the instruction itself changes it.

Pure functions: they read the findings and the sources they are given.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Mapping, Sequence

from godockerlint.core.findings import Finding

VERSION = "v1"  # part of the hash: bump when the recipe changes
_SPACE = re.compile(r"\s+")
_CONTINUATION = re.compile(r"[\\`][ \t]*\r?\n")


def normalise(text: str) -> str:
    """Join continuation lines, collapse whitespace."""
    return _SPACE.sub(" ", _CONTINUATION.sub(" ", text)).strip()


def instruction_texts(text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """(first line, last line, normalised text) of each instruction, and the file's lines."""
    from godockerlint.parse.parser import ParseError, parse

    lines = text.splitlines()
    try:
        df = parse(text)
    except ParseError:
        return [], lines
    spans = [(ins.span.line, ins.span.end_line, normalise(df.text[ins.span.start:ins.span.end]))
             for ins in df.instructions]
    return spans, lines


def fingerprints(findings: Sequence[Finding], sources: Mapping[str, str] | None = None) -> list[str]:
    """One fingerprint (32 hex digits) per finding, in the order given.

    `sources` maps a finding's `file` to the file's decoded text; a finding whose
    file is missing from it is keyed on its message with the digits removed.
    """
    sources = sources or {}
    parsed: dict[str, tuple[list, list[str]]] = {}
    keys: list[tuple[str, str, str]] = []
    for f in findings:
        text = sources.get(f.file)
        if text is None:
            anchor = "message:" + re.sub(r"\d+", "#", f.message)
        else:
            if f.file not in parsed:
                parsed[f.file] = instruction_texts(text)
            spans, lines = parsed[f.file]
            anchor = next((t for first, last, t in spans if first <= f.line <= last), None)
            if anchor is None:  # a comment, a parse error: the line itself
                anchor = normalise(lines[f.line - 1]) if 0 < f.line <= len(lines) else ""
        keys.append((f.code, f.file.replace("\\", "/"), anchor))
    # occurrence index in reading order, among findings with the same key
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    seen: dict[tuple, int] = defaultdict(int)
    result = [""] * len(findings)
    for i in order:
        n = seen[keys[i]]
        seen[keys[i]] += 1
        raw = "\0".join((VERSION, *keys[i], str(n)))
        result[i] = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
    return result
