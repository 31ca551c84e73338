"""Dockerfile text -> model, read as BuildKit reads it.

The grammar followed is BuildKit's Dockerfile frontend, moby/buildkit at
dockerfile/1.26.0-labs-57-g73ed6825c (`frontend/dockerfile/parser/` and
`frontend/dockerfile/instructions/`): the facts (what splits a line, what ends
a heredoc, what is refused and with which words) are taken from it, the code
is ours. The splitting into instructions is ours too: dockerfile-parse, which
this layer used to correct, got continuations ending in an escaped escape,
continuations into the end of the file, keyword-only lines and every heredoc
wrong, so the whole line reader is here now, in BuildKit's order:

- parser directives at the top (`# escape=` only there, `# syntax=` and
  `# check=` also after a `#!` shebang line; a repeated one is refused);
- a physical line longer than 65535 bytes is refused;
- blank and comment lines between instructions are skipped; an instruction
  continues while a line ends in the escape character that is not itself
  escaped (`\\\\` at the end of a line ends the instruction); comment and blank
  lines inside a continuation are dropped;
- flags (`--name[=value]`, quotes and escapes removed, `--` ends them);
- heredocs on RUN, COPY and ADD (also under ONBUILD), found in the words of the
  whole line as BuildKit's shell lexer splits them, their bodies read raw;
- what BuildKit's instruction parser refuses at parse time (ENV/LABEL without
  value, non-string JSON arrays, HEALTHCHECK without a command, bad --mount
  keys and values, FROM's shape, ...) is a ParseError with BuildKit's words.

Nothing here knows about Go.
"""

from __future__ import annotations

import re

from godockerlint.parse.arguments import (
    _BK_SPLIT_RE,
    _KEYWORD_GAP_RE,
    _KEYWORD_RE,
    HEREDOC_INSTRUCTIONS,
    ArgumentChecks,
    _map,
)
from godockerlint.parse.buildkit_words import (
    GO_SPACE,
    GO_SPACE_RUN_RE,
    Lex,
    LexError,
    flag_words,
    go_quote,
    heredoc_name,
    is_heredoc_word,
)
from godockerlint.parse.model import (
    Comment,
    Directive,
    Dockerfile,
    Heredoc,
    Instruction,
    LineIndex,
    Span,
    Stage,
)

BOM = "\ufeff"
INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD "
    "RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
JSON_INSTRUCTIONS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK"})
# BuildKit: these may have no arguments at all (RUN alone runs `sh -c ""`)
MAY_BE_EMPTY = frozenset({"RUN", "CMD", "ENTRYPOINT"})
EXACTLY_ONE = frozenset({"USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"})
MAX_LINE_BYTES = 65535  # BuildKit reads lines with a 64 KiB scanner: the newline must fit too
DIRECTIVE_NAMES = ("syntax", "escape", "check")
# BuildKit's directive line after the '#' and leading blanks (Go's \s is [\t\n\f\r ])
DIRECTIVE_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z", re.S)
_FIRST_WORD_RE = re.compile(f"[^{GO_SPACE}]*")
_MARKER_RE = re.compile(f"(?:^|[{GO_SPACE}])\\d*<<")  # a word that may be a heredoc marker
_STAGE_NAME_RE = re.compile(r"[a-z][a-z0-9\-_.]*\Z")


