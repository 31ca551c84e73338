"""The Dockerfile model: plain, immutable data produced by the parser.

Nothing here knows about Go. Positions are 1-based lines and columns; an end
column is exclusive (the column just after the last character), as in SARIF.
Offsets index the decoded text (without a byte-order mark), end exclusive.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterator


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # offset in the decoded text
    end: int  # exclusive
    line: int
    column: int
    end_line: int
    end_column: int


class LineIndex:
    """Maps text offsets to 1-based (line, column)."""

    __slots__ = ("starts", "length")

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts
        self.length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start, end, line, column, end_line, end_column)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based `line`."""
        return self.starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of 1-based `line` (before its newline)."""
        if line < len(self.starts):
            return self.starts[line] - 1
        return self.length


@dataclass(frozen=True, slots=True)
class Word:
    """A shell word: `value` has quotes and escapes removed, `raw` is as written."""

    value: str
    raw: str
    span: Span
    quoted: bool = False  # some part of it was quoted


@dataclass(frozen=True, slots=True)
class Mount:
    """A parsed `RUN --mount=...` flag. Key aliases are normalised."""

    type: str
    target: str | None
    source: str | None
    from_: str | None
    id: str | None
    sharing: str | None
    uid: str | None
    gid: str | None
    mode: str | None
    required: str | None
    env: str | None
    readonly: bool  # as BuildKit: bind/secret/ssh read-only unless rw, cache/tmpfs writable unless ro
    options: tuple[tuple[str, str], ...]  # every key=value as written, aliases resolved
    span: Span


@dataclass(frozen=True, slots=True)
class Flag:
    name: str  # without the leading dashes, lower case
    value: str | None  # None for a bare boolean flag such as --link
    span: Span
    mount: Mount | None = None


@dataclass(frozen=True, slots=True)
class Heredoc:
    delimiter: str
    strip_tabs: bool  # <<-EOF
    quoted: bool  # <<"EOF" / <<'EOF': no expansion in the body
    marker: Span  # the `<<EOF` marker on the instruction line
    body: str  # as the builder sees it (tabs stripped for <<-)
    body_span: Span  # the body lines in the file, without the terminator
    span: Span  # body and terminator line


@dataclass(frozen=True, slots=True)
class Instruction:
    index: int  # position in Dockerfile.instructions
    keyword: str  # upper case: RUN, COPY, ...
    raw_keyword: str  # as written
    span: Span  # the whole instruction, continuation lines and heredocs included
    flags: tuple[Flag, ...]
    args: str  # the text after the flags, continuations joined, comment lines removed
    args_span: Span
    segments: tuple[tuple[int, int], ...] = field(repr=False, compare=False)
    # (offset in args, offset in text) where each joined piece of `args` starts
    json_args: tuple[str, ...] | None = None  # exec (JSON) form
    heredocs: tuple[Heredoc, ...] = ()
    stage: int = -1  # index of its stage, -1 before the first FROM

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def is_json(self) -> bool:
        return self.json_args is not None

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    @property
    def mounts(self) -> tuple[Mount, ...]:
        return tuple(f.mount for f in self.flags if f.mount is not None)

    def text_offset(self, i: int) -> int:
        """Text offset of character `i` of `args` (continuations skipped)."""
        segs = self.segments
        if not segs:
            return self.args_span.start
        k = bisect_right(segs, (i, float("inf"))) - 1
        if k < 0:
            k = 0
        a, t = segs[k]
        return t + (i - a)


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # without the leading '#' and surrounding blanks
    span: Span
    inside: int | None = None  # index of the instruction whose continuation holds it


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    name: str | None  # lower case, as BuildKit compares them
    base: str  # the FROM image reference as written (variables unexpanded)
    platform: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # after FROM, up to the next FROM

    def __iter__(self) -> Iterator[Instruction]:
        return iter(self.instructions)


@dataclass(frozen=True, slots=True)
class Directive:
    name: str  # lower case: syntax, escape, check
    value: str
    span: Span


@dataclass(frozen=True)
class Dockerfile:
    path: str
    text: str  # decoded, without a BOM; line endings as in the file
    bom: bool
    newline: str  # "\n" or "\r\n": the file's dominant line ending
    escape: str
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]
    comments: tuple[Comment, ...]
    stages: tuple[Stage, ...]
    lines: LineIndex = field(repr=False, compare=False)

    @property
    def global_instructions(self) -> tuple[Instruction, ...]:
        """Instructions before the first FROM (global ARGs)."""
        out = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            out.append(ins)
        return tuple(out)

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    def stage_by_ref(self, ref: str, before: int | None = None) -> Stage | None:
        """Resolve a stage name or numeric index as `FROM`/`--from` would."""
        limit = len(self.stages) if before is None else before
        if ref.isdigit():
            i = int(ref)
            return self.stages[i] if i < limit else None
        name = ref.lower()
        for st in self.stages[:limit]:
            if st.name == name:
                return st
        return None
