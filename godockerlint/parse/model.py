"""The Dockerfile model: plain, immutable data produced by the parser.

Nothing here knows about Go. Positions are 1-based lines and columns; an end
column is exclusive (the column just after the last character), as in SARIF.
Offsets index the decoded text (without a byte-order mark), end exclusive.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterator

from godockerlint.core.record import Frozen, _set


class Span(Frozen):
    __slots__ = ("start", "end", "line", "column", "end_line", "end_column")

    def __init__(self, start: int, end: int, line: int, column: int, end_line: int, end_column: int) -> None:
        _set(self, "start", start)  # offset in the decoded text
        _set(self, "end", end)  # exclusive
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)


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
        starts = self.starts  # position() twice, inlined: ~20k spans per 500 files
        line = bisect_right(starts, start)
        if start <= end and (line == len(starts) or end < starts[line]):
            end_line = line  # on the same line
        else:
            end_line = bisect_right(starts, end)
        return Span(start, end, line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based `line`."""
        return self.starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of 1-based `line` (before its newline)."""
        if line < len(self.starts):
            return self.starts[line] - 1
        return self.length


class Word(Frozen):
    """A shell word: `value` has quotes and escapes removed, `raw` is as written."""

    __slots__ = ("value", "raw", "span", "quoted")

    def __init__(self, value: str, raw: str, span: Span, quoted: bool = False) -> None:
        _set(self, "value", value)
        _set(self, "raw", raw)
        _set(self, "span", span)
        _set(self, "quoted", quoted)  # some part of it was quoted


class Mount(Frozen):
    """A parsed `RUN --mount=...` flag. Key aliases are normalised."""

    __slots__ = ("type", "target", "source", "from_", "id", "sharing", "uid", "gid", "mode", "required", "env",
                 "readonly", "options", "span")

    def __init__(self, type: str, target: str | None, source: str | None, from_: str | None, id: str | None,
                 sharing: str | None, uid: str | None, gid: str | None, mode: str | None, required: str | None,
                 env: str | None, readonly: bool, options: tuple[tuple[str, str], ...], span: Span) -> None:
        _set(self, "type", type)
        _set(self, "target", target)
        _set(self, "source", source)
        _set(self, "from_", from_)
        _set(self, "id", id)
        _set(self, "sharing", sharing)
        _set(self, "uid", uid)
        _set(self, "gid", gid)
        _set(self, "mode", mode)
        _set(self, "required", required)
        _set(self, "env", env)
        # as BuildKit: bind/secret/ssh read-only unless rw, cache/tmpfs writable unless ro
        _set(self, "readonly", readonly)
        _set(self, "options", options)  # every key=value as written, aliases resolved
        _set(self, "span", span)


class Flag(Frozen):
    __slots__ = ("name", "value", "span", "mount")

    def __init__(self, name: str, value: str | None, span: Span, mount: Mount | None = None) -> None:
        _set(self, "name", name)  # without the leading dashes, lower case
        _set(self, "value", value)  # None for a bare boolean flag such as --link
        _set(self, "span", span)
        _set(self, "mount", mount)


class Heredoc(Frozen):
    __slots__ = ("delimiter", "strip_tabs", "quoted", "marker", "body", "body_span", "span")

    def __init__(self, delimiter: str, strip_tabs: bool, quoted: bool, marker: Span, body: str, body_span: Span,
                 span: Span) -> None:
        _set(self, "delimiter", delimiter)
        _set(self, "strip_tabs", strip_tabs)  # <<-EOF
        _set(self, "quoted", quoted)  # <<"EOF" / <<'EOF': no expansion in the body
        _set(self, "marker", marker)  # the `<<EOF` marker on the instruction line
        _set(self, "body", body)  # as the builder sees it (tabs stripped for <<-)
        _set(self, "body_span", body_span)  # the body lines in the file, without the terminator
        _set(self, "span", span)  # body and terminator line


class Instruction(Frozen):
    __slots__ = ("index", "keyword", "raw_keyword", "span", "flags", "args", "args_span", "segments", "json_args",
                 "heredocs", "stage")
    _no_repr = _no_compare = ("segments",)

    def __init__(self, index: int, keyword: str, raw_keyword: str, span: Span, flags: tuple[Flag, ...], args: str,
                 args_span: Span, segments: tuple[tuple[int, int], ...], json_args: tuple[str, ...] | None = None,
                 heredocs: tuple[Heredoc, ...] = (), stage: int = -1) -> None:
        _set(self, "index", index)  # position in Dockerfile.instructions
        _set(self, "keyword", keyword)  # upper case: RUN, COPY, ...
        _set(self, "raw_keyword", raw_keyword)  # as written
        _set(self, "span", span)  # the whole instruction, continuation lines and heredocs included
        _set(self, "flags", flags)
        _set(self, "args", args)  # the text after the flags, continuations joined, comment lines removed
        _set(self, "args_span", args_span)
        # (offset in args, offset in text) where each joined piece of `args` starts
        _set(self, "segments", segments)
        _set(self, "json_args", json_args)  # exec (JSON) form
        _set(self, "heredocs", heredocs)
        _set(self, "stage", stage)  # index of its stage, -1 before the first FROM

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
        if len(segs) == 1:  # one line: no continuation to skip
            return segs[0][1] + i - segs[0][0]
        k = bisect_right(segs, (i, float("inf"))) - 1
        if k < 0:
            k = 0
        a, t = segs[k]
        return t + (i - a)


class Comment(Frozen):
    __slots__ = ("text", "span", "inside")

    def __init__(self, text: str, span: Span, inside: int | None = None) -> None:
        _set(self, "text", text)  # without the leading '#' and surrounding blanks
        _set(self, "span", span)
        _set(self, "inside", inside)  # index of the instruction whose continuation holds it


class Stage(Frozen):
    __slots__ = ("index", "name", "base", "platform", "from_instruction", "instructions")

    def __init__(self, index: int, name: str | None, base: str, platform: str | None, from_instruction: Instruction,
                 instructions: tuple[Instruction, ...]) -> None:
        _set(self, "index", index)
        _set(self, "name", name)  # lower case, as BuildKit compares them
        _set(self, "base", base)  # the FROM image reference as written (variables unexpanded)
        _set(self, "platform", platform)
        _set(self, "from_instruction", from_instruction)
        _set(self, "instructions", instructions)  # after FROM, up to the next FROM

    def __iter__(self) -> Iterator[Instruction]:
        return iter(self.instructions)


class Directive(Frozen):
    __slots__ = ("name", "value", "span")

    def __init__(self, name: str, value: str, span: Span) -> None:
        _set(self, "name", name)  # lower case: syntax, escape, check
        _set(self, "value", value)
        _set(self, "span", span)


class Dockerfile(Frozen):
    __slots__ = ("path", "text", "bom", "newline", "escape", "directives", "instructions", "comments", "stages",
                 "lines", "_stage_names")
    _no_repr = _no_compare = ("lines", "_stage_names")

    def __init__(self, path: str, text: str, bom: bool, newline: str, escape: str, directives: tuple[Directive, ...],
                 instructions: tuple[Instruction, ...], comments: tuple[Comment, ...], stages: tuple[Stage, ...],
                 lines: LineIndex, _stage_names: dict[str, int] | None = None) -> None:
        _set(self, "path", path)
        _set(self, "text", text)  # decoded, without a BOM; line endings as in the file
        _set(self, "bom", bom)
        _set(self, "newline", newline)  # "\n" or "\r\n": the file's dominant line ending
        _set(self, "escape", escape)
        _set(self, "directives", directives)
        _set(self, "instructions", instructions)
        _set(self, "comments", comments)
        _set(self, "stages", stages)
        _set(self, "lines", lines)
        _set(self, "_stage_names", _stage_names)  # stage name -> index of the first stage so named

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
        first = self._stage_names
        if first is None:  # asked per stage and per COPY --from: an index, not a scan
            first = {}
            for i, st in enumerate(self.stages):
                if st.name is not None:
                    first.setdefault(st.name, i)
            _set(self, "_stage_names", first)
        i = first.get(ref.lower())
        return self.stages[i] if i is not None and i < limit else None