class ParseError(Exception):
    """The file is not a valid Dockerfile. Carries a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, column: int = 1, end_line: int | None = None,
                 end_column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line or line
        self.end_column = end_column or column + 1


def decode(data: bytes) -> tuple[str, bool]:
    """Bytes -> (text without BOM, had_bom). Raises ParseError for non-text input."""
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1:
        line, col = _byte_position(data, nul)
        raise ParseError("not a text file (NUL byte)", line, col)
    try:
        return data.decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        raise ParseError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, col) from None


def _byte_position(data: bytes, i: int) -> tuple[int, int]:
    """1-based (line, column) of byte `i`, the column counted in characters as in the model."""
    line_start = data.rfind(b"\n", 0, i) + 1
    prefix = data[line_start:i].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, i) + 1, len(prefix) + 1


def parse_bytes(data: bytes, path: str = "Dockerfile") -> Dockerfile:
    text, bom = decode(data)
    return parse(text, path, bom=bom)


def parse(text: str, path: str = "Dockerfile", *, bom: bool = False) -> Dockerfile:
    if text.startswith(BOM):
        text, bom = text[1:], True
    return _Parser(text, path, bom).run()


class _Parser(ArgumentChecks):
    def __init__(self, text: str, path: str, bom: bool) -> None:
        self.text = text
        self.path = path
        self.bom = bom
        self.index = LineIndex(text)
        # physical lines without their line terminators
        self.lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
        self.escape = "\\"
        self.directives: list[Directive] = []
        self.directive_lines: set[int] = set()
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []

    # -- helpers -----------------------------------------------------------------
    def off(self, line0: int, col0: int = 0) -> int:
        return self.index.starts[line0] + col0

    def span(self, start: int, end: int) -> Span:
        return self.index.span(start, end)

    def error(self, message: str, start: int, end: int | None = None) -> ParseError:
        line, col = self.index.position(start)
        end_line, end_col = self.index.position(end if end is not None else start + 1)
        return ParseError(message, line, col, end_line, end_col)

    def line_error(self, message: str, n: int) -> ParseError:
        line = self.lines[n]
        col = len(line) - len(line.lstrip(GO_SPACE))
        return self.error(message, self.off(n, col), self.off(n, max(len(line), col + 1)))

    # -- driver ------------------------------------------------------------------
    def run(self) -> Dockerfile:
        self.check_line_lengths()
        self.read_directives()
        lines = self.lines
        skip = self.directive_lines
        n, total = 0, len(lines)
        while n < total:
            line = lines[n]
            stripped = line.lstrip(GO_SPACE)
            if not stripped or n in skip:
                n += 1
                continue
            if stripped[0] == "#":
                start = self.off(n, len(line) - len(stripped))
                self.comments.append(Comment(stripped[1:].strip(), self.span(start, self.off(n, len(line)))))
                n += 1
                continue
            ins, n = self.build_instruction(n, len(self.instructions))
            self.instructions.append(ins)
        return self.assemble()

    def check_line_lengths(self) -> None:
        """BuildKit reads lines with a 64 KiB buffer: a line (with its `\\r`, and the BOM on
        the first line) of more than 65535 bytes is refused."""
        if len(self.text) * 4 + 3 <= MAX_LINE_BYTES:
            return
        starts = self.index.starts
        for n in range(len(starts)):
            end = starts[n + 1] - 1 if n + 1 < len(starts) else len(self.text)
            if (end - starts[n]) * 4 + 3 <= MAX_LINE_BYTES:
                continue
            size = len(self.text[starts[n]:end].encode("utf-8", "surrogatepass")) + (3 if n == 0 and self.bom else 0)
            if size > MAX_LINE_BYTES:
                raise ParseError(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES} "
                                 f"(line {n + 1} has {size} bytes)", n + 1, 1, n + 1, end - starts[n] + 1)

    def read_directives(self) -> None:
        """Parser directives, read twice as BuildKit does.

        The Dockerfile parser takes `# escape=` (and decides which top lines are directives,
        not comments) from the first lines, blanks trimmed, up to the first line that is not
        a directive; a repeated directive is an error. `# syntax=` and `# check=` are read by
        BuildKit's directive detection, which skips one `#!` shebang line first but does not
        trim the lines."""
        lines = self.lines
        seen: set[str] = set()
        for n, line in enumerate(lines):
            found = _directive(line.lstrip(GO_SPACE))
            if found is None:
                break
            name, value, vcol = found
            col = len(line) - len(line.lstrip(GO_SPACE))
            if name in seen:
                raise self.line_error(f"only one {name} parser directive can be used", n)
            seen.add(name)
            self.directive_lines.add(n)
            if name == "escape":
                if value not in ("\\", "`"):
                    raise self.error(f"invalid escape token '{value}' does not match ` or \\",
                                     self.off(n, col + vcol), self.off(n, len(line)))
                self.escape = value
                self.directives.append(Directive(name, value, self.span(self.off(n, col), self.off(n, len(line)))))
        first = 1 if lines and lines[0].startswith("#!") else 0
        seen = set()
        for n in range(first, len(lines)):
            found = _directive(lines[n])
            if found is None or found[0] in seen:
                break
            name, value, _ = found
            seen.add(name)
            if name != "escape":
                self.directive_lines.add(n)
                self.directives.append(Directive(name, value, self.span(self.off(n), self.off(n, len(lines[n])))))
        self.directives.sort(key=lambda d: d.span.start)

    # -- one instruction -----------------------------------------------------------
    def build_instruction(self, first: int, ins_index: int) -> tuple[Instruction, int]:
        """The instruction starting on line `first`; returns it and the line after it."""
        esc = self.escape
        pieces: list[tuple[int, int]] = []  # (text start, text end) of joined pieces
        lines = self.lines
        starts = self.index.starts
        total = len(lines)
        last = n = first
        while n < total:
            line = lines[n]
            base = starts[n]
            if n == first:
                begin = len(line) - len(line.lstrip(GO_SPACE))
            else:
                stripped = line.lstrip(GO_SPACE)
                if stripped[:1] == "#":  # BuildKit drops comment lines inside a continuation
                    col = len(line) - len(stripped)
                    self.comments.append(Comment(stripped[1:].strip(), self.span(base + col, base + len(line)), ins_index))
                    n += 1
                    continue
                if not stripped:  # and blank ones
                    n += 1
                    continue
                begin = 0
            last = n
            n += 1
            body = line.rstrip("\r").rstrip(" \t")
            # a continuation: the last escape character, unless another one escapes it
            if body.endswith(esc) and (len(body) == 1 or body[-2] != esc):
                pieces.append((base + begin, base + len(body) - 1))
                continue
            pieces.append((base + begin, base + len(line)))
            break
        if len(pieces) == 1:  # most instructions: one line
            s, t = pieces[0]
            segments = [(0, s)]
            logical = self.text[s:t]
        else:
            logical_parts, segments, pos = [], [], 0
            for s, t in pieces:
                segments.append((pos, s))
                logical_parts.append(self.text[s:t])
                pos += t - s
            logical = "".join(logical_parts)
        end_offset = starts[last] + len(lines[last])

        k0 = GO_SPACE_RUN_RE.match(logical).end()
        m = _KEYWORD_RE.match(logical, k0)
        if not m:
            raise self.error("empty instruction", self.off(first))
        raw_kw = m.group(0)
        kw = raw_kw.upper()
        kw_start = _map(segments, k0)
        kw_end = kw_start + len(raw_kw)
        if kw not in INSTRUCTIONS:
            raise self.error(f"unknown instruction: {raw_kw}", kw_start, kw_end)

        i = _KEYWORD_GAP_RE.match(logical, m.end()).end()
        words, i = flag_words(logical, i, esc)
        flags = [self.make_flag(kw, word, j, k, segments) for word, j, k in words] if words else []
        i = GO_SPACE_RUN_RE.match(logical, i).end()
        args = logical[i:].rstrip(GO_SPACE)
        if not args and kw not in MAY_BE_EMPTY:
            if kw in EXACTLY_ONE:
                why = "requires exactly one argument"
            elif kw in ("COPY", "ADD"):
                why = "requires at least two arguments, but only one was provided. Destination could not be determined"
            elif kw == "FROM":
                why = "requires either one or three arguments"
            else:
                why = "requires at least one argument"
            raise self.error(f"{kw} {why}", kw_start, kw_end)
        args_start = _map(segments, i) if i < len(logical) else end_offset
        args_end = _map(segments, i + len(args) - 1) + 1 if args else args_start
        # shift segments so that they index `args`
        if len(segments) == 1:
            arg_segments = ((0, segments[0][1] + i),)
        else:
            arg_segments = tuple((max(a - i, 0), t + max(i - a, 0)) for a, t in _segments_from(segments, i))

        json_args = None
        if kw in JSON_INSTRUCTIONS and kw != "HEALTHCHECK":
            json_args = self.json_form(args, args_start, args_end)
        if words and not (kw == "HEALTHCHECK" and _FIRST_WORD_RE.match(args).group(0).upper() == "NONE"):
            self.check_flags(kw, words, flags)
        if kw == "SHELL":
            if json_args is None:
                raise self.error("SHELL requires the arguments to be in JSON form", args_start, args_end)
            if not json_args:
                raise self.error("SHELL requires at least one argument", kw_start, kw_end)
        elif kw == "VOLUME" and json_args is not None:
            if not json_args:
                raise self.error("VOLUME requires at least one argument", kw_start, kw_end)
            if any(not v.strip(GO_SPACE) for v in json_args):
                raise self.error("VOLUME specified can not be an empty string", args_start, args_end)
        if kw in ("ENV", "LABEL", "ARG"):
            self.check_name_values(kw, args, arg_segments)
        elif kw == "HEALTHCHECK":
            self.check_healthcheck(args, args_start, args_end, flags)
        elif kw in ("COPY", "ADD"):
            paths = _BK_SPLIT_RE.split(args) if json_args is None else json_args
            if len(paths) < 2:
                raise self.error(f"{kw} requires at least two arguments, but only one was provided. Destination could "
                                 "not be determined", kw_start, kw_end)

        # heredocs: RUN, COPY and ADD in shell form, also as an ONBUILD trigger
        heredocs: tuple[Heredoc, ...] = ()
        resume = n
        target, target_json = kw, json_args
        if kw == "ONBUILD":
            target, target_json = self.onbuild_trigger(args, args_start, args_end)
        if target in HEREDOC_INSTRUCTIONS and target_json is None and "<<" in logical:
            heredocs, resume = self.read_heredocs(logical, segments, resume)
            if heredocs:
                end_offset = heredocs[-1].span.end

        if kw in ("COPY", "ADD"):  # after the heredocs, as BuildKit reads them first
            dest = _BK_SPLIT_RE.split(args)[-1] if json_args is None else json_args[-1]
            if is_heredoc_word(dest):
                raise self.error(f"{kw} cannot accept a heredoc as a destination", args_end - len(dest), args_end)

        ins = Instruction(
            index=ins_index,
            keyword=kw,
            raw_keyword=raw_kw,
            span=self.span(kw_start, end_offset),
            flags=tuple(flags),
            args=args,
            args_span=self.span(args_start, args_end),
            segments=arg_segments,
            json_args=json_args,
            heredocs=heredocs,
        )
        return ins, resume

    def read_heredocs(self, logical: str, segments, body_line: int) -> tuple[tuple[Heredoc, ...], int]:
        """Heredocs of one instruction line, as BuildKit finds them: the whole line is split
        into words by its shell lexer (escape `\\`, quotes kept); a word `[n]<<[-][blanks]name`
        names a heredoc when `name` is one word once its quotes are removed. Their bodies
        follow the instruction, one after the other, each ended by a line equal to its name
        (leading tabs removed first for `<<-`)."""
        try:
            words = Lex(logical, raw_quotes=True, raw_escapes=True).words()
        except LexError as exc:
            # BuildKit reads no heredoc on a line its lexer cannot split: the body would be read
            # as instructions, and the shell would refuse the line anyway
            if _MARKER_RE.search(logical):
                start = _map(segments, min(exc.pos, len(logical) - 1))
                raise self.error(f"heredoc not read: {exc.message}", start, start + 1) from None
            return (), body_line
        markers = []
        for start, end, word in words:
            try:
                found = heredoc_name(word)
            except LexError as exc:
                s = _map(segments, start)
                raise self.error(f"invalid heredoc word {word!r}: {exc.message}", s, _map(segments, end - 1) + 1) \
                    from None
            if found is not None:
                markers.append((start, end, *found))
        docs = []
        n = body_line
        for start, end, strip_tabs, quoted, delim in markers:
            mstart = _map(segments, start)
            marker = self.span(mstart, _map(segments, end - 1) + 1)
            first = n
            body_lines = []
            while True:
                if n >= len(self.lines) or (n == len(self.lines) - 1 and self.lines[n] == "" and
                                            self.text.endswith("\n")):
                    raise self.error(f"unterminated heredoc: no line {delim!r} ends it", marker.start, marker.end)
                line = self.lines[n]
                check = line.rstrip("\r")
                if strip_tabs:
                    check = check.lstrip("\t")
                if check == delim:  # BuildKit: the whole line, trailing blanks included
                    break
                body_lines.append(line.lstrip("\t") if strip_tabs else line)
                n += 1
            body_start = self.off(first)
            body_end = self.off(n) - 1 if n > first else body_start
            if body_end > body_start and self.text[body_end - 1] == "\r":
                body_end -= 1
            term_end = self.off(n, len(self.lines[n]))
            body = "\n".join(body_lines) + ("\n" if body_lines else "")
            docs.append(Heredoc(
                delimiter=delim,
                strip_tabs=strip_tabs,
                quoted=quoted,
                marker=marker,
                body=body,
                body_span=self.span(body_start, max(body_end, body_start)),
                span=self.span(body_start, term_end),
            ))
            n += 1
        return tuple(docs), n

    # -- stages --------------------------------------------------------------------
    def assemble(self) -> Dockerfile:
        stages: list[Stage] = []
        instructions: list[Instruction] = []
        current: list[Instruction] | None = None
        from_ins = None
        stage_meta = None

        def close():
            if from_ins is not None:
                name, base, platform = stage_meta
                stages.append(Stage(len(stages), name, base, platform, from_ins, tuple(current)))

        for ins in self.instructions:
            if ins.keyword == "FROM":
                close()
                stage_meta = self.from_parts(ins)
                ins = _with_stage(ins, len(stages))
                from_ins, current = ins, []
            elif from_ins is None:
                if ins.keyword != "ARG":
                    raise self.error(f"{ins.keyword} before the first FROM: only ARG may come first",
                                     ins.span.start, ins.span.start + len(ins.raw_keyword))
            else:
                ins = _with_stage(ins, len(stages))
                current.append(ins)
            instructions.append(ins)
        close()
        if not stages:
            if instructions:
                ins = instructions[-1]
                raise self.error("no FROM instruction: the file has no build stage", ins.span.start)
            raise ParseError("the file has no instructions (no FROM)", 1, 1)
        newline = "\r\n" if "\r\n" in self.text[: self.text.find("\n") + 1 or len(self.text)] else "\n"
        return Dockerfile(
            path=self.path,
            text=self.text,
            bom=self.bom,
            newline=newline,
            escape=self.escape,
            directives=tuple(self.directives),
            instructions=tuple(instructions),
            comments=tuple(sorted(self.comments, key=lambda c: c.span.start)),
            stages=tuple(stages),
            lines=self.index,
        )

    def from_parts(self, ins: Instruction) -> tuple[str | None, str, str | None]:
        words = _BK_SPLIT_RE.split(ins.args)
        if len(words) == 3 and words[1].lower() == "as":
            name = words[2].lower()
            if not _STAGE_NAME_RE.match(name):
                raise self.error(f"invalid name for build stage: {go_quote(words[2])}, name can't start with a "
                                 "number or contain symbols", ins.args_span.start, ins.args_span.end)
        elif len(words) != 1:
            raise self.error("FROM requires either one or three arguments", ins.args_span.start, ins.args_span.end)
        else:
            name = None
        platform = ins.flag("platform")
        return name, words[0], platform.value if platform else None


def _with_stage(ins: Instruction, stage: int) -> Instruction:
    # The instruction was made by this parse and nothing else holds it yet: set its stage in
    # place, as its own __init__ would (a new Instruction would copy every field: slower).
    object.__setattr__(ins, "stage", stage)
    return ins


def _segments_from(segments, i):
    """Segments that cover logical positions >= i."""
    out = []
    for idx, (a, t) in enumerate(segments):
        nxt = segments[idx + 1][0] if idx + 1 < len(segments) else None
        if nxt is not None and nxt <= i:
            continue
        out.append((a, t))
    return out


def _directive(line: str) -> tuple[str, str, int] | None:
    """(name, value, column of the value) of a directive line `# name=value`, else None."""
    if not line.startswith("#"):
        return None
    rest = line[1:].lstrip(GO_SPACE)
    m = DIRECTIVE_RE.match(rest)
    if not m:
        return None
    name = m.group(1).lower()
    if name not in DIRECTIVE_NAMES:
        return None
    return name, m.group(2), len(line) - len(rest) + m.start(2)
