"""Building text edits from the model's spans (rules never touch text themselves)."""

from __future__ import annotations

from godockerlint.core.findings import Edit
from godockerlint.parse.model import Dockerfile, Instruction


def indentation(df: Dockerfile, ins: Instruction) -> str:
    start = df.lines.line_start(ins.span.line)
    line = df.text[start : ins.span.start]
    return line if not line.strip() else ""


def insert_lines_before(df: Dockerfile, ins: Instruction, lines: list[str]) -> Edit:
    """Insert whole lines before `ins`, with its indentation and the file's line ending."""
    at = df.lines.line_start(ins.span.line)
    ind = indentation(df, ins)
    text = "".join(f"{ind}{ln}{df.newline}" for ln in lines)
    return Edit(at, at, text)


def insert_flag(df: Dockerfile, ins: Instruction, flag: str) -> Edit:
    """Insert `flag` (e.g. --mount=type=cache,target=/go/pkg/mod) as the first flag of `ins`."""
    at = ins.span.start + len(ins.raw_keyword)
    return Edit(at, at, " " + flag)


def delete_instruction(df: Dockerfile, ins: Instruction) -> Edit:
    """Delete `ins` with its whole lines (including the line ending)."""
    start = df.lines.line_start(ins.span.line)
    end = df.lines.line_end(ins.span.end_line)
    if df.text.startswith("\r\n", end):
        end += 2
    elif df.text.startswith("\n", end):
        end += 1
    return Edit(start, end, "")


def replace_span(start: int, end: int, text: str) -> Edit:
    return Edit(start, end, text)


def insert_lines_after(df: Dockerfile, ins: Instruction, lines: list[str]) -> Edit:
    """Insert whole lines after `ins` (after its last line), with its indentation and the file's line ending."""
    at = df.lines.line_end(ins.span.end_line)
    if at and df.text[at - 1:at] == "\r" and df.text[at:at + 1] == "\n":
        at -= 1  # a CRLF line ends before its \r: the inserted lines must not split the file's \r\n
    ind = indentation(df, ins)
    text = "".join(f"{df.newline}{ind}{ln}" for ln in lines)
    return Edit(at, at, text)
